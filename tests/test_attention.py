"""sl.attention and sl.tiled_attention: equality, masks, special values, memory.

Equality is measured in ULP of the natural scale of each output entry,
``sum_j p_ij |v_jk|`` (the size of the terms of the dot product that makes
it): both functions compute the same scores bitwise and differ only in how
the dot product over the keys is rounded. Bounds: 16 ULP in float64 (measured
up to 8), 1 ULP in float32 (both are computed in float64 and rounded once).
"""

import tracemalloc

import numpy as np
import pytest

import softmax_lib as sl

mpmath = pytest.importorskip("mpmath")

ULP_BOUND = {np.float64: 16.0, np.float32: 1.0}


def inputs(shape_q, shape_k, d_v, dtype=np.float64, scale=1.0, seed=0):
    rng = np.random.default_rng(seed)
    q = (rng.standard_normal(shape_q) * scale).astype(dtype)
    k = (rng.standard_normal(shape_k) * scale).astype(dtype)
    v = rng.standard_normal((*shape_k[:-1], d_v)).astype(dtype)
    return q, k, v


def ulps(a, b, q, k, v, **kw):
    dtype = a.dtype.type
    scale = sl.attention(q.astype(float), k.astype(float), np.abs(v.astype(float)), **kw)
    unit = np.spacing(scale.astype(dtype)).astype(float)
    return np.abs(a.astype(float) - b.astype(float)) / unit


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("block_size", [(50, 1), 17, (32, 7), 1000])
def test_tiled_equals_direct(dtype, causal, block_size):
    q, k, v = inputs((2, 100, 16), (2, 130, 16), 8, dtype, scale=2.0)
    mask = np.random.default_rng(1).random((100, 130)) < 0.7
    mask[5] = False  # a query that attends to nothing
    direct = sl.attention(q, k, v, mask=mask, causal=causal)
    tiled = sl.tiled_attention(q, k, v, block_size=block_size, mask=mask, causal=causal)
    assert direct.dtype == tiled.dtype == dtype
    assert ulps(direct, tiled, q, k, v, mask=mask, causal=causal).max() <= ULP_BOUND[dtype]
    np.testing.assert_array_equal(direct[:, 5], 0.0)
    np.testing.assert_array_equal(tiled[:, 5], 0.0)


def test_against_mpmath():
    """Both are accurate, not just equal: a few ULP of the scale from the exact result."""
    q, k, v = inputs((6, 8), (40, 8), 3, scale=3.0, seed=2)
    direct, tiled = sl.attention(q, k, v), sl.tiled_attention(q, k, v, block_size=7)
    scores = np.einsum("nd,md->nm", q, k) / np.sqrt(8)  # exactly the functions' scores
    with mpmath.workprec(200):
        for i in range(6):
            s = [mpmath.mpf(float(x)) for x in scores[i]]
            top = max(s)
            t = [mpmath.exp(x - top) for x in s]
            total = mpmath.fsum(t)
            for j in range(3):
                exact = (
                    mpmath.fsum(
                        tj * mpmath.mpf(float(vj)) for tj, vj in zip(t, v[:, j], strict=True)
                    )
                    / total
                )
                size = (
                    mpmath.fsum(
                        tj * abs(mpmath.mpf(float(vj))) for tj, vj in zip(t, v[:, j], strict=True)
                    )
                    / total
                )
                unit = np.spacing(float(size))
                assert abs(float(direct[i, j] - exact)) / unit <= 8
                assert abs(float(tiled[i, j] - exact)) / unit <= 8


def test_definition_and_defaults():
    q, k, v = inputs((5, 4), (7, 4), 3)
    scores = q @ k.T / 2.0  # 1 / sqrt(d), d = 4
    np.testing.assert_allclose(sl.attention(q, k, v), sl.softmax(scores) @ v, rtol=1e-13)
    np.testing.assert_allclose(
        sl.attention(q, k, v, scale=1.0), sl.softmax(q @ k.T) @ v, rtol=1e-13
    )
    causal = np.tril(np.ones((5, 7), dtype=bool))
    np.testing.assert_allclose(
        sl.attention(q, k, v, causal=True), sl.attention(q, k, v, mask=causal), rtol=0
    )


