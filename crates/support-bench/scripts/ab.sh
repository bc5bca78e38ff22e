#!/usr/bin/env bash
# Interleaved A/B of two builds on this machine: runs the same loadgen scenarios against each,
# alternately, ROUNDS times, so both see the same machine conditions.
#
#   crates/support-bench/scripts/ab.sh OLD_TARGET_DIR NEW_TARGET_DIR [ROUNDS] [-- loadgen args]
#
# Each TARGET_DIR is a cargo release directory holding `loadgen` and the server program,
# `chatlabs-support-server` (or, in builds from before that crate, `examples/server`); its own
# loadgen creates the database, so each build gets the schema it knows. Output goes to stdout;
# the JSON reports to target/bench-data/ab-{old,new}-{round}.json.
set -euo pipefail
old="$1"; new="$2"; rounds="${3:-2}"
shift $(( $# >= 3 ? 3 : $# ))
[ "${1:-}" = "--" ] && shift
args=("$@")
[ ${#args[@]} -eq 0 ] && args=(--levels 16,64,256 --duration 4 --samples 1000 --fanout 100,10000 --rounds 5 --scenarios a,b,c)
mkdir -p target/bench-data
for r in $(seq 1 "$rounds"); do
  for side in old new; do
    dir=$old; [ "$side" = new ] && dir=$new
    server="$dir/chatlabs-support-server"; [ -x "$server" ] || server="$dir/examples/server"
    echo "== $side round $r (load1 $(cut -d' ' -f1 /proc/loadavg))"
    "$dir/loadgen" run --spawn "$server" \
      --manager bench:benchpass1 --manager bench2:benchpass2 "${args[@]}" \
      --json "target/bench-data/ab-$side-$r.json" 2>&1 | grep -E '^\((a|b|c)\) [CNlu]'
    rm -f target/bench-data/bench-*.db*
  done
done
