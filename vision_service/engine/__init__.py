"""Baobab's image engine: the shared image backbone and its input layout.

A plain library: no web, database or cache code, and no torch (numpy and onnxruntime only).

    backbone = ImageBackbone.load(models_dir)
    features = backbone.features(to_pixels(rgb_224x224_uint8)[None])  # [1, 1280] float32

Errors: `ModelsMissing` (a FileNotFoundError) when `make models` has not built the backbone.
"""

from nlu_service.engine._exceptions import ModelsMissing
from vision_service.engine.backbone import ImageBackbone, to_pixels

__all__ = ["ImageBackbone", "ModelsMissing", "to_pixels"]
