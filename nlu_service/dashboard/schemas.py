"""Feersum wire schemas (spec 2.0.46) of the dashboard."""

from __future__ import annotations

from pydantic import Field

from shared.wire import WireModel

DEFAULT_HISTORY_SIZE = 10
MAX_HISTORY_SIZE = 1000


class DashboardParams(WireModel):
    """`dashboard_params`: what `POST /dashboard` takes."""

    show_data_objects: bool | None = Field(
        default=None,
        description="Make True to include the data objects on the dashboard. Default is False.",
        examples=[False],
    )
    history_size: int | None = Field(
        default=None,
        description=(
            f"The max size of the revision history to include for a model "
            f"(default {DEFAULT_HISTORY_SIZE}, at most {MAX_HISTORY_SIZE})."
        ),
        examples=[DEFAULT_HISTORY_SIZE],
    )


class ModelRevision(WireModel):
    """`model_revision`: one revision in a model's history."""

    version: int = Field(examples=[10])
    uuid: str = Field(examples=["ea0e5aa3-1772-49aa-a805-db7ed6da46bf"])
    message: str = Field(examples=["Added training data."])


class DashboardModelDetail(WireModel):
    """`dashboard_model_detail`: one model on the dashboard."""

    name: str = Field(examples=["example_instance"])
    uuid: str | None = Field(
        default=None,
        description="The id of the current revision, or of the model when it has none.",
    )
    long_name: str | None = None
    desc: str | None = None
    model_type: str = Field(examples=["faq_matcher"])
    collection_uri: str = Field(examples=["/faq_matchers"])
    has_labels: bool | None = None
    trashed: bool | None = None
    history: list[ModelRevision] | None = Field(
        default=None, description="The model's revisions, newest first, at most history_size."
    )


class DashboardDetail(WireModel):
    """`dashboard_detail`: the dashboard."""

    api_version: str = Field(examples=["2.0.46"])
    service_name: str = Field(examples=["Baobab NLU"])
    model_list: list[DashboardModelDetail]
