#!/usr/bin/env bash
# The test command: set-up (idempotent), then every test project in Release.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
rm -rf artifacts/test-results
status=0
dotnet test FaceIndex.sln -c Release --no-build -nologo \
  --logger "trx" --results-directory artifacts/test-results -- RunConfiguration.TestSessionTimeout=1500000 || status=$?
# One closing line for CI, summed over the TRX files.
p=0; f=0; k=0
for t in artifacts/test-results/*.trx; do
  [ -f "$t" ] || continue
  c=$(grep -o '<Counters [^>]*' "$t" | head -n 1)
  n() { echo "$c" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
  p=$((p + $(n passed))); f=$((f + $(n failed) + $(n error))); k=$((k + $(n total) - $(n executed)))
done
echo "tests: $p passed, $f failed, $k skipped"
exit $status
