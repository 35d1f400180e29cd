"""Feersum wire schemas (spec 2.0.46) of the person-name entity extractors.

The spec leaves `person_name_entity` an open object (its example is `["Tom"]`); Baobab
answers `{"name", "title", "start", "end"}`.
"""

from __future__ import annotations

from pydantic import Field

from shared.wire import WireModel


class PersonNameEntityExtractorCreateDetails(WireModel):
    """`person_name_entity_extractor_create_details`: what `POST /person_name_entity_extractors` takes."""

    name: str = Field(
        description="The sluggy-url-friendly-name of the instance.", examples=["example_instance"]
    )
    long_name: str | None = Field(
        default=None, description="The human-friendly-name of the instance."
    )
    desc: str | None = Field(
        default=None, description="The longer description of this instance's purpose."
    )
    load_from_store: bool = Field(
        description="Load the model of this name from the trash instead of creating a new one."
    )
    revision_uuid: str | None = Field(
        default=None, description="With load_from_store, the revision of the model to restore."
    )


class PersonNameEntityExtractorInstanceDetail(WireModel):
    """`person_name_entity_extractor_instance_detail`: a person-name extractor's details."""

    name: str = Field(examples=["example_instance"])
    id: str = Field(description="The id of the model.")
    long_name: str | None = None
    desc: str | None = None
    readonly: bool | None = None


class PersonNameEntity(WireModel):
    """`person_name_entity`: a person name found in the text."""

    name: str = Field(description="The name as written (without its title).", examples=["Tom"])
    title: str | None = Field(
        description="The title before the name (Mr, Dr, Prof, ...), normalised; null if none.",
        examples=["Mr"],
    )
    start: int = Field(description="Offset of the first character of `name` in the text.")
    end: int = Field(description="Offset just after the last character of `name`.")
