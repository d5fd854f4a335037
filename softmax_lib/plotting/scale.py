"""Figures of softmax at scale: the online softmax step by step, its trace, the
variance of attention scores, and the memory of direct against tiled attention
(Chapter 6).
"""

from __future__ import annotations

import numpy as np

from softmax_lib.plotting.common import BAR_COLOR, HIGHLIGHT_COLOR, _new_axes

UNSEEN_COLOR = "#c8c8c8"
SECOND_COLOR = "#2e7d32"


def plot_online_step(
    logits,
    block_size: int,
    n_blocks: int,
    running_max: float,
    scaled_sum: float,
    rescale: float,
    *,
    previous_max: float | None = None,
    ax=None,
    title: str | None = "online softmax",
    gid_prefix: str | None = None,
):
    r"""Draw the logits with the blocks read so far and the running state.

    Parameters
    ----------
    logits : array_like, shape (K,)
        The whole row of logits.
    block_size : int
        Entries per block.
    n_blocks : int
        How many blocks have been read (0 to ``ceil(K / block_size)``); the
        last of them is highlighted.
    running_max, scaled_sum : float
        The state :math:`(m, s)` after those blocks (drawn as given).
    rescale : float
        The factor :math:`e^{m_\text{old} - m}` that the last block applied to
        the old sum (1 if the maximum did not grow).
    previous_max : float, optional
        :math:`m_\text{old}`, drawn as a dotted line when it differs from
        ``running_max``.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is created if omitted.
    title : str or None, optional
        The Axes title.
    gid_prefix : str, optional
        SVG id prefix of the bars (``f"{gid_prefix}bar-{i}"``) and the title.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.patches`` are the bars, one per logit; ``ax.lines[0]`` is the
        running maximum.

    See Also
    --------
    softmax_lib.widgets.online_softmax_explorer : the interactive version.

    Notes
    -----
    Grey bars are not read yet, blue ones are folded into the state, the red
    ones are the block just read. Chapter 6 (Softmax at scale), Section 1.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_online_step([1.0, 3.0, 2.0, 0.5], 2, 1, 3.0, 1.1353, 1.0)
    >>> [round(float(bar.get_height()), 1) for bar in ax.patches]
    [1.0, 3.0, 2.0, 0.5]
    >>> float(ax.lines[0].get_ydata()[0])
    3.0
    """
    logits = np.asarray(logits, dtype=float)
    if logits.ndim != 1:
        raise ValueError(f"logits must be one-dimensional; got shape {logits.shape}")
    if block_size < 1:
        raise ValueError("block_size must be positive")
    if ax is None:
        ax = _new_axes((6.0, 3.3))
    k = logits.size
    seen = min(k, n_blocks * block_size)
    start = max(0, (n_blocks - 1) * block_size)
    colors = [
        HIGHLIGHT_COLOR
        if start <= i < seen and n_blocks > 0
        else BAR_COLOR
        if i < seen
        else UNSEEN_COLOR
        for i in range(k)
    ]
    bars = ax.bar(np.arange(k), logits, color=colors, width=0.8)
    if gid_prefix is not None:
        for i, bar in enumerate(bars):
            bar.set_gid(f"{gid_prefix}bar-{i}")
    finite_max = running_max if np.isfinite(running_max) else float(np.min(logits))
    ax.plot(
        [-0.5, k - 0.5],
        [finite_max] * 2,
        color="black",
        linestyle="--",
        linewidth=1.2,
        label=f"running max m = {running_max:.3g}",
    )
    if previous_max is not None and np.isfinite(previous_max) and previous_max != running_max:
        ax.plot(
            [-0.5, k - 0.5],
            [previous_max] * 2,
            color=SECOND_COLOR,
            linestyle=":",
            linewidth=1.5,
            label=f"previous max = {previous_max:.3g}",
        )
    for edge in range(block_size, k, block_size):
        ax.axvline(edge - 0.5, color="#888888", linewidth=0.6)
    ax.text(
        0.01,
        0.97,
        f"s = {scaled_sum:.4g}\nrescale = {rescale:.3g}",
        transform=ax.transAxes,
        va="top",
        ha="left",
        bbox={"facecolor": "white", "edgecolor": "#888888", "alpha": 0.9},
    )
    ax.set_xticks(np.arange(k))
    ax.set_xlabel("entry j (blocks separated by thin lines)")
    ax.set_ylabel("logit $x_j$")
    low, high = float(np.min(logits)), float(np.max(logits))
    pad = 0.15 * (high - low or 1.0)
    ax.set_ylim(min(0.0, low) - pad, high + 3 * pad)
    ax.legend(loc="upper right", fontsize="small")
    if title is not None:
        text = ax.set_title(title)
        if gid_prefix is not None:
            text.set_gid(f"{gid_prefix}title")
    return ax


