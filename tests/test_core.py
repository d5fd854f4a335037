"""Properties, dtypes and axes of softmax, log_softmax, logsumexp and naive_softmax."""

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from softmax_lib._validation import AxisError
from softmax_lib.core import log_softmax, logsumexp, naive_softmax, softmax, ulp_error

SETTINGS = settings(deadline=None, max_examples=100, database=None)

finite64 = st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False)
vectors = hnp.arrays(np.float64, st.integers(1, 40), elements=finite64)
matrices = hnp.arrays(
    np.float64, hnp.array_shapes(min_dims=2, max_dims=3, max_side=12), elements=finite64
)
huge = st.floats(-1e308, 1e308, allow_nan=False, allow_infinity=False)


# --- properties (hypothesis) ----------------------------------------------------------------
@SETTINGS
@given(vectors)
def test_sums_to_one_and_in_unit_interval(logits):
    probs = softmax(logits)
    assert np.all((probs >= 0) & (probs <= 1))
    assert abs(probs.sum() - 1.0) <= 4 * logits.size * np.finfo(np.float64).eps


@SETTINGS
@given(matrices, st.integers(0, 1))
def test_sums_to_one_along_any_axis(logits, axis):
    probs = softmax(logits, axis=axis)
    np.testing.assert_allclose(probs.sum(axis=axis), 1.0, rtol=1e-13)


# Logits on a grid of 2**-10, so that adding an integer shift is exact.
grid_vectors = hnp.arrays(
    np.float64, st.integers(1, 40), elements=st.integers(-(2**20), 2**20).map(lambda i: i / 1024)
)


@SETTINGS
@given(grid_vectors, st.integers(-2000, 2000))
def test_shift_invariance(logits, shift):
    # Both results are within 4 ULP of the same exact value.
    probs, shifted = softmax(logits), softmax(logits + shift)
    np.testing.assert_allclose(shifted, probs, rtol=8 * np.finfo(float).eps, atol=1e-300)
    # A log-probability near 0 can be subnormal, where ULPs are absolute: hence atol.
    np.testing.assert_allclose(
        log_softmax(logits + shift),
        log_softmax(logits),
        rtol=8 * np.finfo(float).eps,
        atol=1e-300,
    )


@SETTINGS
@given(vectors)
def test_order_preserved(logits):
    # Larger logits never get smaller probabilities (up to the 4-ULP accuracy).
    probs = softmax(logits)[np.argsort(logits, kind="stable")]
    assert np.all(np.diff(probs) >= -8 * np.spacing(probs[1:]))


@SETTINGS
@given(vectors)
def test_softmax_equals_exp_log_softmax(logits):
    probs, log_probs = softmax(logits), log_softmax(logits)
    # exp turns an absolute error of log_probs into a relative one: allow for it.
    tolerance = 8 * np.finfo(float).eps * probs * (1 + np.abs(log_probs)) + 1e-300
    assert np.all(np.abs(probs - np.exp(log_probs)) <= tolerance)


@SETTINGS
@given(vectors)
def test_log_softmax_is_x_minus_logsumexp(logits):
    np.testing.assert_allclose(
        log_softmax(logits), logits - logsumexp(logits), rtol=1e-12, atol=1e-9
    )


@SETTINGS
@given(hnp.arrays(np.float64, st.integers(1, 20), elements=huge))
def test_any_finite_magnitude_no_warning(logits):
    # pytest runs with -W error::RuntimeWarning, so a warning fails the test.
    probs = softmax(logits)
    assert np.isfinite(probs).all()
    assert abs(probs.sum() - 1.0) < 1e-12
    assert np.isfinite(log_softmax(logits)).sum() >= 1
    assert np.isfinite(logsumexp(logits))


@SETTINGS
@given(hnp.arrays(np.float64, st.integers(2, 10), elements=st.floats(-100, 100), unique=True))
def test_temperature_limits(logits):
    # T -> 0: one-hot on the arg max; T -> inf: uniform.
    cold = softmax(logits, temperature=1e-6)
    assert cold[np.argmax(logits)] > 1 - 1e-12 or np.sort(logits)[-1] - np.sort(logits)[-2] < 1e-4
    np.testing.assert_allclose(softmax(logits, temperature=1e12), 1 / logits.size, rtol=1e-9)


