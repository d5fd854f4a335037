"""softmax_lib.calibration: reliability curve, ECE and temperature scaling."""

from __future__ import annotations

import numpy as np
import pytest

from softmax_lib.calibration import (
    expected_calibration_error,
    fit_temperature,
    reliability_curve,
)
from softmax_lib.core import softmax


def sample_labels(rng, probs):
    """Draw one label per row from the categorical distribution in that row."""
    cumulative = probs.cumsum(axis=1)
    draws = rng.random((len(probs), 1))
    return np.minimum((draws > cumulative).sum(axis=1), probs.shape[1] - 1)


@pytest.fixture(scope="module")
def calibrated():
    """Logits and labels drawn from softmax(logits): calibrated by construction."""
    rng = np.random.default_rng(0)
    logits = 2.0 * rng.normal(size=(20_000, 10))
    return logits, sample_labels(rng, softmax(logits))


def test_calibrated_predictions_have_small_ece(calibrated):
    logits, labels = calibrated
    assert expected_calibration_error(softmax(logits), labels) < 0.015


def test_overconfident_predictions_have_large_ece(calibrated):
    logits, labels = calibrated
    assert expected_calibration_error(softmax(3.0 * logits), labels) > 0.1


@pytest.mark.parametrize("scale", [0.5, 1.0, 3.0])
def test_fit_temperature_recovers_the_scale(calibrated, scale):
    logits, labels = calibrated
    assert fit_temperature(scale * logits, labels) == pytest.approx(scale, rel=0.03)


def test_temperature_scaling_keeps_predictions_and_lowers_ece(calibrated):
    logits, labels = calibrated
    over = 3.0 * logits
    temperature = fit_temperature(over, labels)
    before = softmax(over)
    after = softmax(over, temperature=temperature)
    np.testing.assert_array_equal(before.argmax(axis=1), after.argmax(axis=1))
    assert expected_calibration_error(after, labels) < expected_calibration_error(before, labels)


def test_reliability_curve_counts_and_means():
    probs = np.array([[0.95, 0.05], [0.85, 0.15], [0.55, 0.45], [0.18, 0.82]])
    curve = reliability_curve(probs, [0, 1, 0, 1], n_bins=5)
    np.testing.assert_allclose(curve.bin_edges, [0, 0.2, 0.4, 0.6, 0.8, 1.0])
    np.testing.assert_array_equal(curve.count, [0, 0, 1, 0, 3])
    assert curve.confidence[4] == pytest.approx((0.95 + 0.85 + 0.82) / 3)
    assert curve.accuracy[4] == pytest.approx(2 / 3)
    assert curve.accuracy[2] == 1.0
    assert np.isnan(curve.accuracy[0])
    assert curve.count.sum() == 4
    # Bins are (lo, hi]: a confidence of exactly 0.8 belongs to (0.6, 0.8].
    edge = reliability_curve(np.array([[0.8, 0.2]]), [0], n_bins=5)
    np.testing.assert_array_equal(edge.count, [0, 0, 0, 1, 0])


def test_ece_is_the_weighted_gap():
    probs = np.array([[0.9, 0.1], [0.9, 0.1], [0.6, 0.4], [0.6, 0.4]])
    # Bin (0.8, 0.9]: confidence 0.9, accuracy 0.5; bin (0.5, 0.6]: 0.6 and 1.0.
    assert expected_calibration_error(probs, [0, 1, 0, 0], n_bins=10) == pytest.approx(
        0.5 * 0.4 + 0.5 * 0.4
    )


def test_ece_weights_each_bin_by_its_share_of_the_samples():
    probs = np.array([[0.9, 0.1], [0.9, 0.1], [0.9, 0.1], [0.6, 0.4]])
    # Bin (0.8, 0.9]: 3 of 4 samples, confidence 0.9, accuracy 2/3; bin (0.5, 0.6]: 1 of
    # 4, confidence 0.6, accuracy 1. ECE = sum_b n_b / n |acc_b - conf_b| (an unweighted
    # mean of the two gaps would be 0.317).
    expected = 0.75 * (0.9 - 2 / 3) + 0.25 * (1.0 - 0.6)
    assert expected == pytest.approx(0.275)
    assert expected_calibration_error(probs, [0, 0, 1, 0], n_bins=10) == pytest.approx(
        expected, rel=1e-12
    )


@pytest.mark.parametrize(
    ("probs", "labels", "message"),
    [
        (np.ones((3,)), [0, 0, 0], "must have shape"),
        (np.ones((3, 1)), [0, 0, 0], "must have shape"),
        (np.full((2, 2), 0.5), [0, 2], r"labels must lie in 0..1"),
        (np.full((2, 2), 0.5), [0, 1, 1], r"labels must have shape \(2,\); got \(3,\)"),
        (np.full((2, 2), 0.5), [0.5, 1.0], "labels must be whole numbers, got 0.5"),
        (np.array([[np.nan, 0.5], [0.5, 0.5]]), [0, 1], "NaN or infinity"),
    ],
)
def test_bad_input_is_refused(probs, labels, message):
    with pytest.raises(ValueError, match=message):
        expected_calibration_error(probs, labels)


def test_bad_bins_and_constant_logits_are_refused():
    with pytest.raises(ValueError, match="n_bins must be an integer >= 1"):
        reliability_curve(np.full((2, 2), 0.5), [0, 1], n_bins=0)
    with pytest.raises(ValueError, match="every row of logits is constant"):
        fit_temperature(np.zeros((3, 4)), [0, 1, 2])


def test_the_input_policy():
    probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    ece = expected_calibration_error(probs, [0, 1, 1])
    # Whole-number floats are class indices; numpy integers are counts.
    assert expected_calibration_error(probs, np.array([0.0, 1.0, 1.0])) == ece
    assert expected_calibration_error(probs, [0, 1, 1], n_bins=np.int64(15)) == ece
    assert fit_temperature(np.log(probs), [0.0, 1.0, 1.0], max_iter=np.int32(50)) > 0
    # Not numbers, or not a count: TypeError.
    for labels in (["a", "b", "b"], [True, False, False]):
        with pytest.raises(TypeError, match="labels must be class indices"):
            reliability_curve(probs, labels)
    with pytest.raises(TypeError, match="logits must be real numbers"):
        fit_temperature(probs.astype(complex), [0, 1, 1])
    with pytest.raises(TypeError, match="n_bins must be an integer"):
        reliability_curve(probs, [0, 1, 1], n_bins=10.0)
    with pytest.raises(ValueError, match="tol must be finite"):
        fit_temperature(probs, [0, 1, 1], tol=0.0)


@pytest.mark.slow
def test_the_chapter_5_model_is_under_confident_on_its_training_data():
    """What fit_temperature's docstring says: T = 0.935 on training data, about 0.99 held out."""
    from softmax_lib.datasets import load_mnist
    from softmax_lib.regression import SoftmaxRegression

    X, y, _, _ = load_mnist(download=False)
    model = SoftmaxRegression(progress=False).fit(X[:50_000], y[:50_000])
    on_training = fit_temperature(model.decision_function(X[:50_000]), y[:50_000])
    held_out = fit_temperature(model.decision_function(X[50_000:]), y[50_000:])
    assert round(on_training, 3) == 0.935
    assert held_out == pytest.approx(0.99, abs=0.01)
