#!/usr/bin/env python3
"""Turns bench/run.sh's raw.txt into results.json + results.md and plots throughput vs size.

usage: report.py RUN_DIR OUT_DIR   (the plot uses every OUT_DIR/*/results.json)
"""
import glob
import json
import os
import shutil
import subprocess
import sys

run, out = sys.argv[1], sys.argv[2]
raw = {}
with open(os.path.join(run, "raw.txt")) as f:
    for line in f:
        if "=" in line:
            k, v = line.rstrip("\n").split("=", 1)
            raw[k] = v


def num(k):
    try:
        return float(raw[k])
    except (KeyError, ValueError):
        return None


B = num("logical_bytes") or 0.0


def mbps(sec):
    return round(B / 1e6 / sec, 1) if sec else None


def ratio(a, b):
    return round(a / b, 2) if a and b else None


ops = []  # (name, seconds, notes)
for key, name in [
    ("backup_local_s", "br backup full -> local:// (zstd)"),
    ("backup_s3_s", "br backup full -> s3:// (s3rver)"),
    ("physical_copy_s", "physical copy: tar data dirs | zstd -1"),
    ("dump_s", "logical dump: kvctl dump | zstd -1 (4 tables at once)"),
    ("restore_local_s", "br restore full <- local://"),
    ("restore_s3_s", "br restore full <- s3://"),
    ("physical_extract_s", "physical extract: zstd -d | tar x"),
    ("logical_reload_s", "logical reload: create-table + insert (4 at once)"),
]:
    s = num(key)
    if s is not None and key[:-2] + "_error" not in raw:
        ops.append({"op": name, "key": key, "seconds": s, "logical_MBps": mbps(s)})

t = {k: num(k) for k in ["backup_local_s", "physical_copy_s", "dump_s", "restore_local_s",
                         "physical_extract_s", "logical_reload_s"]}
thr = lambda k: mbps(t[k]) if t.get(k) else None  # noqa: E731
ratios = {
    "backup / physical copy (throughput)": (ratio(thr("backup_local_s"), thr("physical_copy_s")), ">= 1.0"),
    "backup / logical dump (throughput)": (ratio(thr("backup_local_s"), thr("dump_s")), ">= 3"),
    "restore / physical extract (throughput)": (ratio(thr("restore_local_s"), thr("physical_extract_s")), ">= 0.8"),
    "restore / logical reload (throughput)": (ratio(thr("restore_local_s"), thr("logical_reload_s")), ">= 10"),
    "churn during auto-tuned backup / alone before it": (ratio(num("churn_during_autotune_ops"), num("churn_before_autotune_ops")), ">= 0.8"),
    "auto-tuned backup time under churn / idle backup time": (ratio(num("backup_autotune_with_churn_s"), num("backup_local_s")), "<= 2"),
    "churn during unthrottled backup (auto-tune off) / alone before it": (ratio(num("churn_during_unthrottled_ops"), num("churn_before_unthrottled_ops")), "(info)"),
    "unthrottled backup time under churn / idle backup time": (ratio(num("backup_unthrottled_with_churn_s"), num("backup_local_s")), "(info)"),
    "churn during --ratelimit backup / alone before it": (ratio(num("churn_during_ratelimit_ops"), num("churn_before_ratelimit_ops")), "(info)"),
    "br peak RSS, many-tables backup (MiB)": (num("many_backup_br_rss_mib"), "<= 512"),
    "br peak RSS, many-tables restore (MiB)": (num("many_restore_br_rss_mib"), "<= 512"),
}


def met(v, target):
    if v is None or target.startswith("("):
        return None
    op, x = target.split()
    return v >= float(x) if op == ">=" else v <= float(x)


# scaling across sizes present under OUT (4x data <= 4.4x time)
sizes = {}
for p in sorted(glob.glob(os.path.join(out, "*", "results.json"))):
    if os.path.dirname(p) == run:
        continue
    try:
        j = json.load(open(p))
        if j.get("raw", {}).get("impact_only"):
            continue  # a partial run (--impact-only): not a point of the size plot
        sizes[j["size"]] = j
    except Exception:
        pass
res = {
    "size": raw.get("size"), "tables": int(num("tables") or 0), "rows_per_table": int(num("rows_per_table") or 0),
    "logical_bytes": int(B), "logical_kvs": int(num("logical_kvs") or 0),
    "operations": ops,
    "ratios": {k: {"measured": v, "target": tg, "met": met(v, tg)} for k, (v, tg) in ratios.items()},
    "raw": raw,
}
if not raw.get("impact_only"):
    sizes[res["size"]] = res
