r"""Cross-entropy from logits, its gradient, and the entropy of a distribution.

The cross-entropy of a target distribution :math:`y` and the model's
:math:`p = \operatorname{softmax}(z)` is

.. math::

    L(z, y) = -\sum_i y_i \log p_i = -\sum_i y_i \operatorname{log\_softmax}(z)_i,
    \qquad \frac{\partial L}{\partial z} = p - y .

It is computed from the logits through :func:`softmax_lib.core.log_softmax`,
never as ``log(softmax(z))``, which underflows to ``log(0) = -inf`` for a
confidently wrong prediction. All functions follow the special-value policy in
:mod:`softmax_lib.core`.
"""

import numpy as np

from softmax_lib._validation import (
    as_class_indices,
    as_float_array,
    check_choice,
    check_real,
    normalize_axes,
)
from softmax_lib.core import log_softmax, softmax

__all__ = ["cross_entropy", "cross_entropy_grad", "entropy"]

_REDUCTIONS = ("mean", "sum", "none")


def _parse(logits, labels, axis, label_smoothing, reduction):
    """Validate the arguments of the cross-entropy functions.

    Returns ``(z, indices, target, ax)`` where ``z`` holds the logits with the
    class axis moved last, and either ``indices`` (integer class indices,
    batch-shaped) or ``target`` (dense targets shaped like ``z``) is set.
    """
    logits = as_float_array(logits, "logits")
    if logits.ndim == 0:
        raise ValueError("logits must have at least one dimension (the classes)")
    (ax,) = normalize_axes(axis, logits.ndim)
    check_choice(reduction, "reduction", _REDUCTIONS)
    smoothing = check_real(label_smoothing, "label_smoothing", low=0.0, high=1.0)
    z = np.moveaxis(logits, ax, -1)
    n_classes = z.shape[-1]
    labels = np.asarray(labels)
    if labels.ndim == logits.ndim:
        # Probability vectors (or one-hot rows) along the class axis.
        if labels.shape != logits.shape:
            raise ValueError(
                f"probability labels must have the shape of logits {logits.shape}; "
                f"got {labels.shape}"
            )
        target = np.moveaxis(as_float_array(labels, "labels"), ax, -1).astype(np.float64)
        finite = target[np.isfinite(target)]
        if finite.size and (finite.min() < 0.0 or finite.max() > 1.0):
            raise ValueError("probability labels must lie in [0, 1]")
        sums = target.sum(axis=-1)
        tolerance = (
            1e-6
            + 4
            * n_classes
            * np.finfo(labels.dtype if labels.dtype.kind == "f" else np.float64).eps
        )
        if (np.abs(sums[np.isfinite(sums)] - 1.0) > tolerance).any():
            raise ValueError("probability labels must sum to 1 along the class axis")
        if smoothing:
            target = (1.0 - smoothing) * target + smoothing / n_classes
        return z, None, target, ax
    if labels.ndim != logits.ndim - 1 or labels.shape != z.shape[:-1]:
        raise ValueError(
            f"labels must be class indices of shape {z.shape[:-1]} or probabilities of "
            f"shape {logits.shape}; got shape {labels.shape}"
        )
    labels = as_class_indices(labels, "labels", n_classes=n_classes)
    if smoothing:
        target = np.full(z.shape, smoothing / n_classes)
        np.put_along_axis(target, labels[..., None], 1.0 - smoothing + smoothing / n_classes, -1)
        return z, None, target, ax
    return z, labels.astype(np.intp), None, ax


def _reduce(values, reduction, dtype):
    """Reduce the float64 losses and round once to ``dtype``.

    A loss beyond the range of ``dtype`` (float16 tops out at 65504) rounds to
    inf, the correctly rounded answer, without numpy's overflow warning.
    """
    with np.errstate(over="ignore"):
        if reduction == "none":
            return values.astype(dtype)[()]
        total = values.sum()
        if reduction == "mean":
            total = total / values.size if values.size else np.nan
        return dtype.type(total)


