"""The blocked kernel behind :mod:`softmax_lib.core` (private).

:mod:`softmax_lib.core` holds the public functions and their special-value
policy; this module holds how they are computed: the input is viewed as a 2-D
``(rows, K)`` array, processed in cache-sized blocks of rows; each block is
shifted by its row maxima, with the rounding error of the shift recovered
exactly (Fast2Sum, Dekker 1971), exponentiated and summed. Chapter 3 (The
overflow trick) explains the numerics; ``benchmarks/bench_softmax.py`` measures
the speed.
"""

import math

import numpy as np

from softmax_lib._validation import (
    as_float_array,
    as_mask,
    check_temperature,
    normalize_axes,
)

# ---------------------------------------------------------------------------
# Tuning constants (see Chapter 3 (The overflow trick) and benchmarks/).
# ---------------------------------------------------------------------------
# Work on blocks of about 1 MiB of float64 so that the five or so passes over a
# block (max, shift, exp, sum, scale) run from cache instead of from memory.
_BLOCK_ELEMS = 1 << 17
# Rows shorter than this are processed transposed: numpy reduces and
# broadcasts along a short inner axis slowly, but along the long outer axis of
# a transposed copy at full vector speed.
_SHORT_ROW = 64
# Below this many entries, row sums use math.fsum (less call overhead).
_TINY = 256
# float32 softmax of at most this many entries skips the blocks (_small_float32_softmax).
_SMALL = 1 << 13

# The shift c subtracted before exp (softmax is invariant under any shift).
# When the row maximum m lies in [-1, 600] we use c = 0: x - 0 is exact, the
# largest term exp(m) >= 1/e keeps the sum >= 1/e (so the absolute error of
# subnormal terms grows by at most e), and the sum cannot overflow (K * e**600
# is far below the float64 maximum for any K). Otherwise
# c = m, and x - m may be rounded; that rounding error is recovered exactly
# (Fast2Sum) and folded back in, except where Sterbenz's lemma already makes
# x - m exact for every term that does not underflow (|m| large).
_ZERO_SHIFT_MIN = -1.0
_ZERO_SHIFT_MAX = 600.0
_STERBENZ_POS = 1500.0  # m >= this: x - m exact for all x > m - 746
_STERBENZ_NEG = -750.0  # m <= this: likewise


# ---------------------------------------------------------------------------
# Reshaping helpers: every function works on a 2-D (rows, K) view.
# ---------------------------------------------------------------------------
def _to_rows(x, axes):
    """Move ``axes`` to the end and view ``x`` as (rows, K); return the plan."""
    keep = [i for i in range(x.ndim) if i not in axes]
    perm = keep + list(axes)
    moved = x if perm == sorted(perm) else x.transpose(perm)
    batch_shape = moved.shape[: len(keep)]
    size = math.prod(x.shape[i] for i in axes)
    rows = moved.reshape(math.prod(batch_shape), size)
    return rows, moved.shape, perm, batch_shape


def _from_rows(rows, moved_shape, perm):
    """Inverse of :func:`_to_rows` for an array shaped like the input."""
    moved = rows.reshape(moved_shape)
    return moved if perm == sorted(perm) else moved.transpose(np.argsort(perm))


