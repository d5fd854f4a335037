r"""Online softmax: the (max, scaled sum) state of a block and its associative merge.

A softmax needs two numbers per slice before it can normalise anything: the
maximum :math:`m` (for the shift of Chapter 3) and the sum
:math:`s = \sum_j e^{x_j - m}`. Both can be computed block by block. A block
of entries gives a *partial state* :math:`(m, s)`; two states merge into the
state of the union,

.. math::

    m = \max(m_1, m_2), \qquad s = s_1 e^{m_1 - m} + s_2 e^{m_2 - m},

and this merge is associative and commutative, so blocks can be reduced in
any order, in any tree, on any number of threads or machines (Milakov and
Gimelshein, "Online normalizer calculation for softmax", arXiv:1805.02867, 2018). At the
end, :math:`\log\sum_j e^{x_j} = m + \log s` and
:math:`\operatorname{softmax}(x)_i = e^{x_i - m} / s`. Chapter 6 (Softmax at
scale) teaches it; :func:`softmax_lib.tiled_attention` and the Dask support
of :func:`softmax_lib.softmax` are built on it.

Accuracy: the state carries the scaled sum :math:`s` as an unevaluated sum
of two float64 numbers (``scaled_sum + error``, about 106 bits), the
rounding error of every shift :math:`x_j - m` and :math:`m_i - m` is
recovered exactly (TwoSum) and folded back in, and the products and sums of a
merge are error-free transformations (Dekker's TwoProduct and Knuth's
TwoSum; Dekker 1971). What remains is one rounding of ``exp`` per entry and per
rescaling, so a log-sum-exp reduced block by block, in any order, stays
within the bounds of :func:`softmax_lib.logsumexp` on the whole axis
(``tests/test_online.py`` measures this against a 256-bit mpmath reference:
blocks of size 1, ragged blocks, random merge orders).

Special values in states
------------------------
The policy of :mod:`softmax_lib.core`, carried through the states:

- **NaN** in a block makes its state ``(nan, nan)``; it propagates through
  every merge, so the slice's result is NaN.
- **+inf**: the state is ``(inf, count)``, the number of +inf entries (they
  share the probability equally, as in :func:`softmax_lib.softmax`); merging
  adds the counts, and the finite entries get probability 0.
- **-inf** entries contribute 0. A block whose entries are *all* -inf has the
  state ``(-inf, count)``: its logsumexp is -inf and its softmax NaN (no
  defined distribution), exactly as for the whole axis.
- **Masked entries** (``where`` False) take no part, whatever their value. An
  **empty** or fully masked block has the state ``(-inf, 0)``, the identity of
  the merge; a slice that is fully masked gets logsumexp -inf and probability
  0 everywhere.
- States are float64 whatever the input dtype (float32 input is exact in
  float64); :func:`state_softmax` and :func:`state_log_softmax` return the
  dtype of their ``x``, rounded once. No ``RuntimeWarning`` is emitted.

Examples
--------
>>> import numpy as np
>>> import softmax_lib as sl
>>> x = np.array([3.0, 1.0, 1000.0, -2.0, 5.0])
>>> left, right = sl.softmax_state(x[:2]), sl.softmax_state(x[2:])
>>> state = sl.merge_states(left, right)
>>> print(state.max, state.scaled_sum)
[1000.] [1.]
>>> print(sl.state_logsumexp(state) == sl.logsumexp(x))
[ True]
"""

from typing import NamedTuple

import numpy as np

from softmax_lib._validation import as_float_array, as_mask, normalize_axes

__all__ = [
    "SoftmaxState",
    "merge_states",
    "softmax_state",
    "state_log_softmax",
    "state_logsumexp",
    "state_softmax",
]

_SPLITTER = 134217729.0  # 2**27 + 1, Veltkamp's constant for float64


