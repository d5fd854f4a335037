r"""Softmax, log-softmax and log-sum-exp, exact to a few units in the last place.

The functions in this module turn a vector of real scores (logits) into a
probability vector,

.. math::

    \operatorname{softmax}(x)_i = \frac{e^{x_i}}{\sum_j e^{x_j}},

together with its logarithm and the log-sum-exp :math:`\log\sum_j e^{x_j}`.
Every function takes numpy arrays (or anything :func:`numpy.asarray`
accepts) and returns numpy arrays; numpy is the only dependency.

Accuracy: :func:`softmax` is within 4 ULP of the exact result in float64 and
within 1 ULP in float32; :func:`log_softmax` is within 4 ULP, its largest entry
included (``tests/test_accuracy.py`` measures this against a 256-bit mpmath
reference). Chapter 3 (The overflow trick) explains how: the shift by the
maximum analysed by :cite:t:`blanchard2021accurately`, with the rounding error of that
shift recovered exactly by Dekker's error-free transformation
:cite:p:`dekker1971floating`.

Special values
--------------
One policy, identical in :func:`softmax`, :func:`log_softmax`,
:func:`logsumexp` and in the functions of :mod:`softmax_lib.grad` and
:mod:`softmax_lib.losses` that build on them. A *slice* is the set of entries
that are normalised together (the entries along ``axis``).

- **NaN** anywhere in a slice makes that slice's output NaN (every entry of it,
  or the single reduced value). Other slices are unaffected.
- **-inf** logits get probability exactly 0 and log-probability -inf. A slice
  whose logits are *all* -inf has no defined distribution: softmax and
  log_softmax return NaN for it, logsumexp returns -inf (the log of an empty
  sum).
- **+inf** logits: the result is the limit. The +inf entries of a slice share
  the probability equally (each gets ``1 / count``) and the finite or -inf ones
  get 0; log_softmax gives ``-log(count)`` and -inf; logsumexp gives +inf.
- **where** (a boolean mask, broadcast to the shape of ``x``): masked-out
  entries get probability 0 (log-probability -inf) and take no part in the
  normalisation, whatever their value (a NaN or a logit that overflows when
  divided by the temperature is ignored). A slice that is entirely masked out
  gives probability 0 everywhere, log-probability -inf and logsumexp -inf
  (JAX's semantics). As for the ``where`` of numpy's reductions, the mask must
  broadcast to the shape of ``x`` (in :func:`logsumexp` with weights ``b``, to
  that of ``x`` broadcast against ``b``); a mask with more dimensions, or
  lengths that do not fit, raises ``ValueError``.
- **Empty** axis: the output is empty (logsumexp gives -inf, the empty sum).
  A 0-d input is a slice with one entry (``axis`` may then be ``None``, ``0``,
  ``-1`` or ``()``).
- **dtypes**: booleans and integers become float64; float16, float32 and
  float64 come back in their own dtype (float16 and float32 are computed in
  float64 internally and rounded once at the end). Complex, object, string and
  extended-precision input raise ``TypeError``.
- **axis** is an int, a tuple of ints or None, as in numpy reductions; a bad
  axis raises numpy's ``AxisError``. The defaults differ by purpose:
  :func:`softmax`, :func:`log_softmax` and :func:`naive_softmax` normalise
  along the last axis (``axis=-1``, the convention of ``jax.nn.softmax``; SciPy's
  ``scipy.special.softmax`` and ``log_softmax`` default to ``axis=None``, the
  whole array), while :func:`logsumexp` reduces over all axes (``axis=None``,
  as ``scipy.special.logsumexp`` and numpy's reductions). So on a batch of
  rows, ``x - logsumexp(x, axis=-1, keepdims=True)`` is ``log_softmax(x)``,
  and ``x - logsumexp(x)`` is not.
- **temperature** must be positive and finite, otherwise ``ValueError``. The
  logits are divided by it first: the result is exact for the rounded ``x / T``.
- No ``RuntimeWarning`` is ever emitted for finite input of any magnitude, and
  the input array is never written to.

:func:`naive_softmax` is the one exception: it is the textbook formula, kept
for teaching, and it overflows, warns and returns NaN on purpose.

References
----------
P. Blanchard, D. J. Higham and N. J. Higham, "Accurately computing the
log-sum-exp and softmax functions", IMA Journal of Numerical Analysis 41(4),
2021, https://doi.org/10.1093/imanum/draa038

T. J. Dekker, "A floating-point technique for extending the available
precision", Numerische Mathematik 18, 1971 (the exact error of a sum).
"""