def _prepare(x, axis, temperature, where):
    """Validate and promote the arguments.

    Returns ``(x, axes, out_dtype, mask, shape)``: ``x`` is a floating array
    (float16 is promoted to float64, float32 is kept and promoted block by
    block), ``mask`` is a boolean array broadcast to ``x.shape`` or None (it
    must broadcast to the caller's shape: ``ValueError`` otherwise), and
    ``shape`` is the caller's shape (``()`` for a 0-d input).
    """
    x = as_float_array(x)
    out_dtype = x.dtype
    shape = x.shape
    mask = None if where is None else as_mask(where, shape)
    if x.ndim == 0:
        # A 0-d input is one slice with one entry.
        if axis is not None and axis != () and axis not in (0, -1):
            normalize_axes(axis, 0)  # raises numpy's AxisError
        x = x.reshape(1)
        mask = None if mask is None else mask.reshape(1)
        axis = None
    axes = normalize_axes(axis, x.ndim)
    temperature = check_temperature(temperature)
    if x.dtype == np.float16:
        x = x.astype(np.float64)  # exact; rounded back once at the end
    if temperature != 1.0:
        x = x.astype(np.float64)
        with np.errstate(over="ignore", under="ignore"):
            scaled = x / temperature
        # Masked-out entries take no part, whatever their value (they become -inf later).
        taking_part = np.isfinite(x) if mask is None else (np.isfinite(x) & mask)
        if np.isinf(scaled[taking_part]).any():
            # x / T overflowed for a huge finite x: shift by the slice maximum
            # first (x - max <= 0, so dividing can only underflow).
            with np.errstate(over="ignore", under="ignore"):
                scaled = _shift_by_max(x, axes, taking_part) / temperature
        x = scaled
    return x, axes, out_dtype, mask, shape


