#!/usr/bin/env bash
# memlens benchmarks: memlens side by side with the raw cost of reading the kernel files
# (the floor) and with the tools users would otherwise run, on a process population this
# script spawns itself. Writes bench/results.md (and raw hyperfine JSON in bench/out/).
#
#   bench/run.sh            # 100 and 1,000 processes, sys, maps on 10,000 mappings
#   SCALE=1 bench/run.sh    # also 10,000 processes (takes a few minutes)
#   ONLY=top bench/run.sh   # only memlens top beside htop and btop (3 minutes); the rest
#                           # of bench/results.md from the last full run's bench/out
#   ONLY=report bench/run.sh  # only memlens report on a synthetic week (about 10 minutes)
#
# Needs: hyperfine, smem, procps (ps, free, pmap), time (GNU /usr/bin/time), python3;
# for `serve`: wrk, curl, bc and (to compare) prometheus-node-exporter.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-10}
out=bench/out
mkdir -p "$out"
[ -n "${ONLY:-}" ] || rm -f "$out"/*.json

for tool in hyperfine smem pmap free /usr/bin/time python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install hyperfine smem procps time)" >&2; exit 2; }
done

cargo build --release --quiet --bin memlens --example floor
M=$PWD/target/release/memlens
F=$PWD/target/release/examples/floor

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

# Grow the population of idle processes to $1 in all.
grow_to() {
  local want=$1 have
  have=$(ls /proc | grep -c '^[0-9]')
  while [ "$have" -lt "$want" ]; do
    sleep 100000 &
    pids+=($!)
    have=$((have + 1))
  done
  sleep 1
}

# A few large processes with known allocations.
for i in 1 2 3; do
  "$M" lab leak --count 4 --size 32M >/dev/null &
  pids+=($!)
done
"$M" lab mappings --count 10000 >/dev/null &
maps_pid=$!
pids+=($maps_pid)
sleep 2

peak() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }

measure_ps() {
  local n=$1
  grow_to "$n"
  local count
  count=$(ls /proc | grep -c '^[0-9]')
  hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$out/ps-$n.json" \
    -n floor "$F" \
    -n "floor-2-threads" "$F --threads 2" \
    -n "floor-ps-files-2-threads" "$F status smaps_rollup cmdline --threads 2" \
    -n "memlens-ps-json" "$M ps --json" \
    -n "memlens-ps" "$M ps" \
    -n "ps-eo" "ps -eo pid,rss,vsz" \
    -n "cat-rollups" "sh -c 'cat /proc/[0-9]*/smaps_rollup > /dev/null 2>&1; true'" >/dev/null
  # The goal's ratio, from runs in alternating pairs (see bench/paired.py).
  python3 bench/paired.py "${PAIRS:-30}" "$F status smaps_rollup cmdline --threads 2" "$M ps --json" \
    > "$out/paired-$n.txt"
  hyperfine -N --warmup 1 --runs 3 --export-json "$out/smem-$n.json" -n "smem-t" "smem -t" >/dev/null
  echo "$n $count $(peak "$M" ps --json)" >> "$out/peak.txt"
  # The snapshot file of this population: its size per process.
  rm -f "$out/snap-$n"
  "$M" capture --file "$out/snap-$n" >/dev/null
  echo "$n $count $(stat -c %s "$out/snap-$n") $(zcat "$out/snap-$n" | wc -c)" >> "$out/snap.txt"
  rm -f "$out/snap-$n"
  if [ "$n" = 1000 ]; then
    measure_record "$n"
    measure_serve
    measure_top
  fi
}