def cross_entropy(logits, labels, *, axis=-1, label_smoothing=0.0, reduction="mean"):
    r"""Cross-entropy loss computed from logits.

    Parameters
    ----------
    logits : array_like
        Unnormalised scores; the class axis is ``axis``, the other axes are a
        batch. Booleans and integers become float64.
    labels : array_like
        Either class indices (integers ``0 .. K - 1``, or whole-number floats;
        shape of ``logits`` without ``axis``) or probability vectors (shape of
        ``logits``, each summing to 1 along ``axis``, e.g. one-hot rows). See
        the input policy in :mod:`softmax_lib._validation`.
    axis : int, optional
        The class axis (default: the last).
    label_smoothing : float, optional
        :math:`\varepsilon \in [0, 1]`: the target becomes
        :math:`(1 - \varepsilon) y + \varepsilon / K`.
    reduction : {"mean", "sum", "none"}, optional
        Average over the batch, sum, or return the per-sample losses.

    Returns
    -------
    loss : scalar or ndarray
        In the floating dtype of ``logits``; batch-shaped for ``"none"``.

    Raises
    ------
    ValueError
        For a wrong ``labels`` shape, a class index out of range, class indices
        that are not whole numbers, probability labels outside [0, 1] or not
        summing to 1, ``label_smoothing`` outside [0, 1], or an unknown
        ``reduction``.
    TypeError
        If ``logits`` is complex, object or string, class indices are not
        numbers (bool, string, object), or ``label_smoothing`` is not a number.
    numpy.exceptions.AxisError
        If ``axis`` is out of range.

    See Also
    --------
    cross_entropy_grad : Its gradient, :math:`p - y`.
    softmax_lib.core.log_softmax : The accurate log-probabilities used here.

    Notes
    -----
    :math:`L_n = -\sum_i y_{ni} \operatorname{log\_softmax}(z_n)_i`; for a
    class index :math:`c` this is :math:`-\operatorname{log\_softmax}(z_n)_c`,
    which stays finite and accurate for a confidently wrong prediction
    :cite:p:`goodfellow2016deep` where
    ``-log(softmax(z))`` would give ``inf``. Terms with :math:`y_i = 0` are 0
    even where the log-probability is -inf. Label smoothing is that of
    :cite:t:`szegedy2016rethinking`.
    The mean over an empty batch is NaN.

    See the special-value policy in :mod:`softmax_lib.core`: a NaN logit makes
    that sample's loss NaN; a -inf logit on the true class gives +inf.
    Chapter 2 (The derivative) derives the gradient, Chapter 3 (The overflow
    trick) why the loss is computed from the logits.

    References
    ----------
    I. Goodfellow, Y. Bengio and A. Courville, "Deep Learning", MIT
    Press, 2016, section 6.2.2.3.

    C. Szegedy et al., "Rethinking the Inception architecture for
    computer vision", CVPR 2016 (label smoothing).

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_lib.losses import cross_entropy
    >>> logits = np.array([[2.0, 0.5, -1.0], [0.0, 0.0, 0.0]])
    >>> print(f"{cross_entropy(logits, [0, 2]):.4f}")
    0.6700
    >>> print(cross_entropy(logits, [0, 2], reduction="none").round(4))
    [0.2413 1.0986]
    >>> print(f"{cross_entropy([1000.0, -1000.0], 1):.1f}")  # no overflow, no inf
    2000.0
    """
    z, indices, target, _ = _parse(logits, labels, axis, label_smoothing, reduction)
    # float16/float32 logits convert to float64 exactly; the loss is then
    # rounded once to their dtype.
    logp = log_softmax(z.astype(np.float64), axis=-1)
    if indices is not None:
        losses = -np.take_along_axis(logp, indices[..., None], axis=-1)[..., 0]
    else:
        # 0 * log(0) = 0: skip the terms whose target is 0 (no 0 * -inf).
        terms = np.zeros(logp.shape)
        np.multiply(target, logp, out=terms, where=target != 0)
        losses = -terms.sum(axis=-1)
    return _reduce(losses, reduction, z.dtype)


