"""Gateway settings: the shared `BAOBAB_*` ones plus the admin key, caches and proxy timeouts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BeforeValidator, Field, model_validator

from gateway.usage.pricing import (
    DEFAULT_PRICE_TABLE,
    PriceTable,
    price_table_from_file,
    price_table_json,
)
from shared import ServiceSettings, read_or_create_secret

# Values that are obviously not a real admin key; refused in production.
PLACEHOLDER_ADMIN_KEYS = frozenset({"", "changeme", "change-me", "admin", "secret", "development"})
MIN_PRODUCTION_ADMIN_KEY_CHARS = 32


class Settings(ServiceSettings):
    """Configuration of the gateway (port 8000), read from `BAOBAB_*` environment variables."""

    # BAOBAB_ADMIN_API_KEY. Unset outside production: generated once into var/admin_api_key.
    admin_api_key: str | None = None
    # How long a resolved API key stays in this process's cache (and in Redis).
    key_cache_ttl_s: float = Field(default=30.0, gt=0)
    # How often counted calls are written to the database.
    usage_flush_interval_s: float = Field(default=1.0, gt=0)
    # Training with `immediate_mode` answers only when the job is done, so reads may be long.
    proxy_timeout_s: float = Field(default=300.0, gt=0)
    proxy_connect_timeout_s: float = Field(default=5.0, gt=0)
    # With several replicas in BAOBAB_NLU_URL / BAOBAB_VISION_URL: how long one that refused
    # a connection is left out of the rotation before it is tried again.
    proxy_replica_cooldown_s: float = Field(default=5.0, ge=0)
    # Image calls (`/vision/...`, `/nlu/v2/image_*`) carry base64 images: their own body limit.
    max_image_body_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    # Per-key request rate limit (token bucket; in Redis when configured): requests a second
    # on average and at once. Unset: no rate limit (call_count_limit still applies).
    rate_limit_per_s: float | None = Field(default=None, gt=0)
    rate_limit_burst: int = Field(default=20, ge=1)
    # How long the merged OpenAPI document is kept before it is fetched again.
    openapi_cache_ttl_s: float = Field(default=300.0, gt=0)
    # What usage costs (see gateway/usage/pricing.py): BAOBAB_PRICE_TABLE (JSON) or
    # BAOBAB_PRICE_TABLE_FILE (a JSON file), not both; neither: DEFAULT_PRICE_TABLE.
    price_table: Annotated[PriceTable | None, BeforeValidator(price_table_json)] = None
    price_table_file: Path | None = None

    @model_validator(mode="after")
    def _admin_key(self) -> Settings:
        key = (self.admin_api_key or "").strip()
        if self.environment == "production":
            if key.lower() in PLACEHOLDER_ADMIN_KEYS:
                raise ValueError("BAOBAB_ADMIN_API_KEY must be set to a real secret in production")
            if len(key) < MIN_PRODUCTION_ADMIN_KEY_CHARS:
                raise ValueError(
                    f"BAOBAB_ADMIN_API_KEY must be at least {MIN_PRODUCTION_ADMIN_KEY_CHARS} characters in production"
                )
        elif not key:
            # Development and tests: one generated key, kept in var/ and printed by `make run`.
            key = read_or_create_secret(self.var_dir / "admin_api_key", prefix="bbk_admin_")
        self.admin_api_key = key
        return self

    @model_validator(mode="after")
    def _upstream_urls(self) -> Settings:
        # A malformed replica list fails at start-up, not on the first forwarded call.
        _ = (self.nlu_urls, self.vision_urls)
        return self

    @model_validator(mode="after")
    def _price_table(self) -> Settings:
        if self.price_table_file is not None:
            if self.price_table is not None:
                raise ValueError("set BAOBAB_PRICE_TABLE or BAOBAB_PRICE_TABLE_FILE, not both")
            self.price_table = price_table_from_file(self.price_table_file)
        elif self.price_table is None:
            self.price_table = DEFAULT_PRICE_TABLE
        return self

    @property
    def prices(self) -> PriceTable:
        """Return the price table in force (always set once validation has run)."""
        assert self.price_table is not None
        return self.price_table

    @property
    def admin_key(self) -> str:
        """Return the admin key (always set once validation has run)."""
        assert self.admin_api_key
        return self.admin_api_key
