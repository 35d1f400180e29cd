"""Helpers of the vision service tests: signed clients and synthetic labelled images."""

from __future__ import annotations

import base64
import io
import os
import random
import secrets
from pathlib import Path
from typing import Any

import httpx
from PIL import Image, ImageDraw

from shared import PROJECT_ROOT

# The team's evaluation data, read in place (never copied); tests that need a real photo
# skip, saying so, where it is absent (a user's clone has no team folder beside it).
DATASETS = Path(os.environ.get("BAOBAB_DATASETS_DIR", PROJECT_ROOT.parent / "shared" / "datasets"))
BEE_PHOTO = DATASETS / "hymenoptera" / "val" / "bees" / "759745145_e8bc776ec8.jpg"

SECRET = "test-vision-secret-" + secrets.token_hex(8)
SAMPLES_LIMIT = 30
IMAGE_LIMIT = 400_000
BASE = "/vision/v2/image_classifiers"


class VisionClient(httpx.AsyncClient):
    """An httpx client for one vision app, signing every request for its tenant."""


def encode(image: Image.Image, fmt: str = "JPEG") -> str:
    """Return the image encoded in `fmt`, base64."""
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def discs(seed: int, size: tuple[int, int] = (320, 240)) -> Image.Image:
    """A few red discs on a pale background: class "discs"."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, (240, 240, 230))
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(2, 4)):
        r = rng.randint(25, 50)
        x, y = rng.randint(r, size[0] - r), rng.randint(r, size[1] - r)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(200 + rng.randint(0, 55), 20, 30))
    return image


def stripes(seed: int, size: tuple[int, int] = (320, 240)) -> Image.Image:
    """Dark blue and yellow stripes at a random pitch: class "stripes"."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, (250, 220, 40))
    draw = ImageDraw.Draw(image)
    pitch = rng.randint(14, 30)
    for y in range(rng.randint(0, pitch), size[1], pitch):
        draw.rectangle((0, y, size[0], y + pitch // 2), fill=(20, 30, 120 + rng.randint(0, 60)))
    return image


def labelled(count: int, start: int = 0) -> list[dict[str, Any]]:
    """Return `count` samples of each class, JPEG, seeded from `start`."""
    out = []
    for i in range(start, start + count):
        out.append({"image": encode(discs(i)), "label": "discs"})
        out.append({"image": encode(stripes(i)), "label": "stripes"})
    return out


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """Assert the response is the shared JSON error with that status; return the body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    if code is not None:
        assert body["error"] == code, body
    assert isinstance(body["detail"], str) and body["detail"]
    return body
