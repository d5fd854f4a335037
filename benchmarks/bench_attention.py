"""Benchmark direct against tiled attention: time and peak memory across N.

Run from the repository root::

    python benchmarks/bench_attention.py          # N up to 4096 (about a minute)
    python benchmarks/bench_attention.py --quick  # N up to 1024

For each sequence length N (self-attention, queries = keys = values, d = 64,
float64) the table shows the median time of ``sl.attention`` and of
``sl.tiled_attention`` (tiles of 128 queries by 128 keys) over a few runs, the
peak of what numpy allocated during one run (``tracemalloc``), and the model of
``softmax_lib.attention.working_memory``.

Be honest about what this shows: in numpy the tiled version is usually
*slower*, because it replaces one large matrix product by many small ones
and runs a Python loop over the tiles. What it buys is memory: O(N·d + B²)
instead of O(N²). FlashAttention is fast on GPUs for a reason numpy cannot
exploit (on-chip memory that is much faster than the GPU's main memory).

This file is not a test: it lives outside ``tests/`` and is never collected.
"""

import argparse
import os
import platform
import tracemalloc

import numpy as np
from _timing import load_average, median_time

import softmax_lib as sl
from softmax_lib.attention import working_memory

D = 64
BLOCK = 128


def _peak(function):
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N up to 1024")
    args = parser.parse_args()
    ns = [256, 512, 1024] if args.quick else [256, 512, 1024, 2048, 4096]
    repeats = 3
    print(
        f"numpy {np.__version__}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load {load_average()}; d = {D}, tiles {BLOCK}x{BLOCK}, float64"
    )
    header = (
        f"{'N':>6} | {'direct s':>9} {'tiled s':>9} {'tiled/direct':>12} | "
        f"{'direct MiB':>10} {'tiled MiB':>9} {'ratio':>6} | "
        f"{'model direct':>12} {'model tiled':>11}"
    )
    print(header)
    print("-" * len(header))
    rng = np.random.default_rng(0)
    mib = 2.0**20
    for n in ns:
        q, k, v = (rng.standard_normal((n, D)) for _ in range(3))

        def direct(q=q, k=k, v=v):
            return sl.attention(q, k, v)

        def tiled(q=q, k=k, v=v):
            return sl.tiled_attention(q, k, v, block_size=BLOCK)

        t_direct, _ = median_time(direct, repeats)
        t_tiled, _ = median_time(tiled, repeats)
        m_direct, m_tiled = _peak(direct), _peak(tiled)
        print(
            f"{n:6d} | {t_direct:9.3f} {t_tiled:9.3f} {t_tiled / t_direct:12.2f} | "
            f"{m_direct / mib:10.1f} {m_tiled / mib:9.2f} {m_direct / m_tiled:6.0f} | "
            f"{working_memory(n, d_v=D) / mib:12.1f} "
            f"{working_memory(n, d_v=D, block_size=BLOCK) / mib:11.2f}"
        )


if __name__ == "__main__":
    main()
