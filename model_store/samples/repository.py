"""All SQL over the samples table.

Samples have no tenant column: every method takes a model id that the caller got from a
tenant-scoped `ModelRepository` lookup, which is where scoping happens.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence

from sqlalchemy import Select, delete, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from model_store.tables import Sample

# Stay well under every database's bound-parameter limit when matching many keys.
_CHUNK = 500
# (text, label, canonical JSON of the entity list or None): what makes a sample a duplicate.
SampleKey = tuple[str, str, str | None]


class SampleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @staticmethod
    def of_model(model_id: str, kind: str) -> Select[Sample]:
        """Return a select of one model's samples of one kind, in insertion order."""
        return (
            select(Sample)
            .where(Sample.model_id == model_id, Sample.kind == kind)
            .order_by(Sample.seq, Sample.created_at, Sample.id)
        )

    async def page(self, model_id: str, kind: str, offset: int, limit: int | None) -> list[Sample]:
        stmt = self.of_model(model_id, kind).offset(offset)
        if limit is not None:
            stmt = stmt.limit(limit)
        return list((await self.session.scalars(stmt)).all())

    async def by_ids(self, model_id: str, kind: str, ids: Collection[str]) -> list[Sample]:
        found: list[Sample] = []
        keys = list(ids)
        for i in range(0, len(keys), _CHUNK):
            stmt = self.of_model(model_id, kind).where(Sample.id.in_(keys[i : i + _CHUNK]))
            found.extend((await self.session.scalars(stmt)).all())
        return sorted(found, key=lambda s: s.seq)

    async def by_texts(self, model_id: str, kind: str, texts: Collection[str]) -> list[Sample]:
        found: list[Sample] = []
        keys = list(texts)
        for i in range(0, len(keys), _CHUNK):
            stmt = self.of_model(model_id, kind).where(Sample.text.in_(keys[i : i + _CHUNK]))
            found.extend((await self.session.scalars(stmt)).all())
        return sorted(found, key=lambda s: s.seq)

    async def existing_keys(
        self, model_id: str, kind: str, keys: Collection[SampleKey]
    ) -> set[SampleKey]:
        """Return which of the (text, label, canonical entities) keys the model already has."""
        wanted = set(keys)
        texts = sorted({text for text, _, _ in wanted})
        found: set[SampleKey] = set()
        for i in range(0, len(texts), _CHUNK):
            stmt = select(Sample.text, Sample.label, Sample.entities).where(
                Sample.model_id == model_id,
                Sample.kind == kind,
                Sample.text.in_(texts[i : i + _CHUNK]),
            )
            for text, label, entities in (await self.session.execute(stmt)).tuples():
                key = (
                    text,
                    label,
                    None if entities is None else json.dumps(entities, sort_keys=True),
                )
                if key in wanted:
                    found.add(key)
        return found

    async def labels(self, model_id: str, kind: str) -> list[str]:
        """Return the distinct non-empty labels of a model's samples of one kind, sorted."""
        stmt = (
            select(Sample.label)
            .distinct()
            .where(Sample.model_id == model_id, Sample.kind == kind, Sample.label != "")
        )
        # Sorted here, not by the database: code-point order whatever its collation.
        return sorted((await self.session.scalars(stmt)).all())

    async def next_seq(self, model_id: str, kind: str) -> int:
        stmt = select(func.max(Sample.seq)).where(Sample.model_id == model_id, Sample.kind == kind)
        current = (await self.session.execute(stmt)).scalar_one_or_none()
        return (current or 0) + 1

    async def add_all(self, samples: Sequence[Sample]) -> None:
        self.session.add_all(samples)
        await self.session.flush()

    async def delete(self, samples: Sequence[Sample]) -> None:
        ids = [s.id for s in samples]
        for i in range(0, len(ids), _CHUNK):
            await self.session.execute(
                delete(Sample)
                .where(Sample.id.in_(ids[i : i + _CHUNK]))
                .execution_options(synchronize_session=False)
            )
        for sample in samples:
            self.session.expunge(sample)

    async def counts(self, model_ids: Collection[str]) -> dict[str, tuple[int, int, int]]:
        """Return {model id: (training samples, testing samples, distinct training labels)}."""
        out = {model_id: (0, 0, 0) for model_id in model_ids}
        if not out:
            return out
        ids = list(out)
        per_kind: dict[tuple[str, str], int] = {}
        labels: dict[str, int] = {}
        for i in range(0, len(ids), _CHUNK):
            chunk = ids[i : i + _CHUNK]
            stmt = (
                select(Sample.model_id, Sample.kind, func.count())
                .where(Sample.model_id.in_(chunk))
                .group_by(Sample.model_id, Sample.kind)
            )
            for model_id, kind, n in (await self.session.execute(stmt)).tuples():
                per_kind[(model_id, kind)] = n
            stmt_labels = (
                select(Sample.model_id, func.count(distinct(Sample.label)))
                .where(Sample.model_id.in_(chunk), Sample.kind == "training")
                .group_by(Sample.model_id)
            )
            for model_id, n in (await self.session.execute(stmt_labels)).tuples():
                labels[model_id] = n
        for model_id in ids:
            out[model_id] = (
                per_kind.get((model_id, "training"), 0),
                per_kind.get((model_id, "testing"), 0),
                labels.get(model_id, 0),
            )
        return out
