#!/usr/bin/env bash
# Benchmarks of copharvest on synthetic courses. Prints each figure beside
# its floor measured in the same run, and writes both to bench/results.json.
# Floors: sync, a plain GET loop over the same URLs under the same limit;
# communities and report, a bare scan of the rows the analysis reads (the
# stored per-post facts and the interactions); export, the same rows
# written straight to a file (bench/benchcourse floor: a minimal Go loop
# over the same SQLite driver). Each command's CPU time (user + system) is
# printed and recorded beside its wall time: on a shared machine it moves
# less than the wall time.
# Sizes: SIZES="100000 1000000" (default), SYNC_SIZES="10000 100000".
# Needs GNU time (/usr/bin/time, Debian package "time") for peak RSS, and
# the sqlite3 CLI (Debian package "sqlite3") to reset the classifications.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES-"100000 1000000"}
SYNC_SIZES=${SYNC_SIZES-"10000 100000"}
out=bench/out
mkdir -p "$out"
command -v /usr/bin/time >/dev/null || { echo "install GNU time: apt-get install time" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "install the sqlite3 CLI: apt-get install sqlite3" >&2; exit 1; }
go build -o "$out/copharvest" ./cmd/copharvest
go build -o "$out/benchcourse" ./bench/benchcourse
bin="$out/copharvest"
json="{\"date\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\", \"machine\": \"$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)\""
# The machine may be shared: its load at the start says how much.
json+=", \"load_average_at_start\": \"$(cut -d' ' -f1-3 /proc/loadavg)\""

