#!/usr/bin/env bash
# Backup/restore benchmark: br against the physical-copy and logical-dump alternatives on the
# same data, the machine's own limits, peak memory, online impact and a many-tables case.
# Not part of the test suite. See bench/README.md.
#
#   bench/run.sh [--size SMALL|MEDIUM|LARGE] [--out DIR] [--impact-only]
#
# --impact-only: load, the idle backup, and the online-impact runs only (auto-tune work).
#
# Results go to DIR/<SIZE>-<UTC date>/ (results.json, results.md, raw.txt, machine.txt and
# throughput.png); DIR defaults to bench/results. The plot uses every */results.json under DIR.
# Env: BIN (binaries, default build-bench/bin), PORT_BASE (default 25100), MANY_TABLES (10000).

# bash reads a script while it runs it: if this file is saved in place during a run, the run
# goes on at the same byte offset in the new text (in the MEDIUM run of 2026-12-07 that re-ran
# the reload's checksum against the stopped reload cluster, recorded a false MISMATCH and died
# on a syntax error). The braces make bash parse the whole file before running any of it, and
# the exit before the closing brace keeps it from reading past it.
{
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SIZE=SMALL
OUT=bench/results
IMPACT_ONLY=0
while [ $# -gt 0 ]; do
  case "$1" in
    --size) SIZE=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --impact-only) IMPACT_ONLY=1; shift ;;
    -h|--help) sed -n 2,12p "$0"; exit 0 ;;
    *) echo "bench: unknown argument $1" >&2; exit 2 ;;
  esac
done
# sysbench rows are ~250 logical bytes (row + k_1 index entry): tables x rows per size.
case "$SIZE" in
  SMALL) TABLES=8; ROWS=100000; MANY_BUDGET=300 ;;
  MEDIUM) TABLES=16; ROWS=250000; MANY_BUDGET=900 ;;
  LARGE) TABLES=32; ROWS=500000; MANY_BUDGET=1800 ;;
  *) echo "bench: --size must be SMALL, MEDIUM or LARGE" >&2; exit 2 ;;
