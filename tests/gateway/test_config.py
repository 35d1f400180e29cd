"""Gateway settings: the admin key is generated in development and required in production."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from gateway.config import Settings


def test_admin_key_is_generated_once_outside_production(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BAOBAB_ADMIN_API_KEY", raising=False)
    first = Settings(environment="development", var_dir=tmp_path)
    second = Settings(environment="development", var_dir=tmp_path)
    assert first.admin_key.startswith("bbk_admin_") and len(first.admin_key) >= 10 + 43
    assert first.admin_key == second.admin_key == (tmp_path / "admin_api_key").read_text().strip()


def test_admin_key_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BAOBAB_ADMIN_API_KEY", "bbk_admin_" + "k" * 40)
    assert Settings(var_dir=tmp_path).admin_key == "bbk_admin_" + "k" * 40
    assert not (tmp_path / "admin_api_key").exists()


@pytest.mark.parametrize("key", [None, "", "changeme", "admin", "short-but-real"])
def test_production_refuses_a_missing_placeholder_or_short_admin_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key: str | None
) -> None:
    monkeypatch.delenv("BAOBAB_ADMIN_API_KEY", raising=False)
    with pytest.raises(ValidationError, match="BAOBAB_ADMIN_API_KEY"):
        Settings(
            environment="production", var_dir=tmp_path, internal_secret="s" * 40, admin_api_key=key
        )
    assert not (tmp_path / "admin_api_key").exists()


def test_production_accepts_a_real_admin_key(tmp_path: Path) -> None:
    settings = Settings(
        environment="production", var_dir=tmp_path, internal_secret="s" * 40, admin_api_key="a" * 40
    )
    assert settings.admin_key == "a" * 40
