"""All SQL over the models table."""

from __future__ import annotations

from sqlalchemy import Select, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from model_store.tables import Model


class ModelRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @staticmethod
    def scoped(tenant: str) -> Select[Model]:
        """Return a select of the tenant's models: the one place model reads are scoped."""
        return select(Model).where(Model.tenant == tenant)

    async def get_live(
        self, tenant: str, model_type: str, name: str, *, for_update: bool = False
    ) -> Model | None:
        stmt = self.scoped(tenant).where(
            Model.model_type == model_type, Model.name == name, Model.trashed.is_(False)
        )
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt)).first()

    async def get_trashed(self, tenant: str, model_type: str, name: str) -> list[Model]:
        """Return the trashed models of that name, most recently trashed first."""
        stmt = (
            self.scoped(tenant)
            .where(Model.model_type == model_type, Model.name == name, Model.trashed.is_(True))
            .order_by(Model.trashed_at.desc(), Model.created_at.desc())
        )
        return list((await self.session.scalars(stmt)).all())

    async def list_live(self, tenant: str, model_type: str | None) -> list[Model]:
        stmt = self.scoped(tenant).where(Model.trashed.is_(False))
        if model_type is not None:
            stmt = stmt.where(Model.model_type == model_type)
        return list((await self.session.scalars(stmt.order_by(Model.name, Model.model_type))).all())

    async def get_unscoped(self, model_id: str, *, for_update: bool = False) -> Model | None:
        """Return a model by id for a caller already scoped through something it owns (a job)."""
        stmt = select(Model).where(Model.id == model_id).execution_options(populate_existing=True)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt)).first()

    async def add(self, model: Model) -> None:
        self.session.add(model)
        await self.session.flush()

    async def delete(self, model: Model, *, only_if_trashed: bool = False) -> None:
        """Delete the model row; its samples, revisions and jobs go with it (ON DELETE CASCADE).

        `only_if_trashed` leaves the row alone if a concurrent restore made it live again.
        """
        stmt = delete(Model).where(Model.id == model.id)
        if only_if_trashed:
            stmt = stmt.where(Model.trashed.is_(True))
        await self.session.execute(stmt.execution_options(synchronize_session=False))
        self.session.expunge(model)