order = ["SMALL", "MEDIUM", "LARGE"]
scal = {}
for a, b in [("SMALL", "MEDIUM"), ("MEDIUM", "LARGE")]:
    if a in sizes and b in sizes:
        ra, rb = sizes[a]["raw"], sizes[b]["raw"]
        d = float(rb["logical_bytes"]) / float(ra["logical_bytes"])
        for k in ["backup_local_s", "restore_local_s"]:
            if k in ra and k in rb:
                tr = float(rb[k]) / float(ra[k])
                # normalise to 4x data: time ratio per data ratio, scaled to 4x
                scal[f"{k} {a}->{b}"] = {"data_x": round(d, 2), "time_x": round(tr, 2),
                                         "time_x_per_4x_data": round(tr * 4 / d, 2), "target": "<= 4.4",
                                         "met": tr * 4 / d <= 4.4}
res["scaling"] = scal
json.dump(res, open(os.path.join(run, "results.json"), "w"), indent=2)

L = []
L.append(f"# brkv backup/restore benchmark — {res['size']}")
L.append("")
L.append("```")
L.append(open(os.path.join(run, "machine.txt")).read().rstrip())
L.append("```")
L.append("")
L.append(f"Data: {res['tables']} sysbench tables x {res['rows_per_table']} rows = "
         f"{B/1048576:.1f} MiB logical key+value bytes ({res['logical_kvs']} kvs, kvctl checksum total_bytes); "
         f"3-node playground. MB/s below = logical bytes / 1e6 / wall seconds.")
L.append("")
L.append("| operation | seconds | logical MB/s |")
L.append("|---|---:|---:|")
for o in ops:
    L.append(f"| {o['op'].replace('|', '&#124;')} | {o['seconds']:.2f} | {o['logical_MBps']} |")
if "s3_skipped" in raw:
    L.append(f"| s3 backup/restore | skipped: {raw['s3_skipped']} | |")
L.append("")
L.append("| ratio | measured | target | met |")
L.append("|---|---:|---:|---|")
for k, v in res["ratios"].items():
    L.append(f"| {k} | {v['measured']} | {v['target']} | {'' if v['met'] is None else ('yes' if v['met'] else 'NO')} |")
for k, v in scal.items():
    L.append(f"| time for 4x data, {k} | {v['time_x_per_4x_data']} | {v['target']} | {'yes' if v['met'] else 'NO'} |")
if not scal:
    L.append("| time for 4x data (needs two sizes under --out) | n/a | <= 4.4 | |")
L.append("")
L.append("Peak RSS (MiB) — br from /usr/bin/time -v, nodes = max VmHWM over the 3 kv-servers (reset before the step):")
L.append("")
L.append("| step | br | max node |")
L.append("|---|---:|---:|")
for k in ["backup_local", "backup_s3", "restore_local", "restore_s3", "many_backup", "many_restore"]:
    if f"{k}_br_rss_mib" in raw:
        L.append(f"| {k} | {raw.get(k + '_br_rss_mib')} | {raw.get(k + '_node_rss_mib', '')} |")
L.append("")
L.append("Online impact (kvctl churn on the source, chunks of 200 ops; rate = ops / churn's own reported seconds;"
         " each backup preceded by 15 s of churn alone on the same cluster; idle backup: "
         f"{raw.get('backup_local_s')} s):")
L.append("")
L.append("| backup mode | churn alone before (ops/s) | churn during (ops/s) | kept | backup seconds under churn |")
L.append("|---|---:|---:|---:|---:|")
for mode, name in [("autotune", "auto-tuned (default: backup.enable-auto-tune = true)"),
                   ("unthrottled", "unthrottled (enable-auto-tune = false)"),
                   ("ratelimit", f"--ratelimit {raw.get('ratelimit_mib')} MiB/s per node (auto-tune on)")]:
    b, d = num(f"churn_before_{mode}_ops"), num(f"churn_during_{mode}_ops")
    kept = f"{d / b:.0%}" if b and d is not None else ""
    L.append(f"| {name} | {b} | {d} | {kept} | {raw.get(f'backup_{mode}_with_churn_s')} |")
L.append("")
L.append("![churn over time](churn.png)")
L.append("")
mt = raw.get("many_tables")
ms = num("many_restore_s")
L.append(f"Many tables: {mt} tables x 10 rows, created in {raw.get('many_create_s')} s; "
         f"backup {raw.get('many_backup_s')} s (br peak {raw.get('many_backup_br_rss_mib')} MiB), "
         f"restore {raw.get('many_restore_s')} s (br peak {raw.get('many_restore_br_rss_mib')} MiB).")
if ms and mt:
    L.append(f"Restore cost {ms*1000/float(mt):.1f} ms per table -> ~{ms/float(mt)*10000:.0f} s for 10 000 tables at this rate.")
for k in ["many_scaled", "many_scaled_budget"]:
    if k in raw:
        L.append(f"NOTE: {raw[k]}.")
