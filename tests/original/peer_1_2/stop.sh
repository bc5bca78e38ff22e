#!/usr/bin/env bash
# Stop the daphne started by run.sh, by its recorded pid only.
set -euo pipefail
STATE=${REFPEER12_STATE:-$HOME/.cache/chatlabs-support-peer-1.2}
mkdir -p "$STATE"
PIDFILE=${REFPEER12_PIDFILE:-$STATE/daphne.pid}
[[ -f "$PIDFILE" ]] || { echo "no pid file $PIDFILE"; exit 0; }
PID=$(cat "$PIDFILE")
if kill -0 "$PID" 2>/dev/null; then
    kill -TERM "$PID"
    for _ in $(seq 1 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$PID" 2>/dev/null; then kill -KILL "$PID"; fi
    echo "stopped pid $PID"
else
    echo "pid $PID not running"
fi
rm -f "$PIDFILE"