import numpy as np

from softmax_lib._kernel import (
    _LOG_SOFTMAX,
    _LOGSUMEXP,
    _SOFTMAX,
    _apply_mask,
    _normalized,
    _prepare,
    _run,
    _to_rows,
    _weighted_logsumexp,
)
from softmax_lib._validation import as_float_array

__all__ = ["log_softmax", "logsumexp", "naive_softmax", "softmax", "ulp_error"]


def _is_dask(x):
    """Is ``x`` a Dask array? (Checked without importing dask; see Chapter 6.)"""
    return type(x).__module__.startswith("dask")


def softmax(x, axis=-1, *, temperature=1.0, where=None):
    r"""Softmax of ``x`` along ``axis``: probabilities that sum to 1.

    Parameters
    ----------
    x : array_like
        Logits. Booleans and integers are converted to float64; float16,
        float32 and float64 keep their dtype.
    axis : int, tuple of ints or None, optional
        Axis or axes along which the entries are normalised together
        (default: the last, as in ``jax.nn.softmax``; ``scipy.special.softmax``
        defaults to None). None means all axes.
    temperature : float, optional
        Positive, finite temperature :math:`T`; the result is
        ``softmax(x / T)``. Small :math:`T` sharpens the distribution towards
        the arg max, large :math:`T` flattens it towards uniform.
    where : array_like of bool, optional
        Mask broadcast to the shape of ``x``; entries where it is False get
        probability 0 and take no part in the normalisation.

    Returns
    -------
    probs : ndarray
        Same shape and (floating) dtype as ``x``; every slice sums to 1.

    Raises
    ------
    TypeError
        If ``x`` is complex, object, string or extended precision, or ``where``
        is not boolean.
    ValueError
        If ``temperature`` is not positive and finite, or ``where`` does not
        broadcast to the shape of ``x``.
    numpy.exceptions.AxisError
        If ``axis`` is out of range.

    See Also
    --------
    log_softmax : The logarithm of the softmax, computed directly.
    logsumexp : The normaliser :math:`\log\sum_j e^{x_j}`.
    naive_softmax : The textbook formula, which overflows.

    Notes
    -----
    .. math::

        \operatorname{softmax}(x)_i = \frac{e^{(x_i - c)/T}}{\sum_j e^{(x_j - c)/T}}

    for any shift :math:`c`; shifting by the maximum keeps every exponent
    :math:`\le 0`, so nothing overflows :cite:p:`blanchard2021accurately`. Refinements
    make the result exact
    to within 4 ULP in float64 (1 ULP in float32, which is computed in float64
    and rounded once). First, the shift is chosen so that it is exact
    (:math:`c = 0` when the maximum lies in :math:`[-1, 600]`), and where
    :math:`x_i - c` must be rounded, its rounding error :math:`e_i` is
    recovered exactly (Fast2Sum, :cite:t:`dekker1971floating`) and folded back in as
    :math:`e^{d_i}(1 + e_i)`; without this, ``exp`` amplifies a rounding
    error of :math:`|x_i - c| \cdot 2^{-53}` into hundreds of ULP at logit
    scale 100. Second, the sum is computed almost exactly: each term is split
    as ``hi + lo`` with ``hi`` on a grid coarse enough that the ``hi`` parts
    add up without any rounding (a plain sum of K terms can be off by several
    ULP). Third, the terms are divided by the sum rather than multiplied by
    its reciprocal (one rounding less). Error budget: exp 1, sum 1, division
    0.5 ULP of the result, below 4 (measured: below 2.6). The work is done in
    cache-sized blocks (about 1 MiB), in place, rows shorter than 64 on a
    transposed copy, on one thread (a Dask array spreads a large input over
    cores or machines).

    See the special-value policy in :mod:`softmax_lib.core`. Chapter 1 (The
    definition) introduces softmax and its properties, Chapter 3 (The overflow
    trick) the numerics, Chapter 4 (Temperature) the temperature.

    References
    ----------
    P. Blanchard, D. J. Higham and N. J. Higham, "Accurately computing
    the log-sum-exp and softmax functions", IMA J. Numer. Anal. 41(4), 2021.

    T. J. Dekker, "A floating-point technique for extending the
    available precision", Numer. Math. 18, 1971.

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_lib.core import softmax
    >>> print(np.round(softmax([1.0, 2.0, 3.0]), 4))
    [0.09   0.2447 0.6652]
    >>> print(softmax([1000.0, 1000.0]))  # no overflow
    [0.5 0.5]
    >>> print(softmax([0.0, np.log(3.0)], temperature=1e-3))
    [0. 1.]
    >>> print(softmax([1.0, 2.0, 3.0], where=[True, False, True]).round(4))
    [0.1192 0.     0.8808]
    >>> softmax(np.zeros((2, 4), dtype=np.float32), axis=1).dtype
    dtype('float32')
    """
    if _is_dask(x):
        from softmax_lib import _dask

        return _dask.softmax(x, axis, temperature=temperature, where=where)
    return _normalized(x, axis, temperature, where, _SOFTMAX)


