"""The micro-batching encoder: shared batches, the right rows back, 429 when full."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from nlu_service.encoding import BatchingEncoder
from nlu_service.engine import TextEncoder
from shared import RateLimited, Unavailable
from tests.nlu_service.conftest import NluFactory
from tests.nlu_service.support import (
    BASE,
    INTENTS,
    add_samples,
    assert_error,
    create_model,
    nlu_client,
    ok,
    samples_of,
    train,
)

TEXTS = [t for texts in INTENTS.values() for t in texts]


@pytest.fixture(scope="module")
def text_encoder(models_dir: Path) -> TextEncoder:
    return TextEncoder.load(models_dir, threads=2)


class GatedEncoder:
    """The real encoder behind a gate: `encode` waits until the test opens it."""

    def __init__(self, inner: TextEncoder) -> None:
        self.inner = inner
        self.dim = inner.dim
        self.max_tokens = inner.max_tokens
        self.entered = threading.Event()
        self.gate = threading.Event()

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        self.entered.set()
        self.gate.wait(30)
        return self.inner.encode(texts, batch_size=batch_size)


@pytest.fixture
async def pool(text_encoder: TextEncoder) -> AsyncIterator[BatchingEncoder]:
    p = BatchingEncoder(text_encoder, max_batch=32, max_wait_s=0.02, capacity=256)
    p.start()
    yield p
    await p.aclose()


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray(np.sum(a * b, axis=1))


async def test_concurrent_calls_share_batches_and_get_their_own_rows(
    pool: BatchingEncoder, text_encoder: TextEncoder
) -> None:
    results = await asyncio.gather(*(pool.encode([t]) for t in TEXTS))
    stats = pool.stats()
    assert stats["texts"] == len(TEXTS)
    assert stats["batches"] < len(TEXTS) / 2, stats
    assert stats["mean_batch_size"] > 2, stats
    got = np.concatenate(results)
    assert got.shape == (len(TEXTS), text_encoder.dim)
    assert got.dtype == np.float32
    direct = text_encoder.encode(TEXTS)
    # int8 activations are quantized per batch, so rows match closely rather than exactly.
    assert cosines(got, direct).min() > 0.97
    # Each caller got its own text's row: its nearest direct row is its own.
    assert (np.argmax(got @ direct.T, axis=1) == np.arange(len(TEXTS))).all()


async def test_one_text_alone_equals_direct_encode(
    pool: BatchingEncoder, text_encoder: TextEncoder
) -> None:
    got = await pool.encode(["what is my account balance"])
    direct = text_encoder.encode(["what is my account balance"], batch_size=1)
    assert np.allclose(got, direct, atol=1e-5)


async def test_multi_text_request_keeps_order(
    pool: BatchingEncoder, text_encoder: TextEncoder
) -> None:
    got, other = await asyncio.gather(pool.encode(TEXTS[:5]), pool.encode(TEXTS[5:9]))
    assert got.shape == (5, text_encoder.dim) and other.shape == (4, text_encoder.dim)
    assert cosines(got, text_encoder.encode(TEXTS[:5])).min() > 0.97
    assert cosines(other, text_encoder.encode(TEXTS[5:9])).min() > 0.97


async def test_bulk_encoding_from_a_thread(
    pool: BatchingEncoder, text_encoder: TextEncoder
) -> None:
    many = TEXTS * 5  # more than one batch: cut into pieces
    got = await asyncio.to_thread(pool.encode_blocking, many)
    assert got.shape == (len(many), text_encoder.dim)
    assert cosines(got, text_encoder.encode(many)).min() > 0.97
    view = pool.as_text_encoder()
    assert view.dim == text_encoder.dim
    assert (await asyncio.to_thread(view.encode, TEXTS[:3])).shape == (3, text_encoder.dim)


async def test_empty_input_needs_no_batch(pool: BatchingEncoder) -> None:
    assert (await pool.encode([])).shape == (0, pool.dim)
    assert pool.stats()["batches"] == 0


async def test_full_queue_refuses_at_once(text_encoder: TextEncoder) -> None:
    gated = GatedEncoder(text_encoder)
    p = BatchingEncoder(gated, max_batch=1, max_wait_s=0, capacity=2)
    p.start()
    try:
        first = asyncio.create_task(p.encode(["one"]))
        await asyncio.to_thread(gated.entered.wait, 10)  # the worker holds "one"
        queued = [asyncio.create_task(p.encode([t])) for t in ("two", "three")]
        await asyncio.sleep(0)
        with pytest.raises(RateLimited):
            await p.encode(["four"])
        assert p.stats()["rejected"] == 1
        gated.gate.set()
        for vectors in await asyncio.gather(first, *queued):
            assert vectors.shape == (1, text_encoder.dim)
        # Drained: a new request is accepted again.
        assert (await p.encode(["five"])).shape == (1, text_encoder.dim)
    finally:
        gated.gate.set()
        await p.aclose()


async def test_closing_fails_waiting_requests(text_encoder: TextEncoder) -> None:
    gated = GatedEncoder(text_encoder)
    p = BatchingEncoder(gated, max_batch=1, max_wait_s=0, capacity=8)
    p.start()
    first = asyncio.create_task(p.encode(["one"]))
    await asyncio.to_thread(gated.entered.wait, 10)
    waiting = asyncio.create_task(p.encode(["two"]))
    await asyncio.sleep(0)
    closing = asyncio.create_task(p.aclose())
    await asyncio.sleep(0.05)
    gated.gate.set()
    await closing
    assert (await first).shape == (1, text_encoder.dim)
    with pytest.raises(Unavailable):
        await waiting
    with pytest.raises(Unavailable):
        await p.encode(["three"])


@pytest.fixture(scope="module")
def gated_app_factory(start_nlu: NluFactory) -> NluFactory:
    return start_nlu


@pytest.fixture
def restore_encoder() -> Iterator[list[tuple[BatchingEncoder, object]]]:
    swapped: list[tuple[BatchingEncoder, object]] = []
    yield swapped
    for pool, inner in swapped:
        pool.encoder = inner  # type: ignore[assignment]


async def test_retrieve_answers_429_when_the_encoder_queue_is_full(
    start_nlu: NluFactory, tenant: str, restore_encoder: list[tuple[BatchingEncoder, object]]
) -> None:
    async with start_nlu(queue_capacity=1, batch_max_size=1, batch_max_wait_ms=0) as app:
        async with nlu_client(app, tenant) as api:
            await create_model(api, "intents")
            await add_samples(api, "intents", samples_of(INTENTS))
            await train(api, "intents")
            assert ok(await api.post(f"{BASE}/intents/retrieve", json={"text": "hello"}))

            pool: BatchingEncoder = app.state.encoder
            gated = GatedEncoder(pool.encoder)  # type: ignore[arg-type]
            restore_encoder.append((pool, pool.encoder))
            pool.encoder = gated
            try:
                first = asyncio.create_task(
                    api.post(f"{BASE}/intents/retrieve", json={"text": "hi"})
                )
                await asyncio.to_thread(gated.entered.wait, 10)
                second = asyncio.create_task(
                    api.post(f"{BASE}/intents/retrieve", json={"text": "rain?"})
                )
                await asyncio.sleep(0.2)  # "rain?" now waits in the queue: it is full
                refused = await api.post(f"{BASE}/intents/retrieve", json={"text": "my balance"})
                body = assert_error(refused, 429, "rate_limited")
                assert "queue" in body["detail"]
                assert refused.headers.get("retry-after") == "1"
            finally:
                gated.gate.set()
            assert ok(await first)[0]["label"] == "greeting"
            assert ok(await second)[0]["label"] == "weather"


async def test_a_lone_caller_does_not_wait_for_a_batch_to_fill(text_encoder: TextEncoder) -> None:
    # max_wait_s is only spent under concurrent load; a lone caller would otherwise pay it
    # in full on every call. 30 s against a 5 s bound keeps this about behaviour, not speed.
    p = BatchingEncoder(text_encoder, max_batch=32, max_wait_s=30.0, capacity=64)
    p.start()
    try:
        for text in TEXTS[:3]:
            row = await asyncio.wait_for(p.encode([text]), timeout=5.0)
            assert row.shape == (1, text_encoder.dim)
        assert p.stats()["batches"] == 3
    finally:
        await p.aclose()
