"""softmax_lib.regression.SoftmaxRegression: training, prediction, reproducibility, errors."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from softmax_lib.core import softmax
from softmax_lib.grad import check_gradient
from softmax_lib.losses import cross_entropy, cross_entropy_grad
from softmax_lib.regression import SoftmaxRegression, TrainingWarning, _rate


@pytest.fixture(scope="module")
def blobs():
    """Three well-separated Gaussian blobs in 5 dimensions."""
    rng = np.random.default_rng(1)
    centers = rng.normal(scale=4.0, size=(3, 5))
    labels = rng.integers(0, 3, size=600)
    X = centers[labels] + rng.normal(size=(600, 5))
    return X.astype(np.float32), labels


def test_learns_separable_blobs(blobs):
    X, y = blobs
    model = SoftmaxRegression(n_epochs=10, progress=False).fit(X, y)
    assert model.score(X, y) > 0.98
    assert model.coef_.shape == (3, 5)
    assert model.intercept_.shape == (3,)
    assert model.coef_.dtype == np.float32
    np.testing.assert_array_equal(model.classes_, [0, 1, 2])


def test_prediction_methods_agree(blobs):
    X, y = blobs
    model = SoftmaxRegression(n_epochs=3, progress=False).fit(X, y)
    logits = model.decision_function(X)
    np.testing.assert_allclose(logits, X @ model.coef_.T + model.intercept_, rtol=1e-6)
    np.testing.assert_allclose(model.predict_proba(X), softmax(logits), rtol=1e-6)
    np.testing.assert_array_equal(model.predict(X), logits.argmax(axis=1))
    assert model.score(X, y) == np.mean(model.predict(X) == y)


def test_training_is_reproducible_and_seeded(blobs):
    X, y = blobs
    first = SoftmaxRegression(n_epochs=2, progress=False, random_state=3).fit(X, y)
    again = SoftmaxRegression(n_epochs=2, progress=False, random_state=3).fit(X, y)
    other = SoftmaxRegression(n_epochs=2, progress=False, random_state=4).fit(X, y)
    np.testing.assert_array_equal(first.coef_, again.coef_)
    assert not np.array_equal(first.coef_, other.coef_)


def test_history_records_every_epoch(blobs):
    X, y = blobs
    model = SoftmaxRegression(n_epochs=4, progress=False).fit(X, y, X_val=X[:100], y_val=y[:100])
    history = model.history_
    assert history["epoch"] == [0, 1, 2, 3, 4]  # epoch 0: the zero weights
    for key in ("loss", "objective", "accuracy", "val_loss", "val_accuracy", "seconds"):
        assert len(history[key]) == 5
    assert history["loss"][0] == pytest.approx(np.log(3))  # uniform over 3 classes
    assert history["val_loss"][0] == pytest.approx(np.log(3))
    assert history["seconds"][0] == 0.0
    assert history["loss"][-1] < history["loss"][0]
    assert all(0 <= a <= 1 for a in history["accuracy"])
    assert history["seconds"] == sorted(history["seconds"])


def test_without_history_the_same_model_is_trained_and_only_time_is_recorded(blobs):
    X, y = blobs
    full = SoftmaxRegression(n_epochs=3, progress=False).fit(X, y)
    quick = SoftmaxRegression(n_epochs=3, progress=False, record_history=False).fit(X, y)
    np.testing.assert_array_equal(quick.coef_, full.coef_)  # bit for bit
    np.testing.assert_array_equal(quick.intercept_, full.intercept_)
    assert set(quick.history_) == {"epoch", "seconds"}
    assert quick.history_["epoch"] == [0, 1, 2, 3]
    assert quick.history_["seconds"] == sorted(quick.history_["seconds"])


def test_without_history_validation_data_is_refused_not_ignored(blobs):
    X, y = blobs
    model = SoftmaxRegression(n_epochs=1, progress=False, record_history=False)
    with pytest.raises(ValueError, match="record_history=False turns off"):
        model.fit(X, y, X_val=X[:10], y_val=y[:10])


def test_without_history_divergence_is_still_reported(blobs):
    X, y = blobs
    quiet = {"progress": False, "record_history": False}
    with pytest.warns(TrainingWarning, match="training is diverging"):
        SoftmaxRegression(n_epochs=3, learning_rate=50.0, **quiet).fit(X, y)
    model = SoftmaxRegression(n_epochs=5, learning_rate=1e30, momentum=0.0, **quiet)
    with (
        pytest.raises(ValueError, match=r"training diverged: the loss is nan"),
        pytest.warns(TrainingWarning, match="unscaled"),
    ):
        model.fit(X * 1e5, y)
    assert not hasattr(model, "coef_")


def test_loss_matches_the_gradient_it_descends(blobs):
    """The recorded objective is the cross-entropy plus the L2 penalty that fit minimises;
    the recorded losses (training and validation) are the cross-entropy alone."""
    X, y = blobs
    model = SoftmaxRegression(n_epochs=1, l2=0.1, progress=False)
    model.fit(X, y, X_val=X[:100], y_val=y[:100])
    log_probs = np.log(softmax(model.decision_function(X).astype(np.float64)))
    nll = -log_probs[np.arange(len(y)), y]
    penalty = 0.05 * np.sum(model.coef_.astype(np.float64) ** 2)
    assert model.history_["loss"][-1] == pytest.approx(nll.mean(), rel=1e-4)
    assert model.history_["objective"][-1] == pytest.approx(nll.mean() + penalty, rel=1e-4)
    assert model.history_["val_loss"][-1] == pytest.approx(nll[:100].mean(), rel=1e-4)


def test_l2_penalty_shrinks_the_weights(blobs):
    X, y = blobs
    weak = SoftmaxRegression(n_epochs=5, l2=0.0, progress=False).fit(X, y)
    strong = SoftmaxRegression(n_epochs=5, l2=1.0, progress=False).fit(X, y)
    assert np.linalg.norm(strong.coef_) < 0.5 * np.linalg.norm(weak.coef_)


def test_progress_bar_is_shown_by_default_and_silent_when_asked(blobs, capsys):
    pytest.importorskip("tqdm")
    X, y = blobs
    SoftmaxRegression(n_epochs=2).fit(X, y)
    assert "training" in capsys.readouterr().err
    SoftmaxRegression(n_epochs=2, progress=False).fit(X, y)
    captured = capsys.readouterr()
    assert captured.err == ""
    assert captured.out == ""


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"learning_rate": 0.0}, ValueError, r"learning_rate must be finite and in \(0, inf\]"),
        ({"learning_rate": float("nan")}, ValueError, "learning_rate must be finite"),
        ({"learning_rate": "0.5"}, TypeError, "learning_rate must be a real number"),
        ({"n_epochs": 0}, ValueError, "n_epochs must be an integer >= 1; got 0"),
        ({"n_epochs": 2.0}, TypeError, "n_epochs must be an integer"),
        ({"n_epochs": True}, TypeError, "n_epochs must be an integer"),
        ({"batch_size": 2.5}, TypeError, "batch_size must be an integer"),
        ({"momentum": 1.0}, ValueError, r"momentum must be finite and in \[0, 1\)"),
        ({"l2": -1.0}, ValueError, r"l2 must be finite and in \[0, inf\]"),
        ({"schedule": "step"}, ValueError, "schedule must be one of 'cosine', 'constant'"),
        ({"progress": "yes"}, TypeError, "progress must be True or False"),
        ({"record_history": 1}, TypeError, "record_history must be True or False"),
    ],
)
def test_bad_hyperparameters_are_refused_by_fit(kwargs, error, message):
    model = SoftmaxRegression(**kwargs)  # the constructor only stores them
    with pytest.raises(error, match=message):
        model.fit(np.eye(2), [0, 1])


def test_numpy_scalars_are_accepted_as_hyperparameters(blobs):
    X, y = blobs
    python = SoftmaxRegression(n_epochs=2, batch_size=64, learning_rate=0.25, progress=False)
    numpy = SoftmaxRegression(
        n_epochs=np.int64(2),
        batch_size=np.int32(64),
        learning_rate=np.float64(0.25),
        progress=np.bool_(False),
    )
    np.testing.assert_array_equal(python.fit(X, y).coef_, numpy.fit(X, y).coef_)
    assert len(numpy.history_["loss"]) == 3  # epochs 0, 1, 2


@pytest.mark.parametrize(
    ("X", "y", "error", "message"),
    [
        (np.zeros((4, 2)), np.array([0, 1, 0]), ValueError, "inconsistent numbers of samples"),
        (np.zeros(4), np.array([0, 1, 0, 1]), ValueError, "Expected 2D array"),
        (np.array([[0.0, np.nan], [1.0, 1.0]]), np.array([0, 1]), ValueError, "X contains NaN"),
        (np.array([[0.0, np.inf], [1.0, 1.0]]), np.array([0, 1]), ValueError, "X contains inf"),
        (np.eye(2), np.array([0.5, 1.0]), ValueError, "Unknown label type: continuous"),
        (np.eye(2), np.array([0.0, np.nan]), ValueError, "contains NaN"),
        (np.eye(2), np.array([[0, 1], [1, 0]]), ValueError, "y should be a 1d array"),
        (np.eye(2), np.array([1j, 2j]), ValueError, "Complex data not supported"),
        (np.eye(2), np.array([0, 0]), ValueError, r"y has 1 class \(\[0\]\)"),
        (np.zeros((0, 2)), np.array([], dtype=int), ValueError, "0 sample"),
        (np.array([["a", "b"]]), np.array([0]), TypeError, "X must be real numbers"),
        (np.array([[1j, 2.0]]), np.array([0]), TypeError, "X must be real numbers"),
        (np.array([[1.0, {}]], dtype=object), [0], TypeError, "X must hold real numbers"),
    ],
)
def test_bad_training_input_is_refused(X, y, error, message):
    with pytest.raises(error, match=message):
        SoftmaxRegression(progress=False).fit(X, y)


@pytest.mark.parametrize(
    ("y", "classes"),
    [
        (np.array([1, 2, 3, 1, 2, 3]), [1, 2, 3]),  # no phantom class 0
        (np.array([0.0, 9.0, 4.0, 0.0, 9.0, 4.0]), [0.0, 4.0, 9.0]),  # whole floats
        (np.array(["dog", "cat", "emu", "dog", "cat", "emu"]), ["cat", "dog", "emu"]),
        (np.array(["b", "a", "c", "b", "a", "c"], dtype=object), ["a", "b", "c"]),
        (np.array([True, False, True, False, True, False]), [False, True]),
        (np.array([-5, 7, 100, -5, 7, 100]), [-5, 7, 100]),
    ],
)
def test_classes_are_the_labels_seen_and_predict_returns_them(y, classes):
    order = np.searchsorted(np.sort(np.unique(y)), y)
    X = np.eye(len(classes))[order]  # one telling feature per class
    model = SoftmaxRegression(n_epochs=50, progress=False).fit(X, y)
    assert model.classes_.tolist() == classes
    assert model.coef_.shape == (len(classes), len(classes))
    np.testing.assert_array_equal(model.predict(X), y)
    assert model.score(X, y) == 1.0


def test_classes_can_be_given_when_y_lacks_some(blobs):
    X, y = blobs
    model = SoftmaxRegression(n_epochs=1, progress=False).fit(X, y, classes=range(5))
    np.testing.assert_array_equal(model.classes_, [0, 1, 2, 3, 4])
    assert model.coef_.shape == (5, 5)
    with pytest.raises(ValueError, match=r"y has labels not in classes: \[2\]"):
        SoftmaxRegression(progress=False).fit(X, y, classes=[0, 1])


def test_labels_with_gaps_in_classes_train_their_own_rows(blobs):
    # y uses classes 0, 2 and 4 of range(5): each label must train the row of its class
    # (its position in classes), not the row of its position among the labels seen.
    X, y = blobs
    y = 2 * y
    model = SoftmaxRegression(n_epochs=10, progress=False).fit(X, y, classes=range(5))
    assert model.score(X, y) > 0.95
    assert set(model.predict(X).tolist()) <= {0, 2, 4}


def test_validation_labels_must_be_known_classes(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match=r"y_val has labels the model was not trained on: \[7\]"):
        SoftmaxRegression(progress=False).fit(X, y, X_val=X[:2], y_val=[0, 7])


def test_validation_data_must_come_in_pairs(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="give both X_val and y_val"):
        SoftmaxRegression(progress=False).fit(X, y, X_val=X)
    with pytest.raises(ValueError, match="X has 4 features, but SoftmaxRegression is expecting 5"):
        SoftmaxRegression(progress=False).fit(X, y, X_val=X[:, :4], y_val=y)


def test_predicting_before_fit_is_an_error():
    model = SoftmaxRegression()
    for method in (model.predict, model.predict_proba, model.decision_function):
        with pytest.raises(NotFittedError, match="not fitted yet"):
            method(np.zeros((1, 3)))
    with pytest.raises(NotFittedError, match="not fitted yet"):
        model.score(np.zeros((1, 3)), [0])


def test_feature_count_mismatch_is_an_error(blobs):
    X, y = blobs
    model = SoftmaxRegression(n_epochs=1, progress=False).fit(X, y)
    with pytest.raises(ValueError, match="X has 4 features, but SoftmaxRegression is expecting 5"):
        model.predict(X[:, :4])


def test_input_is_not_modified(blobs):
    X, y = blobs
    X_copy, y_copy = X.copy(), y.copy()
    X.setflags(write=False)
    try:
        SoftmaxRegression(n_epochs=1, progress=False).fit(X, y)
    finally:
        X.setflags(write=True)
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(y, y_copy)


@pytest.mark.slow
def test_defaults_reach_the_target_on_the_real_mnist():
    """The issue's target: at least 92.5% test accuracy with the default settings."""
    from softmax_lib.datasets import MNISTError, load_mnist

    try:
        data = load_mnist(download=False)
    except MNISTError as exc:
        pytest.fail(f"the real MNIST is not in the cache; run 'make data' first.\n{exc}")
    model = SoftmaxRegression(progress=False).fit(data.X_train, data.y_train)
    accuracy = model.score(data.X_test, data.y_test)
    assert accuracy >= 0.925, f"test accuracy {accuracy:.4f} is below 92.5%"


