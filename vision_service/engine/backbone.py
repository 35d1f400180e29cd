"""The image backbone: EfficientNet-Lite0 (ImageNet) as fp32 ONNX, 1280-d pooled features.

Built by `make models` (scripts/build_image_backbone.py) into
`<models_dir>/efficientnet_lite0/{model.onnx, manifest.json}`. Only numpy and onnxruntime
are needed here: the retrieve path never imports torch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from nlu_service.engine._onnx import cpu_session, read_build

FloatArray = npt.NDArray[np.float32]

BACKBONE_FOLDER = "efficientnet_lite0"
INPUT_SIZE = 320
DIM = 1280
_INPUT = "pixels"
_OUTPUT = "features"


def to_pixels(rgb: npt.NDArray[np.uint8]) -> FloatArray:
    """Return the backbone's input for RGB uint8 images: CHW float32 scaled to [-1, 1].

    Takes one image [320, 320, 3] (giving [3, 320, 320]) or a stack [n, 320, 320, 3]
    (giving [n, 3, 320, 320]). Normalisation is mean = std = 0.5 on 0-1, i.e. x / 127.5 - 1.
    Resizing and decoding are the caller's job.
    """
    if not isinstance(rgb, np.ndarray) or rgb.dtype != np.uint8:
        raise TypeError(f"to_pixels takes a uint8 numpy array, not {getattr(rgb, 'dtype', rgb)!r}")
    if rgb.ndim not in (3, 4) or rgb.shape[-3:] != (INPUT_SIZE, INPUT_SIZE, 3):
        raise ValueError(
            f"to_pixels takes [{INPUT_SIZE}, {INPUT_SIZE}, 3] or [n, {INPUT_SIZE}, {INPUT_SIZE}, 3] "
            f"RGB, got shape {list(rgb.shape)}"
        )
    channels_first = np.moveaxis(rgb, -1, -3).astype(np.float32)
    scaled: FloatArray = np.ascontiguousarray(channels_first / np.float32(127.5) - np.float32(1.0))
    return scaled


class ImageBackbone:
    """Turns normalised images into 1280-d features (not L2-normalised).

    One instance is shared by every tenant and thread: `features` holds no state between
    calls (ONNX Runtime's `run` is thread-safe). It blocks; async callers run it in a worker
    thread. The model is fp32 with no run-time quantization, so an image's features do not
    depend on the batch it is computed in (up to float rounding).
    """

    def __init__(self, session: ort.InferenceSession, manifest: dict[str, Any]) -> None:
        self._session = session
        self.manifest = manifest
        self.name: str = str(manifest.get("name", BACKBONE_FOLDER))

    @property
    def dim(self) -> int:
        """Return the feature width, 1280."""
        return DIM

    @property
    def input_size(self) -> int:
        """Return the square input side in pixels, 320."""
        return INPUT_SIZE

    @classmethod
    def load(cls, models_dir: Path, *, threads: int = 2) -> ImageBackbone:
        """Return the backbone built by `make models` under `models_dir`.

        Raises `ModelsMissing` when the build is absent or incomplete, and ValueError when
        the build is not the graph this class expects.
        """
        manifest, onnx_path = read_build(models_dir, BACKBONE_FOLDER, "image backbone")
        if manifest.get("dim") != DIM or manifest.get("input_size") != INPUT_SIZE:
            raise ValueError(
                f"{onnx_path.parent}: the manifest describes dim {manifest.get('dim')} and input "
                f"size {manifest.get('input_size')}, expected {DIM} and {INPUT_SIZE}: run `make models`"
            )
        session = cpu_session(onnx_path, threads)
        inputs = [i.name for i in session.get_inputs()]
        outputs = [o.name for o in session.get_outputs()]
        if inputs != [_INPUT] or outputs != [_OUTPUT]:
            raise ValueError(
                f"{onnx_path} maps {inputs} to {outputs}, expected [{_INPUT!r}] to [{_OUTPUT!r}]"
            )
        return cls(session, manifest)

    def features(self, pixels: FloatArray, batch_size: int = 32) -> FloatArray:
        """Return float32 features [n, 1280] of `pixels` [n, 3, 320, 320], in input order.

        `pixels` is what `to_pixels` gives; it is run `batch_size` images at a time.
        """
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        expected = (3, INPUT_SIZE, INPUT_SIZE)
        if not isinstance(pixels, np.ndarray) or pixels.ndim != 4 or pixels.shape[1:] != expected:
            shape = list(pixels.shape) if isinstance(pixels, np.ndarray) else type(pixels).__name__
            raise ValueError(f"features takes [n, 3, {INPUT_SIZE}, {INPUT_SIZE}], got {shape}")
        if pixels.dtype != np.float32:
            raise TypeError(f"features takes float32 pixels, not {pixels.dtype}")
        out = np.empty((len(pixels), DIM), dtype=np.float32)
        for start in range(0, len(pixels), batch_size):
            chunk = np.ascontiguousarray(pixels[start : start + batch_size])
            (got,) = self._session.run([_OUTPUT], {_INPUT: chunk})
            out[start : start + len(chunk)] = got
        return out
