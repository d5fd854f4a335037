"""Benchmark sl.logsumexp on a Dask array against numpy on the same data.

Run from the repository root::

    python benchmarks/bench_dask.py          # 64 x 2,000,000 logits (1 GiB)
    python benchmarks/bench_dask.py --quick  # 16 x 1,000,000 logits

The logits (float64) have rows far longer than one chunk: each row is split
into chunks of ``--chunk`` entries along the softmax axis, as a vocabulary
sharded over workers would be. ``sl.logsumexp`` reduces each chunk to its
partial state (max, scaled sum) and merges the states in a tree; no row is
gathered. The table compares numpy (``sl.logsumexp`` on the whole array in
this process) with Dask on the threaded scheduler and on a
``dask.distributed.LocalCluster`` of 1 and 2 worker processes (one thread
each), with the largest difference in ULP from the numpy result.

The Dask timings include building and scheduling the graph, but neither
starting the cluster nor sending the chunks to the workers: they are
persisted there first, as data sharded over machines would be. On a machine
with two cores, do not expect two workers to be twice as fast: the states
and the scheduler's messages travel between processes, and other processes
share the cores (the load average is printed).

This file is not a test: it lives outside ``tests/`` and is never collected.
"""

import argparse
import logging
import os
import platform

import numpy as np
from _timing import load_average, median_time

import softmax_lib as sl


def main():
    import dask
    import dask.array as da
    import distributed

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller array")
    parser.add_argument("--chunk", type=int, default=250_000, help="entries per chunk")
    args = parser.parse_args()
    rows, width = (16, 1_000_000) if args.quick else (64, 2_000_000)
    repeats = 3
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((rows, width)) * 10
    shards = da.from_array(logits, chunks=(rows, args.chunk))
    print(
        f"numpy {np.__version__}, dask {dask.__version__}, distributed "
        f"{distributed.__version__}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load {load_average()}"
    )
    print(
        f"logits {rows} x {width:,} float64 ({logits.nbytes / 2**20:.0f} MiB), "
        f"chunks of {args.chunk:,} along the softmax axis "
        f"({shards.numblocks[1]} per row)"
    )
    t_numpy, reference = median_time(lambda: sl.logsumexp(logits, axis=1), repeats)
    results = [("numpy, this process", 1, t_numpy, 0.0)]

    def run(array=shards):
        return sl.logsumexp(array, axis=1).compute()

    with dask.config.set(scheduler="threads", num_workers=2):
        t, value = median_time(run, repeats)
    results.append(("dask, threads", 2, t, sl.ulp_error(value, reference).max()))
    for n_workers in (1, 2):
        with (
            distributed.LocalCluster(
                n_workers=n_workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            on_workers = client.persist(shards)  # the chunks move to the workers once
            distributed.wait(on_workers)
            t, value = median_time(lambda array=on_workers: run(array), repeats)
        ulps = sl.ulp_error(value, reference).max()
        results.append(("dask, LocalCluster processes", n_workers, t, ulps))
    print(f"{'how':30} {'workers':>7} {'seconds':>8} {'vs numpy':>8} {'max ULP':>8}")
    for name, workers, seconds, ulps in results:
        print(f"{name:30} {workers:7d} {seconds:8.3f} {seconds / t_numpy:8.2f} {ulps:8.1f}")


if __name__ == "__main__":
    main()
