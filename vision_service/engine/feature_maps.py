"""The shared image feature maps: EfficientNet-Lite0 (ImageNet) spatial maps as fp32 ONNX.

Built by scripts/build_image_features.py into
`<models_dir>/efficientnet_lite0_maps/{model.onnx, manifest.json}`. Tenant box detectors
(vision_service.engine.box_detector) are small heads trained on these maps; this module
needs numpy, Pillow and onnxruntime only.

    maps = FeatureMaps.load(models_dir)
    fit, pixels = square_letterbox(rgb, 512)     # [1, 3, 512, 512], fit maps boxes back
    stride16, stride32 = maps.run(pixels)         # [1, 112, 32, 32], [1, 1280, 16, 16]

The square letterbox scales the image so its longer side fills `size`, places it at the
top-left and pads with mid-grey (0 after normalisation).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import onnxruntime as ort
from PIL import Image

from nlu_service.engine._onnx import cpu_session, read_build

FloatArray = npt.NDArray[np.float32]

MAPS_FOLDER = "efficientnet_lite0_maps"
MULTIPLE = 32
STRIDE16_CHANNELS = 112
STRIDE32_CHANNELS = 1280
_INPUT = "pixels"
_OUTPUTS = ["stride16", "stride32"]


@dataclass(frozen=True)
class SquareFit:
    """How an image was fitted into a square: scaled by `scale`, placed at (0, 0)."""

    scale: float
    width: int
    height: int


def square_letterbox(rgb: npt.NDArray[np.uint8], size: int) -> tuple[SquareFit, FloatArray]:
    """Return how an RGB image fits a `size` square and the maps' input [1, 3, size, size].

    `size` must be a multiple of 32. Pixels are normalised as x / 127.5 - 1; the padding
    right and below the image is 0 (mid-grey).
    """
    if not isinstance(rgb, np.ndarray) or rgb.dtype != np.uint8 or rgb.ndim != 3:
        raise ValueError("square_letterbox takes an (H, W, 3) uint8 RGB array")
    height, width, channels = rgb.shape
    if channels != 3 or height == 0 or width == 0:
        raise ValueError(f"square_letterbox takes an (H, W, 3) RGB array, got {list(rgb.shape)}")
    if size < MULTIPLE or size % MULTIPLE:
        raise ValueError(f"size must be a positive multiple of {MULTIPLE}, not {size}")
    scale = size / max(height, width)
    new_w = max(1, min(size, round(width * scale)))
    new_h = max(1, min(size, round(height * scale)))
    resized = np.asarray(
        Image.fromarray(rgb).resize((new_w, new_h), Image.Resampling.BILINEAR, reducing_gap=3.0)
    )
    pixels = np.zeros((1, 3, size, size), dtype=np.float32)
    pixels[0, :, :new_h, :new_w] = resized.transpose(2, 0, 1) / np.float32(127.5) - np.float32(1)
    return SquareFit(scale=scale, width=width, height=height), pixels


class FeatureMaps:
    """Turns normalised images into the stride-16 and stride-32 maps of EfficientNet-Lite0.

    One instance is shared by every tenant and thread (ONNX Runtime's `run` is
    thread-safe); it blocks, so async callers run it in a worker thread.
    """

    def __init__(self, session: ort.InferenceSession, manifest: dict[str, Any]) -> None:
        self._session = session
        self.manifest = manifest
        self.name: str = str(manifest.get("name", MAPS_FOLDER))

    @classmethod
    def load(cls, models_dir: Path, *, threads: int = 2) -> FeatureMaps:
        """Return the maps model built under `models_dir`.

        Raises `ModelsMissing` when the build is absent or incomplete, and ValueError when
        the file is not the graph this class expects.
        """
        manifest, onnx_path = read_build(models_dir, MAPS_FOLDER, "image feature maps")
        channels = [o.get("channels") for o in manifest.get("outputs", [])]
        if channels != [STRIDE16_CHANNELS, STRIDE32_CHANNELS]:
            raise ValueError(
                f"{onnx_path.parent} describes maps of {channels} channels: run `make models`"
            )
        session = cpu_session(onnx_path, threads)
        inputs = [i.name for i in session.get_inputs()]
        outputs = [o.name for o in session.get_outputs()]
        if inputs != [_INPUT] or outputs != _OUTPUTS:
            raise ValueError(f"{onnx_path} maps {inputs} to {outputs}, expected {_OUTPUTS}")
        return cls(session, manifest)

    def run(self, pixels: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Return the stride-16 [n, 112, h/16, w/16] and stride-32 [n, 1280, h/32, w/32] maps.

        `pixels` is float32 [n, 3, h, w] with h and w multiples of 32, as
        `square_letterbox` gives.
        """
        if not isinstance(pixels, np.ndarray) or pixels.ndim != 4 or pixels.shape[1] != 3:
            raise ValueError("run takes float32 pixels [n, 3, h, w]")
        if pixels.shape[2] % MULTIPLE or pixels.shape[3] % MULTIPLE:
            raise ValueError(f"height and width must be multiples of {MULTIPLE}")
        if pixels.dtype != np.float32:
            raise TypeError(f"run takes float32 pixels, not {pixels.dtype}")
        stride16, stride32 = self._session.run(_OUTPUTS, {_INPUT: np.ascontiguousarray(pixels)})
        return np.asarray(stride16, np.float32), np.asarray(stride32, np.float32)
