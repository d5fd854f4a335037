"""Every case of the special-value policy (softmax_lib.core, "Special values").

Each case is checked on several shapes so that it goes through every code
path: one short row, many short rows (transposed blocks), long rows (row
blocks, two threads) and a row longer than a block (column chunks).
"""

import numpy as np
import pytest

from softmax_lib.core import log_softmax, logsumexp, softmax
from softmax_lib.grad import softmax_jacobian, softmax_vjp
from softmax_lib.losses import cross_entropy, cross_entropy_grad, entropy

INF, NAN = np.inf, np.nan
WIDTHS = [5, 100, 200_000]  # short (transposed when batched), row blocks, long row


def batch(row, width, n_rows=300):
    """``n_rows`` copies of a row of ``width`` finite logits, row 1 replaced by ``row``."""
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((n_rows if width < 1000 else 3, width))
    logits[1, : len(row)] = row
    return logits


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_nan_poisons_only_its_slice(width, dtype):
    logits = batch([0.0, NAN, 1.0], width).astype(dtype)
    clean = logits.copy()
    clean[1] = 0.0
    for function in (softmax, log_softmax):
        out = function(logits)
        assert np.isnan(out[1]).all()
        np.testing.assert_array_equal(np.delete(out, 1, 0), np.delete(function(clean), 1, 0))
    lse = logsumexp(logits, axis=-1)
    assert np.isnan(lse[1])
    assert np.isfinite(np.delete(lse, 1)).all()


@pytest.mark.parametrize("width", WIDTHS)
def test_minus_inf_gets_exactly_zero(width):
    logits = batch([-INF, 0.0, -INF], width)
    probs = softmax(logits)
    assert probs[1, 0] == 0.0
    assert probs[1, 2] == 0.0
    assert np.isclose(probs[1].sum(), 1.0)
    assert log_softmax(logits)[1, 0] == -INF
    finite = batch([0.0], width)
    finite[1, :3] = [-1e308, 0.0, -1e308]
    np.testing.assert_allclose(probs[1, 1:2], softmax(finite)[1, 1:2], rtol=1e-15)


@pytest.mark.parametrize("width", WIDTHS)
def test_all_minus_inf_slice(width):
    logits = batch([], width)
    logits[1] = -INF
    assert np.isnan(softmax(logits)[1]).all()
    assert np.isnan(log_softmax(logits)[1]).all()
    assert logsumexp(logits, axis=-1)[1] == -INF
    assert np.isfinite(softmax(logits)[0]).all()


@pytest.mark.parametrize("width", WIDTHS)
def test_plus_inf_is_the_limit(width):
    logits = batch([INF, 3.0, INF, -INF], width)
    probs = softmax(logits)
    assert probs[1, 0] == probs[1, 2] == 0.5
    assert (np.delete(probs[1], [0, 2]) == 0).all()
    log_probs = log_softmax(logits)
    assert log_probs[1, 0] == log_probs[1, 2] == -np.log(2)
    assert (np.delete(log_probs[1], [0, 2]) == -INF).all()
    assert logsumexp(logits, axis=-1)[1] == INF
    single = batch([INF], width)
    assert softmax(single)[1, 0] == 1.0
    assert log_softmax(single)[1, 0] == 0.0


def test_plus_inf_and_nan_is_nan():
    assert np.isnan(softmax([INF, NAN, 1.0])).all()
    assert np.isnan(logsumexp([INF, NAN]))


@pytest.mark.parametrize("width", WIDTHS)
def test_where_excludes_entries(width):
    logits = batch([1.0, NAN, 3.0, INF], width)
    mask = np.ones(logits.shape, dtype=bool)
    mask[1, 1] = mask[1, 3] = False  # NaN and +inf are masked out: ignored
    probs = softmax(logits, where=mask)
    assert probs[1, 1] == probs[1, 3] == 0.0
    expected = softmax(np.where(mask, logits, -INF)[1])
    np.testing.assert_allclose(probs[1], expected, rtol=1e-15)
    assert log_softmax(logits, where=mask)[1, 1] == -INF
    lse = logsumexp(logits, axis=-1, where=mask)[1]
    assert lse == logsumexp(logits[1][mask[1]])


@pytest.mark.parametrize("width", WIDTHS)
def test_fully_masked_slice(width):
    logits = batch([1.0, 2.0], width)
    mask = np.ones(logits.shape, dtype=bool)
    mask[1] = False
    assert (softmax(logits, where=mask)[1] == 0).all()
    assert (log_softmax(logits, where=mask)[1] == -INF).all()
    assert logsumexp(logits, axis=-1, where=mask)[1] == -INF
    assert np.isclose(softmax(logits, where=mask)[0].sum(), 1.0)


def test_where_broadcasts():
    logits = np.arange(6.0).reshape(2, 3)
    probs = softmax(logits, where=np.array([True, False, True]))
    assert (probs[:, 1] == 0).all()


def test_masked_minus_inf_vs_all_minus_inf():
    # Unmasked entries that are all -inf: NaN (no distribution); fully masked: 0.
    assert np.isnan(softmax([-INF, 1.0], where=[True, False])).all()
    assert (softmax([-INF, 1.0], where=[False, False]) == 0).all()


