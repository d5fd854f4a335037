"""Accuracy of softmax and log_softmax against a 256-bit mpmath reference.

The reference (softmax_lib.reference) is computed from the exact binary values of
the logits, for a seeded sample: widths 10 and 1000, logit scales 1, 100 and 10,000,
float32 and float64. Errors are in ULP of the dtype (``ulp_error``).
Bounds (issue 3): softmax <= 4 ULP in float64 and <= 1 ULP in float32;
log_softmax <= 4 ULP, its largest entry included.
"""

import functools

import numpy as np
import pytest

from softmax_lib.core import log_softmax, softmax, ulp_error
from softmax_lib.reference import ACCURACY_CASES, exact_softmax, seeded_logits

mpmath = pytest.importorskip("mpmath")

SOFTMAX_BOUND = {np.float64: 4.0, np.float32: 1.0}
LOG_SOFTMAX_BOUND = 4.0


@functools.cache
def reference(width, scale, dtype, offset=0.0, rows=None):
    """Seeded logits and their exact softmax and log_softmax (softmax_lib.reference)."""
    logits = seeded_logits(width, scale, dtype, rows, offset)
    return (logits, *exact_softmax(logits))


CASES = ACCURACY_CASES
IDS = [f"{np.dtype(d).name}-w{w}-s{int(s)}" for w, s, d in CASES]


@pytest.mark.parametrize(("width", "scale", "dtype"), CASES, ids=IDS)
def test_softmax_ulp(width, scale, dtype):
    logits, probs, _ = reference(width, scale, dtype)
    computed = softmax(logits)
    assert computed.dtype == dtype
    assert ulp_error(computed, probs).max() <= SOFTMAX_BOUND[dtype]


@pytest.mark.parametrize(("width", "scale", "dtype"), CASES, ids=IDS)
def test_log_softmax_ulp(width, scale, dtype):
    logits, _, log_probs = reference(width, scale, dtype)
    computed = log_softmax(logits)
    assert computed.dtype == dtype
    errors = ulp_error(computed, log_probs)
    assert errors.max() <= LOG_SOFTMAX_BOUND
    # The largest entry (a tiny negative number when one logit dominates) is
    # the one log(softmax) and x - logsumexp(x) get wrong; check it alone too.
    top = np.argmax(logits, axis=-1)
    assert errors[np.arange(len(top)), top].max() <= LOG_SOFTMAX_BOUND


# Row maxima in every regime of the shift (see softmax_lib.core): c = 0, the
# compensated shifts above 600 and below -1, and near-uniform rows of width 100
# where a plain float64 sum alone costs up to ~4 ULP.
REGIMES = [
    (10, 100.0, 1000.0),
    (10, 100.0, -300.0),
    (10, 1.0, 700.0),
    (10, 3.0, -2.0),
    (1000, 100.0, 1000.0),
    (1000, 1.0, -5.0),
    (100, 0.5, 0.3),
]


@pytest.mark.parametrize(("width", "scale", "offset"), REGIMES)
def test_float64_shift_regimes(width, scale, offset):
    logits, probs, log_probs = reference(
        width, scale, np.float64, offset, 3 if width > 100 else 20
    )
    assert ulp_error(softmax(logits), probs).max() <= SOFTMAX_BOUND[np.float64]
    assert ulp_error(log_softmax(logits), log_probs).max() <= LOG_SOFTMAX_BOUND


@pytest.mark.parametrize("top", [650.0, 1000.0, 1400.0])
def test_float64_wide_rows_below_the_sterbenz_range(top):
    # Row maximum m above 600 with the other logits in [m - 740, m / 2): there x - m is
    # not exact (Sterbenz's lemma needs x >= m / 2), so its rounding error must be
    # recovered for every m up to the kernel's Sterbenz threshold.
    rng = np.random.default_rng(int(top))
    logits = rng.uniform(top - 740.0, top / 2, (5, 10))
    logits[:, 0] = top
    probs, log_probs = exact_softmax(logits)
    assert ulp_error(softmax(logits), probs).max() <= SOFTMAX_BOUND[np.float64]
    assert ulp_error(log_softmax(logits), log_probs).max() <= LOG_SOFTMAX_BOUND


def test_reference_is_exact_enough():
    # Sanity check of the reference itself on a case with a closed form.
    with mpmath.workprec(256):
        value = mpmath.exp(mpmath.mpf(0)) / (1 + mpmath.exp(mpmath.mpf(-1)))
    assert ulp_error(softmax(np.array([0.0, -1.0]))[0], value) <= 0.5


def test_scipy_exceeds_the_bound():
    """The bound is not vacuous: scipy.special.softmax misses it at scale 100."""
    special = pytest.importorskip("scipy.special")
    logits, probs, log_probs = reference(1000, 100.0, np.float64)
    assert ulp_error(special.softmax(logits, axis=-1), probs).max() > 4.0
    assert ulp_error(special.log_softmax(logits, axis=-1), log_probs).max() > 4.0
