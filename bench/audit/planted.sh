#!/usr/bin/env bash
# Builds two labelled datasets from the development photos (../shared/faces) with planted errors, for measuring
# `faceindex audit` and `faceindex cluster` by hand. Needs ImageMagick's `convert` for the re-encoded copy.
#   bash bench/audit/planted.sh OUT     -> OUT/main (identity folders) and OUT/other (identity folders)
# Planted in main: img1 (person p00) copied byte for byte under p03; img12 (p01) resized to 60% and re-encoded
# under p04; img26 (p09) filed under p10; p12's photos filed under p11 (two people, one name).
# CLEAN=1 plants nothing and writes only OUT/main (dataset 'clean'): the clustering measurement's ground truth.
# other shares people with main: obama (other photos), alex_lacamoire (other photo), p05 (img67 moved there).
set -euo pipefail
out=${1:?usage: planted.sh OUT}
faces=${FACES:-$(dirname "$0")/../../../shared/faces}
rm -rf "$out" && mkdir -p "$out/main" "$out/other"
tail -n +2 "$faces/deepface/identities.csv" | while IFS=, read -r path id; do
  id=${id%$'\r'}; d=$(printf "%s/main/p%02d" "$out" "$id"); mkdir -p "$d"; cp "$faces/deepface/$path" "$d/"
done
for p in alex_lacamoire biden kit_harington obama rose_leslie; do
  mkdir -p "$out/main/$p"; cp "$faces"/face_recognition/knn_examples/train/$p/* "$out/main/$p/"
done
cp "$faces/face_recognition/obama-480p.jpg" "$out/main/obama/"
if [ "${CLEAN:-0}" = 1 ]; then
  printf '{"name":"clean","licence":"MIT (deepface and face_recognition test photos)","layout":"identity-folders"}\n' > "$out/main/dataset.json"
  rmdir "$out/other"; echo "clean dataset (no planted errors) in $out/main"; exit 0
fi
cp "$out/main/p00/img1.jpg" "$out/main/p03/img1_copy.jpg"
"${CONVERT:-/usr/bin/convert}" "$out/main/p01/img12.jpg" -resize 60% -quality 70 "$out/main/p04/img12_small.jpg"
mv "$out/main/p09/img26.jpg" "$out/main/p10/"
mv "$out/main/p12"/* "$out/main/p11/" && rmdir "$out/main/p12"
mkdir -p "$out/other/obama_b" "$out/other/alex_b" "$out/other/p05b"
cp "$faces/face_recognition/knn_examples/test/obama1.jpg" "$faces/face_recognition/obama-720p.jpg" "$out/other/obama_b/"
cp "$faces/face_recognition/knn_examples/test/alex_lacamoire1.jpg" "$out/other/alex_b/"
mv "$out/main/p05/img67.jpg" "$out/other/p05b/"
printf '{"name":"main","licence":"MIT (deepface and face_recognition test photos)","layout":"identity-folders"}\n' > "$out/main/dataset.json"
printf '{"name":"other","licence":"MIT (deepface and face_recognition test photos)","layout":"identity-folders"}\n' > "$out/other/dataset.json"
echo "planted datasets in $out/main and $out/other"