class SoftmaxState(NamedTuple):
    r"""The partial state of the softmax of a block: ``(max, scaled_sum, error)``.

    Attributes
    ----------
    max : ndarray of float64
        :math:`m`, the largest entry of the block (-inf if it is empty or
        fully masked, NaN if it holds a NaN).
    scaled_sum : ndarray of float64
        :math:`s = \sum_j e^{x_j - m}`, at least 1 for a block with a finite
        maximum (the maximum's own term is 1); the number of entries equal to
        :math:`m` if :math:`m` is infinite; 0 for an empty block.
    error : ndarray of float64
        The rounding error of ``scaled_sum``: the sum is
        ``scaled_sum + error`` to about 106 bits.
    """

    max: np.ndarray
    scaled_sum: np.ndarray
    error: np.ndarray


# ---------------------------------------------------------------------------
# Error-free transformations (vectorised; no fused multiply-add in numpy).
# ---------------------------------------------------------------------------
def _two_sum(a, b):
    """``s + e == a + b`` exactly, ``s = fl(a + b)`` (Knuth)."""
    s = a + b
    bv = s - a
    av = s - bv
    return s, (a - av) + (b - bv)


def _split(a):
    c = _SPLITTER * a
    hi = c - (c - a)
    return hi, a - hi


def _two_prod(a, b):
    """``p + e == a * b`` exactly, ``p = fl(a * b)`` (Dekker)."""
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def _shift_exp(x, m):
    """``exp(x - m)`` with the rounding error of the subtraction folded back in.

    Entries equal to ``m`` give exactly 1 (also when both are infinite). The
    error of ``d = fl(x - m)`` is recovered exactly by TwoSum and applied as
    ``exp(d) * (1 + err)``. Written with in-place operations: three arrays of
    the size of ``x`` instead of a dozen.
    """
    m = np.asarray(m, dtype=np.float64)
    d = np.subtract(x, m)
    bv = np.subtract(d, x)  # TwoSum of x and -m
    err = np.subtract(d, bv)
    np.subtract(x, err, out=err)
    np.add(bv, m, out=bv)
    np.subtract(err, bv, out=err)  # (x - av) + (-m - bv)
    np.copyto(err, 0.0, where=~np.isfinite(err))
    terms = np.exp(d, out=d)
    np.multiply(err, terms, out=err)
    np.add(terms, err, out=terms)
    np.copyto(terms, 1.0, where=np.equal(x, m))
    return terms


def _exact_sum(terms, axes):
    """Sum of nonnegative ``terms`` (each <= 1) over ``axes`` as ``(hi, lo)``.

    Every term is split as ``t = h + l`` with ``h`` on a grid so coarse that
    the ``h`` parts add up without rounding in any order (as in the kernel of
    :mod:`softmax_lib.core`); the ``l`` parts are tiny, so their rounding
    does not matter.
    """
    count = max(1, int(np.prod([terms.shape[a] for a in axes])))
    _, exponent = np.frexp(float(count))  # count < 2**exponent
    magic = np.ldexp(1.5, exponent + 1)
    high = (terms + magic) - magic
    hi_sum = np.sum(high, axis=axes, keepdims=True)  # exact
    lo_sum = np.sum(terms - high, axis=axes, keepdims=True)
    return _two_sum(hi_sum, lo_sum)


def _state_and_terms(x, axes, mask):
    """The state of ``x`` (float64) over ``axes`` and its terms exp(x - m)."""
    if mask is not None:
        x = np.where(mask, x, -np.inf)
    m = np.max(x, axis=axes, keepdims=True, initial=-np.inf)
    finite = np.isfinite(m)
    terms = _shift_exp(x, np.where(finite, m, 0.0))
    terms = np.where(finite, terms, 0.0)
    if mask is not None:
        terms = np.where(mask, terms, 0.0)
    hi, lo = _exact_sum(terms, axes)
    if not finite.all():
        top = x == m
        if mask is not None:
            top &= mask
        count = np.sum(top, axis=axes, keepdims=True).astype(np.float64)
        hi = np.where(finite, hi, np.where(np.isnan(m), np.nan, count))
        lo = np.where(finite, lo, 0.0)
        terms = np.where(finite, terms, np.where(top, 1.0, 0.0))
    return SoftmaxState(m, hi, lo), terms


