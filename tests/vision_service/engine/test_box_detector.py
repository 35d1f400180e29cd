"""Tenant box detectors: the mAP measure, the feature maps, training, detection, artifacts."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from vision_service.engine.average_precision import mean_average_precision
from vision_service.engine.box_detector import BoxDetector
from vision_service.engine.detector import Detection
from vision_service.engine.feature_maps import FeatureMaps, square_letterbox

Image = npt.NDArray[np.uint8]
Truth = tuple[str, float, float, float, float]
SIDE = 256  # the synthetic images' side
COLOURS = {"red": (220, 30, 30), "blue": (30, 40, 220)}


@dataclass(frozen=True)
class Guess:
    label: str
    probability: float
    x: float
    y: float
    w: float
    h: float


# ------------------------------------------------------------------ mean average precision
def test_perfect_predictions_score_one() -> None:
    truths = [[("a", 10, 10, 50, 50), ("b", 100, 100, 40, 60)], [("a", 0, 0, 20, 20)]]
    predictions = [[Guess(t[0], 0.9, *t[1:]) for t in image] for image in truths]
    report = mean_average_precision(predictions, truths)
    assert report.mean == pytest.approx(1.0)
    assert report.per_class == {"a": pytest.approx(1.0), "b": pytest.approx(1.0)}


def test_a_missed_box_halves_recall() -> None:
    truths = [[("a", 10, 10, 50, 50)], [("a", 0, 0, 20, 20)]]
    predictions = [[Guess("a", 0.9, 10, 10, 50, 50)], []]
    assert mean_average_precision(predictions, truths).mean == pytest.approx(0.5)


def test_a_duplicate_is_a_false_positive() -> None:
    truths = [[("a", 10, 10, 50, 50)], [("a", 0, 0, 20, 20)]]
    predictions = [
        [Guess("a", 0.9, 10, 10, 50, 50), Guess("a", 0.8, 11, 10, 50, 50)],
        [Guess("a", 0.7, 0, 0, 20, 20)],
    ]
    # Ranked: hit, duplicate, hit -> recall 0.5 at precision 1, recall 1 at precision 2/3.
    assert mean_average_precision(predictions, truths).mean == pytest.approx(0.5 + 0.5 * 2 / 3)


def test_the_wrong_class_or_a_loose_box_finds_nothing() -> None:
    truths = [[("a", 10, 10, 50, 50)]]
    wrong_class = mean_average_precision([[Guess("b", 0.9, 10, 10, 50, 50)]], truths)
    assert wrong_class.per_class == {"a": 0.0}  # "b" has no true box: not scored
    loose = [[Guess("a", 0.9, 40, 40, 50, 50)]]  # IoU 400 / 4600
    assert mean_average_precision(loose, truths).mean == 0.0
    assert mean_average_precision(loose, truths, iou=0.05).mean == pytest.approx(1.0)


def test_a_low_scored_false_positive_costs_less_than_a_high_one() -> None:
    truths = [[("a", 10, 10, 50, 50)], [("a", 100, 100, 50, 50)]]
    hit_a, hit_b = Guess("a", 0.8, 10, 10, 50, 50), Guess("a", 0.7, 100, 100, 50, 50)
    low = mean_average_precision([[hit_a, Guess("a", 0.1, 200, 0, 9, 9)], [hit_b]], truths)
    high = mean_average_precision([[hit_a, Guess("a", 0.95, 200, 0, 9, 9)], [hit_b]], truths)
    assert low.mean == pytest.approx(1.0)
    assert high.mean == pytest.approx(2 / 3)


def test_map_refuses_mismatched_lists() -> None:
    with pytest.raises(ValueError, match="lists"):
        mean_average_precision([[]], [])


# ------------------------------------------------------------------------ synthetic data
def scene(rng: np.random.Generator) -> tuple[Image, list[Truth]]:
    """Return grey noise with one or two solid red or blue rectangles that do not overlap."""
    image = rng.integers(60, 190, (SIDE, SIDE, 3), dtype=np.uint8)
    truths: list[Truth] = []
    for _ in range(int(rng.integers(1, 3))):
        for _attempt in range(20):
            w, h = (int(v) for v in rng.integers(40, 100, 2))
            x, y = int(rng.integers(0, SIDE - w)), int(rng.integers(0, SIDE - h))
            if all(
                x + w <= t[1] or t[1] + t[3] <= x or y + h <= t[2] or t[2] + t[4] <= y
                for t in truths
            ):
                label = str(rng.choice(list(COLOURS)))
                image[y : y + h, x : x + w] = COLOURS[label]
                truths.append((label, x, y, w, h))
                break
    return image, truths


def plain_noise(seed: int) -> Image:
    return np.random.default_rng(seed).integers(60, 190, (SIDE, SIDE, 3), dtype=np.uint8)


@pytest.fixture(scope="module")
def maps(models_dir: Path) -> FeatureMaps:
    return FeatureMaps.load(models_dir, threads=2)


@pytest.fixture(scope="module")
def trained(maps: FeatureMaps) -> BoxDetector:
    rng = np.random.default_rng(0)
    images, boxes = zip(*(scene(rng) for _ in range(30)), strict=True)
    # Plain noise as negatives: images without boxes are allowed and teach "nothing here".
    negatives = [plain_noise(seed) for seed in range(100, 104)]
    return BoxDetector.fit(
        [*images, *negatives], [*boxes, *([] for _ in negatives)], features=maps, size=384
    )


@pytest.fixture(scope="module")
def held_out() -> tuple[list[Image], list[list[Truth]]]:
    rng = np.random.default_rng(1)
    images, boxes = zip(*(scene(rng) for _ in range(12)), strict=True)
    return list(images), list(boxes)


# ------------------------------------------------------------------------- feature maps
def test_square_letterbox_scales_the_longer_side_and_pads_with_zero() -> None:
    image = np.full((100, 50, 3), 255, dtype=np.uint8)
    fit, pixels = square_letterbox(image, 64)
    assert (fit.scale, fit.width, fit.height) == (0.64, 50, 100)
    assert pixels.shape == (1, 3, 64, 64)
    assert np.allclose(pixels[0, :, :, :32], 1.0)  # 50 * 0.64 = 32 columns of image
    assert np.all(pixels[0, :, :, 32:] == 0.0)
    with pytest.raises(ValueError, match="multiple of 32"):
        square_letterbox(image, 100)


def test_maps_have_the_documented_shapes(maps: FeatureMaps) -> None:
    _, pixels = square_letterbox(np.zeros((40, 60, 3), dtype=np.uint8), 96)
    stride16, stride32 = maps.run(pixels)
    assert stride16.shape == (1, 112, 6, 6)
    assert stride32.shape == (1, 1280, 3, 3)
    wide = np.zeros((1, 3, 64, 128), dtype=np.float32)
    assert [m.shape for m in maps.run(wide)] == [(1, 112, 4, 8), (1, 1280, 2, 4)]


# ------------------------------------------------------------------ training and detection
def test_a_trained_detector_finds_held_out_rectangles(
    trained: BoxDetector, maps: FeatureMaps, held_out: tuple[list[Image], list[list[Truth]]]
) -> None:
    images, truths = held_out
    predictions = [trained.detect(image, maps, min_score=0.05) for image in images]
    report = mean_average_precision(predictions, truths)
    assert trained.labels == ("blue", "red")
    assert report.mean > 0.8, report
    found = predictions[0]
    assert all(isinstance(d, Detection) and d.label in COLOURS for d in found)
    assert [d.probability for d in found] == sorted((d.probability for d in found), reverse=True)
    for d in found:
        assert 0 <= d.x and 0 <= d.y and d.x + d.w <= SIDE + 1e-3 and d.y + d.h <= SIDE + 1e-3


def test_plain_noise_gives_no_confident_box(trained: BoxDetector, maps: FeatureMaps) -> None:
    assert trained.detect(plain_noise(5), maps, min_score=0.5) == []


def test_detect_limits(
    trained: BoxDetector, maps: FeatureMaps, held_out: tuple[list[Image], list[list[Truth]]]
) -> None:
    image = held_out[0][0]
    assert len(trained.detect(image, maps, min_score=0.0, max_detections=1)) == 1
    with pytest.raises(ValueError, match="min_score"):
        trained.detect(image, maps, min_score=1.5)
    with pytest.raises(ValueError, match="max_detections"):
        trained.detect(image, maps, max_detections=0)


def test_fit_refuses_unusable_samples(maps: FeatureMaps) -> None:
    image = np.zeros((64, 64, 3), dtype=np.uint8)
    with pytest.raises(ValueError, match="box lists"):
        BoxDetector.fit([image], [], features=maps)
    with pytest.raises(ValueError, match="no image has a box"):
        BoxDetector.fit([image], [[]], features=maps)
    with pytest.raises(ValueError, match="outside"):
        BoxDetector.fit([image], [[("a", 70, 70, 10, 10)]], features=maps)
    with pytest.raises(ValueError, match="label"):
        BoxDetector.fit([image], [[("", 0, 0, 10, 10)]], features=maps)


# ---------------------------------------------------------------------------- artifacts
def test_the_artifact_round_trips(
    trained: BoxDetector, maps: FeatureMaps, held_out: tuple[list[Image], list[list[Truth]]]
) -> None:
    data = trained.to_bytes()
    assert len(data) < 2_000_000
    loaded = BoxDetector.from_bytes(data)
    assert loaded.labels == trained.labels and loaded.size == trained.size
    assert loaded.to_bytes() == data  # float16 weights: stable from the first save on
    image = held_out[0][0]
    before = trained.detect(image, maps, min_score=0.3)
    after = loaded.detect(image, maps, min_score=0.3)
    assert [d.label for d in after] == [d.label for d in before]
    for a, b in zip(after, before, strict=True):
        assert a.probability == pytest.approx(b.probability, abs=0.02)
        assert np.allclose((a.x, a.y, a.w, a.h), (b.x, b.y, b.w, b.h), atol=2.0)


def test_from_bytes_refuses_other_data() -> None:
    with pytest.raises(ValueError, match="artifact"):
        BoxDetector.from_bytes(b"not an npz")


def test_detecting_needs_no_torch(trained: BoxDetector, models_dir: Path, tmp_path: Path) -> None:
    artifact = tmp_path / "detector.npz"
    artifact.write_bytes(trained.to_bytes())
    code = (
        "import sys, numpy as np\n"
        "from pathlib import Path\n"
        "from vision_service.engine.box_detector import BoxDetector\n"
        "from vision_service.engine.feature_maps import FeatureMaps\n"
        "d = BoxDetector.from_bytes(Path(sys.argv[2]).read_bytes())\n"
        "d.detect(np.zeros((100, 80, 3), np.uint8), FeatureMaps.load(Path(sys.argv[1])))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'torch'))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(models_dir), str(artifact)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert out.stdout.strip() == "[]"
