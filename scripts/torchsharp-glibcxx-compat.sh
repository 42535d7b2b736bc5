#!/usr/bin/env bash
# TorchSharp 0.107.0's libLibTorchSharp.so is built with GCC 13+ and asks libstdc++ for GLIBCXX_3.4.32 for a single
# symbol, std::ios_base_library_init() (a link-time marker that GCC 13's <iostream> emits; libstdc++ never needs it
# called). Debian 12's libstdc++ (GCC 12) stops at 3.4.30, so the library fails to load and every torch call throws.
# Fix, only where the system libstdc++ lacks 3.4.32: install a tiny library that defines the symbol, and patch the
# NuGet cache's libLibTorchSharp.so to drop the version tag on that symbol and to depend on the tiny library.
# Idempotent; needs root (for /usr/local/lib), g++ and patchelf. Rebuild afterwards so outputs copy the patched file.
set -euo pipefail
TS_VERSION=${TS_VERSION:-0.107.0}
NUGET=${NUGET_PACKAGES:-$HOME/.nuget/packages}
LIB=$NUGET/torchsharp/$TS_VERSION/runtimes/linux-x64/native/libLibTorchSharp.so
SHIM=/usr/local/lib/libfaceindex_glibcxx_compat.so
SYM=_ZSt21ios_base_library_initv

[ -f "$LIB" ] || { echo "torchsharp-compat: $LIB not found: run 'dotnet restore' first" >&2; exit 1; }
STDCXX=$(ldconfig -p | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}')
if grep -q GLIBCXX_3.4.32 "$STDCXX" 2>/dev/null; then
  echo "torchsharp-compat: $STDCXX has GLIBCXX_3.4.32, nothing to do"; exit 0
fi
if grep -c libfaceindex_glibcxx_compat "$LIB" >/dev/null; then
  echo "torchsharp-compat: $LIB already patched"; exit 0
fi
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
command -v patchelf >/dev/null || $SUDO apt-get install -y -qq patchelf >/dev/null

if [ ! -f "$SHIM" ]; then
  src=$(mktemp --suffix=.cpp)
  cat >"$src" <<'CPP'
#include <ios>
// GCC 13's marker symbol; the streams are already set up by this libstdc++'s own ios_base::Init objects.
namespace std { void ios_base_library_init() { static ios_base::Init init; } }
CPP
  $SUDO g++ -shared -fPIC -O2 -o "$SHIM" "$src"
  rm -f "$src"
  $SUDO ldconfig
fi

patchelf --clear-symbol-version "$SYM" "$LIB"
patchelf --add-needed "$(basename "$SHIM")" "$LIB"
# The version-needed entry stays after the symbol's tag is cleared; mark it weak (VER_FLG_WEAK) so ld.so does not
# refuse the library for it.
python3 - "$LIB" <<'PY'
import struct, sys
path = sys.argv[1]
data = bytearray(open(path, 'rb').read())
shoff, = struct.unpack_from('<Q', data, 0x28)
shentsize, shnum = struct.unpack_from('<HH', data, 0x3A)
sections = [struct.unpack_from('<IIQQQQIIQQ', data, shoff + i * shentsize) for i in range(shnum)]
done = False
for name, stype, flags, addr, off, size, link, info, align, entsize in sections:
    if stype != 0x6FFFFFFE:  # SHT_GNU_verneed
        continue
    stroff = sections[link][4]
    entry = off
    for _ in range(info):
        _, cnt, _, aux, nxt = struct.unpack_from('<HHIII', data, entry)
        a = entry + aux
        for _ in range(cnt):
            _, vflags, _, vname, vnext = struct.unpack_from('<IHHII', data, a)
            end = data.index(0, stroff + vname)
            if data[stroff + vname:end] == b'GLIBCXX_3.4.32':
                struct.pack_into('<H', data, a + 4, vflags | 2)
                done = True
            a += vnext
        entry += nxt
if not done:
    sys.exit('torchsharp-compat: no GLIBCXX_3.4.32 entry in ' + path)
open(path, 'wb').write(data)
PY
echo "torchsharp-compat: patched $LIB (needs $SHIM); rebuild so outputs copy it"