esac
# smoke-test overrides (not for results): BENCH_TABLES, BENCH_ROWS
TABLES=${BENCH_TABLES:-$TABLES}; ROWS=${BENCH_ROWS:-$ROWS}
BIN=${BIN:-build-bench/bin}
case "$BIN" in /*) ;; *) BIN="$ROOT/$BIN" ;; esac
PORT_BASE=${PORT_BASE:-25100}
MANY_TABLES=${MANY_TABLES:-10000}
BR_TIMEOUT=3600  # per br run; the many-tables case uses MANY_BUDGET
for b in playground kvctl pd-server kv-server br; do
  [ -x "$BIN/$b" ] || { echo "bench: $BIN/$b not built (set BIN=...)" >&2; exit 1; }
done
for t in zstd tar python3 /usr/bin/time; do
  command -v "$t" >/dev/null || { echo "bench: $t missing (scripts/deps.sh)" >&2; exit 1; }
done

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
RUN="$OUT/$SIZE$([ $IMPACT_ONLY = 1 ] && echo -impact)-$(date -u +%Y%m%d-%H%M)"
mkdir -p "$RUN"
RAW="$RUN/raw.txt"
: >"$RAW"
WORK=$(mktemp -d /tmp/brkv-bench.XXXXXX)
export TMPDIR="$WORK"  # br's default log files (br.log.<time>) land here and go with it
CFG_ARGS=()  # extra playground arguments for the next start_cluster
PIDS=()  # every background process we started (playgrounds, s3rver, pollers)

cleanup() {
  local p i
  for p in "${PIDS[@]}"; do
    kill -TERM "$p" 2>/dev/null || true
  done
  for p in "${PIDS[@]}"; do
    for i in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "[$(date -u +%H:%M:%S)] $*"; }
rec() { echo "$1=$2" >>"$RAW"; }  # key=value for the report
now() { date +%s.%N; }
since() { python3 -c "import sys; print(f'{float(sys.argv[2])-float(sys.argv[1]):.3f}')" "$1" "$(now)"; }
mbps() { python3 -c "import sys; b,s=float(sys.argv[1]),float(sys.argv[2]); print(f'{b/1e6/s:.1f}' if s>0 else 'n/a')" "$1" "$2"; }

# start_cluster NAME PORT -> CL_PID (playground pid), CL_PD
start_cluster() {
  local name=$1 port=$2 i
  "$BIN/playground" --kv 3 --data-dir "$WORK/$name" --port-base "$port" "${CFG_ARGS[@]}" >"$WORK/$name.out" 2>&1 &
  CL_PID=$!
  PIDS+=("$CL_PID")
  CL_PD="127.0.0.1:$port"
  for i in $(seq 1 600); do
    grep -qx READY "$WORK/$name.out" 2>/dev/null && return 0
    kill -0 "$CL_PID" 2>/dev/null || break
    sleep 0.2
  done
  echo "bench: cluster $name did not become ready:" >&2
  tail -5 "$WORK/$name.out" >&2
  return 1
}
stop_pid() {
  local p=$1 i
  kill -TERM "$p" 2>/dev/null || return 0
  for i in $(seq 1 300); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
}
# kv-server pids under a playground
kv_pids() { local p; for p in $(pgrep -P "$1"); do [ "$(cat /proc/$p/comm 2>/dev/null)" = kv-server ] && echo "$p"; done; }
# reset the nodes' peak RSS (VmHWM) so the next reading covers only the next operation
reset_hwm() { local p; for p in $(kv_pids "$1"); do echo 5 >"/proc/$p/clear_refs" 2>/dev/null || true; done; }
# max VmHWM (MiB) over the nodes of a playground
nodes_hwm() {
  local p m=0 v
  for p in $(kv_pids "$1"); do
    v=$(awk '/VmHWM/{print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
    [ "${v:-0}" -gt "$m" ] && m=$v
  done
  echo $((m / 1024))
}
br_rss() { awk -F: '/Maximum resident set size/{gsub(/ /,"",$2); printf "%d", $2/1024}' "$1"; }
# normalised per-table checksums (table ids may differ after restore): "table crc kvs bytes"
# lines; fails (kvctl's error on stderr) when kvctl does, so that a checksum that could not be
# taken is reported as an error and never compared as if it were data
cksum_norm() {
  "$BIN/kvctl" --pd "$1" --timeout 120 checksum "$2" | python3 -c '
import sys, json
rows = sorted((j["table"], j["crc64xor"], j["total_kvs"], j["total_bytes"]) for j in map(json.loads, filter(str.strip, sys.stdin)))
for r in rows: print(*r)'
}
# check_cksum KEY EXPECTED PD FIELDS: takes PD's normalised checksums into $WORK/KEY.cksum and
# records KEY: match, MISMATCH (then KEY_diff lists the tables that differ, expected->got) or
# ERROR (the checksum could not be taken: kvctl's last error line). FIELDS: the columns compared
# (cut -f).
check_cksum() {
  local key=$1 expected=$2 pd=$3 fields=$4
  if ! cksum_norm "$pd" sbtest >"$WORK/$key.cksum" 2>"$WORK/$key.cksum.err"; then
    rec "$key" "ERROR: kvctl checksum failed: $(grep -v '^[[:space:]]*$' "$WORK/$key.cksum.err" | tail -1)"
    return 1
  fi
  if cmp -s <(cut -d' ' -f"$fields" "$expected") <(cut -d' ' -f"$fields" "$WORK/$key.cksum"); then
    rec "$key" match
  else
    rec "$key" MISMATCH
    rec "${key}_diff" "$(join -a1 -a2 -e - -o 0,1.2,2.2 <(cut -d' ' -f"$fields" "$expected" | sed 's/ /:/2g' | sort) \
      <(cut -d' ' -f"$fields" "$WORK/$key.cksum" | sed 's/ /:/2g' | sort) | awk '$2 != $3 {printf "%s%s %s->%s", n++ ? "; " : "", $1, $2, $3}')"
  fi
}

# timed_br KEY PD ARGS... : runs br under /usr/bin/time -v, records seconds and br peak RSS
timed_br() {
  local key=$1; shift
  local t0 rc
  t0=$(now)
  /usr/bin/time -v -o "$WORK/$key.time" timeout -k 10 "$BR_TIMEOUT" "$BIN/br" "$@" >"$WORK/$key.log" 2>&1
  rc=$?
  [ $rc = 124 ] && echo "br timed out after ${BR_TIMEOUT}s" >>"$WORK/$key.log"
  rec "${key}_s" "$(since "$t0")"
  rec "${key}_br_rss_mib" "$(br_rss "$WORK/$key.time")"
  if [ $rc -ne 0 ]; then echo "bench: br $* failed:" >&2; tail -5 "$WORK/$key.log" >&2; rec "${key}_error" "br exit $rc$([ $rc = 124 ] && echo ", timed out after ${BR_TIMEOUT}s")"; fi
  return $rc
}

# churn for a while: chunks of --ops 200 until the given pid exits (or for SECS seconds when
# pid=0); the rate is ops / the seconds churn itself reports, so kvctl start-up is not counted.
# With SERIES set, each chunk appends "unix-time-at-its-end ops/s" to that file (the plot).
SERIES=""
churn_loop() {
  local pd=$1 pid=$2 secs=$3 seed=$4 ops=0 tsum=0 n s t0 i out
  t0=$(now)
  for i in $(seq 1 100000); do
    if [ "$pid" = 0 ]; then
      python3 -c "import sys; sys.exit(0 if float(sys.argv[1])-float(sys.argv[2])<float(sys.argv[3]) else 1)" "$(now)" "$t0" "$secs" || break
    else
      kill -0 "$pid" 2>/dev/null || break
    fi
    out=$("$BIN/kvctl" --pd "$pd" churn --db sbtest --ops 200 --seed $((seed + i)) 2>&1) || { echo "$out" >&2; break; }
    n=$(echo "$out" | sed -n 's/^churn: \([0-9]*\) ops.* in \([0-9.]*\) s:.*/\1/p')
    s=$(echo "$out" | sed -n 's/^churn: \([0-9]*\) ops.* in \([0-9.]*\) s:.*/\2/p')
    [ -n "$n" ] && [ -n "$s" ] || continue
    ops=$((ops + n)); tsum=$(python3 -c "print(float('$tsum')+float('$s'))")
    [ -n "$SERIES" ] && python3 -c "import sys; print(f'{float(sys.argv[1]):.2f} {int(sys.argv[2])/float(sys.argv[3]):.1f}')" "$(now)" "$n" "$s" >>"$SERIES"
  done
  python3 -c "import sys; t=float(sys.argv[2]); print(f'{int(sys.argv[1])/t:.1f}' if t>0 else 'n/a')" "$ops" "$tsum"
}

