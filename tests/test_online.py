"""The online softmax (softmax_lib.online): merge accuracy against mpmath, policy, algebra.

The accuracy tests reduce a logsumexp block by block (blocks of size 1, ragged
blocks, random merge trees) and compare with a 256-bit mpmath reference, as
tests/test_accuracy.py does for the whole axis. Bound: the same as for
``logsumexp`` on the whole axis, 4 ULP in float64 (where the whole-axis result
itself loses accuracy to cancellation near 0, the blocked one may not be worse
than it by more than 1 ULP) and 1 ULP in float32 (rounded once from float64).
"""

import functools
import itertools

import numpy as np
import pytest

import softmax_lib as sl
from softmax_lib.online import _merge_along
from softmax_lib.reference import exact_softmax

mpmath = pytest.importorskip("mpmath")

INF, NAN = np.inf, np.nan
BOUND = {np.float64: 4.0, np.float32: 1.0}
# (width, scale, offset): the sample of tests/test_accuracy.py plus maxima in
# every regime of the kernel's shift (c = 0, above 600, below -1).
CASES = [
    (10, 1.0, 0.0),
    (10, 100.0, 0.0),
    (10, 10_000.0, 0.0),
    (1000, 1.0, 0.0),
    (1000, 100.0, 0.0),
    (10, 1.0, 700.0),
    (10, 100.0, -300.0),
    (1000, 1.0, -5.0),
    (1000, 1.0, -6.0),
    (100, 0.5, 0.3),
]


def sample(width, scale, offset, dtype, n_rows=None):
    rng = np.random.default_rng([width, int(scale), int(abs(offset)), np.dtype(dtype).itemsize])
    n_rows = n_rows or (3 if width >= 1000 else 12)
    return (rng.standard_normal((n_rows, width)) * scale + offset).astype(dtype)


@functools.cache
def reference(width, scale, offset, dtype):
    """Exact logsumexp (mpmath, 256 bits) of each row of the sample."""
    x = sample(width, scale, offset, dtype)
    exact = np.empty(len(x), dtype=object)
    with mpmath.workprec(256):
        for i, row in enumerate(x):
            values = [mpmath.mpf(float(v)) for v in row]
            top = max(values)
            exact[i] = top + mpmath.log(mpmath.fsum(mpmath.exp(v - top) for v in values))
    return x, exact


def blocks_of(x, edges):
    return [sl.softmax_state(x[:, a:b]) for a, b in itertools.pairwise(edges)]


def reduce_randomly(states, rng):
    """Merge neighbours chosen at random until one state is left (a random tree)."""
    states = list(states)
    while len(states) > 1:
        i = int(rng.integers(len(states) - 1))
        states[i : i + 2] = [sl.merge_states(states[i], states[i + 1])]
    return states[0]


def check(x, state, exact, dtype):
    computed = sl.state_logsumexp(state)[:, 0].astype(dtype)
    whole = sl.logsumexp(x, axis=-1)
    errors = sl.ulp_error(computed, exact)
    whole_errors = sl.ulp_error(whole, exact)
    allowed = np.maximum(BOUND[dtype], whole_errors + 1.0)
    assert (errors <= allowed).all(), (errors.max(), whole_errors.max())
    return errors.max()


IDS = [f"w{w}-s{int(s)}-o{int(o)}" for w, s, o in CASES]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("width", "scale", "offset"), CASES, ids=IDS)
def test_blocks_of_size_one_in_random_trees(width, scale, offset, dtype):
    x, exact = reference(width, scale, offset, dtype)
    rng = np.random.default_rng(width)
    singles = blocks_of(x, np.arange(width + 1))
    # left to right (the online softmax), then random trees over a shuffled order
    sequential = singles[0]
    for state in singles[1:]:
        sequential = sl.merge_states(sequential, state)
    check(x, sequential, exact, dtype)
    for _ in range(2):
        order = rng.permutation(width)
        check(x, reduce_randomly([singles[i] for i in order], rng), exact, dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("width", "scale", "offset"), CASES, ids=IDS)
def test_ragged_blocks(width, scale, offset, dtype):
    x, exact = reference(width, scale, offset, dtype)
    rng = np.random.default_rng(width + 1)
    for _ in range(3):
        cuts = np.sort(rng.choice(np.arange(1, width), size=min(width - 1, 7), replace=False))
        edges = np.concatenate([[0], cuts, [width]])
        states = blocks_of(x, edges)
        rng.shuffle(states)
        check(x, reduce_randomly(states, rng), exact, dtype)


