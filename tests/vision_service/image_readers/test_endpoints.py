"""Image readers over HTTP: the pre-built `generic` OCR instance, bad input, signed calls."""

from __future__ import annotations

import asyncio
import base64
import io
import random

import pytest
from fastapi import FastAPI
from PIL import Image, ImageDraw, ImageFont

from shared import RateLimited
from tests.vision_service.support import IMAGE_LIMIT, VisionClient, assert_error, encode, ok
from vision_service.config import Settings
from vision_service.image_classifiers.schemas import ImageInput
from vision_service.image_readers.service import ImageReaderService

BASE = "/vision/v2/image_readers"


def page(*lines: str, size: tuple[int, int] = (400, 300)) -> Image.Image:
    """Black text on white, one line every 60 pixels from the top."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=32)
    for i, line in enumerate(lines):
        draw.text((20, 30 + 60 * i), line, fill="black", font=font)
    return image


def squeezed(texts: list[str]) -> list[str]:
    """The lines without spaces: the recogniser may drop the space between close words."""
    return ["".join(t.split()) for t in texts]


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
async def test_retrieve_reads_the_lines_of_text(api: VisionClient, fmt: str) -> None:
    image = page("Hello Baobab", "invoice 4217")
    lines = ok(await api.post(f"{BASE}/generic/retrieve", json={"image": encode(image, fmt)}))
    assert squeezed([line["text"] for line in lines]) == ["HelloBaobab", "invoice4217"]
    # The spec's `text` shape: no language is claimed.
    assert all(set(line) == {"text"} for line in lines)


async def test_a_data_url_and_the_legacy_path_read_the_same(api: VisionClient) -> None:
    data_url = "data:image/png;base64," + encode(page("Cape Town"), "PNG")
    for path in (BASE, "/nlu/v2/image_readers"):
        lines = ok(await api.post(f"{path}/generic/retrieve", json={"image": data_url}))
        assert squeezed([line["text"] for line in lines]) == ["CapeTown"]


async def test_an_image_without_text_reads_nothing(api: VisionClient) -> None:
    blank = Image.new("RGB", (400, 300), (230, 240, 250))
    assert ok(await api.post(f"{BASE}/generic/retrieve", json={"image": encode(blank)})) == []


async def test_list_answers_the_generic_reader(api: VisionClient, other_api: VisionClient) -> None:
    for client in (api, other_api):
        readers = ok(await client.get(BASE))
        assert [r["name"] for r in readers] == ["generic"]
        assert readers[0]["readonly"] is True and readers[0]["id"]


async def test_unknown_reader_is_404(api: VisionClient) -> None:
    body = {"image": encode(page("hi"))}
    assert_error(await api.post(f"{BASE}/tesseract/retrieve", json=body), 404, "not_found")


async def test_url_and_missing_inputs_are_400(api: VisionClient) -> None:
    url = assert_error(
        await api.post(f"{BASE}/generic/retrieve", json={"url": "http://127.0.0.1/a.png"}),
        400,
        "invalid_input",
    )
    assert "url inputs are not enabled" in url["detail"]
    assert_error(await api.post(f"{BASE}/generic/retrieve", json={}), 400, "invalid_input")


@pytest.mark.parametrize(
    ("image", "reason"),
    [
        ("not base64 at all!", "invalid_base64"),
        (base64.b64encode(b"just some text bytes").decode(), "unsupported_format"),
        (encode(page("x"), "PNG")[:201], "invalid_base64"),
    ],
)
async def test_bad_images_are_400(api: VisionClient, image: str, reason: str) -> None:
    body = assert_error(
        await api.post(f"{BASE}/generic/retrieve", json={"image": image}), 400, "invalid_input"
    )
    assert body["reason"] == reason


async def test_truncated_image_is_400(api: VisionClient) -> None:
    buffer = io.BytesIO()
    page("truncated").save(buffer, format="PNG")
    cut = base64.b64encode(buffer.getvalue()[:-400]).decode()
    body = assert_error(
        await api.post(f"{BASE}/generic/retrieve", json={"image": cut}), 400, "invalid_input"
    )
    assert body["reason"] == "corrupt_image"


async def test_images_over_the_limits_are_413(api: VisionClient) -> None:
    noisy = Image.frombytes("RGB", (400, 400), random.Random(7).randbytes(400 * 400 * 3))
    big = encode(noisy, "PNG")
    assert len(base64.b64decode(big)) > IMAGE_LIMIT
    body = assert_error(
        await api.post(f"{BASE}/generic/retrieve", json={"image": big}), 413, "too_large"
    )
    assert body["reason"] == "too_large"
    # 2,100 x 2,000 white pixels: a small PNG, but over the app's 4,000,000-pixel limit.
    wide = encode(Image.new("RGB", (2100, 2000), "white"), "PNG")
    body = assert_error(
        await api.post(f"{BASE}/generic/retrieve", json={"image": wide}), 413, "too_large"
    )
    assert body["reason"] == "too_many_pixels"


async def test_unsigned_calls_are_refused(api: VisionClient) -> None:
    unsigned = VisionClient(transport=api._transport, base_url="http://vision.test")
    async with unsigned:
        assert_error(await unsigned.get(BASE), 401)
        response = await unsigned.post(
            f"{BASE}/generic/retrieve", json={"image": encode(page("a"))}
        )
        assert_error(response, 401)


async def test_calls_past_the_queue_capacity_are_429(vision_app: FastAPI) -> None:
    service = ImageReaderService(
        vision_app.state.image_readers.reader, Settings(environment="test", queue_capacity=1)
    )
    given = ImageInput(image=encode(page("queue")))
    await service._turn.acquire()  # an image is being read
    waiting = asyncio.create_task(service.retrieve("t", "generic", given))
    await asyncio.sleep(0.05)
    with pytest.raises(RateLimited):
        await service.retrieve("t", "generic", given)
    service._turn.release()
    assert squeezed([t.text for t in await waiting]) == ["queue"]
    # With the queue drained, calls are taken again.
    assert squeezed([t.text for t in await service.retrieve("t", "generic", given)]) == ["queue"]
