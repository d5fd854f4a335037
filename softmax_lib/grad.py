r"""Derivatives of softmax: the Jacobian, the vector-Jacobian product, a gradient check.

With :math:`p = \operatorname{softmax}(z)`,

.. math::

    \frac{\partial p_i}{\partial z_j} = p_i(\delta_{ij} - p_j),
    \qquad J = \operatorname{diag}(p) - p p^\top .

Chapter 2 (The derivative) derives these formulas and checks them with
:func:`check_gradient`. All functions follow the special-value policy in
:mod:`softmax_lib.core`: a NaN anywhere in a slice makes that slice's output
NaN.
"""

import numpy as np

from softmax_lib._validation import as_float_array, check_real, normalize_axes

__all__ = ["check_gradient", "softmax_jacobian", "softmax_vjp"]


def _probs_array(probs, name="probs"):
    probs = as_float_array(probs, name)
    if probs.ndim == 0:
        raise ValueError(f"{name} must have at least one dimension (the classes)")
    return probs


def softmax_jacobian(probs):
    r"""Jacobian of softmax, :math:`J = \operatorname{diag}(p) - p p^\top`.

    Parameters
    ----------
    probs : array_like, shape (..., K)
        Softmax outputs :math:`p = \operatorname{softmax}(z)` along the last
        axis; leading axes are a batch.

    Returns
    -------
    jacobian : ndarray, shape (..., K, K)
        ``jacobian[..., i, j]`` is :math:`\partial p_i / \partial z_j`, in the
        floating dtype of ``probs``. Symmetric, and every row sums to 0 (up to
        rounding, exactly when ``probs`` sums to 1).

    Raises
    ------
    TypeError
        If ``probs`` is complex, object or string.
    ValueError
        If ``probs`` is 0-d.

    See Also
    --------
    softmax_vjp : The product ``v @ J`` in O(K), without building ``J``.

    Notes
    -----
    :math:`J_{ij} = p_i(\delta_{ij} - p_j)` :cite:p:`bishop2006pattern`. The diagonal
    is computed as
    :math:`p_i(1 - p_i)`, which is more accurate than :math:`p_i - p_i^2`, and
    the off-diagonal products are symmetric exactly. Building ``J`` costs
    O(K^2) memory and time; for backpropagation use :func:`softmax_vjp`.

    See the special-value policy in :mod:`softmax_lib.core` (a NaN in a slice
    makes its whole matrix NaN). Chapter 2 (The derivative) derives it.

    References
    ----------
    C. M. Bishop, "Pattern Recognition and Machine Learning", Springer,
    2006, eq. (4.106).

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_lib.grad import softmax_jacobian
    >>> print(softmax_jacobian([0.5, 0.5]))
    [[ 0.25 -0.25]
     [-0.25  0.25]]
    >>> softmax_jacobian(np.full((3, 4), 0.25)).shape
    (3, 4, 4)
    """
    probs = _probs_array(probs)
    size = probs.shape[-1]
    jacobian = -probs[..., :, None] * probs[..., None, :]
    diag = np.arange(size)
    jacobian[..., diag, diag] = probs * (1.0 - probs)
    bad = np.isnan(probs).any(axis=-1)
    if bad.any():
        jacobian[bad] = np.nan
    return jacobian


def softmax_vjp(probs, v, *, axis=-1):
    r"""Vector-Jacobian product of softmax, ``v @ J``, in O(K).

    Parameters
    ----------
    probs : array_like
        Softmax outputs :math:`p`, normalised along ``axis``.
    v : array_like
        The upstream gradient :math:`\partial L / \partial p`, broadcast
        against ``probs``.
    axis : int, optional
        The class axis (default: the last).

    Returns
    -------
    grad : ndarray
        :math:`\partial L / \partial z = p \odot (v - v \cdot p)`, of the
        broadcast shape and the inputs' common dtype (computed in float64 and
        rounded once, so huge finite inputs neither overflow nor warn).

    Raises
    ------
    TypeError
        If an input is complex, object or string.
    ValueError
        If the inputs do not broadcast or are 0-d.
    numpy.exceptions.AxisError
        If ``axis`` is out of range.

    See Also
    --------
    softmax_jacobian : The full matrix ``J``.

    Notes
    -----
    Because :math:`J` is symmetric, :math:`v J = J v`, and
    :math:`(vJ)_j = \sum_i v_i p_i(\delta_{ij} - p_j) = p_j(v_j - v\cdot p)`:
    one dot product and one elementwise pass, never the K x K matrix. The dot
    product uses numpy's pairwise summation.

    See the special-value policy in :mod:`softmax_lib.core` (a NaN in either
    slice makes the output slice NaN). Chapter 2 (The derivative) uses it for
    backpropagation.

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_lib.grad import softmax_jacobian, softmax_vjp
    >>> probs = np.array([0.2, 0.3, 0.5])
    >>> v = np.array([1.0, -2.0, 0.5])
    >>> print(softmax_vjp(probs, v).round(4))
    [ 0.23  -0.555  0.325]
    >>> bool(np.allclose(softmax_vjp(probs, v), v @ softmax_jacobian(probs)))
    True
    """
    probs = _probs_array(probs)
    v = as_float_array(v, "v")
    (ax,) = normalize_axes(axis, max(probs.ndim, v.ndim))
    probs, v = np.broadcast_arrays(probs, v)
    out_dtype = np.result_type(probs, v)
    # In float64, so that float16 and float32 inputs of any magnitude neither warn nor
    # overflow on the way (the policy of softmax_lib.core); the result is rounded once.
    probs, v = probs.astype(np.float64, copy=False), v.astype(np.float64, copy=False)
    with np.errstate(over="ignore", invalid="ignore"):
        dot = np.sum(v * probs, axis=ax, keepdims=True)
        grad = probs * (v - dot)
        # p_j = 0 makes the entry exactly 0, even where v_j - dot overflowed (0 * inf),
        # unless the slice holds a NaN or an infinity (dot is then not finite).
        grad = np.where((probs == 0) & np.isfinite(dot), 0.0, grad)
        return grad.astype(out_dtype, copy=False)


