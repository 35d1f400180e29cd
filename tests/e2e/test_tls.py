"""The gateway serving HTTPS itself (BAOBAB_TLS_CERT_FILE / _KEY_FILE), real processes."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import feersum_nlu
import httpx
import pytest

from scripts.stack import Stack
from tests.e2e.conftest import free_port_block, stack_env


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec",
            "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture(scope="module")
def tls_stack(
    tmp_path_factory: pytest.TempPathFactory,
    certificate: tuple[Path, Path],
    database_url: str,
    redis_url: str | None,
    cache_namespace: str,
    models_dir: Path,
) -> Iterator[Stack]:
    cert, key = certificate
    var = tmp_path_factory.mktemp("tls-stack-var")
    env = stack_env(
        database_url,
        redis_url,
        cache_namespace,
        models_dir,
        BAOBAB_TLS_CERT_FILE=str(cert),
        BAOBAB_TLS_KEY_FILE=str(key),
    )
    stack = Stack(
        base_port=free_port_block(), var_dir=var, env=env, log_prefix=False, log_file=var / "log"
    )
    try:
        stack.start()
    except Exception:
        stack.stop()
        raise
    yield stack
    stack.stop()


def test_the_gateway_answers_over_tls_with_its_certificate(
    tls_stack: Stack, certificate: tuple[Path, Path]
) -> None:
    cert, _ = certificate
    gateway = tls_stack.url("gateway")
    assert gateway.startswith("https://127.0.0.1:")
    health = httpx.get(f"{gateway}/nlu/v2/health", verify=str(cert), timeout=30)
    assert health.status_code == 200
    # The Feersum client over HTTPS, trusting the test certificate.
    config = feersum_nlu.Configuration()
    config.host = gateway
    config.ssl_ca_cert = str(cert)
    config.api_key["X-Auth-Token"] = tls_stack.admin_key
    created = feersum_nlu.ApiKeysApi(feersum_nlu.ApiClient(config)).api_key_create(
        feersum_nlu.ApiKeyCreateDetails(desc="over tls")
    )
    config.api_key["X-Auth-Token"] = created.api_key
    assert (
        feersum_nlu.TextClassifiersApi(
            feersum_nlu.ApiClient(config)
        ).text_classifier_get_details_all()
        == []
    )
    # A client that does not trust the certificate is refused, and plain HTTP gets nothing.
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{gateway}/nlu/v2/health", timeout=30)
    with pytest.raises(httpx.HTTPError):
        httpx.get(gateway.replace("https://", "http://") + "/nlu/v2/health", timeout=10)


def test_a_certificate_without_its_key_is_refused(tmp_path: Path) -> None:
    stack = Stack(var_dir=tmp_path, env={"BAOBAB_TLS_CERT_FILE": str(tmp_path / "cert.pem")})
    with pytest.raises(RuntimeError, match="BAOBAB_TLS_KEY_FILE"):
        stack.url("gateway")
