#!/usr/bin/env bash
# Stop the daemons that tests/slurm/start_slurm.sh DIR started (by the pids it recorded, newest
# first) and remove DIR. Touches no other process. KEEP=1 keeps DIR (logs, workflow outputs).
# Usage: tests/slurm/stop_slurm.sh DIR
set -uo pipefail

DIR=${1:?usage: stop_slurm.sh DIR}
say() { echo "[stop_slurm] $*"; }

if [ ! -e "$DIR/.lesdistill-slurm" ]; then
    say "$DIR was not made by start_slurm.sh; nothing to do"
    exit 0
fi

if [ -f "$DIR/etc/slurm.conf" ] && grep -q "^slurmctld " "$DIR/pids" 2>/dev/null; then
    # cancel what is still queued or running on this cluster (SLURM_CONF: ours only), so that no
    # job step outlives slurmd
    export SLURM_CONF=$DIR/etc/slurm.conf
    if [ -n "$(timeout 10 squeue -h -o %i 2>/dev/null)" ]; then
        timeout 10 scancel --user="$(id -un)" 2>/dev/null && say "cancelled the remaining jobs"
        for _ in $(seq 1 40); do [ -z "$(timeout 10 squeue -h -o %i 2>/dev/null)" ] && break; sleep 0.5; done
    fi
fi

if [ -f "$DIR/pids" ]; then
    # newest first: slurmd, slurmctld, slurmdbd, mariadbd, munged
    tac "$DIR/pids" | while read -r name pid; do
        [ -n "$pid" ] || continue
        # the pid must still be that daemon (not a recycled pid)
        if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != "$name" ]; then
            say "$name (pid $pid) already gone"
            continue
        fi
        kill -TERM "$pid" 2>/dev/null
        for _ in $(seq 1 60); do   # up to 15 s, then SIGKILL
            [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ] || break
            sleep 0.25
        done
        if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ]; then
            say "$name (pid $pid) ignored SIGTERM: SIGKILL"
            kill -KILL "$pid" 2>/dev/null
        else
            say "stopped $name (pid $pid)"
        fi
    done
fi

if [ "${KEEP:-0}" = 1 ]; then
    say "kept $DIR (KEEP=1)"
else
    rm -rf "$DIR" && say "removed $DIR"
fi
