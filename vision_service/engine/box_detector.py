"""Tenant box detectors: a small single-shot head on the shared EfficientNet-Lite0 maps.

A tenant's detector is trained from images with labelled boxes and stored as a few hundred
kilobytes of weights; the backbone that feeds it (vision_service.engine.feature_maps) is
shared and frozen. Training needs torch; `detect`, `to_bytes` and `from_bytes` need numpy,
Pillow and onnxruntime only.

    maps = FeatureMaps.load(models_dir)
    detector = BoxDetector.fit(images, boxes, features=maps)   # boxes: (label, x, y, w, h)
    detector.detect(rgb, maps)                                  # [Detection], best first
    BoxDetector.from_bytes(detector.to_bytes())                 # the tenant's artifact

How it works. An image is letterboxed into a `size` square (640 by default) and the maps
model gives its stride-16 (112 channels) and stride-32 (1280 channels) maps. The head, in
the spirit of FCOS (https://arxiv.org/abs/1904.01355), projects both to `width` channels
with 1x1 convolutions, adds the stride-32 one (upsampled x2) to the stride-16 one, applies
ReLU, a 3x3 convolution and ReLU, and a 1x1 convolution giving, per stride-16 cell, an
objectness logit, one logit per class and four log-distances from the cell's centre to the
box's left, top, right and bottom edges (in units of `BOX_UNIT` letterbox pixels). A cell
is trained as positive for a box when its centre lies in the box's central region (the
smallest box wins when several claim it); objectness is learnt with a focal loss over all
cells, classes with cross-entropy and edges with L1 on the log-distances plus GIoU on
positive cells. A cell scores sigmoid(objectness) x softmax probability for each class;
(cell, class) pairs under `min_score` are dropped and the rest go through class-wise
non-maximum suppression. Training adds horizontally flipped copies of the images. (Shifting
the maps by whole stride-32 cells was tried as further augmentation: no gain on the
playing-cards set, a loss on small synthetic sets.)
"""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from nlu_service.engine._npz import npz_bytes
from vision_service.engine.detector import Detection, nms
from vision_service.engine.feature_maps import (
    STRIDE16_CHANNELS,
    STRIDE32_CHANNELS,
    FeatureMaps,
    SquareFit,
    square_letterbox,
)

FloatArray = npt.NDArray[np.float32]
Box = tuple[str, float, float, float, float]

FORMAT = "baobab-box-detector-1"
# 640 rather than 512: +0.04 mAP@0.5 on the playing-cards test split (0.80 vs 0.76) for
# about twice the training time; the rank glyphs in a card's corner are small.
SIZE = 640
STRIDE = 16
WIDTH = 128
BOX_UNIT = 64.0
NMS_IOU = 0.5
EPOCHS = 24
# Small sets get more epochs: training runs at least this many batches.
MIN_STEPS = 400
BATCH = 16
# A positive cell's centre lies within this fraction of the box's half-size of its centre,
# or within CENTRE_CELLS cells, whichever is larger (and inside the box).
CENTRE_FRACTION = 0.5
CENTRE_CELLS = 0.75
DROPOUT = 0.1
WEIGHT_DECAY = 1e-4
LEARNING_RATE = 2e-3


@dataclass(frozen=True)
class _Weights:
    """The head's numpy weights, input normalisation folded into the first layer."""

    w16: FloatArray  # [112, width]
    b16: FloatArray  # [width]
    w32: FloatArray  # [1280, width]
    b32: FloatArray  # [width]
    w_mix: FloatArray  # [9 * width, width], rows ordered (ky, kx, channel)
    b_mix: FloatArray  # [width]
    w_out: FloatArray  # [width, 5 + classes]
    b_out: FloatArray  # [5 + classes]


_NAMES = ("w16", "b16", "w32", "b32", "w_mix", "b_mix", "w_out", "b_out")


