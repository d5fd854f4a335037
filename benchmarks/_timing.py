"""What the benchmark scripts share: the machine's load and a median timing.

Imported by the scripts as a sibling module (``python benchmarks/bench_x.py`` puts
``benchmarks/`` first on ``sys.path``). Not a test: never collected.
"""

import os
import time

import numpy as np


def load_average():
    """The 1-minute load average as text (other work on the machine skews the timings)."""
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except (AttributeError, OSError):  # Windows
        return "n/a"


def median_time(function, repeats):
    """Run ``function()`` ``repeats`` times; return the median time (s) and its last result."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), result
