"""The COCO object detector: YOLOX-Nano as ONNX, the 80 COCO classes with boxes.

Built by `make models` (scripts/build_image_detector.py) into
`<models_dir>/yolox_nano/{model.onnx, manifest.json}`. Only numpy, Pillow and onnxruntime
are needed here.

    detector = ObjectDetector.load(models_dir)
    for d in detector.detect(rgb):  # (H, W, 3) uint8 RGB
        print(d.label, d.probability, d.x, d.y, d.w, d.h)  # box in the image's pixels

The network sees a 416 x 416 letterbox of the image: scaled to fit, aspect kept, placed at
the top-left and padded with grey 114, channels in BGR order with 0-255 values (YOLOX's
own `preproc`). It gives one row per cell of three grids (strides 8, 16, 32): box offsets
relative to the cell, objectness and 80 class probabilities. `decode` turns them into
boxes: centre = (offset + cell) * stride, size = exp(log size) * stride; a row's score is
objectness times its best class's probability. Boxes under `min_score` are dropped and the
rest go through non-maximum suppression class by class (IoU 0.45), as YOLOX's demo does.
See https://github.com/Megvii-BaseDetection/YOLOX/blob/main/yolox/utils/demo_utils.py.
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

DETECTOR_FOLDER = "yolox_nano"
INPUT_SIZE = 416
STRIDES = (8, 16, 32)
PAD_VALUE = 114
NMS_IOU = 0.45
_INPUT = "images"
_OUTPUT = "output"

# The 80 COCO classes in the order of the network's class outputs.
COCO_CLASSES: tuple[str, ...] = (
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat",
    "traffic light", "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat",
    "dog", "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe", "backpack",
    "umbrella", "handbag", "tie", "suitcase", "frisbee", "skis", "snowboard", "sports ball",
    "kite", "baseball bat", "baseball glove", "skateboard", "surfboard", "tennis racket",
    "bottle", "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple",
    "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair",
    "couch", "potted plant", "bed", "dining table", "toilet", "tv", "laptop", "mouse",
    "remote", "keyboard", "cell phone", "microwave", "oven", "toaster", "sink",
    "refrigerator", "book", "clock", "vase", "scissors", "teddy bear", "hair drier",
    "toothbrush",
)  # fmt: skip
NUM_CLASSES = len(COCO_CLASSES)


@dataclass(frozen=True)
class Detection:
    """One object found: its COCO class, probability, and box in the input image's pixels.

    `x`, `y` are the box's top-left corner and `w`, `h` its size; the box lies inside
    the image.
    """

    label: str
    class_id: int
    probability: float
    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class Letterbox:
    """How an image was fitted into the network's square: scale, then placed at (0, 0)."""

    scale: float
    width: int
    height: int

    def to_image(self, boxes: FloatArray) -> FloatArray:
        """Return letterbox xyxy boxes [n, 4] in the original image's pixels, clipped to it."""
        out = boxes / np.float32(self.scale)
        out[:, 0::2] = np.clip(out[:, 0::2], 0, self.width)
        out[:, 1::2] = np.clip(out[:, 1::2], 0, self.height)
        result: FloatArray = out.astype(np.float32)
        return result


def letterbox(rgb: npt.NDArray[np.uint8], size: int = INPUT_SIZE) -> tuple[FloatArray, Letterbox]:
    """Return the network input [1, 3, size, size] (BGR, 0-255) of an RGB image and its fit."""
    if not isinstance(rgb, np.ndarray) or rgb.dtype != np.uint8 or rgb.ndim != 3:
        raise ValueError("letterbox takes an (H, W, 3) uint8 RGB array")
    height, width, channels = rgb.shape
    if channels != 3 or height == 0 or width == 0:
        raise ValueError(f"letterbox takes an (H, W, 3) uint8 RGB array, got {list(rgb.shape)}")
    scale = min(size / height, size / width)
    new_w = max(1, min(size, round(width * scale)))
    new_h = max(1, min(size, round(height * scale)))
    resized = np.asarray(
        Image.fromarray(rgb).resize((new_w, new_h), Image.Resampling.BILINEAR, reducing_gap=3.0)
    )
    canvas = np.full((size, size, 3), PAD_VALUE, dtype=np.uint8)
    canvas[:new_h, :new_w] = resized
    # RGB -> BGR, HWC -> CHW; YOLOX takes raw 0-255 values.
    pixels = np.ascontiguousarray(canvas[:, :, ::-1].transpose(2, 0, 1)[None], dtype=np.float32)
    return pixels, Letterbox(scale=scale, width=width, height=height)


