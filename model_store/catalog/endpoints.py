"""Routes over model records: /internal/v1/models."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from model_store.catalog.schemas import ModelCreate, ModelRecord, ModelUpdate, TsnePut
from model_store.catalog.service import ModelCatalog
from model_store.deps import (
    MODEL_TYPE_PATTERN,
    ModelNamePath,
    ModelTypePath,
    SessionDep,
    SettingsDep,
    TenantDep,
)

router = APIRouter(prefix="/models", tags=["models"])


@router.post("", status_code=200)
async def create_model(
    body: ModelCreate, tenant: TenantDep, session: SessionDep, settings: SettingsDep
) -> ModelRecord:
    return await ModelCatalog(session, settings).create(tenant, body)


@router.get("")
async def list_models(
    tenant: TenantDep,
    session: SessionDep,
    settings: SettingsDep,
    model_type: Annotated[str | None, Query(pattern=MODEL_TYPE_PATTERN)] = None,
) -> list[ModelRecord]:
    return await ModelCatalog(session, settings).list_live(tenant, model_type)


@router.get("/{model_type}/{name}")
async def get_model(
    model_type: ModelTypePath,
    name: ModelNamePath,
    tenant: TenantDep,
    session: SessionDep,
    settings: SettingsDep,
) -> ModelRecord:
    return await ModelCatalog(session, settings).get(tenant, model_type, name)


@router.patch("/{model_type}/{name}")
async def update_model(
    model_type: ModelTypePath,
    name: ModelNamePath,
    body: ModelUpdate,
    tenant: TenantDep,
    session: SessionDep,
    settings: SettingsDep,
) -> ModelRecord:
    return await ModelCatalog(session, settings).update(tenant, model_type, name, body)


@router.delete("/{model_type}/{name}")
async def trash_model(
    model_type: ModelTypePath,
    name: ModelNamePath,
    tenant: TenantDep,
    session: SessionDep,
    settings: SettingsDep,
) -> ModelRecord:
    return await ModelCatalog(session, settings).trash(tenant, model_type, name)


@router.post("/{model_type}/{name}/vaporise")
async def vaporise_model(
    model_type: ModelTypePath,
    name: ModelNamePath,
    tenant: TenantDep,
    session: SessionDep,
    settings: SettingsDep,
) -> ModelRecord:
    return await ModelCatalog(session, settings).vaporise(tenant, model_type, name)


@router.put("/{model_type}/{name}/tsne")
async def put_tsne(
    model_type: ModelTypePath,
    name: ModelNamePath,
    body: TsnePut,
    tenant: TenantDep,
    session: SessionDep,
    settings: SettingsDep,
) -> ModelRecord:
    return await ModelCatalog(session, settings).put_tsne(tenant, model_type, name, body)