def log_softmax(x, axis=-1, *, temperature=1.0, where=None):
    r"""Logarithm of :func:`softmax`, computed directly (never ``log(softmax)``).

    Parameters
    ----------
    x : array_like
        Logits. Booleans and integers are converted to float64; float16,
        float32 and float64 keep their dtype.
    axis : int, tuple of ints or None, optional
        Axis or axes normalised together (default: the last, as in
        :func:`softmax`; ``scipy.special.log_softmax`` defaults to None); None
        means all.
    temperature : float, optional
        Positive, finite temperature; the result is ``log_softmax(x / T)``.
    where : array_like of bool, optional
        Mask broadcast to the shape of ``x``; masked-out entries get -inf and
        take no part in the normalisation.

    Returns
    -------
    log_probs : ndarray
        Same shape and dtype as ``x``; ``exp(log_probs)`` sums to 1 per slice.

    Raises
    ------
    TypeError
        If ``x`` is complex, object, string or extended precision, or ``where``
        is not boolean.
    ValueError
        If ``temperature`` is not positive and finite, or ``where`` does not
        broadcast to the shape of ``x``.
    numpy.exceptions.AxisError
        If ``axis`` is out of range.

    See Also
    --------
    softmax : The probabilities themselves.
    logsumexp : The normaliser subtracted here.

    Notes
    -----
    .. math::

        \log\operatorname{softmax}(x)_i = (x_i - m) - \operatorname{log1p}
        \Bigl(\sum_{j \ne k} e^{x_j - m}\Bigr), \qquad m = x_k = \max_j x_j .

    Writing the log-sum-exp as ``m + log1p(rest)`` keeps the largest entry,
    ``-log1p(rest)``, exact to a few ULP even when it is tiny (``log(1 + rest)``
    would round it to 0), and ``(x_i - m)`` and ``-log1p(rest)`` have the same
    sign, so their sum does not cancel :cite:p:`blanchard2021accurately`. The terms of
    ``rest`` are computed as in
    :func:`softmax`, with the rounding error of the shift folded back in. The
    result is within 4 ULP of the exact value.

    See the special-value policy in :mod:`softmax_lib.core`. Chapter 3 (The
    overflow trick) derives this formula.

    References
    ----------
    P. Blanchard, D. J. Higham and N. J. Higham, "Accurately computing
    the log-sum-exp and softmax functions", IMA J. Numer. Anal. 41(4), 2021.

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_lib.core import log_softmax
    >>> print(np.round(log_softmax([1.0, 2.0, 3.0]), 4))
    [-2.4076 -1.4076 -0.4076]
    >>> print(log_softmax([0.0, -50.0]))  # log(softmax) would give -0.0 here
    [-1.92874985e-22 -5.00000000e+01]
    >>> print(log_softmax([0.0, np.inf, np.inf]).round(4))
    [   -inf -0.6931 -0.6931]
    """
    if _is_dask(x):
        from softmax_lib import _dask

        return _dask.log_softmax(x, axis, temperature=temperature, where=where)
    return _normalized(x, axis, temperature, where, _LOG_SOFTMAX)


