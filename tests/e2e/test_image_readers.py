"""The pre-built image reader through the gateway with the `feersum-nlu==2.0.46` client."""

from __future__ import annotations

import feersum_nlu
import pytest
from feersum_nlu.rest import ApiException
from PIL import Image, ImageDraw, ImageFont

from scripts.stack import Stack
from tests.e2e.test_feersum_client import client_for, new_tenant_key, status_of
from tests.vision_service.support import encode


def page(*lines: str) -> Image.Image:
    image = Image.new("RGB", (400, 300), "white")
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((20, 30 + 60 * i), line, fill="black", font=ImageFont.load_default(size=32))
    return image


def test_generic_image_reader_with_the_client(stack: Stack) -> None:
    api = feersum_nlu.ImageReadersApi(client_for(stack, new_tenant_key(stack, "reader")))
    image = encode(page("Hello Baobab", "invoice 4217"), "PNG")
    texts = api.image_reader_retrieve("generic", feersum_nlu.ImageInput(image=image))
    assert all(isinstance(t, feersum_nlu.Text) and t.lang_code is None for t in texts)
    # The recogniser may drop the space between close words.
    assert ["".join(t.text.split()) for t in texts] == ["HelloBaobab", "invoice4217"]

    with pytest.raises(ApiException) as exc:
        api.image_reader_retrieve("nope", feersum_nlu.ImageInput(image=image))
    assert status_of(exc) == 404
    with pytest.raises(ApiException) as exc:
        api.image_reader_retrieve("generic", feersum_nlu.ImageInput(url="http://127.0.0.1/x"))
    assert status_of(exc) == 400
    with pytest.raises(ApiException) as exc:
        api.image_reader_retrieve("generic", feersum_nlu.ImageInput(image="bm90IGFuIGltYWdl"))
    assert status_of(exc) == 400

    unsigned = feersum_nlu.ImageReadersApi(client_for(stack, "not-a-key"))
    with pytest.raises(ApiException) as exc:
        unsigned.image_reader_retrieve("generic", feersum_nlu.ImageInput(image=image))
    assert status_of(exc) == 401
