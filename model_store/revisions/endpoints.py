"""Routes over revisions: a model's history and the artifact bytes of one revision."""

from __future__ import annotations

from fastapi import APIRouter, Response

from model_store.deps import IdPath, ModelNamePath, ModelTypePath, SessionDep, TenantDep
from model_store.revisions.schemas import RevisionOut
from model_store.revisions.service import RevisionHistory

router = APIRouter(tags=["revisions"])


@router.get("/models/{model_type}/{name}/revisions")
async def list_revisions(
    tenant: TenantDep, model_type: ModelTypePath, name: ModelNamePath, session: SessionDep
) -> list[RevisionOut]:
    return await RevisionHistory(session).list_of_model(tenant, model_type, name)


@router.get(
    "/revisions/{revision_id}/artifact",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
async def get_artifact(tenant: TenantDep, revision_id: IdPath, session: SessionDep) -> Response:
    artifact = await RevisionHistory(session).artifact(tenant, revision_id)
    return Response(content=artifact, media_type="application/octet-stream")
