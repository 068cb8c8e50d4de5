#!/usr/bin/env bash
# Start a throw-away one-node Slurm cluster on this machine, everything under DIR:
#   munged (own key and socket) → MariaDB (socket only) → slurmdbd → slurmctld → slurmd.
# Usage: tests/slurm/start_slurm.sh DIR     (DIR: an empty folder, e.g. from mktemp -d)
# Writes DIR/env.sh (source it: SLURM_CONF and the test's partition/account) and DIR/pids
# ("name pid" per daemon, in start order); tests/slurm/stop_slurm.sh DIR stops exactly those.
# Needs root (apt-get, daemons as root/munge/mysql). Installs slurm-wlm, slurmdbd, munge and
# MariaDB with apt-get when they are missing; Debian/Ubuntu only.
set -euo pipefail

DIR=${1:?usage: start_slurm.sh DIR}
DIR=$(cd "$DIR" && pwd)
CLUSTER=lesdistill
NODE=lesdistill-node
PARTITION=lesdistill
ACCOUNT=lesdistill

say() { echo "[start_slurm] $*"; }
die() { echo "[start_slurm] ERROR: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (apt-get and the Slurm/munge/MariaDB daemons)"

# --- packages ---------------------------------------------------------------------------------
need=()
for pair in slurmctld:slurm-wlm slurmd:slurm-wlm slurmdbd:slurmdbd munged:munge mungekey:munge \
            mariadbd:mariadb-server mariadb:mariadb-client setpriv:util-linux; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
    command -v apt-get >/dev/null || die "missing ${need[*]} and no apt-get to install them"
    say "installing ${need[*]} (apt-get)"
    apt-get update -qq
    # policy-rc.d in containers keeps the stock services from starting; on a systemd machine they
    # would start here: they use the default ports/sockets, ours use their own (below).
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        $(printf '%s\n' "${need[@]}" | sort -u) >"$DIR/apt.log" 2>&1 || { tail -20 "$DIR/apt.log"; die "apt-get install failed"; }
fi

# --- layout -----------------------------------------------------------------------------------
touch "$DIR/.lesdistill-slurm"   # marker: stop_slurm.sh removes only folders that carry it
: >"$DIR/pids"
chmod 755 "$DIR"                 # munge and mysql must traverse it
mkdir -p "$DIR/munge" "$DIR/munge-run" "$DIR/mysql" "$DIR/state" "$DIR/spool" "$DIR/log" "$DIR/etc"
chown munge:munge "$DIR/munge" "$DIR/munge-run"
chmod 700 "$DIR/munge"; chmod 755 "$DIR/munge-run"   # key private; socket folder open to clients
chown mysql:mysql "$DIR/mysql"; chmod 750 "$DIR/mysql"
MUNGE_SOCKET=$DIR/munge-run/munge.socket
DB_SOCKET=$DIR/mysql/mysqld.sock

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
CTLD_PORT=$(free_port); SLURMD_PORT=$(free_port); DBD_PORT=$(free_port)

started() { echo "$1 $2" >>"$DIR/pids"; }
# wait_for DESCRIPTION SECONDS PID COMMAND...: poll COMMAND until it succeeds; fail early when PID dies
wait_for() {
    local what=$1 seconds=$2 pid=$3; shift 3
    local deadline=$((SECONDS + seconds))
    until "$@" >/dev/null 2>&1; do
        kill -0 "$pid" 2>/dev/null || die "$what: the daemon (pid $pid) exited; see $DIR/log"
        [ $SECONDS -lt $deadline ] || die "$what: not ready after ${seconds}s; see $DIR/log"
        sleep 0.5
    done
    say "$what ready (pid $pid)"
}

# --- munge ------------------------------------------------------------------------------------
mungekey --create --keyfile="$DIR/munge/munge.key"
chown munge:munge "$DIR/munge/munge.key"; chmod 600 "$DIR/munge/munge.key"
# as the munge user, in the foreground, so that the recorded pid is munged's own
setpriv --reuid=munge --regid=munge --init-groups \
    munged --foreground --key-file="$DIR/munge/munge.key" --socket="$MUNGE_SOCKET" \
    --pid-file="$DIR/munge-run/munged.pid" --log-file="$DIR/munge/munged.log" \
    --seed-file="$DIR/munge/munged.seed" --num-threads=2 </dev/null >"$DIR/log/munged.out" 2>&1 &
started munged $!
wait_for munged 20 $! bash -c "munge -n -S '$MUNGE_SOCKET' | unmunge -S '$MUNGE_SOCKET'"

# --- MariaDB (socket only, data in DIR) --------------------------------------------------------
mariadb-install-db --no-defaults --user=mysql --datadir="$DIR/mysql/data" \
    --auth-root-authentication-method=socket --skip-test-db >"$DIR/log/mariadb-install.log" 2>&1 \
    || { tail -20 "$DIR/log/mariadb-install.log"; die "mariadb-install-db failed"; }
mariadbd --no-defaults --user=mysql --datadir="$DIR/mysql/data" --socket="$DB_SOCKET" \
    --pid-file="$DIR/mysql/mysqld.pid" --skip-networking --log-error="$DIR/mysql/mysqld.err" \
    --innodb-buffer-pool-size=128M --innodb-lock-wait-timeout=900 --skip-log-bin \
    </dev/null >"$DIR/log/mariadbd.out" 2>&1 &
started mariadbd $!
wait_for mariadb 60 $! mariadb --no-defaults --socket="$DB_SOCKET" -e 'SELECT 1'

# --- configuration ----------------------------------------------------------------------------
CPUS=$(nproc)
MEM_MB=$(awk '/MemTotal/ {printf "%d", $2 / 1024 * 0.85}' /proc/meminfo)
cat >"$DIR/etc/slurm.conf" <<EOF
# one-node test cluster written by tests/slurm/start_slurm.sh
ClusterName=$CLUSTER
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$MUNGE_SOCKET
CommunicationParameters=NoCtldInAddrAny,NoInAddrAny
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/state/slurmctld.pid
SlurmdPidFile=$DIR/spool/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
SlurmdParameters=config_overrides
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
MinJobAge=300
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePort=$DBD_PORT
AccountingStoragePass=socket=$MUNGE_SOCKET
JobAcctGatherType=jobacct_gather/linux
JobCompType=jobcomp/none
AccountingStoreFlags=job_comment
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=$PARTITION Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
cat >"$DIR/etc/slurmdbd.conf" <<EOF
AuthType=auth/munge
AuthInfo=socket=$MUNGE_SOCKET
DbdHost=localhost
DbdAddr=127.0.0.1
DbdPort=$DBD_PORT
SlurmUser=root
LogFile=$DIR/log/slurmdbd.log
PidFile=$DIR/state/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=root
StorageLoc=slurm_acct_db
EOF
chmod 600 "$DIR/etc/slurmdbd.conf"
export SLURM_CONF=$DIR/etc/slurm.conf   # slurmdbd finds slurmdbd.conf next to it
# Inside a job, the plugin's jobstep drops every SLURM_* variable, SLURM_CONF too, before its
# `srun`; a real cluster's srun then finds /etc/slurm/slurm.conf. This cluster's config is only in
# DIR, so the test's PATH gets an srun that points the real one at it (no file outside DIR).
mkdir -p "$DIR/bin"
printf '#!/bin/sh\nSLURM_CONF=%s exec %s "$@"\n' "$SLURM_CONF" "$(command -v srun)" >"$DIR/bin/srun"
chmod 755 "$DIR/bin/srun"
cat >"$DIR/env.sh" <<EOF
export SLURM_CONF=$SLURM_CONF
export PATH=$DIR/bin:\$PATH
export LESDISTILL_SLURM_PARTITION=$PARTITION
export LESDISTILL_SLURM_ACCOUNT=$ACCOUNT
EOF

# --- slurmdbd, the accounting records, slurmctld, slurmd -----------------------------------------
MYSQL_UNIX_PORT=$DB_SOCKET slurmdbd -D </dev/null >"$DIR/log/slurmdbd.out" 2>&1 &
started slurmdbd $!
wait_for slurmdbd 60 $! sacctmgr -n list cluster
sacctmgr -i add cluster "$CLUSTER" >/dev/null
sacctmgr -i add account "$ACCOUNT" Cluster="$CLUSTER" Description=lesdistill-test Organization=lesdistill >/dev/null
sacctmgr -i add user root Account="$ACCOUNT" DefaultAccount="$ACCOUNT" Cluster="$CLUSTER" >/dev/null

slurmctld -D -c -i </dev/null >"$DIR/log/slurmctld.out" 2>&1 &
started slurmctld $!
wait_for slurmctld 60 $! scontrol ping

slurmd -D -N "$NODE" </dev/null >"$DIR/log/slurmd.out" 2>&1 &
started slurmd $!
wait_for "node $NODE idle" 60 $! bash -c "sinfo -h -N -n '$NODE' -o %t | grep -qx idle"

say "cluster $CLUSTER up: partition $PARTITION, $CPUS CPUs, ${MEM_MB} MB; SLURM_CONF=$SLURM_CONF"