log "bench: size=$SIZE ($TABLES tables x $ROWS rows), results in $RUN, work dir $WORK"
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null)"
  echo "nproc: $(nproc)"
  echo "cpu: $(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)"
  echo "memory: $(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "disk: $(df -h "$WORK" | awk 'NR==2{print $1" size "$2" avail "$4}') ($(findmnt -no FSTYPE -T "$WORK" 2>/dev/null))"
  echo "kernel: $(uname -r)"
} >"$RUN/machine.txt"
cat "$RUN/machine.txt"
rec size "$SIZE"; rec tables "$TABLES"; rec rows_per_table "$ROWS"

# ---------------------------------------------------------------------------------------------
# 1) source cluster and data
start_cluster src "$PORT_BASE" || exit 1
SRC_PID=$CL_PID; SRC_PD=$CL_PD
t0=$(now)
"$BIN/kvctl" --pd "$SRC_PD" --timeout 120 load sysbench --db sbtest --tables "$TABLES" --rows "$ROWS" \
  --threads 4 --seed 1 | tail -1 || { echo "bench: load failed" >&2; exit 1; }
rec load_s "$(since "$t0")"

# 4a) churn alone (before the checksum, so later restores can be verified against it)
CHURN_ALONE=$(churn_loop "$SRC_PD" 0 15 1000)
rec churn_alone_ops "$CHURN_ALONE"
log "churn alone: $CHURN_ALONE ops/s"

