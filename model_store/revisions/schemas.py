"""Wire shapes of revisions."""

from __future__ import annotations

from typing import Any

from model_store.schema_types import IsoDatetime, ResponseBody


class RevisionOut(ResponseBody):
    """A trained revision's metadata; the artifact bytes have a route of their own."""

    id: str
    version: int
    labels: list[Any]
    metrics: dict[str, Any]
    message: str
    created_at: IsoDatetime
