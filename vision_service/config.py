"""The vision service's settings, read from `BAOBAB_*` environment variables.

Image classifiers reuse the NLU service's classifier machinery (families, the batching
queue, hot heads, training workers), so these settings extend the NLU service's: the same
names mean the same things, with defaults sized for the image backbone, plus the image
input limits.
"""

from __future__ import annotations

from pydantic import Field

from nlu_service.config import Settings as ClassifierSettings


class Settings(ClassifierSettings):
    """Image models: the shared backbone, its batching queue, image limits, hot heads, workers."""

    # The backbone's batching queue: images per batch and how many may wait.
    batch_max_size: int = Field(default=8, ge=1)
    queue_capacity: int = Field(default=64, ge=1)

    # One image input: its encoded (binary) bytes and its width x height.
    max_image_bytes: int = Field(default=10_000_000, ge=1)
    max_image_pixels: int = Field(default=40_000_000, ge=1)
    # Image calls carry bigger bodies than text calls.
    max_body_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    # Samples per add/update/delete call (each may be up to max_image_bytes).
    max_samples_per_call: int = Field(default=100, ge=1)
