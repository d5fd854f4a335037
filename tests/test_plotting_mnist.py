"""The chapter 5 figures draw exactly the numbers they are given (checked on the Axes)."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from softmax_lib import plotting
from softmax_lib.calibration import reliability_curve
from softmax_lib.metrics import confusion_matrix


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def tile(grid: np.ndarray, top: int, left: int) -> np.ndarray:
    return np.asarray(grid[top : top + 28, left : left + 28])


def assert_labelled(ax):
    assert ax.get_title(), "every figure needs a title"
    assert ax.get_xlabel() or not ax.get_xticks().size, "axis label or an image without ticks"


def test_plot_digits_tiles_every_image_and_writes_its_label(rng):
    images = rng.random((12, 784))
    labels = rng.integers(0, 10, 12)
    predictions = labels.copy()
    predictions[[2, 7]] = (labels[[2, 7]] + 1) % 10
    ax = plotting.plot_digits(images, labels, predictions=predictions, n_cols=5)
    grid = ax.images[0].get_array()
    assert grid.shape == (3 * 38 - 2, 5 * 30 - 2)
    for k in range(12):
        top, left = (k // 5) * 38, (k % 5) * 30
        np.testing.assert_array_equal(tile(grid, top, left), images[k].reshape(28, 28))
    texts = [t.get_text() for t in ax.texts]
    assert texts[0] == str(labels[0])
    assert texts[2] == f"{labels[2]} → {predictions[2]}"
    assert ax.texts[2].get_color() == plotting.common.HIGHLIGHT_COLOR
    assert ax.images[0].get_clim() == (0.0, 1.0)
    assert ax.get_title() == "sample digits"
    assert not ax.get_xticks().size


def test_plot_digits_accepts_square_images_and_rejects_bad_shapes(rng):
    ax = plotting.plot_digits(rng.random((3, 28, 28)))
    assert ax.images[0].get_array().shape == (28, 3 * 30 - 2)
    assert not ax.texts
    with pytest.raises(ValueError, match="images must have shape"):
        plotting.plot_digits(rng.random((3, 100)))
    with pytest.raises(ValueError, match="one entry per image"):
        plotting.plot_digits(rng.random((3, 784)), [1, 2])


def test_plot_weight_images_draws_each_row_of_the_weights_centred_at_zero(rng):
    coef = rng.normal(size=(10, 784))
    ax = plotting.plot_weight_images(coef)
    grid = ax.images[0].get_array()
    for k in range(10):
        row, col = divmod(k, 5)
        top = 7 * (row + 1) + 30 * row
        np.testing.assert_array_equal(tile(grid, top, 30 * col), coef[k].reshape(28, 28))
    vmax = np.abs(coef).max()
    assert ax.images[0].get_clim() == (-vmax, vmax)
    assert ax.images[0].get_cmap().name.startswith("RdBu_r")
    assert [t.get_text() for t in ax.texts] == [str(d) for d in range(10)]
    assert len(ax.figure.axes) == 2, "a colour bar"
    assert "evidence for" in ax.figure.axes[1].get_ylabel()
    assert_labelled(ax)


def test_plot_confusion_matrix_writes_every_count_in_its_cell(rng):
    labels = rng.integers(0, 10, 400)
    predictions = np.where(rng.random(400) < 0.8, labels, rng.integers(0, 10, 400))
    confusion = confusion_matrix(labels, predictions, 10)
    ax = plotting.plot_confusion_matrix(confusion)
    np.testing.assert_array_equal(ax.images[0].get_array(), confusion)
    for i in range(10):
        for j in range(10):
            text = ax.texts[i * 10 + j]
            assert text.get_text() == str(confusion[i, j])
            assert text.get_position() == (j, i)
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(d) for d in range(10)]
    assert_labelled(ax)
    with pytest.raises(ValueError, match="square"):
        plotting.plot_confusion_matrix(np.zeros((2, 3)))


def test_plot_reliability_diagram_bars_are_the_accuracy_of_the_filled_bins(rng):
    probs = rng.dirichlet(np.ones(4) * 0.3, size=500)
    labels = rng.integers(0, 4, 500)
    curve = reliability_curve(probs, labels, n_bins=10)
    ax = plotting.plot_reliability_diagram(curve, ece=0.1234)
    filled = curve.count > 0
    heights = [bar.get_height() for bar in ax.containers[0]]
    np.testing.assert_allclose(heights, curve.accuracy[filled])
    lefts = [bar.get_x() for bar in ax.containers[0]]
    np.testing.assert_allclose(lefts, curve.bin_edges[:-1][filled])
    tops = [bar.get_y() + bar.get_height() for bar in ax.containers[1]]
    np.testing.assert_allclose(tops, curve.confidence[filled])
    assert any(t.get_text() == "ECE = 0.1234" for t in ax.texts)
    assert_labelled(ax)
    counts = ax.count_axes  # the panel under the diagram: how many in each bin
    np.testing.assert_array_equal(
        [bar.get_height() for bar in counts.containers[0]], curve.count[filled]
    )
    assert [t.get_text() for t in counts.texts] == [f"{n:,}" for n in curve.count[filled]]
    assert counts.get_yscale() == "log"
    assert_labelled(counts)
    assert plotting.plot_reliability_diagram(curve, counts=False).count_axes is None


def test_plot_learning_curves_draws_the_history(rng):
    history = {
        "epoch": [1, 2, 3],
        "loss": [0.5, 0.4, 0.3],
        "accuracy": [0.8, 0.85, 0.9],
        "val_loss": [0.55, 0.45, 0.4],
        "val_accuracy": [0.78, 0.82, 0.86],
    }
    for metric in ("loss", "accuracy"):
        _, ax = plt.subplots()
        plotting.plot_learning_curves(history, metric, ax=ax)
        assert [line.get_ydata().tolist() for line in ax.lines] == [
            history[metric],
            history[f"val_{metric}"],
        ]
        assert ax.lines[0].get_xdata().tolist() == [1, 2, 3]
        assert_labelled(ax)
    ax = plotting.plot_learning_curves({"epoch": [1], "loss": [0.2]})
    assert len(ax.lines) == 1
    assert ax.get_ylabel() == "mean cross-entropy (no penalty)", "says what it holds"
    ax = plotting.plot_learning_curves({"epoch": [0, 1], "objective": [2.3, 0.3]}, "objective")
    assert ax.get_ylabel() == "cross-entropy + L2 penalty"
    with pytest.raises(ValueError, match="no 'accuracy'"):
        plotting.plot_learning_curves({"epoch": [1], "loss": [0.2]}, "accuracy")


def test_plot_prediction_draws_the_digit_the_probabilities_and_the_evidence(rng):
    image = rng.random(784)
    probs = rng.dirichlet(np.ones(10))
    evidence = rng.normal(size=784)
    _, ax = plt.subplots(figsize=(8, 2.5))
    bars = plotting.plot_prediction(image, probs, 3, evidence=evidence, ax=ax)
    assert bars is ax
    np.testing.assert_allclose([b.get_height() for b in bars.patches], probs)
    digit_ax, evidence_ax = (a for a in ax.figure.axes if a is not ax)
    np.testing.assert_array_equal(digit_ax.images[0].get_array(), image.reshape(28, 28))
    np.testing.assert_array_equal(evidence_ax.images[0].get_array(), evidence.reshape(28, 28))
    predicted = int(np.argmax(probs))
    assert evidence_ax.get_title() == f"evidence for {predicted}"
    assert bars.patches[3].get_facecolor() != bars.patches[(3 + 1) % 10].get_facecolor()
    assert bars.get_xticklabels()[3].get_color() == plotting.common.HIGHLIGHT_COLOR
    assert any(t.get_text() == f"{probs[predicted]:.3f}" for t in bars.texts)
    for a in ax.figure.axes:
        assert_labelled(a)


def test_plot_prediction_says_whether_the_prediction_is_right():
    probs = np.full(10, 0.01)
    probs[4] = 0.91
    ax = plotting.plot_prediction(np.zeros(784), probs, 4)
    assert ax.figure.axes[1].get_title() == "a 4, predicted 4 ✓"
    ax = plotting.plot_prediction(np.zeros(784), probs)
    assert ax.figure.axes[1].get_title() == "predicted 4"
    with pytest.raises(ValueError, match="10 entries"):
        plotting.plot_prediction(np.zeros(784), [0.5, 0.5])
    ax = plotting.plot_prediction(np.zeros(784), probs[::-1], 8)  # 0.91 on the 5
    assert ax.figure.axes[1].get_title() == "an 8, predicted 5", "an 8, not a 8"


def test_plot_evidence_map_is_centred_at_zero(rng):
    evidence = rng.normal(size=(28, 28))
    ax = plotting.plot_evidence_map(evidence, title="evidence for 7")
    vmax = np.abs(evidence).max()
    assert ax.images[0].get_clim() == (-vmax, vmax)
    np.testing.assert_array_equal(ax.images[0].get_array(), evidence)
    assert ax.get_title() == "evidence for 7"
    assert_labelled(ax)