L.append("")
L.append("Machine limits (single core where it applies):")
L.append("")
L.append(f"- zstd -1: {raw.get('zstd1_mbps')} MB/s, zstd -3: {raw.get('zstd3_mbps')} MB/s "
         f"(sample of {int(num('sample_bytes') or 0)/1048576:.0f} MiB of dumped rows)")
L.append(f"- openssl dgst -sha256: {raw.get('sha256_mbps')} MB/s")
L.append(f"- dd 1 GiB sequential write (conv=fdatasync): {raw.get('disk_write_mbps')} MB/s; "
         f"read ({raw.get('disk_read_mode')}): {raw.get('disk_read_mbps')} MB/s")
L.append("")
L.append("Sizes: backup {} MiB (local, zstd), logical dump {} MiB (zstd -1), physical tar {} MiB (zstd -1, raw {} MiB).".format(
    *[f"{(num(k) or 0)/1048576:.1f}" for k in ["backup_local_size_bytes", "dump_size_bytes", "physical_size_bytes", "physical_raw_bytes"]]))
chk = [f"{k}={v}" for k, v in raw.items() if k.endswith("_checksum") or k.endswith("_check")]
L.append("Verification: " + (", ".join(chk) if chk else "none"))
errs = [f"{k}={v}" for k, v in raw.items() if k.endswith("_error")]
if errs:
    L.append("ERRORS: " + ", ".join(errs))
L.append("")
L.append("![throughput](throughput.png)")
open(os.path.join(run, "results.md"), "w").write("\n".join(L) + "\n")

# plot: backup/restore MB/s vs logical size over every size with results
if shutil.which("gnuplot"):
    dat = os.path.join(run, "throughput.dat")
    with open(dat, "w") as f:
        f.write("# MiB backup_local restore_local backup_s3 restore_s3 physical_copy physical_extract\n")
        for s in order:
            if s not in sizes:
                continue
            r = sizes[s]["raw"]
            b = float(r["logical_bytes"])
            v = [f"{b/1048576:.0f}"]
            for k in ["backup_local_s", "restore_local_s", "backup_s3_s", "restore_s3_s", "physical_copy_s", "physical_extract_s"]:
                ok = k in r and k[:-2] + "_error" not in r
                v.append(f"{b/1e6/float(r[k]):.1f}" if ok else "NaN")
            f.write(" ".join(v) + "\n")
    gp = f"""set terminal png size 900,540
set output '{os.path.join(run, "throughput.png")}'
set title 'brkv backup/restore throughput vs data size (logical MB/s)'
set xlabel 'logical data (MiB)'; set ylabel 'MB/s'; set logscale x; set grid; set key outside right
set datafile missing 'NaN'
plot '{dat}' u 1:2 w lp t 'backup local', '' u 1:3 w lp t 'restore local', '' u 1:4 w lp t 'backup s3', \
     '' u 1:5 w lp t 'restore s3', '' u 1:6 w lp dt 2 t 'tar|zstd -1', '' u 1:7 w lp dt 2 t 'zstd -d|tar x'
"""
    subprocess.run(["gnuplot"], input=gp, text=True, check=False, stderr=subprocess.DEVNULL)
    # churn rate over time around each backup (t = 0 at the backup's start)
    series = []
    for m in ["autotune", "unthrottled", "ratelimit"]:
        rawf, start = os.path.join(run, f"churn-{m}.raw"), num(f"backup_{m}_start_unix")
        if not os.path.exists(rawf) or start is None:
            continue
        f = os.path.join(run, f"churn-{m}.dat")
        with open(rawf) as src, open(f, "w") as dst:
            for line in src:
                t, r = line.split()
                dst.write(f"{float(t) - start:.2f} {r}\n")
        series.append((m, f, num(f"backup_{m}_with_churn_s")))
    if series:
        plots = ", ".join(f"'{f}' u 1:2 w lp t '{m} (backup {d:.0f} s)'" if d else f"'{f}' u 1:2 w lp t '{m}'"
                          for m, f, d in series)
        ends = "".join(f"set arrow from {d},graph 0 to {d},graph 1 nohead dt 3\n" for _, _, d in series if d)
        gp = f"""set terminal png size 900,540
set output '{os.path.join(run, "churn.png")}'
set title 'kvctl churn rate around a backup (t = 0: backup start; vertical lines: backup ends)'
set xlabel 'seconds since backup start'; set ylabel 'churn ops/s'; set grid; set key outside right
set yrange [0:*]
{ends}plot {plots}
"""
        subprocess.run(["gnuplot"], input=gp, text=True, check=False, stderr=subprocess.DEVNULL)
else:
    print("report: gnuplot missing (scripts/deps.sh installs gnuplot-nox); no plot")
