r"""Calibration: do the predicted probabilities match how often the model is right?

A classifier is *calibrated* when, among the inputs to which it gives confidence
about 0.8, it is right about 80% of the time. Softmax outputs are not calibrated by
default; a trained network is often over-confident :cite:p:`guo2017calibration`.
This module measures calibration (:func:`reliability_curve`,
:func:`expected_calibration_error`) and fixes much of it with *temperature
scaling* (:func:`fit_temperature`): one scalar :math:`T`, fitted on held-out data,
that divides every logit. Since :math:`T > 0` never changes the arg max, the
accuracy stays exactly the same.

Chapter 4 (Temperature) introduces temperature; Chapter 5 (Softmax regression on
MNIST) measures and fixes the calibration of the MNIST classifier.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from softmax_lib._validation import as_class_indices, as_float_array, check_count, check_real
from softmax_lib.core import log_softmax, softmax

__all__ = [
    "ReliabilityCurve",
    "expected_calibration_error",
    "fit_temperature",
    "reliability_curve",
]


class ReliabilityCurve(NamedTuple):
    """Per-bin statistics of a reliability diagram (empty bins hold NaN and count 0).

    What :func:`reliability_curve` returns, for
    :func:`softmax_lib.plotting.plot_reliability_diagram`.

    Attributes
    ----------
    bin_edges : ndarray of shape (n_bins + 1,)
        The edges of the equal-width confidence bins on [0, 1].
    confidence : ndarray of shape (n_bins,)
        The mean confidence (largest probability) of the samples in each bin.
    accuracy : ndarray of shape (n_bins,)
        How often the most probable class is right, per bin.
    count : ndarray of int, shape (n_bins,)
        The number of samples per bin.
    """

    bin_edges: np.ndarray
    confidence: np.ndarray
    accuracy: np.ndarray
    count: np.ndarray


def reliability_curve(probs, labels, *, n_bins: int = 15) -> ReliabilityCurve:
    r"""Bin the predictions by confidence; return mean confidence and accuracy per bin.

    Parameters
    ----------
    probs : array_like of shape (n_samples, n_classes)
        Predicted probabilities (rows sum to 1).
    labels : array_like of shape (n_samples,)
        True class indices ``0 .. n_classes - 1`` (integers, or whole-number
        floats; see the input policy in :mod:`softmax_lib._validation`).
    n_bins : int, default 15
        Number of equal-width bins on [0, 1].

    Returns
    -------
    ReliabilityCurve
        ``bin_edges`` (n_bins + 1,), and per bin the mean ``confidence`` (the
        largest probability), the ``accuracy`` (how often that class is right) and
        the ``count`` of samples.

    Raises
    ------
    ValueError
        If the shapes do not match, ``probs`` has NaN or infinity, a label is out
        of range or not a whole number, or ``n_bins < 1``.
    TypeError
        If ``probs`` or ``labels`` is not made of numbers of the accepted kinds, or
        ``n_bins`` is not an integer.

    See Also
    --------
    expected_calibration_error : The weighted gap between the two curves.

    Examples
    --------
    >>> import numpy as np
    >>> probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.4, 0.6]])
    >>> curve = reliability_curve(probs, [0, 1, 1, 1], n_bins=2)
    >>> curve.count, curve.confidence.round(3), curve.accuracy
    (array([0, 4]), array([  nan, 0.75]), array([ nan, 0.75]))
    """
    probs, labels = _check(probs, labels)
    n_bins = check_count(n_bins, "n_bins")
    confidence = probs.max(axis=1)
    correct = probs.argmax(axis=1) == labels
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    # Bins are (lo, hi]; a confidence of exactly 0 cannot occur for K >= 1.
    index = np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, n_bins - 1)
    count = np.bincount(index, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_confidence = np.bincount(index, confidence, n_bins) / count
        accuracy = np.bincount(index, correct.astype(float), n_bins) / count
    return ReliabilityCurve(edges, mean_confidence, accuracy, count)


def expected_calibration_error(probs, labels, *, n_bins: int = 15) -> float:
    r"""Expected calibration error (ECE): the mean gap between confidence and accuracy.

    Parameters
    ----------
    probs : array_like of shape (n_samples, n_classes)
        Predicted probabilities.
    labels : array_like of shape (n_samples,)
        True class indices ``0 .. n_classes - 1`` (integers, or whole-number
        floats; see the input policy in :mod:`softmax_lib._validation`).
    n_bins : int, default 15
        Number of equal-width confidence bins.

    Returns
    -------
    float
        :math:`\mathrm{ECE} = \sum_b \frac{n_b}{n} \lvert \mathrm{acc}_b - \mathrm{conf}_b \rvert`,
        between 0 (perfectly calibrated) and 1.

    Raises
    ------
    ValueError, TypeError
        As in :func:`reliability_curve`.

    See Also
    --------
    reliability_curve : The per-bin numbers.

    Notes
    -----
    The binned estimator of :cite:t:`naeini2015obtaining`, with 15 bins as in
    :cite:t:`guo2017calibration`. It depends on the binning; compare values
    computed with the same ``n_bins``.

    Examples
    --------
    >>> import numpy as np
    >>> probs = np.array([[0.9, 0.1], [0.9, 0.1], [0.6, 0.4], [0.6, 0.4]])
    >>> round(expected_calibration_error(probs, [0, 1, 0, 0], n_bins=10), 3)
    0.4
    """
    curve = reliability_curve(probs, labels, n_bins=n_bins)
    filled = curve.count > 0
    weights = curve.count[filled] / curve.count.sum()
    gaps = np.abs(curve.accuracy[filled] - curve.confidence[filled])
    return float(np.sum(weights * gaps))


def fit_temperature(logits, labels, *, max_iter: int = 100, tol: float = 1e-10) -> float:
    r"""Fit the temperature :math:`T` that minimises the cross-entropy of ``softmax(logits / T)``.

    Parameters
    ----------
    logits : array_like of shape (n_samples, n_classes)
        Logits of held-out data, not of the data the model was trained on: a
        model's confidence on its own training data says little about new data.
        (Chapter 5's MNIST model, trained with an L2 penalty, is even
        *under*-confident on its training data, fitted :math:`T = 0.935 < 1`,
        and close to calibrated on held-out data, :math:`T \approx 0.99`; a
        network trained until it fits its training data is over-confident
        there.)
    labels : array_like of shape (n_samples,)
        True class indices ``0 .. n_classes - 1`` (integers, or whole-number
        floats; see the input policy in :mod:`softmax_lib._validation`).
    max_iter : int, default 100
        Maximum number of Newton steps.
    tol : float, default 1e-10
        Stop when a step changes :math:`1/T` by less than this (relatively).

    Returns
    -------
    float
        The fitted temperature :math:`T > 0`. Use it as
        ``softmax(logits, temperature=T)``.

    Raises
    ------
    ValueError
        For bad shapes or labels (as in :func:`reliability_curve`), logits that
        are all equal in every row (then every temperature gives the same loss),
        ``max_iter < 1`` or ``tol <= 0``.
    TypeError
        If ``logits`` or ``labels`` is not made of numbers of the accepted kinds,
        ``max_iter`` is not an integer or ``tol`` not a real number.

    Notes
    -----
    The mean negative log-likelihood as a function of :math:`\beta = 1/T`,

    .. math::

        \mathrm{NLL}(\beta) = \frac{1}{n}\sum_n
        \bigl(\operatorname{logsumexp}(\beta z_n) - \beta z_{n,y_n}\bigr),

    is convex, with derivative :math:`\frac{1}{n}\sum_n (\mathbb{E}_{p}[z_n] - z_{n,y_n})`
    and second derivative :math:`\frac{1}{n}\sum_n \operatorname{Var}_{p}[z_n] \ge 0`,
    where :math:`p = \operatorname{softmax}(\beta z_n)`. Newton's method with
    step halving finds its minimum in a few iterations. Method of
    :cite:t:`guo2017calibration`.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> true_logits = rng.normal(size=(2000, 5))
    >>> labels = np.array([rng.choice(5, p=p) for p in softmax(true_logits)])
    >>> overconfident = 3.0 * true_logits
    >>> print(round(fit_temperature(overconfident, labels), 1))
    3.0
    """
    logits, labels = _check(logits, labels, probabilities=False)
    max_iter = check_count(max_iter, "max_iter")
    tol = check_real(tol, "tol", low=0.0, low_open=True)
    rows = np.arange(len(labels))
    true_logit = logits[rows, labels]
    if np.all(np.ptp(logits, axis=1) == 0):
        raise ValueError("every row of logits is constant: the temperature has no effect")

    def nll(beta: float) -> float:
        return float(np.mean(-log_softmax(beta * logits)[rows, labels]))

    beta = 1.0
    loss = nll(beta)
    for _ in range(max_iter):
        probs = softmax(beta * logits)
        mean = np.sum(probs * logits, axis=1)
        gradient = float(np.mean(mean - true_logit))
        curvature = float(np.mean(np.sum(probs * (logits - mean[:, None]) ** 2, axis=1)))
        step = gradient / curvature if curvature > 0 else math.copysign(beta, -gradient)
        # Newton step, halved until the loss does not increase and beta stays positive.
        while True:
            candidate = beta - step
            if candidate > 0:
                candidate_loss = nll(candidate)
                if candidate_loss <= loss:
                    break
            step /= 2.0
            if abs(step) < tol * beta:
                return 1.0 / beta
        converged = abs(candidate - beta) < tol * beta
        beta, loss = candidate, candidate_loss
        if converged:
            break
    return 1.0 / beta


def _check(probs, labels, *, probabilities: bool = True):
    what = "probs" if probabilities else "logits"
    probs = as_float_array(probs, what).astype(np.float64, copy=False)
    if probs.ndim != 2 or probs.shape[0] == 0 or probs.shape[1] < 2:
        raise ValueError(f"{what} must have shape (n_samples, n_classes >= 2), got {probs.shape}")
    if not np.isfinite(probs).all():
        raise ValueError(f"{what} contains NaN or infinity")
    labels = as_class_indices(labels, "labels", n_classes=probs.shape[1], shape=(len(probs),))
    return probs, labels
