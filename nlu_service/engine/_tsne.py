"""t-SNE projections of embeddings, for plotting a model's samples."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def tsne_points(
    embeddings: npt.ArrayLike,
    n_components: int = 2,
    perplexity: float = 30.0,
    learning_rate: float = 200.0,
    seed: int = 0,
) -> npt.NDArray[np.float32]:
    """Return float32 points [n, n_components] laid out by t-SNE (deterministic per seed).

    Works for any n: perplexity is clamped below n, one point sits at the origin.
    """
    if n_components not in (2, 3):
        raise ValueError(f"n_components must be 2 or 3, got {n_components}")
    if perplexity <= 0 or learning_rate <= 0:
        raise ValueError("perplexity and learning_rate must be positive")
    x = np.asarray(embeddings, dtype=np.float32)
    if x.ndim != 2:
        raise ValueError(f"embeddings must be a 2-D array, got shape {x.shape}")
    n = x.shape[0]
    if n <= 1:
        return np.zeros((n, n_components), dtype=np.float32)

    from sklearn.manifold import TSNE

    # scikit-learn requires perplexity < n; a third of n keeps tiny sets well-behaved.
    perplexity = float(min(perplexity, max(1.0, (n - 1) / 3)))
    # PCA initialisation needs at least n_components samples and features.
    init = "pca" if min(n, x.shape[1]) > n_components else "random"
    model = TSNE(
        n_components=n_components,
        perplexity=perplexity,
        learning_rate=learning_rate,
        init=init,
        random_state=seed,
        method="barnes_hut" if n > 2 * n_components else "exact",
    )
    return np.asarray(model.fit_transform(x), dtype=np.float32)
