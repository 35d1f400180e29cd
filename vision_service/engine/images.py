"""Untrusted image input: base64 text in, a checked RGB image or a model-ready array out.

Pure numpy + Pillow (no web, database or cache code), so a worker thread, a notebook or a
training job can call it directly.

    array = decode_for_model(body.image, ImageLimits(), size=224)  # (224, 224, 3) uint8

Accepted: JPEG (MPO, the multi-picture JPEG some phones write, counts as JPEG), PNG,
WebP and GIF; animated GIF, WebP and PNG give their first frame. Every other format
(BMP, TIFF, ICO, HEIC, ...) is refused as unsupported, and only the four accepted
formats' parsers ever see the bytes: Pillow is asked to try no other plugin.

Every failure is an `ImageInputError` (a ValueError) with a machine `code` and an HTTP
`status`:

    code                status  when
    empty               400     no bytes at all
    invalid_base64      400     not strict standard base64 (or a malformed data URL)
    too_large           413     encoded bytes over `ImageLimits.max_bytes`
    too_many_pixels     413     width * height over `ImageLimits.max_pixels`
    unsupported_format  400     not JPEG, PNG, WebP or GIF
    corrupt_image       400     one of those four, but truncated or undecodable

`unsupported_format` answers 400 rather than 415 because Feersum clients only handle 400
for bad input.

The pixel limit is checked on the header's claimed size before any pixel is decoded, so
a decompression bomb costs a header parse. Pillow's own global `MAX_IMAGE_PIXELS` check
(a warning above it, an error above twice it) still fires first for the largest claims;
its error is mapped to `too_many_pixels` and the global is left alone. Truncated images
are refused (`ImageFile.LOAD_TRUNCATED_IMAGES` is not touched).
"""

from __future__ import annotations

import binascii
import io
from dataclasses import dataclass
from typing import Literal

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

ImageErrorCode = Literal[
    "empty",
    "invalid_base64",
    "too_large",
    "too_many_pixels",
    "unsupported_format",
    "corrupt_image",
]

# The Pillow plugins allowed to parse input. The JPEG plugin itself hands a JPEG with a
# multi-picture extension to the MPO class, so `format` may also read "MPO".
_OPEN_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
ACCEPTED_FORMATS: tuple[str, ...] = (*_OPEN_FORMATS, "MPO")
_FRIENDLY_FORMATS = "JPEG, PNG, WebP or GIF"

_STATUS: dict[ImageErrorCode, int] = {
    "empty": 400,
    "invalid_base64": 400,
    "too_large": 413,
    "too_many_pixels": 413,
    "unsupported_format": 400,
    "corrupt_image": 400,
}

_WHITE = (255, 255, 255)


class ImageInputError(ValueError):
    """An image input that is refused; `code` and `status` say why, the message says how.

    Statuses: 413 for `too_large` and `too_many_pixels`, 400 for everything else
    (including `unsupported_format`, which Feersum clients expect as a 400).
    """

    def __init__(self, code: ImageErrorCode, message: str) -> None:
        super().__init__(message)
        self.code: ImageErrorCode = code
        self.message = message
        self.status = _STATUS[code]


@dataclass(frozen=True)
class ImageLimits:
    """Bounds on one image input: decoded (binary) bytes, and width * height."""

    max_bytes: int = 10_000_000
    max_pixels: int = 40_000_000

    def __post_init__(self) -> None:
        if self.max_bytes <= 0 or self.max_pixels <= 0:
            raise ValueError("image limits must be positive")


DEFAULT_LIMITS = ImageLimits()


