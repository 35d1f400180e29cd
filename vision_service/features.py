"""The image backbone behind the micro-batching queue the text encoder uses.

`nlu_service.encoding.BatchingEncoder` batches any inputs its encoder takes; here they are
(320, 320, 3) uint8 images already decoded and cropped in a worker thread, and the answer
is their L2-normalised backbone features. Retrieve calls share batches; training and
other bulk work feed the bulk queue and yield to retrieve.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import numpy as np

from nlu_service.encoding import BatchingEncoder
from vision_service.engine import ImageBackbone, to_pixels


class ImageEmbedder:
    """What `BatchingEncoder` calls: images in, unit-length backbone features out."""

    def __init__(self, backbone: ImageBackbone) -> None:
        self.backbone = backbone
        self.dim = backbone.dim
        self.input_size = backbone.input_size

    def encode(self, images: Sequence[np.ndarray], batch_size: int = 32) -> np.ndarray:
        """Return [n, dim] float32 unit rows for n (size, size, 3) uint8 images."""
        if not images:
            return np.zeros((0, self.dim), dtype=np.float32)
        features = self.backbone.features(to_pixels(np.stack(images)), batch_size)
        norms = np.linalg.norm(features, axis=1, keepdims=True)
        unit: np.ndarray = (features / np.maximum(norms, 1e-12)).astype(np.float32)
        return unit


class ImageBatcher(BatchingEncoder):
    """The batching queue over an `ImageEmbedder`; warms up on two blank images."""

    async def warmup(self) -> None:
        size = cast(ImageEmbedder, self.encoder).input_size
        blank = np.full((size, size, 3), 128, dtype=np.uint8)
        await self.encode([blank, blank])
        self.warmed = True