@dataclass
class BoxDetector:
    """A trained box detector: its labels, input size and head weights."""

    labels: tuple[str, ...]
    size: int
    weights: _Weights
    stats: dict[str, float] = field(default_factory=dict)

    # ----------------------------------------------------------------- training
    @classmethod
    def fit(
        cls,
        images: Sequence[npt.NDArray[np.uint8]],
        boxes: Sequence[Sequence[Box]],
        *,
        features: FeatureMaps,
        seed: int = 0,
        size: int = SIZE,
        epochs: int = EPOCHS,
        min_steps: int = MIN_STEPS,
        flip: bool = True,
    ) -> BoxDetector:
        """Return a detector trained on RGB images and their boxes (label, x, y, w, h pixels).

        Images without boxes are used as negatives; boxes are clipped to their image. Each
        image (and, with `flip`, its mirror) goes through `features` once; the maps are kept
        in memory as float16 (about 1.4 MB per view at size 640), then the head is trained
        for `epochs` passes (more for small sets, at least MIN_STEPS batches) with torch,
        seeded by `seed`. Raises ValueError when the inputs do not line up, a box is empty
        or outside its image, or no image has a box.
        """
        if len(images) != len(boxes):
            raise ValueError(f"{len(images)} images but {len(boxes)} box lists")
        cleaned = [_checked_boxes(image, found) for image, found in zip(images, boxes, strict=True)]
        labels = tuple(sorted({b[0] for found in cleaned for b in found}))
        if not labels:
            raise ValueError("no image has a box: a detector needs at least one labelled box")
        index = {label: i for i, label in enumerate(labels)}

        started = time.perf_counter()
        maps16: list[FloatArray] = []
        maps32: list[FloatArray] = []
        targets: list[FloatArray] = []  # per view: [m, 5] = class, x1, y1, x2, y2 (letterbox)
        for image, found in zip(images, cleaned, strict=True):
            views = [(image, found)]
            if flip:
                width = image.shape[1]
                mirrored = [(lab, width - x - w, y, w, h) for lab, x, y, w, h in found]
                views.append((np.ascontiguousarray(image[:, ::-1]), mirrored))
            for view, view_boxes in views:
                fit, pixels = square_letterbox(view, size)
                m16, m32 = features.run(pixels)
                maps16.append(m16[0].astype(np.float16))
                maps32.append(m32[0].astype(np.float16))
                rows = [
                    (
                        index[lab],
                        x * fit.scale,
                        y * fit.scale,
                        (x + w) * fit.scale,
                        (y + h) * fit.scale,
                    )
                    for lab, x, y, w, h in view_boxes
                ]
                targets.append(np.asarray(rows, dtype=np.float32).reshape(-1, 5))
        features_s = time.perf_counter() - started

        weights, loss = _train(
            np.stack(maps16), np.stack(maps32), targets, len(labels), epochs, seed, min_steps
        )
        stats = {
            "feature_seconds": round(features_s, 2),
            "train_seconds": round(time.perf_counter() - started - features_s, 2),
            "views": float(len(targets)),
            "final_loss": round(loss, 4),
        }
        return cls(labels=labels, size=size, weights=weights, stats=stats)

    # ---------------------------------------------------------------- inference
    def detect(
        self,
        rgb: npt.NDArray[np.uint8],
        features: FeatureMaps,
        *,
        min_score: float = 0.3,
        max_detections: int = 100,
    ) -> list[Detection]:
        """Return the boxes found in an (H, W, 3) uint8 RGB image, most probable first.

        Boxes are in the image's pixels, clipped to it; `class_id` indexes `labels`.
        """
        if not 0.0 <= min_score <= 1.0:
            raise ValueError("min_score must be in [0, 1]")
        if max_detections < 1:
            raise ValueError("max_detections must be at least 1")
        fit, pixels = square_letterbox(rgb, self.size)
        m16, m32 = features.run(pixels)
        return self.detect_maps(
            m16[0], m32[0], fit, min_score=min_score, max_detections=max_detections
        )

    def detect_maps(
        self,
        m16: FloatArray,
        m32: FloatArray,
        fit: SquareFit,
        *,
        min_score: float = 0.3,
        max_detections: int = 100,
    ) -> list[Detection]:
        """Return the detections from one image's maps [112, h, w] and [1280, h/2, w/2]."""
        raw = self.head(m16, m32)
        obj = _sigmoid(raw[..., 0])
        logits = raw[..., 5 : 5 + len(self.labels)]
        probs = np.exp(logits - logits.max(axis=-1, keepdims=True))
        probs /= probs.sum(axis=-1, keepdims=True)
        # Every class a cell scores at least min_score for is a candidate (as in FCOS), so a
        # card read as "nine" with "ten" a close second still offers the second reading.
        scores = obj[..., None] * probs
        ys, xs, found = np.nonzero(scores >= min_score)
        if not len(ys):
            return []
        centres = np.stack(((xs + 0.5) * STRIDE, (ys + 0.5) * STRIDE), axis=1).astype(np.float32)
        dist = np.exp(np.clip(raw[ys, xs, 1:5], -8.0, 4.0)) * np.float32(BOX_UNIT)
        boxes = np.concatenate((centres - dist[:, :2], centres + dist[:, 2:]), axis=1)
        boxes = boxes.astype(np.float32) / np.float32(fit.scale)
        boxes[:, 0::2] = np.clip(boxes[:, 0::2], 0, fit.width)
        boxes[:, 1::2] = np.clip(boxes[:, 1::2], 0, fit.height)
        found_scores = scores[ys, xs, found].astype(np.float32)
        found_ids = found.astype(np.int64)
        kept = nms(boxes, found_scores, found_ids, NMS_IOU)
        out: list[Detection] = []
        for i in kept:
            x1, y1, x2, y2 = (float(v) for v in boxes[i])
            if x2 - x1 <= 0 or y2 - y1 <= 0:
                continue
            out.append(
                Detection(
                    label=self.labels[int(found_ids[i])],
                    class_id=int(found_ids[i]),
                    probability=float(min(max(found_scores[i], 0.0), 1.0)),
                    x=x1,
                    y=y1,
                    w=x2 - x1,
                    h=y2 - y1,
                )
            )
            if len(out) == max_detections:
                break
        return out

    def head(self, m16: FloatArray, m32: FloatArray) -> FloatArray:
        """Return the head's raw output [h, w, 5 + classes] for one image's maps."""
        w = self.weights
        if m16.shape[0] != STRIDE16_CHANNELS or m32.shape[0] != STRIDE32_CHANNELS:
            raise ValueError("head takes maps [112, h, w] and [1280, h/2, w/2]")
        h, wd = m16.shape[1:]
        if m32.shape[1:] != (h // 2, wd // 2):
            raise ValueError("the stride-32 map must be half the stride-16 map's size")
        p16 = np.moveaxis(m16, 0, -1) @ w.w16 + w.b16
        p32 = np.moveaxis(m32, 0, -1) @ w.w32 + w.b32
        x = np.maximum(p16 + p32.repeat(2, axis=0).repeat(2, axis=1), 0)
        padded = np.pad(x, ((1, 1), (1, 1), (0, 0)))
        columns = np.concatenate(
            [padded[dy : dy + h, dx : dx + wd] for dy in range(3) for dx in range(3)], axis=-1
        )
        x = np.maximum(columns @ w.w_mix + w.b_mix, 0)
        out: FloatArray = (x @ w.w_out + w.b_out).astype(np.float32)
        return out

    # ----------------------------------------------------------------- artifact
    def to_bytes(self) -> bytes:
        """Return the detector as a reproducible npz archive (weights in float16)."""
        arrays = {name: getattr(self.weights, name).astype(np.float16) for name in _NAMES}
        return npz_bytes(
            format=np.asarray(FORMAT),
            labels=np.asarray(self.labels, dtype=np.str_),
            size=np.asarray(self.size, dtype=np.int64),
            **arrays,
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> BoxDetector:
        """Return the detector stored by `to_bytes`; ValueError when it is not one."""
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as archive:
                kind = str(archive["format"])
                labels = tuple(str(label) for label in archive["labels"])
                size = int(archive["size"])
                weights = _Weights(**{n: archive[n].astype(np.float32) for n in _NAMES})
        except (KeyError, OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
            raise ValueError(f"not a {FORMAT} artifact: {exc}") from exc
        if kind != FORMAT:
            raise ValueError(f"not a {FORMAT} artifact: its format is {kind!r}")
        if weights.w_out.shape[1] != 5 + len(labels):
            raise ValueError("the artifact's output layer does not match its labels")
        return cls(labels=labels, size=size, weights=weights)


def _sigmoid(x: FloatArray) -> FloatArray:
    result: FloatArray = (1.0 / (1.0 + np.exp(-np.clip(x, -30.0, 30.0)))).astype(np.float32)
    return result


def _checked_boxes(image: npt.NDArray[np.uint8], found: Sequence[Box]) -> list[Box]:
    """Return an image's boxes clipped to it; ValueError when a box or the image is unusable."""
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim != 3:
        raise ValueError("images must be (H, W, 3) uint8 RGB arrays")
    height, width = image.shape[:2]
    out: list[Box] = []
    for box in found:
        label, x, y, w, h = box
        if not isinstance(label, str) or not label.strip():
            raise ValueError(f"a box's label must be a non-empty string, not {label!r}")
        x1, y1 = max(0.0, float(x)), max(0.0, float(y))
        x2, y2 = min(float(width), float(x) + float(w)), min(float(height), float(y) + float(h))
        if x2 - x1 < 1 or y2 - y1 < 1:
            raise ValueError(f"box {box!r} is empty or outside its {width}x{height} image")
        out.append((label, x1, y1, x2 - x1, y2 - y1))
    return out


def _train(
    maps16: npt.NDArray[np.float16],
    maps32: npt.NDArray[np.float16],
    targets: list[FloatArray],
    classes: int,
    epochs: int,
    seed: int,
    min_steps: int = MIN_STEPS,
    width: int = WIDTH,
) -> tuple[_Weights, float]:
    """Return the trained head's numpy weights and its last epoch's mean loss."""
    import torch
    from torch import nn
    from torch.nn import functional as F

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    n, _, rows, cols = maps16.shape
    # Per-channel standardisation, folded into the first layer at export.
    mean16 = maps16.astype(np.float32).mean(axis=(0, 2, 3))
    std16 = maps16.astype(np.float32).std(axis=(0, 2, 3)) + 1e-3
    mean32 = maps32.astype(np.float32).mean(axis=(0, 2, 3))
    std32 = maps32.astype(np.float32).std(axis=(0, 2, 3)) + 1e-3
    t16 = torch.from_numpy(maps16)
    t32 = torch.from_numpy(maps32)
    m16 = torch.from_numpy(mean16)[None, :, None, None]
    s16 = torch.from_numpy(std16)[None, :, None, None]
    m32 = torch.from_numpy(mean32)[None, :, None, None]
    s32 = torch.from_numpy(std32)[None, :, None, None]

    class Head(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.p16 = nn.Conv2d(STRIDE16_CHANNELS, width, 1)
            self.p32 = nn.Conv2d(STRIDE32_CHANNELS, width, 1)
            self.mix = nn.Conv2d(width, width, 3, padding=1)
            self.out = nn.Conv2d(width, 5 + classes, 1)
            self.drop = nn.Dropout2d(DROPOUT)
            nn.init.normal_(self.out.weight, std=0.01)
            with torch.no_grad():
                _bias(self.out).zero_()
                _bias(self.out)[0] = -4.6  # objectness prior 0.01 (RetinaNet's init)

        def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
            x = self.p16(self.drop(a)) + F.interpolate(self.p32(self.drop(b)), scale_factor=2.0)
            x = F.relu(self.mix(F.relu(x)))
            return self.out(x)  # type: ignore[no-any-return]

    head = Head()
    steps_per_epoch = max(1, -(-n // BATCH))
    epochs = max(epochs, -(-min_steps // steps_per_epoch))
    optimiser = torch.optim.AdamW(head.parameters(), lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimiser, max_lr=LEARNING_RATE, total_steps=epochs * steps_per_epoch, pct_start=0.15
    )
    ys, xs = torch.meshgrid(torch.arange(rows), torch.arange(cols), indexing="ij")
    centres = torch.stack(((xs + 0.5) * STRIDE, (ys + 0.5) * STRIDE), dim=-1).reshape(-1, 2).float()

    last = 0.0
    head.train()
    for _ in range(epochs):
        order = rng.permutation(n)
        total = 0.0
        for start in range(0, n, BATCH):
            chosen = order[start : start + BATCH]
            a = (t16[chosen].float() - m16) / s16
            b = (t32[chosen].float() - m32) / s32
            batch_targets = [targets[i] for i in chosen]
            raw = head(a, b).permute(0, 2, 3, 1).reshape(len(chosen), rows * cols, -1)
            loss = _loss(raw, batch_targets, centres, classes)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += float(loss.detach()) * len(chosen)
        last = total / n

    # Export with the standardisation folded in: W'x + b' = W((x - m) / s) + b.
    with torch.no_grad():
        w16 = head.p16.weight[:, :, 0, 0].detach().numpy().T / std16[:, None]
        b16 = _bias(head.p16).detach().numpy() - mean16 @ w16
        w32 = head.p32.weight[:, :, 0, 0].detach().numpy().T / std32[:, None]
        b32 = _bias(head.p32).detach().numpy() - mean32 @ w32
        w_mix = head.mix.weight.detach().numpy().transpose(2, 3, 1, 0).reshape(9 * width, width)
        weights = _Weights(
            w16=w16.astype(np.float32),
            b16=b16.astype(np.float32),
            w32=w32.astype(np.float32),
            b32=b32.astype(np.float32),
            w_mix=np.ascontiguousarray(w_mix, dtype=np.float32),
            b_mix=_bias(head.mix).detach().numpy().astype(np.float32),
            w_out=np.ascontiguousarray(
                head.out.weight[:, :, 0, 0].detach().numpy().T, dtype=np.float32
            ),
            b_out=_bias(head.out).detach().numpy().astype(np.float32),
        )
    return weights, last


def _bias(conv: Any) -> Any:
    """Return a convolution's bias (every layer of the head has one)."""
    bias = conv.bias
    if bias is None:
        raise AssertionError("the head's convolutions are built with a bias")
    return bias


def _loss(raw: Any, batch_targets: list[FloatArray], centres: Any, classes: int) -> Any:
    """Return the batch's loss: focal objectness + class CE + box L1 and GIoU on positives."""
    import torch
    from torch.nn import functional as F

    obj_target = torch.zeros(raw.shape[:2])
    pos_pred, pos_cls, pos_box, pos_centre = [], [], [], []
    for k, rows in enumerate(batch_targets):
        if not len(rows):
            continue
        t = torch.from_numpy(rows)
        boxes = t[:, 1:5]
        cx = (boxes[:, 0] + boxes[:, 2]) / 2
        cy = (boxes[:, 1] + boxes[:, 3]) / 2
        half_w = torch.clamp(
            (boxes[:, 2] - boxes[:, 0]) / 2 * CENTRE_FRACTION, min=CENTRE_CELLS * STRIDE
        )
        half_h = torch.clamp(
            (boxes[:, 3] - boxes[:, 1]) / 2 * CENTRE_FRACTION, min=CENTRE_CELLS * STRIDE
        )
        px, py = centres[:, 0:1], centres[:, 1:2]  # [cells, 1]
        inside = (
            (px > boxes[:, 0]) & (px < boxes[:, 2]) & (py > boxes[:, 1]) & (py < boxes[:, 3])
            & ((px - cx).abs() <= half_w) & ((py - cy).abs() <= half_h)
        )  # fmt: skip
        area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
        cost = torch.where(
            inside, area[None, :], torch.full_like(inside, float("inf"), dtype=torch.float32)
        )
        best_cost, best = cost.min(dim=1)
        cells = torch.nonzero(torch.isfinite(best_cost)).flatten()
        if not len(cells):
            continue
        obj_target[k, cells] = 1.0
        pos_pred.append(raw[k, cells])
        pos_cls.append(t[best[cells], 0].long())
        pos_box.append(boxes[best[cells]])
        pos_centre.append(centres[cells])

    logits = raw[..., 0]
    p = torch.sigmoid(logits)
    ce = F.binary_cross_entropy_with_logits(logits, obj_target, reduction="none")
    p_t = p * obj_target + (1 - p) * (1 - obj_target)
    alpha = 0.25 * obj_target + 0.75 * (1 - obj_target)
    positives = max(1.0, float(obj_target.sum()))
    loss = (alpha * (1 - p_t) ** 2 * ce).sum() / positives
    if not pos_pred:
        return loss
    pred = torch.cat(pos_pred)
    cls = torch.cat(pos_cls)
    box = torch.cat(pos_box)
    centre = torch.cat(pos_centre)
    loss = loss + F.cross_entropy(pred[:, 5 : 5 + classes], cls)
    target_dist = torch.cat((centre - box[:, :2], box[:, 2:] - centre), dim=1).clamp(min=1.0)
    log_target = torch.log(target_dist / BOX_UNIT)
    log_pred = pred[:, 1:5].clamp(-8.0, 4.0)
    loss = loss + F.l1_loss(log_pred, log_target)
    dist = torch.exp(log_pred) * BOX_UNIT
    pb = torch.cat((centre - dist[:, :2], centre + dist[:, 2:]), dim=1)
    loss = loss + (1 - _giou(pb, box)).mean()
    return loss


def _giou(a: Any, b: Any) -> Any:
    """Return the generalised IoU of paired xyxy boxes (torch tensors [n, 4])."""
    import torch

    ix1 = torch.maximum(a[:, 0], b[:, 0])
    iy1 = torch.maximum(a[:, 1], b[:, 1])
    ix2 = torch.minimum(a[:, 2], b[:, 2])
    iy2 = torch.minimum(a[:, 3], b[:, 3])
    inter = (ix2 - ix1).clamp(min=0) * (iy2 - iy1).clamp(min=0)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a + area_b - inter
    iou = inter / union.clamp(min=1e-6)
    ex1 = torch.minimum(a[:, 0], b[:, 0])
    ey1 = torch.minimum(a[:, 1], b[:, 1])
    ex2 = torch.maximum(a[:, 2], b[:, 2])
    ey2 = torch.maximum(a[:, 3], b[:, 3])
    enclosing = ((ex2 - ex1) * (ey2 - ey1)).clamp(min=1e-6)
    return iou - (enclosing - union) / enclosing