def _grid(size: int = INPUT_SIZE) -> tuple[FloatArray, FloatArray]:
    """Return every cell's (x, y) index [rows, 2] and its stride [rows, 1], strides 8, 16, 32."""
    cells, strides = [], []
    for stride in STRIDES:
        side = size // stride
        ys, xs = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
        cells.append(np.stack((xs, ys), axis=-1).reshape(-1, 2))
        strides.append(np.full((side * side, 1), stride))
    return (
        np.concatenate(cells).astype(np.float32),
        np.concatenate(strides).astype(np.float32),
    )


_CELLS, _STRIDES = _grid()
ROWS = len(_CELLS)  # 52² + 26² + 13² = 3549


def decode(
    raw: FloatArray, min_score: float
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.int64]]:
    """Return the letterbox xyxy boxes, scores and class ids of the rows scoring >= min_score.

    `raw` is the network's output for one image, [3549, 85].
    """
    if raw.shape != (ROWS, 5 + NUM_CLASSES):
        raise ValueError(f"decode takes [{ROWS}, {5 + NUM_CLASSES}], got {list(raw.shape)}")
    class_ids = np.argmax(raw[:, 5:], axis=1)
    scores = raw[:, 4] * raw[np.arange(ROWS), 5 + class_ids]
    keep = scores >= min_score
    rows = raw[keep]
    centres = (rows[:, :2] + _CELLS[keep]) * _STRIDES[keep]
    # Clip the log-size so a wild output cannot overflow exp.
    sizes = np.exp(np.minimum(rows[:, 2:4], 10.0)) * _STRIDES[keep]
    boxes = np.concatenate((centres - sizes / 2, centres + sizes / 2), axis=1).astype(np.float32)
    return boxes, scores[keep].astype(np.float32), class_ids[keep].astype(np.int64)