def test_callback_sees_every_epoch(blobs):
    X, y = blobs
    seen = []
    SoftmaxRegression(n_epochs=3, progress=False).fit(
        X, y, callback=lambda model: seen.append(list(model.history_["epoch"]))
    )
    assert seen == [[0, 1], [0, 1, 2], [0, 1, 2, 3]]  # epoch 0 is recorded before


# --- The update itself: tests that notice a wrong gradient, bias step or schedule ---------


def reference_gradient(X, y, W, b, l2):
    """The gradient of the training objective, computed independently in float64.

    ``cross_entropy_grad`` gives dL/dz = (P - Y) / n for the mean cross-entropy; the
    chain rule through z = X W^T + b gives dL/dW = (dL/dz)^T X and dL/db = sum of rows.
    ``check_gradient`` confirms both against central differences of the objective.
    """
    X64 = X.astype(np.float64)
    dz = cross_entropy_grad(X64 @ W.T + b, y)
    grad_W = dz.T @ X64 + l2 * W
    grad_b = dz.sum(axis=0)

    def objective_W(weights):
        return cross_entropy(X64 @ weights.T + b, y) + 0.5 * l2 * np.sum(weights**2)

    assert check_gradient(objective_W, W, grad_W) < 1e-6
    assert check_gradient(lambda bias: cross_entropy(X64 @ W.T + bias, y), b, grad_b) < 1e-6
    return grad_W, grad_b


