"""Print the accuracy table of softmax_lib against SciPy and the naive formula: max ULP.

Run from the repository root::

    python benchmarks/accuracy_table.py

The logits and the 256-bit mpmath reference come from ``softmax_lib.reference``, the
same seeded samples of widths 10 and 1000 at logit scales 1, 100 and 10,000 (float64
and float32) on which ``tests/test_accuracy.py`` asserts the bounds (softmax within
4 ULP in float64 and 1 ULP in float32; log_softmax within 4 ULP), next to SciPy's.
"""

import numpy as np

from softmax_lib import log_softmax, softmax, ulp_error
from softmax_lib.reference import ACCURACY_CASES, exact_softmax, seeded_logits


def naive(logits, axis=-1):
    """The textbook formula (no shift), for comparison."""
    with np.errstate(all="ignore"):
        terms = np.exp(logits)
        return terms / terms.sum(axis=axis, keepdims=True)


def main():
    import scipy.special as special

    functions = [
        ("softmax", softmax, 0),
        ("scipy sm", special.softmax, 0),
        ("naive sm", naive, 0),
        ("log_softmax", log_softmax, 1),
        ("scipy lsm", special.log_softmax, 1),
    ]
    print(
        f"{'dtype':8} {'width':>5} {'scale':>6} | " + " ".join(f"{n:>11}" for n, _, _ in functions)
    )
    for width, scale, dtype in ACCURACY_CASES:
        logits = seeded_logits(width, scale, dtype)
        exact = exact_softmax(logits)
        errors = [
            float(np.max(ulp_error(function(logits, axis=-1).astype(dtype), exact[k])))
            for _, function, k in functions
        ]
        print(
            f"{np.dtype(dtype).name:8} {width:5d} {int(scale):6d} | "
            + " ".join(f"{e:11.3g}" for e in errors)
        )


if __name__ == "__main__":
    main()