cksum_norm "$SRC_PD" sbtest >"$WORK/src.cksum" || { echo "bench: checksum of the source failed" >&2; exit 1; }
BYTES=$(awk '{s+=$4} END{printf "%d", s}' "$WORK/src.cksum")
KVS=$(awk '{s+=$3} END{printf "%d", s}' "$WORK/src.cksum")
rec logical_bytes "$BYTES"; rec logical_kvs "$KVS"
log "logical data (kvctl checksum total_bytes): $BYTES bytes ($((BYTES / 1048576)) MiB), $KVS kvs"

# 2) br backup to local://
reset_hwm "$SRC_PID"
timed_br backup_local backup full --pd "$SRC_PD" -s "local://$WORK/bk-local"
rec backup_local_node_rss_mib "$(nodes_hwm "$SRC_PID")"
rec backup_local_size_bytes "$(du -sb "$WORK/bk-local" | cut -f1)"
log "backup local: $(grep backup_local_s= "$RAW" | cut -d= -f2) s"

if [ $IMPACT_ONLY = 1 ]; then
  S3_OK=0
  "$BIN/kvctl" --pd "$SRC_PD" tables sbtest >"$WORK/tables.txt"
else
# br backup to s3:// (s3rver)
S3_OK=0
S3RVER="$ROOT/tests/storage_servers/node_modules/s3rver/bin/s3rver.js"
S3_PORT=$((PORT_BASE - 1))
if ! command -v node >/dev/null; then
  S3_SKIP="node not installed (scripts/deps.sh)"
elif [ ! -f "$S3RVER" ]; then
  S3_SKIP="s3rver not installed under tests/storage_servers (scripts/deps.sh)"
else
  mkdir -p "$WORK/s3data"
  node "$S3RVER" -d "$WORK/s3data" -a 127.0.0.1 -p "$S3_PORT" -s --configure-bucket bench >"$WORK/s3rver.out" 2>&1 &
  S3_PID=$!
  PIDS+=("$S3_PID")
  for i in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$S3_PORT/" && { S3_OK=1; break; }
    kill -0 "$S3_PID" 2>/dev/null || break
    sleep 0.2
  done
  [ $S3_OK = 1 ] || S3_SKIP="s3rver did not start: $(tail -1 "$WORK/s3rver.out")"
fi
S3_URL="s3://bench/full?endpoint=http://127.0.0.1:$S3_PORT&force-path-style=true&access-key=S3RVER&secret-access-key=S3RVER"
if [ $S3_OK = 1 ]; then
  reset_hwm "$SRC_PID"
  if timed_br backup_s3 backup full --pd "$SRC_PD" -s "$S3_URL"; then
    rec backup_s3_node_rss_mib "$(nodes_hwm "$SRC_PID")"
    log "backup s3: $(grep backup_s3_s= "$RAW" | cut -d= -f2) s"
  else
    S3_OK=0; S3_SKIP="br backup to s3 failed: $(tail -1 "$WORK/backup_s3.log")"
  fi
fi
[ $S3_OK = 1 ] || { log "s3: skipped: $S3_SKIP"; rec s3_skipped "$S3_SKIP"; }

