"""Evaluation metrics for classifiers: how often, and how, a model is wrong.

Chapter 5 (Softmax regression on MNIST) uses :func:`confusion_matrix` to see which
digits the model mistakes for which. Calibration metrics (is a confidence of 0.9 right
90% of the time?) live in :mod:`softmax_lib.calibration`.
"""

from __future__ import annotations

import numpy as np

from softmax_lib._validation import as_class_indices, check_count

__all__ = ["confusion_matrix"]


def confusion_matrix(labels, predictions, n_classes: int | None = None) -> np.ndarray:
    r"""Count how often each true class is predicted as each class.

    Parameters
    ----------
    labels : array_like of int, shape (n_samples,)
        The true classes: class indices ``0 .. n_classes - 1`` (integers, or
        whole-number floats; see the input policy in :mod:`softmax_lib._validation`).
    predictions : array_like of int, shape (n_samples,)
        The predicted classes, e.g. ``model.predict(X)`` for a model trained on
        the labels ``0 .. K - 1``.
    n_classes : int, optional
        The number of classes ``K``; default: one more than the largest class seen
        in either array (at least 2).

    Returns
    -------
    ndarray of int64, shape (K, K)
        ``confusion[i, j]`` is the number of samples of true class ``i`` predicted as
        class ``j``. The diagonal holds the correct predictions, row ``i`` sums to the
        number of samples of class ``i``, and the whole matrix sums to ``n_samples``.

    Raises
    ------
    ValueError
        If the arrays are not one-dimensional or not of the same length, hold a
        float that is not a whole number, or a class outside ``0 .. n_classes - 1``,
        or ``n_classes < 1``.
    TypeError
        If an array is not made of numbers (bool, string, object), or ``n_classes``
        is not an integer.

    See Also
    --------
    softmax_lib.plotting.plot_confusion_matrix : Draws it.
    softmax_lib.calibration.reliability_curve : How well the confidences match.

    Notes
    -----
    The accuracy is the trace divided by the total, :math:`\sum_i C_{ii} / \sum_{ij}
    C_{ij}`; the off-diagonal entries say *which* mistakes make up the rest. Rows are
    true classes and columns predictions, as in scikit-learn's function of the same
    name. Chapter 5 draws it for the MNIST test set.

    Examples
    --------
    >>> confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0])
    array([[1, 1, 0],
           [0, 1, 0],
           [1, 0, 2]])
    >>> confusion_matrix([1], [1], n_classes=2)
    array([[0, 0],
           [0, 1]])
    """
    labels = _as_classes(labels, "labels")
    predictions = _as_classes(predictions, "predictions")
    if labels.shape != predictions.shape:
        raise ValueError(
            f"labels and predictions must have the same length, got {labels.size} "
            f"and {predictions.size}"
        )
    if n_classes is None:
        largest = max(int(labels.max(initial=0)), int(predictions.max(initial=0)))
        n_classes = max(largest + 1, 2)
    else:
        n_classes = check_count(n_classes, "n_classes")
    labels = as_class_indices(labels, "labels", n_classes=n_classes)
    predictions = as_class_indices(predictions, "predictions", n_classes=n_classes)
    flat = np.bincount(labels * n_classes + predictions, minlength=n_classes * n_classes)
    return flat.reshape(n_classes, n_classes).astype(np.int64)


def _as_classes(values, name: str) -> np.ndarray:
    values = np.asarray(values)
    if values.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {values.shape}")
    return as_class_indices(values, name)