def test_batch_dimensions_broadcast():
    q, _, _ = inputs((3, 1, 6, 4), (6, 4), 2)
    _, k, v = inputs((1,), (2, 9, 4), 5, seed=1)
    out = sl.attention(q, k, v)
    assert out.shape == (3, 2, 6, 5)
    tiled = sl.tiled_attention(q, k, v, block_size=4)
    np.testing.assert_allclose(out, tiled, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(out[2, 1], sl.attention(q[2, 0], k[1], v[1]), rtol=1e-14)


@pytest.mark.parametrize("mask_shape", [(2, 5, 7), (2, 1, 5, 7), (1, 7), (5, 1), (7,)])
def test_mask_batch_dimensions_broadcast(mask_shape):
    # The mask broadcasts against (..., N, M) like the inputs: its batch dimensions are
    # the output's, and a mask of one row or one column broadcasts over the queries or keys.
    q, k, v = inputs((5, 4), (7, 4), 3)
    mask = np.random.default_rng(5).random(mask_shape) < 0.6
    direct = sl.attention(q, k, v, mask=mask)
    batch = np.broadcast_shapes(mask.shape[:-2])
    assert direct.shape == (*batch, 5, 3)
    full = np.broadcast_to(mask, (*batch, 5, 7))
    for index in np.ndindex(batch):
        one = sl.attention(q, k, v, mask=np.ascontiguousarray(full[index]))
        np.testing.assert_array_equal(direct[index], one)
    for block_size in (1, 2, (3, 4), 128):
        tiled = sl.tiled_attention(q, k, v, block_size=block_size, mask=mask)
        assert tiled.shape == direct.shape
        assert ulps(direct, tiled, q, k, v, mask=mask).max() <= ULP_BOUND[np.float64]


def test_mask_of_the_wrong_shape():
    q, k, v = inputs((5, 4), (7, 4), 3)
    for function in (sl.attention, sl.tiled_attention):
        with pytest.raises(ValueError, match=r"mask.*\(5, 6\).*\(5, 7\)"):
            function(q, k, v, mask=np.ones((5, 6), bool))


@pytest.mark.parametrize("block_size", [1, 2, 3])
def test_infinite_values_as_in_attention(block_size):
    # An infinite value with a positive weight gives an infinite output, in tiles as directly:
    # the rescaling of the running output computes no inf * 0 and no inf - inf.
    np.testing.assert_array_equal(
        sl.tiled_attention(np.zeros((1, 1)), np.zeros((2, 1)), [[np.inf], [1.0]], block_size=1),
        [[np.inf]],
    )
    rng = np.random.default_rng(6)
    for _ in range(20):
        q, k, v = (rng.standard_normal(shape) for shape in ((4, 3), (6, 3), (6, 2)))
        v[rng.integers(6), 0] = np.inf
        v[rng.integers(6), 1] = -np.inf
        direct = sl.attention(q, k, v)
        assert np.isposinf(direct[:, 0]).all()
        assert np.isneginf(direct[:, 1]).all()
        np.testing.assert_array_equal(sl.tiled_attention(q, k, v, block_size=block_size), direct)


@pytest.mark.parametrize("block_size", [1, 2])
def test_all_minus_inf_scores_give_nan_as_in_attention(block_size):
    # A row of scores that are all -inf has no distribution (the policy of
    # softmax_lib.core): NaN, in tiles as directly; a query with finite scores is unaffected.
    q, k, v = [[-np.inf], [1.0]], [[1.0], [2.0]], [[1.0], [3.0]]
    direct = sl.attention(q, k, v)
    assert np.isnan(direct[0]).all()
    assert np.isfinite(direct[1]).all()
    tiled = sl.tiled_attention(q, k, v, block_size=block_size)
    np.testing.assert_allclose(tiled, direct, rtol=1e-15)  # NaN where direct is NaN
    np.testing.assert_array_equal(
        sl.tiled_attention(q[:1], k, v, block_size=block_size), [[np.nan]]
    )


def test_special_values():
    q, k, v = inputs((3, 2), (4, 2), 2)
    q[1, 0] = np.nan
    for function in (sl.attention, lambda *a, **kw: sl.tiled_attention(*a, block_size=2, **kw)):
        out = function(q, k, v)
        assert np.isnan(out[1]).all()
        assert np.isfinite(out[[0, 2]]).all()
        assert (function(q, k, v, mask=np.zeros((3, 4), dtype=bool)) == 0).all()
    # no keys at all: every query attends to nothing
    empty = sl.tiled_attention(q[[0]], k[:0], v[:0])
    np.testing.assert_array_equal(empty, np.zeros((1, 2)))
    np.testing.assert_array_equal(sl.attention(q[[0]], k[:0], v[:0]), np.zeros((1, 2)))


def test_float16_and_mixed_dtypes():
    q, k, v = inputs((4, 8), (6, 8), 2)
    assert (
        sl.attention(q.astype(np.float16), k.astype(np.float16), v.astype(np.float16)).dtype
        == np.float16
    )
    assert sl.tiled_attention(q.astype(np.float32), k, v).dtype == np.float64


@pytest.mark.parametrize(
    ("q_shape", "k_shape", "v_shape", "match"),
    [
        ((4,), (4, 2), (4, 2), "at least 2"),
        ((3, 4), (5, 3), (5, 2), "same last dimension"),
        ((3, 4), (5, 4), (6, 2), "same number of keys"),
    ],
)
def test_shape_errors(q_shape, k_shape, v_shape, match):
    with pytest.raises(ValueError, match=match):
        sl.attention(np.zeros(q_shape), np.zeros(k_shape), np.zeros(v_shape))


def test_argument_errors():
    q, k, v = inputs((3, 4), (5, 4), 2)
    with pytest.raises(TypeError, match="boolean"):
        sl.attention(q, k, v, mask=np.ones((3, 5)))
    with pytest.raises(ValueError, match="block_size"):
        sl.tiled_attention(q, k, v, block_size=0)
    with pytest.raises(TypeError):
        sl.attention(q.astype(complex), k, v)


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"causal": "no"}, TypeError),
        ({"causal": 1}, TypeError),
        ({"causal": None}, TypeError),
        ({"scale": "a"}, TypeError),
        ({"scale": True}, TypeError),
        ({"scale": np.nan}, ValueError),
        ({"scale": np.inf}, ValueError),
        ({"scale": 0.0}, ValueError),
        ({"scale": -1.0}, ValueError),
    ],
)
@pytest.mark.parametrize("function", [sl.attention, sl.tiled_attention])
def test_option_errors(function, options, error):
    q, k, v = inputs((3, 4), (5, 4), 2)
    with pytest.raises(error, match=next(iter(options))):
        function(q, k, v, **options)


