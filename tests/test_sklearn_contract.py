"""SoftmaxRegression is a scikit-learn estimator: scikit-learn's own checks, and its tools.

``parametrize_with_checks`` runs every check of ``sklearn.utils.estimator_checks``
that applies to a classifier (55 with scikit-learn 1.9). One is expected to fail,
listed with the reason in ``EXPECTED_FAILED_CHECKS``; scikit-learn marks it xfail
(strict: if it starts to pass, the test fails, and the entry must go).

Two more are skipped by scikit-learn itself, depending on the environment, not on
the estimator:

- ``check_classifier_data_not_an_array`` needs pandas, which is not a dependency of
  this project (pandas installed, it runs; so does ``test_feature_names_from_a_data_frame``
  below);
- ``check_array_api_input`` runs only with ``SCIPY_ARRAY_API=1`` and array-api-strict
  installed; SoftmaxRegression computes with numpy and does not claim array-API
  support (its ``array_api_support`` tag is False).
"""

from __future__ import annotations

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")

from sklearn.base import clone  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from softmax_lib.regression import SoftmaxRegression  # noqa: E402

EXPECTED_FAILED_CHECKS = {
    "check_complex_data": (
        "softmax_lib's input policy (softmax_lib._validation) makes complex input a"
        " TypeError everywhere, as in softmax(); scikit-learn's check wants a ValueError"
    ),
}


def _estimators():
    # Silent, and a few epochs more than the default on the checks' tiny data sets.
    return [SoftmaxRegression(progress=False, n_epochs=30)]


@parametrize_with_checks(
    _estimators(), expected_failed_checks=lambda estimator: EXPECTED_FAILED_CHECKS
)
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 4))
    y = np.digitize(X[:, 0] + X[:, 1], [-0.7, 0.7])
    return X, np.array(["ant", "bee", "cat"])[y]


def test_params_round_trip_and_clone():
    model = SoftmaxRegression(l2=0.1, n_epochs=3)
    params = model.get_params()
    assert params["l2"] == 0.1
    assert params["n_epochs"] == 3
    assert set(params) == {
        "learning_rate",
        "n_epochs",
        "batch_size",
        "momentum",
        "l2",
        "schedule",
        "random_state",
        "progress",
        "record_history",
    }
    assert model.set_params(l2=0.2) is model
    assert model.l2 == 0.2
    twin = clone(model)
    assert twin is not model
    assert twin.get_params() == model.get_params()
    assert repr(twin) == "SoftmaxRegression(l2=0.2, n_epochs=3)"


def test_hyper_parameters_are_checked_in_fit_not_in_the_constructor(data):
    X, y = data
    model = SoftmaxRegression(learning_rate=-1.0)  # no error yet
    with pytest.raises(ValueError, match=r"learning_rate must be finite and in \(0, inf\]"):
        model.fit(X, y)


def test_not_fitted_error_before_fit(data):
    X, y = data
    model = SoftmaxRegression()
    for method in (model.predict, model.predict_proba, model.decision_function):
        with pytest.raises(NotFittedError):
            method(X)
    with pytest.raises(NotFittedError):
        model.score(X, y)


def test_pipeline_grid_search_and_cross_validation(data):
    X, y = data
    pipeline = make_pipeline(StandardScaler(), SoftmaxRegression(progress=False))
    assert pipeline.fit(X, y).score(X, y) > 0.9
    assert set(pipeline.predict(X)) <= {"ant", "bee", "cat"}
    search = GridSearchCV(
        SoftmaxRegression(progress=False), {"l2": [0.0, 0.1], "n_epochs": [2, 5]}, cv=3
    ).fit(X, y)
    assert search.best_params_["l2"] in (0.0, 0.1)
    assert search.best_estimator_.classes_.tolist() == ["ant", "bee", "cat"]
    scores = cross_val_score(SoftmaxRegression(progress=False), X, y, cv=3)
    assert scores.shape == (3,)
    assert scores.min() > 0.8


def test_feature_names_from_a_data_frame(data):
    pandas = pytest.importorskip("pandas")
    X, y = data
    frame = pandas.DataFrame(X, columns=["a", "b", "c", "d"])
    model = SoftmaxRegression(n_epochs=2, progress=False).fit(frame, y)
    assert model.feature_names_in_.tolist() == ["a", "b", "c", "d"]
    assert model.n_features_in_ == 4
