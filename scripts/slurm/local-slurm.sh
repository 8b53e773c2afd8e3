#!/usr/bin/env bash
# A one-node Slurm on this machine, for the tests of miaudit's Slurm job arrays (docs/scale-out.md).
#
#   scripts/slurm/local-slurm.sh install        # apt: slurm-wlm and munge (root or sudo)
#   scripts/slurm/local-slurm.sh start DIR      # writes DIR/slurm.conf, starts munged, slurmctld, slurmd
#   export SLURM_CONF=DIR/slurm.conf            # what start prints; then sbatch, squeue, sinfo work
#   scripts/slurm/local-slurm.sh stop DIR       # stops exactly the daemons start started, by PID
#
# It runs in a plain container as root: proctrack/linuxproc and task/none need no cgroups, and
# SlurmUser=root needs no slurm account. Nothing outside DIR is written except munge's socket
# directory (/run/munge) and, when missing, munge's key (/etc/munge/munge.key).
set -euo pipefail

usage() { sed -n '2,9p' "$0" >&2; exit 64; }
[ $# -ge 1 ] || usage
command=$1

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "local-slurm: run as root or install sudo" >&2; exit 77; }
  as_root=(sudo)
fi

case "$command" in
install)
  need=()
  for pkg in slurm-wlm munge; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
  done
  if [ ${#need[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    "${as_root[@]}" apt-get update -qq
    "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
  echo "local-slurm: slurm-wlm and munge present"
  ;;
start)
  [ $# -eq 2 ] || usage
  dir=$(mkdir -p "$2" && cd "$2" && pwd)
  for tool in munged slurmctld slurmd sinfo; do
    command -v "$tool" >/dev/null || { echo "local-slurm: $tool not found; run: $0 install" >&2; exit 69; }
  done
  mkdir -p "$dir/ctld" "$dir/spool" "$dir/munge"
  host=$(hostname -s)
  cpus=$(nproc)
  memory=$(awk '/MemTotal/ { print int($2 / 1024 * 0.8) }' /proc/meminfo)

  # munge: the key Debian's package made, or a fresh one; our own socket and PID file.
  if [ ! -s /etc/munge/munge.key ]; then
    "${as_root[@]}" mkdir -p /etc/munge
    "${as_root[@]}" dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    "${as_root[@]}" chmod 0400 /etc/munge/munge.key
  fi
  "${as_root[@]}" mkdir -p /run/munge /var/lib/munge /var/log/munge
  socket=/run/munge/munge.socket.2
  if ! munge -n -S "$socket" >/dev/null 2>&1; then
    "${as_root[@]}" munged --force --socket="$socket" --pid-file="$dir/munge/munged.pid" \
      --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed"
    echo started > "$dir/munge/started-by-us"
  fi
  for _ in $(seq 50); do munge -n -S "$socket" >/dev/null 2>&1 && break; sleep 0.1; done
  munge -n -S "$socket" >/dev/null || { echo "local-slurm: munged did not come up; see $dir/munge/munged.log" >&2; exit 70; }

  cat > "$dir/slurm.conf" <<EOF
# One-node Slurm for miaudit's tests, written by scripts/slurm/local-slurm.sh.
ClusterName=miaudit-local
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
SlurmctldPort=16817
SlurmdPort=16818
StateSaveLocation=$dir/ctld
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MinJobAge=3600
NodeName=$host CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  export SLURM_CONF="$dir/slurm.conf"
  "${as_root[@]}" slurmctld -f "$dir/slurm.conf"
  "${as_root[@]}" slurmd -f "$dir/slurm.conf"
  for _ in $(seq 300); do
    state=$(sinfo -h -N -o '%T' 2>/dev/null | head -1 || true)
    case "$state" in idle|mixed|allocated) break ;; esac
    sleep 0.2
  done
  case "$state" in
    idle|mixed|allocated) ;;
    *) echo "local-slurm: the node is '${state:-unknown}' after 60 s; see $dir/slurmctld.log and $dir/slurmd.log" >&2; exit 70 ;;
  esac
  echo "local-slurm: node $host ($cpus CPUs) $state; export SLURM_CONF=$dir/slurm.conf"
  ;;
stop)
  [ $# -eq 2 ] || usage
  dir=$2
  stop_pid() {  # $1: PID file; waits up to 10 s, then kills
    [ -s "$1" ] || return 0
    local pid
    pid=$(cat "$1")
    if kill -0 "$pid" 2>/dev/null; then
      "${as_root[@]}" kill "$pid" 2>/dev/null || true
      for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && "${as_root[@]}" kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$1"
  }
  stop_pid "$dir/slurmd.pid"
  stop_pid "$dir/slurmctld.pid"
  if [ -f "$dir/munge/started-by-us" ]; then
    stop_pid "$dir/munge/munged.pid"
    rm -f "$dir/munge/started-by-us"
  fi
  echo "local-slurm: stopped the daemons started in $dir"
  ;;
*) usage ;;
esac
