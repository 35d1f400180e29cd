"""The COCO object detector: grid decoding, NMS and letterbox geometry, then the real model."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from tests.vision_service.support import DATASETS
from vision_service.engine import ModelsMissing
from vision_service.engine.detector import (
    COCO_CLASSES,
    INPUT_SIZE,
    PAD_VALUE,
    ROWS,
    Detection,
    Letterbox,
    ObjectDetector,
    decode,
    letterbox,
    nms,
)
from vision_service.engine.images import decode_image

CARDS = DATASETS / "playing_cards_detection" / "test"
BEES = DATASETS / "hymenoptera" / "val" / "bees"


def empty_output() -> np.ndarray:
    return np.zeros((ROWS, 85), dtype=np.float32)


def row_of(stride: int, cx: int, cy: int) -> int:
    """Return the output row of grid cell (cx, cy) at `stride`."""
    offset = 0
    for s in (8, 16, 32):
        side = INPUT_SIZE // s
        if s == stride:
            return offset + cy * side + cx
        offset += side * side
    raise ValueError(stride)


def test_the_labels_are_the_80_coco_classes_in_order() -> None:
    assert len(COCO_CLASSES) == 80 == len(set(COCO_CLASSES))
    assert COCO_CLASSES[0] == "person" and COCO_CLASSES[53] == "pizza"
    assert COCO_CLASSES[-1] == "toothbrush"


def test_decode_places_a_box_on_its_grid_cell() -> None:
    raw = empty_output()
    r = row_of(16, cx=10, cy=4)
    raw[r, :4] = (0.5, 0.25, math.log(3.0), math.log(2.0))
    raw[r, 4] = 0.9
    raw[r, 5 + 2] = 0.8  # car
    boxes, scores, class_ids = decode(raw, min_score=0.5)
    # Centre ((10 + 0.5) * 16, (4 + 0.25) * 16) = (168, 68); size (48, 32).
    np.testing.assert_allclose(boxes, [[144.0, 52.0, 192.0, 84.0]], atol=1e-4)
    np.testing.assert_allclose(scores, [0.72], atol=1e-6)
    assert class_ids.tolist() == [2]


def test_decode_drops_rows_under_the_score_and_takes_the_best_class() -> None:
    raw = empty_output()
    weak = row_of(8, 0, 0)
    raw[weak, 4], raw[weak, 5] = 0.5, 0.5  # 0.25 < 0.3
    strong = row_of(32, 12, 12)
    raw[strong, 4] = 1.0
    raw[strong, 5 + 15], raw[strong, 5 + 16] = 0.4, 0.7  # cat, dog
    boxes, scores, class_ids = decode(raw, min_score=0.3)
    assert class_ids.tolist() == [16] and scores.tolist() == pytest.approx([0.7])
    # The last cell of the coarsest grid: centre (12 * 32, 12 * 32), size exp(0) * 32.
    np.testing.assert_allclose(boxes, [[368.0, 368.0, 400.0, 400.0]])
    with pytest.raises(ValueError):
        decode(np.zeros((10, 85), dtype=np.float32), 0.3)


def test_nms_suppresses_overlaps_within_a_class_only() -> None:
    boxes = np.array(
        [
            [0, 0, 100, 100],  # best person
            [5, 5, 105, 105],  # same person, IoU ~0.82: dropped
            [0, 0, 100, 100],  # a dog on the same spot: kept (other class)
            [200, 200, 260, 260],  # a second person far away: kept
            [0, 0, 100, 40],  # person overlapping the first at IoU 0.4: kept
        ],
        dtype=np.float32,
    )
    scores = np.array([0.9, 0.8, 0.5, 0.7, 0.6], dtype=np.float32)
    class_ids = np.array([0, 0, 16, 0, 0], dtype=np.int64)
    assert nms(boxes, scores, class_ids).tolist() == [0, 3, 4, 2]
    assert nms(boxes[:0], scores[:0], class_ids[:0]).tolist() == []


@pytest.mark.parametrize(("width", "height"), [(400, 300), (300, 500), (416, 416), (1000, 30)])
def test_letterbox_keeps_the_aspect_and_maps_boxes_back(width: int, height: int) -> None:
    rgb = np.zeros((height, width, 3), dtype=np.uint8)
    rgb[..., 0] = 255  # pure red
    pixels, fit = letterbox(rgb)
    assert pixels.shape == (1, 3, INPUT_SIZE, INPUT_SIZE) and pixels.dtype == np.float32
    scale = min(INPUT_SIZE / width, INPUT_SIZE / height)
    assert fit == Letterbox(scale=scale, width=width, height=height)
    new_w, new_h = round(width * scale), round(height * scale)
    # BGR: red is the last channel; the image sits top-left, the rest is grey 114.
    assert pixels[0, 2, 0, 0] == 255 and pixels[0, 0, 0, 0] == 0
    assert np.all(pixels[0, :, new_h:, :] == PAD_VALUE)
    assert np.all(pixels[0, :, :, new_w:] == PAD_VALUE)
    assert np.all(pixels[0, 2, :new_h, :new_w] == 255)
    # A box drawn around a region of the original comes back to it through the letterbox.
    original = np.array([[0.1 * width, 0.2 * height, 0.6 * width, 0.9 * height]], np.float32)
    np.testing.assert_allclose(fit.to_image(original * scale), original, rtol=1e-5)
    # Boxes reaching into the padding are clipped to the image.
    np.testing.assert_allclose(
        fit.to_image(np.array([[-10, -10, 1000, 1000]], np.float32)), [[0, 0, width, height]]
    )


def test_letterbox_refuses_what_is_not_an_rgb_image() -> None:
    with pytest.raises(ValueError):
        letterbox(np.zeros((10, 10), dtype=np.uint8))
    with pytest.raises(ValueError):
        letterbox(np.zeros((10, 10, 3), dtype=np.float32))


def test_load_without_the_model_says_run_make_models(tmp_path: Path) -> None:
    with pytest.raises(ModelsMissing, match="make models"):
        ObjectDetector.load(tmp_path)


@pytest.fixture(scope="module")
def detector(models_dir: Path) -> ObjectDetector:
    return ObjectDetector.load(models_dir)


def assert_valid(dets: list[Detection], width: int, height: int) -> None:
    probabilities = [d.probability for d in dets]
    assert probabilities == sorted(probabilities, reverse=True)
    for d in dets:
        assert d.label == COCO_CLASSES[d.class_id]
        assert 0.3 <= d.probability <= 1.0
        assert d.w > 0 and d.h > 0
        assert 0 <= d.x and d.x + d.w <= width + 1e-3
        assert 0 <= d.y and d.y + d.h <= height + 1e-3


def test_a_flat_grey_image_has_no_objects(detector: ObjectDetector) -> None:
    assert detector.detect(np.full((300, 400, 3), 128, dtype=np.uint8)) == []


def test_the_model_finds_objects_in_photos(detector: ObjectDetector) -> None:
    if not CARDS.is_dir() or not BEES.is_dir():
        pytest.skip(f"the sample photos are not here ({CARDS}, {BEES})")
    # A hand holding a card: the person (the wearer) and the card, seen here as a pizza.
    card = CARDS / "IMG_2432.JPG"
    image = decode_image(card.read_bytes())
    dets = detector.detect(np.asarray(image))
    assert_valid(dets, *image.size)
    assert "person" in [d.label for d in dets]
    # A bee on a leaf: COCO has no bees, and YOLOX-Nano calls it a bird, boxed around it.
    bee = BEES / "759745145_e8bc776ec8.jpg"
    image = decode_image(bee.read_bytes())
    dets = detector.detect(np.asarray(image))
    assert_valid(dets, *image.size)
    assert dets and dets[0].label == "bird"
    assert 180 < dets[0].x + dets[0].w / 2 < 350 and 120 < dets[0].y + dets[0].h / 2 < 330
    # Lower thresholds give more (never fewer) objects; max_detections caps them.
    more = detector.detect(np.asarray(image), min_score=0.05)
    assert len(more) >= len(dets)
    assert len(detector.detect(np.asarray(image), min_score=0.01, max_detections=2)) == 2
