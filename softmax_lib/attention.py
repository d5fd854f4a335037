r"""Scaled dot-product attention: softmax over scores, directly or in tiles.

Attention (Vaswani et al. 2017) is a softmax over the scores of one query against every key,
used to average the values:

.. math::

    \operatorname{attention}(Q, K, V) =
    \operatorname{softmax}\Bigl(\frac{Q K^\top}{\sqrt{d}}\Bigr) V .

:func:`attention` computes it as written, with the N×M score matrix in
memory; :func:`tiled_attention` computes the same numbers over blocks of
queries and keys, folding each block of keys in with the online softmax of
:mod:`softmax_lib.online` (Rabe and Staats 2021; Dao et al. 2022), so that
no N×M array is ever allocated (memory O(N·d + B²) instead of O(N·M)).
Chapter 6 (Softmax at scale) teaches both; ``benchmarks/bench_attention.py``
measures time and memory.

Conventions shared by both functions:

- Shapes: ``q`` is (..., N, d), ``k`` is (..., M, d), ``v`` is (..., M, d_v);
  the leading (batch, head) dimensions broadcast. The result is
  (..., N, d_v).
- ``scale`` defaults to :math:`1/\sqrt{d}`; the scores are
  ``(q @ k^T) * scale``. It must be positive and finite (an inverse
  temperature, as :func:`softmax_lib.softmax`'s ``temperature`` must be).
- ``mask``: booleans broadcast against (..., N, M), their leading dimensions
  with those of ``q``, ``k`` and ``v``; False means "not attended" (the score
  becomes a masked entry of :func:`softmax_lib.softmax`'s ``where``).
  ``causal=True`` (a bool) also hides key j from query i when j > i
  (top-left aligned, as in PyTorch's ``is_causal``).
- Special values follow :mod:`softmax_lib.core`: a query that attends to no
  key (a fully masked row) gets the probability 0 everywhere, hence an output
  of zeros; NaN in the scores of a row makes its output NaN.
- dtypes: float16 and float32 are computed in float64 and rounded once; the
  result has the common floating dtype of ``q``, ``k`` and ``v``.
"""

import math

import numpy as np

from softmax_lib._validation import as_float_array, as_mask, check_count, check_flag, check_real
from softmax_lib.core import softmax
from softmax_lib.online import _rescale, _state_and_terms, merge_states

__all__ = ["attention", "tiled_attention", "working_memory"]


def _inputs(q, k, v, mask, causal, scale):
    arrays = [as_float_array(a, name) for a, name in ((q, "q"), (k, "k"), (v, "v"))]
    for arr, name in zip(arrays, "qkv", strict=True):
        if arr.ndim < 2:
            raise ValueError(f"{name} must have at least 2 dimensions; got shape {arr.shape}")
    q, k, v = arrays
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(f"q and k need the same last dimension d; got {q.shape} and {k.shape}")
    if k.shape[-2] != v.shape[-2]:
        raise ValueError(f"k and v need the same number of keys M; got {k.shape} and {v.shape}")
    out_dtype = np.result_type(q.dtype, k.dtype, v.dtype)
    causal = check_flag(causal, "causal")
    d = q.shape[-1]
    if scale is None:
        scale = 1.0 / math.sqrt(d) if d else 1.0
    else:
        scale = check_real(scale, "scale", low=0.0, low_open=True)
    if mask is not None:
        # A view of shape (..., N, M), so that its tiles can be sliced (no memory).
        mask = np.asarray(mask)
        mask = as_mask(mask, (*mask.shape[:-2], q.shape[-2], k.shape[-2]), "mask")
    q, k, v = (a.astype(np.float64, copy=False) for a in (q, k, v))
    return q, k, v, mask, causal, scale, out_dtype


def _batch_shape(q, k, v, mask):
    shapes = [q.shape[:-2], k.shape[:-2], v.shape[:-2]]
    if mask is not None:
        shapes.append(mask.shape[:-2])
    return np.broadcast_shapes(*shapes)


