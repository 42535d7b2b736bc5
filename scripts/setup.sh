#!/usr/bin/env bash
# FaceIndex set-up: system packages, the dlib shim, pinned model weights, the Release build.
# Idempotent: a second run skips every step that is already done.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ART=$ROOT/artifacts
FACEAPI_VERSION=1.7.15
# sha512 of the npm tarball @vladmandic/face-api@1.7.15 (its registry "integrity" field, in hex).
FACEAPI_SHA512=5833262b709f34ba3c8f2956a8ca1081fe2722cb773347f3c7576769cf7ac2ffddbcc4cde03c42fcfab50c6b5db83935964b426a64373080d7167beb7474d70f
MODELS=$ART/models/face-api-$FACEAPI_VERSION
FACEPLUGIN_VERSION=0.0.1
# sha512 of the npm tarball faceplugin-face-recognition-js@0.0.1 (its registry "integrity" field, in hex).
FACEPLUGIN_SHA512=b21ae25e3778cc91c4c212b58c72be6d6a3c56fe95bbd07fc3a451b1de0016d34cfe3688daf86e39a98e48c97da9098b77c5a543b760a8dfb70b688e8b9a575b
ONNX_MODELS=$ART/onnx/faceplugin-face-recognition-js-$FACEPLUGIN_VERSION
mkdir -p "$ART"

step() { printf '\n== %s\n' "$*"; }
fail() { printf 'setup: %s\n' "$*" >&2; exit 1; }

# 1. System packages (dlib's CMake config names libblas and liblapack, which libdlib-dev does not pull in;
#    USearch's native library, from its NuGet package, needs libgomp1; the browser test of 'serve' drives
#    Debian's chromium through Playwright, whose own browser download cannot be used; the tests start a
#    throw-away PostgreSQL server from the postgresql package).
PKGS=(libdlib-dev libdlib-data libblas-dev liblapack-dev libjpeg-dev libpng-dev cmake g++ patchelf python3 fonts-dejavu-core libgomp1 chromium postgresql)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  step "installing system packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq || fail "apt-get update failed: check the network or your apt sources, then rerun"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null \
    || fail "apt-get install ${missing[*]} failed: install them by hand (Debian 12 / Ubuntu 22.04+), then rerun"
fi
[ -f /usr/share/dlib/shape_predictor_68_face_landmarks.dat ] \
  || fail "dlib's 68-point predictor is missing: apt-get install libdlib-data"

# 2. The native dlib shim.
SHIM=$ART/native/libfaceindex_dlib.so
if [ ! -f "$SHIM" ] || [ -n "$(find src/FaceIndex.Native -newer "$SHIM" -type f 2>/dev/null | head -n 1)" ]; then
  step "building the dlib shim (src/FaceIndex.Native)"
  cmake -S src/FaceIndex.Native -B "$ART/native-build" -DCMAKE_BUILD_TYPE=Release >"$ART/native-build.log" 2>&1 \
    || { mkdir -p "$ART"; fail "cmake configure of src/FaceIndex.Native failed: see $ART/native-build.log"; }
  cmake --build "$ART/native-build" -j "$(nproc)" >>"$ART/native-build.log" 2>&1 \
    || fail "building the dlib shim failed: see $ART/native-build.log"
  mkdir -p "$ART/native"
  cp "$ART/native-build/libfaceindex_dlib.so" "$SHIM"
fi

