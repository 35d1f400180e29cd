"""A model's trained revisions and their artifacts."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from model_store.catalog.service import require_live_model
from model_store.revisions.repository import RevisionRepository
from model_store.revisions.schemas import RevisionOut
from shared import NotFound


class RevisionHistory:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.revisions = RevisionRepository(session)

    async def list_of_model(self, tenant: str, model_type: str, name: str) -> list[RevisionOut]:
        """Return the live model's revisions, newest first."""
        model = await require_live_model(self.session, tenant, model_type, name)
        return [RevisionOut.model_validate(r) for r in await self.revisions.of_model(model.id)]

    async def artifact(self, tenant: str, revision_id: str) -> bytes:
        artifact = await self.revisions.artifact(tenant, revision_id)
        if artifact is None:
            raise NotFound(f"revision {revision_id} not found")
        return artifact