@SETTINGS
@given(vectors, st.floats(0.01, 100))
def test_temperature_is_division(logits, temperature):
    np.testing.assert_array_equal(
        softmax(logits, temperature=temperature), softmax(logits / temperature)
    )


@pytest.mark.parametrize("n_rows", [1, 300])
@pytest.mark.parametrize("width", [3, 100])
def test_ties_at_the_maximum(n_rows, width):
    logits = np.zeros((n_rows, width))
    logits[:, :2] = 5.0
    log_probs = log_softmax(logits)
    expected = -np.log(2 + (width - 2) * np.exp(-5.0))
    np.testing.assert_allclose(log_probs[:, 0], expected, rtol=4e-16)
    np.testing.assert_allclose(logsumexp(logits, axis=1), 5.0 - expected, rtol=4e-16)
    np.testing.assert_allclose(softmax(logits)[:, 0], np.exp(expected), rtol=4e-16)


# --- examples --------------------------------------------------------------------------------
def test_known_values():
    np.testing.assert_allclose(softmax([0.0, np.log(3.0)]), [0.25, 0.75], rtol=1e-15)
    np.testing.assert_allclose(log_softmax([0.0, 0.0]), [-np.log(2)] * 2, rtol=1e-15)
    assert logsumexp([0.0, 0.0]) == pytest.approx(np.log(2), rel=1e-15)


def test_log_softmax_keeps_tiny_top_entry():
    # log(softmax) would round the top entry to -0.0; the exact value is -exp(-50).
    assert log_softmax([0.0, -50.0])[0] == pytest.approx(-np.exp(-50.0), rel=1e-15)
    assert logsumexp([0.0, -50.0]) == pytest.approx(np.exp(-50.0), rel=1e-15)


def test_compensated_shift_regimes():
    # Row maxima in every regime of the shift choice (c = 0, compensated above 600
    # and below -1, Sterbenz-exact beyond +-1500) give the softmax of the
    # unshifted logits. The logits are on a 2**-10 grid so the shifts are exact.
    rng = np.random.default_rng(5)
    base = np.round(rng.standard_normal((4, 50)) * 30 * 1024) / 1024
    base -= base.max(axis=1, keepdims=True)  # max exactly 0
    expected = softmax(base)
    for offset in (0.0, 0.5, 300.0, -0.5, -300.0, 700.0, 1000.0, -1000.0, 1e6, -1e6):
        shifted = base + offset
        np.testing.assert_array_equal(shifted - offset, base)
        np.testing.assert_allclose(softmax(shifted), expected, rtol=8e-16, atol=1e-300)
        np.testing.assert_allclose(log_softmax(shifted), log_softmax(base), rtol=8e-16)


