"""Feersum wire schemas (spec 2.0.46) of the image readers: `text`, and the list's details."""

from __future__ import annotations

from pydantic import Field

from nlu_service.records.schemas import RecordInstanceDetail
from shared.wire import WireModel


class Text(WireModel):
    """`text`: one line of text read from the image."""

    text: str = Field(description="The extracted text.", examples=["Hi, you may call me Tom."])
    lang_code: str | None = Field(
        default=None,
        description="The ISO 639-3 language code of the text. Included if available "
        "(Baobab's reader does not tell languages apart, so it is left out).",
    )


class ImageReaderInstanceDetail(RecordInstanceDetail):
    """Baobab: an image reader's details (the spec declares no list operation for them)."""
