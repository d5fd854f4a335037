"""softmax_jacobian, softmax_vjp and check_gradient."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from softmax_lib.core import softmax
from softmax_lib.grad import check_gradient, softmax_jacobian, softmax_vjp

SETTINGS = settings(deadline=None, max_examples=100, database=None)
logit_vectors = hnp.arrays(np.float64, st.integers(1, 12), elements=st.floats(-20, 20))


@SETTINGS
@given(logit_vectors)
def test_jacobian_symmetric_with_zero_row_sums(logits):
    probs = softmax(logits)
    jacobian = softmax_jacobian(probs)
    np.testing.assert_array_equal(jacobian, jacobian.T)
    np.testing.assert_allclose(jacobian.sum(axis=1), 0.0, atol=1e-15)
    np.testing.assert_allclose(np.diag(jacobian), probs * (1 - probs), rtol=1e-15)


@SETTINGS
@given(logit_vectors, st.data())
def test_vjp_equals_v_times_jacobian(logits, data):
    probs = softmax(logits)
    v = data.draw(hnp.arrays(np.float64, probs.shape, elements=st.floats(-10, 10)))
    np.testing.assert_allclose(
        softmax_vjp(probs, v), v @ softmax_jacobian(probs), rtol=1e-12, atol=1e-14
    )


@SETTINGS
@given(hnp.arrays(np.float64, st.integers(1, 12), elements=st.floats(-5, 5)))
def test_jacobian_matches_finite_differences(logits):
    # The error of central differences is ~eps**(2/3) relative to f, not to the
    # derivative, so keep the Jacobian entries from being tiny: |logits| <= 5.
    probs = softmax(logits)
    assert check_gradient(softmax, logits, softmax_jacobian(probs)) < 1e-6


def test_jacobian_batched():
    rng = np.random.default_rng(0)
    probs = softmax(rng.standard_normal((2, 3, 4)))
    jacobian = softmax_jacobian(probs)
    assert jacobian.shape == (2, 3, 4, 4)
    np.testing.assert_array_equal(jacobian[1, 2], softmax_jacobian(probs[1, 2]))
    assert softmax_jacobian(np.zeros((3, 0))).shape == (3, 0, 0)
    assert softmax_jacobian(np.float32([0.5, 0.5])).dtype == np.float32


def test_vjp_batched_and_axis():
    rng = np.random.default_rng(1)
    probs = softmax(rng.standard_normal((4, 3)), axis=0)
    v = rng.standard_normal((4, 3))
    out = softmax_vjp(probs, v, axis=0)
    for j in range(3):
        np.testing.assert_allclose(out[:, j], softmax_vjp(probs[:, j], v[:, j]), rtol=1e-14)
    # v broadcasts against a batch of probability vectors.
    np.testing.assert_allclose(softmax_vjp(probs.T, np.ones(4)), 0.0, atol=1e-15)


def test_vjp_is_linear_time():
    # Never builds the K x K matrix: K = 10**6 would need 8 TB.
    probs = np.full(10**6, 1e-6)
    assert softmax_vjp(probs, np.arange(10**6, dtype=float)).shape == (10**6,)


@pytest.mark.parametrize("bad", [3.0, np.array(0.5)])
def test_zero_dimensional_probs_raise(bad):
    with pytest.raises(ValueError, match="at least one dimension"):
        softmax_jacobian(bad)


def test_check_gradient_forms():
    x = np.array([[0.3, -1.2], [2.0, 0.1]])
    f = lambda t: float(np.sum(np.sin(t)))  # noqa: E731
    assert check_gradient(f, x, np.cos(x)) < 1e-9
    assert check_gradient(f, x, np.cos) < 1e-9
    assert check_gradient(lambda t: (f(t), np.cos(t)), x) < 1e-9
    assert check_gradient(f, x, np.cos(x) * 1.01) > 1e-3
    assert check_gradient(lambda t: 0.0, x, np.zeros_like(x)) == 0.0
    assert check_gradient(lambda t: 0.0, x, np.ones_like(x)) == 1.0
    assert np.isnan(check_gradient(f, x, np.full_like(x, np.nan)))


def test_check_gradient_does_not_touch_x():
    x = np.array([1.0, 2.0])
    x.setflags(write=False)
    check_gradient(lambda t: float(t @ t), x, 2 * x)
    np.testing.assert_array_equal(x, [1.0, 2.0])


def test_check_gradient_errors():
    with pytest.raises(ValueError, match="shape"):
        check_gradient(lambda t: float(t @ t), np.ones(3), np.ones(2))
    with pytest.raises(ValueError, match="step"):
        check_gradient(lambda t: float(t @ t), np.ones(3), np.ones(3), step=0.0)
    with pytest.raises(TypeError):
        check_gradient(lambda t: 0.0, np.array([1j]), np.zeros(1))
    with pytest.raises(TypeError, match="step must be a real number"):
        check_gradient(lambda t: float(t @ t), np.ones(3), np.ones(3), step="1e-6")
    # A numpy scalar is a number like any other.
    assert (
        check_gradient(lambda t: float(t @ t), np.ones(3), 2 * np.ones(3), step=np.float32(1e-4))
        < 1e-6
    )


def test_check_gradient_integer_x():
    assert check_gradient(lambda t: float(t @ t), [1, 2, 3], lambda t: 2 * t) < 1e-9


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_vjp_of_huge_finite_inputs_is_finite_without_warnings(dtype):
    # v - v.p overflows in the input's dtype; the exact gradient is [0, 0] here
    # (p = [1, 0]): a silent NaN before the fix, with a RuntimeWarning.
    big = float(np.finfo(dtype).max) / 2 * 1.5
    v = np.array([big, -big], dtype=dtype)
    probs = np.array([1.0, 0.0], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        grad = softmax_vjp(probs, v)
    assert grad.dtype == dtype
    np.testing.assert_array_equal(grad, [0.0, 0.0])


def test_vjp_nan_still_spreads_over_its_slice():
    probs = np.array([[1.0, 0.0], [0.5, 0.5]])
    v = np.array([[np.nan, 1.0], [1.0, 2.0]])
    grad = softmax_vjp(probs, v)
    assert np.isnan(grad[0]).all()
    np.testing.assert_allclose(grad[1], [-0.25, 0.25])