def _allowed(mask, causal, rows, cols):
    """The boolean block ``rows`` × ``cols`` of the mask (None: all attended)."""
    allowed = None
    if mask is not None:
        allowed = mask[..., rows, cols]
    if causal:
        below = np.arange(rows.start, rows.stop)[:, None] >= np.arange(cols.start, cols.stop)
        allowed = below if allowed is None else (allowed & below)
    return allowed


def _broadcast_masked(scores, allowed):
    """Broadcast the scores and the mask to their common shape (the mask's batch too)."""
    if allowed is None:
        return scores, None
    shape = np.broadcast_shapes(scores.shape, allowed.shape)
    return np.broadcast_to(scores, shape), np.broadcast_to(allowed, shape)


def _times(acc, factor):
    """``acc * factor`` for the small error term of a rescaling factor.

    Where ``acc`` is infinite (an infinite value), the main term ``acc * f``
    already carries the infinity; the error term is then 0, not ``inf * 0`` or
    ``inf - inf`` (NaN), so that the result is that of :func:`attention`.
    """
    return np.where(np.isinf(acc), 0.0, acc * factor)


def _scores(q, k, scale):
    """``(q @ k^T) * scale``, each entry summed over d in an order of its own.

    ``np.einsum`` (without ``optimize``) sums each dot product in an order that
    does not depend on how many rows and columns are computed together, so a
    tile of scores is bitwise the same block of the full score matrix (a BLAS
    ``matmul`` picks its kernels by size and may differ in the last bit, which
    the softmax then amplifies by the size of the scores).
    """
    return np.einsum("...nd,...md->...nm", q, k) * scale


def attention(q, k, v, *, mask=None, causal=False, scale=None):
    r"""Scaled dot-product attention, ``softmax(q @ k^T * scale) @ v``.

    Parameters
    ----------
    q : array_like, shape (..., N, d)
        Queries.
    k : array_like, shape (..., M, d)
        Keys.
    v : array_like, shape (..., M, d_v)
        Values.
    mask : array_like of bool, optional
        Broadcast against (..., N, M); False means that query i does not
        attend to key j. Its leading dimensions broadcast with those of
        ``q``, ``k`` and ``v`` (a mask per batch entry or head).
    causal : bool, optional
        If True, query i does not attend to keys j > i.
    scale : float, optional
        Multiplies the scores; positive and finite (it is an inverse
        temperature, see Notes); default :math:`1/\sqrt{d}`.

    Returns
    -------
    out : ndarray, shape (..., N, d_v)
        The attention output, in the common floating dtype of the inputs; the
        leading dimensions are those of ``q``, ``k``, ``v`` and ``mask``
        broadcast together.

    Raises
    ------
    ValueError
        If the shapes do not fit together (``mask``'s included), or ``scale``
        is not positive and finite.
    TypeError
        If an input is not real numbers, ``mask`` is not boolean, ``causal``
        is not a bool or ``scale`` is not a real number.

    See Also
    --------
    tiled_attention : The same result without the N×M score matrix.
    softmax_lib.softmax : The softmax over the scores, with ``where=mask``.

    Notes
    -----
    The scores :math:`S = Q K^\top / \sqrt{d}` are normalised along the keys
    with :func:`softmax_lib.softmax` (``where`` is the mask, so a fully masked
    row gives probabilities 0 and an output of zeros), then
    :math:`P V`. Dividing by :math:`\sqrt{d}` is a temperature: for queries
    and keys with independent unit-variance entries the variance of
    :math:`q \cdot k` is :math:`d`, so without it the softmax would
    saturate as :math:`d` grows :cite:p:`vaswani2017attention`. Memory: the N×M scores and
    probabilities. Chapter 6 (Softmax at scale) teaches it.

    References
    ----------
    A. Vaswani et al., "Attention is all you need", NeurIPS 2017.

    Examples
    --------
    >>> import numpy as np
    >>> import softmax_lib as sl
    >>> q = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> k = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> v = np.array([[1.0], [2.0], [3.0]])
    >>> print(sl.attention(q, k, v).round(4))
    [[2.    ]
     [2.2033]]
    >>> print(sl.attention(q, k, v, causal=True).round(4))
    [[1.    ]
     [1.6698]]
    >>> print(sl.attention(q, k, v, mask=np.zeros((2, 3), bool)))  # no key
    [[0.]
     [0.]]
    """
    q, k, v, mask, causal, scale, out_dtype = _inputs(q, k, v, mask, causal, scale)
    n, m = q.shape[-2], k.shape[-2]
    allowed = _allowed(mask, causal, slice(0, n), slice(0, m))
    with np.errstate(all="ignore"):
        scores = _scores(q, k, scale)
    scores, allowed = _broadcast_masked(scores, allowed)
    probs = softmax(scores, axis=-1, where=allowed)
    with np.errstate(all="ignore"):
        out = np.matmul(probs, v)
    return out.astype(out_dtype, copy=False)