@pytest.mark.parametrize("shape", [(7,), (3, 5), (2, 3, 4), (200, 3), (3, 70), (2, 200_000)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_matches_scipy(shape, dtype):
    special = pytest.importorskip("scipy.special")
    rng = np.random.default_rng(1)
    logits = (rng.standard_normal(shape) * 5).astype(dtype)
    reference = logits.astype(np.float64)
    rtol = 1e-13 if dtype == np.float64 else 1e-6
    np.testing.assert_allclose(softmax(logits), special.softmax(reference, axis=-1), rtol=rtol)
    # scipy's log_softmax is inaccurate in relative terms on the largest entries
    # (see test_accuracy.py), so compare those absolutely.
    np.testing.assert_allclose(
        log_softmax(logits), special.log_softmax(reference, axis=-1), rtol=rtol, atol=rtol
    )
    np.testing.assert_allclose(
        logsumexp(logits, axis=-1), special.logsumexp(reference, axis=-1), rtol=rtol
    )


@SETTINGS
@given(
    hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, min_side=1, max_side=4),
    st.data(),
)
def test_logsumexp_weights_broadcast_like_scipy(shapes, data):
    # b may have more dimensions than x: x is broadcast against b first, and axis refers to
    # the broadcast shape (as in scipy.special.logsumexp).
    special = pytest.importorskip("scipy.special")
    x_shape, b_shape = shapes.input_shapes
    ndim = len(shapes.result_shape)
    x = data.draw(hnp.arrays(np.float64, x_shape, elements=st.floats(-50, 50)))
    b = data.draw(hnp.arrays(np.float64, b_shape, elements=st.floats(0, 2)))
    axis = data.draw(st.none() | st.integers(-ndim, ndim - 1)) if ndim else None
    keepdims = data.draw(st.booleans())
    got = logsumexp(x, axis=axis, b=b, keepdims=keepdims)
    expected = special.logsumexp(x, axis=axis, b=b, keepdims=keepdims)
    # The shape of numpy's reductions (scipy keeps a 0-d input's dimensions as (1,)).
    full = np.broadcast_to(x, shapes.result_shape)
    assert np.shape(got) == np.sum(full, axis=axis, keepdims=keepdims).shape
    np.testing.assert_allclose(got, np.reshape(expected, np.shape(got)), rtol=1e-13, atol=1e-13)


def test_logsumexp_weights_with_more_dimensions_than_x():
    special = pytest.importorskip("scipy.special")
    x = np.array([1.0, 2.0])
    b = np.array([[1.0, 0.0], [1.0, 1.0]])
    for axis in (None, 0, 1, -1, (0, 1)):
        np.testing.assert_allclose(
            logsumexp(x, axis=axis, b=b), special.logsumexp(x, axis=axis, b=b), rtol=1e-15
        )
    # where must broadcast to the shape of x broadcast against b.
    where = np.array([[True], [False]])
    np.testing.assert_allclose(logsumexp(x, axis=1, b=b, where=where), [1.0, -np.inf])


def test_logsumexp_positional_parameters_are_scipys():
    special = pytest.importorskip("scipy.special")
    x = np.array([[1.0, 2.0, 3.0], [0.5, 0.5, 0.5]])
    b = np.array([[1.0, -0.5, 2.0], [1.0, -3.0, 1.0]])
    value, sign = logsumexp(x, 1, b, True, True)
    expected_value, expected_sign = special.logsumexp(x, 1, b, True, True)
    np.testing.assert_allclose(value, expected_value, rtol=1e-14)
    np.testing.assert_array_equal(sign, expected_sign)
    with pytest.raises(TypeError):
        logsumexp(x, 1, b, True, True, np.ones(x.shape, bool))  # where is keyword-only


@pytest.mark.parametrize("function", [softmax, log_softmax, logsumexp])
def test_where_with_more_dimensions_than_x_is_a_clear_error(function):
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(3,\)"):
        function(np.ones(3), where=np.ones((2, 3), bool))
    with pytest.raises(ValueError, match=r"\(2,\).*\(\)"):
        function(1.0, where=np.ones(2, bool))


# --- axes ------------------------------------------------------------------------------------
@pytest.mark.parametrize("axis", [0, 1, 2, -1, -3, (0, 2), (1, 2), (0, 1, 2), None, ()])
def test_axis_forms(axis):
    special = pytest.importorskip("scipy.special")
    rng = np.random.default_rng(2)
    logits = rng.standard_normal((3, 4, 5))
    expected = special.softmax(logits, axis=axis) if axis != () else np.ones_like(logits)
    np.testing.assert_allclose(softmax(logits, axis=axis), expected, rtol=1e-14)
    np.testing.assert_allclose(
        np.exp(log_softmax(logits, axis=axis)), expected, rtol=1e-13, atol=0
    )
    if axis != ():
        np.testing.assert_allclose(
            logsumexp(logits, axis=axis), special.logsumexp(logits, axis=axis), rtol=1e-14
        )


def test_logsumexp_keepdims_and_scalar():
    logits = np.arange(12.0).reshape(3, 4)
    assert logsumexp(logits, axis=1, keepdims=True).shape == (3, 1)
    assert logsumexp(logits, keepdims=True).shape == (1, 1)
    assert np.ndim(logsumexp(logits)) == 0


@pytest.mark.parametrize("function", [softmax, log_softmax, logsumexp])
@pytest.mark.parametrize("axis", [2, -3, (0, 2), (0, 0)])
def test_bad_axis(function, axis):
    error = ValueError if axis == (0, 0) else AxisError
    with pytest.raises(error):
        function(np.zeros((2, 3)), axis=axis)


def test_axis_error_is_numpys():
    assert issubclass(AxisError, (IndexError, ValueError))
    with pytest.raises(np.exceptions.AxisError):
        softmax(np.zeros(3), axis=1)


# --- dtypes ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("values", "dtype"),
    [
        ([1, 2, 3], np.float64),
        (np.array([1, 2, 3], dtype=np.int8), np.float64),
        (np.array([1, 2, 3], dtype=np.uint64), np.float64),
        ([True, False], np.float64),
        (np.array([1, 2, 3], dtype=np.float16), np.float16),
        (np.array([1, 2, 3], dtype=np.float32), np.float32),
        (np.array([1, 2, 3], dtype=np.float64), np.float64),
    ],
)
def test_dtype_handling(values, dtype):
    assert softmax(values).dtype == dtype
    assert log_softmax(values).dtype == dtype
    assert logsumexp(values).dtype == dtype


