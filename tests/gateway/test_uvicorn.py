"""The gateway under a real uvicorn: the Feersum client's legacy `AUTH_TOKEN` header survives.

`AUTH_TOKEN` has an underscore, which some proxies and servers drop; both of uvicorn's HTTP
parsers (h11 and httptools) must pass it through.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import feersum_nlu
import httpx
import pytest
from feersum_nlu.rest import ApiException

from shared import PROJECT_ROOT
from tests.gateway.conftest import ADMIN_KEY, INTERNAL_SECRET
from tests.ports import free_port


@pytest.fixture(scope="module", params=["h11", "httptools"])
def gateway_url(
    request: pytest.FixtureRequest,
    database_url: str,
    redis_url: str | None,
    cache_namespace: str,
    var_dir: Path,
) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "BAOBAB_ENVIRONMENT": "test",
        "BAOBAB_DATABASE_URL": database_url,
        "BAOBAB_REDIS_URL": redis_url or "",
        "BAOBAB_CACHE_NAMESPACE": cache_namespace,
        "BAOBAB_VAR_DIR": str(var_dir),
        "BAOBAB_INTERNAL_SECRET": INTERNAL_SECRET,
        "BAOBAB_ADMIN_API_KEY": ADMIN_KEY,
        # Nothing listens there: forwarded calls answer 503, which these tests do not need.
        "BAOBAB_NLU_URL": f"http://127.0.0.1:{free_port()}",
        "BAOBAB_VISION_URL": f"http://127.0.0.1:{free_port()}",
        "BAOBAB_LOG_JSON": "false",
    }
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "gateway.app:create_app",
        "--host", "127.0.0.1", "--port", str(port), "--http", request.param, "--no-access-log",
    ]  # fmt: skip
    proc = subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                output = proc.stdout.read().decode() if proc.stdout else ""
                pytest.fail(f"uvicorn exited with {proc.returncode}:\n{output}")
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("uvicorn did not start in 60 s")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def feersum_client(url: str, header: str, key: str) -> feersum_nlu.ApiClient:
    configuration = feersum_nlu.Configuration()
    configuration.host = url
    configuration.api_key[header] = key
    return feersum_nlu.ApiClient(configuration)


def test_feersum_client_with_auth_token_header(gateway_url: str) -> None:
    admin = feersum_nlu.ApiKeysApi(feersum_client(gateway_url, "AUTH_TOKEN", ADMIN_KEY))
    created = admin.api_key_create(
        feersum_nlu.ApiKeyCreateDetails(desc="uvicorn", call_count_limit=100)
    )
    assert created.api_key.startswith("bbk_") and created.call_count_limit == 100
    key_id = created.api_key.split("_")[1]
    listed = admin.api_key_get_details_all()
    assert key_id in [k.api_key for k in listed]
    updated = admin.api_key_update_details(key_id, feersum_nlu.ApiKeyCreateDetails(desc="renamed"))
    assert updated.desc == "renamed" and updated.call_count_limit == 100

    # The tenant's key over AUTH_TOKEN: accepted where a key is checked, refused for admin work.
    tenant_client = feersum_client(gateway_url, "AUTH_TOKEN", created.api_key)
    feersum_nlu.HealthApi(tenant_client).health_get_status()
    with pytest.raises(ApiException) as refused:
        feersum_nlu.ApiKeysApi(tenant_client).api_key_get_details_all()
    assert refused.value.status == 403

    # A wrong key over AUTH_TOKEN is refused, so the header really is read.
    with pytest.raises(ApiException) as wrong:
        feersum_nlu.HealthApi(
            feersum_client(gateway_url, "AUTH_TOKEN", "bbk_wrong_key")
        ).health_get_status()
    assert wrong.value.status == 401 and "WWW-Authenticate" in wrong.value.headers

    deleted = admin.api_key_del(key_id)
    assert deleted.api_key == key_id
    with pytest.raises(ApiException) as gone:
        feersum_nlu.HealthApi(tenant_client).health_get_status()
    assert gone.value.status == 401


def test_feersum_client_with_x_auth_token_header(gateway_url: str) -> None:
    admin = feersum_nlu.ApiKeysApi(feersum_client(gateway_url, "X-Auth-Token", ADMIN_KEY))
    created = admin.api_key_create(feersum_nlu.ApiKeyCreateDetails(desc="x-auth-token"))
    assert created.call_count_limit is None
    details = admin.api_key_get_details(created.api_key.split("_")[1])
    assert details.desc == "x-auth-token" and details.call_count == 0
    # Forwarded calls with nothing behind the gateway: a JSON 503, not a hang or a 500.
    response = httpx.get(
        f"{gateway_url}/nlu/v2/faq_matchers", headers={"AUTH_TOKEN": created.api_key}
    )
    assert response.status_code == 503 and response.json()["error"] == "unavailable"
