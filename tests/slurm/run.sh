#!/usr/bin/env bash
# `make test-slurm`: start a throw-away one-node Slurm (start_slurm.sh), run tests/slurm/test_slurm.py
# against it, print Slurm's record of the jobs, and stop exactly the daemons it started (stop_slurm.sh),
# also on failure or Ctrl-C. Usage: tests/slurm/run.sh PYTHON [PYTEST ARGS...]   (KEEP=1 keeps the folder)
set -uo pipefail

PYTHON=${1:?usage: run.sh PYTHON [pytest args]}; shift
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
DIR=$(mktemp -d "${TMPDIR:-/tmp}/lesdistill-slurm.XXXXXX") || exit 1

cleanup() { bash "$HERE/stop_slurm.sh" "$DIR"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

start=$SECONDS
bash "$HERE/start_slurm.sh" "$DIR" || { echo "--- Slurm did not start; logs:"; tail -n 20 "$DIR"/log/* "$DIR"/mysql/*.err 2>/dev/null; exit 1; }
# shellcheck disable=SC1091
source "$DIR/env.sh"
echo "[run] Slurm up after $((SECONDS - start)) s"

cd "$ROOT" || exit 1
LESDISTILL_SLURM_TEST=1 "$PYTHON" -m pytest tests/slurm/test_slurm.py -s -p no:cacheprovider \
    --basetemp "$DIR/pytest" "$@"
status=$?

echo "[run] Slurm's record of this run (sacct -X):"
sacct -X -a -o JobID,Comment%52,Partition,Account,AllocCPUS,ReqMem,State,ExitCode,Elapsed
[ $status -eq 0 ] || tail -n 30 "$DIR"/log/slurmctld.log
echo "[run] pytest exit $status after $((SECONDS - start)) s in all"
exit $status