def check_gradient(f, x, grad=None, *, step=None):
    r"""Compare an analytic gradient (or Jacobian) with central differences.

    Parameters
    ----------
    f : callable
        ``f(x)`` for an array ``x`` shaped like the argument. It returns a
        scalar (a loss) or an array (then its Jacobian is checked). If ``grad``
        is None, ``f(x)`` must return the pair ``(value, gradient)``.
    x : array_like
        The point, any shape. It is converted to float64 and never modified.
    grad : array_like, callable or None, optional
        The analytic derivative at ``x``: an array, or a callable
        ``grad(x)`` returning it. For a scalar ``f`` it has the shape of ``x``;
        for an array-valued ``f`` it has shape ``f(x).shape + x.shape``
        (``grad[i, j] = d f_i / d x_j``, e.g. ``softmax_jacobian(softmax(x))``).
    step : float, optional
        Relative step :math:`h`; the default is :math:`\epsilon^{1/3} \approx
        6 \times 10^{-6}` (see Notes).

    Returns
    -------
    error : float
        The relative error

        .. math::

            \frac{\lVert g_\mathrm{num} - g_\mathrm{ana} \rVert_2}
                 {\max(\lVert g_\mathrm{num} \rVert_2 + \lVert g_\mathrm{ana}
                 \rVert_2,\ 10^{-300})}

        over all entries (Frobenius norm for Jacobians): 0 for a perfect match,
        1 when one side is 0 and the other is not, about 1e-10 for a correct
        gradient of a smooth float64 function, and NaN if either side has a
        NaN.

    Raises
    ------
    ValueError
        If the analytic derivative's shape is wrong, or ``step`` is not
        positive and finite.
    TypeError
        If ``x`` is complex, object or string, or ``step`` is not a number.

    See Also
    --------
    softmax_lib.losses.cross_entropy_grad : An analytic gradient to check.
    softmax_lib.grad.softmax_jacobian : An analytic Jacobian to check.

    Notes
    -----
    Central differences, :math:`g_j \approx (f(x + h_j e_j) - f(x - h_j
    e_j)) / (2 h_j)`, have truncation error :math:`O(h^2)` and rounding error
    :math:`O(\epsilon / h)`; balancing the two gives :math:`h \propto
    \epsilon^{1/3}`, for which both are about :math:`\epsilon^{2/3} \approx
    4 \times 10^{-11}` relative. The step is scaled by ``max(1, |x_j|)``, and
    made exactly representable (``h = (x + h) - x``) so that the divisor is
    the distance actually stepped. It costs ``2 * x.size`` calls of ``f``.

    Chapter 2 (The derivative) uses it to check :math:`p - y` and the
    Jacobian.

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_lib.core import softmax
    >>> from softmax_lib.grad import check_gradient, softmax_jacobian
    >>> from softmax_lib.losses import cross_entropy, cross_entropy_grad
    >>> z = np.array([0.5, -1.0, 2.0])
    >>> err = check_gradient(lambda t: cross_entropy(t, 2), z, cross_entropy_grad(z, 2))
    >>> bool(err < 1e-8)
    True
    >>> bool(check_gradient(softmax, z, softmax_jacobian(softmax(z))) < 1e-8)
    True
    >>> bool(check_gradient(lambda t: np.sum(t**2), z, 3 * z) > 0.1)  # wrong gradient
    True
    """
    x = as_float_array(x, "x").astype(np.float64)
    if step is None:
        step = np.finfo(np.float64).eps ** (1.0 / 3.0)
    step = check_real(step, "step", low=0.0, low_open=True)
    if grad is None:
        value, analytic = f(x.copy())
    else:
        value = f(x.copy())
        analytic = grad(x.copy()) if callable(grad) else grad
    value = np.asarray(value, dtype=np.float64)
    analytic = np.asarray(analytic, dtype=np.float64)
    expected = value.shape + x.shape
    if analytic.shape != expected:
        raise ValueError(
            f"the analytic derivative has shape {analytic.shape}; expected {expected} "
            "(f(x).shape + x.shape)"
        )

    def evaluate(point):
        out = f(point)
        return np.asarray(out[0] if grad is None else out, dtype=np.float64)

    numeric = np.empty(expected)
    flat_x = x.reshape(-1)
    flat_numeric = numeric.reshape((*value.shape, flat_x.size))
    for j in range(flat_x.size):
        h = step * max(1.0, abs(flat_x[j]))
        up, down = flat_x.copy(), flat_x.copy()
        up[j] += h
        down[j] -= h
        h2 = up[j] - down[j]  # the distance actually stepped, exactly
        flat_numeric[..., j] = (
            evaluate(up.reshape(x.shape)) - evaluate(down.reshape(x.shape))
        ) / h2
    diff = np.linalg.norm((numeric - analytic).ravel())
    scale = np.linalg.norm(numeric.ravel()) + np.linalg.norm(analytic.ravel())
    return float(diff / max(scale, 1e-300))
