#!/usr/bin/env bash
# SO3LR → CACE-LES student on water; the student's LES BECs against SO3LR's own (benchmarks/teacher_bec_so3lr.yaml).
# Usage: benchmarks/teacher_bec_so3lr.sh SO3LR_PYTHON (the SO3LR stack's interpreter, e.g. .venv-so3lr/bin/python;
# `make benchmark-teacher-bec` builds it). Runs the campaign's chain of the cell in results/benchmarks/teacher_bec_so3lr/
# (resumable: rerun to continue), then three variants of the student on the same labels, scored on the same frames:
# its charges supervised by SO3LR's (training.charges_weight = CHARGES_WEIGHT, default 100), trained on 140 frames
# (the earlier 1 ps protocol's count), and trained with another seed; copies the metrics, the summary, the parity
# figures and the times to benchmarks/results/teacher_bec_so3lr/.
set -euo pipefail
python=$(cd "$(dirname "${1:?usage: $0 SO3LR_PYTHON}")" && pwd)/$(basename "$1")  # absolute, the venv's link kept
root=$(pwd)
work=results/benchmarks/teacher_bec_so3lr
out=benchmarks/results/teacher_bec_so3lr
mkdir -p "$work" "$out"
start=$(date +%s)
snakemake --snakefile "$root/workflow/Snakefile" --directory "$work" --configfile "$root/benchmarks/teacher_bec_so3lr.yaml" \
    --config "teacher_overrides={so3lr: {python: $python}}" --cores "${CORES:-2}" \
    results/so3lr/water/metrics.json
snakemake --snakefile "$root/workflow/Snakefile" --directory "$work" --configfile "$root/benchmarks/teacher_bec_so3lr.yaml" \
    --config "teacher_overrides={so3lr: {python: $python}}" --cores 1 summary --forcerun summary
cp "$work/results/so3lr/water/metrics.json" "$work/results/summary.csv" "$work/results/figures/teacher_bec_parity_water.png" "$out/"

cell=$work/results/so3lr/water
# variant NAME KEY VALUE: the cell's student retrained on the same labels with one training setting changed,
# scored on the same test frames and the same SO3LR BECs (its training time kept in NAME/train_seconds)
variant() {
    local dir=$cell/$1
    mkdir -p "$dir"
    python - "$work/results/settings/water/training.yaml" "$dir/training.yaml" "$2" "$3" <<'PY'
import sys
import yaml
settings = yaml.safe_load(open(sys.argv[1]))
settings[sys.argv[3]] = yaml.safe_load(sys.argv[4])
open(sys.argv[2], "w").write(yaml.safe_dump(settings, sort_keys=False))
PY
    local begin trained
    begin=$(date +%s)
    trained=$([ -f "$dir/student.pt" ] && echo reused || echo new)
    lesdistill train "$cell/labels.nc" --model "$work/results/settings/water/model.yaml" --settings "$dir/training.yaml" \
        -o "$dir/student.pt" > "$dir/train.log" 2>&1
    [ "$trained" = reused ] || echo $(( $(date +%s) - begin )) > "$dir/train_seconds"
    lesdistill evaluate "$dir/student.pt" --labels "$cell/labels.nc" --teacher-bec "$cell/teacher_bec.extxyz" \
        --settings "$work/results/settings/water/evaluate.yaml" -o "$dir/metrics.nc" --overwrite > "$dir/evaluate.log" 2>&1
    cp "$dir/metrics.json" "$out/metrics_$1.json"
}
variant charges charges_weight "${CHARGES_WEIGHT:-100}"  # its charges supervised by SO3LR's
variant frames140 train_frames 140                        # as many training frames as the earlier 1 ps protocol had
variant seed1 seed 1                                      # another initialisation and batch order: how firm the scale is
python - "$cell" "$out" <<'PY'
import sys
from pathlib import Path
from lesdistill.figures.summary import bec_parity_cells
cell, out = Path(sys.argv[1]), Path(sys.argv[2])
bec_parity_cells({"energies + forces": cell / "metrics.nc", "+ SO3LR charges": cell / "charges" / "metrics.nc"}, "water",
                 out / "teacher_bec_parity_water_charges", prefix="teacher_bec", formats=["png"])
PY
"$python" - "$work" "$out" "$(( $(date +%s) - start ))" <<'PY'
import csv, json, sys
from pathlib import Path
work, out, wall = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
times = {}
for tsv in sorted((work / "results" / "benchmarks").rglob("*.tsv")):
    with open(tsv) as handle:
        times[str(tsv.relative_to(work / "results" / "benchmarks").with_suffix(""))] = float(next(csv.DictReader(handle, delimiter="\t"))["s"])
(out / "timing.json").write_text(json.dumps({"what": "benchmarks/teacher_bec_so3lr.sh, 2 cores", "wall_s_this_run": wall,
                                             "job_wall_s": times, "variant_train_wall_s": {
                                                 path.parent.name: int(path.read_text()) for path in
                                                 sorted((work / "results/so3lr/water").glob("*/train_seconds"))}},
                                            indent=1) + "\n")
PY
echo "results in $out"
