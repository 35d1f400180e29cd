"""The image regression head: fit, predict, report, round trip."""

from __future__ import annotations

import numpy as np
import pytest

from vision_service.engine.regression import ImageRegressor, RegressionReport


def data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 16))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    true_w = rng.normal(size=16)
    return x.astype(np.float32), x @ true_w + 3.0


def test_fits_a_linear_signal_and_predicts_new_points() -> None:
    x, y = data(200)
    head = ImageRegressor.fit(x[:150], y[:150])
    report = RegressionReport.of(y[150:], head.predict(x[150:]))
    baseline = RegressionReport.of(y[150:], np.full(50, y[:150].mean()))
    assert report.r2 is not None and report.r2 > 0.95
    assert report.mae < baseline.mae / 4
    assert head.alpha in [float(a) for a in np.geomspace(1e-3, 1e3, 13)]


def test_report_figures() -> None:
    r = RegressionReport.of([1.0, 2.0, 3.0], [1.0, 2.0, 5.0])
    assert r.n == 3 and r.mae == pytest.approx(2 / 3) and r.rmse == pytest.approx((4 / 3) ** 0.5)
    assert r.r2 == pytest.approx(1 - 4 / 2)
    assert RegressionReport.of([2.0, 2.0], [1.0, 3.0]).r2 is None
    with pytest.raises(ValueError):
        RegressionReport.of([], [])


def test_round_trip_is_exact_and_bad_bytes_are_refused() -> None:
    x, y = data(40)
    head = ImageRegressor.fit(x, y)
    again = ImageRegressor.from_bytes(head.to_bytes())
    assert np.array_equal(again.predict(x), head.predict(x))
    assert head.to_bytes() == again.to_bytes()
    for bad in (b"", b"not a zip", head.to_bytes()[:50]):
        with pytest.raises(ValueError):
            ImageRegressor.from_bytes(bad)


def test_bad_training_input_is_refused() -> None:
    x, y = data(10)
    with pytest.raises(ValueError):
        ImageRegressor.fit(x[:1], y[:1])
    with pytest.raises(ValueError):
        ImageRegressor.fit(x, y[:5])
    y_bad = y.copy()
    y_bad[0] = np.nan
    with pytest.raises(ValueError):
        ImageRegressor.fit(x, y_bad)
    with pytest.raises(ValueError):
        ImageRegressor.fit(x, y).predict(np.zeros((2, 3)))
