"""Wire shapes of model records."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints

from model_store.deps import ID_PATTERN, MODEL_NAME_PATTERN, MODEL_TYPE_PATTERN
from model_store.jobs.schemas import JobOut
from model_store.revisions.schemas import RevisionOut
from model_store.schema_types import IsoDatetime, RequestBody, ResponseBody

ModelType = Annotated[str, StringConstraints(pattern=MODEL_TYPE_PATTERN)]
ModelName = Annotated[str, StringConstraints(pattern=MODEL_NAME_PATTERN)]
LongName = Annotated[str, StringConstraints(max_length=256)]
Description = Annotated[str, StringConstraints(max_length=10_000)]


class ModelCreate(RequestBody):
    model_type: ModelType
    name: ModelName
    long_name: LongName = ""
    desc: Description = ""
    params: dict[str, Any] = Field(default_factory=dict)
    load_from_store: bool = False
    revision_uuid: Annotated[str, StringConstraints(pattern=ID_PATTERN)] | None = None


class ModelUpdate(RequestBody):
    """Fields left out (or null) stay as they are; `params` keys set to null are removed."""

    long_name: LongName | None = None
    desc: Description | None = None
    readonly: bool | None = None
    params: dict[str, Any] | None = None


class TsnePut(RequestBody):
    points: list[dict[str, Any]]


class ModelRecord(ResponseBody):
    id: str
    tenant: str
    model_type: str
    name: str
    long_name: str
    desc: str
    params: dict[str, Any]
    readonly: bool
    trashed: bool
    created_at: IsoDatetime
    updated_at: IsoDatetime
    num_training_samples: int
    num_testing_samples: int
    num_training_labels: int
    current_revision: RevisionOut | None
    active_job: JobOut | None
    last_job: JobOut | None
    tsne: list[Any] | None
