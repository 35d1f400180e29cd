"""Mean average precision of box detections (PASCAL VOC style, all-point interpolation).

    report = mean_average_precision(predictions, truths, iou=0.5)
    report.mean, report.per_class["ace"]

`predictions[i]` are image i's detections (anything with label, probability, x, y, w, h,
such as `Detection`) and `truths[i]` its true boxes as (label, x, y, w, h). Per class, all
images' predictions are ranked by probability; each one is a true positive when it overlaps
a not-yet-matched true box of its class in its image by at least `iou` (the best-overlapping
box is the one tried), and a false positive otherwise, so a duplicate of a found box counts
against it. AP is the area under the precision envelope over recall (VOC 2010+ devkit,
http://host.robots.ox.ac.uk/pascal/VOC/voc2012/htmldoc/devkit_doc.html). The mean is over
the classes that have at least one true box; predictions of other labels are not scored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np


class Scored(Protocol):
    """A predicted box: its label, probability and top-left corner and size."""

    @property
    def label(self) -> str: ...
    @property
    def probability(self) -> float: ...
    @property
    def x(self) -> float: ...
    @property
    def y(self) -> float: ...
    @property
    def w(self) -> float: ...
    @property
    def h(self) -> float: ...


@dataclass(frozen=True)
class APReport:
    """Average precision per class (classes with true boxes) and their mean."""

    mean: float
    per_class: dict[str, float]
    iou: float


def _iou(box: tuple[float, float, float, float], others: np.ndarray) -> np.ndarray:
    """Return the IoU of one (x, y, w, h) box with each row (x, y, w, h) of `others`."""
    x, y, w, h = box
    x1 = np.maximum(x, others[:, 0])
    y1 = np.maximum(y, others[:, 1])
    x2 = np.minimum(x + w, others[:, 0] + others[:, 2])
    y2 = np.minimum(y + h, others[:, 1] + others[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    union = w * h + others[:, 2] * others[:, 3] - inter
    result: np.ndarray = inter / np.maximum(union, 1e-9)
    return result


def average_precision(recall: np.ndarray, precision: np.ndarray) -> float:
    """Return the area under the precision envelope of a ranked list's recall/precision."""
    r = np.concatenate(([0.0], recall, [1.0]))
    p = np.concatenate(([0.0], precision, [0.0]))
    p = np.maximum.accumulate(p[::-1])[::-1]
    steps = np.flatnonzero(r[1:] != r[:-1])
    return float(np.sum((r[steps + 1] - r[steps]) * p[steps + 1]))


def mean_average_precision(
    predictions: Sequence[Sequence[Scored]],
    truths: Sequence[Sequence[tuple[str, float, float, float, float]]],
    iou: float = 0.5,
) -> APReport:
    """Return AP per class at IoU >= `iou` and its mean over classes with true boxes."""
    if len(predictions) != len(truths):
        raise ValueError(f"{len(predictions)} prediction lists but {len(truths)} truth lists")
    if not 0.0 < iou <= 1.0:
        raise ValueError("iou must be in (0, 1]")
    classes = sorted({t[0] for image in truths for t in image})
    per_class: dict[str, float] = {}
    for label in classes:
        boxes = [
            np.asarray([t[1:] for t in image if t[0] == label], dtype=np.float64).reshape(-1, 4)
            for image in truths
        ]
        matched = [np.zeros(len(b), dtype=bool) for b in boxes]
        total = sum(len(b) for b in boxes)
        ranked = sorted(
            (
                (-float(p.probability), i, (float(p.x), float(p.y), float(p.w), float(p.h)))
                for i, image in enumerate(predictions)
                for p in image
                if p.label == label
            ),
            key=lambda row: row[0],
        )
        hits = np.zeros(len(ranked))
        for k, (_, i, box) in enumerate(ranked):
            if not len(boxes[i]):
                continue
            overlaps = _iou(box, boxes[i])
            best = int(np.argmax(overlaps))
            if overlaps[best] >= iou and not matched[i][best]:
                matched[i][best] = True
                hits[k] = 1.0
        true_positives = np.cumsum(hits)
        recall = true_positives / total
        precision = true_positives / np.arange(1, len(ranked) + 1)
        per_class[label] = average_precision(recall, precision) if len(ranked) else 0.0
    mean = float(np.mean(list(per_class.values()))) if per_class else 0.0
    return APReport(mean=mean, per_class=per_class, iou=iou)
