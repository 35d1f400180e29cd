"""Image object detectors: the pre-built `generic` instance, YOLOX-Nano on the 80 COCO classes.

Every tenant shares the one detector; tenant-trained detectors are not offered (their
create and training routes do not exist). Retrieve decodes the image in a worker thread
with the same limits and errors as image classifiers, then runs the detector in another.
"""

from __future__ import annotations

import asyncio
import uuid

from shared import NotFound
from vision_service.config import Settings
from vision_service.engine.detector import Detection, ObjectDetector
from vision_service.image_classifiers.schemas import ImageInput
from vision_service.image_detectors.schemas import (
    ImageDetection,
    ImageDetectorInstanceDetail,
    ScoredImageDetection,
    ScoredImageDetections,
)
from vision_service.inputs import ImageInputs

GENERIC = "generic"
MIN_SCORE = 0.3
MAX_DETECTIONS = 100


def wire_detection(d: Detection, width: int, height: int) -> ScoredImageDetection:
    """Return a detection in the spec's shape: the box's top-left corner and size as
    fractions (0-1) of the image's width and height, to 4 decimals.

    The spec gives no unit; its examples (`box_x` 0.5, `box_w` 0.02) are fractions, and
    fractions do not depend on the size a client drew the image at.
    """
    return ScoredImageDetection(
        detection=ImageDetection(
            label=d.label,
            box_x=round(d.x / width, 4),
            box_y=round(d.y / height, 4),
            box_w=round(d.w / width, 4),
            box_h=round(d.h / height, 4),
            id=d.class_id,
        ),
        probability=d.probability,
    )


class ImageDetectorService:
    """The image-detector operations; every tenant shares the one pre-built detector."""

    def __init__(self, detector: ObjectDetector, settings: Settings) -> None:
        self.detector = detector
        self.settings = settings
        self.inputs = ImageInputs.from_settings(settings)
        digest = str(detector.manifest.get("onnx_sha256", detector.name))
        self.generic = ImageDetectorInstanceDetail(
            name=GENERIC,
            id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"baobab:image_detector:{digest}")),
            long_name="Generic object detector",
            desc="Built in: the 80 COCO object classes (YOLOX-Nano).",
            readonly=True,
            threshold=MIN_SCORE,
        )

    def _instance(self, name: str) -> ImageDetectorInstanceDetail:
        if name != GENERIC:
            raise NotFound(f"image detector '{name}' not found; the pre-built one is '{GENERIC}'")
        return self.generic

    async def details_all(self, tenant: str) -> list[ImageDetectorInstanceDetail]:
        """Return every detector the tenant can use: the pre-built one."""
        return [self.generic]

    async def details(self, tenant: str, name: str) -> ImageDetectorInstanceDetail:
        """Return a detector's details; 404 for any name but `generic`."""
        return self._instance(name)

    async def retrieve(
        self, tenant: str, name: str, image_input: ImageInput
    ) -> ScoredImageDetections:
        """Return the objects found in one image, most probable first."""
        self._instance(name)
        rgb = await self.inputs.pixels(image_input)
        found = await asyncio.to_thread(
            self.detector.detect, rgb, min_score=MIN_SCORE, max_detections=MAX_DETECTIONS
        )
        height, width = rgb.shape[:2]
        return ScoredImageDetections(
            scored_detections=[wire_detection(d, width, height) for d in found]
        )
