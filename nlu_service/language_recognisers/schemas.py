"""Feersum wire schemas (spec 2.0.46) of the language recognisers."""

from __future__ import annotations

from pydantic import Field

from nlu_service.records.schemas import RecordInstanceDetail
from shared.wire import WireModel


class LanguageRecogniserCreateDetails(WireModel):
    """`language_recogniser_create_details`: what `POST /language_recognisers` takes."""

    name: str = Field(
        description="The sluggy-url-friendly-name of the instance.", examples=["example_instance"]
    )
    long_name: str | None = Field(
        default=None, description="The human-friendly-name of the instance."
    )
    desc: str | None = Field(
        default=None, description="The longer description of this instance's purpose."
    )
    lid_model_file: str | None = Field(
        default=None,
        description="The pre-trained LID model to load (default and only one: 'lid_za').",
        examples=["lid_za"],
    )
    load_from_store: bool = Field(
        description="Load the model of this name from the trash instead of creating a new one."
    )
    revision_uuid: str | None = Field(
        default=None, description="With load_from_store, the revision of the model to restore."
    )


class LanguageRecogniserInstanceDetail(RecordInstanceDetail):
    """`language_recogniser_instance_detail`: a language recogniser's details."""

    id: str = Field(description="The id of the model (of the built-in `generic`: a fixed id).")
    lid_model_file: str = Field(
        description="The pre-trained model this instance was created from.", examples=["lid_za"]
    )
