"""`/docs` works offline (assets served here) and `/openapi.json` is the merged public API."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from gateway.docs import service as docs_service
from gateway.docs.service import merge_documents
from tests.gateway.conftest import Gateway, GatewayFactory, make_echo_app


async def test_docs_page_loads_only_local_assets(gw: Gateway) -> None:
    page = await gw.client.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "//" not in html.replace("<!DOCTYPE html>", "")  # no absolute or scheme-relative URL
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls and all(u.startswith("docs/assets/") for u in urls)
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for url in urls:
        asset = await gw.client.get("/" + url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 0
    bundle = await gw.client.get("/docs/assets/swagger-ui-bundle.js")
    assert (
        bundle.headers["content-type"].startswith("text/javascript")
        and len(bundle.content) > 100_000
    )
    init = await gw.client.get("/docs/assets/baobab-init.js")
    assert '"openapi.json"' in init.text and "validatorUrl: null" in init.text
    css = await gw.client.get("/docs/assets/swagger-ui.css")
    assert css.headers["content-type"].startswith("text/css")


@pytest.mark.parametrize(
    "name", ["index.html", "swagger-initializer.js", "..%2F..%2Fconfig.py", "nope.js"]
)
async def test_only_the_listed_assets_are_served(gw: Gateway, name: str) -> None:
    response = await gw.client.get(f"/docs/assets/{name}")
    assert response.status_code == 404


def schema_of(doc: dict[str, Any], ref_holder: dict[str, Any]) -> dict[str, Any]:
    ref = ref_holder["$ref"]
    assert ref.startswith("#/components/schemas/")
    schema: dict[str, Any] = doc["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return schema


async def test_openapi_has_api_keys_with_schemas_and_security(gw: Gateway) -> None:
    response = await gw.client.get("/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["openapi"].startswith("3.")
    paths = doc["paths"]
    operations = {
        (path, method): op["operationId"]
        for path, item in paths.items()
        for method, op in item.items()
    }
    assert operations[("/nlu/v2/api_keys", "post")] == "api_key_create"
    assert operations[("/nlu/v2/api_keys", "get")] == "api_key_get_details_all"
    assert operations[("/nlu/v2/api_keys/{instance_name}", "get")] == "api_key_get_details"
    assert operations[("/nlu/v2/api_keys/{instance_name}", "post")] == "api_key_update_details"
    assert operations[("/nlu/v2/api_keys/{instance_name}", "delete")] == "api_key_del"
    assert operations[("/nlu/v2/health", "get")] == "health_get_status"

    create = paths["/nlu/v2/api_keys"]["post"]
    request_schema = schema_of(doc, create["requestBody"]["content"]["application/json"]["schema"])
    assert set(request_schema["properties"]) == {
        "desc",
        "call_count_limit",
        "tenant",
        "expires_at",
        "scope",
    }
    response_schema = schema_of(
        doc, create["responses"]["200"]["content"]["application/json"]["schema"]
    )
    assert {"api_key", "desc", "call_count", "call_count_limit", "call_count_breakdown"} <= set(
        response_schema["properties"]
    )
    assert "401" in create["responses"] and "422" not in create["responses"]

    assert doc["components"]["securitySchemes"] == {
        "APIKeyHeader": {"type": "apiKey", "in": "header", "name": "X-Auth-Token"},
        "APIKeyHeader_old": {"type": "apiKey", "in": "header", "name": "AUTH_TOKEN"},
    }
    assert {"APIKeyHeader": []} in doc["security"] and {"APIKeyHeader_old": []} in doc["security"]
    assert {} in paths["/nlu/v2/health"]["get"]["security"]  # the key is optional there


async def test_openapi_merges_the_nlu_services_public_paths(gw: Gateway) -> None:
    doc = (await gw.client.get("/openapi.json")).json()
    retrieve = doc["paths"]["/nlu/v2/text_classifiers/{instance_name}/retrieve"]["post"]
    assert retrieve["operationId"] == "text_classifier_retrieve"
    body_schema = schema_of(doc, retrieve["requestBody"]["content"]["application/json"]["schema"])
    assert "text" in body_schema["properties"]
    assert "Scores" in doc["components"]["schemas"]
    # The services' own probes and internal routes are not public.
    assert not [p for p in doc["paths"] if not p.startswith(("/nlu/v2/", "/vision/v2/"))]
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    # The openapi call reached the service signed as the system tenant (it refuses others).
    assert "/openapi.json" not in doc["paths"]


class SwitchableTransport(httpx.AsyncBaseTransport):
    """A real downstream app that is "not started yet" until `up` is set."""

    def __init__(self, app: Any) -> None:
        self.inner = httpx.ASGITransport(app)
        self.up = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self.up:
            raise httpx.ConnectError("connection refused", request=request)
        return await self.inner.handle_async_request(request)


async def test_openapi_is_fetched_again_when_the_nlu_service_comes_up(
    start_gateway: GatewayFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(docs_service, "RETRY_INCOMPLETE_S", 0.0)
    nlu = SwitchableTransport(make_echo_app("nlu"))
    transports: dict[str, httpx.AsyncBaseTransport] = {
        "nlu": nlu,
        "vision": httpx.ASGITransport(make_echo_app("vision")),
    }
    async with start_gateway(transports=transports) as gw:
        early = (await gw.client.get("/openapi.json")).json()
        assert "/nlu/v2/api_keys" in early["paths"]
        assert "/nlu/v2/text_classifiers/{instance_name}/retrieve" not in early["paths"]
        nlu.up = True
        later = (await gw.client.get("/openapi.json")).json()
        assert "/nlu/v2/text_classifiers/{instance_name}/retrieve" in later["paths"]


def test_merge_renames_conflicting_components() -> None:
    own = {
        "openapi": "3.1.0",
        "paths": {"/nlu/v2/health": {"get": {"responses": {}}}},
        "components": {"schemas": {"Detail": {"type": "string"}}},
    }
    nlu = {
        "paths": {
            "/nlu/v2/x": {
                "get": {
                    "responses": {
                        "200": {
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Detail"}
                                }
                            }
                        }
                    }
                }
            },
            "/nlu/v2/health": {"get": {"operationId": "from_the_service"}},
            "/internal/v1/secret": {"get": {}},
        },
        "components": {"schemas": {"Detail": {"type": "object"}, "Same": {"type": "integer"}}},
    }
    merged = merge_documents(
        own, {"nlu": nlu, "vision": {"components": {"schemas": {"Same": {"type": "integer"}}}}}
    )
    schemas = merged["components"]["schemas"]
    assert schemas["Detail"] == {"type": "string"} and schemas["nlu_Detail"] == {"type": "object"}
    ref = merged["paths"]["/nlu/v2/x"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]["$ref"]
    assert ref == "#/components/schemas/nlu_Detail"
    assert schemas["Same"] == {"type": "integer"} and "vision_Same" not in schemas
    assert "/internal/v1/secret" not in merged["paths"]
    assert "operationId" not in merged["paths"]["/nlu/v2/health"]["get"]  # the gateway's own wins
