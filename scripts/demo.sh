#!/usr/bin/env bash
# The main job end to end on a fresh machine: build; start a 3-node cluster and load sysbench
# data; back it up with `br backup full` to local storage; start a second, empty cluster on
# other ports; `br restore full` into it; check with `kvctl checksum` that both clusters hold
# the same data (equal crc64xor / total_kvs / total_bytes per table); then the same through
# SQL: a table created and filled with the `mariadb` client, `BACKUP DATABASE` through the
# source's sql-server, `RESTORE DATABASE` through the target's, equal rows; stop both.
#
# Storage: local:// means every node reads and writes the backup under the same path on its
# OWN disk. Here all nodes and br run on one machine and share the file system, so one
# absolute path is the whole backup. On several machines, copy the backup directory to every
# node (or use NFS / an object store) before restoring.
#
# Environment: BUILD_DIR (default build), PORT_BASE (source PD port, default 23790; the target
# uses PORT_BASE+100), TABLES / ROWS (default 2 x 20000), KEEP=1 keeps the work directory,
# SKIP_BUILD=1 uses the binaries already in BUILD_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD_DIR=${BUILD_DIR:-build}
if [ -z "${SKIP_BUILD:-}" ]; then
  bash scripts/deps.sh >/dev/null
  BUILD_DIR="$BUILD_DIR" bash scripts/build.sh >/dev/null
fi
BIN="$ROOT/$BUILD_DIR/bin"

WORK=$(mktemp -d /tmp/brkv-demo.XXXXXX)
PORT_BASE=${PORT_BASE:-23790}
DST_PORT_BASE=$((PORT_BASE + 100))
SRC_PD="127.0.0.1:$PORT_BASE"
DST_PD="127.0.0.1:$DST_PORT_BASE"
TABLES=${TABLES:-2}
ROWS=${ROWS:-20000}
BACKUP="$WORK/backup"
PIDS=()
declare -A SQL_PORT
cleanup() {
  for pid in "${PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  if [ -z "${KEEP:-}" ]; then rm -rf "$WORK"; else echo "demo: kept $WORK"; fi
}
trap cleanup EXIT

# start_playground NAME NODES PORT_BASE: runs a playground until it prints READY.
start_playground() {
  local name=$1 nodes=$2 port=$3 line=""
  echo "== starting the $name cluster: $nodes node(s), PD 127.0.0.1:$port, data in $WORK/$name"
  mkfifo "$WORK/$name.out"
  "$BIN/playground" --kv "$nodes" --data-dir "$WORK/$name" --port-base "$port" --sql-port 0 \
    >"$WORK/$name.out" 2>&1 &
  PIDS+=($!)
  exec {fd}<"$WORK/$name.out"
  while IFS= read -r -t 120 line <&"$fd"; do
    echo "   $line"
    # "SQL: 127.0.0.1:P": the playground's sql-server.
    case "$line" in "SQL: "*) SQL_PORT[$name]=${line##*:} ;; esac
    [ "$line" = "READY" ] && break
  done
  [ "${line:-}" = "READY" ] || { echo "demo: the $name playground did not become ready" >&2; exit 1; }
  # Keep draining the playground's output in the background.
  cat <&"$fd" >/dev/null &
}

# table_sums PD: "db.table total_kvs=N total_bytes=N" per table of sbtest, sorted.
table_sums() {
  "$BIN/kvctl" --pd "$1" checksum sbtest |
    sed -E 's/.*"db":"([^"]*)","table":"([^"]*)".*"total_kvs":([0-9]+),"total_bytes":([0-9]+).*/\1.\2 total_kvs=\3 total_bytes=\4/' |
    sort
}

start_playground source 3 "$PORT_BASE"
echo "== loading sysbench: $TABLES tables x $ROWS rows, spread over the stores"
"$BIN/kvctl" --pd "$SRC_PD" load sysbench --db sbtest --tables "$TABLES" --rows "$ROWS"
"$BIN/kvctl" --pd "$SRC_PD" stores
echo "== every region has three replicas (REPLICAS column), leaders spread over the stores"
"$BIN/kvctl" --pd "$SRC_PD" regions | tail -n 6
echo "== every replica of every region holds the same data (hashed at one Raft index)"
"$BIN/kvctl" --pd "$SRC_PD" consistency-check | tail -n 3

