"""Image assessment: a ridge regression head on backbone features, scored with numpy.

`ImageRegressor.fit(features, values)` chooses the ridge penalty by leave-one-out
cross-validation (scikit-learn's `RidgeCV`, efficient closed form) over a log grid and keeps
the weights; `predict` is one dot product. `evaluate` gives the figures a training run
reports: MAE, RMSE and R² (R² is None when the true values do not vary).

    head = ImageRegressor.fit(train_features, train_values)
    head.predict(test_features)             # float64 [n]
    RegressionReport.of(truth, predicted)   # mae, rmse, r2, n
"""

from __future__ import annotations

import io
import math
import zipfile
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from nlu_service.engine._npz import npz_bytes

FORMAT = "baobab-image-regressor-1"
ALPHAS = tuple(float(a) for a in np.geomspace(1e-3, 1e3, 13))


@dataclass(frozen=True)
class RegressionReport:
    """How well predictions match the truth on one set of samples."""

    n: int
    mae: float
    rmse: float
    r2: float | None

    @classmethod
    def of(cls, truth: npt.ArrayLike, predicted: npt.ArrayLike) -> RegressionReport:
        y = np.asarray(truth, dtype=np.float64)
        p = np.asarray(predicted, dtype=np.float64)
        if y.shape != p.shape or y.ndim != 1 or len(y) == 0:
            raise ValueError("truth and predictions must be two non-empty vectors of one length")
        error = p - y
        spread = float(((y - y.mean()) ** 2).sum())
        r2 = None if spread == 0.0 else 1.0 - float((error**2).sum()) / spread
        return cls(
            n=len(y),
            mae=float(np.abs(error).mean()),
            rmse=math.sqrt(float((error**2).mean())),
            r2=r2,
        )


class ImageRegressor:
    """A linear map from unit feature vectors to one number."""

    def __init__(self, weights: np.ndarray, bias: float, alpha: float) -> None:
        self.weights = np.asarray(weights, dtype=np.float32)
        if self.weights.ndim != 1:
            raise ValueError("weights must be a vector")
        self.bias = float(bias)
        self.alpha = float(alpha)

    @property
    def dim(self) -> int:
        return len(self.weights)

    @property
    def nbytes(self) -> int:
        return int(self.weights.nbytes)

    @classmethod
    def fit(cls, features: npt.ArrayLike, values: npt.ArrayLike) -> ImageRegressor:
        """Return the ridge head of the values on the features; ValueError on bad input."""
        from sklearn.linear_model import RidgeCV

        x = np.asarray(features, dtype=np.float64)
        y = np.asarray(values, dtype=np.float64)
        if x.ndim != 2 or y.ndim != 1 or len(x) != len(y):
            raise ValueError("features must be [n, d] and values [n]")
        if len(y) < 2:
            raise ValueError("a regressor needs at least 2 samples")
        if not (np.isfinite(x).all() and np.isfinite(y).all()):
            raise ValueError("features and values must be finite numbers")
        model = RidgeCV(alphas=ALPHAS).fit(x, y)
        return cls(model.coef_, float(model.intercept_), float(model.alpha_))

    def predict(self, features: npt.ArrayLike) -> npt.NDArray[np.float64]:
        x = np.asarray(features, dtype=np.float32)
        if x.ndim != 2 or x.shape[1] != self.dim:
            raise ValueError(f"features must be [n, {self.dim}]")
        out: npt.NDArray[np.float64] = (x @ self.weights).astype(np.float64) + self.bias
        return out

    def to_bytes(self) -> bytes:
        return npz_bytes(
            format=np.array(FORMAT),
            weights=self.weights,
            bias=np.array(self.bias),
            alpha=np.array(self.alpha),
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> ImageRegressor:
        """Return the head `to_bytes` stored; ValueError when the bytes are not one."""
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as z:
                arrays: dict[str, Any] = {k: z[k] for k in z.files}
        except (OSError, EOFError, KeyError, ValueError, zipfile.BadZipFile) as exc:
            raise ValueError(f"not an image regressor artifact: {exc}") from exc
        if str(arrays.get("format")) != FORMAT or not {"weights", "bias", "alpha"} <= set(arrays):
            raise ValueError("not an image regressor artifact")
        return cls(arrays["weights"], float(arrays["bias"]), float(arrays["alpha"]))
