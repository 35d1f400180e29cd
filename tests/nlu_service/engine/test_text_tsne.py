"""t-SNE projections for any number of points."""

from __future__ import annotations

import numpy as np
import pytest

from nlu_service.engine import tsne_points


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, 40])
@pytest.mark.parametrize("n_components", [2, 3])
def test_tsne_shapes(n: int, n_components: int) -> None:
    rng = np.random.default_rng(0)
    points = tsne_points(rng.standard_normal((n, 384)).astype(np.float32), n_components)
    assert points.shape == (n, n_components)
    assert points.dtype == np.float32
    assert np.isfinite(points).all()


def test_tsne_keeps_clusters_apart_and_is_deterministic() -> None:
    rng = np.random.default_rng(0)
    a = rng.standard_normal((15, 32)) * 0.05 + 1.0
    b = rng.standard_normal((15, 32)) * 0.05 - 1.0
    x = np.concatenate([a, b]).astype(np.float32)
    points = tsne_points(x, perplexity=5.0, seed=3)
    assert np.array_equal(points, tsne_points(x, perplexity=5.0, seed=3))
    centre_a, centre_b = points[:15].mean(axis=0), points[15:].mean(axis=0)
    spread = max(points[:15].std(axis=0).max(), points[15:].std(axis=0).max())
    assert np.linalg.norm(centre_a - centre_b) > 3 * spread


def test_tsne_refuses_bad_arguments() -> None:
    x = np.zeros((5, 4), dtype=np.float32)
    with pytest.raises(ValueError):
        tsne_points(x, n_components=4)
    with pytest.raises(ValueError):
        tsne_points(x, n_components=1)
    with pytest.raises(ValueError):
        tsne_points(np.zeros(5, dtype=np.float32))