@pytest.mark.parametrize(
    ("block_size", "error"),
    [
        (2.9, TypeError),
        ((2, 2.0), TypeError),
        ("8", TypeError),
        (True, TypeError),
        (-1, ValueError),
        ((4, 0), ValueError),
        ((1, 2, 3), ValueError),
    ],
)
def test_block_size_errors(block_size, error):
    q, k, v = inputs((3, 4), (5, 4), 2)
    with pytest.raises(error, match="block_size"):
        sl.tiled_attention(q, k, v, block_size=block_size)


def test_numpy_scalar_options():
    q, k, v = inputs((3, 4), (5, 4), 2)
    expected = sl.attention(q, k, v, causal=True, scale=0.5)
    np.testing.assert_array_equal(
        sl.attention(q, k, v, causal=np.True_, scale=np.float32(0.5)), expected
    )
    tiled = sl.tiled_attention(q, k, v, block_size=(np.int64(2), 3), causal=True, scale=0.5)
    assert ulps(expected, tiled, q, k, v, causal=True, scale=0.5).max() <= 16


def peak_bytes(function, *args, **kwargs):
    tracemalloc.start()
    try:
        function(*args, **kwargs)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_tiled_never_allocates_the_score_matrix():
    n, d = 1024, 16
    q, k, v = inputs((n, d), (n, d), d)
    score_matrix = n * n * 8  # 8 MiB in float64
    direct = peak_bytes(sl.attention, q, k, v, causal=True)
    tiled = peak_bytes(sl.tiled_attention, q, k, v, block_size=64, causal=True)
    assert direct >= score_matrix
    assert tiled < score_matrix / 8
    assert tiled < direct / 10
