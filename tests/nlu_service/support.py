"""Helpers of the NLU service tests: the intent set, signed clients, calls and checks."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from fastapi import FastAPI

from shared import sign_headers

SECRET = "test-nlu-secret-" + secrets.token_hex(8)
TEXT_LIMIT = 300
SAMPLES_LIMIT = 40
BASE = "/nlu/v2/text_classifiers"

# A small intent set the MiniLM encoder separates easily.
INTENTS: dict[str, list[str]] = {
    "greeting": [
        "hello there",
        "hi, how are you?",
        "good morning to you",
        "hey, nice to meet you",
        "greetings friend",
        "howdy partner",
    ],
    "weather": [
        "will it rain tomorrow?",
        "what is the weather like today",
        "is it going to be sunny this weekend",
        "how cold is it outside",
        "what's the forecast for Cape Town",
        "do I need an umbrella today",
    ],
    "banking": [
        "what is my account balance",
        "I want to transfer money to my savings",
        "how do I pay my credit card bill",
        "show me my recent bank transactions",
        "open a new cheque account",
        "what is the interest rate on my loan",
    ],
}


def samples_of(intents: dict[str, list[str]]) -> list[dict[str, str]]:
    return [{"text": t, "label": label} for label, texts in intents.items() for t in texts]


class NluClient(httpx.AsyncClient):
    """An httpx client for one NLU app, signing every request for its tenant."""

    tenant: str


def nlu_client(app: FastAPI, tenant: str) -> NluClient:
    async def sign(request: httpx.Request) -> None:
        request.headers.update(sign_headers(SECRET, tenant, request.method, request.url.path))

    client = NluClient(
        transport=httpx.ASGITransport(app),
        base_url="http://nlu.test",
        event_hooks={"request": [sign]},
        timeout=120,
    )
    client.tenant = tenant
    return client


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """Assert the response is the shared JSON error with that status; return the body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    if code is not None:
        assert body["error"] == code, body
    assert isinstance(body["detail"], str) and body["detail"]
    return body


async def create_model(
    api: httpx.AsyncClient, name: str = "intents", **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = ok(
        await api.post(BASE, json={"name": name, "load_from_store": False, **extra})
    )
    return body


async def add_samples(
    api: httpx.AsyncClient, name: str, samples: list[dict[str, str]], kind: str = "training"
) -> list[dict[str, Any]]:
    added: list[dict[str, Any]] = []
    for start in range(0, len(samples), SAMPLES_LIMIT):
        added += ok(
            await api.post(
                f"{BASE}/{name}/{kind}_samples", json=samples[start : start + SAMPLES_LIMIT]
            )
        )
    return added


async def train(api: httpx.AsyncClient, name: str, **details: Any) -> dict[str, Any]:
    body: dict[str, Any] = ok(
        await api.post(f"{BASE}/{name}/train", json={"immediate_mode": True, **details})
    )
    return body


async def trained_model(
    api: httpx.AsyncClient, name: str = "intents", **details: Any
) -> dict[str, Any]:
    """Create a model on the intent set, train it in immediate mode, return its details."""
    await create_model(api, name)
    await add_samples(api, name, samples_of(INTENTS))
    return await train(api, name, **details)


async def retrieve(api: httpx.AsyncClient, name: str, text: str) -> list[dict[str, Any]]:
    body: list[dict[str, Any]] = ok(await api.post(f"{BASE}/{name}/retrieve", json={"text": text}))
    return body


async def wait_until(predicate: Callable[[], Awaitable[bool]], timeout_s: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not await predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


async def snapshot(api: httpx.AsyncClient, name: str) -> dict[str, Any]:
    """Return everything stored about a model that a bad call must leave as it was."""
    return {
        "details": ok(await api.get(f"{BASE}/{name}")),
        "training": ok(await api.get(f"{BASE}/{name}/training_samples")),
        "testing": ok(await api.get(f"{BASE}/{name}/testing_samples")),
        "params": ok(await api.get(f"{BASE}/{name}/params")),
        "labels": ok(await api.get(f"{BASE}/{name}/labels")),
        "tsne": ok(await api.get(f"{BASE}/{name}/tsne")),
    }


def top(scored: list[dict[str, Any]]) -> str:
    label: str = scored[0]["label"]
    return label