def _as_float64(x, name="x"):
    arr = as_float_array(x, name)
    return arr.astype(np.float64, copy=False)


def _mask(where, shape):
    return None if where is None else as_mask(where, shape)


def softmax_state(x, axis=-1, *, where=None, keepdims=True):
    r"""The partial state ``(m, s)`` of a block of logits along ``axis``.

    Parameters
    ----------
    x : array_like
        A block of logits (bool, integer, float16, float32 or float64).
    axis : int, tuple of ints or None, optional
        The axis or axes along which the block is part of a softmax slice
        (default: the last); None means all.
    where : array_like of bool, optional
        Mask broadcast to the shape of ``x``; entries where it is False take
        no part.
    keepdims : bool, optional
        Keep the reduced axes with length 1 (the default), so that the state
        broadcasts against ``x`` in :func:`state_softmax`.

    Returns
    -------
    state : SoftmaxState
        float64 arrays ``max``, ``scaled_sum`` and ``error``, shaped like
        ``x`` reduced over ``axis``.

    Raises
    ------
    TypeError
        If ``x`` is not real numbers or ``where`` is not boolean.
    ValueError
        If ``where`` does not broadcast to the shape of ``x``.
    numpy.exceptions.AxisError
        If ``axis`` is out of range.

    See Also
    --------
    merge_states : Combine the states of two blocks.
    state_logsumexp, state_softmax : Finish the computation.

    Notes
    -----
    :math:`m = \max_j x_j` and :math:`s = \sum_j e^{x_j - m}`, with the
    rounding error of each shift :math:`x_j - m` recovered exactly (TwoSum) and
    folded back in, and the sum computed almost exactly (split into a part
    that adds without rounding and a tiny remainder). The special values are
    described in :mod:`softmax_lib.online`. Chapter 6 (Softmax at scale)
    teaches the state.

    References
    ----------
    M. Milakov and N. Gimelshein, "Online normalizer calculation for softmax",
    arXiv:1805.02867, 2018 :cite:p:`milakov2018online`.

    Examples
    --------
    >>> import numpy as np
    >>> import softmax_lib as sl
    >>> state = sl.softmax_state([1.0, 2.0, 2.0])
    >>> print(state.max, state.scaled_sum.round(6))
    [2.] [2.367879]
    >>> print(sl.softmax_state(np.empty(0)))  # the identity of the merge
    SoftmaxState(max=array([-inf]), scaled_sum=array([0.]), error=array([0.]))
    """
    x = _as_float64(x)
    if x.ndim == 0:
        x = x.reshape(1)
        where = None if where is None else np.reshape(where, 1)
        axis = None if axis in (0, -1, ()) else axis
    axes = normalize_axes(axis, x.ndim)
    mask = _mask(where, x.shape)
    with np.errstate(all="ignore"):
        state, _ = _state_and_terms(x, axes, mask)
    if not keepdims:
        state = SoftmaxState(*(np.squeeze(part, axis=axes) for part in state))
    return state


def _rescale(m_old, m_new):
    """``exp(m_old - m_new)`` as an unevaluated sum ``f + e``; 1 where equal."""
    d, err = _two_sum(m_old, -m_new)
    err = np.where(np.isfinite(err), err, 0.0)
    factor = np.exp(d)
    equal = m_old == m_new
    return np.where(equal, 1.0, factor), np.where(equal, 0.0, factor * err)


def _scale(hi, lo, f, fe):
    """``(hi + lo) * (f + fe)`` as an unevaluated sum."""
    p, e = _two_prod(hi, f)
    return p, e + (hi * fe + lo * f)


