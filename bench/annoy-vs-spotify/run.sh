#!/usr/bin/env bash
# Side by side: FaceIndex.Annoy (bench/FaceIndex.AnnoyBench) and spotify/annoy (annoy.R, through r-cran-rcppannoy)
# on the same vectors, searchK values and ground truth. Needs: apt-get install -y r-base-core r-cran-rcppannoy
# usage: bench/annoy-vs-spotify/run.sh [N=100000] [OUT=artifacts/annoy-bench/N] [DATA=face]
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-100000}
OUT=${2:-artifacts/annoy-bench/$N}
DATA=${3:-face}
DIM=${DIM:-128}
TREES=${TREES:-10}
SEED=${SEED:-42}
QUERIES=${QUERIES:-1000}
REPEATS=${REPEATS:-3}
SEARCHK=${SEARCHK:--1,200,500,1000,2000,5000,10000}
METRIC=${METRIC:-angular}
mkdir -p "$OUT"
dotnet build bench/FaceIndex.AnnoyBench -c Release -v q -clp:ErrorsOnly
BENCH="dotnet bench/FaceIndex.AnnoyBench/bin/Release/net10.0/FaceIndex.AnnoyBench.dll"
$BENCH run --n "$N" --dim "$DIM" --trees "$TREES" --seed "$SEED" --data "$DATA" --metric "$METRIC" \
  --queries "$QUERIES" --repeats "$REPEATS" --search-k "$SEARCHK" --out "$OUT"
Rscript bench/annoy-vs-spotify/annoy.R "$OUT" "$N" "$DIM" "$TREES" "$SEED" "$SEARCHK" "$METRIC" "$REPEATS"
$BENCH compare --out "$OUT"
