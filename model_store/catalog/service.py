"""Model records: create (or restore from the trash), read, update, trash, vaporise."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from model_store.catalog.repository import ModelRepository
from model_store.catalog.schemas import ModelCreate, ModelRecord, ModelUpdate, TsnePut
from model_store.config import Settings
from model_store.jobs.repository import JobRepository
from model_store.jobs.schemas import JobOut
from model_store.revisions.repository import RevisionRepository
from model_store.revisions.schemas import RevisionOut
from model_store.samples.repository import SampleRepository
from model_store.tables import Model, utcnow
from shared import Conflict, InvalidInput, NotFound, TooLarge

MODEL_DELETED = "model was deleted"


def model_not_found(model_type: str, name: str) -> NotFound:
    # The same words whether the model is missing, trashed or another tenant's.
    return NotFound(f"model {model_type}/{name} not found")


async def require_live_model(
    session: AsyncSession, tenant: str, model_type: str, name: str, *, for_update: bool = False
) -> Model:
    """Return the tenant's live model of that type and name; 404 otherwise."""
    model = await ModelRepository(session).get_live(tenant, model_type, name, for_update=for_update)
    if model is None:
        raise model_not_found(model_type, name)
    return model


async def build_records(session: AsyncSession, models: Sequence[Model]) -> list[ModelRecord]:
    """Return the wire records of `models`, with their counts, revision and jobs (no N+1)."""
    ids = [m.id for m in models]
    counts = await SampleRepository(session).counts(ids)
    revisions = await RevisionRepository(session).by_ids(
        [m.current_revision_id for m in models if m.current_revision_id]
    )
    active, last = await JobRepository(session).active_and_last(ids)
    records = []
    for m in models:
        n_train, n_test, n_labels = counts[m.id]
        revision = revisions.get(m.current_revision_id) if m.current_revision_id else None
        active_job, last_job = active.get(m.id), last.get(m.id)
        records.append(
            ModelRecord(
                id=m.id,
                tenant=m.tenant,
                model_type=m.model_type,
                name=m.name,
                long_name=m.long_name,
                desc=m.description,
                params=m.params,
                readonly=m.readonly,
                trashed=m.trashed,
                created_at=m.created_at,
                updated_at=m.updated_at,
                num_training_samples=n_train,
                num_testing_samples=n_test,
                num_training_labels=n_labels,
                current_revision=RevisionOut.model_validate(revision) if revision else None,
                active_job=JobOut.of(active_job, m.model_type, m.name) if active_job else None,
                last_job=JobOut.of(last_job, m.model_type, m.name) if last_job else None,
                tsne=m.tsne,
            )
        )
    return records


async def build_record(session: AsyncSession, model: Model) -> ModelRecord:
    return (await build_records(session, [model]))[0]


class ModelCatalog:
    """A tenant's models; every method works inside the request's transaction and only flushes."""

    def __init__(self, session: AsyncSession, settings: Settings) -> None:
        self.session = session
        self.settings = settings
        self.models = ModelRepository(session)
        self.revisions = RevisionRepository(session)
        self.jobs = JobRepository(session)

    async def create(self, tenant: str, body: ModelCreate) -> ModelRecord:
        live = await self.models.get_live(tenant, body.model_type, body.name, for_update=True)
        if live is not None:
            raise Conflict(f"model {body.model_type}/{body.name} already exists")
        trashed = await self.models.get_trashed(tenant, body.model_type, body.name)
        if body.load_from_store:
            model = await self._restore(body, trashed)
        else:
            if body.revision_uuid is not None:
                raise InvalidInput("revision_uuid needs load_from_store: true")
            for old in trashed:
                await self.models.delete(old, only_if_trashed=True)
            now = utcnow()
            model = Model(
                tenant=tenant,
                model_type=body.model_type,
                name=body.name,
                long_name=body.long_name,
                description=body.desc,
                params=body.params,
                readonly=False,
                trashed=False,
                created_at=now,
                updated_at=now,
            )
            self.session.add(model)
        try:
            await self.session.flush()
        except IntegrityError as exc:
            # Another request created the same live model between our check and our insert.
            raise Conflict(f"model {body.model_type}/{body.name} already exists") from exc
        return await build_record(self.session, model)

    async def _restore(self, body: ModelCreate, trashed: list[Model]) -> Model:
        if not trashed:
            raise NotFound(f"model {body.model_type}/{body.name} is not in the trash")
        model, older = trashed[0], trashed[1:]
        for old in older:
            await self.models.delete(old, only_if_trashed=True)
        if body.revision_uuid is not None:
            revision = await self.revisions.get_of_model(model.id, body.revision_uuid)
            if revision is None:
                raise NotFound(
                    f"revision {body.revision_uuid} of {body.model_type}/{body.name} not found"
                )
            model.current_revision_id = revision.id
        model.trashed = False
        model.trashed_at = None
        model.updated_at = utcnow()
        return model

    async def list_live(self, tenant: str, model_type: str | None) -> list[ModelRecord]:
        return await build_records(self.session, await self.models.list_live(tenant, model_type))

    async def get(self, tenant: str, model_type: str, name: str) -> ModelRecord:
        return await build_record(
            self.session, await require_live_model(self.session, tenant, model_type, name)
        )

    async def update(
        self, tenant: str, model_type: str, name: str, body: ModelUpdate
    ) -> ModelRecord:
        model = await require_live_model(self.session, tenant, model_type, name, for_update=True)
        if body.long_name is not None:
            model.long_name = body.long_name
        if body.desc is not None:
            model.description = body.desc
        if body.readonly is not None:
            model.readonly = body.readonly
        if body.params is not None:
            params = dict(model.params)
            for key, value in body.params.items():
                if value is None:
                    params.pop(key, None)
                else:
                    params[key] = value
            # A new dict: JSON columns do not track changes made in place.
            model.params = params
        model.updated_at = utcnow()
        await self.session.flush()
        return await build_record(self.session, model)

    async def trash(self, tenant: str, model_type: str, name: str) -> ModelRecord:
        """Move the live model to the trash (an older trashed one of that name is vaporised)."""
        model = await require_live_model(self.session, tenant, model_type, name, for_update=True)
        for old in await self.models.get_trashed(tenant, model_type, name):
            await self.models.delete(old, only_if_trashed=True)
        now = utcnow()
        model.trashed = True
        model.trashed_at = now
        model.updated_at = now
        # Running jobs learn it when they complete; queued ones would only waste a worker.
        await self.jobs.fail_queued_of_model(model.id, MODEL_DELETED, now)
        await self.session.flush()
        return await build_record(self.session, model)

    async def vaporise(self, tenant: str, model_type: str, name: str) -> ModelRecord:
        """Delete the live model (else the trashed one) for good; return it as it was."""
        model = await self.models.get_live(tenant, model_type, name, for_update=True)
        if model is None:
            trashed = await self.models.get_trashed(tenant, model_type, name)
            if not trashed:
                raise model_not_found(model_type, name)
            model = trashed[0]
        record = await build_record(self.session, model)
        await self.models.delete(model)
        return record

    async def put_tsne(self, tenant: str, model_type: str, name: str, body: TsnePut) -> ModelRecord:
        if len(body.points) > self.settings.max_tsne_points:
            raise TooLarge(
                f"{len(body.points)} t-SNE points is more than the limit of {self.settings.max_tsne_points}"
            )
        model = await require_live_model(self.session, tenant, model_type, name, for_update=True)
        model.tsne = body.points
        model.updated_at = utcnow()
        await self.session.flush()
        return await build_record(self.session, model)