# 3. Recognition and SSD face-detector weights from the npm package, pinned by sha512.
if [ ! -f "$MODELS/face_recognition_model.bin" ] || [ ! -f "$MODELS/face_recognition_model-weights_manifest.json" ] \
  || [ ! -f "$MODELS/ssd_mobilenetv1_model.bin" ] || [ ! -f "$MODELS/ssd_mobilenetv1_model-weights_manifest.json" ]; then
  step "fetching @vladmandic/face-api@$FACEAPI_VERSION (MIT) with npm pack"
  command -v npm >/dev/null || fail "npm is not installed: apt-get install npm (or install Node.js), then rerun"
  CACHE=$ART/cache; mkdir -p "$CACHE"
  TGZ=$CACHE/vladmandic-face-api-$FACEAPI_VERSION.tgz
  if [ ! -f "$TGZ" ]; then
    (cd "$CACHE" && npm pack "@vladmandic/face-api@$FACEAPI_VERSION" --silent >/dev/null) \
      || fail "npm pack @vladmandic/face-api@$FACEAPI_VERSION failed: check npm's registry access, then rerun"
  fi
  echo "$FACEAPI_SHA512  $TGZ" | sha512sum -c --quiet - \
    || { rm -f "$TGZ"; fail "checksum mismatch for $TGZ (deleted): the package is not the pinned one; rerun to fetch it again"; }
  tmp=$(mktemp -d)
  tar -xzf "$TGZ" -C "$tmp" package/model/face_recognition_model.bin \
    package/model/face_recognition_model-weights_manifest.json package/model/ssd_mobilenetv1_model.bin \
    package/model/ssd_mobilenetv1_model-weights_manifest.json package/LICENSE
  mkdir -p "$MODELS"
  cp "$tmp/package/model/"face_recognition_model* "$tmp/package/model/"ssd_mobilenetv1_model* "$tmp/package/LICENSE" "$MODELS/"
  rm -rf "$tmp"
fi

# 3b. The second recognition model (ONNX; MIT as published, weights' provenance undocumented), pinned by sha512:
#     only model/fr_feature.onnx and the licence are kept (the package's other models and code are not used).
if [ ! -f "$ONNX_MODELS/fr_feature.onnx" ]; then
  step "fetching faceplugin-face-recognition-js@$FACEPLUGIN_VERSION (MIT) with npm pack"
  command -v npm >/dev/null || fail "npm is not installed: apt-get install npm (or install Node.js), then rerun"
  CACHE=$ART/cache; mkdir -p "$CACHE"
  TGZ=$CACHE/faceplugin-face-recognition-js-$FACEPLUGIN_VERSION.tgz
  if [ ! -f "$TGZ" ]; then
    (cd "$CACHE" && npm pack "faceplugin-face-recognition-js@$FACEPLUGIN_VERSION" --silent >/dev/null) \
      || fail "npm pack faceplugin-face-recognition-js@$FACEPLUGIN_VERSION failed: check npm's registry access, then rerun"
  fi
  echo "$FACEPLUGIN_SHA512  $TGZ" | sha512sum -c --quiet - \
    || { rm -f "$TGZ"; fail "checksum mismatch for $TGZ (deleted): the package is not the pinned one; rerun to fetch it again"; }
  tmp=$(mktemp -d)
  tar -xzf "$TGZ" -C "$tmp" package/model/fr_feature.onnx package/LICENSE
  mkdir -p "$ONNX_MODELS"
  cp "$tmp/package/model/fr_feature.onnx" "$tmp/package/LICENSE" "$ONNX_MODELS/"
  rm -rf "$tmp" "$TGZ"
fi

# 4. NuGet packages, and TorchSharp's native glue made loadable on Debian 12's libstdc++ (see the script).
dotnet restore FaceIndex.sln -v q >/dev/null || fail "dotnet restore failed: check NuGet access (dotnet nuget list source), then rerun"
bash scripts/torchsharp-glibcxx-compat.sh >/dev/null \
  || fail "making TorchSharp load on this libstdc++ failed: see 'bash scripts/torchsharp-glibcxx-compat.sh'"

# 5. The solution, in Release.
step "building FaceIndex.sln (Release)"
dotnet build FaceIndex.sln -c Release --no-restore -nologo -v q -clp:ErrorsOnly \
  || fail "dotnet build failed: see the errors above"
echo
echo "setup: done (shim: $SHIM, models: $MODELS, $ONNX_MODELS)"