def test_non_native_byte_order():
    logits = np.random.default_rng(0).standard_normal((3, 7)) * 100
    swapped = logits.astype(logits.dtype.newbyteorder())
    np.testing.assert_array_equal(softmax(swapped), softmax(logits))
    np.testing.assert_array_equal(log_softmax(swapped), log_softmax(logits))


def test_float16_is_computed_in_higher_precision():
    logits = np.array([1.0, 2.0, 3.0], dtype=np.float16)
    expected = softmax(logits.astype(np.float64)).astype(np.float16)
    np.testing.assert_array_equal(softmax(logits), expected)


@pytest.mark.parametrize(
    "values",
    [
        np.array([1 + 2j, 3]),
        np.array([1, "a"], dtype=object),
        np.array(["a", "b"]),
        np.array([1.0], dtype=np.longdouble) if np.finfo(np.longdouble).bits > 64 else "x",
    ],
)
@pytest.mark.parametrize("function", [softmax, log_softmax, logsumexp])
def test_unsupported_dtypes_raise_type_error(values, function):
    with pytest.raises(TypeError, match="float16, float32 or float64"):
        function(values)


@pytest.mark.parametrize("temperature", [0.0, -1.0, np.inf, np.nan])
@pytest.mark.parametrize("function", [softmax, log_softmax])
def test_bad_temperature(function, temperature):
    with pytest.raises(ValueError, match="temperature"):
        function([1.0, 2.0], temperature=temperature)


@pytest.mark.parametrize("temperature", ["hot", 1j, True, None])
def test_temperature_type(temperature):
    with pytest.raises(TypeError, match="temperature"):
        softmax([1.0, 2.0], temperature=temperature)


def test_temperature_with_huge_logits_does_not_overflow():
    probs = softmax([1e308, 0.0], temperature=0.5)
    np.testing.assert_array_equal(probs, [1.0, 0.0])


def test_temperature_with_huge_logits_leaves_infinite_rows_to_the_policy():
    # x / T overflows in row 0, so every row is shifted by its finite maximum first; row 1
    # has none (only -inf and +inf): it keeps its values, and +inf takes all the mass.
    x = np.array([[1e308, 0.0], [-np.inf, np.inf]])
    np.testing.assert_array_equal(softmax(x, temperature=0.5), [[1.0, 0.0], [0.0, 1.0]])
    np.testing.assert_array_equal(
        log_softmax(x, temperature=0.5), [[0.0, -np.inf], [-np.inf, 0.0]]
    )


@pytest.mark.parametrize("function", [softmax, log_softmax])
def test_temperature_with_a_masked_huge_logit(function):
    # x / T overflows only in a masked-out entry: it takes no part (the policy).
    x = np.array([1.0, 2.0, 1e308])
    where = np.array([True, True, False])
    expected = function(np.array([1.0, 2.0]), temperature=0.1)
    got = function(x, where=where, temperature=0.1)
    np.testing.assert_array_equal(got[:2], expected)
    assert got[2] == (0.0 if function is softmax else -np.inf)
    # An unmasked entry overflows too: the shift ignores the masked, larger one.
    x = np.array([1e308, 9e307, 1.7e308])
    np.testing.assert_array_equal(
        function(x, where=where, temperature=0.5)[:2], function(x[:2], temperature=0.5)
    )


@st.composite
def masked_logits(draw):
    """Logits of any magnitude or special value, and a mask with an entry in every slice."""
    x = draw(
        hnp.arrays(
            np.float64,
            hnp.array_shapes(min_dims=1, max_dims=2, max_side=6),
            elements=huge | st.sampled_from([np.nan, np.inf, -np.inf, 0.0, 1.0, 1e308, -1e308]),
        )
    )
    where = draw(hnp.arrays(np.bool_, x.shape))
    where[..., 0] = True  # a fully masked slice is another rule (probability 0)
    return x, where