# timed CMD...: runs it under GNU time, prints "seconds peakKB cpuSeconds".
timed() {
  /usr/bin/time -f "%e %M %U %S" -o "$out/time.txt" "$@" >/dev/null 2>"$out/stderr.txt" || { cat "$out/stderr.txt" >&2; return 1; }
  awk '{ printf "%s %s %.2f\n", $1, $2, $3 + $4 }' "$out/time.txt"
}
# ratio A B: A / B with two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
# field JSON KEY: one value of a flat JSON object.
field() { python3 -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

echo "== sync against the loopback fake; floor: a plain GET loop over the same URLs under the same limit (the pages in turn, the conversations with sync's 4 workers)"
json+=", \"sync\": ["
sep=""
for n in $SYNC_SIZES; do
  for limit in 300 0; do
    r=$("$out/benchcourse" sync -n "$n" -limit "$limit")
    what="300 requests per 500 ms window"; [ "$limit" = 0 ] && what="no rate limit"
    printf '  %s top-level posts, %s: sync %.2fs (cpu %.2fs), floor %.2fs (cpu %.2fs), floor/sync %.2f (requests %s, ideal %s, 429s %s, floor 429s %s)\n' "$n" "$what" \
      "$(field "$r" SyncSeconds)" "$(field "$r" SyncCPUSeconds)" "$(field "$r" PlainSeconds)" "$(field "$r" PlainCPUSeconds)" "$(field "$r" Ratio)" \
      "$(field "$r" Requests)" "$(field "$r" Ideal)" "$(field "$r" Responses429)" "$(field "$r" PlainResponses429)"
    json+="$sep$r"; sep=", "
  done
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
  read -r s kb cpu < <(timed "$bin" --db "$db" classify --rebuild)
  rate=$(awk -v n="$n" -v s="$s" 'BEGIN { printf "%.0f", n / s }')
  echo "  $n classify --rebuild: ${s}s (cpu ${cpu}s) ${kb}KB, $rate posts/s"; row+=", \"classify_s\": $s, \"classify_cpu_s\": $cpu, \"classify_kb\": $kb, \"classify_posts_per_s\": $rate"
  # Every post classified anew, its classification and facts written: what
  # a first classification, or a new model, costs (a rebuild that decides
  # what is stored writes nothing). The classifications are deleted first,
  # outside the timing; their facts are queued by the store's triggers.
  sqlite3 "$db" "PRAGMA busy_timeout = 60000; DELETE FROM classifications" >/dev/null
  read -r s kb cpu < <(timed "$bin" --db "$db" classify)
  rate=$(awk -v n="$n" -v s="$s" 'BEGIN { printf "%.0f", n / s }')
  echo "  $n classify, every post anew: ${s}s (cpu ${cpu}s) ${kb}KB, $rate posts/s"; row+=", \"classify_anew_s\": $s, \"classify_anew_cpu_s\": $cpu, \"classify_anew_kb\": $kb, \"classify_anew_posts_per_s\": $rate"
  read -r floor fkb fcpu < <(timed "$out/benchcourse" floor -db "$db" -what analysis)
  echo "  $n analysis floor (bare scan of the facts and interactions): ${floor}s (cpu ${fcpu}s) ${fkb}KB"; row+=", \"analysis_floor_s\": $floor, \"analysis_floor_cpu_s\": $fcpu, \"analysis_floor_kb\": $fkb"
  read -r s kb cpu < <(timed "$bin" --db "$db" communities --window 52w --format json)
  echo "  $n communities: ${s}s (cpu ${cpu}s) ${kb}KB, $(ratio "$s" "$floor") x floor (cpu $(ratio "$cpu" "$fcpu") x)"
  row+=", \"communities_s\": $s, \"communities_cpu_s\": $cpu, \"communities_kb\": $kb, \"communities_x_floor\": $(ratio "$s" "$floor"), \"communities_cpu_x_floor\": $(ratio "$cpu" "$fcpu")"
  if "$bin" report --help >/dev/null 2>&1; then
    read -r s kb cpu < <(timed "$bin" --db "$db" report --since 120d --format json)
    echo "  $n report: ${s}s (cpu ${cpu}s) ${kb}KB, $(ratio "$s" "$floor") x floor (cpu $(ratio "$cpu" "$fcpu") x)"
    row+=", \"report_s\": $s, \"report_cpu_s\": $cpu, \"report_kb\": $kb, \"report_x_floor\": $(ratio "$s" "$floor"), \"report_cpu_x_floor\": $(ratio "$cpu" "$fcpu")"
  fi
  if "$bin" export --help >/dev/null 2>&1; then
    read -r floor fkb fcpu < <(timed "$out/benchcourse" floor -db "$db" -what export -o "$out/floor-$n.tsv")
    echo "  $n export floor (the rows written straight to a file): ${floor}s (cpu ${fcpu}s) ${fkb}KB"; row+=", \"export_floor_s\": $floor, \"export_floor_cpu_s\": $fcpu, \"export_floor_kb\": $fkb"
    read -r s kb cpu < <(timed "$bin" --db "$db" export posts --format csv -o "$out/posts-$n.csv")
    echo "  $n export posts csv: ${s}s (cpu ${cpu}s) ${kb}KB, $(ratio "$s" "$floor") x floor (cpu $(ratio "$cpu" "$fcpu") x)"
    row+=", \"export_s\": $s, \"export_cpu_s\": $cpu, \"export_kb\": $kb, \"export_x_floor\": $(ratio "$s" "$floor"), \"export_cpu_x_floor\": $(ratio "$cpu" "$fcpu")"
    if "$bin" export --help 2>&1 | grep -q parquet; then
      read -r s kb cpu < <(timed "$bin" --db "$db" export posts --format parquet -o "$out/posts-$n.parquet")
      echo "  $n export posts parquet: ${s}s (cpu ${cpu}s) ${kb}KB $(stat -c %s "$out/posts-$n.parquet") bytes, $(ratio "$s" "$floor") x floor (cpu $(ratio "$cpu" "$fcpu") x)"
      row+=", \"export_parquet_s\": $s, \"export_parquet_cpu_s\": $cpu, \"export_parquet_x_floor\": $(ratio "$s" "$floor"), \"export_parquet_cpu_x_floor\": $(ratio "$cpu" "$fcpu"), \"export_parquet_kb\": $kb, \"export_parquet_bytes\": $(stat -c %s "$out/posts-$n.parquet")"
    fi
  fi
  json+="$sep$row}"; sep=", "
done
json+="]}"
echo "$json" | python3 -m json.tool > bench/results.json
echo "wrote bench/results.json"
