"""Feersum wire schemas (spec 2.0.46) of the person-name entity extractors.

The spec leaves `person_name_entity` an open object (its example is `["Tom"]`); Baobab
answers `{"name", "title", "start", "end"}`.
"""

from __future__ import annotations

from pydantic import Field

from nlu_service.records.schemas import RecordCreateDetails, RecordInstanceDetail
from shared.wire import WireModel


class PersonNameEntityExtractorCreateDetails(RecordCreateDetails):
    """`person_name_entity_extractor_create_details`: what `POST /person_name_entity_extractors` takes."""


class PersonNameEntityExtractorInstanceDetail(RecordInstanceDetail):
    """`person_name_entity_extractor_instance_detail`: a person-name extractor's details."""


class PersonNameEntity(WireModel):
    """`person_name_entity`: a person name found in the text."""

    name: str = Field(description="The name as written (without its title).", examples=["Tom"])
    title: str | None = Field(
        description="The title before the name (Mr, Dr, Prof, ...), normalised; null if none.",
        examples=["Mr"],
    )
    start: int = Field(description="Offset of the first character of `name` in the text.")
    end: int = Field(description="Offset just after the last character of `name`.")