@pytest.mark.parametrize("schedule", ["constant", "cosine"])
def test_full_batch_steps_follow_the_gradient(blobs, schedule):
    """Two full-batch steps, momentum 0: W <- W - rate_t * (dL/dW + l2 W), b likewise.

    The first step starts from zero weights, where the L2 term vanishes; the second
    step starts from non-zero weights, so the L2 term counts. With the cosine schedule
    the two steps use the rates eta and eta / 2 (cos(pi * 1 / 2) = 0).
    """
    X, y = blobs
    X = X[:64] / 4.0
    y = y[:64]
    eta, l2 = 0.3, 0.05
    rates = [eta, eta] if schedule == "constant" else [eta, eta / 2]
    W, b = np.zeros((3, 5)), np.zeros(3)
    for rate in rates:
        grad_W, grad_b = reference_gradient(X, y, W, b, l2)
        W, b = W - rate * grad_W, b - rate * grad_b
    model = SoftmaxRegression(
        learning_rate=eta,
        n_epochs=2,
        batch_size=len(X),  # one batch per epoch: one step per epoch
        momentum=0.0,
        l2=l2,
        schedule=schedule,
        progress=False,
    ).fit(X, y)
    np.testing.assert_allclose(model.coef_, W, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(model.intercept_, b, rtol=1e-5, atol=1e-7)


def test_the_schedule_values():
    params = {"learning_rate": 0.5, "schedule": "cosine"}
    steps = [_rate(params, step, 8) for step in range(9)]
    expected = [0.25 * (1 + np.cos(np.pi * step / 8)) for step in range(9)]
    np.testing.assert_allclose(steps, expected, rtol=1e-15, atol=1e-15)
    assert steps[0] == 0.5
    assert steps[4] == pytest.approx(0.25)
    assert steps[8] == pytest.approx(0.0, abs=1e-15)
    assert all(np.diff(steps) < 0)
    constant = {"learning_rate": 0.5, "schedule": "constant"}
    assert [_rate(constant, step, 8) for step in range(9)] == [0.5] * 9


def test_momentum_accumulates_velocity(blobs):
    """With momentum mu, the second step is mu * (first step) - rate * gradient."""
    X, y = blobs
    X, y = X[:64] / 4.0, y[:64]
    eta, mu = 0.3, 0.9
    W, b = np.zeros((3, 5)), np.zeros(3)
    V, v = np.zeros_like(W), np.zeros_like(b)
    for _ in range(2):
        grad_W, grad_b = reference_gradient(X, y, W, b, 0.0)
        V, v = mu * V - eta * grad_W, mu * v - eta * grad_b
        W, b = W + V, b + v
    model = SoftmaxRegression(
        learning_rate=eta,
        n_epochs=2,
        batch_size=len(X),
        momentum=mu,
        l2=0.0,
        schedule="constant",
        progress=False,
    ).fit(X, y)
    np.testing.assert_allclose(model.coef_, W, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(model.intercept_, b, rtol=1e-5, atol=1e-7)


# --- Saying when training goes wrong ------------------------------------------------------


def test_unscaled_features_are_reported(blobs):
    X, y = blobs
    pixels = np.abs(X) * 50.0  # like raw 0..255 pixels
    with pytest.warns(TrainingWarning, match="the features look unscaled"):
        SoftmaxRegression(n_epochs=1, learning_rate=1e-4, progress=False).fit(pixels, y)


def test_scaled_features_train_without_a_warning(blobs, recwarn):
    X, y = blobs
    SoftmaxRegression(n_epochs=3, progress=False).fit(X, y)
    assert not [w for w in recwarn if issubclass(w.category, TrainingWarning)]


def test_a_diverging_learning_rate_is_reported(blobs):
    X, y = blobs
    with pytest.warns(TrainingWarning, match="training is diverging"):
        model = SoftmaxRegression(n_epochs=3, learning_rate=50.0, progress=False).fit(X, y)
    assert model.history_["objective"][-1] > 10 * np.log(3)


def test_an_overflowing_loss_is_an_error(blobs):
    X, y = blobs
    model = SoftmaxRegression(n_epochs=5, learning_rate=1e30, momentum=0.0, progress=False)
    with (
        pytest.raises(ValueError, match=r"training diverged: the loss is (inf|nan)"),
        pytest.warns(TrainingWarning, match="unscaled"),
    ):
        model.fit(X * 1e5, y)
    assert not hasattr(model, "coef_")  # not left half-fitted


def test_two_classes_decision_function_is_the_log_odds(blobs):
    X, y = blobs
    binary = y == 2
    model = SoftmaxRegression(n_epochs=3, progress=False).fit(X, binary)
    logits = X @ model.coef_.T + model.intercept_
    np.testing.assert_allclose(model.decision_function(X), logits[:, 1] - logits[:, 0], rtol=1e-5)
    np.testing.assert_array_equal(model.predict(X), model.decision_function(X) > 0)
    assert model.predict_proba(X).shape == (len(X), 2)


def test_import_softmax_lib_imports_numpy_only():
    """In a fresh interpreter: no scikit-learn, scipy or matplotlib until they are used."""
    code = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "import softmax_lib\n"
        "new = {name.split('.')[0] for name in set(sys.modules) - before}\n"
        "third_party = sorted(new - set(sys.stdlib_module_names) - {'numpy', 'softmax_lib'})\n"
        "print(third_party)\n"
        "softmax_lib.SoftmaxRegression\n"
        "print('sklearn' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["[]", "True"], result.stdout


def test_without_scikit_learn_the_core_works_and_the_estimator_says_what_to_install():
    code = (
        "import sys\n"
        "sys.modules['sklearn'] = None  # as if scikit-learn were not installed\n"
        "import softmax_lib\n"
        "assert softmax_lib.softmax([0.0, 0.0]).tolist() == [0.5, 0.5]\n"
        "softmax_lib.SoftmaxRegression\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 1
    assert "ImportError: softmax_lib.SoftmaxRegression needs scikit-learn" in result.stderr
    assert "pip install 'softmax-lib[sklearn]'" in result.stderr
