"""The vision service's settings, read from `BAOBAB_*` environment variables.

Image classifiers reuse the NLU service's classifier machinery (families, the batching
queue, hot heads, training workers), so these settings extend the NLU service's: the same
names mean the same things, with defaults sized for the image backbone, plus the image
input limits.
"""

from __future__ import annotations

import importlib.util
import json
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import NoDecode

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

    # `url` image inputs (see vision_service/url_fetch.py). Empty allow-list: refused.
    # Entries are exact host names (`images.example.com`, `127.0.0.1`) or `*.example.com`
    # (any subdomain, not the apex). BAOBAB_IMAGE_URL_ALLOW_HOSTS takes a JSON list or a
    # comma-separated string.
    image_url_allow_hosts: Annotated[list[str], NoDecode] = []
    # Let exactly-listed hosts resolve to loopback, private or link-local addresses.
    image_url_allow_private: bool = False
    # The whole fetch, redirects included; the body is bounded by max_image_bytes.
    image_url_timeout_s: float = Field(default=10.0, gt=0)
    image_url_max_redirects: int = Field(default=3, ge=0)

    # Whether this replica's training worker trains image detectors, which needs torch (the
    # `trainer` image has it, the `runtime` image has not). auto: when torch can be imported.
    # A replica that does not train them leaves their jobs queued for one that does.
    train_detectors: Literal["auto"] | bool = "auto"

    @property
    def trains_detectors(self) -> bool:
        """Whether this replica trains image detectors; true without torch is a config error."""
        has_torch = importlib.util.find_spec("torch") is not None
        if self.train_detectors == "auto":
            return has_torch
        if self.train_detectors and not has_torch:
            raise ValueError(
                "BAOBAB_TRAIN_DETECTORS is true but torch cannot be imported: run the vision "
                "service's `trainer` image, or set it to auto or false"
            )
        return bool(self.train_detectors)

    @field_validator("image_url_allow_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value