def iou(box: FloatArray, others: FloatArray) -> FloatArray:
    """Return the intersection over union of one xyxy box with each of `others` [n, 4]."""
    x1 = np.maximum(box[0], others[:, 0])
    y1 = np.maximum(box[1], others[:, 1])
    x2 = np.minimum(box[2], others[:, 2])
    y2 = np.minimum(box[3], others[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (others[:, 2] - others[:, 0]) * (others[:, 3] - others[:, 1])
    result: FloatArray = (inter / np.maximum(area + areas - inter, 1e-9)).astype(np.float32)
    return result


def nms(
    boxes: FloatArray,
    scores: FloatArray,
    class_ids: npt.NDArray[np.int64],
    iou_threshold: float = NMS_IOU,
) -> npt.NDArray[np.int64]:
    """Return the indices kept by class-wise non-maximum suppression, best score first.

    A box is dropped when a better-scoring box of the same class overlaps it by more than
    `iou_threshold`; boxes of different classes never suppress each other.
    """
    kept: list[int] = []
    for cls in np.unique(class_ids):
        members = np.flatnonzero(class_ids == cls)
        order = members[np.argsort(-scores[members], kind="stable")]
        while order.size:
            best = int(order[0])
            kept.append(best)
            rest = order[1:]
            order = rest[iou(boxes[best], boxes[rest]) <= iou_threshold]
    result = np.asarray(kept, dtype=np.int64)
    return result[np.argsort(-scores[result], kind="stable")]


class ObjectDetector:
    """Finds the 80 COCO object classes in an image, with boxes and probabilities.

    One instance is shared by every tenant and thread (ONNX Runtime's `run` is
    thread-safe). `detect` blocks; async callers run it in a worker thread.
    """

    labels = COCO_CLASSES

    def __init__(self, session: ort.InferenceSession, manifest: dict[str, Any]) -> None:
        self._session = session
        self.manifest = manifest
        self.name: str = str(manifest.get("name", DETECTOR_FOLDER))

    @classmethod
    def load(cls, models_dir: Path, *, threads: int = 2) -> ObjectDetector:
        """Return the detector fetched by `make models` under `models_dir`.

        Raises `ModelsMissing` when it is absent and ValueError when the file is not the
        graph this class expects.
        """
        manifest, onnx_path = read_build(models_dir, DETECTOR_FOLDER, "object detector")
        if manifest.get("input_size") != INPUT_SIZE or manifest.get("num_classes") != NUM_CLASSES:
            raise ValueError(
                f"{onnx_path.parent} is not a {INPUT_SIZE}px COCO detector: run `make models`"
            )
        session = cpu_session(onnx_path, threads)
        inputs = [(i.name, i.shape) for i in session.get_inputs()]
        outputs = [(o.name, o.shape) for o in session.get_outputs()]
        if inputs != [(_INPUT, [1, 3, INPUT_SIZE, INPUT_SIZE])] or outputs != [
            (_OUTPUT, [1, ROWS, 5 + NUM_CLASSES])
        ]:
            raise ValueError(f"{onnx_path} maps {inputs} to {outputs}, not a YOLOX-Nano graph")
        return cls(session, manifest)

    def preprocess(self, rgb: npt.NDArray[np.uint8]) -> tuple[FloatArray, Letterbox]:
        """Return the network input of an RGB image and how it was fitted."""
        return letterbox(rgb)

    def infer(self, pixels: FloatArray) -> FloatArray:
        """Return the raw network output [3549, 85] for one letterboxed input."""
        (raw,) = self._session.run([_OUTPUT], {_INPUT: pixels})
        result: FloatArray = np.asarray(raw[0], dtype=np.float32)
        return result

    def postprocess(
        self, raw: FloatArray, fit: Letterbox, *, min_score: float, max_detections: int
    ) -> list[Detection]:
        """Return the detections of a raw output, best first, boxes in the image's pixels."""
        boxes, scores, class_ids = decode(raw, min_score)
        kept = nms(boxes, scores, class_ids)
        placed = fit.to_image(boxes[kept]) if kept.size else boxes[:0]
        out: list[Detection] = []
        for (x1, y1, x2, y2), score, cls in zip(placed, scores[kept], class_ids[kept], strict=True):
            if x2 - x1 <= 0 or y2 - y1 <= 0:
                continue  # wholly outside the image (it lay in the padding)
            out.append(
                Detection(
                    label=COCO_CLASSES[int(cls)],
                    class_id=int(cls),
                    probability=float(min(max(score, 0.0), 1.0)),
                    x=float(x1),
                    y=float(y1),
                    w=float(x2 - x1),
                    h=float(y2 - y1),
                )
            )
            if len(out) == max_detections:
                break
        return out

    def detect(
        self,
        rgb: npt.NDArray[np.uint8],
        *,
        min_score: float = 0.3,
        max_detections: int = 100,
    ) -> list[Detection]:
        """Return the objects in an (H, W, 3) uint8 RGB image, most probable first."""
        if not 0.0 <= min_score <= 1.0:
            raise ValueError("min_score must be in [0, 1]")
        if max_detections < 1:
            raise ValueError("max_detections must be at least 1")
        pixels, fit = self.preprocess(rgb)
        raw = self.infer(pixels)
        return self.postprocess(raw, fit, min_score=min_score, max_detections=max_detections)

    def warmup(self) -> None:
        """Run one blank image through the network, so the first request is not slow."""
        self.detect(np.full((INPUT_SIZE, INPUT_SIZE, 3), PAD_VALUE, dtype=np.uint8))
