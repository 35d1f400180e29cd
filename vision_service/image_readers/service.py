"""Image reading (OCR): the pre-built `generic` instance, shared by every tenant.

The image is decoded within the same limits as image classifiers' inputs (and refused
with the same 400/413 errors); decoding and reading run in one worker thread, one image
at a time, since the reader already uses the cores it was given. Calls that find more
than `queue_capacity` others waiting are refused with 429 instead of queueing forever.
"""

from __future__ import annotations

import asyncio
import uuid

from shared import NotFound, RateLimited
from vision_service.config import Settings
from vision_service.engine.ocr import TextReader
from vision_service.image_classifiers.schemas import ImageInput
from vision_service.image_readers.schemas import ImageReaderInstanceDetail, Text
from vision_service.inputs import ImageInputs

GENERIC = "generic"
# Intra-op threads of each of the reader's ONNX sessions.
OCR_THREADS = 2
GENERIC_DETAIL = ImageReaderInstanceDetail(
    name=GENERIC,
    id=str(uuid.uuid5(uuid.NAMESPACE_URL, "baobab:image_reader:generic:rapidocr-pp-ocrv4")),
    long_name="Generic image reader",
    desc="Built in: printed text in English and other Latin-script languages (PP-OCRv4).",
    readonly=True,
)


class ImageReaderService:
    """The image-reader operations; every tenant shares the one pre-built reader."""

    def __init__(self, reader: TextReader, settings: Settings) -> None:
        self.reader = reader
        self.inputs = ImageInputs.from_settings(settings)
        self.capacity = settings.queue_capacity
        # Waiters queue here, on the event loop, not in (and so not starving) the thread pool.
        self._turn = asyncio.Lock()
        self._waiting = 0

    async def list_all(self, tenant: str) -> list[ImageReaderInstanceDetail]:
        """Return the readers every tenant can use: the pre-built `generic` one."""
        return [GENERIC_DETAIL]

    async def retrieve(self, tenant: str, name: str, image_input: ImageInput) -> list[Text]:
        """Return the lines of text in the image, top to bottom."""
        if name != GENERIC:
            raise NotFound(f"image reader '{name}' not found; the pre-built one is 'generic'")
        if self._waiting >= self.capacity:
            raise RateLimited("too many images are waiting to be read; retry shortly", 1)
        self._waiting += 1
        try:
            rgb = await self.inputs.pixels(image_input)
            await self._turn.acquire()
        finally:
            self._waiting -= 1
        try:
            lines = await asyncio.to_thread(self.reader.read, rgb)
        finally:
            self._turn.release()
        return [Text(text=line.text) for line in lines]