# memlens top beside htop and btop, each refreshing every second in a 160x50 tmux terminal
# for a minute: CPU (user + system) over the last 50 s, as a share of one core, and RSS
# at the end. htop and btop from Debian (apt-get install htop btop); btop's default is
# 2 s, so it is given update_ms = 1000 in a config of its own.
measure_top() {
  command -v tmux >/dev/null || { echo "bench: tmux is missing: top skipped" >&2; return; }
  local cfg=$PWD/$out/btop-config
  mkdir -p "$cfg/btop"
  printf 'update_ms = 1000\n' > "$cfg/btop/btop.conf"
  : > "$out/top.txt"
  local spec name cmd pid c0
  for spec in "memlens|$M top --interval 1s" "htop|htop -d 10" "btop|env XDG_CONFIG_HOME=$cfg btop"; do
    name=${spec%%|*}
    cmd=${spec#*|}
    if ! command -v "$name" >/dev/null && [ "$name" != memlens ]; then
      echo "bench: $name is missing: not measured" >&2
      continue
    fi
    tmux -L memlens-bench -f /dev/null new-session -d -s t -x 160 -y 50 "exec $cmd"
    sleep 10
    pid=$(tmux -L memlens-bench display-message -p -t t '#{pane_pid}')
    c0=$(cpu_of "$pid")
    sleep 50
    echo "$name $(echo "($(cpu_of "$pid") - $c0) * 2" | bc -l) $(rss_of "$pid") $(ls /proc | grep -c '^[0-9]')" >> "$out/top.txt"
    tmux -L memlens-bench kill-server
    sleep 1
  done
  rm -rf "$cfg"
}


# memlens report on a week of 1,000-process samples at 5 s (120,960 samples: the store
# example's synthetic week, a day written and copied six times): its wall time and peak
# RSS at the default --samples 1000 and at --samples 100, the page's size, beside the
# floor of reading the store (every frame replayed, none rebuilt: `history --samples 2`).
measure_report() {
  local db=$PWD/$out/measure-week1000 page=$PWD/$out/report-week.html
  MEASURE_KEEP=1 cargo run --release --quiet -p memlens-store --example measure -- "$PWD/$out" week1000 \
    > "$out/report-week.txt"
  : > "$out/report.txt"
  local spec name
  for spec in "floor|$M history --db $db --samples 2 --json" \
              "report|$M report --db $db --out $page" \
              "report-100|$M report --db $db --samples 100 --out $page"; do
    name=${spec%%|*}
    /usr/bin/time -f "%e %M" -o "$out/time.txt" ${spec#*|} > /dev/null 2>&1
    echo "$name $(cat "$out/time.txt") $(stat -c %s "$page" 2>/dev/null || echo 0)" >> "$out/report.txt"
  done
  rm -rf "$db"
}

# CPU seconds (user + system) a process has used.
cpu_of() { awk '{ print ($14 + $15) / 100 }' "/proc/$1/stat"; }
rss_of() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }

# memlens serve on this population, beside node_exporter (Debian's, its default
# collectors): a one-shot `memlens metrics`; the series a scrape holds; the server's CPU
# a minute at the default 15 s collection, with nobody scraping; scrape latency with one
# scraper and with 50 at once (wrk, 20 s each); the CPU a scrape costs; RSS after it all.
measure_serve() {
  hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$out/metrics.json" \
    -n "memlens-metrics" "$M metrics" \
    -n "floor-ps-files-2-threads" "$F status smaps_rollup cmdline --threads 2" >/dev/null
  command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install wrk): serve skipped" >&2; return; }
  local port=19556 node_port=19100
  "$M" serve --listen 127.0.0.1:$port 2>/dev/null &
  local serve=$!; pids+=($serve)
  local node=
  if command -v prometheus-node-exporter >/dev/null; then
    prometheus-node-exporter --web.listen-address=127.0.0.1:$node_port >/dev/null 2>&1 &
    node=$!; pids+=($node)
  fi
  sleep 3
  curl -s "http://127.0.0.1:$port/metrics" > "$out/serve-page.txt"
  {
    echo "series $(grep -vc '^#' "$out/serve-page.txt")"
    echo "bytes $(wc -c < "$out/serve-page.txt")"
    echo "collect $(awk '/^memlens_collect_duration_seconds / { print $2 }' "$out/serve-page.txt")"
    local c0; c0=$(cpu_of $serve); sleep 60
    echo "idle_cpu_minute $(echo "$(cpu_of $serve) - $c0" | bc -l)"
  } > "$out/serve.txt"
  local target name
  for target in "memlens $port $serve" "node $node_port $node"; do
    set -- $target
    name=$1
    [ -n "${3:-}" ] || continue
    # Counted before the load: node_exporter under 50 scrapers may not answer for a while.
    if [ "$name" = node ]; then
      curl -s "http://127.0.0.1:$2/metrics" | grep -vc '^#' | sed 's/^/node series /' >> "$out/serve.txt"
    fi
    local c0; c0=$(cpu_of "$3")
    wrk -t1 -c1 -d20s --latency "http://127.0.0.1:$2/metrics" > "$out/wrk-$name-1.txt"
    wrk -t2 -c50 -d20s --latency "http://127.0.0.1:$2/metrics" > "$out/wrk-$name-50.txt"
    echo "$name load_cpu $(echo "$(cpu_of "$3") - $c0" | bc -l)" >> "$out/serve.txt"
    echo "$name rss_kib $(rss_of "$3")" >> "$out/serve.txt"
  done
  kill $serve ${node:-} 2>/dev/null || true
}

