#!/usr/bin/env bash
# Benchmark: sysbench "prepare" loading speed of `kvctl load sysbench` on a local playground.
# Starts a fresh N-node playground, loads TABLES x ROWS with THREADS workers, prints the
# loader's summary line (rows/s) and a machine-readable result line, then stops the cluster.
# Not run by the tests; numbers depend on the machine (cores, disk, fsync cost).
#
#   bench/sysbench_load.sh                       # 3 nodes, 4 tables x 50000 rows, 4 threads
#   KV=3 TABLES=8 ROWS=100000 THREADS=8 BIN=build/bin bench/sysbench_load.sh
#   SYNC_WRITE=false ...                         # kv-servers without fsync per write
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/bin}
KV=${KV:-3}
TABLES=${TABLES:-4}
ROWS=${ROWS:-50000}
THREADS=${THREADS:-4}
SEED=${SEED:-1}
PORT_BASE=${PORT_BASE:-24790}
SYNC_WRITE=${SYNC_WRITE:-true}
PD="127.0.0.1:$PORT_BASE"

for b in playground kvctl pd-server kv-server; do
  [ -x "$BIN/$b" ] || { echo "bench: $BIN/$b not built (set BIN=...)" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/brkv-bench.XXXXXX)
PG_PID=""
cleanup() {
  if [ -n "$PG_PID" ] && kill -0 "$PG_PID" 2>/dev/null; then
    kill -TERM "$PG_PID" 2>/dev/null || true
    wait "$PG_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

printf '[storage]\nsync-write = %s\n' "$SYNC_WRITE" >"$WORK/kv.toml"
mkfifo "$WORK/out"
"$BIN/playground" --kv "$KV" --data-dir "$WORK/cluster" --port-base "$PORT_BASE" \
  --kv-config "$WORK/kv.toml" >"$WORK/out" 2>&1 &
PG_PID=$!
exec 3<"$WORK/out"
line=""
while IFS= read -r -t 120 line <&3; do
  [ "$line" = "READY" ] && break
done
[ "$line" = "READY" ] || { echo "bench: playground did not become ready" >&2; exit 1; }
cat <&3 >/dev/null &

OUT=$("$BIN/kvctl" --pd "$PD" --timeout 60 load sysbench --db sbtest --tables "$TABLES" \
  --rows "$ROWS" --threads "$THREADS" --seed "$SEED")
echo "$OUT"
RATE=$(echo "$OUT" | sed -n 's/.*: \([0-9]*\) rows\/s$/\1/p' | tail -1)
echo "RESULT sysbench_load kv=$KV tables=$TABLES rows=$ROWS threads=$THREADS sync_write=$SYNC_WRITE rows_per_sec=$RATE"
