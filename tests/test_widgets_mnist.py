"""The MNIST explorer, without a kernel: pick images, check the bars, evidence and readout.

A tiny model on random 28 x 28 images keeps it fast; chapter 5 uses the real MNIST.
"""

from __future__ import annotations

import json
import re

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from softmax_lib import widgets
from softmax_lib.regression import SoftmaxRegression


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    labels = np.arange(300) % 10
    images = rng.random((300, 784)).astype(np.float32) * 0.5
    images[np.arange(300), labels * 70] = 1.0  # one telling pixel per class
    images[:30] = rng.random((30, 784))  # and some hard cases
    model = SoftmaxRegression(n_epochs=3, progress=False).fit(images, labels)
    return model, images, labels


def spec_of(html: str) -> dict:
    match = re.search(
        r'<script type="application/json" class="sm-explorer-data">(.*?)</script>', html
    )
    assert match, "the HTML view has no data"
    return json.loads(match.group(1))


def expected_readout(model, image) -> str:
    probs = model.predict_proba(image[None])[0]
    c = int(np.argmax(probs))
    logit = model.decision_function(image[None])[0, c]
    pixels = float(np.sum(model.coef_[c] * image, dtype=np.float64))
    shown = ", ".join(f"{p:.3f}" for p in probs)
    bias = float(model.intercept_[c])
    return (
        f"p(0..9) = ({shown}); predicted {c} with p = {probs[c]:.3f}; logit z{c} = "
        f"{pixels:.2f} (pixels) {'-' if bias < 0 else '+'} {abs(bias):.2f} (bias) = {logit:.2f}"
    )


def test_the_live_view_redraws_when_another_image_is_picked(data):
    model, images, labels = data
    explorer = widgets.mnist_explorer(model, images, labels, indices=[31, 0, 5, 42])
    explorer.widget  # noqa: B018  (build the ipywidgets view without a kernel)
    dropdown = explorer._inputs["image"]
    for name, index in zip(dropdown.options, [31, 0, 5, 42], strict=True):
        dropdown.value = name[1]  # what picking an entry does
        probs = model.predict_proba(images[index][None])[0]
        np.testing.assert_array_equal([b.get_height() for b in explorer.ax.patches], probs)
        np.testing.assert_array_equal(explorer.result["probs"], probs)
        assert explorer.result["index"] == index
        assert explorer.result["label"] == labels[index]
        readout = expected_readout(model, images[index])
        assert explorer.readout() == readout
        assert explorer._readout_widget.value == readout
        assert readout in explorer._image.value  # the alt text of the live image
        predicted = int(np.argmax(probs))
        article = "an" if labels[index] == 8 else "a"
        assert name[0] == f"image {index}: {article} {labels[index]}"
        assert explorer.ax.get_title() == f"test image {index}: {article} {labels[index]}"
        digit_ax = explorer.figure.axes[1]
        title = f"{article} {labels[index]}, predicted {predicted}"
        assert digit_ax.get_title().startswith(title)
        np.testing.assert_array_equal(
            digit_ax.images[0].get_array(), images[index].reshape(28, 28)
        )


def test_the_evidence_map_adds_up_to_the_logit(data):
    model, images, labels = data
    explorer = widgets.mnist_explorer(model, images, labels, indices=[3, 4])
    for value in explorer.controls[0].values:
        result = explorer.set(image=value).result
        c, x = result["predicted"], images[result["index"]]
        np.testing.assert_array_equal(result["evidence"], model.coef_[c] * x)
        total = np.sum(result["evidence"], dtype=np.float64) + result["bias"]
        np.testing.assert_allclose(total, result["logits"][c], rtol=1e-5, atol=1e-5)
        evidence_ax = explorer.figure.axes[-1]
        np.testing.assert_array_equal(
            evidence_ax.images[0].get_array(), result["evidence"].reshape(28, 28)
        )
        assert evidence_ax.get_title() == f"evidence for {c}"