def logsumexp(x, axis=None, b=None, keepdims=False, return_sign=False, *, where=None):
    r"""Logarithm of the sum of exponentials, :math:`\log\sum_j b_j e^{x_j}`.

    Parameters
    ----------
    x : array_like
        Input values. Booleans and integers are converted to float64.
    axis : int, tuple of ints or None, optional
        Axis or axes to reduce over; None (the default, as in
        ``scipy.special.logsumexp`` and numpy's reductions) reduces over all.
        Unlike :func:`softmax` and :func:`log_softmax`, whose default is the
        last axis: for the normaliser of each row use ``axis=-1`` (with
        ``keepdims=True`` to subtract it from ``x``).
    b : array_like, optional
        Weights (may be negative or zero); entries with ``b == 0`` take no
        part, whatever their ``x``. ``x`` and ``b`` are broadcast against each
        other first, as in ``scipy.special.logsumexp``: ``b`` may have more
        dimensions than ``x``, and ``axis`` then refers to the broadcast shape.
    keepdims : bool, optional
        Keep the reduced axes with length 1.
    return_sign : bool, optional
        With ``b``, the weighted sum may be negative: if True, return
        ``(log|sum|, sign)``; if False a negative sum gives NaN.
    where : array_like of bool, optional
        Mask broadcast to the shape of ``x`` (of ``x`` broadcast against ``b``
        when ``b`` is given); only entries where it is True are summed.
        Keyword-only.

    Returns
    -------
    lse : ndarray or scalar
        The reduced values, in the floating dtype of ``x`` (a numpy scalar
        when every axis is reduced and ``keepdims`` is False).
    sign : ndarray or scalar
        Only if ``return_sign``: +1, -1, 0 (for an empty or zero sum) or NaN.

    Raises
    ------
    TypeError
        If ``x`` or ``b`` is complex, object, string or extended precision, or
        ``where`` is not boolean.
    ValueError
        If ``x`` and ``b`` do not broadcast against each other, or ``where``
        does not broadcast to their shape.
    numpy.exceptions.AxisError
        If ``axis`` is out of range (of the shape of ``x`` broadcast against
        ``b``).

    See Also
    --------
    log_softmax : ``x - logsumexp(x, axis=-1, keepdims=True)``, computed
        accurately.
    scipy.special.logsumexp : The same parameters, in the same order, with the
        same defaults (``axis=None``, ``b``, ``keepdims``, ``return_sign``);
        ``where`` is an addition (keyword-only).

    Notes
    -----
    .. math::

        \log\sum_j e^{x_j} = m + \operatorname{log1p}\Bigl(\sum_{j \ne k}
        e^{x_j - m}\Bigr), \qquad m = x_k = \max_j x_j,

    with the terms computed as in :func:`softmax` :cite:p:`blanchard2021accurately`.
    The ``log1p`` form keeps
    full relative accuracy of the correction when the maximum dominates; the
    final addition ``m + log1p(...)`` can cancel when the result is near 0 and
    the maximum is negative (relative accuracy is then that of ``m``'s size).
    With weights ``b`` the sum is ``sum(b * exp(x - m))`` and its logarithm is
    taken directly.

    See the special-value policy in :mod:`softmax_lib.core` (an empty or fully
    masked slice gives -inf, a +inf entry gives +inf). With weights, the +inf
    entries of a slice count with the sum of their weights: a positive sum gives
    +inf, a negative one +inf with sign -1 (``return_sign=True``), and weights
    that cancel give NaN (``inf - inf``). Chapter 3 (The overflow trick) teaches
    the log-sum-exp trick.

    References
    ----------
    P. Blanchard, D. J. Higham and N. J. Higham, "Accurately computing
    the log-sum-exp and softmax functions", IMA J. Numer. Anal. 41(4), 2021.

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_lib.core import logsumexp
    >>> print(f"{logsumexp([1000.0, 1000.0]):.6f}")
    1000.693147
    >>> print(logsumexp([[0.0, 0.0], [1.0, -np.inf]], axis=1).round(6))
    [0.693147 1.      ]
    >>> value, sign = logsumexp([0.0, 0.0], b=[1.0, -2.0], return_sign=True)
    >>> print(f"{value:.3f} {sign:.0f}")
    0.000 -1
    >>> print(logsumexp([0.0, 0.0], -1, [[1.0, 1.0], [1.0, 0.0]]).round(6))  # b is 2-D
    [0.693147 0.      ]
    """
    if _is_dask(x):
        from softmax_lib import _dask

        return _dask.logsumexp(
            x, axis, b=b, keepdims=keepdims, return_sign=return_sign, where=where
        )
    if b is None:
        x, axes, out_dtype, mask, shape = _prepare(x, axis, 1.0, where)
    else:
        # x is broadcast against b first, so that axis (and where) refer to the
        # broadcast shape, as in scipy.special.logsumexp.
        x = as_float_array(x)
        weights = as_float_array(b, "b").astype(np.float64)
        full = np.broadcast_shapes(x.shape, weights.shape)
        x, axes, out_dtype, mask, shape = _prepare(np.broadcast_to(x, full), axis, 1.0, where)
        x = x.astype(np.float64, copy=False)
        weights = np.broadcast_to(weights, full).reshape(x.shape)  # () becomes (1,) as x
        nonzero = weights != 0
        mask = nonzero if mask is None else (mask & nonzero)
    reduced_shape = tuple(1 if i in axes else n for i, n in enumerate(x.shape))
    masked = _apply_mask(x, mask)
    rows, _, _, batch_shape = _to_rows(masked, axes)
    if b is None:
        _, lse = _run(rows, _LOGSUMEXP, out_dtype)
        sign = np.where(np.isnan(lse), np.nan, np.where(lse == -np.inf, 0.0, 1.0))
    else:
        weight_rows, _, _, _ = _to_rows(weights, axes)
        lse, sign = _weighted_logsumexp(rows, weight_rows)
        if not return_sign:
            lse = np.where(sign < 0, np.nan, lse)
    lse = lse.reshape(batch_shape)
    sign = sign.reshape(batch_shape)
    if keepdims:
        reduced_shape = reduced_shape if shape else ()
        lse = lse.reshape(reduced_shape)
        sign = sign.reshape(reduced_shape)
    lse = lse.astype(out_dtype, copy=False)[()]
    sign = sign.astype(out_dtype, copy=False)[()]
    return (lse, sign) if return_sign else lse


