"""Feersum wire fields (spec 2.0.46) every named-record family shares."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from shared.wire import WireModel


def _store_fields_last(schema: dict[str, Any]) -> None:
    """Document `load_from_store` and `revision_uuid` after a family's own fields, as the spec does."""
    properties = schema.get("properties", {})
    for name in ("load_from_store", "revision_uuid"):
        if name in properties:
            properties[name] = properties.pop(name)


class RecordCreateDetails(WireModel):
    """The create request every named-record family shares (`*_create_details` in the spec).

    A family adds its own fields by subclassing; the schema lists them before `load_from_store`.
    """

    model_config = ConfigDict(json_schema_extra=_store_fields_last)

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
