"""Dask arrays in sl.softmax, sl.log_softmax and sl.logsumexp (the optional extra).

The softmax axis is chunked: the reduction must merge partial states in a
tree, never gather a row. Results are compared with the numpy path (same
special-value policy, within each function's ULP bound of it) and, for
logsumexp, with a 256-bit mpmath reference. One test runs on a real
dask.distributed LocalCluster with two worker processes.
"""

import subprocess
import sys

import numpy as np
import pytest

import softmax_lib as sl

da = pytest.importorskip("dask.array")

INF, NAN = np.inf, np.nan


def logits(seed=0, shape=(6, 500), scale=30.0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape) * scale
    x[1, 5] = NAN
    x[2] = -INF
    x[3, 7] = x[3, -3] = INF
    x[4, ::3] = -INF
    return x


def same(a, b, bound):
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
    ok = ~np.isnan(b)
    assert (sl.ulp_error(a[ok], b[ok]) <= bound).all()


@pytest.mark.parametrize("function", [sl.softmax, sl.log_softmax])
@pytest.mark.parametrize("masked", [False, True])
def test_normalised_on_a_chunked_axis(function, masked):
    x = logits()
    mask = None
    if masked:
        mask = np.random.default_rng(1).random(x.shape) < 0.8
        mask[5] = False  # a fully masked row
        mask[1, 5] = False  # the NaN is masked out: row 1 becomes defined
    lazy = function(da.from_array(x, chunks=(3, 64)), where=mask)
    assert isinstance(lazy, da.Array)
    assert lazy.chunks == da.from_array(x, chunks=(3, 64)).chunks  # same chunks
    same(lazy.compute(), function(x, where=mask), 4)


def test_logsumexp_against_mpmath_and_numpy():
    mpmath = pytest.importorskip("mpmath")
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 1000)) + np.array([[0.0], [-6.0], [700.0], [-300.0]])
    lazy = sl.logsumexp(da.from_array(x, chunks=(2, 37)), axis=1)
    assert isinstance(lazy, da.Array)
    got = lazy.compute()
    with mpmath.workprec(256):
        exact = []
        for row in x:
            values = [mpmath.mpf(float(v)) for v in row]
            top = max(values)
            exact.append(top + mpmath.log(mpmath.fsum(mpmath.exp(v - top) for v in values)))
    assert sl.ulp_error(got, np.array(exact, dtype=object)).max() <= 4
    same(got, sl.logsumexp(x, axis=1), 4)


def test_tree_reduction_without_rechunking():
    data = np.random.default_rng(4).standard_normal((2, 4096)) * 30
    x = da.from_array(data, chunks=(2, 128))  # 32 chunks per row
    lse = sl.logsumexp(x, axis=1, keepdims=True)
    graph = dict(lse.__dask_graph__())
    names = {key[0] if isinstance(key, tuple) else key for key in graph}
    assert not any("rechunk" in name for name in names)
    assert sum("merge" in name or "combine" in name for name in names) >= 1  # a tree
    same(lse.compute(split_every=4)[:, 0], sl.logsumexp(data, axis=1), 4)


def test_policy_and_shapes():
    x = logits(shape=(6, 40))
    dx = da.from_array(x, chunks=(4, 7))
    same(sl.logsumexp(dx, axis=-1).compute(), sl.logsumexp(x, axis=-1), 4)
    same(sl.logsumexp(dx).compute(), sl.logsumexp(x), 4)
    assert sl.logsumexp(dx, axis=(0, 1), keepdims=True).shape == (1, 1)
    _, sign = sl.logsumexp(dx[[0, 2]], axis=1, return_sign=True)
    np.testing.assert_array_equal(sign.compute(), [1.0, 0.0])
    same(sl.softmax(dx, axis=0).compute()[[0, 5]], sl.softmax(x, axis=0)[[0, 5]], 4)
    same(sl.softmax(dx, temperature=3.0).compute(), sl.softmax(x, temperature=3.0), 4)
    empty = da.zeros((3, 0), chunks=(3, 1))
    np.testing.assert_array_equal(sl.logsumexp(empty, axis=1).compute(), [-INF] * 3)


def test_dtypes_and_errors():
    x = da.from_array(np.arange(12.0).reshape(3, 4).astype(np.float32), chunks=(3, 2))
    assert sl.softmax(x).dtype == np.float32
    assert sl.softmax(x).compute().dtype == np.float32
    assert sl.logsumexp(x, axis=1).compute().dtype == np.float32
    assert sl.softmax(da.arange(6, chunks=2)).dtype == np.float64
    with pytest.raises(TypeError):
        sl.softmax(da.from_array(np.array([1 + 1j, 2])))
    with pytest.raises(NotImplementedError, match="weights"):
        sl.logsumexp(x, b=np.ones(4))
    with pytest.raises(ValueError, match="temperature"):
        sl.softmax(x, temperature=0.0)
    with pytest.raises(ValueError, match=r"where of shape \(2, 3, 4\).*\(3, 4\)"):
        sl.softmax(x, where=np.ones((2, 3, 4), bool))


def test_temperature_with_huge_logits_does_not_warn():
    # x / T overflows to inf in a chunk: the documented limit of the Dask path, but no
    # RuntimeWarning (pytest turns one into an error).
    x = np.array([[1e308, 0.0, -1e308], [1.0, 2.0, 3.0]])
    dx = da.from_array(x, chunks=(1, 2))
    for function in (sl.softmax, sl.log_softmax):
        got = function(dx, temperature=0.1).compute()
        same(got[1:], function(x[1:], temperature=0.1), 4)
    np.testing.assert_array_equal(sl.softmax(dx, temperature=0.1).compute()[0], [1.0, 0.0, 0.0])


def test_logsumexp_positional_parameters():
    x = np.array([[1.0, 2.0, 3.0], [0.5, 0.5, 0.5]])
    dx = da.from_array(x, chunks=(1, 2))
    value, sign = sl.logsumexp(dx, 1, None, True, True)
    same(value.compute(), sl.logsumexp(x, 1, None, True), 4)
    np.testing.assert_array_equal(sign.compute(), [[1.0], [1.0]])


def test_import_stays_numpy_only():
    code = "import sys, softmax_lib; print(any(m.split('.')[0] == 'dask' for m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


@pytest.mark.slow
def test_on_a_local_cluster_with_two_worker_processes():
    distributed = pytest.importorskip("distributed")
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 20_000)) * 10  # a "vocabulary" of 20,000 logits per row
    dx = da.from_array(x, chunks=(4, 2_500))  # 8 shards per row
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        assert len(client.scheduler_info()["workers"]) == 2
        lse, probs, log_probs = client.compute(
            [sl.logsumexp(dx, axis=1), sl.softmax(dx), sl.log_softmax(dx)], sync=True
        )
    same(lse, sl.logsumexp(x, axis=1), 4)
    same(probs, sl.softmax(x), 4)
    same(log_probs, sl.log_softmax(x), 4)