def naive_softmax(x, axis=-1):
    r"""The textbook softmax, ``exp(x) / sum(exp(x))``: deliberately unstable.

    This is the formula exactly as written on the blackboard, kept so that the
    chapters can show how it fails. Use :func:`softmax` for real work.

    Parameters
    ----------
    x : array_like
        Logits.
    axis : int, tuple of ints or None, optional
        Axis or axes normalised together (default: the last, as in
        :func:`softmax`).

    Returns
    -------
    probs : ndarray
        ``np.exp(x) / np.exp(x).sum(axis, keepdims=True)``.

    See Also
    --------
    softmax : The stable and accurate version.

    Notes
    -----
    ``exp`` overflows to ``inf`` for :math:`x > 709.78` in float64 (88.72 in
    float32), and ``inf / inf`` is NaN, so ``naive_softmax([1000., 1000.])``
    returns ``[nan, nan]`` and numpy emits its ``RuntimeWarning``; this
    function does not hide it and is the one exception to the special-value
    policy of :mod:`softmax_lib.core`. Below :math:`x \approx -745` every
    ``exp`` underflows to 0 and ``0 / 0`` is NaN too. Where it neither
    overflows nor underflows, it is accurate: each ``exp(x_i)`` is rounded
    once, and the sum and the division add a few roundings, so the result is
    within a few ULP (at most about 3 for ten logits of size 100; Chapter 3's
    accuracy table measures it). Its flaw is the range, not the accuracy. (It
    is shifting by the maximum *without* the refinements of :func:`softmax`
    that costs about a hundred ULP at that scale.) Chapter 1 (The definition) uses
    it as the definition, Chapter 3 (The overflow trick) shows it failing.

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_lib.core import naive_softmax
    >>> print(np.round(naive_softmax([1.0, 2.0, 3.0]), 4))
    [0.09   0.2447 0.6652]
    >>> with np.errstate(over="ignore", invalid="ignore"):  # it does warn
    ...     print(naive_softmax([1000.0, 1000.0]))
    [nan nan]
    """
    x = np.asarray(x)
    return np.exp(x) / np.exp(x).sum(axis, keepdims=True)


