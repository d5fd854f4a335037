"""Benchmark softmax_lib against scipy.special and the copy / exp floors.

Run from the repository root::

    python benchmarks/bench_softmax.py          # full run (a few minutes)
    python benchmarks/bench_softmax.py --quick  # a short smoke run

For every shape and dtype the implementations are timed interleaved, round
robin within each repetition, so that drifts in machine load hit all of them
alike, and the medians are reported. The floors are ``np.copyto(out, x)`` (the
cost of touching the data once) and ``np.exp(x, out=out)`` (the cost of the
exponentials alone, the practical limit). Ratios below 1.0 in ``ours/scipy``
mean softmax_lib is faster.

For float32 input one more floor is shown, ``exp64``: ``np.exp`` of the input
already promoted to float64. softmax_lib computes float16/float32 input in
float64 internally, because numpy's float32 ``exp`` alone is off by up to about
2.4 units in the last place and the float32 softmax must be within 1; SciPy
works in float32. Where ``exp64/scipy`` is near or above 1, no float64-internal
softmax can match SciPy's speed, whatever else it does.

This file is not a test: it lives outside ``tests/`` and is never collected.
"""

import argparse
import os
import platform
import time

import numpy as np
from _timing import load_average

from softmax_lib.core import log_softmax, logsumexp, softmax

SHAPES = [(1_000_000,), (4096, 1000), (100_000, 10), (64, 50_000)]
DTYPES = [np.float32, np.float64]


def _median_times(functions, repeats, min_time):
    """Time each function ``repeats`` times, round robin; return medians (s)."""
    for function in functions.values():  # warm up (page faults, caches)
        function()
    samples = {name: [] for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            count, start = 0, time.perf_counter()
            while True:
                function()
                count += 1
                elapsed = time.perf_counter() - start
                if elapsed >= min_time:
                    break
            samples[name].append(elapsed / count)
    return {name: float(np.median(values)) for name, values in samples.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few repetitions, for a smoke run")
    parser.add_argument("--repeats", type=int, default=None, help="repetitions per timing")
    args = parser.parse_args(argv)
    repeats = args.repeats or (3 if args.quick else 15)
    min_time = 0.0 if args.quick else 0.02

    import scipy
    import scipy.special as special

    print(
        f"numpy {np.__version__}, scipy {scipy.__version__}, python "
        f"{platform.python_version()}, {platform.machine()}, repeats={repeats} (median), "
        f"load average {load_average()} on {os.cpu_count()} CPUs"
    )
    header = (
        f"{'shape':>12} {'dtype':>7} {'function':>11} | {'ours ms':>8} {'scipy ms':>8} "
        f"{'exp ms':>7} {'exp64 ms':>8} {'copy ms':>7} | {'ours/scipy':>10} {'ours/exp':>8} "
        f"{'exp64/scipy':>11}"
    )
    print(header)
    print("-" * len(header))
    rng = np.random.default_rng(0)
    worst = 0.0
    for shape in SHAPES:
        for dtype in DTYPES:
            x = rng.standard_normal(shape).astype(dtype)
            out = np.empty_like(x)
            x64 = x.astype(np.float64)
            out64 = np.empty_like(x64)
            functions = {
                ("ours", "softmax"): lambda x=x: softmax(x, axis=-1),
                ("scipy", "softmax"): lambda x=x: special.softmax(x, axis=-1),
                ("ours", "log_softmax"): lambda x=x: log_softmax(x, axis=-1),
                ("scipy", "log_softmax"): lambda x=x: special.log_softmax(x, axis=-1),
                ("ours", "logsumexp"): lambda x=x: logsumexp(x, axis=-1),
                ("scipy", "logsumexp"): lambda x=x: special.logsumexp(x, axis=-1),
                ("floor", "exp"): lambda x=x, out=out: np.exp(x, out=out),
                ("floor", "copy"): lambda x=x, out=out: np.copyto(out, x),
            }
            if dtype != np.float64:
                functions[("floor", "exp64")] = lambda x=x64, out=out64: np.exp(x, out=out)
            times = _median_times(functions, repeats, min_time)
            exp_time, copy_time = times[("floor", "exp")], times[("floor", "copy")]
            exp64_time = times.get(("floor", "exp64"), exp_time)
            for name in ("softmax", "log_softmax", "logsumexp"):
                ours, theirs = times[("ours", name)], times[("scipy", name)]
                worst = max(worst, ours / theirs)
                print(
                    f"{shape!s:>12} {np.dtype(dtype).name:>7} {name:>11} | "
                    f"{ours * 1e3:8.2f} {theirs * 1e3:8.2f} {exp_time * 1e3:7.2f} "
                    f"{exp64_time * 1e3:8.2f} {copy_time * 1e3:7.2f} | "
                    f"{ours / theirs:10.2f} {ours / exp_time:8.2f} {exp64_time / theirs:11.2f}"
                )
    print(f"worst ratio ours/scipy: {worst:.2f}")
    print(f"load average at the end: {load_average()} (on {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