echo "== br backup full -> local://$BACKUP"
"$BIN/br" backup full --pd "$SRC_PD" -s "local://$BACKUP" --log-file "$WORK/backup.log" |
  tee "$WORK/backup.out"
echo "== the backup: $(find "$BACKUP" -name '*.sst' | wc -l) SST files, $(du -sh "$BACKUP" | cut -f1)"

start_playground target 1 "$DST_PORT_BASE"
# Something of its own on the target, so the restored tables get other ids than on the source
# and the restore has to rewrite every key.
"$BIN/kvctl" --pd "$DST_PD" create-database scratch
echo "== br restore full -> the target cluster"
"$BIN/br" restore full --pd "$DST_PD" -s "local://$BACKUP" --log-file "$WORK/restore.log" |
  tee "$WORK/restore.out"

echo "== kvctl checksum, source"
"$BIN/kvctl" --pd "$SRC_PD" checksum sbtest
echo "== kvctl checksum, target"
"$BIN/kvctl" --pd "$DST_PD" checksum sbtest
SRC_SUMS=$(table_sums "$SRC_PD")
DST_SUMS=$(table_sums "$DST_PD")
echo "== compared (total_kvs, total_bytes per table):"
echo "$SRC_SUMS" | sed 's/^/   source: /'
echo "$DST_SUMS" | sed 's/^/   target: /'
if [ "$SRC_SUMS" != "$DST_SUMS" ]; then
  echo "demo: FAILED: the restored tables differ from the source" >&2
  exit 1
fi
# crc64xor hashes the keys, which carry the table id: it differs when the ids differ. br
# restore compared it through the rewrite rules (restore-ts in its summary) before succeeding.
echo "== row counts"
for t in $("$BIN/kvctl" --pd "$DST_PD" tables sbtest); do
  echo "   sbtest.$t: source $("$BIN/kvctl" --pd "$SRC_PD" count "sbtest.$t")," \
    "target $("$BIN/kvctl" --pd "$DST_PD" count "sbtest.$t")"
done

echo "== summaries"
grep "success summary" "$WORK/backup.out"
grep "success summary" "$WORK/restore.out"
echo "   total_kvs and total_bytes equal on both clusters; br verified crc64xor per table"

# sql NAME ARGS...: the mariadb client on that cluster's sql-server.
sql() {
  local name=$1
  shift
  mariadb -h 127.0.0.1 -P "${SQL_PORT[$name]}" -u root --batch "$@"
}
if command -v mariadb >/dev/null; then
  echo "== SQL: a table created and filled with the mariadb client on the source"
  sql source -e "CREATE DATABASE shop;
    CREATE TABLE shop.items (id INT NOT NULL AUTO_INCREMENT, name VARCHAR(32) NOT NULL,
      qty INT DEFAULT '0' NOT NULL, PRIMARY KEY (id), KEY iqty (qty));
    INSERT INTO shop.items (name, qty) VALUES ('apple', 5), ('pear', 3), ('plum', 0), ('fig', 7);"
  echo "== SQL: BACKUP DATABASE shop TO 'local://$WORK/sqlbackup' (source's sql-server)"
  sql source -e "BACKUP DATABASE shop TO 'local://$WORK/sqlbackup'" | sed 's/^/   /'
  echo "== SQL: RESTORE DATABASE shop FROM 'local://$WORK/sqlbackup' (target's sql-server)"
  sql target -e "RESTORE DATABASE shop FROM 'local://$WORK/sqlbackup'" | sed 's/^/   /'
  SRC_ROWS=$(sql source -e "SELECT * FROM shop.items ORDER BY id")
  DST_ROWS=$(sql target -e "SELECT * FROM shop.items ORDER BY id")
  echo "$DST_ROWS" | sed 's/^/   target: /'
  if [ "$SRC_ROWS" != "$DST_ROWS" ]; then
    echo "demo: FAILED: the table restored through SQL differs from the source" >&2
    exit 1
  fi
  echo "   the same rows on both clusters"
else
  echo "== SQL step skipped: no mariadb client (scripts/deps.sh installs it)"
fi

echo "== stopping both clusters"
for pid in "${PIDS[@]}"; do
  kill -TERM "$pid"
  wait "$pid" || true
done
PIDS=()
echo "demo: done"
