#!/usr/bin/env bash
# The Python original beside this server, in one run (issue 18, goal 4).
#
#   crates/support-bench/scripts/versus_original.sh            # from the repository root
#
# Sets up the original (chatlabs-support 0.1.5 on daphne, SQLite) with the reference peer's
# setup.sh (it installs from PyPI the first time), then measures it and this server (SQLite,
# spawned by loadgen) ALTERNATELY with the same loadgen parameters, ROUNDS times (original,
# ours, original, ours, ...), each from a fresh database, and prints the ratio table of issue 18
# (`loadgen compare`). Only the fan-out counts differ: the original gets ORIGINAL_FANOUT
# (it needs seconds per 1,000 sockets), ours OURS_FANOUT.
#
# Build first: cargo build --release -p support-bench -p chatlabs-support-server
#
# Environment (defaults in brackets):
#   PEER_DIR        the reference peer's scripts [../shared/reference/django_peer]
#   REFPEER_STATE   the peer's venv, project, pid and log [~/.cache/chatlabs-support-peer]
#   TARGET_DIR      the cargo target directory holding release/ [$CARGO_TARGET_DIR or target]
#   OUT             where the JSON reports, logs and table go [target/bench-data/versus-<time>]
#   ROUNDS [1]  PEER_PORT [8765]  LEVELS [1,16,64]  DURATION [5]  WARMUP [1]  TICKETS [64]
#   SAMPLES [500]  GAP_MS [20]  FANOUT_ROUNDS [5]  ORIGINAL_FANOUT [1000]  OURS_FANOUT [1000,10000]
#   SKIP_SETUP=1    use the peer's existing venv and project (no reinstall, the same database)
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$REPO"
PEER_DIR=${PEER_DIR:-$REPO/../shared/reference/django_peer}
TARGET_DIR=${TARGET_DIR:-${CARGO_TARGET_DIR:-$REPO/target}}
# The release directory itself is accepted too.
[[ -x $TARGET_DIR/loadgen ]] && TARGET_DIR=$(dirname "$TARGET_DIR")
LOADGEN=$TARGET_DIR/release/loadgen
SERVER=$TARGET_DIR/release/chatlabs-support-server
OUT=${OUT:-$REPO/target/bench-data/versus-$(date -u +%Y%m%dT%H%M%SZ)}
ROUNDS=${ROUNDS:-1}
PEER_PORT=${PEER_PORT:-8765}
LEVELS=${LEVELS:-1,16,64}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-1}
TICKETS=${TICKETS:-64}
SAMPLES=${SAMPLES:-500}
GAP_MS=${GAP_MS:-20}
FANOUT_ROUNDS=${FANOUT_ROUNDS:-5}
ORIGINAL_FANOUT=${ORIGINAL_FANOUT:-1000}
OURS_FANOUT=${OURS_FANOUT:-1000,10000}
PEER_STATE=${REFPEER_STATE:-$HOME/.cache/chatlabs-support-peer}

for f in "$LOADGEN" "$SERVER"; do
  [[ -x $f ]] || { echo "missing $f: cargo build --release -p support-bench -p chatlabs-support-server" >&2; exit 1; }
done
for f in setup.sh run.sh stop.sh; do
  [[ -x $PEER_DIR/$f ]] || { echo "missing $PEER_DIR/$f (set PEER_DIR)" >&2; exit 1; }
done
# The peer's users cover the ticket ids loadgen uses: 100000..100300, 900000..900050.
(( TICKETS <= 300 && FANOUT_ROUNDS <= 50 )) || { echo "TICKETS <= 300 and FANOUT_ROUNDS <= 50 for the original" >&2; exit 1; }
mkdir -p "$OUT"

# The parameters both servers get.
common=(--scenarios a,b,c --levels "$LEVELS" --duration "$DURATION" --warmup "$WARMUP"
  --tickets "$TICKETS" --samples "$SAMPLES" --gap-ms "$GAP_MS" --load-clients 0
  --rounds "$FANOUT_ROUNDS")

