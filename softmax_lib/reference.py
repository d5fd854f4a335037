"""High-precision reference values, to measure accuracy in units in the last place.

The accuracy bounds that :mod:`softmax_lib.core` documents (softmax within 4 ULP in
float64 and 1 ULP in float32; log_softmax within 4 ULP) are measured against the
exact softmax of the logits' binary values, computed here with mpmath at 256 bits.
The tests (``tests/test_accuracy.py``) assert the bounds on the seeded samples of
:data:`ACCURACY_CASES`; ``benchmarks/accuracy_table.py`` prints the same figures next
to SciPy's. Chapter 3 (The overflow trick) explains what a ULP is.

mpmath is imported inside the functions (it comes with ``softmax-lib[notebooks]``),
so ``import softmax_lib`` stays numpy-only. For example:

>>> import numpy as np
>>> from softmax_lib import softmax, ulp_error
>>> from softmax_lib.reference import exact_softmax
>>> logits = np.array([[0.0, -1.0, 2.5]])
>>> probs, log_probs = exact_softmax(logits)
>>> float(ulp_error(softmax(logits), probs).max()) <= 4
True
"""

from __future__ import annotations

import numpy as np

__all__ = ["ACCURACY_CASES", "PRECISION", "exact_softmax", "seeded_logits"]

#: Bits of precision of the reference (float64 has 53).
PRECISION = 256

#: Rows per width of the seeded accuracy samples.
_ROWS = {10: 40, 1000: 2}

#: (width, logit scale, dtype) of the seeded samples the accuracy bounds are tested on.
ACCURACY_CASES = [
    (width, scale, dtype)
    for dtype in (np.float64, np.float32)
    for width in _ROWS
    for scale in (1.0, 100.0, 10_000.0)
]


def seeded_logits(width, scale, dtype, n_rows=None, offset=0.0):
    """Seeded standard-normal logits times ``scale`` (plus ``offset``), in ``dtype``.

    Parameters
    ----------
    width : int
        Entries per row (the softmax axis).
    scale : float
        The logits' standard deviation.
    dtype : dtype-like
        The dtype of the result; the values are exactly representable in it.
    n_rows : int, optional
        Rows; default 40 for width 10, 2 for width 1000, else 20.
    offset : float, optional
        Added to every logit (in ``dtype``), to move the row maxima.

    Returns
    -------
    ndarray, shape (n_rows, width)
        The same values for the same arguments, on every machine.
    """
    dtype = np.dtype(dtype).type
    rng = np.random.default_rng([width, int(scale), np.dtype(dtype).itemsize])
    n_rows = n_rows or _ROWS.get(width, 20)
    return (rng.standard_normal((n_rows, width)) * scale).astype(dtype) + dtype(offset)


def exact_softmax(logits, *, precision=PRECISION):
    """The exact softmax and log-softmax of each row of ``logits``, as mpmath numbers.

    Parameters
    ----------
    logits : array_like, shape (n_rows, K)
        Finite logits; each float is taken at its exact binary value.
    precision : int, optional
        Bits of working precision (default 256).

    Returns
    -------
    probs, log_probs : ndarray of object, shape (n_rows, K)
        ``mpmath.mpf`` values, correct to far more digits than float64 holds;
        pass them to :func:`softmax_lib.ulp_error` as the exact values.

    Notes
    -----
    ``1 + rest`` would lose a tiny ``rest`` even at 256 bits (it can be 1e-140 at
    logit scale 10,000), so the log of the sum is taken as ``log1p(rest)``.
    """
    import mpmath

    logits = np.atleast_2d(np.asarray(logits))
    probs = np.empty(logits.shape, dtype=object)
    log_probs = np.empty(logits.shape, dtype=object)
    with mpmath.workprec(precision):
        for i, row in enumerate(logits):
            values = [mpmath.mpf(float(v)) for v in row]  # exact
            k = max(range(len(values)), key=values.__getitem__)
            top = values[k]
            terms = [mpmath.exp(v - top) for v in values]
            rest = mpmath.fsum(terms[:k] + terms[k + 1 :])
            total = 1 + rest
            log_total = mpmath.log1p(rest)
            for j, (v, t) in enumerate(zip(values, terms, strict=True)):
                probs[i, j] = t / total
                log_probs[i, j] = (v - top) - log_total
    return probs, log_probs
