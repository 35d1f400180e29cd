"""Routes over a model's samples: /internal/v1/models/{model_type}/{name}/samples/{kind}."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from model_store.deps import (
    KindPath,
    ModelNamePath,
    ModelTypePath,
    SessionDep,
    SettingsDep,
    TenantDep,
)
from model_store.samples.schemas import SampleOut, SamplesAdd, SamplesChange, SamplesDelete
from model_store.samples.service import SampleBook

# Any offset or page length past this is a mistake (and would overflow a 64-bit OFFSET).
MAX_PAGE_BOUND = 2**31 - 1

router = APIRouter(prefix="/models/{model_type}/{name}/samples/{kind}", tags=["samples"])


@router.post("")
async def add_samples(
    tenant: TenantDep,
    model_type: ModelTypePath,
    name: ModelNamePath,
    kind: KindPath,
    body: SamplesAdd,
    session: SessionDep,
    settings: SettingsDep,
) -> list[SampleOut]:
    return await SampleBook(session, settings).add(tenant, model_type, name, kind, body.samples)


@router.get("")
async def get_samples(
    tenant: TenantDep,
    model_type: ModelTypePath,
    name: ModelNamePath,
    kind: KindPath,
    session: SessionDep,
    settings: SettingsDep,
    index: Annotated[int, Query(ge=0, le=MAX_PAGE_BOUND)] = 0,
    length: Annotated[int | None, Query(alias="len", ge=0, le=MAX_PAGE_BOUND)] = None,
) -> list[SampleOut]:
    return await SampleBook(session, settings).page(tenant, model_type, name, kind, index, length)


@router.get("/labels")
async def get_sample_labels(
    tenant: TenantDep,
    model_type: ModelTypePath,
    name: ModelNamePath,
    kind: KindPath,
    session: SessionDep,
    settings: SettingsDep,
) -> list[str]:
    return await SampleBook(session, settings).labels(tenant, model_type, name, kind)


@router.put("")
async def update_samples(
    tenant: TenantDep,
    model_type: ModelTypePath,
    name: ModelNamePath,
    kind: KindPath,
    body: SamplesChange,
    session: SessionDep,
    settings: SettingsDep,
) -> list[SampleOut]:
    return await SampleBook(session, settings).change(tenant, model_type, name, kind, body.samples)


@router.post("/delete")
async def delete_samples(
    tenant: TenantDep,
    model_type: ModelTypePath,
    name: ModelNamePath,
    kind: KindPath,
    body: SamplesDelete,
    session: SessionDep,
    settings: SettingsDep,
) -> list[SampleOut]:
    return await SampleBook(session, settings).delete(tenant, model_type, name, kind, body.samples)


@router.delete("")
async def delete_all_samples(
    tenant: TenantDep,
    model_type: ModelTypePath,
    name: ModelNamePath,
    kind: KindPath,
    session: SessionDep,
    settings: SettingsDep,
) -> list[SampleOut]:
    return await SampleBook(session, settings).delete_all(tenant, model_type, name, kind)
