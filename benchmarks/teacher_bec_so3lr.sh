#!/usr/bin/env bash
# SO3LR → CACE-LES student on water; the student's LES BECs against SO3LR's own (benchmarks/teacher_bec_so3lr.yaml).
# Usage: benchmarks/teacher_bec_so3lr.sh SO3LR_PYTHON (the SO3LR stack's interpreter, e.g. .venv-so3lr/bin/python;
# `make benchmark-teacher-bec` builds it). Runs the campaign's chain of the cell in results/benchmarks/teacher_bec_so3lr/
# (resumable: rerun to continue) and copies metrics, summary, the parity figure and the stage times to
# benchmarks/results/teacher_bec_so3lr/.
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
"$python" - "$work" "$out" "$(( $(date +%s) - start ))" <<'PY'
import csv, json, sys
from pathlib import Path
work, out, wall = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
times = {}
for tsv in sorted((work / "results" / "benchmarks").rglob("*.tsv")):
    with open(tsv) as handle:
        times[str(tsv.relative_to(work / "results" / "benchmarks").with_suffix(""))] = float(next(csv.DictReader(handle, delimiter="\t"))["s"])
(out / "timing.json").write_text(json.dumps({"what": "benchmarks/teacher_bec_so3lr.sh, 2 cores", "wall_s_this_run": wall,
                                             "job_wall_s": times}, indent=1) + "\n")
PY
echo "results in $out"
