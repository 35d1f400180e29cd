"""Wire shapes of samples."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from pydantic import (
    BeforeValidator,
    SerializerFunctionWrapHandler,
    StringConstraints,
    model_serializer,
    model_validator,
)

from model_store.deps import ID_PATTERN
from model_store.schema_types import RequestBody, ResponseBody

# Text-like fields must hold something besides spaces; their length limits come from the
# settings and are checked in the service (413 when crossed).
NonBlank = Annotated[str, StringConstraints(pattern=r"\S")]
LangCode = Annotated[str, StringConstraints(max_length=32)]
SampleId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]


def _decode_image(value: object) -> bytes:
    """Return the bytes of a base64 string (standard alphabet, padded); ValueError otherwise."""
    if not isinstance(value, str):
        raise ValueError("image must be a base64 string")
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("image is not valid base64") from exc
    if not data:
        raise ValueError("image is empty")
    return data


# An encoded image on the wire as base64, held as its bytes; the size limit is checked in
# the service (413).
Base64Image = Annotated[bytes, BeforeValidator(_decode_image)]
MAX_ENTITIES_PER_SAMPLE = 100


def check_entities(entities: list[dict[str, Any]] | None, text: str | None) -> None:
    """Refuse an entity list whose items lack an `entity` name or whose span leaves `text`.

    An item is a free object (entity extractors keep their own fields, e.g. `syn_set`);
    the store only checks what it can: `entity` is a non-blank string and `index`/`len`,
    when either is given, are both integers marking a non-empty span inside the text.
    """
    if entities is None:
        return
    if len(entities) > MAX_ENTITIES_PER_SAMPLE:
        raise ValueError(f"at most {MAX_ENTITIES_PER_SAMPLE} entities per sample")
    for i, item in enumerate(entities):
        name = item.get("entity")
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"entities[{i}].entity must be a non-blank string")
        if "index" not in item and "len" not in item:
            continue
        index, length = item.get("index"), item.get("len")
        if not (type(index) is int and type(length) is int):
            raise ValueError(f"entities[{i}]: index and len must both be integers")
        if text is None:
            continue  # a change that keeps the stored text: checked in the service
        if index < 0 or length < 1 or index + length > len(text):
            raise ValueError(
                f"entities[{i}]: the span index={index}, len={length} is outside the "
                f"{len(text)}-character text"
            )


class SampleIn(RequestBody):
    """A new sample; `label` may be empty when it has an entity list, `text` when that list is non-empty."""

    text: str
    label: str = ""
    lang_code: LangCode | None = None
    comment: str | None = None
    entities: list[dict[str, Any]] | None = None
    # An image sample's encoded image; its `text` is the caller's content key for it.
    image: Base64Image | None = None

    @model_validator(mode="after")
    def _complete(self) -> SampleIn:
        # An entity sample (any list, even empty: an utterance without entities) needs no
        # label; only one with entities (a synonym set) may leave the text blank.
        if not self.entities and not self.text.strip():
            raise ValueError("text must hold something besides spaces")
        if self.entities is None and not self.label.strip():
            raise ValueError("label must hold something besides spaces")
        check_entities(self.entities, self.text)
        return self


class SampleChange(RequestBody):
    """A change to one sample: the fields present are set (`lang_code`, `comment`, `entities` may be null)."""

    uuid: SampleId
    text: NonBlank | None = None
    label: NonBlank | None = None
    lang_code: LangCode | None = None
    comment: str | None = None
    entities: list[dict[str, Any]] | None = None
    image: Base64Image | None = None

    @model_validator(mode="after")
    def _spans(self) -> SampleChange:
        check_entities(self.entities, self.text)
        return self


class SampleRef(RequestBody):
    """Names samples to delete: one by `uuid`, or every sample with exactly this `text`."""

    uuid: SampleId | None = None
    text: str | None = None


class SamplesAdd(RequestBody):
    samples: list[SampleIn]


class SamplesChange(RequestBody):
    samples: list[SampleChange]


class SamplesDelete(RequestBody):
    samples: list[SampleRef]


class SampleOut(ResponseBody):
    """A stored sample; `entities` and `image` (base64) are left out when the sample has none."""

    uuid: str
    text: str
    label: str
    lang_code: str | None
    comment: str | None
    entities: list[dict[str, Any]] | None = None
    image: str | None = None

    @model_serializer(mode="wrap")
    def _drop_missing_entities(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        for optional in ("entities", "image"):
            if data.get(optional) is None:
                data.pop(optional, None)
        return data
