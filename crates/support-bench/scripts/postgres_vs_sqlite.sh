#!/usr/bin/env bash
# Issue 18, goals 1 and 3 in one run: the same loadgen scenarios against SQLite (one instance),
# Postgres (one instance) and Postgres with two instances behind the Redis hub, alternately,
# ROUNDS times, with the disk's own fsync latency measured before each round; then a table of
# the figures and their ratios.
#
#   crates/support-bench/scripts/postgres_vs_sqlite.sh [ROUNDS]
#
# Env: TARGET_DIR (default target/release: loadgen and chatlabs-support-server),
#      PG (default postgres://postgres@127.0.0.1:5432), REDIS (default redis://127.0.0.1:6379),
#      LEVELS (default 16,64), DURATION (default 5), SAMPLES (default 2000).
# A fresh Postgres database `support_bench_pg` is created (and dropped) for every run; the
# JSON reports go to target/bench-data/pgsq-*.json.
set -euo pipefail
rounds="${1:-2}"
dir="${TARGET_DIR:-target/release}"
pg="${PG:-postgres://postgres@127.0.0.1:5432}"
redis="${REDIS:-redis://127.0.0.1:6379}"
levels="${LEVELS:-16,64}"
duration="${DURATION:-5}"
samples="${SAMPLES:-2000}"
out=target/bench-data
mkdir -p "$out"
db=support_bench_pg

fresh_db() {
  psql -q "$pg/postgres" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
}

# run NAME [extra loadgen args...]
run() {
  local name=$1; shift
  echo "== $name (load1 $(cut -d' ' -f1 /proc/loadavg))" >&2
  "$dir/loadgen" run --spawn "$dir/chatlabs-support-server" \
    --manager bench:benchpass1 --manager bench2:benchpass2 \
    --scenarios a,b --levels "$levels" --duration "$duration" --samples "$samples" \
    --load-clients 0 --label "$name" "$@" --json "$out/pgsq-$name.json" >/dev/null
  rm -f "$out"/bench-*.db*
}

for r in $(seq 1 "$rounds"); do
  "$dir/loadgen" fsync-probe --dir "$out" | tee "$out/pgsq-fsync-$r.txt" >&2
  run "sqlite-$r"
  fresh_db
  run "postgres-$r" --database "$pg/$db"
  fresh_db
  run "postgres2-$r" --database "$pg/$db" --instances 2 --server-arg=--hub="$redis"
done
psql -q "$pg/postgres" -c "DROP DATABASE IF EXISTS $db" >/dev/null

# The table: one row per round.
rps() { jq -r --argjson c "$2" '.rest[] | select(.clients == $c) | .per_second' "$1"; }
e2e() { jq -r ".e2e_low_rate.latency.$2" "$1"; }
IFS=, read -r -a lv <<<"$levels"
printf '\n%-6s' round
for c in "${lv[@]}"; do
  printf ' | SQLite %s | PG %s | PG/SQLite | PGx2 %s | PGx2/PG' "$c" "$c" "$c"
done
printf ' | (b) p50/p99 SQLite | PG | PGx2 | fsync p50/p99\n'
for r in $(seq 1 "$rounds"); do
  s="$out/pgsq-sqlite-$r.json"; p="$out/pgsq-postgres-$r.json"; p2="$out/pgsq-postgres2-$r.json"
  printf '%-6s' "$r"
  for c in "${lv[@]}"; do
    a=$(rps "$s" "$c"); b=$(rps "$p" "$c"); d=$(rps "$p2" "$c")
    printf ' | %.0f | %.0f | %.0f%% | %.0f | %.2fx' "$a" "$b" \
      "$(echo "100 * $b / $a" | bc -l)" "$d" "$(echo "$d / $b" | bc -l)"
  done
  printf ' | %.2f / %.2f | %.2f / %.2f | %.2f / %.2f | %s\n' \
    "$(e2e "$s" p50_ms)" "$(e2e "$s" p99_ms)" "$(e2e "$p" p50_ms)" "$(e2e "$p" p99_ms)" \
    "$(e2e "$p2" p50_ms)" "$(e2e "$p2" p99_ms)" \
    "$(sed -E 's/.*p50 ([0-9.]+) ms.*p99 ([0-9.]+) ms.*/\1 \/ \2/' "$out/pgsq-fsync-$r.txt")"
done