# memlens record on this population: 40 samples, quiet, then with churn (about 50
# short-lived processes started a second). Per sample: bytes and time (from --verbose);
# in all: CPU time and peak RSS (GNU time).
measure_record() {
  local n=$1 mode
  for mode in quiet churny; do
    local db=$out/hist-$mode
    rm -rf "$db"
    local churn=
    if [ "$mode" = churny ]; then
      ( while :; do for _ in $(seq 50); do sleep "0.$((RANDOM % 9 + 1))" & done; sleep 1; done ) &
      churn=$!
    fi
    /usr/bin/time -f "%e %U %S %M" -o "$out/record-$mode.time" \
      "$M" record --db "$db" --interval 0.5s --refresh 6s --for 20s --verbose 2> "$out/record-$mode.log"
    if [ -n "$churn" ]; then kill "$churn"; wait "$churn" 2>/dev/null || true; fi
    du -sb "$db" | cut -f1 > "$out/record-$mode.bytes"
    # --at on this store: the last sample, and one in the middle.
    hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$out/at-$mode.json" \
      -n "sys-at" "$M sys --at now --db $db" -n "ps-at" "$M ps --at now --db $db" >/dev/null 2>&1
    rm -rf "$db"
  done
}

if [ "${ONLY:-}" = report ]; then
  measure_report
  python3 bench/report.py "$out" > bench/results.md
  cat "$out/report.txt"
  exit 0
fi

if [ "${ONLY:-}" = top ]; then
  grow_to 1000
  measure_top
  python3 bench/report.py "$out" > bench/results.md
  cat "$out/top.txt"
  exit 0
fi

: > "$out/peak.txt"
: > "$out/snap.txt"
measure_ps 100
measure_ps 1000
if [ "${SCALE:-0}" = 1 ]; then
  measure_ps 10000
fi

hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$out/sys.json" \
  -n "memlens-sys" "$M sys" -n "free" "free" >/dev/null
hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$out/maps.json" \
  -n "memlens-maps" "$M maps $maps_pid" -n "pmap-X" "pmap -X $maps_pid" >/dev/null
echo "sys $(peak "$M" sys)" > "$out/peak-other.txt"
echo "maps $(peak "$M" maps "$maps_pid")" >> "$out/peak-other.txt"

# The store alone: bytes per process-sample of a synthetic 1,000-process machine over
# many samples (key frames amortised), append CPU, fdatasync, the writer's RSS over a
# simulated day, and --at on a week of history.
cargo run --release --quiet -p memlens-store --example measure -- "$out" > "$out/store.txt" 2>&1 || true

python3 bench/report.py "$out" > bench/results.md
cat bench/results.md
