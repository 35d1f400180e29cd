"""Opening a `make models` build: its manifest and an ONNX Runtime session on the CPU.

Every shared backbone (the text encoder, the image backbone, its feature maps, the COCO
detector) lives in `<models_dir>/<folder>/` with `manifest.json` and `model.onnx`; each
loader checks its own manifest fields and graph inputs and outputs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import onnxruntime as ort

from nlu_service.engine._exceptions import ModelsMissing


def read_build(
    models_dir: Path, folder: str, what: str, extra: tuple[str, ...] = ()
) -> tuple[dict[str, Any], Path]:
    """Return a build's manifest and its `model.onnx` path; ModelsMissing when incomplete.

    `extra`: other files the build must hold (e.g. `tokenizer.json`).
    """
    base = Path(models_dir) / folder
    paths = [base / "manifest.json", base / "model.onnx", *(base / name for name in extra)]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise ModelsMissing(f"{what} not found ({', '.join(missing)} missing): run `make models`")
    manifest: dict[str, Any] = json.loads(paths[0].read_text())
    return manifest, paths[1]


def cpu_session(onnx_path: Path, threads: int) -> ort.InferenceSession:
    """Return an inference session on the CPU with `threads` intra-op threads, quiet logs."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = max(1, threads)
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    return ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
