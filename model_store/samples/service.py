"""A model's training and testing samples: add (deduplicated), page, change, delete."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from model_store.catalog.service import require_live_model
from model_store.config import Settings
from model_store.samples.repository import SampleRepository
from model_store.samples.schemas import (
    SampleChange,
    SampleIn,
    SampleOut,
    SampleRef,
    check_entities,
)
from model_store.tables import Model, Sample, utcnow
from shared import InvalidInput, NotFound, TooLarge


def sample_out(sample: Sample) -> SampleOut:
    return SampleOut(
        uuid=sample.id,
        text=sample.text,
        label=sample.label,
        lang_code=sample.lang_code,
        comment=sample.comment,
        entities=sample.entities,
        image=None if sample.image is None else base64.b64encode(sample.image).decode("ascii"),
    )


def entities_key(entities: list[Any] | None) -> str | None:
    """Return a canonical form of an entity list, so equal annotations dedupe."""
    return None if entities is None else json.dumps(entities, sort_keys=True)


class SampleBook:
    """The samples of one tenant's models; works inside the request's transaction."""

    def __init__(self, session: AsyncSession, settings: Settings) -> None:
        self.session = session
        self.settings = settings
        self.samples = SampleRepository(session)

    def _check_count(self, n: int) -> None:
        if n > self.settings.max_samples_per_call:
            raise TooLarge(
                f"{n} samples is more than the limit of {self.settings.max_samples_per_call} per call"
            )

    def _check_lengths(self, i: int, *values: str | None, image: bytes | None = None) -> None:
        limit = self.settings.max_text_chars
        for value in values:
            if value is not None and len(value) > limit:
                raise TooLarge(
                    f"samples[{i}]: a text field is longer than the limit of {limit} characters"
                )
        if image is not None and len(image) > self.settings.max_image_bytes:
            raise TooLarge(
                f"samples[{i}]: the image is {len(image):,} bytes; the limit is "
                f"{self.settings.max_image_bytes:,}"
            )

    async def _model(self, tenant: str, model_type: str, name: str) -> Model:
        # Locked: concurrent changes to one model's samples queue up (dedupe and order stay right).
        model = await require_live_model(self.session, tenant, model_type, name, for_update=True)
        model.updated_at = utcnow()
        return model

    async def add(
        self, tenant: str, model_type: str, name: str, kind: str, items: Sequence[SampleIn]
    ) -> list[SampleOut]:
        """Add the samples whose (text, label, entities) the model does not have yet; return those added."""
        self._check_count(len(items))
        for i, item in enumerate(items):
            self._check_lengths(i, item.text, item.label, item.comment, image=item.image)
        model = await self._model(tenant, model_type, name)
        keys = [(item.text, item.label, entities_key(item.entities)) for item in items]
        seen = await self.samples.existing_keys(model.id, kind, keys)
        seq = await self.samples.next_seq(model.id, kind)
        now = utcnow()
        added: list[Sample] = []
        for item, key in zip(items, keys, strict=True):
            if key in seen:
                continue
            seen.add(key)
            added.append(
                Sample(
                    model_id=model.id,
                    kind=kind,
                    seq=seq,
                    text=item.text,
                    label=item.label,
                    lang_code=item.lang_code,
                    comment=item.comment,
                    entities=item.entities,
                    image=item.image,
                    created_at=now,
                )
            )
            seq += 1
        await self.samples.add_all(added)
        return [sample_out(s) for s in added]

    async def page(
        self, tenant: str, model_type: str, name: str, kind: str, index: int, length: int | None
    ) -> list[SampleOut]:
        model = await require_live_model(self.session, tenant, model_type, name)
        return [sample_out(s) for s in await self.samples.page(model.id, kind, index, length)]

    async def labels(self, tenant: str, model_type: str, name: str, kind: str) -> list[str]:
        """Return the model's distinct sample labels of one kind, without reading the samples."""
        model = await require_live_model(self.session, tenant, model_type, name)
        return await self.samples.labels(model.id, kind)

    async def change(
        self, tenant: str, model_type: str, name: str, kind: str, items: Sequence[SampleChange]
    ) -> list[SampleOut]:
        """Apply every change, or none when any uuid is unknown (404)."""
        self._check_count(len(items))
        ids = [item.uuid for item in items]
        if len(set(ids)) != len(ids):
            raise InvalidInput("a sample uuid appears more than once")
        for i, item in enumerate(items):
            self._check_lengths(i, item.text, item.label, item.comment, image=item.image)
        model = await self._model(tenant, model_type, name)
        found = {s.id: s for s in await self.samples.by_ids(model.id, kind, ids)}
        missing = [i for i in ids if i not in found]
        if missing:
            raise NotFound(f"{len(missing)} {kind} sample(s) not found: {', '.join(missing[:5])}")
        changed = []
        for item in items:
            sample = found[item.uuid]
            for field in ("text", "label", "image"):
                value = getattr(item, field)
                if value is not None:
                    setattr(sample, field, value)
            for field in ("lang_code", "comment", "entities"):
                if field in item.model_fields_set:
                    setattr(sample, field, getattr(item, field))
            try:
                # The spans must fit the text the sample ends up with, whichever changed.
                check_entities(sample.entities, sample.text)
            except ValueError as exc:
                raise InvalidInput(f"sample {sample.id}: {exc}") from exc
            changed.append(sample)
        await self.session.flush()
        return [sample_out(s) for s in changed]

    async def delete(
        self, tenant: str, model_type: str, name: str, kind: str, refs: Sequence[SampleRef]
    ) -> list[SampleOut]:
        """Delete the samples named by uuid, and every sample whose text matches a text-only ref."""
        self._check_count(len(refs))
        for i, ref in enumerate(refs):
            if ref.uuid is None and ref.text is None:
                raise InvalidInput(f"samples[{i}] names neither a uuid nor a text")
        model = await self._model(tenant, model_type, name)
        ids = [ref.uuid for ref in refs if ref.uuid is not None]
        texts = [ref.text for ref in refs if ref.uuid is None and ref.text is not None]
        doomed = {s.id: s for s in await self.samples.by_ids(model.id, kind, ids)}
        doomed.update((s.id, s) for s in await self.samples.by_texts(model.id, kind, texts))
        ordered = sorted(doomed.values(), key=lambda s: s.seq)
        out = [sample_out(s) for s in ordered]
        await self.samples.delete(ordered)
        return out

    async def delete_all(
        self, tenant: str, model_type: str, name: str, kind: str
    ) -> list[SampleOut]:
        model = await self._model(tenant, model_type, name)
        doomed = await self.samples.page(model.id, kind, 0, None)
        out = [sample_out(s) for s in doomed]
        await self.samples.delete(doomed)
        return out
