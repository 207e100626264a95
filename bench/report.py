"""Turns bench/out/*.json (hyperfine) into the markdown table of bench/results.md."""
import json
import os
import platform
import sys

out = sys.argv[1]


def load(name):
    path = os.path.join(out, name)
    if not os.path.exists(path):
        return {}
    return {r["command"]: r for r in json.load(open(path))["results"]}


def ms(r):
    return r["median"] * 1000


kernel = platform.release()
cpus = os.cpu_count()
mem = next(l for l in open("/proc/meminfo") if l.startswith("MemTotal")).split()[1]
print(f"# memlens benchmark results\n")
print(f"Machine: {cpus} CPUs, {int(mem) // 1024 // 1024} GiB, kernel {kernel}. "
      "Median wall time of hyperfine runs; ratios are against the floor (reading every "
      "`/proc/*/smaps_rollup` in one process without parsing, one thread).\n")

peaks = {}
for line in open(os.path.join(out, "peak.txt")):
    n, count, kb = line.split()
    peaks[n] = (int(count), int(kb))

print("## `ps`: all processes, with PSS/USS\n")
print("| processes | floor | floor, 2 threads | floor of ps's files, 2 threads | memlens ps --json | memlens ps | ps -eo pid,rss,vsz | cat all rollups | smem -t | memlens / floor | memlens / floor of ps's files, 2 threads | smem / memlens | memlens per process | memlens peak RSS |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for n in ["100", "1000", "10000"]:
    r = load(f"ps-{n}.json")
    if not r:
        continue
    s = load(f"smem-{n}.json")
    count, kb = peaks[n]
    floor = ms(r["floor"])
    mj = ms(r["memlens-ps-json"])
    smem = ms(s["smem-t"]) if s else float("nan")
    f2 = ms(r["floor-ps-files-2-threads"]) if "floor-ps-files-2-threads" in r else float("nan")
    print(f"| {count} | {floor:.1f} ms | {ms(r['floor-2-threads']):.1f} ms | {f2:.1f} ms | {mj:.1f} ms | {ms(r['memlens-ps']):.1f} ms "
          f"| {ms(r['ps-eo']):.1f} ms | {ms(r['cat-rollups']):.1f} ms | {smem:.0f} ms | {mj / floor:.2f}x | {mj / f2:.2f}x | {smem / mj:.0f}x "
          f"| {mj / count * 1000:.1f} µs | {kb / 1024:.1f} MiB |")

paired = [(n, os.path.join(out, f"paired-{n}.txt")) for n in ["100", "1000", "10000"]]
paired = [(n, open(p).read().split()) for n, p in paired if os.path.exists(p)]
if paired:
    print("\nThe goal's ratio, `memlens ps --json` against the floor of ps's files with 2 "
          "threads, from runs in alternating pairs (`bench/paired.py`): the median of the "
          "pairs' ratios, which the machine's drift between runs minutes apart does not "
          "move.\n")
    print("| processes | pairs | floor of ps's files, 2 threads (median) | memlens ps --json (median) | ratio: median of pairs | quartiles |")
    print("|---|---|---|---|---|---|")
    for n, (runs, fa, fb, med, q1, q3) in paired:
        count = peaks[n][0] if n in peaks else n
        print(f"| {count} | {runs} | {fa} ms | {fb} ms | {med}x | {q1}x – {q3}x |")

snap = os.path.join(out, "snap.txt")
if os.path.exists(snap):
    print("\n## Snapshot file (`capture --file`)\n")
    print("| processes | file | per process | JSON before compression |")
    print("|---|---|---|---|")
    for line in open(snap):
        n, count, size, raw = line.split()
        count, size, raw = int(count), int(size), int(raw)
        print(f"| {count} | {size / 1024:.0f} KiB | {size / count:.0f} B | {raw / 1024:.0f} KiB |")

other = dict(l.split() for l in open(os.path.join(out, "peak-other.txt")))
sysr = load("sys.json")
mapsr = load("maps.json")
print("\n## `sys` and `maps`\n")
print("| command | memlens | reference | memlens / reference | memlens peak RSS |")
print("|---|---|---|---|---|")
print(f"| memlens sys vs free | {ms(sysr['memlens-sys']):.2f} ms | {ms(sysr['free']):.2f} ms | {ms(sysr['memlens-sys']) / ms(sysr['free']):.2f}x | {int(other['sys']) / 1024:.1f} MiB |")
print(f"| memlens maps vs pmap -X (10,000 mappings) | {ms(mapsr['memlens-maps']):.1f} ms | {ms(mapsr['pmap-X']):.1f} ms | {ms(mapsr['memlens-maps']) / ms(mapsr['pmap-X']):.2f}x | {int(other['maps']) / 1024:.1f} MiB |")


# memlens record, end to end, on the 1,000-process population.
import re
rec = []
for mode in ["quiet", "churny"]:
    log = os.path.join(out, f"record-{mode}.log")
    if not os.path.exists(log):
        continue
    frames = [(int(p), int(b), "key" in k, float(t), float(c)) for p, b, k, t, c in
              re.findall(r"sample \d+: (\d+) processes, (\d+) bytes( \(key frame\))? in ([\d.]+) ms, ([\d.]+) ms of CPU", open(log).read())]
    if not frames:
        continue
    el, u, sy, kb = open(os.path.join(out, f"record-{mode}.time")).read().split()
    n = len(frames)
    procs = sum(f[0] for f in frames) / n
    key = [f[1] for f in frames if f[2]]
    delta = [f[1] for f in frames if not f[2]]
    dmean = sum(delta) / max(len(delta), 1)
    kmean = sum(key) / max(len(key), 1)
    # One key frame every 720 samples, as record writes them.
    amort = (kmean + 719 * dmean) / 720 / procs
    cpu = (float(u) + float(sy)) / n
    # Each sample's own CPU time, the first (which reads everything) left out.
    steady = sorted(f[4] for f in frames[1:])
    med = steady[len(steady) // 2] if steady else 0.0
    p90 = steady[int((len(steady) - 1) * 0.9)] if steady else 0.0
    at = load(f"at-{mode}.json")
    rec.append((mode, procs, n, kmean, dmean, amort, cpu, med, p90, int(kb), at))
if rec:
    print("\n## `memlens record` on the 1,000-process population\n")
    print("Samples every 0.5 s for 20 s with `--refresh 6s` (12 samples between re-reads, as "
          "the default `--refresh 1m` gives at 5 s); `--verbose` gives each frame's size and each "
          "sample's CPU time (user + system, all threads). CPU per sample: the median and 90th "
          "percentile of the samples after the first (which reads everything), and the mean over "
          "the whole run, first sample and start-up included. One key frame every 720 samples "
          "(an hour at 5 s) is amortised into bytes per process-sample. Churny: about 50 "
          "short-lived processes start every second.\n")
    print("| host | processes | samples | key frame | delta frame (mean) | bytes per process-sample (amortised) | bytes per day at 5 s | CPU per sample: median / p90 / whole run | % of a core at 5 s (median) | peak RSS | `sys --at` | `ps --at` |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for mode, procs, n, k, d, amort, cpu, med, p90, kb, at in rec:
        day = amort * procs * 17280
        sa = f"{ms(at['sys-at']):.1f} ms" if at else "-"
        pa = f"{ms(at['ps-at']):.1f} ms" if at else "-"
        print(f"| {mode} | {procs:.0f} | {n} | {k / 1024:.1f} KiB | {d:.0f} B | {amort:.2f} B | {day / 2**20:.1f} MiB "
              f"| {med:.1f} / {p90:.1f} / {cpu * 1000:.1f} ms | {med / 5000 * 100:.2f}% | {kb / 1024:.1f} MiB | {sa} | {pa} |")

# memlens serve beside node_exporter, on the 1,000-process population.
def wrk(name):
    path = os.path.join(out, f"wrk-{name}.txt")
    if not os.path.exists(path):
        return None
    text = open(path).read()
    unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    lat = {q: float(v) * unit[u] for q, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)}
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    timeouts = re.search(r"timeout (\d+)", text)
    failed = (int(bad.group(1)) if bad else 0) + (int(timeouts.group(1)) if timeouts else 0)
    return lat.get("50"), lat.get("99"), rps, failed


serve = os.path.join(out, "serve.txt")
if os.path.exists(serve):
    kv = {}
    for line in open(serve):
        parts = line.split()
        kv[" ".join(parts[:-1])] = float(parts[-1])
    m = load("metrics.json")
    print("\n## `memlens serve` and `memlens metrics` on the 1,000-process population\n")
    if m:
        mm, fl = ms(m["memlens-metrics"]), ms(m["floor-ps-files-2-threads"])
        print(f"`memlens metrics` (one collection, rendered): {mm:.1f} ms, {mm / fl:.2f}x the floor of the "
              f"process files it reads ({fl:.1f} ms, 2 threads).\n")
    print(f"A scrape at the defaults (`--top 20`, cgroups to depth 2): {kv.get('series', 0):.0f} series, "
          f"{kv.get('bytes', 0) / 1024:.0f} KiB; one collection took {kv.get('collect', 0) * 1000:.0f} ms; "
          f"idle (collecting every 15 s, nobody scraping) the server used {kv.get('idle_cpu_minute', 0):.2f} s of CPU a minute "
          f"({kv.get('idle_cpu_minute', 0) / 60 * 100:.2f}% of a core). node_exporter's defaults give "
          f"{kv.get('node series', 0):.0f} series.\n")
    print("wrk, 20 s per row, on the same 2 cores as the server. memlens answers from the page of its "
          "last collection; node_exporter reads the machine on every scrape.\n")
    print("| server | scrapers | p50 | p99 | scrapes/s | failed (non-200 or timed out) | CPU per scrape | RSS after |")
    print("|---|---|---|---|---|---|---|---|")
    for name in ["memlens", "node"]:
        for c in ["1", "50"]:
            w = wrk(f"{name}-{c}")
            if not w:
                continue
            p50, p99, rps, failed = w
            total = sum(wrk(f"{name}-{k}")[2] for k in ["1", "50"] if wrk(f"{name}-{k}")) * 20
            cpu = kv.get(f"{name} load_cpu", 0) / total * 1e6 if total else 0
            rss = kv.get(f"{name} rss_kib", 0) / 1024
            label = "memlens serve" if name == "memlens" else "node_exporter (defaults)"
            print(f"| {label} | {c} | {p50:.2f} ms | {p99:.2f} ms | {rps:.0f} | {failed} | {cpu:.0f} µs | {rss:.1f} MiB |")

store = os.path.join(out, "store.txt")
if os.path.exists(store):
    print("\n## The history store alone (`cargo run --release -p memlens-store --example measure`)\n")
    print("```")
    print(open(store).read().rstrip())
    print("```")

# memlens top beside htop and btop, on the 1,000-process population.
top = os.path.join(out, "top.txt")
if os.path.exists(top):
    rows = [l.split() for l in open(top) if l.strip()]
    print("\n## `memlens top` beside htop and btop, on the 1,000-process population\n")
    print("Each refreshing every second in a 160x50 tmux terminal for a minute; CPU (user + system, "
          "all threads) over the last 50 s as a share of one core, and RSS at the end. "
          "Goal for memlens: at most 2% of a core.\n")
    print("| program | processes | CPU, % of a core | RSS |")
    print("|---|---|---|---|")
    for name, cpu, rss, procs in rows:
        label = {"memlens": "memlens top --interval 1s", "htop": "htop -d 10", "btop": "btop (update_ms = 1000)"}.get(name, name)
        print(f"| {label} | {procs} | {float(cpu):.2f}% | {int(rss) / 1024:.1f} MiB |")

# memlens report on a synthetic week of 1,000-process samples at 5 s.
rep = os.path.join(out, "report.txt")
if os.path.exists(rep):
    rows = {l.split()[0]: l.split()[1:] for l in open(rep) if l.strip()}
    print("\n## `memlens report` on a week of 1,000-process samples at 5 s (120,960 samples)\n")
    print("| run | wall time | peak RSS | page |")
    print("|---|---|---|---|")
    floor = float(rows["floor"][0]) if "floor" in rows else None
    labels = {
        "floor": "floor: every frame replayed, none rebuilt (`history --samples 2`)",
        "report": "`memlens report` (every sample's system parts, 1,000 whole)",
        "report-100": "`memlens report --samples 100`",
    }
    for name in ["floor", "report", "report-100"]:
        if name not in rows:
            continue
        secs, kib, size = rows[name]
        ratio = f" ({float(secs) / floor:.1f}x the floor)" if floor and name != "floor" else ""
        page = f"{int(size) / 1024:.0f} KiB" if name != "floor" else "-"
        print(f"| {labels[name]} | {float(secs):.1f} s{ratio} | {int(kib) / 1024:.0f} MiB | {page} |")
