#!/usr/bin/env bash
# Benchmarks of copharvest on synthetic courses. Prints a table and writes
# bench/results.json. Sizes: SIZES="100000 1000000" (default), SYNC_SIZES="10000 100000".
# Needs GNU time (/usr/bin/time, Debian package "time") for peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES-"100000 1000000"}
SYNC_SIZES=${SYNC_SIZES-"10000 100000"}
out=bench/out
mkdir -p "$out"
command -v /usr/bin/time >/dev/null || { echo "install GNU time: apt-get install time" >&2; exit 1; }
go build -o "$out/copharvest" ./cmd/copharvest
go build -o "$out/benchcourse" ./bench/benchcourse
bin="$out/copharvest"
json="{\"date\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\", \"machine\": \"$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)\""

# timed CMD...: runs it under GNU time, prints "seconds peakKB".
timed() { /usr/bin/time -f "%e %M" -o "$out/time.txt" "$@" >/dev/null 2>"$out/stderr.txt" || { cat "$out/stderr.txt" >&2; return 1; }; cat "$out/time.txt"; }

echo "== sync against the loopback fake (300 requests per 500 ms window)"
json+=", \"sync\": ["
sep=""
for n in $SYNC_SIZES; do
  r=$("$out/benchcourse" sync -n "$n")
  echo "  $n top-level posts: $r"
  json+="$sep$r"; sep=", "
done
json+="]"

echo "== start-up: status on an empty database"
rm -f "$out/startup.db"*
"$out/benchcourse" db -n 0 -o "$out/startup.db" >/dev/null
python3 - "$bin" "$out" <<'PY' > "$out/startup.txt"
import subprocess, sys, time, os
binary, out = sys.argv[1], sys.argv[2]
db = os.path.join(out, "startup.db")
t = []
for _ in range(20):
    s = time.perf_counter(); subprocess.run([binary, "--db", db, "status"], capture_output=True); t.append(time.perf_counter() - s)
t.sort(); print(f"{t[len(t)//2]*1000:.1f}")
PY
startup=$(cat "$out/startup.txt")
echo "  median of 20 runs: ${startup} ms"
json+=", \"status_startup_ms\": $startup"

json+=", \"sizes\": ["
sep=""
for n in $SIZES; do
  db="$out/course-$n.db"
  if [ ! -f "$db" ]; then
    echo "== writing a synthetic database of $n posts"
    "$out/benchcourse" db -n "$n" -o "$db"
  fi
  row="{\"posts\": $n"
  read -r s kb < <(timed "$bin" --db "$db" classify --rebuild); echo "  $n classify: ${s}s ${kb}KB"; row+=", \"classify_s\": $s, \"classify_kb\": $kb"
  read -r s kb < <(timed "$bin" --db "$db" communities --window 52w --format json); echo "  $n communities: ${s}s ${kb}KB"; row+=", \"communities_s\": $s, \"communities_kb\": $kb"
  if "$bin" report --help >/dev/null 2>&1; then
    read -r s kb < <(timed "$bin" --db "$db" report --since 120d --format json); echo "  $n report: ${s}s ${kb}KB"; row+=", \"report_s\": $s, \"report_kb\": $kb"
  fi
  if "$bin" export --help >/dev/null 2>&1; then
    read -r s kb < <(timed "$bin" --db "$db" export posts --format csv -o "$out/posts-$n.csv"); echo "  $n export posts csv: ${s}s ${kb}KB $(stat -c %s "$out/posts-$n.csv") bytes"; row+=", \"export_s\": $s, \"export_kb\": $kb, \"export_bytes\": $(stat -c %s "$out/posts-$n.csv")"
    if "$bin" export --help 2>&1 | grep -q parquet; then
      read -r s kb < <(timed "$bin" --db "$db" export posts --format parquet -o "$out/posts-$n.parquet"); echo "  $n export posts parquet: ${s}s ${kb}KB $(stat -c %s "$out/posts-$n.parquet") bytes"; row+=", \"export_parquet_s\": $s, \"export_parquet_kb\": $kb, \"export_parquet_bytes\": $(stat -c %s "$out/posts-$n.parquet")"
    fi
  fi
  json+="$sep$row}"; sep=", "
done
json+="]}"
echo "$json" | python3 -m json.tool > bench/results.json
echo "wrote bench/results.json"
