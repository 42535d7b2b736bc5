#!/usr/bin/env bash
# Regenerates tests/data/formats/ and tests/data/bad/ (the decoder's test inputs). Needs ImageMagick 6+, exiftool
# (libimage-exiftool-perl), img2webp (webp) and python3. Run from anywhere: bash tests/data/formats/make.sh
# Photo-derived files come from face_recognition's obama_small.jpg (MIT, see tests/data/NOTICE.md), downscaled;
# the orientation set and the crafted headers are synthetic.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bad=$(cd "$here/../bad" 2>/dev/null && pwd || (mkdir -p "$here/../bad" && cd "$here/../bad" && pwd))
src="$here/../faces/face_recognition/obama/obama_small.jpg"
cd "$here"
rm -f ./*.jpg ./*.png ./*.gif ./*.tif ./*.bmp ./*.webp
# Only the files made here: bad/fuzz/ holds fuzzer findings, kept as they were found.
find "$bad" -maxdepth 1 -type f -delete
mkdir -p orient && rm -f orient/*

# The reference: 64x48, lossless. Every photo-derived file below is made from it.
convert "$src" -strip -resize 64x48! -depth 8 PNG24:ref_rgb.png

# JPEG: baseline, progressive, grayscale, CMYK (Adobe, as Photoshop writes it), 4:2:0 and 4:4:4.
convert ref_rgb.png -strip -quality 92 -sampling-factor 4:2:0 jpeg_baseline.jpg
convert ref_rgb.png -strip -quality 92 -sampling-factor 1x1 jpeg_444.jpg
convert ref_rgb.png -strip -quality 92 -interlace Plane jpeg_progressive.jpg
convert ref_rgb.png -strip -quality 92 -colorspace Gray jpeg_gray.jpg
convert ref_rgb.png -strip -quality 95 -colorspace CMYK jpeg_cmyk.jpg

# PNG: RGB 8, RGB 16, gray 8, gray 16, palette, RGBA (left half transparent), gray+alpha.
cp ref_rgb.png png_rgb8.png
convert ref_rgb.png -strip -depth 16 PNG48:png_rgb16.png
convert ref_rgb.png -strip -colorspace Gray -depth 8 -define png:color-type=0 png_gray8.png
convert ref_rgb.png -strip -colorspace Gray -depth 16 -define png:color-type=0 png_gray16.png
convert ref_rgb.png -strip -colors 64 PNG8:png_palette.png
convert ref_rgb.png -strip \( -size 64x48 xc:white -fill black -draw "rectangle 0,0 31,47" \) \
  -alpha off -compose CopyOpacity -composite -depth 8 PNG32:png_rgba.png
convert ref_rgb.png -strip -colorspace Gray \( -size 64x48 gradient:white-black -rotate 0 \) \
  -alpha off -compose CopyOpacity -composite -depth 8 -define png:color-type=4 png_gray_alpha.png

# GIF: two frames, the photo then its negative; only the first must come back.
convert ref_rgb.png \( ref_rgb.png -negate \) -strip -delay 50 -loop 0 gif_two_frames.gif

# TIFF: LZW RGB, and a two-page file (photo, then negative) of which only page one is decoded.
convert ref_rgb.png -strip -compress lzw tiff_lzw.tif
convert ref_rgb.png \( ref_rgb.png -negate \) -strip -compress none tiff_two_pages.tif

# BMP: 24-bit.
convert ref_rgb.png -strip BMP3:bmp_24.bmp

# WebP: lossy and lossless.
convert ref_rgb.png -strip -quality 90 webp_lossy.webp
convert ref_rgb.png -strip -define webp:lossless=true webp_lossless.webp

# An animated WebP (two frames), which ImageSharp 2.1 does not decode.
convert ref_rgb.png -negate -strip PNG24:neg.tmp.png
img2webp -loop 0 -lossy -d 100 ref_rgb.png -d 100 neg.tmp.png -o "$bad/animated.webp" > /dev/null
rm neg.tmp.png

# EXIF orientation 1..8 of a synthetic 48x32 image, upright: red top-left, green top-right, blue bottom-left,
# yellow bottom-right. Each file stores the inverse of its tag's transform, so every one must decode to the upright image.
convert -size 24x16 xc:red -size 24x16 xc:lime +append \( -size 24x16 xc:blue -size 24x16 xc:yellow +append \) -append \
  -strip PNG24:orient/upright.png
inverse=("" "" "-flop" "-rotate 180" "-flip" "-transpose" "-rotate 270" "-transverse" "-rotate 90")
for n in 1 2 3 4 5 6 7 8; do
  # shellcheck disable=SC2086
  convert orient/upright.png ${inverse[$n]} -strip -quality 95 -sampling-factor 1x1 "orient/orient_$n.jpg"
  exiftool -q -overwrite_original -n -Orientation="$n" "orient/orient_$n.jpg"
done
rm orient/upright.png

# The bad set.
head -c $(( $(stat -c %s jpeg_baseline.jpg) * 6 / 10 )) jpeg_baseline.jpg > "$bad/truncated.jpg"
head -c $(( $(stat -c %s png_rgb8.png) * 6 / 10 )) png_rgb8.png > "$bad/truncated.png"
: > "$bad/empty.jpg"
printf 'This is a text file that was given a .jpg name.\n' > "$bad/text.jpg"
printf '\xff\xd8' > "$bad/two_bytes.jpg"
python3 - "$here" "$bad" <<'PY'
import random, struct, sys, zlib
here, bad = sys.argv[1], sys.argv[2]

def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

def chunks(png):
    pos, out = 8, []
    while pos < len(png):
        (n,) = struct.unpack(">I", png[pos:pos + 4])
        out.append((png[pos + 4:pos + 8], png[pos + 8:pos + 8 + n]))
        pos += 12 + n
    return out

png = open(f"{here}/png_rgb8.png", "rb").read()
sig = png[:8]
parts = chunks(png)

# Random bytes under an image name.
open(f"{bad}/random.jpg", "wb").write(random.Random(7).randbytes(4096))

# IDAT whose CRC is wrong (data intact).
body = b"".join(chunk(k, d) for k, d in parts)
i = body.index(b"IDAT")
n = struct.unpack(">I", body[i - 4:i])[0]
crc_at = i + 4 + n
bad_crc = bytearray(sig + body)
bad_crc[8 + crc_at] ^= 0xFF
open(f"{bad}/bad_crc.png", "wb").write(bytes(bad_crc))

# IDAT whose deflate stream is garbage, with a correct CRC, so only the decompressor can notice.
garbage = bytes(random.Random(11).randbytes(400))
out = sig + b"".join(chunk(k, (b"\x78\x9c" + garbage) if k == b"IDAT" else d) for k, d in parts)
open(f"{bad}/corrupt_idat.png", "wb").write(out)

# A complete, tiny PNG whose IHDR says 30000 x 30000 RGB (2.7 GB of pixels): must be refused from the header.
ihdr = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
idat = zlib.compress(b"\x00" + b"\x00" * 30)
open(f"{bad}/huge_30000x30000.png", "wb").write(sig + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b""))

# A PNG whose IHDR says 0 x 48.
ihdr0 = struct.pack(">IIBBBBB", 0, 48, 8, 2, 0, 0, 0)
open(f"{bad}/zero_width.png", "wb").write(sig + chunk(b"IHDR", ihdr0) + chunk(b"IDAT", idat) + chunk(b"IEND", b""))

# A real JPEG whose SOF0 claims 65000 x 65000.
jpg = bytearray(open(f"{here}/jpeg_baseline.jpg", "rb").read())
sof = jpg.index(b"\xff\xc0")
jpg[sof + 5:sof + 9] = struct.pack(">HH", 65000, 65000)
open(f"{bad}/huge_sof_65000x65000.jpg", "wb").write(bytes(jpg))

# A real GIF whose logical screen claims 65535 x 65535.
gif = bytearray(open(f"{here}/gif_two_frames.gif", "rb").read())
gif[6:10] = struct.pack("<HH", 65535, 65535)
open(f"{bad}/huge_screen_65535x65535.gif", "wb").write(bytes(gif))

# An ISO-BMFF header of a HEIC photo (signature only): a real image format we do not decode.
open(f"{bad}/photo.heic", "wb").write(struct.pack(">I", 24) + b"ftypheic" + struct.pack(">I", 0) + b"mif1heic" + bytes(64))
PY
ls -l "$here" "$here/orient" "$bad"
