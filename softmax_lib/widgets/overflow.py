"""The overflow explorer of Chapter 3: naive against stable softmax by logit scale and dtype."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from softmax_lib.widgets.framework import Control, Explorer, _explorer_logits, _fmt, _grid_with

DEFAULT_OVERFLOW_LOGITS = (1.0, 0.99, 0.9, 0.0)
# Each float limit ln(max) sits between two neighbouring positions: float16 at 11.09,
# float32 at 88.72, float64 at 709.78.
DEFAULT_OVERFLOW_SCALES = (1.0, 5.0, 11.0, 12.0, 50.0, 88.0, 89.0, 200.0, 709.0, 710.0, 1000.0)
OVERFLOW_DTYPES = ("float16", "float32", "float64")


def overflow_explorer(
    logits: Sequence[float] = DEFAULT_OVERFLOW_LOGITS,
    class_names: Sequence[str] | None = None,
    *,
    scale: float = 1.0,
    dtype: str = "float64",
    scales: Sequence[float] = DEFAULT_OVERFLOW_SCALES,
) -> Explorer:
    """A logit-scale slider and a dtype selector: where the naive softmax breaks.

    The explorer multiplies the logits by the slider's scale ``s``, rounds ``s * z``
    to the chosen dtype, and draws ``naive_softmax`` (the textbook formula) next to
    ``softmax`` (this library) of the same array. The naive formula breaks as soon
    as the sum of the exponentials passes the dtype's largest number, that is when the
    log-sum-exp passes ``ln(max)`` (about 11.09 in float16, 88.72 in float32, 709.78
    in float64): every probability becomes 0 (finite / inf), and once the largest
    logit itself passes ``ln(max)`` its probability is NaN (inf / inf). The stable
    formula never breaks.

    Parameters
    ----------
    logits : sequence of float, optional
        The base logits ``z`` (default ``(1, 0.99, 0.9, 0)``: the largest is 1, so the
        scale is the largest logit).
    class_names : sequence of str, optional
        Class names (default ``"0"`` … ``"K-1"``, the book's 0-based classes).
    scale : float, optional
        The starting scale (default 1).
    dtype : {"float16", "float32", "float64"}, optional
        The starting dtype (default ``"float64"``).
    scales : sequence of float, optional
        The slider's positions (default 1 … 1000, with a pair of neighbours around
        each dtype's limit); the starting scale is added.

    Returns
    -------
    Explorer
        Its ``result`` holds ``logits`` (``s * z`` in the dtype), ``naive``
        (``naive_softmax``, computed with numpy's warnings silenced), ``stable``
        (``softmax``), ``limit`` (``ln`` of the dtype's largest finite number),
        ``logsumexp`` (of the scaled logits, in float64), ``exp_overflows`` (whether
        the largest logit exceeds ``limit``) and ``overflows`` (whether the
        log-sum-exp does: the naive sum is then inf).

    Raises
    ------
    ValueError
        If there are fewer than 2 logits, a scale is not positive, or the dtype is not
        one of the three.

    See Also
    --------
    softmax_lib.plotting.plot_naive_vs_stable : the figure.

    Notes
    -----
    Chapter 3 (The overflow trick), Section 2, "Try it". On the website each combination of the
    two controls is one pre-rendered frame. The chapter shows the naive formula's
    ``RuntimeWarning`` on purpose; the explorer silences it (``numpy.errstate``) so
    that it does not leak into the book build.

    Examples
    --------
    >>> explorer = overflow_explorer(dtype="float32", scale=89.0)
    >>> explorer.result["overflows"]
    True
    >>> print(explorer.result["naive"], explorer.result["stable"].round(4))
    [nan  0.  0.  0.] [7.088e-01 2.911e-01 1.000e-04 0.000e+00]
    >>> print(explorer.set(dtype="float64").result["naive"].round(4))
    [7.088e-01 2.911e-01 1.000e-04 0.000e+00]
    """
    logits = np.array(_explorer_logits(logits, "an overflow explorer"))
    grid = _grid_with(scales, scale)
    if grid[0] <= 0:
        raise ValueError("scales must be positive")
    if dtype not in OVERFLOW_DTYPES:
        raise ValueError(f"dtype must be one of {OVERFLOW_DTYPES}, got {dtype!r}")
    from softmax_lib.plotting import display_names

    if class_names is None:  # the book's convention: classes 0 .. K-1
        class_names = [str(i) for i in range(logits.size)]
    names = display_names(logits.size, class_names)

    def compute(settings):
        from softmax_lib.core import logsumexp, naive_softmax, softmax

        kind = np.dtype(settings["dtype"])
        scaled = (settings["scale"] * logits).astype(kind)
        with np.errstate(all="ignore"):  # the chapter shows the warning; the site must not
            naive = naive_softmax(scaled)
        limit = float(np.log(np.finfo(kind).max.astype(np.float64)))
        lse = float(logsumexp(scaled.astype(np.float64)))
        return {
            "logits": scaled,
            "naive": naive,
            "stable": softmax(scaled),
            "limit": limit,
            "logsumexp": lse,
            "exp_overflows": bool(np.max(scaled.astype(np.float64)) > limit),
            "overflows": lse > limit,
        }

    def draw(ax, settings, result, title, gid_prefix):
        from softmax_lib.plotting import plot_naive_vs_stable

        return plot_naive_vs_stable(result["naive"], result["stable"], names, ax=ax, title=title)

    def readout(settings, result):
        top = float(np.max(result["logits"].astype(np.float64)))
        naive, stable = _fmt(result["naive"]), _fmt(result["stable"])
        if result["exp_overflows"]:
            verdict = "exp of the largest logit overflows: inf / inf = NaN"
        elif result["overflows"]:
            verdict = "the sum of the exps overflows: finite / inf = 0"
        else:
            verdict = "no overflow"
        return (
            f"{settings['dtype']}, scale {settings['scale']:g}: largest logit {top:g}, "
            f"log-sum-exp {result['logsumexp']:.2f}, ln(max {settings['dtype']}) = "
            f"{result['limit']:.2f}: {verdict}; naive = ({naive}); stable = ({stable})"
        )

    zs = ", ".join(f"{z:g}" for z in logits)
    return Explorer(
        kind="overflow",
        heading="Scale the logits up: where does the naive formula break?",
        controls=[
            Control("dtype", "dtype", OVERFLOW_DTYPES, dtype, kind="dropdown", fmt="{}"),
            Control("scale", "logit scale s", grid, float(scale)),
        ],
        compute=compute,
        draw=draw,
        title=f"{{dtype}}: softmax of s × ({zs}), s = {{scale}}",
        readout=readout,
        static="frames",
        figure_kind="Bar chart of the naive and the stable softmax",
        figsize=(6.0, 3.3),
        params={"logits": logits.tolist()},
    )
