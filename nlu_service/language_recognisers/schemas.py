"""Feersum wire schemas (spec 2.0.46) of the language recognisers."""

from __future__ import annotations

from pydantic import Field

from nlu_service.records.schemas import RecordCreateDetails, RecordInstanceDetail


class LanguageRecogniserCreateDetails(RecordCreateDetails):
    """`language_recogniser_create_details`: what `POST /language_recognisers` takes."""

    lid_model_file: str | None = Field(
        default=None,
        description="The pre-trained LID model to load (default and only one: 'lid_za').",
        examples=["lid_za"],
    )


class LanguageRecogniserInstanceDetail(RecordInstanceDetail):
    """`language_recogniser_instance_detail`: a language recogniser's details."""

    id: str = Field(description="The id of the model (of the built-in `generic`: a fixed id).")
    lid_model_file: str = Field(
        description="The pre-trained model this instance was created from.", examples=["lid_za"]
    )
