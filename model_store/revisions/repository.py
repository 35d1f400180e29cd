"""All SQL over the revisions table."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from model_store.tables import Model, ModelRevision


class RevisionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @staticmethod
    def scoped(tenant: str) -> Select[ModelRevision]:
        """Return a select of the revisions of the tenant's models (trashed ones included)."""
        return (
            select(ModelRevision)
            .join(Model, Model.id == ModelRevision.model_id)
            .where(Model.tenant == tenant)
        )

    async def artifact(self, tenant: str, revision_id: str) -> bytes | None:
        stmt = (
            self.scoped(tenant)
            .with_only_columns(ModelRevision.artifact)
            .where(ModelRevision.id == revision_id)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    # The methods below take model ids the caller got from a tenant-scoped model lookup.

    async def of_model(self, model_id: str) -> list[ModelRevision]:
        stmt = (
            select(ModelRevision)
            .where(ModelRevision.model_id == model_id)
            .order_by(ModelRevision.version.desc())
        )
        return list((await self.session.scalars(stmt)).all())

    async def get_of_model(self, model_id: str, revision_id: str) -> ModelRevision | None:
        stmt = select(ModelRevision).where(
            ModelRevision.model_id == model_id, ModelRevision.id == revision_id
        )
        return (await self.session.scalars(stmt)).first()

    async def by_ids(self, revision_ids: Collection[str]) -> dict[str, ModelRevision]:
        ids = list(revision_ids)
        out: dict[str, ModelRevision] = {}
        for i in range(0, len(ids), 500):
            stmt = select(ModelRevision).where(ModelRevision.id.in_(ids[i : i + 500]))
            out.update((rev.id, rev) for rev in (await self.session.scalars(stmt)).all())
        return out

    async def next_version(self, model_id: str) -> int:
        stmt = select(func.max(ModelRevision.version)).where(ModelRevision.model_id == model_id)
        current = (await self.session.execute(stmt)).scalar_one_or_none()
        return (current or 0) + 1

    async def add(self, revision: ModelRevision) -> None:
        self.session.add(revision)
        await self.session.flush()
