"""cross_entropy, cross_entropy_grad and entropy."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from softmax_lib.core import log_softmax, softmax
from softmax_lib.grad import check_gradient
from softmax_lib.losses import cross_entropy, cross_entropy_grad, entropy

SETTINGS = settings(deadline=None, max_examples=100, database=None)


@st.composite
def problems(draw):
    n, k = draw(st.integers(1, 5)), draw(st.integers(2, 6))
    logits = draw(hnp.arrays(np.float64, (n, k), elements=st.floats(-10, 10)))
    labels = draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, k - 1)))
    return logits, labels


@SETTINGS
@given(problems(), st.sampled_from(["mean", "sum"]), st.sampled_from([0.0, 0.1]))
def test_gradient_matches_finite_differences(problem, reduction, smoothing):
    logits, labels = problem
    options = {"reduction": reduction, "label_smoothing": smoothing}
    error = check_gradient(
        lambda z: cross_entropy(z, labels, **options),
        logits,
        cross_entropy_grad(logits, labels, **options),
    )
    assert error < 1e-7


@SETTINGS
@given(problems())
def test_indices_equal_one_hot(problem):
    logits, labels = problem
    onehot = np.eye(logits.shape[1])[labels]
    for reduction in ("mean", "sum", "none"):
        np.testing.assert_allclose(
            cross_entropy(logits, labels, reduction=reduction),
            cross_entropy(logits, onehot, reduction=reduction),
            rtol=1e-14,
        )
    np.testing.assert_allclose(
        cross_entropy_grad(logits, labels), cross_entropy_grad(logits, onehot), atol=1e-16
    )


def test_known_values_and_reductions():
    logits = np.array([[2.0, 0.5, -1.0], [0.0, 0.0, 0.0]])
    per_sample = -log_softmax(logits)[[0, 1], [0, 2]]
    np.testing.assert_allclose(cross_entropy(logits, [0, 2], reduction="none"), per_sample)
    assert cross_entropy(logits, [0, 2]) == pytest.approx(per_sample.mean(), rel=1e-15)
    assert cross_entropy(logits, [0, 2], reduction="sum") == pytest.approx(per_sample.sum())
    grad = cross_entropy_grad(logits, [0, 2], reduction="sum")
    np.testing.assert_allclose(grad, softmax(logits) - np.eye(3)[[0, 2]], atol=1e-16)
    np.testing.assert_allclose(cross_entropy_grad(logits, [0, 2]), grad / 2, atol=1e-16)


def test_from_logits_not_log_of_softmax():
    # A confidently wrong prediction: log(softmax) would give inf.
    assert cross_entropy([0.0, -800.0], 1) == pytest.approx(800.0)
    assert cross_entropy(np.array([0.0, -80.0], dtype=np.float32), 1) == pytest.approx(80.0)


def test_label_smoothing():
    logits = np.array([1.0, 2.0, 3.0])
    eps = 0.3
    target = (1 - eps) * np.eye(3)[2] + eps / 3
    assert cross_entropy(logits, 2, label_smoothing=eps) == pytest.approx(
        -(target * log_softmax(logits)).sum(), rel=1e-15
    )
    np.testing.assert_allclose(
        cross_entropy_grad(logits, 2, label_smoothing=eps), softmax(logits) - target
    )
    assert cross_entropy(logits, 2, label_smoothing=1.0) == pytest.approx(
        -log_softmax(logits).mean()
    )
    # The same target from a probability vector (smoothing / K on every class).
    assert cross_entropy(logits, np.eye(3)[2], label_smoothing=eps) == pytest.approx(
        cross_entropy(logits, 2, label_smoothing=eps), rel=1e-15
    )
    np.testing.assert_allclose(
        cross_entropy_grad(logits, np.eye(3)[2], label_smoothing=eps),
        cross_entropy_grad(logits, 2, label_smoothing=eps),
        rtol=1e-15,
    )


@SETTINGS
@given(problems(), st.floats(0.0, 1.0))
def test_smoothed_indices_equal_smoothed_one_hot(problem, smoothing):
    # Smoothing mixes the target with the uniform distribution, 1 / K per class, whether
    # the labels are class indices or probability vectors.
    logits, labels = problem
    onehot = np.eye(logits.shape[1])[labels]
    options = {"label_smoothing": smoothing}
    for reduction in ("mean", "sum", "none"):
        np.testing.assert_allclose(
            cross_entropy(logits, labels, reduction=reduction, **options),
            cross_entropy(logits, onehot, reduction=reduction, **options),
            rtol=1e-14,
        )
    np.testing.assert_allclose(
        cross_entropy_grad(logits, labels, **options),
        cross_entropy_grad(logits, onehot, **options),
        atol=1e-16,
    )


def test_axis_and_batch_shapes():
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((4, 3, 5))  # class axis 1
    labels = rng.integers(0, 3, size=(4, 5))
    moved = np.moveaxis(logits, 1, -1)
    assert cross_entropy(logits, labels, axis=1) == pytest.approx(cross_entropy(moved, labels))
    grad = cross_entropy_grad(logits, labels, axis=1)
    assert grad.shape == logits.shape
    np.testing.assert_allclose(np.moveaxis(grad, 1, -1), cross_entropy_grad(moved, labels))
    assert cross_entropy(logits, labels, axis=1, reduction="none").shape == (4, 5)


def test_dtypes():
    logits32 = np.array([[1.0, 2.0]], dtype=np.float32)
    assert cross_entropy(logits32, [1]).dtype == np.float32
    assert cross_entropy_grad(logits32, [1]).dtype == np.float32
    assert cross_entropy([[1, 2]], [1]).dtype == np.float64
    assert cross_entropy([[1.0, 2.0]], np.array([1.0])) == cross_entropy([[1.0, 2.0]], [1])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_float16_loss_beyond_the_range_is_inf_without_warning(reduction):
    # The true loss 120000 rounds to inf in float16: the right answer, and no
    # RuntimeWarning for finite input (pytest turns one into an error).
    logits = np.array([[60000.0, -60000.0], [-60000.0, 60000.0]], dtype=np.float16)
    loss = cross_entropy(logits, [1, 0], reduction=reduction)
    assert loss.dtype == np.float16
    assert np.isposinf(loss).all()
    one_hot = cross_entropy(logits, np.array([[0.0, 1.0], [1.0, 0.0]]), reduction=reduction)
    np.testing.assert_array_equal(one_hot, loss)
    assert cross_entropy(logits[0], 1) == np.inf


def test_empty_batch_mean_is_nan_without_warning():
    assert np.isnan(cross_entropy(np.zeros((0, 3)), np.zeros(0, dtype=int)))
    assert cross_entropy(np.zeros((0, 3)), np.zeros(0, dtype=int), reduction="sum") == 0


@pytest.mark.parametrize(
    ("labels", "match"),
    [
        ([0, 3], r"labels must lie in 0..2 \(class indices for 3 classes\); got 3"),
        ([0, -1], "labels must lie in 0..2"),
        ([0.5, 1.0], "labels must be whole numbers, got 0.5"),
        ([np.nan, 1.0], "labels must be whole numbers; got nan"),
        ([[0, 1]], "shape"),
        ([0, 1, 2], "shape"),
        ([[0.5, 0.6, 0.0], [1.0, 0.0, 0.0]], "sum to 1"),
        ([[1.5, -0.5, 0.0], [1.0, 0.0, 0.0]], r"\[0, 1\]"),
    ],
)
def test_bad_labels(labels, match):
    logits = np.zeros((2, 3))
    with pytest.raises(ValueError, match=match):
        cross_entropy(logits, labels)
    with pytest.raises(ValueError, match=match):
        cross_entropy_grad(logits, labels)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"reduction": "avg"}, "reduction"),
        ({"label_smoothing": -0.1}, "label_smoothing"),
        ({"label_smoothing": 1.5}, "label_smoothing"),
    ],
)
def test_bad_options(options, match):
    with pytest.raises(ValueError, match=match):
        cross_entropy(np.zeros((2, 3)), [0, 1], **options)


def test_entropy():
    assert entropy([0.25] * 4) == pytest.approx(np.log(4), rel=1e-15)
    assert entropy([1.0, 0.0, 0.0]) == 0.0
    np.testing.assert_allclose(entropy(np.full((2, 3), 1 / 3), axis=1), [np.log(3)] * 2)
    assert entropy(np.float32([0.5, 0.5])).dtype == np.float32
    assert entropy(np.zeros((2, 0))).tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        entropy([1.5, -0.5])


@SETTINGS
@given(hnp.arrays(np.float64, st.integers(2, 10), elements=st.floats(-5, 5)))
def test_entropy_temperature_limits(logits):
    # Chapter 4: entropy goes to log K as T -> inf and is smaller for colder T.
    hot = entropy(softmax(logits, temperature=1e9))
    assert hot == pytest.approx(np.log(logits.size), rel=1e-6)
    assert entropy(softmax(logits, temperature=0.5)) <= entropy(softmax(logits)) + 1e-12


def test_labels_of_the_wrong_kind_are_a_type_error():
    for labels in ([True, False], ["a", "b"], [1j, 0j], np.array([0, 1], dtype=object)):
        with pytest.raises(TypeError, match="labels must be class indices"):
            cross_entropy(np.zeros((2, 3)), labels)


def test_whole_float_labels_are_class_indices():
    logits = np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 0.0]])
    assert cross_entropy(logits, [0.0, 2.0]) == cross_entropy(logits, [0, 2])
    np.testing.assert_array_equal(
        cross_entropy_grad(logits, np.float32([0, 2])), cross_entropy_grad(logits, [0, 2])
    )


def test_numpy_scalar_options():
    logits = np.zeros((2, 3))
    assert cross_entropy(logits, [0, 1], label_smoothing=np.float32(0.25)) == cross_entropy(
        logits, [0, 1], label_smoothing=0.25
    )
    with pytest.raises(TypeError, match="label_smoothing must be a real number"):
        cross_entropy(logits, [0, 1], label_smoothing="0.1")