def _shift_by_max(x, axes, taking_part):
    """``x - max`` over ``axes``, the maximum over the entries ``taking_part`` only.

    ``taking_part`` marks the finite entries that are not masked out, so the
    maxima are neither NaN nor set by an entry that takes no part (only used
    for huge x).
    """
    top = np.max(np.where(taking_part, x, -np.inf), axis=axes, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(over="ignore", invalid="ignore"):
        return x - top


def _apply_mask(x, mask):
    """Replace masked-out entries by -inf (a new array; ``x`` is not touched)."""
    if mask is None:
        return x
    return np.where(mask, x, -np.inf)


# ---------------------------------------------------------------------------
# The kernel: one block of rows.
# ---------------------------------------------------------------------------
_SOFTMAX, _LOG_SOFTMAX, _LOGSUMEXP = 0, 1, 2


def _select(arr, idx, red):
    """Rows ``idx`` of a block stored with its reduction along axis ``red``."""
    return arr[idx] if red == 1 else arr[:, idx]


def _assign(arr, idx, red, values):
    if red == 1:
        arr[idx] = values
    else:
        arr[:, idx] = values


def _col(v, red):
    """Shape a per-row vector to broadcast against a block."""
    return v[:, None] if red == 1 else v[None, :]


def _shifted_exp(work, red, m, exact_input, out):
    """Write ``exp(work - c)`` into ``out`` (float64), exact up to exp's rounding.

    ``m`` holds the finite row maxima (float64). ``exact_input`` is True when
    ``work`` holds the caller's float64 values, so that the rounding error of
    the shift matters; for float16/float32 input promoted to float64 it is far
    below the final rounding, and c = m.

    Returns ``tmax``, the value ``exp(m - c)`` of the largest term.
    """
    if not exact_input:
        np.subtract(work, _col(m, red), out=out)
        np.exp(out, out=out)
        return np.ones_like(m)
    shifted = (m < _ZERO_SHIFT_MIN) | (m > _ZERO_SHIFT_MAX)
    rows = np.flatnonzero(shifted)
    if 8 * rows.size <= m.size:
        # Typical logits: (nearly) every row takes c = 0, so exponentiate the
        # block directly and redo the few other rows (whose exp(x) may have
        # overflowed) with their shift.
        np.exp(work, out=out)
        if rows.size:
            redo = np.empty(_select(out, rows, red).shape)
            _exp_minus_max(_select(work, rows, red), red, m[rows], redo)
            _assign(out, rows, red, redo)
    else:
        _exp_minus_max(work, red, np.where(shifted, m, 0.0), out, m)
    return np.where(shifted, 1.0, np.exp(np.where(shifted, 0.0, m)))


def _exp_minus_max(work, red, shift, out, m=None):
    """``out = exp(work - shift)`` for float64 rows, with the rounding error of
    the subtraction folded back in where it matters.

    ``shift`` is the row maximum ``m`` (or 0 for rows whose maximum lies in
    the zero-shift range, passed with their true maximum in ``m``).
    """
    m = shift if m is None else m
    np.subtract(work, _col(shift, red), out=out)
    need = ((m > _ZERO_SHIFT_MAX) & (m < _STERBENZ_POS)) | (
        (m < _ZERO_SHIFT_MIN) & (m > _STERBENZ_NEG)
    )
    fix = np.flatnonzero(need)
    if fix.size:
        # Exact rounding error of d = fl(x - c) by Fast2Sum. For c = m > 600
        # every term that matters (x > m - 746) has |x| <= c, so
        # err = x - (d + c) is exact; for c = m < 0 every x <= m has
        # |x| >= |c|, so err = -((d - x) + c) is exact. Then
        # exp(d + err) = exp(d) * (1 + err) to far below one ULP, as
        # |err| <= 2**-43.
        xs = _select(work, fix, red)
        ds = _select(out, fix, red)
        cs = _col(shift[fix], red)
        err = np.where(_col(m[fix] > 0.0, red), xs - (ds + cs), -((ds - xs) + cs))
        err[~np.isfinite(err)] = 0.0  # x = -inf: exp(d) is 0 anyway
    np.exp(out, out=out)
    if fix.size:
        terms = _select(out, fix, red)
        terms += terms * err
        _assign(out, fix, red, terms)


def _row_sums(terms, red, upper, scratch):
    """Row sums of nonnegative ``terms`` as ``(hi, lo)``; ``hi + lo`` is nearly exact.

    A plain sum of K terms is off by up to about log2(K) (pairwise) or K
    (sequential) rounding errors, which alone can break a 4-ULP budget. Here
    every term is split as ``t = hi + lo`` where ``hi`` is ``t`` rounded to a
    multiple of ``q = ulp(2 * upper)`` (``upper`` bounds the row sum): the sum
    of the ``hi`` parts is then exact in any order, and the ``lo`` parts are so
    small (``|lo| <= q / 2``) that their rounding errors do not matter. The
    split is the classic ``(t + M) - M`` with ``M = 1.5 * 2**E``. Cost: three
    elementwise passes and one extra reduction, all in cache.
    """
    if terms.size <= _TINY:
        # A few numbers: math.fsum (correctly rounded) beats seven numpy calls.
        rows = terms if red == 1 else terms.T
        return np.array([math.fsum(row) for row in rows.tolist()]), 0.0
    _, exponent = np.frexp(upper)  # upper < 2**exponent
    magic = _col(np.ldexp(1.5, exponent + 1), red)
    hi = scratch[: terms.size].reshape(terms.shape)
    np.add(terms, magic, out=hi)
    hi -= magic
    hi_sum = _reduce(hi, red)  # exact
    np.subtract(terms, hi, out=hi)  # the lo parts, exact
    return hi_sum, _reduce(hi, red)


def _reduce(arr, red):
    """Sum along ``red``; einsum is about 2.5x faster than ``sum`` on rows."""
    if red == 1:
        return np.einsum("ij->i", arr)
    return np.add.reduce(arr, axis=0)


def _block(xb, ob, lse, mode, scratch, scratch2):
    """Compute one block of rows.

    xb : (nb, K) float64 or float32 input rows (never written to).
    ob : (nb, K) output rows (softmax / log_softmax) or None.
    lse : (nb,) float64 output (logsumexp) or None.
    scratch, scratch2 : float64 buffers with at least nb * K entries each.
    """
    nb, size = xb.shape
    # float32 input is promoted to float64 block by block; only the caller's
    # own float64 values need the compensated shift (see _shifted_exp).
    exact_input = xb.dtype == np.float64
    transposed = size < _SHORT_ROW and nb > 1
    red = 0 if transposed else 1
    work = np.ascontiguousarray(xb.T, dtype=np.float64) if transposed else xb
    if mode == _SOFTMAX or transposed:
        # (argmax along the outer axis of a transposed block is ten times
        # slower than max; the log modes find the maxima another way there.)
        m = work.max(axis=red)
        arg = None
    else:
        arg = work.argmax(axis=1)
        m = work[np.arange(nb), arg]
    m = m.astype(np.float64, copy=False)
    finite = np.isfinite(m)
    all_finite = bool(finite.all())
    if not all_finite:
        # Rare: compute the finite rows normally, patch the others below.
        work = np.where(_col(finite, red), work, 0.0)
        m = np.where(finite, m, 0.0)

    direct = mode == _SOFTMAX and not transposed and ob.dtype == np.float64
    terms = ob if direct else scratch[: nb * size].reshape(work.shape)
    tmax = _shifted_exp(work, red, m, exact_input, terms)

    if mode == _SOFTMAX:
        if exact_input:
            # Error budget in ULP of the result: exp 0.5 (1 after the
            # compensation of the shift), the sum 0.5, the division 0.5, each
            # doubled at worst by the change of binade: at most 3.5 < 4.
            # (Multiplying by a reciprocal would add one more rounding.)
            hi, lo = _row_sums(terms, red, size * tmax, scratch2)
            np.divide(terms, _col(hi + lo, red), out=terms)
            if not direct:
                _store(ob, terms, transposed)
        else:
            # float32: everything so far is float64 and far more accurate than
            # the final rounding, so a plain sum and a reciprocal will do.
            recip = _col(1.0 / _reduce(terms, red), red)
            if transposed:
                terms *= recip
                _store(ob, terms, transposed)
            else:
                np.multiply(terms, recip, out=ob, casting="same_kind")
    else:
        # log(sum) = log(tmax) + log1p(rest / tmax), where rest sums the terms
        # other than the largest: log1p keeps full relative accuracy when the
        # largest term dominates (the largest log-probability is then a tiny
        # number, not 0).
        if transposed:
            # Drop every term equal to the maximum and add back all but one.
            below = np.not_equal(work, m[None, :])
            terms *= below
            extra = (size - 1) - np.add.reduce(below.view(np.uint8), axis=0)
        else:
            terms[np.arange(nb), arg] = 0.0
            extra = 0
        if exact_input:
            hi, lo = _row_sums(terms, red, size * tmax, scratch2)
            rest = hi + lo
        else:
            rest = _reduce(terms, red)
        rest += extra * tmax  # exact when 0; else rest >= tmax, no cancellation
        log_rest = np.log1p(rest / tmax)
        if mode == _LOGSUMEXP:
            lse[...] = m + log_rest
        else:
            # x - m and -log_rest are both <= 0: no cancellation, two roundings.
            np.subtract(work, _col(m, red), out=terms)
            if transposed:
                terms -= _col(log_rest, red)
                _store(ob, terms, transposed)
            else:
                np.subtract(terms, _col(log_rest, red), out=ob, casting="same_kind")

    if not all_finite:
        _patch_special_rows(xb, ob, lse, mode, np.flatnonzero(~finite))


def _store(ob, terms, transposed):
    """Copy float64 results into the output block (rounding once if needed)."""
    if transposed:
        np.copyto(ob, terms.T, casting="same_kind")
    else:
        np.copyto(ob, terms, casting="same_kind")


def _patch_special_rows(xb, ob, lse, mode, bad):
    """Apply the special-value policy to rows whose maximum is not finite."""
    for i in bad:
        row = xb[i]
        if np.isnan(row).any():
            value, probs, logp = np.nan, np.nan, np.nan
        elif (row == np.inf).any():
            top = row == np.inf
            count = np.count_nonzero(top)
            value = np.inf
            probs = top / count
            logp = np.where(top, 0.0 - math.log(count), -np.inf)
        else:  # all -inf
            value, probs, logp = -np.inf, np.nan, np.nan
        if mode == _SOFTMAX:
            ob[i] = probs
        elif mode == _LOG_SOFTMAX:
            ob[i] = logp
        else:
            lse[i] = value


def _each(task, items):
    """Run ``task(pull)`` once, where ``pull()`` hands out the next item (None at the end).

    The kernel runs on the calling thread only. An earlier version added a helper
    thread for large inputs; measured, it made some shapes faster and others slower
    and depended on the machine's load, so it was removed (benchmarks/bench_softmax.py).
    To spread a large softmax over several cores or machines, pass a Dask array.
    """
    remaining = iter(items)
    return [task(lambda: next(remaining, None))]


def _long_row(x, o, mode):
    """One row longer than a block: two passes over column chunks.

    Pass 1 computes the terms chunk by chunk (kept in ``o`` for float64
    softmax, in a float64 buffer otherwise) and their exact partial sums; pass
    2 normalises. Returns the log-sum-exp of the row.
    """
    size = x.size
    row = x[None, :]
    if mode == _SOFTMAX:
        top = x.max()
        arg = -1
    else:
        arg = int(x.argmax())
        top = x[arg]
    m = np.array([top], dtype=np.float64)
    if not np.isfinite(m[0]):
        lse = np.empty(1)
        _patch_special_rows(row, None if o is None else o[None, :], lse, mode, [0])
        return lse[0]
    exact_input = x.dtype == np.float64
    direct = mode == _SOFTMAX and o.dtype == np.float64
    terms = o if direct else (np.empty(size) if mode == _SOFTMAX else None)
    chunks = [(a, min(a + _BLOCK_ELEMS, size)) for a in range(0, size, _BLOCK_ELEMS)]
    zero_shift = exact_input and _ZERO_SHIFT_MIN <= m[0] <= _ZERO_SHIFT_MAX
    tmax = np.exp(m) if zero_shift else np.ones(1)

    def first_pass(pull):
        buffer, scratch = np.empty(_BLOCK_ELEMS), np.empty(_BLOCK_ELEMS)
        parts = []
        with np.errstate(all="ignore"):
            while (chunk := pull()) is not None:
                a, b = chunk
                t = (buffer[: b - a] if terms is None else terms[a:b])[None, :]
                _shifted_exp(row[:, a:b], 1, m, exact_input, t)
                if a <= arg < b:
                    t[0, arg - a] = 0.0
                if exact_input:
                    parts.extend(float(v[0]) for v in _row_sums(t, 1, size * tmax, scratch))
                else:  # float32 input: a plain float64 sum is accurate enough
                    parts.append(float(t.sum()))
        return parts

    rest = math.fsum(p for parts in _each(first_pass, chunks) for p in parts)
    if mode == _SOFTMAX:
        # float64 output divides (one rounding, see _block); float16/32 output
        # multiplies by the reciprocal, whose extra float64 rounding is far
        # below the final one, and is faster.
        exact_output = o.dtype == np.float64
        scale = rest if exact_output else 1.0 / rest
        normalize = np.divide if exact_output else np.multiply

        def second_pass(pull):
            with np.errstate(all="ignore"):
                while (chunk := pull()) is not None:
                    a, b = chunk
                    normalize(terms[a:b], scale, out=o[a:b], casting="same_kind")

        _each(second_pass, chunks)
        return None
    log_rest = math.log1p(rest / tmax[0])
    if mode == _LOG_SOFTMAX:

        def second_pass(pull):
            buffer = np.empty(_BLOCK_ELEMS)
            with np.errstate(all="ignore"):
                while (chunk := pull()) is not None:
                    a, b = chunk
                    t = buffer[: b - a]
                    np.subtract(x[a:b], m[0], out=t)
                    np.subtract(t, log_rest, out=o[a:b], casting="same_kind")

        _each(second_pass, chunks)
    return m[0] + log_rest


def _run(rows, mode, out_dtype):
    """Run the kernel over all rows, in blocks of about 1 MiB."""
    n, size = rows.shape
    ob = None if mode == _LOGSUMEXP else np.empty((n, size), dtype=out_dtype)
    lse = np.empty(n) if mode == _LOGSUMEXP else None
    if n == 0:
        return ob, lse
    if size == 0:
        if lse is not None:
            lse[...] = -np.inf
        return ob, lse
    if size > _BLOCK_ELEMS:
        for i in range(n):
            value = _long_row(rows[i], None if ob is None else ob[i], mode)
            if lse is not None:
                lse[i] = value
        return ob, lse
    per_block = max(1, _BLOCK_ELEMS // size)
    starts = list(range(0, n, per_block))

    def work(pull):
        scratch = np.empty(min(per_block, n) * size)
        scratch2 = np.empty_like(scratch)
        # Every special case is handled explicitly; what is silenced here is
        # only the harmless overflow of x - c to -inf (exp gives 0, the right
        # answer) and the intermediate NaN of rows that are patched afterwards.
        with np.errstate(all="ignore"):
            while (start := pull()) is not None:
                stop = min(start + per_block, n)
                _block(
                    rows[start:stop],
                    None if ob is None else ob[start:stop],
                    None if lse is None else lse[start:stop],
                    mode,
                    scratch,
                    scratch2,
                )

    _each(work, starts)
    return ob, lse


def _small_float32_softmax(rows):
    """Softmax of a few short float32 rows, or None when a row maximum is not finite.

    The float32 path of :func:`_block` on a transposed block, calling the same
    helpers in the same order (so the same bits), without the block machinery,
    which costs more than the arithmetic for a minibatch of logits such as
    (256, 10).
    """
    work = np.ascontiguousarray(rows.T, dtype=np.float64)
    m = work.max(axis=0)
    if not np.isfinite(m).all():
        return None  # special rows: the kernel applies the policy
    _shifted_exp(work, 0, m, False, work)
    work *= 1.0 / _reduce(work, 0)
    out = np.empty(rows.shape, dtype=np.float32)
    _store(out, work, True)
    return out


def _normalized(x, axis, temperature, where, mode):
    """Shared driver of :func:`softmax` and :func:`log_softmax`."""
    x, axes, out_dtype, mask, shape = _prepare(x, axis, temperature, where)
    x = _apply_mask(x, mask)
    rows, moved_shape, perm, _ = _to_rows(x, axes)
    n, size = rows.shape
    few_short_rows = n > 1 and 0 < size < _SHORT_ROW and n * size <= _SMALL
    ob = None
    if mode == _SOFTMAX and rows.dtype == np.float32 and few_short_rows:
        ob = _small_float32_softmax(rows)
    if ob is None:
        ob, _ = _run(rows, mode, out_dtype)
    if mask is not None:
        mask_rows, _, _, _ = _to_rows(mask, axes)
        empty = ~mask_rows.any(axis=1)
        ob[empty] = 0.0 if mode == _SOFTMAX else -np.inf
    return _from_rows(ob, moved_shape, perm).reshape(shape)


def _weighted_logsumexp(rows, weights):
    """log|sum(w * exp(x))| and its sign per row (masked entries are -inf)."""
    n, size = rows.shape
    lse = np.full(n, -np.inf)
    sign = np.zeros(n)
    if n == 0 or size == 0:
        return lse, sign
    with np.errstate(all="ignore"):
        m = rows.max(axis=1)
        finite = np.isfinite(m)
        work = np.where(finite[:, None], rows, 0.0)
        terms = np.empty_like(work)
        tmax = _shifted_exp(work, 1, np.where(finite, m, 0.0), True, terms)
        total = (weights * terms).sum(axis=1) / tmax
        sign = np.sign(total)
        lse = m + np.log(np.abs(total))
        for i in np.flatnonzero(~finite | np.isnan(total)):
            row, w = rows[i], weights[i]
            if np.isnan(row).any() or np.isnan(w).any():
                lse[i], sign[i] = np.nan, np.nan
            elif (row == np.inf).any():
                top = w[row == np.inf].sum()
                lse[i] = np.inf if top != 0 else np.nan
                sign[i] = np.sign(top) if top != 0 else np.nan
            elif m[i] == -np.inf:
                lse[i], sign[i] = -np.inf, 0.0
            else:  # a weight is +-inf
                lse[i], sign[i] = np.inf, np.sign(total[i])
    return lse, sign
