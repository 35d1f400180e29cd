"""Text in an image: RapidOCR's PP-OCRv4 pipeline (detect, orient, recognise) on onnxruntime.

A plain library: no web code, no torch. The three ONNX models ship inside the
`rapidocr-onnxruntime` wheel, so loading reads local files and downloads nothing.

    reader = TextReader.load(threads=2)
    lines = reader.read(rgb)  # (H, W, 3) uint8 -> [TextLine("Hello Baobab", 0.98, box), ...]

The recogniser is PP-OCRv4's Chinese + Latin model. It reads English well, but it often
drops the space between words that sit close together ("HelloBaobab"); words the detector
finds as separate boxes are joined with a space when they share a line and sit close.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
from rapidocr_onnxruntime import RapidOCR

Point = tuple[float, float]
Box = tuple[Point, Point, Point, Point]

# Segments of a row further apart than this many line heights are separate lines.
_COLUMN_GAP = 2.0


@dataclass(frozen=True)
class TextLine:
    """One line of text: what it reads, the recogniser's confidence (0..1) and where it is.

    `box` is the line's four corners in image pixels, clockwise from the top left.
    """

    text: str
    confidence: float
    box: Box


@dataclass(frozen=True)
class _Segment:
    text: str
    confidence: float
    box: Box

    @property
    def top(self) -> float:
        return min(y for _, y in self.box)

    @property
    def bottom(self) -> float:
        return max(y for _, y in self.box)

    @property
    def left(self) -> float:
        return min(x for x, _ in self.box)

    @property
    def right(self) -> float:
        return max(x for x, _ in self.box)


class TextReader:
    """The OCR pipeline, loaded once; `read` is blocking and serialised (call it in a thread).

    Calls are serialised: `RapidOCR.__call__` keeps per-call settings on the instance, and
    parallel calls would only split the same cores between them.
    """

    def __init__(self, engine: RapidOCR) -> None:
        self._engine = engine
        self._lock = threading.Lock()

    @classmethod
    def load(cls, *, threads: int = 2) -> TextReader:
        """Return a reader whose ONNX sessions each use `threads` intra-op threads."""
        engine = RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=1)
        return cls(engine)

    def warmup(self) -> None:
        """Run the whole pipeline once, so the first request does not pay for it."""
        image = np.full((64, 256, 3), 255, dtype=np.uint8)
        image[24:40, 32:224] = 0  # a bar the detector takes for a line of text
        self.read(image)

    def read(self, rgb: np.ndarray) -> list[TextLine]:
        """Return the lines of text in an (H, W, 3) uint8 RGB image, in reading order."""
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise ValueError("expected an (H, W, 3) uint8 RGB image")
        # RapidOCR takes an ndarray as OpenCV's BGR.
        bgr = np.ascontiguousarray(rgb[:, :, ::-1])
        with self._lock:
            result, _ = self._engine(bgr)
        segments = [_segment(item) for item in result or ()]
        rows = _rows([s for s in segments if s.text])
        return [_join(line) for row in rows for line in _split_columns(row)]


def _segment(item: Any) -> _Segment:
    corners, text, score = item[0], item[1], item[2]
    box = tuple((float(x), float(y)) for x, y in corners)
    return _Segment(str(text).strip(), float(score), box)  # type: ignore[arg-type]


def _rows(segments: list[_Segment]) -> list[list[_Segment]]:
    """Group segments into rows (top to bottom), each left to right.

    A segment joins a line when its vertical middle falls within the line's first
    segment's height: words of one line overlap vertically, lines of a paragraph do not.
    """
    rows: list[list[_Segment]] = []
    for segment in sorted(segments, key=lambda s: (s.top, s.left)):
        middle = (segment.top + segment.bottom) / 2
        for row in rows:
            if row[0].top <= middle <= row[0].bottom:
                row.append(segment)
                break
        else:
            rows.append([segment])
    rows.sort(key=lambda row: min(s.top for s in row))
    return [sorted(row, key=lambda s: s.left) for row in rows]


def _split_columns(row: list[_Segment]) -> list[list[_Segment]]:
    """Split a row where the gap between two segments is wider than `_COLUMN_GAP` heights.

    Words of one line sit closer than that; table columns and side-by-side blocks do not,
    and stay separate lines.
    """
    lines = [[row[0]]]
    for segment in row[1:]:
        previous = lines[-1][-1]
        height = previous.bottom - previous.top
        if segment.left - previous.right > _COLUMN_GAP * height:
            lines.append([segment])
        else:
            lines[-1].append(segment)
    return lines


def _join(line: list[_Segment]) -> TextLine:
    if len(line) == 1:
        only = line[0]
        return TextLine(only.text, only.confidence, only.box)
    left = min(s.left for s in line)
    right = max(s.right for s in line)
    top = min(s.top for s in line)
    bottom = max(s.bottom for s in line)
    # Weighted by length, so one long confident word is not dragged down by a short one.
    chars = sum(len(s.text) for s in line)
    confidence = sum(s.confidence * len(s.text) for s in line) / chars
    return TextLine(
        " ".join(s.text for s in line),
        confidence,
        ((left, top), (right, top), (right, bottom), (left, bottom)),
    )
