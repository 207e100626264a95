#!/usr/bin/env bash
# Seeds fuzz/corpus/parsers from the captured fixtures (one file each, deduplicated).
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/parsers
for f in $(find ../tests/fixtures -type f -size -256k | grep -E '/(meminfo|vmstat|buddyinfo|zoneinfo|pagetypeinfo|slabinfo|memory|smaps_rollup|smaps|status|statm|stat|cmdline|comm|oom_score|cgroup|passwd|enabled|shm|sem|msg|ksm_stat|limits)$'); do
  cp "$f" "corpus/parsers/$(sha1sum "$f" | cut -c1-16)"
done
echo "seeded $(ls corpus/parsers | wc -l) inputs"
