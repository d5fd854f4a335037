"""softmax_lib: the softmax function and its companions, done carefully.

The library behind *The Softmax Book*. It computes softmax, log-softmax and
log-sum-exp accurately (within a few units in the last place) and fast for numpy
arrays of any shape, with one documented policy for special values (see
:mod:`softmax_lib.core`); their derivatives and the cross-entropy loss; and the
softmax-regression classifier, MNIST loader and calibration tools of chapter 5.

numpy is the only requirement. The figures (:mod:`softmax_lib.plotting`, matplotlib)
and interactive explorers (:mod:`softmax_lib.widgets`, ipywidgets) are imported on
first use, so ``import softmax_lib`` stays light. For example:

>>> import softmax_lib as sl
>>> print(sl.softmax([1.0, 2.0, 3.0, 4.0]).round(4))
[0.0321 0.0871 0.2369 0.6439]
>>> print(sl.log_softmax([1000.0, 0.0]))
[    0. -1000.]
"""

import importlib

from softmax_lib.attention import attention, tiled_attention
from softmax_lib.calibration import (
    expected_calibration_error,
    fit_temperature,
    reliability_curve,
)
from softmax_lib.core import log_softmax, logsumexp, naive_softmax, softmax, ulp_error
from softmax_lib.grad import check_gradient, softmax_jacobian, softmax_vjp
from softmax_lib.losses import cross_entropy, cross_entropy_grad, entropy
from softmax_lib.metrics import confusion_matrix
from softmax_lib.online import (
    SoftmaxState,
    merge_states,
    softmax_state,
    state_log_softmax,
    state_logsumexp,
    state_softmax,
)

__version__ = "0.1.0"

__all__ = [  # noqa: RUF022 (grouped by topic; the API page follows this order)
    # core: the functions (Chapters 1, 3 and 4)
    "softmax",
    "log_softmax",
    "logsumexp",
    "naive_softmax",
    "ulp_error",
    # grad: derivatives (Chapter 2)
    "softmax_jacobian",
    "softmax_vjp",
    "check_gradient",
    # losses (Chapters 2, 4 and 5)
    "cross_entropy",
    "cross_entropy_grad",
    "entropy",
    # the classifier, its data and its calibration (Chapter 5)
    "SoftmaxRegression",
    "load_mnist",
    "fetch_mnist",
    "read_idx",
    "MNISTError",
    "expected_calibration_error",
    "reliability_curve",
    "fit_temperature",
    "confusion_matrix",
    # online softmax, attention and Dask (Chapter 6)
    "softmax_state",
    "merge_states",
    "state_logsumexp",
    "state_softmax",
    "state_log_softmax",
    "SoftmaxState",
    "attention",
    "tiled_attention",
]

_LAZY_SUBMODULES = ("notebook", "plotting", "widgets")
# Loaded on first use too, so that `python -m softmax_lib.datasets` (the MNIST
# download) runs a module that the package has not imported already.
_LAZY_ATTRIBUTES = dict.fromkeys(
    ("MNISTError", "fetch_mnist", "load_mnist", "read_idx"), "datasets"
)
# SoftmaxRegression is a scikit-learn estimator: scikit-learn is imported on first use.
_LAZY_ATTRIBUTES["SoftmaxRegression"] = "regression"


def __getattr__(name):
    # `sl.plotting` and `sl.widgets` import matplotlib and ipywidgets on first use only.
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f"softmax_lib.{name}")
    if name in _LAZY_ATTRIBUTES:
        module = importlib.import_module(f"softmax_lib.{_LAZY_ATTRIBUTES[name]}")
        return getattr(module, name)
    raise AttributeError(f"module 'softmax_lib' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_LAZY_SUBMODULES, *_LAZY_ATTRIBUTES])
