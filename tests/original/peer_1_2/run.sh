#!/usr/bin/env bash
# usage: run.sh PORT   -- start daphne (chatlabs-django-support 1.2.0 peer) on 127.0.0.1:PORT in the background
set -euo pipefail
STATE=${REFPEER12_STATE:-$HOME/.cache/chatlabs-support-peer-1.2}
mkdir -p "$STATE"
PORT=${1:?usage: run.sh PORT}
VENV=${REFPEER12_VENV:-$STATE/venv}
PROJ=${REFPEER12_PROJ:-$STATE/proj}
PIDFILE=${REFPEER12_PIDFILE:-$STATE/daphne.pid}
LOG=${REFPEER12_LOG:-$STATE/daphne.log}

if [[ -f "$PIDFILE" ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
    echo "already running: pid $(cat "$PIDFILE")" >&2
    exit 1
fi
[[ -f "$PROJ/manage.py" ]] || { echo "no project at $PROJ; run setup.sh" >&2; exit 1; }

cd "$PROJ"
# exec => the recorded pid is daphne itself (needed for RSS measurement / stop.sh)
nohup bash -c "exec '$VENV/bin/daphne' -b 127.0.0.1 -p '$PORT' django_project.asgi:application" \
    >"$LOG" 2>&1 </dev/null &
echo $! > "$PIDFILE"
PID=$(cat "$PIDFILE")

for _ in $(seq 1 100); do
    if ! kill -0 "$PID" 2>/dev/null; then
        echo "daphne exited; log:" >&2; cat "$LOG" >&2; rm -f "$PIDFILE"; exit 1
    fi
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/support/tickets/" || true)
    if [[ "$code" == "200" ]]; then
        echo "peer up: pid $PID http://127.0.0.1:$PORT (log $LOG)"
        exit 0
    fi
    sleep 0.2
done
echo "peer did not answer within 20 s; log:" >&2; cat "$LOG" >&2
exit 1