def test_uncompensated_merge_is_worse():
    """The bound is not vacuous: a plain float64 (m, s) loop misses it where lse ~ 1."""
    x, exact = reference(1000, 1.0, -6.0, np.float64)
    m = np.full(len(x), -INF)
    s = np.zeros(len(x))
    for column in x.T:  # the textbook online softmax, one entry at a time
        new = np.maximum(m, column)
        s = s * np.exp(m - new) + np.exp(column - new)
        m = new
    assert sl.ulp_error(m + np.log(s), exact).max() > 2 * BOUND[np.float64]
    careful = reduce_randomly(blocks_of(x, np.arange(1001)), np.random.default_rng(0))
    assert check(x, careful, exact, np.float64) <= BOUND[np.float64]


def test_merge_is_commutative_and_associative_on_states():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((5, 30)) * 20
    a, b, c = blocks_of(x, [0, 7, 8, 30])
    ab_c = sl.merge_states(sl.merge_states(a, b), c)
    a_bc = sl.merge_states(a, sl.merge_states(b, c))
    ba = sl.merge_states(b, a)
    np.testing.assert_array_equal(ab_c.max, a_bc.max)
    np.testing.assert_allclose(
        ab_c.scaled_sum + ab_c.error, a_bc.scaled_sum + a_bc.error, rtol=4e-16
    )
    np.testing.assert_array_equal(sl.merge_states(a, b).scaled_sum, ba.scaled_sum)


def test_state_softmax_and_log_softmax_match_core():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((6, 50)) * 50
    state = reduce_randomly(blocks_of(x, [0, 3, 20, 21, 50]), rng)
    np.testing.assert_array_less(sl.ulp_error(sl.state_softmax(x, state), sl.softmax(x)), 5)
    np.testing.assert_array_less(
        sl.ulp_error(sl.state_log_softmax(x, state), sl.log_softmax(x)), 5
    )
    # a block normalised with the state of the whole row
    np.testing.assert_array_equal(
        sl.state_softmax(x[:, 3:20], state), sl.state_softmax(x, state)[:, 3:20]
    )


def test_state_softmax_and_log_softmax_at_large_logits_within_the_bound():
    # At logit scale 300 the block maxima differ by amounts that are not exact in
    # float64: the merge must carry the rounding error of each rescaling factor, or
    # state_log_softmax (x - m - log s, cancelling near the maximum) loses ~100s of ULP.
    rng = np.random.default_rng(7)
    x = rng.standard_normal((20, 8)) * 300
    probs, log_probs = exact_softmax(x)
    for edges in ([0, 3, 5, 8], [0, 1, 4, 8]):
        state = blocks_of(x, edges)[0]
        for block in blocks_of(x, edges)[1:]:
            state = sl.merge_states(state, block)
        assert sl.ulp_error(sl.state_softmax(x, state), probs).max() <= BOUND[np.float64]
        assert sl.ulp_error(sl.state_log_softmax(x, state), log_probs).max() <= BOUND[np.float64]


def test_axis_keepdims_and_dtypes():
    x = np.arange(24.0).reshape(2, 3, 4)
    state = sl.softmax_state(x, axis=(0, 2))
    assert state.max.shape == (1, 3, 1)
    np.testing.assert_allclose(sl.state_logsumexp(state)[0, :, 0], sl.logsumexp(x, axis=(0, 2)))
    flat = sl.softmax_state(x, axis=1, keepdims=False)
    assert flat.max.shape == (2, 4)
    assert sl.softmax_state(np.float32([1, 2])).max.dtype == np.float64
    assert (
        sl.state_softmax(np.float32([1, 2]), sl.softmax_state(np.float32([1, 2]))).dtype
        == np.float32
    )
    assert sl.softmax_state(3.0).max.shape == (1,)
    assert sl.softmax_state([1, 2, 3]).max.dtype == np.float64  # integers become float64


