"""Wire shapes of `/nlu/v2/api_keys` (Feersum `api_key_create_details`, `api_key_instance_detail`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from gateway.tables import DESC_MAX_CHARS


class ApiKeyCreateDetails(BaseModel):
    """The details of the API key to create or update."""

    model_config = ConfigDict(extra="ignore")

    desc: str | None = Field(
        default=None,
        max_length=DESC_MAX_CHARS,
        description="Details of the purpose or owner of this key.",
        examples=["Internal development key. Owner is name@company.io."],
    )
    call_count_limit: int | None = Field(
        default=None,
        description=(
            "The number of calls loaded on this key. Null, a negative number or no value on "
            "create means unlimited; on update, no value leaves the limit as it is."
        ),
        examples=[5000],
    )
    # Baobab extensions.
    tenant: str | None = Field(
        default=None,
        max_length=64,
        description=(
            "Baobab: on create, the tenant (as another key's details give it) the new key joins, "
            "so a tenant can hold several keys and rotate them; without it a new tenant is made. "
            "Ignored on update."
        ),
    )
    expires_at: datetime | None = Field(
        default=None,
        description=(
            "Baobab: when the key stops working (ISO 8601 with a time zone; later than now). "
            "No value on create: never; on update: left as it is; null on update: never."
        ),
        examples=["2027-01-31T00:00:00Z"],
    )
    scope: Literal["full", "retrieve"] | None = Field(
        default=None,
        description=(
            "Baobab: `full` (the default) or `retrieve`: a read-only key that may read and call "
            "retrieve but not change models (403)."
        ),
    )


class ApiKeyInstanceDetail(BaseModel):
    """The API key instance detail."""

    api_key: str = Field(
        description=(
            "On create: the whole API key, shown this once only. Elsewhere: the key's public id, "
            "which `/nlu/v2/api_keys/{instance_name}` accepts."
        ),
        examples=["bbk_Ab3dEf6hIj9k_0Jc1o3Xm3CkVn1YxR3dQa3k2b4oQm8uJtYzLkPqRs7"],
    )
    desc: str = Field(description="Details of the purpose or owner of this key.")
    call_count: int = Field(description="The total number of calls made with this API key.")
    call_count_limit: int | None = Field(
        default=None, description="The number of calls loaded on this key; null means unlimited."
    )
    call_count_breakdown: dict[str, Any] = Field(
        default_factory=dict,
        description=(
            "Successful calls by operation and model type: "
            '{"retrieve": {"call_count": 1034, "by_model_type": {"faq_matchers": 1034}}}.'
        ),
    )
    tenant: str | None = Field(default=None, description="Baobab: the tenant the key acts for.")
    expires_at: datetime | None = Field(
        default=None, description="Baobab: when the key stops working; null: never."
    )
    scope: str | None = Field(default=None, description="Baobab: `full` or `retrieve` (read-only).")


class ErrorBody(BaseModel):
    """Every Baobab error: a stable code, a message and the request id."""

    error: str = Field(examples=["unauthorized"])
    detail: str = Field(examples=["API key is missing or invalid"])
    request_id: str | None = None