def tiled_attention(q, k, v, *, block_size=128, mask=None, causal=False, scale=None):
    r"""Attention computed in tiles with the online softmax; never allocates N×M.

    Parameters
    ----------
    q : array_like, shape (..., N, d)
        Queries.
    k : array_like, shape (..., M, d)
        Keys.
    v : array_like, shape (..., M, d_v)
        Values.
    block_size : int or (int, int), optional
        Rows of queries and of keys per tile (default 128 for both); positive
        integers. The scores of one tile, ``block_size**2`` numbers, are all
        that is held at a time.
    mask : array_like of bool, optional
        Broadcast against (..., N, M), leading dimensions included, as in
        :func:`attention`; False means "not attended". It is only read tile
        by tile (a broadcast mask costs no memory).
    causal : bool, optional
        If True, query i does not attend to keys j > i; tiles entirely above
        the diagonal are skipped.
    scale : float, optional
        Multiplies the scores; positive and finite; default
        :math:`1/\sqrt{d}`.

    Returns
    -------
    out : ndarray, shape (..., N, d_v)
        Equal to :func:`attention` to a few units in the last place (float64;
        within float32's rounding for float32), with the same special values
        (an infinite value gives an infinite output, as there).

    Raises
    ------
    ValueError
        If the shapes do not fit together (``mask``'s included), ``block_size``
        is not positive or not one or two sizes, or ``scale`` is not positive
        and finite.
    TypeError
        If an input is not real numbers, ``mask`` is not boolean, ``causal``
        is not a bool, ``block_size`` is not integers or ``scale`` is not a
        real number.

    See Also
    --------
    attention : The direct computation.
    softmax_lib.merge_states : The merge used for each tile.

    Notes
    -----
    For each block of queries, a running state :math:`(m, s)` and an
    unnormalised output :math:`o = \sum_j e^{S_{ij} - m} v_j` are kept per
    query; each block of keys gives its own :math:`(m_b, s_b, o_b)` and is
    folded in with

    .. math::

        m' = \max(m, m_b), \quad
        s' = s e^{m - m'} + s_b e^{m_b - m'}, \quad
        o' = o e^{m - m'} + o_b e^{m_b - m'},

    and the result is :math:`o / s`
    :cite:p:`rabe2021self,dao2022flashattention`. In numpy this is slower than
    the direct computation (more, smaller matrix products); the point is the
    memory, O(N·d + B²) rather than O(N·M). Chapter 6 (Softmax at scale)
    teaches it, Exercise 2 adds the causal mask.

    References
    ----------
    M. N. Rabe and C. Staats, "Self-attention does not need O(n²) memory",
    arXiv:2112.05682, 2021.

    T. Dao et al., "FlashAttention: fast and memory-efficient exact attention
    with IO-awareness", NeurIPS 2022.

    Examples
    --------
    >>> import numpy as np
    >>> import softmax_lib as sl
    >>> rng = np.random.default_rng(0)
    >>> q, k, v = (rng.standard_normal((64, 8)) for _ in range(3))
    >>> direct = sl.attention(q, k, v, causal=True)
    >>> tiled = sl.tiled_attention(q, k, v, block_size=16, causal=True)
    >>> print(np.abs(tiled - direct).max() < 1e-14)
    True
    """
    q, k, v, mask, causal, scale, out_dtype = _inputs(q, k, v, mask, causal, scale)
    sizes = (block_size, block_size) if np.ndim(block_size) == 0 else tuple(block_size)
    if len(sizes) != 2:
        raise ValueError(f"block_size must be an int or a pair of ints; got {block_size!r}")
    bq, bk = (check_count(b, "block_size") for b in sizes)
    n = q.shape[-2]
    batch = _batch_shape(q, k, v, mask)
    out = np.zeros((*batch, n, v.shape[-1]))
    with np.errstate(all="ignore"):
        for i0 in range(0, n, bq):
            rows = slice(i0, min(i0 + bq, n))
            out[..., rows, :] = _query_block(q[..., rows, :], k, v, mask, causal, scale, rows, bk)
    return out.astype(out_dtype, copy=False)


