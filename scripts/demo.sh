#!/usr/bin/env bash
# Set up (idempotent), then the main job on the bundled sample: index it, query it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
FI=(dotnet src/FaceIndex.Cli/bin/Release/net10.0/faceindex.dll)
LIB=artifacts/demo-library
echo
echo "== faceindex index tests/data/faces/face_recognition  (licence and provenance from its dataset.json)"
"${FI[@]}" index tests/data/faces/face_recognition --library "$LIB"
echo
echo "== faceindex query tests/data/faces/queries/obama2.jpg -k 5  (a photo that is not in the dataset)"
"${FI[@]}" query tests/data/faces/queries/obama2.jpg -k 5 --library "$LIB" --html artifacts/demo-query.html
echo
echo "== faceindex datasets"
"${FI[@]}" datasets --library "$LIB"
echo
echo "== faceindex serve, briefly: the search page and API on 127.0.0.1 (one query through the API)"
PORT=5151
"${FI[@]}" serve --library "$LIB" --port "$PORT" > artifacts/demo-serve.log 2>&1 &
SERVE=$!
for _ in $(seq 1 60); do grep -q serving artifacts/demo-serve.log 2>/dev/null && break; sleep 1; done
if command -v curl >/dev/null && grep -q serving artifacts/demo-serve.log 2>/dev/null; then
  curl -s -F photo=@tests/data/faces/queries/obama2.jpg -F k=1 "http://127.0.0.1:$PORT/api/query" \
    | python3 -c 'import json,sys; r=json.load(sys.stdin); h=r["result"]["faces"][0]["hits"][0]; print("best match:", h["identity"], "distance", round(h["distance"], 3), "permalink", r["permalink"])' || true
else
  echo "serve did not start (see artifacts/demo-serve.log)"
fi
kill "$SERVE" 2>/dev/null || true
wait "$SERVE" 2>/dev/null || true
echo
echo "The query page is artifacts/demo-query.html. For the search page run '${FI[*]} serve --library $LIB' and open http://127.0.0.1:5151/; run '${FI[*]} --help' for every command."