def ulp_error(computed, exact):
    r"""Error of ``computed`` in units in the last place (ULP) of its dtype.

    Parameters
    ----------
    computed : array_like of float
        The values to judge, in the floating dtype whose ULP is the unit.
    exact : array_like
        The exact values: Python or numpy floats, or objects with more
        precision that support ``-`` and ``float()`` (e.g. ``mpmath.mpf``).
        To judge float64 results, pass higher-precision objects.

    Returns
    -------
    ulps : ndarray of float64
        ``|computed - exact| / spacing(exact rounded to computed's dtype)``;
        0 where both are the same infinity or both NaN, inf where only one is
        non-finite, and inf where ``computed`` is finite but ``exact`` lies
        beyond the range of its dtype (so that it rounds to an infinity there).

    Raises
    ------
    TypeError
        If ``computed`` is not a floating array.

    See Also
    --------
    numpy.spacing : The size of one ULP at a value.

    Notes
    -----
    One ULP at :math:`y` is the gap between :math:`|y|` and the next larger
    floating-point number of the dtype; a correctly rounded result is within
    0.5 ULP. Chapter 3 (The overflow trick) uses this to compare the naive,
    the shifted and this library's softmax against a 256-bit reference.

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_lib.core import ulp_error
    >>> print(ulp_error(np.float64(1.0) + 2 * np.spacing(1.0), 1.0))
    2.0
    >>> print(ulp_error(np.float32(0.1), 0.1) <= 0.5)
    True
    """
    computed = np.asarray(computed)
    if computed.dtype.kind != "f":
        raise TypeError(f"computed must be a floating array; got dtype {computed.dtype}")
    exact = np.asarray(exact)
    exact_obj = exact.astype(object)
    exact_float = exact_obj.astype(np.float64) if exact.dtype.kind == "O" else exact
    exact_float = np.asarray(exact_float, dtype=np.float64)
    computed, exact_obj, exact_float = np.broadcast_arrays(computed, exact_obj, exact_float)
    result = np.zeros(computed.shape)
    with np.errstate(all="ignore"):
        both_finite = np.isfinite(computed) & np.isfinite(exact_float)
        same = (computed == exact_float) | (np.isnan(computed) & np.isnan(exact_float))
        result[~both_finite & ~same] = np.inf
        idx = both_finite & ~same
        if idx.any():
            diff = exact_obj[idx] - computed[idx].astype(np.float64).astype(object)
            diff = np.abs(np.asarray(diff, dtype=object).astype(np.float64))
            rounded = np.abs(exact_float[idx].astype(computed.dtype))
            unit = np.spacing(rounded).astype(np.float64)
            # An exact value beyond the dtype's range rounds to inf there: inf ULP away.
            result[idx] = np.where(np.isinf(rounded), np.inf, diff / unit)
    return result[()] if result.ndim == 0 else result
