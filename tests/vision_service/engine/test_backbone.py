"""The image backbone: input layout, shapes, batching, determinism and telling images apart."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from vision_service.engine import ImageBackbone, ModelsMissing, to_pixels

SIZE = 320


@pytest.fixture(scope="module")
def backbone(models_dir: Path) -> ImageBackbone:
    """Return the image backbone built by `make models`."""
    return ImageBackbone.load(models_dir, threads=2)


def solid(rgb: tuple[int, int, int]) -> npt.NDArray[np.uint8]:
    image = np.zeros((SIZE, SIZE, 3), dtype=np.uint8)
    image[:] = rgb
    return image


def stripes(period: int = 16, shift: int = 0) -> npt.NDArray[np.uint8]:
    """Return black and white horizontal stripes."""
    rows = ((np.arange(SIZE) + shift) // (period // 2)) % 2 == 0
    image = np.zeros((SIZE, SIZE, 3), dtype=np.uint8)
    image[rows] = 255
    return image


def noise(seed: int) -> npt.NDArray[np.uint8]:
    return np.random.default_rng(seed).integers(0, 256, (SIZE, SIZE, 3), dtype=np.uint8)


def cosine(a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_load_without_models_says_how_to_build_them(tmp_path: Path) -> None:
    with pytest.raises(ModelsMissing, match="make models") as caught:
        ImageBackbone.load(tmp_path)
    assert isinstance(caught.value, FileNotFoundError)


def test_load_of_a_half_written_build_names_the_missing_file(tmp_path: Path) -> None:
    folder = tmp_path / "efficientnet_lite0"
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({"dim": 1280, "input_size": 320}))
    with pytest.raises(ModelsMissing, match=r"model\.onnx.*make models"):
        ImageBackbone.load(tmp_path)


def test_load_refuses_a_build_of_another_shape(tmp_path: Path, models_dir: Path) -> None:
    folder = tmp_path / "efficientnet_lite0"
    folder.mkdir()
    (folder / "model.onnx").write_bytes((models_dir / "efficientnet_lite0/model.onnx").read_bytes())
    (folder / "manifest.json").write_text(json.dumps({"dim": 512, "input_size": 320}))
    with pytest.raises(ValueError, match="expected 1280"):
        ImageBackbone.load(tmp_path)


def test_load_reads_the_manifest(backbone: ImageBackbone) -> None:
    assert backbone.dim == 1280
    assert backbone.input_size == 320
    assert backbone.manifest["name"] == "efficientnet-lite0"
    assert backbone.manifest["precision"] == "fp32"
    assert backbone.manifest["output"]["l2_normalised"] is False


def test_to_pixels_scales_to_minus_one_one_channels_first() -> None:
    image = solid((255, 0, 0))
    image[0, 1] = (128, 64, 255)
    pixels = to_pixels(image)
    assert pixels.shape == (3, SIZE, SIZE)
    assert pixels.dtype == np.float32
    assert pixels.flags.c_contiguous
    # Red is channel 0: RGB order is kept.
    assert np.all(pixels[0, 1:] == 1.0)
    assert np.all(pixels[1:, 1:] == -1.0)
    np.testing.assert_allclose(pixels[:, 0, 1], [128 / 127.5 - 1, 64 / 127.5 - 1, 1.0], atol=1e-6)


def test_to_pixels_takes_a_stack() -> None:
    stack = np.stack([solid((0, 0, 0)), noise(1)])
    pixels = to_pixels(stack)
    assert pixels.shape == (2, 3, SIZE, SIZE)
    np.testing.assert_array_equal(pixels[1], to_pixels(stack[1]))


def test_to_pixels_refuses_other_layouts() -> None:
    with pytest.raises(TypeError, match="uint8"):
        to_pixels(solid((1, 2, 3)).astype(np.float32))
    with pytest.raises(ValueError, match="shape"):
        to_pixels(np.zeros((SIZE, SIZE), dtype=np.uint8))
    with pytest.raises(ValueError, match="shape"):
        to_pixels(np.zeros((3, SIZE, SIZE), dtype=np.uint8))
    with pytest.raises(ValueError, match="shape"):
        to_pixels(np.zeros((100, 100, 3), dtype=np.uint8))


def test_features_are_float32_rows_of_1280(backbone: ImageBackbone) -> None:
    got = backbone.features(to_pixels(np.stack([solid((200, 30, 30)), noise(2)])))
    assert got.shape == (2, 1280)
    assert got.dtype == np.float32
    assert np.all(np.isfinite(got))
    # Pooled after ReLU6: unnormalised, non-negative, not all zero.
    assert got.min() >= 0.0
    assert np.all(np.linalg.norm(got, axis=1) > 1.0)
    assert backbone.features(np.zeros((0, 3, SIZE, SIZE), dtype=np.float32)).shape == (0, 1280)


def test_features_are_deterministic(backbone: ImageBackbone) -> None:
    pixels = to_pixels(np.stack([noise(3), stripes()]))
    np.testing.assert_array_equal(backbone.features(pixels), backbone.features(pixels))


def test_a_batch_equals_its_images_one_by_one(backbone: ImageBackbone) -> None:
    pixels = to_pixels(np.stack([solid((10, 200, 90)), stripes(), noise(4)]))
    batch = backbone.features(pixels)
    singles = np.concatenate([backbone.features(pixels[i : i + 1]) for i in range(3)])
    np.testing.assert_allclose(batch, singles, rtol=1e-4, atol=1e-4)
    chunked = backbone.features(pixels, batch_size=2)
    np.testing.assert_allclose(chunked, batch, rtol=1e-4, atol=1e-4)


def test_features_tell_images_apart(backbone: ImageBackbone) -> None:
    red, striped, shifted = backbone.features(
        to_pixels(np.stack([solid((220, 20, 20)), stripes(), stripes(shift=3)]))
    )
    assert cosine(red, striped) < 0.99
    # A small shift of the same pattern stays much closer than a different image.
    assert cosine(striped, shifted) > cosine(striped, red) + 0.1


def test_features_refuse_other_layouts(backbone: ImageBackbone) -> None:
    with pytest.raises(ValueError, match=r"\[n, 3, 320, 320\]"):
        backbone.features(np.zeros((1, SIZE, SIZE, 3), dtype=np.float32))
    with pytest.raises(ValueError, match=r"\[n, 3, 320, 320\]"):
        backbone.features(np.zeros((3, SIZE, SIZE), dtype=np.float32))
    with pytest.raises(TypeError, match="float32"):
        backbone.features(np.zeros((1, 3, SIZE, SIZE), dtype=np.float64))
    with pytest.raises(ValueError, match="batch_size"):
        backbone.features(np.zeros((1, 3, SIZE, SIZE), dtype=np.float32), batch_size=0)


def test_the_backbone_runs_without_torch(models_dir: Path) -> None:
    code = (
        "import sys, numpy as np\n"
        "from pathlib import Path\n"
        "from vision_service.engine import ImageBackbone, to_pixels\n"
        "b = ImageBackbone.load(Path(sys.argv[1]))\n"
        "b.features(to_pixels(np.zeros((320, 320, 3), np.uint8))[None])\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'efficientnet_lite_pytorch')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(models_dir)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert out.stdout.strip() == "[]"