def merge_states(a, b):
    r"""Merge the states of two blocks into the state of their union.

    Parameters
    ----------
    a, b : SoftmaxState
        States from :func:`softmax_state` or earlier merges; their arrays
        broadcast against each other.

    Returns
    -------
    state : SoftmaxState
        The state of the concatenation of the two blocks.

    See Also
    --------
    softmax_state : The state of one block.

    Notes
    -----
    .. math::

        m = \max(m_a, m_b), \qquad s = s_a e^{m_a - m} + s_b e^{m_b - m}.

    One of the two factors is exactly 1. The merge is commutative and
    associative in exact arithmetic (Chapter 6, Exercise 1): :math:`(m, s)`
    stands for the number :math:`m + \log s`, and merging adds the numbers
    :math:`e^{m_a} s_a + e^{m_b} s_b`. In floating point the factor
    :math:`e^{m_b - m}` is computed with the shift's rounding error folded
    back in and the products and sum with error-free transformations, so
    different merge orders agree to about one rounding of ``exp`` per
    rescaling. ``(-inf, 0)`` is the identity; NaN propagates; states with an
    infinite maximum add their counts (see :mod:`softmax_lib.online`).

    Examples
    --------
    >>> import numpy as np
    >>> import softmax_lib as sl
    >>> x = np.array([[0.5, 4.0, -1.0, 2.0]])
    >>> a = sl.softmax_state(x[:, :1])
    >>> b = sl.softmax_state(x[:, 1:3])
    >>> c = sl.softmax_state(x[:, 3:])
    >>> left = sl.merge_states(sl.merge_states(a, b), c)
    >>> right = sl.merge_states(a, sl.merge_states(b, c))
    >>> print(sl.state_logsumexp(left) == sl.state_logsumexp(right))
    [[ True]]
    """
    with np.errstate(all="ignore"):
        m = np.maximum(a.max, b.max)
        fa, ea = _rescale(a.max, m)
        fb, eb = _rescale(b.max, m)
        pa, qa = _scale(a.scaled_sum, a.error, fa, ea)
        pb, qb = _scale(b.scaled_sum, b.error, fb, eb)
        hi, lo = _two_sum(pa, pb)
        hi, lo = _two_sum(hi, lo + (qa + qb))
        # Infinite maxima (counts) and NaN: the plain formula, no compensation.
        plain = a.scaled_sum * fa + b.scaled_sum * fb
        special = ~np.isfinite(m) | ~np.isfinite(hi)
        if np.any(special):
            hi = np.where(special, plain, hi)
            lo = np.where(special, 0.0, lo)
    return SoftmaxState(m, hi, lo)


def _merge_along(state, axis):
    """Fold the states along ``axis`` (keeping it with length 1), left to right."""
    parts = [
        SoftmaxState(*(np.take(arr, [i], axis=axis) for arr in state))
        for i in range(state.max.shape[axis])
    ]
    if not parts:
        shape = list(state.max.shape)
        shape[axis] = 1
        return SoftmaxState(np.full(shape, -np.inf), np.zeros(shape), np.zeros(shape))
    result = parts[0]
    for part in parts[1:]:
        result = merge_states(result, part)
    return result


def _log_scaled_sum(state):
    """``log(s)`` as ``log1p(s - 1)``: exact to a rounding when s is near 1."""
    rest = (state.scaled_sum - 1.0) + state.error  # s - 1 is exact for s >= 1
    return np.log1p(rest)


def state_logsumexp(state):
    r"""The log-sum-exp of the entries a state was built from: :math:`m + \log s`.

    Parameters
    ----------
    state : SoftmaxState
        The state of a whole slice (after every merge).

    Returns
    -------
    lse : ndarray of float64
        Shaped like the state's arrays.

    See Also
    --------
    softmax_lib.logsumexp : The same number from the whole axis at once.

    Notes
    -----
    :math:`m + \operatorname{log1p}(s - 1)`, as in
    :func:`softmax_lib.logsumexp`: ``s - 1`` is exact, so the correction keeps
    full relative accuracy when the maximum dominates. An empty or fully
    masked slice gives -inf, a +inf entry +inf, a NaN NaN.

    Examples
    --------
    >>> import softmax_lib as sl
    >>> state = sl.softmax_state([1000.0, 1000.0], keepdims=False)
    >>> print(f"{sl.state_logsumexp(state):.6f}")
    1000.693147
    """
    with np.errstate(all="ignore"):
        return state.max + _log_scaled_sum(state)