@SETTINGS
@given(masked_logits(), st.floats(1e-3, 1e3))
@example((np.array([1.0, 2.0, 1e308]), np.array([True, True, False])), 0.1)
@example((np.array([-1e308, 1.7e308]), np.array([True, False])), 0.1)
def test_masked_entries_take_no_part_whatever_their_value(logits, temperature):
    x, where = logits
    hidden = np.where(where, x, -np.inf)
    for function in (softmax, log_softmax):
        np.testing.assert_array_equal(
            function(x, where=where, temperature=temperature),
            function(hidden, where=where, temperature=temperature),
        )
    np.testing.assert_array_equal(logsumexp(x, axis=-1, where=where), logsumexp(hidden, axis=-1))


def test_where_must_be_boolean():
    with pytest.raises(TypeError, match="boolean"):
        softmax([1.0, 2.0], where=[1, 0])


# --- the input is never written to ---------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(5,), (300, 7), (40, 100), (300_000,)])
def test_read_only_input(dtype, shape):
    logits = np.random.default_rng(3).standard_normal(shape).astype(dtype) * 300
    logits.setflags(write=False)
    before = logits.copy()
    softmax(logits)
    log_softmax(logits)
    logsumexp(logits, axis=-1)
    softmax(logits, temperature=2.0, where=logits > 0)
    np.testing.assert_array_equal(logits, before)


def test_blocked_and_threaded_paths_agree():
    # Shapes that go through the transposed, row-block, threaded and long-row paths
    # give the same result as a single row at a time.
    rng = np.random.default_rng(4)
    for shape in [(5000, 3), (3000, 300), (2, 150_000)]:
        logits = rng.standard_normal(shape) * 50
        rows = np.array([softmax(row) for row in logits[:3]])
        np.testing.assert_array_equal(softmax(logits)[:3], rows)
        rows = np.array([log_softmax(row) for row in logits[:3]])
        np.testing.assert_array_equal(log_softmax(logits)[:3], rows)


# --- naive_softmax ---------------------------------------------------------------------------
def test_naive_softmax_is_the_textbook_formula():
    logits = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 1.0]])
    expected = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    np.testing.assert_array_equal(naive_softmax(logits), expected)


def test_naive_softmax_overflows_with_a_warning():
    with pytest.warns(RuntimeWarning):
        probs = naive_softmax([1000.0, 1000.0])
    assert np.isnan(probs).all()


# --- ulp_error -------------------------------------------------------------------------------
def test_ulp_error():
    mpmath = pytest.importorskip("mpmath")
    one = np.float64(1.0)
    assert ulp_error(one, 1.0) == 0
    assert ulp_error(np.nextafter(one, 2), 1.0) == 1
    assert ulp_error(np.float32(1.0), mpmath.mpf(1) + mpmath.mpf(2) ** -24) == 0.5
    np.testing.assert_array_equal(
        ulp_error([np.inf, np.nan, 1.0], [np.inf, np.nan, np.inf]), [0, 0, np.inf]
    )
    # The exact value lies beyond float32's range: it rounds to inf there.
    assert ulp_error(np.float32(3.4e38), 1e39) == np.inf
    assert ulp_error(np.float32(-3.4e38), mpmath.mpf("-1e39")) == np.inf
    with pytest.raises(TypeError):
        ulp_error([1, 2], [1, 2])


@settings(max_examples=60, deadline=None)
@given(
    hnp.arrays(
        np.float32,
        st.tuples(st.integers(2, 300), st.integers(1, 63)),
        elements=st.floats(width=32, allow_nan=False, allow_infinity=False),
    )
)
def test_small_float32_path_gives_the_kernels_bits(rows):
    # softmax of a minibatch of float32 logits skips the blocks; it must not change a bit.
    from softmax_lib import _kernel

    blocked, _ = _kernel._run(rows, _kernel._SOFTMAX, np.float32)
    np.testing.assert_array_equal(softmax(rows), blocked)
    assert softmax(rows).flags.c_contiguous


def test_small_float32_path_leaves_special_rows_to_the_policy():
    rows = np.array([[0.0, 1.0], [np.inf, 0.0], [np.nan, 1.0], [-np.inf, -np.inf]], np.float32)
    out = softmax(rows)
    np.testing.assert_allclose(out[0], [0.26894143, 0.7310586], rtol=1e-6)
    np.testing.assert_array_equal(out[1], [1.0, 0.0])
    assert np.isnan(out[2]).all()
    assert np.isnan(out[3]).all()
