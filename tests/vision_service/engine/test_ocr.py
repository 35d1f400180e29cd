"""The OCR engine on text rendered with Pillow: words read back, in reading order, with boxes."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from vision_service.engine.ocr import TextReader


def font(size: int) -> ImageFont.FreeTypeFont:
    # Pillow's bundled TrueType font at a size: present wherever Pillow >= 10.1 is.
    loaded = ImageFont.load_default(size=size)
    assert isinstance(loaded, ImageFont.FreeTypeFont)
    return loaded


def render(
    lines: list[tuple[tuple[int, int], str]], size: tuple[int, int] = (400, 300)
) -> np.ndarray:
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    for origin, text in lines:
        draw.text(origin, text, fill="black", font=font(32))
    return np.asarray(image).copy()


def squeezed(text: str) -> str:
    """The text without spaces: the recogniser may drop the space between close words."""
    return "".join(text.split())


@pytest.fixture(scope="module")
def reader() -> Iterator[TextReader]:
    loaded = TextReader.load(threads=2)
    loaded.warmup()
    yield loaded


def test_reads_lines_top_to_bottom_with_boxes(reader: TextReader) -> None:
    lines = reader.read(render([((20, 150), "invoice 4217"), ((20, 40), "Hello Baobab")]))
    assert [squeezed(line.text) for line in lines] == ["HelloBaobab", "invoice4217"]
    first, second = lines
    assert all(0.8 < line.confidence <= 1.0 for line in lines)
    (x0, y0), _, (x2, y2), _ = first.box
    # The box frames the rendered words: they start at (20, 40) and are ~25 px high.
    assert 10 <= x0 <= 30 and 30 <= y0 <= 55 and 150 <= x2 <= 260 and y2 <= 90
    assert second.box[0][1] > first.box[2][1]


def test_words_far_apart_on_one_row_stay_separate_lines(reader: TextReader) -> None:
    lines = reader.read(render([((10, 40), "cat"), ((300, 40), "dog")], size=(420, 120)))
    assert [line.text for line in lines] == ["cat", "dog"]


def test_light_text_on_a_dark_background(reader: TextReader) -> None:
    image = 255 - render([((30, 120), "Welcome to Cape Town")])
    assert [squeezed(line.text) for line in reader.read(image)] == ["WelcometoCapeTown"]


def test_a_blank_image_has_no_text(reader: TextReader) -> None:
    assert reader.read(np.full((300, 400, 3), 255, dtype=np.uint8)) == []


def test_refuses_anything_but_rgb_uint8(reader: TextReader) -> None:
    with pytest.raises(ValueError, match="RGB"):
        reader.read(np.zeros((30, 40), dtype=np.uint8))
    with pytest.raises(ValueError, match="RGB"):
        reader.read(np.zeros((30, 40, 3), dtype=np.float32))
