"""Print the accuracy table of softmax_lib against SciPy: max error in ULP.

Run from the repository root::

    python benchmarks/accuracy_table.py

The logits and the 256-bit mpmath reference are those of ``tests/test_accuracy.py``
(seeded samples of widths 10 and 1000 at logit scales 1, 100 and 10,000, float64 and
float32), so the table shows the figures the tests assert (softmax within 4 ULP in
float64 and 1 ULP in float32; log_softmax within 4 ULP), next to SciPy's.
"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import test_accuracy  # the reference lives with the tests

from softmax_lib import log_softmax, softmax, ulp_error


def main():
    import scipy.special as special

    functions = [
        ("softmax", softmax, 1),
        ("log_softmax", log_softmax, 2),
        ("scipy sm", special.softmax, 1),
        ("scipy lsm", special.log_softmax, 2),
    ]
    print(
        f"{'dtype':8} {'width':>5} {'scale':>6} | " + " ".join(f"{n:>11}" for n, _, _ in functions)
    )
    for width, scale, dtype in test_accuracy.CASES:
        reference = test_accuracy.reference(width, scale, dtype)
        logits = reference[0]
        errors = [
            float(np.max(ulp_error(function(logits, axis=-1).astype(dtype), reference[k])))
            for _, function, k in functions
        ]
        print(
            f"{np.dtype(dtype).name:8} {width:5d} {int(scale):6d} | "
            + " ".join(f"{e:11.3g}" for e in errors)
        )


if __name__ == "__main__":
    main()