def decode_base64(data: str, limits: ImageLimits = DEFAULT_LIMITS) -> bytes:
    """Return the bytes of a base64 string or a `data:<type>;base64,<payload>` URL.

    Whitespace (line breaks from MIME encoders) is ignored; anything else outside the
    standard base64 alphabet, or missing padding, is `invalid_base64`. The size bound is
    checked from the text's length before anything is decoded.
    """
    # A cheap bound first, so a huge body is refused before it is copied or scanned.
    # Allowance for data-URL headers and a line break every 76 characters.
    max_chars = 4 * -(-limits.max_bytes // 3)
    if len(data) > max_chars + max_chars // 32 + 256:
        raise _too_large(limits)

    payload = data.strip()
    if payload[:5].lower() == "data:":
        header, comma, payload = payload.partition(",")
        if not comma or not header.lower().endswith(";base64"):
            raise ImageInputError(
                "invalid_base64",
                "a data URL must look like data:image/png;base64,<base64 data>",
            )
    payload = "".join(payload.split())
    if not payload:
        raise ImageInputError("empty", "the image is empty")

    # Exact decoded length for well-formed input, an upper bound otherwise.
    decoded_len = len(payload) * 3 // 4 - (payload[-2:].count("="))
    if decoded_len > limits.max_bytes:
        raise _too_large(limits)
    try:
        # strict_mode also refuses padding at the start or middle and data after it.
        raw = binascii.a2b_base64(payload, strict_mode=True)
    except (binascii.Error, ValueError) as exc:  # ValueError: non-ASCII characters
        raise ImageInputError(
            "invalid_base64", "the image is not valid base64 (standard alphabet, padded)"
        ) from exc
    if not raw:
        raise ImageInputError("empty", "the image is empty")
    return raw


def decode_image(
    raw: bytes, limits: ImageLimits = DEFAULT_LIMITS, *, target: int | None = None
) -> Image.Image:
    """Return the image in `raw` as RGB, EXIF orientation applied, first frame only.

    Transparent pixels are composited on white; 16-bit greyscale keeps its top 8 bits.
    With `target`, a JPEG is decoded at the smallest 1/2, 1/4 or 1/8 scale whose shorter
    side is still at least `target` (libjpeg DCT scaling, much faster for big photos);
    other formats ignore it.
    """
    if not raw:
        raise ImageInputError("empty", "the image is empty")
    if len(raw) > limits.max_bytes:
        raise _too_large(limits)

    try:
        image = Image.open(io.BytesIO(raw), formats=_OPEN_FORMATS)  # header only
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # The warning is only raised when warnings are configured as errors.
        raise _too_many_pixels(limits) from exc
    except UnidentifiedImageError as exc:
        if _looks_accepted(raw):
            raise ImageInputError(
                "corrupt_image", "the image header is damaged and cannot be read"
            ) from exc
        raise ImageInputError(
            "unsupported_format", f"unsupported image format: send {_FRIENDLY_FORMATS}"
        ) from exc
    except Exception as exc:  # a plugin's own parse error on a damaged header
        raise ImageInputError("corrupt_image", "the image header cannot be read") from exc

    if image.format not in ACCEPTED_FORMATS:  # belt and braces: `formats` already limits it
        raise ImageInputError(
            "unsupported_format", f"unsupported image format: send {_FRIENDLY_FORMATS}"
        )
    width, height = image.size
    if width <= 0 or height <= 0:
        raise ImageInputError("corrupt_image", "the image has no pixels")
    if width * height > limits.max_pixels:
        raise _too_many_pixels(limits, width, height)

    if target is not None and image.format in ("JPEG", "MPO"):
        # Must run before load(); picks a scale that keeps both sides >= target.
        image.draft("RGB", (target, target))
    try:
        image.load()
        # Orientation before the mode change: transposing works in every mode, and the
        # EXIF block travels with the opened file, not with a converted copy.
        ImageOps.exif_transpose(image, in_place=True)
        return _to_rgb(image)
    except MemoryError:
        raise
    except Exception as exc:
        # Pillow's decoders signal damaged data with OSError ("image file is truncated"),
        # SyntaxError, ValueError, EOFError or struct.error depending on the plugin;
        # for untrusted input every one of them means the same thing to the caller.
        raise ImageInputError(
            "corrupt_image", "the image data is truncated or corrupt and cannot be decoded"
        ) from exc


def fit_square(
    image: Image.Image,
    size: int = 224,
    *,
    resample: Image.Resampling = Image.Resampling.BILINEAR,
) -> np.ndarray:
    """Return the centre square of `image` scaled to `size` x `size`: (size, size, 3) uint8.

    Equivalent to scaling the shorter side to `size` and centre-cropping the longer one,
    done in one resize of the central square. Bilinear by default; Pillow's filters
    widen with the downscale factor (they antialias, unlike torch's `interpolate`), and
    `reducing_gap` lets Pillow box-reduce big images first, which is fast and does not
    visibly change the result.
    """
    if size <= 0:
        raise ValueError("size must be positive")
    if image.mode != "RGB":
        image = _to_rgb(image)
    width, height = image.size
    side = min(width, height)
    left = (width - side) / 2
    top = (height - side) / 2
    square = image.resize(
        (size, size),
        resample,
        box=(left, top, left + side, top + side),
        reducing_gap=3.0,
    )
    return np.asarray(square, dtype=np.uint8).copy()


def decode_for_model(b64: str, limits: ImageLimits = DEFAULT_LIMITS, size: int = 224) -> np.ndarray:
    """Return a base64 image as a (size, size, 3) uint8 centre square, for a worker thread."""
    raw = decode_base64(b64, limits)
    return fit_square(decode_image(raw, limits, target=size), size)


def _to_rgb(image: Image.Image) -> Image.Image:
    mode = image.mode
    if mode == "RGB":
        return image
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        # Pillow's own I;16 -> L conversion clips at 255 instead of scaling; PNG's
        # 16-bit greyscale (the only source of these modes among accepted formats)
        # spans 0..65535, so keep the top 8 bits.
        values = np.asarray(image).astype(np.int64)
        grey = (np.clip(values, 0, 65535) >> 8).astype(np.uint8)
        return Image.fromarray(grey).convert("RGB")
    if "A" in image.getbands() or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, _WHITE)
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _looks_accepted(raw: bytes) -> bool:
    """Whether `raw` starts with the signature of an accepted format."""
    return (
        raw.startswith(b"\xff\xd8\xff")
        or raw.startswith(b"\x89PNG\r\n\x1a\n")
        or raw.startswith((b"GIF87a", b"GIF89a"))
        or (raw.startswith(b"RIFF") and raw[8:12] == b"WEBP")
    )


def _too_large(limits: ImageLimits) -> ImageInputError:
    return ImageInputError(
        "too_large", f"the image is larger than the {limits.max_bytes:,}-byte limit"
    )


def _too_many_pixels(
    limits: ImageLimits, width: int | None = None, height: int | None = None
) -> ImageInputError:
    claimed = f" ({width} x {height})" if width is not None and height is not None else ""
    return ImageInputError(
        "too_many_pixels",
        f"the image has more pixels{claimed} than the {limits.max_pixels:,}-pixel limit",
    )