peer_running=0
stop_peer() {
  if (( peer_running )); then
    "$PEER_DIR/stop.sh" >/dev/null || true
    peer_running=0
  fi
}
trap stop_peer EXIT

original() {
  local r=$1
  if [[ ${SKIP_SETUP:-0} != 1 ]]; then
    echo "== setting up the original (fresh project and database; the first time installs from PyPI)"
    "$PEER_DIR/setup.sh" >"$OUT/peer-setup-$r.log" 2>&1 \
      || { echo "setup.sh failed; see $OUT/peer-setup-$r.log" >&2; tail -20 "$OUT/peer-setup-$r.log" >&2; exit 1; }
  fi
  "$PEER_DIR/run.sh" "$PEER_PORT"
  peer_running=1
  local pid
  pid=$(cat "$PEER_STATE/refpeer-daphne.pid")
  echo "== original, round $r (pid $pid, load1 $(cut -d' ' -f1 /proc/loadavg))"
  "$LOADGEN" run --base-url "http://127.0.0.1:$PEER_PORT/support" --server-pid "$pid" \
    --bot-token none --login django \
    --manager manager:manager-pass --manager manager2:manager2-pass \
    "${common[@]}" --fanout "$ORIGINAL_FANOUT" \
    --label "chatlabs-support 0.1.5 (Python original, daphne, SQLite)" \
    --data-dir "$OUT/data" --json "$OUT/original-$r.json" >"$OUT/original-$r.txt" 2>&1 \
    || { echo "loadgen against the original failed; see $OUT/original-$r.txt" >&2; tail -20 "$OUT/original-$r.txt" >&2; exit 1; }
  grep -E '^\((a|b|c)\) [CNl]' "$OUT/original-$r.txt" || true
  stop_peer
}

ours() {
  local r=$1
  echo "== this server, round $r (load1 $(cut -d' ' -f1 /proc/loadavg))"
  # (c) at 10,000 sockets needs more than the server's default connection cap (10,000).
  "$LOADGEN" run --spawn "$SERVER" \
    --manager bench:benchpass1 --manager bench2:benchpass2 --server-arg=--max-connections=20000 \
    "${common[@]}" --fanout "$OURS_FANOUT" \
    --label "chatlabs-support-rs $(git -C "$REPO" rev-parse --short HEAD) (SQLite)" \
    --data-dir "$OUT/data" --json "$OUT/ours-$r.json" >"$OUT/ours-$r.txt" 2>&1 \
    || { echo "loadgen against this server failed; see $OUT/ours-$r.txt" >&2; tail -20 "$OUT/ours-$r.txt" >&2; exit 1; }
  grep -E '^\((a|b|c)\) [CNl]' "$OUT/ours-$r.txt" || true
  rm -f "$OUT"/data/bench-*.db*
}

echo "versus the original: $ROUNDS round(s), levels $LEVELS x ${DURATION}s, (b) $SAMPLES samples ${GAP_MS} ms apart,"
echo "  (c) original $ORIGINAL_FANOUT / ours $OURS_FANOUT sockets x $FANOUT_ROUNDS rounds; output in $OUT"
for r in $(seq 1 "$ROUNDS"); do
  original "$r"
  ours "$r"
done

compare=(compare --levels "$LEVELS" --fanout "$(printf '%s\n' "$ORIGINAL_FANOUT,$OURS_FANOUT" | tr ',' '\n' | sort -nu | paste -sd,)")
for r in $(seq 1 "$ROUNDS"); do
  compare+=(--original "$OUT/original-$r.json" --ours "$OUT/ours-$r.json")
done
{
  echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)),"
  echo "$ROUNDS round(s), alternately, same loadgen parameters: (a) ${DURATION} s per level after ${WARMUP} s, $TICKETS tickets;"
  echo "(b) $SAMPLES samples ${GAP_MS} ms apart; (c) p50 of $FANOUT_ROUNDS rounds (original at $ORIGINAL_FANOUT sockets only); (d) VmRSS after start and setup."
  echo
  "$LOADGEN" "${compare[@]}"
} | tee "$OUT/table.md"
