"""Figures of softmax itself: probability bars, temperature sweeps, the Jacobian,
naive against stable (Chapters 1-4).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from softmax_lib.plotting.common import BAR_COLOR, HIGHLIGHT_COLOR, _new_axes, display_names


def plot_probabilities(
    probs,
    class_names: Sequence[str] | None = None,
    *,
    ax=None,
    title: str | None = "softmax probabilities",
    ylim: tuple[float, float] = (0.0, 1.0),
    ylabel: str = "probability",
    xlabel: str = "class",
    show_values: bool = True,
    highlight: int | None = None,
    gid_prefix: str | None = None,
):
    """Draw a probability vector as a bar chart.

    Parameters
    ----------
    probs : array_like, shape (K,)
        The values to draw, usually ``softmax(logits)``; drawn as given.
    class_names : sequence of str, optional
        Class names for the x axis (default ``"1"`` … ``"K"``).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is created if omitted.
    title : str or None, optional
        The Axes title.
    ylim : (float, float), optional
        Fixed y limits (default ``(0, 1)``), so that charts can be compared.
    ylabel, xlabel : str, optional
        Axis labels.
    show_values : bool, optional
        Write each value (3 decimals) above its bar.
    highlight : int, optional
        Index of a bar to draw in a second color (for example the true class).
    gid_prefix : str, optional
        If given, bar ``i`` gets the SVG id ``f"{gid_prefix}bar-{i}"`` and the title
        ``f"{gid_prefix}title"``: the website's explorers find them by these ids.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on; ``ax.patches`` are the bars, in class order.

    Raises
    ------
    ValueError
        If ``probs`` is not one-dimensional or ``class_names`` has the wrong length.

    See Also
    --------
    softmax_lib.widgets.logits_explorer : the interactive version.

    Notes
    -----
    Used from chapter 1 on: one bar per class, the bars' heights sum to 1 when
    ``probs`` is a softmax output.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_probabilities([0.25, 0.75], class_names=["no", "yes"])
    >>> [float(bar.get_height()) for bar in ax.patches]
    [0.25, 0.75]
    >>> ax.get_ylabel()
    'probability'
    """
    probs = np.asarray(probs, dtype=float)
    if probs.ndim != 1:
        raise ValueError(f"probs must be one-dimensional, got shape {probs.shape}")
    names = display_names(probs.size, class_names)
    if ax is None:
        ax = _new_axes((5.0, 3.0))
    colors = [BAR_COLOR] * probs.size
    if highlight is not None:
        colors[highlight] = HIGHLIGHT_COLOR
    bars = ax.bar(np.arange(probs.size), probs, color=colors, width=0.7)
    ax.set_xticks(np.arange(probs.size), names)
    ax.set_ylim(*ylim)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if ylim[0] < 0 < ylim[1]:
        ax.axhline(0.0, color="black", linewidth=0.8)
    if title is not None:
        ax.set_title(title)
    if show_values:
        ax.bar_label(bars, labels=[f"{p:.3f}" for p in probs], padding=2, fontsize=9)
    if gid_prefix is not None:
        for i, bar in enumerate(bars):
            bar.set_gid(f"{gid_prefix}bar-{i}")
        ax.title.set_gid(f"{gid_prefix}title")
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def plot_temperature_sweep(
    temperatures,
    probs,
    class_names: Sequence[str] | None = None,
    *,
    ax=None,
    title: str | None = "softmax(z / T) as the temperature T varies",
    mark: float | None = None,
):
    """Draw each class's probability against the temperature (log-scaled x axis).

    Parameters
    ----------
    temperatures : array_like, shape (N,)
        Positive temperatures, increasing.
    probs : array_like, shape (N, K)
        ``probs[n]`` is ``softmax(logits, temperature=temperatures[n])``.
    class_names : sequence of str, optional
        Class names for the legend.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is created if omitted.
    title : str or None, optional
        The Axes title.
    mark : float, optional
        A temperature to mark with a vertical dashed line.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.lines[k]`` is class ``k``'s curve.

    Raises
    ------
    ValueError
        If the shapes do not match or a temperature is not positive.

    Notes
    -----
    Chapter 4: as ``T -> 0`` the curves tend to one-hot argmax, as ``T -> inf``
    they all tend to ``1/K``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_temperature_sweep([0.5, 1.0, 2.0], [[0.1, 0.9], [0.3, 0.7], [0.4, 0.6]])
    >>> [line.get_ydata().tolist() for line in ax.lines]
    [[0.1, 0.3, 0.4], [0.9, 0.7, 0.6]]
    """
    temperatures = np.asarray(temperatures, dtype=float)
    probs = np.asarray(probs, dtype=float)
    if probs.ndim != 2 or probs.shape[0] != temperatures.size:
        raise ValueError(
            f"probs must have shape (len(temperatures), K), got {probs.shape} "
            f"for {temperatures.size} temperatures"
        )
    if np.any(temperatures <= 0):
        raise ValueError("temperatures must be positive")
    names = display_names(probs.shape[1], class_names)
    if ax is None:
        ax = _new_axes((5.0, 3.0))
    for k, name in enumerate(names):
        ax.plot(temperatures, probs[:, k], label=f"class {name}")
    ax.set_xscale("log")
    ax.set_ylim(0.0, 1.0)
    ax.set_xlabel("temperature T (log scale)")
    ax.set_ylabel("probability")
    if mark is not None:
        ax.axvline(mark, color="gray", linestyle="--", linewidth=1)
    if title is not None:
        ax.set_title(title)
    ax.legend(fontsize=8)
    return ax


def plot_jacobian(
    jacobian,
    class_names: Sequence[str] | None = None,
    *,
    ax=None,
    title: str | None = "softmax Jacobian  diag(p) - p pᵀ",
    vmax: float = 0.25,
    colorbar: bool = True,
):
    """Draw a softmax Jacobian as a heat map with a symmetric diverging color scale.

    Parameters
    ----------
    jacobian : array_like, shape (K, K)
        ``jacobian[i, j] = d p_i / d z_j``, e.g. from ``softmax_jacobian(probs)``.
    class_names : sequence of str, optional
        Class names for both axes.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is created if omitted.
    title : str or None, optional
        The Axes title.
    vmax : float, optional
        The color scale runs from ``-vmax`` to ``vmax`` (0.25 is the largest possible
        entry, ``p (1 - p)`` at ``p = 1/2``), so figures can be compared.
    colorbar : bool, optional
        Add a colorbar.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.images[0].get_array()`` holds the drawn matrix.

    Raises
    ------
    ValueError
        If ``jacobian`` is not square.

    Notes
    -----
    Chapter 2: positive diagonal ``p_i (1 - p_i)``, negative off-diagonal
    ``-p_i p_j``, symmetric, rows summing to 0.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_jacobian([[0.25, -0.25], [-0.25, 0.25]])
    >>> ax.images[0].get_array().tolist()
    [[0.25, -0.25], [-0.25, 0.25]]
    """
    jacobian = np.asarray(jacobian, dtype=float)
    if jacobian.ndim != 2 or jacobian.shape[0] != jacobian.shape[1]:
        raise ValueError(f"jacobian must be square, got shape {jacobian.shape}")
    names = display_names(jacobian.shape[0], class_names)
    if ax is None:
        ax = _new_axes((4.0, 3.4))
    image = ax.imshow(jacobian, cmap="RdBu_r", vmin=-vmax, vmax=vmax)
    ticks = np.arange(len(names))
    ax.set_xticks(ticks, names)
    ax.set_yticks(ticks, names)
    ax.set_xlabel("logit j")
    ax.set_ylabel("probability i")
    if title is not None:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, label=r"$\partial p_i / \partial z_j$")
    return ax


NAIVE_COLOR = "#b35806"  # orange, distinct from BAR_COLOR for color-blind readers too


def plot_naive_vs_stable(
    naive,
    stable,
    class_names: Sequence[str] | None = None,
    *,
    ax=None,
    title: str | None = "naive vs stable softmax",
):
    """Draw the naive and the stable softmax side by side, marking NaN and inf clearly.

    Parameters
    ----------
    naive : array_like, shape (K,)
        ``naive_softmax(logits)``; may hold NaN or inf.
    stable : array_like, shape (K,)
        ``softmax(logits)``.
    class_names : sequence of str, optional
        Class names for the x axis (default ``"1"`` … ``"K"``).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is created if omitted.
    title : str or None, optional
        The Axes title.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.patches[:K]`` are the naive bars, ``ax.patches[K:]`` the stable ones.
        A non-finite naive value is drawn as a hatched, red-edged, empty bar of full
        height with the word ``"NaN"`` or ``"inf"`` written on it (``ax.texts``).

    Raises
    ------
    ValueError
        If the two vectors are not one-dimensional of the same length.

    See Also
    --------
    softmax_lib.widgets.overflow_explorer : the interactive version.

    Notes
    -----
    Chapter 3 (The overflow trick): where the naive formula overflows, its bars turn
    into NaN markers while the stable bars are unchanged.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_naive_vs_stable([float("nan"), 0.0], [0.5, 0.5])
    >>> [text.get_text() for text in ax.texts]
    ['NaN']
    >>> [float(bar.get_height()) for bar in ax.patches[2:]]
    [0.5, 0.5]
    """
    naive = np.asarray(naive, dtype=float)
    stable = np.asarray(stable, dtype=float)
    if naive.ndim != 1 or naive.shape != stable.shape:
        raise ValueError(
            f"naive and stable must be 1-D of the same length, got {naive.shape} "
            f"and {stable.shape}"
        )
    names = display_names(naive.size, class_names)
    if ax is None:
        ax = _new_axes((5.6, 3.2))
    x = np.arange(naive.size)
    bad = ~np.isfinite(naive)
    width = 0.38
    ax.bar(
        x - width / 2,
        np.where(bad, 1.0, naive),
        width=width,
        color=[("white" if b else NAIVE_COLOR) for b in bad],
        edgecolor=[(HIGHLIGHT_COLOR if b else NAIVE_COLOR) for b in bad],
    )
    for i in np.flatnonzero(bad):
        ax.patches[i].set_hatch("//")
        ax.text(
            x[i] - width / 2,
            0.5,
            "NaN" if np.isnan(naive[i]) else ("inf" if naive[i] > 0 else "-inf"),
            rotation=90,
            ha="center",
            va="center",
            color=HIGHLIGHT_COLOR,
            fontweight="bold",
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
        )
    ax.bar(x + width / 2, stable, width=width, color=BAR_COLOR)
    ax.set_xticks(x, names)
    ax.set_ylim(0.0, 1.45)  # headroom above the bars for the legend
    ax.set_yticks(np.linspace(0.0, 1.0, 6))
    ax.set_xlabel("class")
    ax.set_ylabel("probability")
    if title is not None:
        ax.set_title(title)
    from matplotlib.patches import Patch

    handles = [
        Patch(color=NAIVE_COLOR, label="naive exp(z) / sum exp(z)"),
        Patch(color=BAR_COLOR, label="stable (softmax_lib)"),
    ]
    if bad.any():
        handles.append(
            Patch(facecolor="white", edgecolor=HIGHLIGHT_COLOR, hatch="//", label="naive: NaN")
        )
    ax.legend(handles=handles, fontsize=7, loc="upper right")
    ax.spines[["top", "right"]].set_visible(False)
    return ax


# --- Chapter 5: MNIST figures ------------------------------------------------------------
