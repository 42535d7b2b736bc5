#!/usr/bin/env bash
# bash bench/postgres/readers.sh N
# Writes N synthetic faces into a throw-away PostgreSQL library (bench/postgres/pgmillion.cs, commits of 2,000),
# then times whole 'faceindex datasets --json' and 'faceindex info --json' processes on it (median of 5).
# Build first: dotnet build src/FaceIndex.Cli -c Release
set -euo pipefail
N=${1:-100000}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
FI=(dotnet "$ROOT/src/FaceIndex.Cli/bin/Release/net10.0/faceindex.dll")
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
WORK=$(mktemp -d /tmp/fi-pgread-XXXXXX); chmod 777 "$WORK"
AS=(); [ "$(id -u)" = 0 ] && AS=(runuser -u postgres --)
PORT=$((55000 + RANDOM % 900))
"${AS[@]}" "$BIN/initdb" -D "$WORK/data" -U fi --auth=trust -E UTF8 >/dev/null
"${AS[@]}" "$BIN/pg_ctl" -D "$WORK/data" -w -l "$WORK/server.log" -o "-k $WORK -p $PORT -c listen_addresses=127.0.0.1" start >/dev/null
trap '"${AS[@]}" "$BIN/pg_ctl" -D "$WORK/data" -m fast -w stop >/dev/null; rm -rf "$WORK"' EXIT
"$BIN/psql" -h 127.0.0.1 -p "$PORT" -U fi -d postgres -qc "CREATE DATABASE readers" >/dev/null
URL="postgresql://fi@127.0.0.1:$PORT/readers"
dotnet run "$ROOT/bench/postgres/pgmillion.cs" "$URL" "$N" 2000
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
for cmd in datasets info; do
  ts=""; for i in 1 2 3 4 5; do s=$(now); "${FI[@]}" "$cmd" --library "$URL" --json >/dev/null; ts+="$(since "$s") "; done
  printf '%-8s %s faces: median %.2f s (runs: %s)\n' "$cmd" "$N" "$(echo "$ts" | tr ' ' '\n' | grep . | median)" "$ts"
done
echo "load at the end $(cut -d' ' -f1-3 /proc/loadavg)"