# logical dump: every table through zstd -1 (4 tables at a time)
mkdir -p "$WORK/dump"
"$BIN/kvctl" --pd "$SRC_PD" tables sbtest >"$WORK/tables.txt"
t0=$(now)
# (a failed kvctl dump leaves a shorter file: its status is checked, not zstd's)
mkdir -p "$WORK/dump-err"
xargs -P 4 -I{} bash -c 'set -o pipefail; "$1" --pd "$2" dump "sbtest.$3" 2>"$5/$3" | zstd -1 -q >"$4/$3.csv.zst"' _ "$BIN/kvctl" "$SRC_PD" {} "$WORK/dump" "$WORK/dump-err" <"$WORK/tables.txt"
DUMP_RC=$?
sync
rec dump_s "$(since "$t0")"
[ $DUMP_RC = 0 ] || rec dump_error "kvctl dump failed: $(cat "$WORK"/dump-err/* | grep -v '^[[:space:]]*$' | tail -1)"
rec dump_size_bytes "$(du -sb "$WORK/dump" | cut -f1)"
log "logical dump: $(grep dump_s= "$RAW" | cut -d= -f2) s"
fi

# 4b) churn during backups: auto-tuned (the nodes' default), --ratelimit, and unthrottled (the
# source restarted with backup.enable-auto-tune = false); before each, 15 s of churn alone on the
# same incarnation of the cluster. The series (10 s alone, the backup, 10 s after) feed the plot.
churn_during_backup() {  # MODE [br args...]
  local mode=$1; shift
  SERIES="$RUN/churn-$mode.raw"; : >"$SERIES"
  rec "churn_before_${mode}_ops" "$(churn_loop "$SRC_PD" 0 15 $((3000 + ${#mode})))"
  rec "backup_${mode}_start_unix" "$(now)"
  # br's own wall time is taken beside it (churn only notices its end between chunks)
  ( t0=$(now); "$BIN/br" backup full --pd "$SRC_PD" -s "local://$WORK/bk-churn-$mode" "$@" >"$WORK/bk-churn-$mode.log" 2>&1
    rc=$?; echo "$(since "$t0") $rc" >"$WORK/bk-churn-$mode.done"; exit $rc ) &
  local bpid=$! ops brc
  ops=$(churn_loop "$SRC_PD" "$bpid" 0 $((2000 + ${#mode})))
  wait "$bpid"; brc=$?
  rec "backup_${mode}_with_churn_s" "$(cut -d' ' -f1 "$WORK/bk-churn-$mode.done")"
  rec "churn_during_${mode}_ops" "$ops"
  churn_loop "$SRC_PD" 0 10 $((4000 + ${#mode})) >/dev/null
  SERIES=""
  [ $brc = 0 ] || rec "backup_${mode}_with_churn_error" "br exit $brc: $(tail -1 "$WORK/bk-churn-$mode.log")"
  rm -rf "$WORK/bk-churn-$mode"
  log "churn during $mode backup: $ops ops/s (before: $(grep "^churn_before_${mode}_ops=" "$RAW" | cut -d= -f2))"
}
churn_during_backup autotune
churn_during_backup ratelimit --ratelimit 20
rec ratelimit_mib 20
stop_pid "$SRC_PID"
printf '[backup]\nenable-auto-tune = false\n' >"$WORK/no-auto-tune.toml"
CFG_ARGS=(--kv-config "$WORK/no-auto-tune.toml")
start_cluster src "$PORT_BASE" || exit 1
CFG_ARGS=()
SRC_PID=$CL_PID; SRC_PD=$CL_PD
churn_during_backup unthrottled
if [ $IMPACT_ONLY = 1 ]; then
  rec impact_only 1
  python3 "$ROOT/bench/report.py" "$RUN" "$OUT" && cat "$RUN/results.md"
  log "done: $RUN"
  exit 0
fi

# physical copy: stop the source, tar its data dirs through zstd -1
stop_pid "$SRC_PID"
t0=$(now)
tar -C "$WORK/src" -cf - . | zstd -1 -q >"$WORK/physical.tar.zst"
sync
rec physical_copy_s "$(since "$t0")"
rec physical_size_bytes "$(stat -c %s "$WORK/physical.tar.zst")"
rec physical_raw_bytes "$(du -sb "$WORK/src" | cut -f1)"
rm -rf "$WORK/src"
mkdir -p "$WORK/phys-restore"
t0=$(now)
zstd -dc -q "$WORK/physical.tar.zst" | tar -C "$WORK/phys-restore" -xf -
sync
rec physical_extract_s "$(since "$t0")"
rm -rf "$WORK/phys-restore" "$WORK/physical.tar.zst"
log "physical copy: $(grep physical_copy_s= "$RAW" | cut -d= -f2) s, extract: $(grep physical_extract_s= "$RAW" | cut -d= -f2) s"

# restores into fresh clusters
restore_into() {  # KEY URL PORT
  local key=$1 url=$2 port=$3
  start_cluster "$key" "$port" || { rec "${key}_error" "cluster did not start"; return 1; }
  local pid=$CL_PID pd=$CL_PD
  reset_hwm "$pid"
  if timed_br "$key" restore full --pd "$pd" -s "$url"; then
    rec "${key}_node_rss_mib" "$(nodes_hwm "$pid")"
    check_cksum "${key}_checksum" "$WORK/src.cksum" "$pd" 1-4
  fi
  stop_pid "$pid"
  rm -rf "${WORK:?}/$key"
  log "$key: $(grep "^${key}_s=" "$RAW" | cut -d= -f2) s, checksum $(grep "^${key}_checksum=" "$RAW" | cut -d= -f2)"
}
restore_into restore_local "local://$WORK/bk-local" $((PORT_BASE + 100))
[ $S3_OK = 1 ] && restore_into restore_s3 "$S3_URL" $((PORT_BASE + 200))
rm -rf "$WORK/bk-local"
[ -n "${S3_PID:-}" ] && stop_pid "$S3_PID" && rm -rf "$WORK/s3data"

# logical reload into a fresh cluster: create-table + insert (4 tables at a time)
start_cluster reload $((PORT_BASE + 300)) && {
  RL_PID=$CL_PID; RL_PD=$CL_PD
  SPEC="id int primary key auto_increment, k int, c char(120), pad char(60), index k_1(k)"
  t0=$(now)
  "$BIN/kvctl" --pd "$RL_PD" create-database sbtest >/dev/null
  while read -r t; do "$BIN/kvctl" --pd "$RL_PD" create-table "sbtest.$t" "$SPEC" >/dev/null || echo "create-table $t failed" >&2; done <"$WORK/tables.txt"
  mkdir -p "$WORK/reload-err"
  xargs -P 4 -I{} bash -c 'set -o pipefail; zstd -dc -q "$4/$3.csv.zst" | "$1" --pd "$2" insert "sbtest.$3" >/dev/null 2>"$5/$3"' _ "$BIN/kvctl" "$RL_PD" {} "$WORK/dump" "$WORK/reload-err" <"$WORK/tables.txt"
  RELOAD_RC=$?
  rec logical_reload_s "$(since "$t0")"
  [ $RELOAD_RC = 0 ] || rec logical_reload_error "kvctl insert failed: $(cat "$WORK"/reload-err/* | grep -v '^[[:space:]]*$' | tail -1)"
  # the reload writes the same rows and index entries into fresh tables; compare kv counts and
  # bytes only (crc64xor hashes keys holding the table id, which need not be the source's)
  check_cksum logical_reload_check "$WORK/src.cksum" "$RL_PD" 1,3,4
  stop_pid "$RL_PID"; rm -rf "$WORK/reload"
  log "logical reload: $(grep logical_reload_s= "$RAW" | cut -d= -f2) s"
}

# machine limits: single-core zstd on a sample of dumped rows, sha256, sequential disk
for f in "$WORK"/dump/*.csv.zst; do zstd -dc -q "$f"; done | head -c $((256 << 20)) >"$WORK/sample.csv"
rm -rf "$WORK/dump"
SAMPLE=$(stat -c %s "$WORK/sample.csv")
rec sample_bytes "$SAMPLE"
for lvl in 1 3; do
  t0=$(now); zstd -"$lvl" -T1 -q -c "$WORK/sample.csv" >/dev/null; s=$(since "$t0")
  rec "zstd${lvl}_mbps" "$(mbps "$SAMPLE" "$s")"
done
t0=$(now); openssl dgst -sha256 "$WORK/sample.csv" >/dev/null; rec sha256_mbps "$(mbps "$SAMPLE" "$(since "$t0")")"
rm -f "$WORK/sample.csv"
t0=$(now); dd if=/dev/zero of="$WORK/dd.bin" bs=1M count=1024 conv=fdatasync status=none
rec disk_write_mbps "$(mbps $((1024 << 20)) "$(since "$t0")")"
if sync && echo 3 >/proc/sys/vm/drop_caches 2>/dev/null; then DDR=(); rec disk_read_mode "after drop_caches"
else DDR=(iflag=direct); rec disk_read_mode "O_DIRECT (drop_caches not permitted)"; fi
t0=$(now); dd if="$WORK/dd.bin" of=/dev/null bs=1M "${DDR[@]}" status=none
rec disk_read_mbps "$(mbps $((1024 << 20)) "$(since "$t0")")"
rm -f "$WORK/dd.bin"
log "limits: zstd-1 $(grep zstd1_mbps "$RAW" | cut -d= -f2) MB/s, zstd-3 $(grep zstd3_mbps "$RAW" | cut -d= -f2) MB/s, sha256 $(grep sha256_mbps "$RAW" | cut -d= -f2) MB/s, disk w $(grep disk_write_mbps "$RAW" | cut -d= -f2) r $(grep disk_read_mbps "$RAW" | cut -d= -f2) MB/s"

# 5) many tables: probe the creation rate, scale down to fit the budget if needed
start_cluster many $((PORT_BASE + 400)) && {
  MN_PID=$CL_PID; MN_PD=$CL_PD
  t0=$(now)
  "$BIN/kvctl" --pd "$MN_PD" --timeout 120 load sysbench --db probe --tables 100 --rows 10 --threads 4 >/dev/null
  ps=$(since "$t0")
  N=$(python3 -c "import sys; print(max(100, min(int(sys.argv[1])-100, int(100*float(sys.argv[2])/max(float(sys.argv[3]),0.01)))))" "$MANY_TABLES" "$MANY_BUDGET" "$ps")
  N=$((N / 100 * 100))
  if [ "$MANY_TABLES" -lt 10000 ]; then rec many_scaled "MANY_TABLES=$MANY_TABLES instead of 10000"; fi
  if [ $((N + 100)) -lt "$MANY_TABLES" ]; then
    MSG="scaled down: $((N + 100)) tables instead of $MANY_TABLES (100 tables took ${ps}s to create; budget ${MANY_BUDGET}s)"
    log "many tables: $MSG"; rec many_scaled_budget "$MSG"
  fi
  t0=$(now)
  "$BIN/kvctl" --pd "$MN_PD" --timeout 120 load sysbench --db many --tables "$N" --rows 10 --threads 4 >/dev/null
  rec many_create_s "$(since "$t0")"
  rec many_tables "$((N + 100))"
  BR_TIMEOUT=$((MANY_BUDGET * 2))
  timed_br many_backup backup full --pd "$MN_PD" -s "local://$WORK/bk-many"
  stop_pid "$MN_PID"; rm -rf "$WORK/many"
  start_cluster manyr $((PORT_BASE + 500)) && {
    timed_br many_restore restore full --pd "$CL_PD" -s "local://$WORK/bk-many"
    stop_pid "$CL_PID"; rm -rf "$WORK/manyr"
  }
  rm -rf "$WORK/bk-many"
  log "many tables ($((N + 100))): backup $(grep many_backup_s= "$RAW" | cut -d= -f2) s, rss $(grep many_backup_br_rss_mib "$RAW" | cut -d= -f2) MiB; restore $(grep many_restore_s= "$RAW" | cut -d= -f2) s, rss $(grep many_restore_br_rss_mib "$RAW" | cut -d= -f2) MiB"
}

# 6) report
python3 "$ROOT/bench/report.py" "$RUN" "$OUT" && cat "$RUN/results.md"
log "done: $RUN"
exit
}
