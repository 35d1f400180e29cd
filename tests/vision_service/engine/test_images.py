"""Image input decoding: formats, orientation, colour handling and every input limit."""

from __future__ import annotations

import base64
import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from vision_service.engine.images import (
    ImageInputError,
    ImageLimits,
    decode_base64,
    decode_for_model,
    decode_image,
    fit_square,
)

RED = (255, 0, 0)
BLUE = (0, 0, 255)
GREEN = (0, 255, 0)


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def solid(
    colour: int | tuple[int, ...], size: tuple[int, int] = (64, 48), mode: str = "RGB"
) -> Image.Image:
    return Image.new(mode, size, colour)


def noisy_jpeg(size: tuple[int, int] = (256, 192)) -> bytes:
    pixels = np.random.default_rng(0).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    return encode(Image.fromarray(pixels), "JPEG", quality=95)


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def png_with_size(width: int, height: int) -> bytes:
    """A real 1x1 PNG whose IHDR claims `width` x `height` (with a valid CRC)."""
    raw = encode(solid(RED, (1, 1)), "PNG")
    assert raw[12:16] == b"IHDR"
    ihdr = struct.pack(">II", width, height) + raw[24:29]
    crc = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return raw[:16] + ihdr + crc + raw[33:]


def error_of(call: object, *args: object, **kwargs: object) -> ImageInputError:
    assert callable(call)
    with pytest.raises(ImageInputError) as info:
        call(*args, **kwargs)
    return info.value


def close_to(pixel: object, colour: tuple[int, int, int], tolerance: int = 12) -> bool:
    values = np.asarray(pixel, dtype=int).reshape(-1)[:3]
    return bool(np.all(np.abs(values - np.asarray(colour)) <= tolerance))


# Formats


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF"])
def test_each_accepted_format_round_trips(fmt: str) -> None:
    raw = encode(solid(RED, (64, 48)), fmt)
    image = decode_image(decode_base64(b64(raw)))
    assert image.size == (64, 48)
    assert image.mode == "RGB"
    assert close_to(image.getpixel((32, 24)), RED)


@pytest.mark.parametrize(
    ("fmt", "params"),
    [("BMP", {}), ("TIFF", {}), ("ICO", {"sizes": [(32, 32)]}), ("PPM", {})],
)
def test_formats_pillow_can_read_are_refused_as_unsupported(
    fmt: str, params: dict[str, object]
) -> None:
    raw = encode(solid(RED, (32, 32)), fmt, **params)
    error = error_of(decode_image, raw)
    assert error.code == "unsupported_format"
    assert error.status == 400
    assert "JPEG, PNG, WebP or GIF" in str(error)


NOISE = np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8).tobytes()


def test_random_bytes_are_unsupported() -> None:
    assert error_of(decode_image, b"\x00" + NOISE).code == "unsupported_format"


@pytest.mark.parametrize(
    "signature",
    [
        b"\xff\xd8\xff",
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
        b"\x89PNG\r\n\x1a\n",
        b"RIFF\0\0\0\0WEBP",
    ],
)
def test_an_accepted_signature_with_a_damaged_header_is_corrupt(signature: bytes) -> None:
    assert error_of(decode_image, signature + NOISE).code == "corrupt_image"


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_truncated_jpeg_is_corrupt(cut: float) -> None:
    raw = noisy_jpeg()
    error = error_of(decode_image, raw[: int(len(raw) * cut)])
    assert error.code == "corrupt_image"
    assert error.status == 400


def test_truncated_png_is_corrupt() -> None:
    pixels = np.random.default_rng(2).integers(0, 256, (100, 100, 3), dtype=np.uint8)
    raw = encode(Image.fromarray(pixels), "PNG")
    assert error_of(decode_image, raw[: len(raw) // 2]).code == "corrupt_image"


def test_animated_gif_gives_its_first_frame() -> None:
    frames = [solid(RED), solid(BLUE), solid(GREEN)]
    raw = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    assert getattr(Image.open(io.BytesIO(raw)), "n_frames", 1) == 3
    image = decode_image(raw)
    assert image.size == (64, 48)
    assert close_to(image.getpixel((10, 10)), RED)


def test_animated_webp_gives_its_first_frame() -> None:
    frames = [solid(BLUE), solid(RED)]
    raw = encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], lossless=True)
    assert getattr(Image.open(io.BytesIO(raw)), "n_frames", 1) == 2
    assert close_to(decode_image(raw).getpixel((10, 10)), BLUE)


