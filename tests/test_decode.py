"""Decode stage: every awkward input gets either pixels or a clear, coded error."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from facedex.decode import decode_bytes, decode_file
from facedex.errors import ImageError
from tests import images


@pytest.fixture()
def face_jpg(tmp_path: Path) -> Path:
    p = tmp_path / "face.jpg"
    im = Image.new("RGB", (300, 200), (200, 150, 120))
    im.save(p, "JPEG")
    return p


def test_png_bomb_is_refused_before_decoding(tmp_path: Path) -> None:
    p = images.png_bomb(tmp_path / "bomb.png")
    with pytest.raises(ImageError) as e:
        decode_file(p)
    assert e.value.code == "too_many_pixels"
    assert "900000000" in str(e.value).replace(",", "") or "30000x30000" in str(e.value)
    assert "FACEDEX_MAX_PIXELS" in str(e.value)


def test_truncated_jpeg(tmp_path: Path, face_jpg: Path) -> None:
    big = tmp_path / "big.jpg"
    Image.effect_noise((800, 600), 60).convert("RGB").save(big, "JPEG", quality=95)
    p = images.truncated_jpeg(big, tmp_path / "cut.jpg")
    with pytest.raises(ImageError) as e:
        decode_file(p)
    assert e.value.code in ("truncated", "corrupt")
    assert str(p) in str(e.value)


def test_webp_named_jpg_decodes_by_content(tmp_path: Path, face_jpg: Path) -> None:
    img = decode_file(images.webp_named_jpg(face_jpg, tmp_path / "really-webp.jpg"))
    assert img.format == "WEBP" and img.pixels.shape == (200, 300, 3)


@pytest.mark.parametrize("maker", [images.cmyk_jpeg, images.png16, images.rgba_png])
def test_odd_modes_become_rgb(tmp_path: Path, face_jpg: Path, maker: object) -> None:
    p = maker(face_jpg, tmp_path / "odd.img")  # type: ignore[operator]
    img = decode_file(p)
    assert img.pixels.dtype.name == "uint8" and img.pixels.shape == (200, 300, 3)
    # colour survives conversion (not black, not saturated)
    assert 40 < img.pixels.mean() < 240


def test_cmyk_colour_is_right(tmp_path: Path, face_jpg: Path) -> None:
    img = decode_file(images.cmyk_jpeg(face_jpg, tmp_path / "cmyk.jpg"))
    r, g, b = img.pixels.reshape(-1, 3).mean(0)
    assert r > g > b  # the skin-like colour, not inverted


def test_exif_rotation_applied(tmp_path: Path, face_jpg: Path) -> None:
    img = decode_file(images.exif_rotated(face_jpg, tmp_path / "rot.jpg"))
    assert (img.width, img.height) == (300, 200)
    assert img.pixels.shape[:2] == (200, 300)


def test_not_an_image_and_empty(tmp_path: Path) -> None:
    t = tmp_path / "notes.jpg"
    t.write_text("hello, not a photo")
    with pytest.raises(ImageError) as e:
        decode_file(t)
    assert e.value.code == "not_an_image"
    with pytest.raises(ImageError) as e2:
        decode_bytes(b"", "x")
    assert e2.value.code == "empty"


def test_missing_and_too_big_file(tmp_path: Path, face_jpg: Path) -> None:
    with pytest.raises(ImageError) as e:
        decode_file(tmp_path / "nope.jpg")
    assert e.value.code == "not_found"
    with pytest.raises(ImageError) as e2:
        decode_file(face_jpg, max_bytes=10)
    assert e2.value.code == "too_large" and "FACEDEX_MAX_BYTES" in str(e2.value)


def test_gif_first_frame_and_tiny(tmp_path: Path) -> None:
    frames = [Image.new("P", (64, 48), i * 40) for i in range(3)]
    p = tmp_path / "anim.gif"
    frames[0].save(p, save_all=True, append_images=frames[1:])
    assert decode_file(p).pixels.shape == (48, 64, 3)
    tiny = tmp_path / "tiny.png"
    Image.new("RGB", (4, 4)).save(tiny)
    with pytest.raises(ImageError) as e:
        decode_file(tiny)
    assert e.value.code == "too_small"


def test_large_jpeg_is_decoded_reduced_with_scale(tmp_path: Path) -> None:
    p = tmp_path / "huge.jpg"
    Image.new("RGB", (6000, 4000), (90, 90, 90)).save(p, "JPEG")
    img = decode_file(p, work_side=1024)
    assert (img.width, img.height) == (6000, 4000)
    assert max(img.pixels.shape[:2]) <= 2048 and img.scale < 0.5
