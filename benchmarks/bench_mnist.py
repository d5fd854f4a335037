"""Benchmark: SoftmaxRegression against scikit-learn's LogisticRegression on MNIST.

Both train on the same float32 data in one process (the real MNIST, from the
softmax_lib cache: `make data` fills it). softmax_lib's model runs with its defaults;
scikit-learn's runs lbfgs to convergence (max_iter=1000, its default tolerance).
Prints the time to load MNIST from the cache, and wall time and test accuracy for both.

Targets (issue 7): test accuracy >= 92.5% with the defaults, training in about 2 s on a
2-core machine, and at least 10x faster than scikit-learn to equal or better accuracy.

Usage: python benchmarks/bench_mnist.py [--repeats N] [--skip-sklearn]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

from softmax_lib.datasets import load_mnist
from softmax_lib.regression import SoftmaxRegression


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs of SoftmaxRegression")
    parser.add_argument("--skip-sklearn", action="store_true", help="only softmax_lib")
    args = parser.parse_args()

    load_times = []
    for _ in range(3):
        start = time.perf_counter()
        data = load_mnist(download=False)
        load_times.append(time.perf_counter() - start)
    print(
        f"load_mnist from the cache (verify + parse + scale): "
        f"median {statistics.median(load_times):.3f} s over 3 loads"
    )

    times, accuracies = [], []
    for _ in range(args.repeats):
        start = time.perf_counter()
        model = SoftmaxRegression(progress=False).fit(data.X_train, data.y_train)
        times.append(time.perf_counter() - start)
        accuracies.append(model.score(data.X_test, data.y_test))
    ours = statistics.median(times)
    print(f"softmax_lib SoftmaxRegression (defaults: {model!r})")
    print(
        f"  train time: median {ours:.2f} s over {args.repeats} runs "
        f"(min {min(times):.2f}, max {max(times):.2f})"
    )
    print(
        f"  test accuracy: {accuracies[0]:.4f} (identical across runs: "
        f"{len(set(accuracies)) == 1})"
    )
    if args.skip_sklearn:
        return

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    reference = LogisticRegression(solver="lbfgs", max_iter=1000)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        start = time.perf_counter()
        reference.fit(data.X_train, data.y_train)
        theirs = time.perf_counter() - start
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    accuracy = reference.score(data.X_test, data.y_test)
    print("scikit-learn LogisticRegression(solver='lbfgs', max_iter=1000)")
    print(
        f"  train time: {theirs:.2f} s, iterations {int(reference.n_iter_[0])}, "
        f"converged: {converged}"
    )
    print(f"  test accuracy: {accuracy:.4f}")
    print(
        f"speed-up of softmax_lib over scikit-learn: {theirs / ours:.1f}x; "
        f"accuracy difference {accuracies[0] - accuracy:+.4f}"
    )


if __name__ == "__main__":
    main()
