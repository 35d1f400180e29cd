"""Feersum wire fields (spec 2.0.46) every named-record family shares."""

from __future__ import annotations

from pydantic import Field

from shared.wire import WireModel


class RecordCreateDetails(WireModel):
    """The create request of a family whose records have no params of their own."""

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


class RecordInstanceDetail(WireModel):
    """The instance-detail fields of every family; a family's own fields follow them."""

    name: str = Field(examples=["example_instance"])
    id: str = Field(description="The id of the model.")
    long_name: str | None = None
    desc: str | None = None
    readonly: bool | None = None
