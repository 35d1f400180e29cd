"""Feersum wire schemas (spec 2.0.46) of the regex entity extractors."""

from __future__ import annotations

from pydantic import Field

from nlu_service.records.schemas import RecordInstanceDetail
from shared.wire import WireModel

EXAMPLE_REGEX = "(?P<license>([A-Z]{3}[ ]?[0-9]{3}[ ]?(GP|NW|MP|EC|L|NC|NW)))"


class RegexEntityExtractorCreateDetails(WireModel):
    """`regex_entity_extractor_create_details`: what `POST /regex_entity_extractors` takes."""

    name: str = Field(
        description="The sluggy-url-friendly-name of the instance.", examples=["example_instance"]
    )
    long_name: str | None = Field(
        default=None, description="The human-friendly-name of the instance."
    )
    desc: str | None = Field(
        default=None, description="The longer description of this instance's purpose."
    )
    regex: str | None = Field(
        default=None,
        description="The regular expression (RE2 syntax; required unless load_from_store).",
        examples=[EXAMPLE_REGEX],
    )
    load_from_store: bool = Field(
        description="Load the model of this name from the trash instead of creating a new one."
    )
    revision_uuid: str | None = Field(
        default=None, description="With load_from_store, the revision of the model to restore."
    )


class RegexEntityExtractorInstanceDetail(RecordInstanceDetail):
    """`regex_entity_extractor_instance_detail`: a regex entity extractor's details."""

    regex: str = Field(examples=[EXAMPLE_REGEX])