def plot_online_trace(maxima, sums, *, ax=None, title: str | None = "running max and sum"):
    r"""Draw the running maximum and the running sum after each block.

    Parameters
    ----------
    maxima, sums : array_like, shape (n,)
        :math:`m_t` and :math:`s_t` after block :math:`t = 1, \dots, n`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is created if omitted.
    title : str or None, optional
        The Axes title.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.lines[0]`` is the running sum (left axis); the running maximum is
        on a twin axis, ``ax.right_axis``. Blocks where the maximum grew (the
        sum was rescaled) are marked with red dots on the sum.

    Notes
    -----
    Chapter 6 (Softmax at scale), Section 1: each block adds its terms to the
    sum; when the maximum grows, the old sum is first multiplied by
    :math:`e^{m_\text{old} - m_\text{new}} < 1`, so there the sum can fall.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_online_trace([1.0, 3.0, 3.0], [1.5, 1.2, 2.0])
    >>> [float(y) for y in ax.lines[0].get_ydata()]
    [1.5, 1.2, 2.0]
    >>> [float(y) for y in ax.right_axis.lines[0].get_ydata()]
    [1.0, 3.0, 3.0]
    """
    maxima = np.asarray(maxima, dtype=float)
    sums = np.asarray(sums, dtype=float)
    if maxima.shape != sums.shape or maxima.ndim != 1:
        raise ValueError("maxima and sums must be one-dimensional and of the same length")
    if ax is None:
        ax = _new_axes((6.0, 3.3))
    steps = np.arange(1, maxima.size + 1)
    ax.plot(steps, sums, marker="o", color=BAR_COLOR, label="running sum s")
    grew = np.flatnonzero(np.diff(maxima) > 0) + 1
    ax.plot(
        steps[grew],
        sums[grew],
        "o",
        color=HIGHLIGHT_COLOR,
        markersize=9,
        fillstyle="none",
        label="max grew: s rescaled",
    )
    ax.set_xlabel("blocks read t")
    ax.set_ylabel("running sum s")
    right = ax.twinx()
    right.step(
        steps, maxima, where="post", color=SECOND_COLOR, linestyle="--", label="running max m"
    )
    right.set_ylabel("running max m")
    handles = ax.get_legend_handles_labels()
    more = right.get_legend_handles_labels()
    ax.legend(handles[0] + more[0], handles[1] + more[1], loc="lower right", fontsize="small")
    ax.right_axis = right
    if title is not None:
        ax.set_title(title)
    return ax


