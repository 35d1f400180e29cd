"""Retrieve inputs: an `image_input` (base64 `image`, or an allowed `url`) to decoded pixels.

Every image resource's retrieve goes through `ImageInputs`: base64 is decoded and the image
checked against the byte and pixel limits in a worker thread; a `url` is fetched by
`UrlFetcher` (refused with a 400 unless the operator lists its host). Errors are the shared
4xx ones: 400 for bad input, 413 over a limit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import numpy as np

from shared import BaobabError, InvalidInput, TooLarge
from vision_service.config import Settings
from vision_service.engine.backbone import INPUT_SIZE as BACKBONE_INPUT_SIZE
from vision_service.engine.images import (
    ImageInputError,
    ImageLimits,
    decode_base64,
    decode_image,
    fit_square,
)
from vision_service.image_classifiers.schemas import ImageInput
from vision_service.url_fetch import UrlFetcher

# The backbone's input: a square this many pixels a side.
INPUT_SIZE = BACKBONE_INPUT_SIZE


def image_limits(settings: Settings) -> ImageLimits:
    """Return the limits on one image input that the settings give."""
    return ImageLimits(settings.max_image_bytes, settings.max_image_pixels)


def image_error(exc: ImageInputError, what: str) -> BaobabError:
    """Return the HTTP error (400 or 413) for a refused image input."""
    error = TooLarge if exc.status == 413 else InvalidInput
    return error(f"{what}: {exc.message}", extra={"reason": exc.code})


def checked_image(value: object, what: str, limits: ImageLimits) -> bytes:
    """Return the encoded bytes of a base64 image that decodes within the limits; 4xx otherwise.

    Blocking (it decodes the image): call it in a worker thread.
    """
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{what} must be a base64-encoded JPEG, PNG, WebP or GIF image")
    try:
        raw = decode_base64(value, limits)
        decode_image(raw, limits, target=INPUT_SIZE)
    except ImageInputError as exc:
        raise image_error(exc, what) from exc
    return raw


def _from_base64(value: str, limits: ImageLimits, what: str = "image") -> bytes:
    try:
        return decode_base64(value, limits)
    except ImageInputError as exc:
        raise image_error(exc, what) from exc


def _square(raw: bytes, limits: ImageLimits, size: int, what: str = "image") -> np.ndarray:
    try:
        return fit_square(decode_image(raw, limits, target=size), size)
    except ImageInputError as exc:
        raise image_error(exc, what) from exc


def _full(raw: bytes, limits: ImageLimits) -> np.ndarray:
    try:
        return np.asarray(decode_image(raw, limits))
    except ImageInputError as exc:
        raise image_error(exc, "image") from exc


def model_input(value: str, what: str, limits: ImageLimits) -> np.ndarray:
    """Return a base64 image as the backbone's (320, 320, 3) uint8 square; 4xx when refused.

    Blocking: call it in a worker thread.
    """
    return _square(_from_base64(value, limits, what), limits, INPUT_SIZE, what)


class ImageInputs:
    """Reads retrieve inputs within one service's limits."""

    def __init__(self, limits: ImageLimits, fetcher: UrlFetcher) -> None:
        self.limits = limits
        self.fetcher = fetcher

    @classmethod
    def from_settings(cls, settings: Settings) -> ImageInputs:
        return cls(image_limits(settings), UrlFetcher.from_settings(settings))

    async def _decoded(
        self, given: ImageInput, decode: Callable[[bytes], np.ndarray]
    ) -> np.ndarray:
        """Return `decode` of the input's encoded image, in one worker-thread hop for base64."""
        if given.image is not None:
            image = given.image
            return await asyncio.to_thread(lambda: decode(_from_base64(image, self.limits)))
        if given.url:
            raw = await self.fetcher.fetch(given.url)
            return await asyncio.to_thread(decode, raw)
        raise InvalidInput("image is required: a base64-encoded JPEG, PNG, WebP or GIF, or a url")

    async def square(self, given: ImageInput, size: int = INPUT_SIZE) -> np.ndarray:
        """Return the input as the backbone's (size, size, 3) uint8 centre square."""
        return await self._decoded(given, lambda raw: _square(raw, self.limits, size))

    async def pixels(self, given: ImageInput) -> np.ndarray:
        """Return the input as (H, W, 3) uint8 RGB at its full size (EXIF orientation applied)."""
        return await self._decoded(given, lambda raw: _full(raw, self.limits))