def _finish(x, state, where, log):
    arr = as_float_array(x)
    out_dtype = arr.dtype
    x64 = arr.astype(np.float64, copy=False)
    shape = np.broadcast_shapes(x64.shape, state.max.shape)
    mask = _mask(where, shape)
    with np.errstate(all="ignore"):
        m = state.max
        if log:
            out = (x64 - m) - _log_scaled_sum(state)
            out = np.where(x64 == m, -_log_scaled_sum(state), out)
            empty = -np.inf
        else:
            out = _shift_exp(x64, m) / (state.scaled_sum + state.error)
            empty = 0.0
        if mask is not None:
            out = np.where(mask, out, empty)
        # A NaN in the slice, or every unmasked entry -inf (no defined
        # distribution): NaN for every entry of the slice, as in core.
        undefined = np.isnan(m) | ((m == -np.inf) & (state.scaled_sum > 0))
        out = np.where(undefined, np.nan, out)
        # A fully masked (or empty) slice: probability 0, log-probability -inf.
        out = np.where(state.scaled_sum == 0, empty, out)
    return np.asarray(out, dtype=out_dtype)


def state_softmax(x, state, *, where=None):
    r"""Normalise a block of logits with the state of its whole slice.

    Parameters
    ----------
    x : array_like
        The block (any part of the slice the state was reduced over).
    state : SoftmaxState
        The state of the whole slice, with kept dimensions so that it
        broadcasts against ``x`` (as :func:`softmax_state` returns it).
    where : array_like of bool, optional
        The mask used for the state; masked-out entries get probability 0.

    Returns
    -------
    probs : ndarray
        :math:`e^{x_i - m} / s`, in the floating dtype of ``x``.

    See Also
    --------
    softmax_lib.softmax : The same from the whole slice at once.

    Notes
    -----
    The shift's rounding error is folded back in and the division is by the
    106-bit sum rounded once, so the result is as accurate as
    :func:`softmax_lib.softmax`. Special values as in
    :mod:`softmax_lib.online`.

    Examples
    --------
    >>> import numpy as np
    >>> import softmax_lib as sl
    >>> x = np.array([1.0, 2.0, 3.0, 4.0])
    >>> state = sl.merge_states(sl.softmax_state(x[:2]), sl.softmax_state(x[2:]))
    >>> print(sl.state_softmax(x[:2], state).round(4), sl.softmax(x)[:2].round(4))
    [0.0321 0.0871] [0.0321 0.0871]
    """
    return _finish(x, state, where, log=False)


def state_log_softmax(x, state, *, where=None):
    r"""Log-softmax of a block of logits, with the state of its whole slice.

    Parameters
    ----------
    x : array_like
        The block.
    state : SoftmaxState
        The state of the whole slice (broadcasting against ``x``).
    where : array_like of bool, optional
        The mask used for the state; masked-out entries get -inf.

    Returns
    -------
    log_probs : ndarray
        :math:`(x_i - m) - \log s`, in the floating dtype of ``x``.

    See Also
    --------
    softmax_lib.log_softmax : The same from the whole slice at once.

    Notes
    -----
    :math:`x_i - m \le 0` and :math:`-\operatorname{log1p}(s - 1) \le 0` have
    the same sign, so the difference does not cancel (Chapter 3).

    Examples
    --------
    >>> import softmax_lib as sl
    >>> state = sl.softmax_state([0.0, -50.0])
    >>> print(sl.state_log_softmax([0.0, -50.0], state))
    [-1.92874985e-22 -5.00000000e+01]
    """
    return _finish(x, state, where, log=True)
