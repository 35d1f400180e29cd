"""Settings shared by every service: one `Settings` per service subclasses `ServiceSettings`."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER_SECRETS = frozenset({"", "changeme", "change-me", "secret", "development"})


def read_or_create_secret(path: Path, prefix: str = "") -> str:
    """Return the secret kept in `path`, creating it once (atomically) if it is not there.

    Several processes may start together; the secret is written to a temporary file and
    hard-linked into place, so exactly one writer wins and nobody reads a half-written file.
    """
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    tmp.write_text(prefix + secrets.token_urlsafe(32) + "\n")
    os.chmod(tmp, 0o600)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    return path.read_text().strip()


def replica_urls(value: str, setting: str = "the URL setting") -> tuple[str, ...]:
    """Return the URLs of a service's replicas from a comma-separated setting (one URL is one).

    Raises `ValueError` naming `setting` when there is none or one is not an http(s) URL.
    """
    urls = tuple(part.strip() for part in value.split(",") if part.strip())
    if not urls:
        raise ValueError(f"{setting} must hold at least one http:// or https:// URL")
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{setting}: '{url}' is not an http:// or https:// URL")
    return urls


class ServiceSettings(BaseSettings):
    """Configuration common to all four services, read from `BAOBAB_*` environment variables."""

    model_config = SettingsConfigDict(env_prefix="BAOBAB_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    var_dir: Path = PROJECT_ROOT / "var"
    database_url: str = ""
    redis_url: str | None = None
    # Prefix of every Redis key and channel, so several stacks (or test runs) can share a server.
    cache_namespace: str = "baobab"
    internal_secret: str = ""
    models_dir: Path | None = None
    log_level: str = "INFO"
    log_json: bool = True

    gateway_url: str = "http://127.0.0.1:8000"
    # The NLU and vision URLs may list several replicas, comma-separated; the gateway spreads
    # calls over them (`nlu_urls`, `vision_urls`). In Kubernetes one Service URL is the norm.
    nlu_url: str = "http://127.0.0.1:8001"
    vision_url: str = "http://127.0.0.1:8002"
    model_store_url: str = "http://127.0.0.1:8003"

    # Input limits (see README "Limits"): every one has a test that crosses it.
    max_text_chars: int = Field(default=2_000, ge=1)
    max_samples_per_call: int = Field(default=1_000, ge=1)
    max_body_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)

    @model_validator(mode="after")
    def _fill_defaults(self) -> ServiceSettings:
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{self.var_dir / 'baobab.db'}"
        if self.models_dir is None:
            self.models_dir = self.var_dir / "models"
        if self.redis_url == "":
            self.redis_url = None
        if self.internal_secret in PLACEHOLDER_SECRETS:
            if self.environment == "production":
                raise ValueError(
                    "BAOBAB_INTERNAL_SECRET must be set to a real secret in production"
                )
            self.internal_secret = read_or_create_secret(self.var_dir / "internal_secret")
        return self

    @property
    def nlu_urls(self) -> tuple[str, ...]:
        """Return the URL of each NLU service replica named by `BAOBAB_NLU_URL`."""
        return replica_urls(self.nlu_url, "BAOBAB_NLU_URL")

    @property
    def vision_urls(self) -> tuple[str, ...]:
        """Return the URL of each vision service replica named by `BAOBAB_VISION_URL`."""
        return replica_urls(self.vision_url, "BAOBAB_VISION_URL")

    @property
    def resolved_models_dir(self) -> Path:
        """Return the folder holding the shared backbones built by `make models`."""
        assert self.models_dir is not None
        return self.models_dir