def cross_entropy_grad(logits, labels, *, axis=-1, label_smoothing=0.0, reduction="mean"):
    r"""Gradient of :func:`cross_entropy` with respect to the logits: :math:`p - y`.

    Parameters
    ----------
    logits, labels, axis, label_smoothing, reduction
        As in :func:`cross_entropy`.

    Returns
    -------
    grad : ndarray
        Shape and floating dtype of ``logits``: :math:`\operatorname{softmax}(z)
        - y`, divided by the batch size for ``"mean"``. For ``"sum"`` and
        ``"none"`` it is not scaled (row :math:`n` is the gradient of sample
        :math:`n`'s loss).

    Raises
    ------
    ValueError, TypeError, numpy.exceptions.AxisError
        As in :func:`cross_entropy`.

    See Also
    --------
    cross_entropy : The loss.
    softmax_lib.grad.check_gradient : Verifies this against finite differences.

    Notes
    -----
    :math:`\partial L / \partial z_i = p_i - y_i`: the softmax Jacobian
    :math:`\operatorname{diag}(p) - pp^\top` times :math:`-y / p` collapses to
    this simple difference (using :math:`\sum_i y_i = 1`). Each entry is
    computed from :func:`softmax_lib.core.softmax` with one subtraction.

    See the special-value policy in :mod:`softmax_lib.core`: a NaN logit makes
    that sample's gradient row NaN. Chapter 2 (The derivative) derives it.

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_lib.losses import cross_entropy_grad
    >>> print(cross_entropy_grad([0.0, 0.0], 1).round(2))
    [ 0.5 -0.5]
    >>> print(cross_entropy_grad([[0.0, 0.0], [0.0, 0.0]], [1, 0]).round(2))
    [[ 0.25 -0.25]
     [-0.25  0.25]]
    """
    z, indices, target, ax = _parse(logits, labels, axis, label_smoothing, reduction)
    grad = softmax(z.astype(np.float64), axis=-1)
    if indices is not None:
        rows = np.take_along_axis(grad, indices[..., None], axis=-1) - 1.0
        np.put_along_axis(grad, indices[..., None], rows, axis=-1)
    else:
        grad -= target
    if reduction == "mean":
        batch = grad.size // grad.shape[-1] if grad.shape[-1] else 0
        if batch:
            grad /= batch
    return np.moveaxis(grad, -1, ax).astype(z.dtype)


def entropy(probs, axis=-1):
    r"""Shannon entropy :math:`H(p) = -\sum_i p_i \log p_i` in nats.

    Parameters
    ----------
    probs : array_like
        Probability vectors along ``axis``, entries in [0, 1].
    axis : int, tuple of ints or None, optional
        The axis or axes of one distribution (default: the last).

    Returns
    -------
    h : scalar or ndarray
        Entropy per distribution, in the floating dtype of ``probs``; between
        0 (a one-hot vector) and :math:`\log K` (uniform).

    Raises
    ------
    ValueError
        If an entry lies outside [0, 1].
    TypeError
        If ``probs`` is complex, object or string.
    numpy.exceptions.AxisError
        If ``axis`` is out of range.

    See Also
    --------
    softmax_lib.core.softmax : Its ``temperature`` moves the entropy between
        0 and :math:`\log K`.

    Notes
    -----
    Shannon's entropy :cite:p:`shannon1948mathematical`. Terms with :math:`p_i = 0`
    contribute 0 (the limit
    of :math:`p \log p`).
    Sums to 1 are not checked. Divide by :math:`\log 2` for bits.

    See the special-value policy in :mod:`softmax_lib.core` (a NaN in a
    distribution gives NaN; an empty one has entropy 0). Chapter 4
    (Temperature) plots it against the temperature.

    References
    ----------
    C. E. Shannon, "A mathematical theory of communication", Bell
    System Technical Journal 27, 1948.

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_lib.losses import entropy
    >>> print(f"{entropy([0.5, 0.5]):.6f}")
    0.693147
    >>> print(entropy([[1.0, 0.0], [0.25, 0.75]]).round(4))
    [0.     0.5623]
    """
    probs = as_float_array(probs, "probs")
    axes = normalize_axes(axis, probs.ndim)
    values = probs.astype(np.float64)
    outside = (values < 0.0) | (values > 1.0)
    if outside.any():
        raise ValueError(f"probs must lie in [0, 1]; got {values[outside].flat[0]!r}")
    positive = values > 0.0
    logs = np.zeros(values.shape)
    np.log(values, out=logs, where=positive)
    terms = np.zeros(values.shape)
    np.multiply(values, logs, out=terms, where=positive)
    h = -terms.sum(axis=axes)
    h = np.where(np.isnan(values).any(axis=axes), np.nan, h) + 0.0
    return np.asarray(h, dtype=probs.dtype)[()]
