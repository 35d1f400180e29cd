"""`make bench`: text and image retrieve through the gateway beside the raw ONNX models.

Starts its own stack (real processes on loopback, ports 18100-18103, a throw-away SQLite
database unless BAOBAB_DATABASE_URL is set), trains one text classifier and one image
classifier through the public API, then runs a bounded load generator at a few
concurrency levels against each. In the same run it measures the raw int8 text encoder
at batch 1 and batch 32 and the raw image backbone at batch 1 and batch 8 (decoded,
cropped pixels in), and prints the ratios. The image probes are JPEGs of 224-400 pixels
drawn here. Every loop is bounded in requests and seconds; nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import io
import json
import os
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from scripts.stack import Stack
from shared import PROJECT_ROOT

UTTERANCES = {
    "balance": [
        "what is my balance",
        "how much money do I have",
        "show my account balance",
        "balance please",
    ],
    "transfer": [
        "send money to my brother",
        "transfer 100 rand to savings",
        "pay my friend",
        "move funds",
    ],
    "card_lost": ["I lost my card", "my card was stolen", "block my card", "card is missing"],
    "greeting": ["hello", "hi there", "good morning", "hey"],
    "opening_hours": [
        "when are you open",
        "what time do branches close",
        "opening hours",
        "are you open on sunday",
    ],
}
PROBES = [
    "how much is in my account",
    "please transfer money to my mom",
    "someone took my bank card",
    "hi, how are you",
    "what time does the branch open tomorrow",
    "can I see my balance",
    "I want to pay my landlord",
    "good evening",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    idx = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[idx]


def raw_encoder(models_dir: Path, threads: int) -> dict[str, float]:
    """Return sentences/s of the bare ONNX encoder at batch 1 and batch 32."""
    from nlu_service.engine import TextEncoder

    encoder = TextEncoder.load(models_dir, threads=threads)
    sentences = [PROBES[i % len(PROBES)] + f" {i}" for i in range(512)]
    encoder.encode(sentences[:32], batch_size=32)  # warm-up
    t0 = time.perf_counter()
    n1 = 256
    for s in sentences[:n1]:
        encoder.encode([s], batch_size=1)
    b1 = n1 / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    encoder.encode(sentences, batch_size=32)
    b32 = len(sentences) / (time.perf_counter() - t0)
    return {"batch1_per_s": b1, "batch32_per_s": b32}


def probe_image(seed: int) -> bytes:
    """Return a JPEG of 224-400 pixels a side: shapes on a gradient, seeded."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    w, h = rng.randint(224, 400), rng.randint(224, 400)
    image = Image.linear_gradient("L").resize((w, h)).convert("RGB")
    draw = ImageDraw.Draw(image)
    kind = seed % 2
    for _ in range(rng.randint(2, 5)):
        x, y, r = rng.randint(0, w), rng.randint(0, h), rng.randint(15, 60)
        colour = (220, 30, 40) if kind == 0 else (30, 60, 200)
        box = (x - r, y - r, x + r, y + r)
        draw.ellipse(box, fill=colour) if kind == 0 else draw.rectangle(box, fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def raw_backbone(models_dir: Path, threads: int) -> dict[str, float]:
    """Return images/s of the bare ONNX image backbone at batch 1 and batch 8."""
    import numpy as np

    from vision_service.engine import ImageBackbone, to_pixels

    backbone = ImageBackbone.load(models_dir, threads=threads)
    rng = np.random.default_rng(0)
    side = backbone.input_size
    pixels = to_pixels(rng.integers(0, 256, (64, side, side, 3), dtype=np.uint8))
    backbone.features(pixels[:8], batch_size=8)  # warm-up
    t0 = time.perf_counter()
    for i in range(len(pixels)):
        backbone.features(pixels[i : i + 1], batch_size=1)
    b1 = len(pixels) / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    backbone.features(pixels, batch_size=8)
    b8 = len(pixels) / (time.perf_counter() - t0)
    return {"batch1_per_s": b1, "batch8_per_s": b8}


def text_payload(i: int) -> dict[str, Any]:
    return {"text": PROBES[i % len(PROBES)]}


async def load_level(
    client: httpx.AsyncClient,
    url: str,
    key: str,
    concurrency: int,
    requests: int,
    max_s: float,
    payload: Callable[[int], dict[str, Any]] = text_payload,
) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    sent = 0
    deadline = time.perf_counter() + max_s

    async def worker() -> None:
        nonlocal sent, errors
        while sent < requests and time.perf_counter() < deadline:
            i = sent
            sent += 1
            t0 = time.perf_counter()
            r = await client.post(url, json=payload(i), headers={"X-Auth-Token": key})
            latencies.append(time.perf_counter() - t0)
            if r.status_code != 200:
                errors += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - t0
    return {
        "concurrency": concurrency,
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p95_ms": percentile(latencies, 95) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
    }


async def drive_images(
    client: httpx.AsyncClient, gw: str, key: str, levels: list[int], requests: int, max_s: float
) -> list[dict[str, float]]:
    """Train an image classifier through the gateway, then load its retrieve."""
    h = {"X-Auth-Token": key}
    base = f"{gw}/vision/v2/image_classifiers"
    r = await client.post(base, json={"name": "bench", "load_from_store": False}, headers=h)
    r.raise_for_status()
    labels = ("discs", "squares")
    samples = [
        {"image": base64.b64encode(probe_image(i)).decode(), "label": labels[i % 2]}
        for i in range(1000, 1024)
    ]
    (
        await client.post(f"{base}/bench/training_samples", json=samples, headers=h)
    ).raise_for_status()
    r = await client.post(f"{base}/bench/train", json={"immediate_mode": True}, headers=h)
    r.raise_for_status()
    probes = [{"image": base64.b64encode(probe_image(i)).decode()} for i in range(64)]

    def payload(i: int) -> dict[str, Any]:
        return probes[i % len(probes)]

    url = f"{base}/bench/retrieve"
    await load_level(client, url, key, 2, 20, 30, payload)
    return [await load_level(client, url, key, c, requests, max_s, payload) for c in levels]


async def drive(
    stack: Stack, levels: list[int], requests: int, max_s: float, image_levels: list[int]
) -> tuple[list[dict[str, float]], list[dict[str, float]]]:
    gw = stack.url("gateway")
    async with httpx.AsyncClient(
        timeout=60, trust_env=False, limits=httpx.Limits(max_connections=128)
    ) as client:
        admin = {"X-Auth-Token": stack.admin_key}
        r = await client.post(f"{gw}/nlu/v2/api_keys", json={"desc": "bench"}, headers=admin)
        r.raise_for_status()
        key = r.json()["api_key"]
        h = {"X-Auth-Token": key}
        base = f"{gw}/nlu/v2/text_classifiers"
        (
            await client.post(base, json={"name": "bench", "load_from_store": False}, headers=h)
        ).raise_for_status()
        samples = [
            {"text": t, "label": label} for label, texts in UTTERANCES.items() for t in texts
        ]
        (
            await client.post(f"{base}/bench/training_samples", json=samples, headers=h)
        ).raise_for_status()
        r = await client.post(f"{base}/bench/train", json={"immediate_mode": True}, headers=h)
        r.raise_for_status()
        url = f"{base}/bench/retrieve"
        # Warm the caches and the connection pool before measuring.
        await load_level(client, url, key, 4, 40, 30)
        text = [await load_level(client, url, key, c, requests, max_s) for c in levels]
        images = await drive_images(client, gw, key, image_levels, requests // 2, max_s)
        return text, images


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--levels", default="1,8,32")
    parser.add_argument("--image-levels", default="1,4,8")
    parser.add_argument("--requests", type=int, default=600, help="requests per concurrency level")
    parser.add_argument("--max-seconds", type=float, default=60.0, help="time cap per level")
    parser.add_argument("--threads", type=int, default=2, help="ONNX threads for the raw encoder")
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    image_levels = [int(x) for x in args.image_levels.split(",")]
    models_dir = Path(
        os.environ.get("BAOBAB_MODELS_DIR", PROJECT_ROOT / "var" / "models")
    ).resolve()

    raw = raw_encoder(models_dir, args.threads)
    raw_images = raw_backbone(models_dir, args.threads)
    with tempfile.TemporaryDirectory(prefix="baobab-bench-") as tmp:
        env = {"BAOBAB_MODELS_DIR": str(models_dir), "BAOBAB_LOG_LEVEL": "WARNING"}
        env.setdefault(
            "BAOBAB_DATABASE_URL",
            os.environ.get("BAOBAB_DATABASE_URL", f"sqlite+aiosqlite:///{tmp}/bench.db"),
        )
        if os.environ.get("BAOBAB_REDIS_URL"):
            env["BAOBAB_REDIS_URL"] = os.environ["BAOBAB_REDIS_URL"]
        stack = Stack(
            base_port=18100,
            var_dir=Path(tmp),
            env=env,
            log_prefix=False,
            log_file=Path(tmp) / "stack.log",
        )
        with stack:
            results, image_results = asyncio.run(
                drive(stack, levels, args.requests, args.max_seconds, image_levels)
            )

    print(
        f"\nRaw ONNX encoder (all-MiniLM-L6-v2 int8, {args.threads} threads, same machine, same run)"
    )
    print(f"  batch 1 : {raw['batch1_per_s']:8.1f} sentences/s")
    print(f"  batch 32: {raw['batch32_per_s']:8.1f} sentences/s")
    print("\nText-classifier retrieve through the gateway (gateway -> nlu -> cached head)")
    print(
        f"  {'conc':>4} {'reqs':>6} {'err':>4} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'/raw b1':>8} {'/raw b32':>9}"
    )
    for r in results:
        print(
            f"  {r['concurrency']:>4} {r['requests']:>6} {r['errors']:>4} {r['rps']:>8.1f} {r['p50_ms']:>8.1f}"
            f" {r['p95_ms']:>8.1f} {r['p99_ms']:>8.1f} {r['rps'] / raw['batch1_per_s']:>8.2f} {r['rps'] / raw['batch32_per_s']:>9.2f}"
        )
    print(f"\nRaw ONNX image backbone (EfficientNet-Lite0 fp32, {args.threads} threads, same run)")
    print(f"  batch 1 : {raw_images['batch1_per_s']:8.1f} images/s")
    print(f"  batch 8 : {raw_images['batch8_per_s']:8.1f} images/s")
    print(
        "\nImage-classifier retrieve through the gateway (224-400 px JPEGs, base64;"
        " gateway -> vision: decode, crop, backbone, head)"
    )
    print(
        f"  {'conc':>4} {'reqs':>6} {'err':>4} {'img/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'/raw b1':>8} {'/raw b8':>8}"
    )
    for r in image_results:
        print(
            f"  {r['concurrency']:>4} {r['requests']:>6} {r['errors']:>4} {r['rps']:>8.1f} {r['p50_ms']:>8.1f}"
            f" {r['p95_ms']:>8.1f} {r['p99_ms']:>8.1f} {r['rps'] / raw_images['batch1_per_s']:>8.2f} {r['rps'] / raw_images['batch8_per_s']:>8.2f}"
        )
    out = PROJECT_ROOT / "var" / "bench" / "text_retrieve.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "raw": raw,
                "retrieve": results,
                "raw_image_backbone": raw_images,
                "image_retrieve": image_results,
                "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            },
            indent=2,
        )
    )
    print(
        f"\n(results also in {out.relative_to(PROJECT_ROOT)}; the load generator shares the 2 cores with the stack)"
    )
    best = max(results, key=lambda r: r["rps"])
    ratio = best["rps"] / raw["batch32_per_s"]
    print(
        f"best: {best['rps']:.1f} req/s at concurrency {best['concurrency']} = {ratio:.2f} x raw batch 32"
    )
    return 0 if all(r["errors"] == 0 for r in [*results, *image_results]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
