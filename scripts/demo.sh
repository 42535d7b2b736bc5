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
echo "The query page is artifacts/demo-query.html; run '${FI[*]} --help' for every command."