# Colour modes


def test_exif_orientation_6_rotates_a_landscape_jpeg_to_portrait() -> None:
    # Left half red, right half blue; orientation 6 means "rotate 90 degrees clockwise to
    # display", which puts the left half on top.
    image = solid(BLUE, (80, 40))
    image.paste(RED, (0, 0, 40, 40))
    exif = Image.Exif()
    exif[0x0112] = 6
    decoded = decode_image(encode(image, "JPEG", exif=exif, quality=95))
    assert decoded.size == (40, 80)
    assert close_to(decoded.getpixel((20, 10)), RED, tolerance=30)
    assert close_to(decoded.getpixel((20, 70)), BLUE, tolerance=30)


def test_transparent_png_pixels_become_white() -> None:
    image = solid((255, 0, 0, 255), (20, 10), mode="RGBA")
    image.paste((0, 0, 0, 0), (10, 0, 20, 10))  # black but fully transparent
    decoded = decode_image(encode(image, "PNG"))
    assert decoded.mode == "RGB"
    assert decoded.getpixel((5, 5)) == RED
    assert decoded.getpixel((15, 5)) == (255, 255, 255)


def test_gif_transparency_index_becomes_white() -> None:
    image = Image.new("P", (20, 10), 0)
    image.putpalette([255, 0, 0, 0, 0, 0] + [0] * (256 * 3 - 6))
    image.paste(1, (10, 0, 20, 10))
    decoded = decode_image(encode(image, "GIF", transparency=1))
    assert decoded.getpixel((5, 5)) == RED
    assert decoded.getpixel((15, 5)) == (255, 255, 255)


def test_16_bit_greyscale_png_is_scaled_not_clipped() -> None:
    grey16 = Image.fromarray(np.full((10, 12), 0x8000, dtype=np.uint16))
    raw = encode(grey16, "PNG")
    assert Image.open(io.BytesIO(raw)).mode.startswith("I")
    decoded = decode_image(raw)
    assert decoded.mode == "RGB"
    assert decoded.size == (12, 10)
    assert decoded.getpixel((3, 3)) == (128, 128, 128)


def test_cmyk_and_greyscale_jpegs_become_rgb() -> None:
    cmyk = decode_image(encode(solid((0, 255, 255, 0), mode="CMYK"), "JPEG", quality=95))
    assert cmyk.mode == "RGB"
    assert close_to(cmyk.getpixel((10, 10)), RED, tolerance=30)
    grey = decode_image(encode(solid(200, mode="L"), "JPEG"))
    assert grey.mode == "RGB"
    assert close_to(grey.getpixel((10, 10)), (200, 200, 200), tolerance=3)


# Base64


def test_data_url_is_accepted() -> None:
    raw = encode(solid(RED), "PNG")
    assert decode_base64("data:image/png;base64," + b64(raw)) == raw
    assert decode_base64("DATA:image/png;BASE64," + b64(raw)) == raw


def test_data_url_without_base64_marker_is_refused() -> None:
    raw = encode(solid(RED), "PNG")
    assert error_of(decode_base64, "data:image/png," + b64(raw)).code == "invalid_base64"


def test_whitespace_and_line_breaks_are_tolerated() -> None:
    raw = encode(solid(RED), "PNG")
    text = b64(raw)
    wrapped = "\r\n".join(text[i : i + 76] for i in range(0, len(text), 76))
    assert decode_base64(f"  {wrapped} \n") == raw
    assert decode_base64(" ".join(text)) == raw


@pytest.mark.parametrize(
    "text", ["abc$def=", "QUI", "QUJDé", "QUJD-_8=", "=QUJD", "QU=JD", "QUI=QUJD"]
)
def test_invalid_base64_is_refused(text: str) -> None:
    error = error_of(decode_base64, text)
    assert error.code == "invalid_base64"
    assert error.status == 400


@pytest.mark.parametrize(
    "text", ["", "  \n\t", "data:image/png;base64,", "data:image/png;base64, \n"]
)
def test_empty_input_is_refused(text: str) -> None:
    assert error_of(decode_base64, text).code == "empty"


def test_empty_bytes_are_refused() -> None:
    assert error_of(decode_image, b"").code == "empty"


# Limits


