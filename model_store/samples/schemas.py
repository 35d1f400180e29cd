"""Wire shapes of samples."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from model_store.deps import ID_PATTERN
from model_store.schema_types import RequestBody, ResponseBody

# Text-like fields must hold something besides spaces; their length limits come from the
# settings and are checked in the service (413 when crossed).
NonBlank = Annotated[str, StringConstraints(pattern=r"\S")]
LangCode = Annotated[str, StringConstraints(max_length=32)]
SampleId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]


class SampleIn(RequestBody):
    text: NonBlank
    label: NonBlank
    lang_code: LangCode | None = None
    comment: str | None = None


class SampleChange(RequestBody):
    """A change to one sample: the fields present are set (`lang_code`, `comment` may be null)."""

    uuid: SampleId
    text: NonBlank | None = None
    label: NonBlank | None = None
    lang_code: LangCode | None = None
    comment: str | None = None


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
    uuid: str
    text: str
    label: str
    lang_code: str | None
    comment: str | None
