"""Feersum wire schemas (spec 2.0.46) of the regex entity extractors."""

from __future__ import annotations

from pydantic import Field

from nlu_service.records.schemas import RecordCreateDetails, RecordInstanceDetail

EXAMPLE_REGEX = "(?P<license>([A-Z]{3}[ ]?[0-9]{3}[ ]?(GP|NW|MP|EC|L|NC|NW)))"


class RegexEntityExtractorCreateDetails(RecordCreateDetails):
    """`regex_entity_extractor_create_details`: what `POST /regex_entity_extractors` takes."""

    regex: str | None = Field(
        default=None,
        description="The regular expression (RE2 syntax; required unless load_from_store).",
        examples=[EXAMPLE_REGEX],
    )


class RegexEntityExtractorInstanceDetail(RecordInstanceDetail):
    """`regex_entity_extractor_instance_detail`: a regex entity extractor's details."""

    regex: str = Field(examples=[EXAMPLE_REGEX])
