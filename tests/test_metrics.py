"""softmax_lib.metrics: the confusion matrix counts every (true, predicted) pair once."""

from __future__ import annotations

import numpy as np
import pytest

from softmax_lib.metrics import confusion_matrix


def test_counts_every_pair_against_a_loop():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 4, size=500)
    predictions = np.where(rng.random(500) < 0.7, labels, rng.integers(0, 4, size=500))
    confusion = confusion_matrix(labels, predictions, 4)
    expected = np.zeros((4, 4), dtype=np.int64)
    for true, predicted in zip(labels, predictions, strict=True):
        expected[true, predicted] += 1
    np.testing.assert_array_equal(confusion, expected)
    assert confusion.dtype == np.int64
    assert confusion.sum() == 500
    np.testing.assert_array_equal(confusion.sum(axis=1), np.bincount(labels, minlength=4))
    assert np.trace(confusion) / 500 == np.mean(labels == predictions)


def test_n_classes_defaults_to_the_largest_class_seen_and_can_be_larger():
    assert confusion_matrix([0, 1], [2, 1]).shape == (3, 3)
    assert confusion_matrix([0, 0], [0, 0]).shape == (2, 2)
    assert confusion_matrix([0], [0], n_classes=10).shape == (10, 10)
    assert confusion_matrix(np.array([], dtype=int), np.array([], dtype=int), 3).sum() == 0


@pytest.mark.parametrize(
    ("labels", "predictions", "n_classes", "message"),
    [
        ([0, 1], [0], None, "same length"),
        ([[0, 1]], [[0, 1]], None, "one-dimensional"),
        ([0.5, 1.0], [0, 1], None, "labels must be whole numbers, got 0.5"),
        ([0, 3], [0, 1], 3, "labels must lie in 0..2"),
        ([0, 1], [-1, 1], 3, "predictions must lie"),
        ([0, 1], [0, 1], 0, "n_classes must be an integer >= 1; got 0"),
    ],
)
def test_rejects_bad_input(labels, predictions, n_classes, message):
    with pytest.raises(ValueError, match=message):
        confusion_matrix(labels, predictions, n_classes)


def test_the_input_policy():
    # Whole-number floats are class indices; numpy integers are counts.
    np.testing.assert_array_equal(
        confusion_matrix(np.array([0.0, 2.0]), [0, 2]), confusion_matrix([0, 2], [0, 2])
    )
    assert confusion_matrix([0, 1], [1, 1], n_classes=np.int64(3)).shape == (3, 3)
    # Not numbers, or not a count: TypeError.
    for labels in (["a", "b"], [True, False], np.array([0, 1], dtype=object)):
        with pytest.raises(TypeError, match="labels must be class indices"):
            confusion_matrix(labels, [0, 1])
    with pytest.raises(TypeError, match="n_classes must be an integer"):
        confusion_matrix([0, 1], [0, 1], n_classes=2.0)
