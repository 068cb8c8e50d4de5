#!/usr/bin/env bash
# IR spectrum of liquid water from the CACE-LES student distilled from CHGNet 0.3.0 by
# benchmarks/distill_water.py: 5 ps of student NVT (32 H2O, 300 K, 0.5 fs, current every 2 fs),
# response (ε∞ = 1.78), spectrum in 1250 fs blocks with 50 % overlap, peaks against Bertie & Lan,
# and the figure. Results: results/benchmarks/water_ir/ and benchmarks/results/water_ir_*.
set -euo pipefail
work=results/benchmarks/water_ir
student=results/benchmarks/distill_water/cace.pt
test -f "$student" || { echo "run benchmarks/distill_water.py first (needs $student)" >&2; exit 1; }
mkdir -p "$work"
cat > "$work/md.yaml" <<'YAML'
ensemble: nvt
thermostat: bussi
timestep_fs: 0.5
temperature_K: 300
thermostat_time_fs: 100
equilibration_steps: 1000
production_steps: 10000
sample_stride: 4
checkpoint_every: 2000
seed: 1
YAML
lesdistill build-system water --molecules 32 --seed 3 -o "$work/water.extxyz"
lesdistill md "$work/water.extxyz" --student "$student" --dtype float32 --settings "$work/md.yaml" -o "$work/md.nc"
lesdistill response "$work/md.nc" --student "$student" --epsilon-inf 1.78 --bec-stride 25 -o "$work/response.nc"
lesdistill ir "$work/response.nc" --block-length-fs 1250 --overlap 0.5 --smoothing-cm1 20 --reference water \
    -o "$work/chgnet-0.3.0/water/ir.nc"
lesdistill figures --out "$work/figures" --ir "chgnet-0.3.0/water=$work/chgnet-0.3.0/water/ir.nc" \
    --response "CACE-LES (CHGNet)=$work/response.nc" --formats png pdf --dpi 150