def plot_score_variance(
    dims, variances, *, scaled=None, ax=None, title: str | None = "variance of q · k"
):
    r"""Draw the measured variance of dot products against the dimension d.

    Parameters
    ----------
    dims : array_like
        Dimensions :math:`d`.
    variances : array_like
        Measured variance of :math:`q \cdot k` at each :math:`d`.
    scaled : array_like, optional
        Measured variance of :math:`q \cdot k / \sqrt{d}`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is created if omitted.
    title : str or None, optional
        The Axes title.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.lines[0]`` holds the measured variances, ``ax.lines[1]`` the line
        ``d`` (and ``ax.lines[2]`` the scaled ones, if given).

    Notes
    -----
    For independent entries of mean 0 and variance 1, the variance of
    :math:`q \cdot k` is :math:`d`; dividing by :math:`\sqrt{d}` brings it back
    to 1. Chapter 6 (Softmax at scale), Section 3.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_score_variance([1, 4, 16], [1.1, 3.9, 16.2], scaled=[1.1, 0.98, 1.01])
    >>> [float(y) for y in ax.lines[1].get_ydata()]
    [1.0, 4.0, 16.0]
    """
    dims = np.asarray(dims, dtype=float)
    if ax is None:
        ax = _new_axes((6.0, 3.3))
    ax.loglog(
        dims, np.asarray(variances, dtype=float), "o", color=BAR_COLOR, label="measured var(q · k)"
    )
    ax.loglog(dims, dims, "-", color="black", linewidth=1, label="d")
    if scaled is not None:
        ax.loglog(
            dims,
            np.asarray(scaled, dtype=float),
            "s",
            color=HIGHLIGHT_COLOR,
            label="measured var(q · k / √d)",
        )
    ax.set_xlabel("dimension d")
    ax.set_ylabel("variance")
    ax.legend(loc="upper left", fontsize="small")
    if title is not None:
        ax.set_title(title)
    return ax


def plot_attention_memory(
    ns,
    direct_bytes,
    tiled_bytes,
    *,
    current: int | None = None,
    measured: dict | None = None,
    ylim: tuple[float, float] | None = None,
    ax=None,
    title: str | None = "memory of attention",
):
    r"""Draw the working memory of direct and tiled attention against N.

    Parameters
    ----------
    ns : array_like
        Sequence lengths :math:`N` (queries = keys).
    direct_bytes, tiled_bytes : array_like
        Bytes held at the peak by :func:`softmax_lib.attention` and
        :func:`softmax_lib.tiled_attention` at each :math:`N`.
    current : int, optional
        An :math:`N` to mark on both curves.
    measured : dict, optional
        ``{"ns": ..., "direct": ..., "tiled": ...}`` measured peaks
        (tracemalloc), drawn as open markers.
    ylim : (float, float), optional
        Fixed y limits in bytes (the explorer keeps them fixed).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is created if omitted.
    title : str or None, optional
        The Axes title.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.lines[0]`` is direct, ``ax.lines[1]`` tiled, in MiB.

    Notes
    -----
    Direct attention holds the N×N scores and probabilities, O(N²); tiled
    attention holds the output and one tile, O(N·d + B²). Chapter 6 (Softmax at
    scale), Section 4.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_attention_memory([1024, 2048], [2**24, 2**26], [2**20, 2**21])
    >>> [float(y) for y in ax.lines[0].get_ydata()]
    [16.0, 64.0]
    """
    mib = 2.0**20
    ns = np.asarray(ns, dtype=float)
    direct = np.asarray(direct_bytes, dtype=float) / mib
    tiled = np.asarray(tiled_bytes, dtype=float) / mib
    if ax is None:
        ax = _new_axes((6.0, 3.3))
    ax.loglog(ns, direct, "-", color=HIGHLIGHT_COLOR, label="direct: O(N²)")
    ax.loglog(ns, tiled, "-", color=BAR_COLOR, label="tiled: O(N·d + B²)")
    if current is not None:
        i = int(np.argmin(np.abs(ns - current)))
        ax.loglog([ns[i]], [direct[i]], "o", color=HIGHLIGHT_COLOR, markersize=8)
        ax.loglog([ns[i]], [tiled[i]], "o", color=BAR_COLOR, markersize=8)
    if measured is not None:
        mns = np.asarray(measured["ns"], dtype=float)
        ax.loglog(
            mns,
            np.asarray(measured["direct"], dtype=float) / mib,
            "s",
            color=HIGHLIGHT_COLOR,
            fillstyle="none",
            label="direct, measured",
        )
        ax.loglog(
            mns,
            np.asarray(measured["tiled"], dtype=float) / mib,
            "s",
            color=BAR_COLOR,
            fillstyle="none",
            label="tiled, measured",
        )
    if ylim is not None:
        ax.set_ylim(ylim[0] / mib, ylim[1] / mib)
    ax.set_xlabel("sequence length N")
    ax.set_ylabel("peak working memory (MiB)")
    ax.legend(loc="upper left", fontsize="small")
    if title is not None:
        ax.set_title(title)
    return ax
