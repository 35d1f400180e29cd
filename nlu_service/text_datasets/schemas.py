"""Feersum wire schemas (spec 2.0.46) of the text datasets."""

from __future__ import annotations

from pydantic import Field

from nlu_service.records.schemas import RecordCreateDetails
from shared.wire import WireModel


class TextDatasetCreateDetails(RecordCreateDetails):
    """`text_dataset_create_details`: what `POST /text_datasets` takes."""

    load_from_store: bool = Field(
        description="Load the dataset of this name from the trash instead of creating a new one."
    )
    revision_uuid: str | None = Field(
        default=None,
        description="With load_from_store, a revision to restore (datasets have none: 404).",
    )


class TextDatasetInstanceDetail(WireModel):
    """`text_dataset_instance_detail`: a text dataset's details.

    Extra (Baobab): `num_samples` and `num_labels`, counted by the model store.
    """

    name: str = Field(examples=["example_instance"])
    id: str = Field(description="The id of the dataset (datasets have no revisions).")
    long_name: str | None = None
    desc: str | None = None
    readonly: bool | None = None
    num_samples: int | None = Field(default=None, description="Baobab: how many samples it holds.")
    num_labels: int | None = Field(
        default=None, description="Baobab: how many distinct labels its samples carry."
    )
