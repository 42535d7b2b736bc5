#!/usr/bin/env bash
# bash bench/postgres/workers.sh DATASET_DIR [REPEATS]
# Indexes DATASET_DIR REPEATS times each into: a SQLite library (--workers 2), a PostgreSQL library with one worker
# (--workers 2), and one with two workers of one thread each started together; prints wall seconds and images/s
# (median; detector $DETECTOR, default hog), then the latency of 'datasets --json' and 'info --json' on both libraries (median of 5). Starts a
# throw-away PostgreSQL cluster (Debian's postgresql package) in a temporary folder, fsync on, and removes it at the end.
# Build first: dotnet build src/FaceIndex.Cli -c Release
set -euo pipefail
DATA=$(realpath "$1"); REPEATS=${2:-3}; DETECTOR=${DETECTOR:-hog}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
FI=(dotnet "$ROOT/src/FaceIndex.Cli/bin/Release/net10.0/faceindex.dll")
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
WORK=$(mktemp -d /tmp/fi-pgbench-XXXXXX); chmod 777 "$WORK"
AS=(); [ "$(id -u)" = 0 ] && AS=(runuser -u postgres --)
PORT=$((55000 + RANDOM % 900))
"${AS[@]}" "$BIN/initdb" -D "$WORK/data" -U fi --auth=trust -E UTF8 >/dev/null
"${AS[@]}" "$BIN/pg_ctl" -D "$WORK/data" -w -l "$WORK/server.log" -o "-k $WORK -p $PORT -c listen_addresses=127.0.0.1" start >/dev/null
trap '"${AS[@]}" "$BIN/pg_ctl" -D "$WORK/data" -m fast -w stop >/dev/null; rm -rf "$WORK"' EXIT
IMAGES=$(find -L "$DATA" -type f \( -iname '*.jp*g' -o -iname '*.png' \) | wc -l)
newdb() { "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U fi -d postgres -qc "CREATE DATABASE $1" >/dev/null; echo "postgresql://fi@127.0.0.1:$PORT/$1"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "dataset $DATA: $IMAGES images; $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg); PostgreSQL $("$BIN/postgres" --version | awk '{print $3}')"
declare -A T
for r in $(seq 1 "$REPEATS"); do
  lib="$WORK/sqlite$r"; s=$(now); "${FI[@]}" index "$DATA" --dataset bench --licence test --library "$lib" --workers 2 --detector "$DETECTOR" --json >/dev/null; T[sqlite]+="$(since "$s") "
  url=$(newdb one$r); s=$(now); "${FI[@]}" index "$DATA" --dataset bench --licence test --library "$url" --workers 2 --detector "$DETECTOR" --json >/dev/null; T[pg1]+="$(since "$s") "
  url2=$(newdb two$r); s=$(now)
  "${FI[@]}" index "$DATA" --dataset bench --licence test --library "$url2" --workers 1 --claim 8 --detector "$DETECTOR" --json >/dev/null &
  a=$!; "${FI[@]}" index "$DATA" --dataset bench --licence test --library "$url2" --workers 1 --claim 8 --detector "$DETECTOR" --json >/dev/null; wait $a
  T[pg2]+="$(since "$s") "
  echo "after run $r: sqlite ${T[sqlite]}pg1 ${T[pg1]}pg2 ${T[pg2]}(load $(cut -d' ' -f1 /proc/loadavg))"
done
for k in sqlite pg1 pg2; do
  m=$(echo "${T[$k]}" | tr ' ' '\n' | grep . | median)
  printf '%-7s median %6.1f s  %5.1f images/s  (runs: %s)\n' "$k" "$m" "$(awk -v n="$IMAGES" -v m="$m" 'BEGIN { print n / m }')" "${T[$k]}"
done
for cmd in datasets info; do
  for lib in "$WORK/sqlite1" "$url"; do
    ts=""; for i in 1 2 3 4 5; do s=$(now); "${FI[@]}" "$cmd" --library "$lib" --json >/dev/null; ts+="$(since "$s") "; done
    printf '%-8s %-45s median %.2f s (runs: %s)\n' "$cmd" "${lib/#$WORK/TMP}" "$(echo "$ts" | tr ' ' '\n' | grep . | median)" "$ts"
  done
done
echo "load at the end $(cut -d' ' -f1-3 /proc/loadavg)"