def _query_block(qb, k, v, mask, causal, scale, rows, bk):
    """Attention for one block of queries, folding in the keys block by block."""
    m = k.shape[-2]
    stop = min(m, rows.stop) if causal else m
    state, acc = None, None
    for j0 in range(0, max(stop, 1), bk):
        cols = slice(j0, min(j0 + bk, m))
        scores = _scores(qb, k[..., cols, :], scale)
        scores, allowed = _broadcast_masked(scores, _allowed(mask, causal, rows, cols))
        block, terms = _state_and_terms(scores, (scores.ndim - 1,), allowed)
        # (einsum: for these small products a threaded BLAS call costs more
        # in hand-offs than it computes)
        values = np.einsum("...nm,...md->...nd", terms, v[..., cols, :])
        if state is None:
            state, acc = block, values
            continue
        merged = merge_states(state, block)
        f_old, e_old = _rescale(state.max, merged.max)
        f_new, e_new = _rescale(block.max, merged.max)
        acc = (acc * f_old + values * f_new) + (_times(acc, e_old) + _times(values, e_new))
        state = merged
    if state is None:  # no keys at all: an empty (fully masked) slice
        return 0.0
    total = state.scaled_sum + state.error
    out = acc / total
    out = np.where((state.max == -np.inf) & (total > 0), np.nan, out)
    return np.where(total == 0, 0.0, out)


def working_memory(n, m=None, d_v=64, block_size=None, itemsize=8):
    r"""A model of the bytes attention holds at its peak: direct or tiled.

    Parameters
    ----------
    n : int or array_like
        Queries N.
    m : int or array_like, optional
        Keys M (default: N, self-attention).
    d_v : int, optional
        Width of the values (and of the output).
    block_size : int, optional
        None for :func:`attention`; the tile size B for :func:`tiled_attention`.
    itemsize : int, optional
        Bytes per number (8 for float64, in which both compute).

    Returns
    -------
    bytes : int or ndarray
        ``itemsize * (2 * N * M + N * d_v)`` for direct attention (the scores
        and the probabilities, and the output);
        ``itemsize * (N * d_v + 10 * B * B)`` for tiled attention (the output
        and about ten B×B arrays of one tile).

    Notes
    -----
    A model, not a measurement: it counts the arrays whose size grows with N,
    M or B, and leaves out the inputs (which both need) and small fixed
    buffers. ``tests/test_attention.py`` and Chapter 6 check it against
    ``tracemalloc``'s peaks (the direct kernel also keeps two blocks of
    scratch of 1 MiB, which matters only for small N).

    Examples
    --------
    >>> from softmax_lib.attention import working_memory
    >>> print(working_memory(4096) / 2**20, working_memory(4096, block_size=128) / 2**20)
    258.0 3.25
    """
    n = np.asarray(n)
    m = n if m is None else np.asarray(m)
    held = 2 * n * m if block_size is None else 10 * block_size * block_size
    result = itemsize * (held + n * d_v)
    return int(result) if np.ndim(result) == 0 else result