@pytest.mark.parametrize("function", [softmax, log_softmax])
def test_empty_axis(function):
    assert function(np.zeros((3, 0))).shape == (3, 0)
    assert function(np.zeros((0, 3))).shape == (0, 3)
    assert function([]).shape == (0,)


def test_logsumexp_empty():
    np.testing.assert_array_equal(logsumexp(np.zeros((3, 0)), axis=1), [-INF] * 3)
    assert logsumexp([]) == -INF
    assert logsumexp(np.zeros((0, 3)), axis=1).shape == (0,)


def test_zero_dimensional():
    assert softmax(np.float64(3.0)) == 1.0
    assert np.ndim(softmax(3.0)) == 0
    assert log_softmax(3.0) == 0.0
    assert logsumexp(3.0) == 3.0
    assert softmax(np.float32(2.0), axis=None).dtype == np.float32
    assert np.isnan(softmax(NAN))
    assert np.isnan(softmax(-INF))
    assert logsumexp(-INF) == -INF
    with pytest.raises(np.exceptions.AxisError):
        softmax(3.0, axis=1)


def test_logsumexp_weights():
    special = pytest.importorskip("scipy.special")
    logits = np.array([[1.0, 2.0, 3.0], [0.5, 0.5, 0.5]])
    weights = np.array([[1.0, -0.5, 2.0], [1.0, 0.0, 1.0]])
    np.testing.assert_allclose(
        logsumexp(logits, axis=1, b=weights), special.logsumexp(logits, axis=1, b=weights)
    )
    value, sign = logsumexp([0.0, 0.0], b=[1.0, -2.0], return_sign=True)
    assert sign == -1
    assert value == pytest.approx(0.0, abs=1e-15)
    assert np.isnan(logsumexp([0.0, 0.0], b=[1.0, -2.0]))
    # b == 0 excludes the entry, even a +inf or NaN one.
    assert logsumexp([1.0, INF], b=[1.0, 0.0]) == 1.0
    assert logsumexp([1.0, NAN], b=[1.0, 0.0]) == 1.0
    assert logsumexp([INF, 1.0], b=[2.0, 1.0]) == INF
    assert np.isnan(logsumexp([NAN, 1.0], b=[2.0, 1.0]))


def test_logsumexp_weights_of_infinite_entries():
    # The +inf entries contribute (sum of their weights) * inf: +inf or -inf by that sign,
    # and inf - inf = NaN (as scipy.special.logsumexp) when their weights cancel.
    value, sign = logsumexp([INF, INF], b=[1.0, -1.0], return_sign=True)
    assert np.isnan(value)
    assert np.isnan(sign)
    assert np.isnan(logsumexp([INF, INF], b=[1.0, -1.0]))
    assert logsumexp([INF, INF, 0.0], b=[1.0, -2.0, 1.0], return_sign=True) == (INF, -1.0)
    assert logsumexp([INF, 1.0], b=[-3.0, 1.0], return_sign=True) == (INF, -1.0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_no_warning_for_extreme_finite_input(dtype):
    info = np.finfo(dtype)
    logits = np.array(
        [
            [info.max, -info.max, 0.0],
            [info.tiny, -info.tiny, info.smallest_subnormal],
            [info.max, info.max, info.max],
            [-info.max, -info.max, -info.max],
        ],
        dtype=dtype,
    )
    for temperature in (1.0, 1e-3, 1e3):
        probs = softmax(logits, temperature=temperature)
        assert np.isfinite(probs).all()
        np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-6)
        assert np.isfinite(logsumexp(logits, axis=1)).all()
        assert (log_softmax(logits, temperature=temperature) <= 0).all()


# --- grad and losses follow the same policy ----------------------------------------------
def test_grad_functions_nan_slice():
    probs = np.array([[0.5, 0.5], [NAN, 1.0]])
    jacobian = softmax_jacobian(probs)
    assert np.isnan(jacobian[1]).all()
    assert np.isfinite(jacobian[0]).all()
    vjp = softmax_vjp(probs, np.ones(2))
    assert np.isnan(vjp[1]).all()
    assert np.isfinite(vjp[0]).all()


def test_losses_nan_row():
    logits = np.array([[0.0, 1.0], [NAN, 1.0]])
    losses = cross_entropy(logits, [0, 1], reduction="none")
    assert np.isfinite(losses[0])
    assert np.isnan(losses[1])
    grad = cross_entropy_grad(logits, [0, 1], reduction="none")
    assert np.isfinite(grad[0]).all()
    assert np.isnan(grad[1]).all()
    h = entropy(np.array([[0.5, 0.5], [NAN, 0.5]]))
    assert np.isfinite(h[0])
    assert np.isnan(h[1])


def test_losses_infinities():
    # -inf logit on a class with target 0: no 0 * inf; on the true class: +inf.
    assert cross_entropy([-INF, 0.0], 1) == 0.0
    assert cross_entropy([-INF, 0.0], 0) == INF
    assert cross_entropy([-INF, 0.0], [0.0, 1.0]) == 0.0
    np.testing.assert_array_equal(cross_entropy_grad([-INF, 0.0], 1), [0.0, 0.0])
    assert cross_entropy([INF, 0.0], 0) == 0.0
    assert cross_entropy([INF, 0.0], 1) == INF
