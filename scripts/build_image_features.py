"""Build the shared image feature maps: EfficientNet-Lite0 (ImageNet) spatial maps as fp32 ONNX.

Run as `python -m scripts.build_image_features --out var/models`. Same weights and checks
as scripts.build_image_backbone (the packaged state dict, verified by SHA-256, loaded with
`weights_only=True`; nothing is downloaded), but the graph keeps the spatial maps that
tenant box detectors (vision_service.engine.box_detector) are trained on, instead of the
pooled vector. The result is `<out>/efficientnet_lite0_maps/{model.onnx, manifest.json}`,
built under a temporary name and renamed into place, so a folder of that name that holds a
manifest is always a complete build. The existing `efficientnet_lite0` build is untouched.

The graph takes `pixels`, float32 [batch, 3, height, width] with height and width any
multiples of 32, RGB normalised like the backbone (x / 127.5 - 1 on 0-255 values), and
gives two maps:

- `stride16`: float32 [batch, 112, height / 16, width / 16], the output of the last
  stride-16 block (block 10);
- `stride32`: float32 [batch, 1280, height / 32, width / 32], the head convolution's
  activations (what the backbone's pooled features average).
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import Any

from scripts._builds import BuildError, run_cli
from scripts.build_image_backbone import (
    MODEL_NAME,
    OPSET,
    PRECISION,
    WEIGHTS_SHA256,
    build_export,
)

FOLDER = "efficientnet_lite0_maps"
INPUT_NAME = "pixels"
OUTPUTS = {"stride16": (112, 16), "stride32": (1280, 32)}
# The last block that still has stride 16 (blocks 11 onwards run at stride 32).
STRIDE16_BLOCK = 10
# Both maps must match torch this closely (mean cosine per position) or the build is refused.
MIN_COSINE_TO_TORCH = 0.9999
# The sanity images' size: not square, so a height/width mix-up in the export shows.
SANITY_HEIGHT, SANITY_WIDTH = 128, 96


def expected_manifest(versions: dict[str, str]) -> dict[str, Any]:
    """Return the manifest fields that do not depend on the build's output."""
    return {
        "name": f"{MODEL_NAME}-maps",
        "input": {
            "name": INPUT_NAME,
            "shape": ["batch", 3, "height", "width"],
            "multiple_of": 32,
            "dtype": "float32",
            "layout": "NCHW, RGB",
            "normalisation": {"mean": 0.5, "std": 0.5, "formula": "x / 127.5 - 1 on 0-255"},
        },
        "outputs": [
            {
                "name": name,
                "shape": ["batch", channels, f"height/{stride}", f"width/{stride}"],
                "channels": channels,
                "stride": stride,
                "dtype": "float32",
            }
            for name, (channels, stride) in OUTPUTS.items()
        ],
        "precision": PRECISION,
        "opset": OPSET,
        "weights_sha256": WEIGHTS_SHA256,
        "source_packages": [f"{name}=={v}" for name, v in sorted(versions.items())],
    }


def sanity_pixels() -> Any:
    """Return three fixed normalised images [3, 3, 128, 96]: flat, gradient, noise."""
    import numpy as np

    images = np.zeros((3, SANITY_HEIGHT, SANITY_WIDTH, 3), dtype=np.float32)
    images[0] = (200.0, 30.0, 30.0)
    images[1] = np.linspace(0.0, 255.0, SANITY_WIDTH, dtype=np.float32)[None, :, None]
    images[2] = np.random.default_rng(0).integers(0, 256, (SANITY_HEIGHT, SANITY_WIDTH, 3))
    return np.ascontiguousarray(images.transpose(0, 3, 1, 2) / 127.5 - 1.0, dtype=np.float32)


def export_onnx(weights: Path, onnx_path: Path) -> list[Any]:
    """Export the fp32 map extractor to `onnx_path`; return torch's maps of sanity_pixels."""
    import torch
    from efficientnet_lite_pytorch import EfficientNet

    network = EfficientNet.from_name(MODEL_NAME)
    state = torch.load(weights, map_location="cpu", weights_only=True)
    network.load_state_dict(state, strict=True)
    network.eval()

    class FeatureMaps(torch.nn.Module):
        """Wraps the network so ONNX sees pixels in and the two maps out."""

        def __init__(self, net: Any) -> None:
            super().__init__()
            self.net = net

        def forward(self, pixels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            net = self.net
            x = net._swish(net._bn0(net._conv_stem(pixels)))
            stride16 = x
            for index, block in enumerate(net._blocks):
                x = block(x)  # eval mode: no drop-connect
                if index == STRIDE16_BLOCK:
                    stride16 = x
            stride32 = net._swish(net._bn1(net._conv_head(x)))
            return stride16, stride32

    wrapper = FeatureMaps(network).eval()
    pixels = torch.from_numpy(sanity_pixels())
    names = list(OUTPUTS)
    with torch.no_grad(), warnings.catch_warnings():
        # The legacy exporter is the one that works here; its tracer chatter is expected.
        warnings.simplefilter("ignore")
        reference = [t.numpy() for t in wrapper(pixels)]
        axes = {0: "batch", 2: "height", 3: "width"}
        torch.onnx.export(
            wrapper,
            (pixels,),
            str(onnx_path),
            dynamo=False,
            opset_version=OPSET,
            input_names=[INPUT_NAME],
            output_names=names,
            dynamic_axes={INPUT_NAME: axes, **{name: axes for name in names}},
        )
    return reference


def check_against_torch(onnx_path: Path, reference: list[Any]) -> float:
    """Return the lowest mean cosine (per map position) between ONNX and torch; raise if low."""
    import numpy as np
    import onnxruntime as ort

    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    got = session.run(list(OUTPUTS), {INPUT_NAME: sanity_pixels()})
    worst = 1.0
    for name, mine, theirs in zip(OUTPUTS, got, reference, strict=True):
        channels, stride = OUTPUTS[name]
        shape = (len(theirs), channels, SANITY_HEIGHT // stride, SANITY_WIDTH // stride)
        if mine.shape != theirs.shape or mine.shape != shape:
            raise BuildError(f"{name}: ONNX gives {mine.shape}, torch {theirs.shape}, want {shape}")
        a = np.moveaxis(mine, 1, -1).reshape(-1, channels)
        b = np.moveaxis(theirs, 1, -1).reshape(-1, channels)
        norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
        cosine = float(np.mean(np.sum(a * b, axis=1) / np.maximum(norms, 1e-12)))
        if cosine < MIN_COSINE_TO_TORCH:
            raise BuildError(
                f"{name} drifted from torch: mean cosine {cosine:.6f} < {MIN_COSINE_TO_TORCH}"
            )
        worst = min(worst, cosine)
    return worst


def build(out: Path, *, force: bool = False) -> Path:
    """Build `<out>/efficientnet_lite0_maps` unless an identical build is there; return it."""
    return build_export(
        out,
        FOLDER,
        f"{MODEL_NAME} maps",
        expected_manifest,
        export_onnx,
        check_against_torch,
        force=force,
    )


def main(argv: list[str] | None = None) -> int:
    return run_cli("build_image_features", __doc__, [build], argv)


if __name__ == "__main__":
    sys.exit(main())