def test_encoded_size_limit_is_checked_before_decoding() -> None:
    limits = ImageLimits(max_bytes=1000)
    # Not base64 at all: a size refusal proves nothing was decoded or validated first.
    error = error_of(decode_base64, "!" * 2000, limits)
    assert error.code == "too_large"
    assert error.status == 413
    assert "1,000" in str(error)
    # Just within the shortcut's whitespace allowance but over the limit once stripped.
    assert error_of(decode_base64, "A" * 1340, limits).code == "too_large"


def test_encoded_size_limit_boundary() -> None:
    limits = ImageLimits(max_bytes=1000)
    assert len(decode_base64(b64(bytes(1000)), limits)) == 1000
    assert error_of(decode_base64, b64(bytes(1001)), limits).code == "too_large"
    assert error_of(decode_image, bytes(1001), limits).code == "too_large"


def test_huge_claimed_png_is_refused_without_decoding() -> None:
    error = error_of(decode_image, png_with_size(100_000, 100_000))
    assert error.code == "too_many_pixels"
    assert error.status == 413


def test_pixel_limit_is_ours_not_pillows_global() -> None:
    # 48 M pixels: below Pillow's own MAX_IMAGE_PIXELS (~89 M), above our default 40 M.
    # A 1x1 payload: decoding would fail as truncated, so the code proves the header check.
    error = error_of(decode_image, png_with_size(8000, 6000))
    assert error.code == "too_many_pixels"
    assert "8000 x 6000" in str(error)
    assert Image.MAX_IMAGE_PIXELS == 89_478_485  # untouched


def test_pixel_limit_boundary_on_a_real_image() -> None:
    raw = encode(solid(RED, (20, 20)), "JPEG")
    assert decode_image(raw, ImageLimits(max_pixels=400)).size == (20, 20)
    assert error_of(decode_image, raw, ImageLimits(max_pixels=399)).code == "too_many_pixels"


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError):
        ImageLimits(max_bytes=0)
    with pytest.raises(ValueError):
        ImageLimits(max_pixels=-1)


# Model input


@pytest.mark.parametrize("size", [(400, 300), (300, 400)])
def test_fit_square_centre_crops_landscape_and_portrait(size: tuple[int, int]) -> None:
    # Green margins outside the centre square, red inside: only red may survive the crop.
    width, height = size
    side = min(width, height)
    image = solid(GREEN, size)
    left, top = (width - side) // 2, (height - side) // 2
    image.paste(RED, (left, top, left + side, top + side))
    array = fit_square(image, 224)
    assert array.shape == (224, 224, 3)
    assert array.dtype == np.uint8
    assert array.flags.writeable
    # One pixel in from the edges: the filter's support reaches just past the square.
    for y, x in [(1, 1), (1, 222), (222, 1), (222, 222), (112, 112)]:
        assert close_to(array[y, x], RED, tolerance=2)


def test_fit_square_converts_other_modes() -> None:
    array = fit_square(solid(128, (50, 70), mode="L"), 32)
    assert array.shape == (32, 32, 3)
    assert int(array[16, 16, 0]) == 128


def test_jpeg_draft_decodes_smaller_but_keeps_the_shorter_side() -> None:
    y, x = np.mgrid[0:1200, 0:1600]
    gradient = np.stack([x * 255 // 1600, y * 255 // 1200, (x + y) * 255 // 2800], -1)
    raw = encode(Image.fromarray(gradient.astype(np.uint8)), "JPEG", quality=90)
    full = decode_image(raw)
    drafted = decode_image(raw, target=224)
    assert full.size == (1600, 1200)
    assert drafted.size == (400, 300)  # 1/4 scale: 1/8 would give a 150-pixel side
    difference = np.abs(fit_square(full).astype(int) - fit_square(drafted).astype(int)).mean()
    assert difference < 2.0


def test_decode_for_model_composes_the_steps() -> None:
    raw = encode(solid(BLUE, (640, 480)), "JPEG", quality=95)
    array = decode_for_model("data:image/jpeg;base64," + b64(raw), ImageLimits(), size=96)
    assert array.shape == (96, 96, 3)
    assert close_to(array[48, 48], BLUE, tolerance=8)
    error = error_of(decode_for_model, b64(png_with_size(9000, 9000)))
    assert error.code == "too_many_pixels"


def test_error_is_a_value_error_with_code_status_and_message() -> None:
    error = error_of(decode_image, encode(solid(RED), "BMP"))
    assert isinstance(error, ValueError)
    assert (error.code, error.status) == ("unsupported_format", 400)
    assert error.message == str(error)