def test_the_website_view_has_one_frame_per_image_with_its_readout(data):
    model, images, labels = data
    explorer = widgets.mnist_explorer(model, images, labels, indices=[0, 1, 2])
    spec = spec_of(explorer.to_html())
    assert spec["kind"] == "mnist"
    assert spec["mode"] == "frames"
    (control,) = spec["controls"]
    assert control["kind"] == "dropdown"
    assert len(spec["frames"]) == len(control["values"]) == 3
    for frame, index in zip(spec["frames"], [0, 1, 2], strict=True):
        assert frame["readout"] == expected_readout(model, images[index])
        assert frame["src"].startswith("data:image/png;base64,")
        assert frame["alt"].startswith("A digit, a bar chart of its ten probabilities")
        assert f"test image {index}: a {labels[index]}." in frame["alt"]


def test_the_default_choice_mixes_right_hesitant_and_confident_wrong_images(data):
    model, images, labels = data
    explorer = widgets.mnist_explorer(model, images, labels, n_images=10)
    names = explorer.controls[0].values
    assert len(names) == len(set(names)) == 10
    probs = model.predict_proba(images)
    predicted = probs.argmax(axis=1)
    wrong = np.flatnonzero(predicted != labels)
    mistakes = [n for n in names if n.endswith("(wrong)")]
    assert len(mistakes) == min(3, wrong.size) > 0
    most_confident = wrong[np.argsort(-probs[wrong].max(axis=1))][: len(mistakes)]
    indices = [int(re.match(r"image (\d+): an? (\d) ", n).group(1)) for n in mistakes]
    assert indices == list(most_confident)
    assert sum(n.endswith("(hesitant)") for n in names) == 2
    assert names[0].endswith("(right)")
    for name in names:  # "image 3: a 0 (right)": index, true digit, kind
        index, digit = re.match(r"image (\d+): an? (\d) \(", name).groups()
        assert int(digit) == labels[int(index)]


def test_bad_input_is_rejected(data):
    model, images, labels = data
    with pytest.raises(ValueError, match="shape"):
        widgets.mnist_explorer(model, images[:, :100], labels)
    with pytest.raises(ValueError, match="shape"):
        widgets.mnist_explorer(model, images, labels[:5])
    with pytest.raises(ValueError, match="frames"):
        widgets.mnist_explorer(model, images, labels, indices=range(widgets.MAX_FRAMES + 1))
    small = SoftmaxRegression(n_epochs=1, progress=False).fit(images[:, :784], labels % 3)
    with pytest.raises(ValueError, match="10 classes"):
        widgets.mnist_explorer(small, images, labels)


class _Training:
    """A stand-in for a model during fit: the history grows one epoch at a time."""

    n_epochs = 5

    def __init__(self):
        self.history_ = {"epoch": [0], "loss": [2.3], "accuracy": [0.1]}

    def step(self):
        epoch = self.history_["epoch"][-1] + 1
        self.history_["epoch"].append(epoch)
        self.history_["loss"].append(2.3 / (epoch + 1))
        self.history_["accuracy"].append(1 - 0.9 / (epoch + 1))
        return self


def test_live_curves_draw_the_first_and_last_epoch_and_skip_fast_ones_between():
    def redraws(callback, model):  # a redraw makes new Line2D objects
        seen, lines = [], None
        for _ in range(model.n_epochs):
            callback(model.step())
            now = callback.figure.axes[0].lines[0]
            seen.append(now is not lines)
            lines = now
        return seen

    slow = redraws(widgets.live_learning_curves(min_interval=3600), _Training())
    assert slow == [True, False, False, False, True]  # the first and the last epoch
    every = redraws(widgets.live_learning_curves(min_interval=0), _Training())
    assert every == [True] * 5


def test_live_curves_need_a_recorded_history():
    callback = widgets.live_learning_curves()
    model = _Training()
    model.history_ = {"epoch": [0, 1], "seconds": [0.0, 0.1]}  # record_history=False
    with pytest.raises(ValueError, match="record_history=True"):
        callback(model)
    with pytest.raises(ValueError, match="min_interval must be finite"):
        widgets.live_learning_curves(min_interval=-1)
