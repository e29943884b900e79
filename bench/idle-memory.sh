#!/usr/bin/env bash
# Resident memory of an idle embedded Parley: `parley serve --docs <dir>` on a fresh data directory,
# read from /proc after it has served for --wait seconds (the ingest worker thread stops 30 s after
# its last document, so --wait 20 sees it, --wait 45 does not). Also prints what sits in anonymous
# mappings aligned to 64 MiB (glibc's per-thread malloc arenas, and the WebAssembly memory).
# Linux only. Run `npm run build` first.
#   bash bench/idle-memory.sh [--wait 45] [--docs ../shared/data/fastify-docs] [--port 3991]
# Environment passes through, e.g. MALLOC_ARENA_MAX=2 bash bench/idle-memory.sh
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
wait_s=45; docs="$here/../shared/data/fastify-docs"; port=3991
while [ $# -gt 0 ]; do
  case "$1" in
    --wait) wait_s=$2; shift 2 ;;
    --docs) docs=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    *) echo "idle-memory: unknown argument $1" >&2; exit 2 ;;
  esac
done
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
PARLEY_DATA_DIR="$dir/data" PARLEY_PORT="$port" node "$here/bin/parley.js" serve --docs "$docs" > "$dir/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 120); do
  grep -q "serving on" "$dir/serve.log" && break
  kill -0 "$pid" 2>/dev/null || { cat "$dir/serve.log" >&2; exit 1; }
  sleep 1
done
grep -q "serving on" "$dir/serve.log" || { echo "idle-memory: the server did not start in 120 s" >&2; exit 1; }
sleep "$wait_s"
rss_kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
threads=$(awk '/^Threads:/ {print $2}' "/proc/$pid/status")
aligned_kb=$(awk '/^[0-9a-f]+-[0-9a-f]+ / {split($1, range, "-"); start = range[1]; name = $6}
  /^Rss:/ { if (start ~ /000000$/ && name == "") sum += $2 } END {print sum + 0}' "/proc/$pid/smaps")
echo "idle ${wait_s} s after start-up: RSS $((rss_kb / 1024)) MiB, 64 MiB-aligned anonymous $((aligned_kb / 1024)) MiB, threads $threads (MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-unset})"