@pytest.mark.parametrize(
    "bad", [np.array([1 + 2j]), np.array(["a"]), np.array([1.0], dtype=np.longdouble)]
)
def test_bad_dtypes_raise(bad):
    if bad.dtype == np.longdouble and np.finfo(np.longdouble).bits == 64:
        pytest.skip("longdouble is float64 here")
    with pytest.raises(TypeError):
        sl.softmax_state(bad)


def test_bad_mask_and_axis():
    with pytest.raises(TypeError, match="boolean"):
        sl.softmax_state([1.0, 2.0], where=[1, 0])
    with pytest.raises(np.exceptions.AxisError):
        sl.softmax_state([1.0, 2.0], axis=2)


# --- the special-value policy, case by case ---------------------------------


def two_blocks(row, where=None, cut=2):
    row = np.asarray(row, dtype=float)[None, :]
    mask = None if where is None else np.asarray(where)[None, :]
    left = sl.softmax_state(row[:, :cut], where=None if mask is None else mask[:, :cut])
    right = sl.softmax_state(row[:, cut:], where=None if mask is None else mask[:, cut:])
    return row, mask, sl.merge_states(left, right)


@pytest.mark.parametrize(
    ("row", "where"),
    [
        ([1.0, NAN, 3.0, 0.0], None),
        ([1.0, 2.0, -INF, 0.0], None),
        ([-INF, -INF, -INF, -INF], None),
        ([INF, 2.0, 3.0, INF], None),
        ([INF, NAN, 3.0, 0.0], None),
        ([1.0, NAN, 3.0, 0.0], [True, False, True, True]),  # a masked NaN is ignored
        ([1.0, 2.0, 3.0, 0.0], [False, False, False, False]),  # fully masked
        ([-INF, 2.0, 3.0, -INF], [True, False, False, True]),  # unmasked entries all -inf
        ([5.0, 2.0, 3.0, 0.0], [False, True, False, True]),
    ],
)
def test_policy_matches_core(row, where):
    x, mask, state = two_blocks(row, where)
    np.testing.assert_array_equal(
        sl.state_logsumexp(state)[:, 0], sl.logsumexp(x, axis=-1, where=mask)
    )
    np.testing.assert_allclose(
        sl.state_softmax(x, state, where=mask), sl.softmax(x, where=mask), rtol=1e-15
    )
    np.testing.assert_allclose(
        sl.state_log_softmax(x, state, where=mask), sl.log_softmax(x, where=mask), rtol=1e-15
    )


def test_empty_block_is_the_identity():
    empty = sl.softmax_state(np.zeros((2, 0)))
    np.testing.assert_array_equal(empty.max, [[-INF], [-INF]])
    np.testing.assert_array_equal(empty.scaled_sum, [[0.0], [0.0]])
    state = sl.softmax_state(np.array([[1.0, 2.0], [INF, 0.0]]))
    for merged in (sl.merge_states(empty, state), sl.merge_states(state, empty)):
        for got, want in zip(merged, state, strict=True):
            np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(sl.state_logsumexp(empty), [[-INF], [-INF]])


def test_infinite_maxima_count():
    _, _, state = two_blocks([INF, 1.0, INF, INF])
    assert state.max[0, 0] == INF
    assert state.scaled_sum[0, 0] == 3.0
    _, _, state = two_blocks([-INF, -INF, -INF, 2.0])
    assert state.max[0, 0] == 2.0
    assert state.scaled_sum[0, 0] == 1.0


def test_merge_along_folds_an_axis():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 12))
    stacked = sl.softmax_state(x.reshape(3, 4, 3), axis=2)  # (3, 4, 1) states
    folded = _merge_along(stacked, 1)
    np.testing.assert_allclose(
        sl.state_logsumexp(folded)[:, 0, 0], sl.logsumexp(x, axis=1), rtol=1e-15
    )
    nothing = _merge_along(sl.softmax_state(np.zeros((2, 0, 1)), axis=2), 1)
    np.testing.assert_array_equal(nothing.max, [[[-INF]], [[-INF]]])


def test_no_runtime_warnings_and_input_untouched():
    x = np.array([[1e308, -1e308, 0.0, INF, -INF, NAN]])
    before = x.copy()
    state = sl.softmax_state(x[:, :3])  # RuntimeWarnings are errors in this suite
    sl.state_softmax(x[:, :3], state)
    sl.merge_states(state, sl.softmax_state(x[:, 3:]))
    np.testing.assert_array_equal(x, before)
