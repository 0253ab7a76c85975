#!/usr/bin/env bash
# The main job on a fresh machine: build, start a 3-node cluster, write and read data through
# transactions and raw KV, show the stores and regions, stop the cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
bash scripts/deps.sh >/dev/null
bash scripts/build.sh >/dev/null
BIN="$ROOT/build/bin"

WORK=$(mktemp -d /tmp/brkv-demo.XXXXXX)
PORT_BASE=${PORT_BASE:-23790}
PD="127.0.0.1:$PORT_BASE"
PG_PID=""
cleanup() {
  if [ -n "$PG_PID" ] && kill -0 "$PG_PID" 2>/dev/null; then
    kill -TERM "$PG_PID" 2>/dev/null || true
    wait "$PG_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "== starting a 3-node playground in $WORK"
mkfifo "$WORK/out"
"$BIN/playground" --kv 3 --data-dir "$WORK/cluster" --port-base "$PORT_BASE" >"$WORK/out" 2>&1 &
PG_PID=$!
exec 3<"$WORK/out"
while IFS= read -r -t 120 line <&3; do
  echo "   $line"
  [ "$line" = "READY" ] && break
done
[ "${line:-}" = "READY" ] || { echo "demo: playground did not become ready" >&2; exit 1; }
# Keep draining the playground's output in the background.
cat <&3 >/dev/null &

echo "== pre-split the key space and scatter the regions over the stores"
"$BIN/kvctl" --pd "$PD" split --raw-tidb t1 t2 t3 t4 t5 t6
"$BIN/kvctl" --pd "$PD" scatter

echo "== transactional writes and reads"
for i in 1 2 3 4 5 6; do
  "$BIN/kvctl" --pd "$PD" txn put "t${i}_demo" "value-$i"
done
"$BIN/kvctl" --pd "$PD" txn get t3_demo
"$BIN/kvctl" --pd "$PD" txn scan

echo "== raw KV"
"$BIN/kvctl" --pd "$PD" raw put hello world
"$BIN/kvctl" --pd "$PD" raw get hello
"$BIN/kvctl" --pd "$PD" raw scan

echo "== stores"
"$BIN/kvctl" --pd "$PD" stores
echo "== regions"
"$BIN/kvctl" --pd "$PD" regions
echo "== timestamp oracle"
"$BIN/kvctl" --pd "$PD" tso

echo "== stopping the cluster"
kill -TERM "$PG_PID"
wait "$PG_PID"
PG_PID=""
echo "demo: done"
