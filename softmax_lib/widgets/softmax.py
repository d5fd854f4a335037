"""Explorers of one probability vector: logits (Chapter 1), temperature (Chapter 4), the
Jacobian (Chapter 2).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from softmax_lib.widgets.framework import (
    Bars,
    Control,
    Explorer,
    _explorer_logits,
    _fmt,
    _grid_with,
)

DEFAULT_LOGITS = (2.0, 1.0, 0.0, -1.0)
LOGIT_POSITIONS = tuple(float(v) for v in range(-4, 5))


def logits_explorer(
    logits: Sequence[float] = DEFAULT_LOGITS,
    class_names: Sequence[str] | None = None,
    *,
    positions: Sequence[float] = LOGIT_POSITIONS,
) -> Explorer:
    """Sliders for the logits, driving a bar chart of their softmax probabilities.

    Parameters
    ----------
    logits : sequence of float, optional
        The starting logits ``z0``, ``z1``, ..., one slider each (default
        ``(2.0, 1.0, 0.0, -1.0)``). Start them on ``positions``: a starting logit
        off the grid is added to its own slider's grid, whose steps are then uneven.
    class_names : sequence of str, optional
        Class names (default ``"0"`` … ``"K-1"``, the classes' 0-based indices).
    positions : sequence of float, optional
        The one grid every slider moves on (default the integers -4 … 4: one step is
        one unit of evidence, a factor ``e`` in a class's weight, and moving every
        slider one step up changes no probability).

    Returns
    -------
    Explorer
        Its controls are named ``"z0"``, ``"z1"``, ...; its ``result["probs"]`` is
        ``softmax_lib.softmax(logits)``; its readout lists ``p0``, ``p1``, ... with
        4 decimals.

    Raises
    ------
    ValueError
        If there are fewer than 2 logits, or more slider combinations than the
        website's table allows (``MAX_TABLE_ROWS``, 20,000).

    See Also
    --------
    softmax_lib.plotting.plot_probabilities : the figure.

    Notes
    -----
    Chapter 1, section 3: raise one logit and watch every other probability fall.
    On the website the bar heights come from a table of ``softmax_lib.softmax`` at
    every combination of slider positions (``len(positions) ** K`` rows: 6,561 for
    the default four sliders).

    Examples
    --------
    >>> explorer = logits_explorer([1.0, 1.0], class_names=["cat", "dog"])
    >>> explorer.result["probs"].tolist()
    [0.5, 0.5]
    >>> explorer.set(z0=2.0).title()
    'softmax of z = (2, 1)'
    >>> explorer.readout()
    'p0 = 0.7311, p1 = 0.2689'
    """
    logits = _explorer_logits(logits, "a logits explorer")
    n_classes = len(logits)
    if class_names is None:
        names = [str(i) for i in range(n_classes)]
        control_labels = [f"logit z{i}" for i in range(n_classes)]
    else:
        from softmax_lib.plotting import display_names

        names = display_names(n_classes, class_names)
        control_labels = [f"logit z{i} ({name})" for i, name in enumerate(names)]
    controls = [
        Control(f"z{i}", label, _grid_with(positions, z), z)
        for i, (label, z) in enumerate(zip(control_labels, logits, strict=True))
    ]

    def compute(settings):
        from softmax_lib.core import softmax

        z = np.array([settings[f"z{i}"] for i in range(n_classes)])
        return {"logits": z, "probs": softmax(z)}

    def draw(ax, settings, result, title, gid_prefix):
        from softmax_lib.plotting import plot_probabilities

        return plot_probabilities(
            result["probs"], names, ax=ax, title=title, show_values=False, gid_prefix=gid_prefix
        )

    zs = ", ".join(f"{{z{i}}}" for i in range(n_classes))
    return Explorer(
        kind="logits",
        heading="Move the logits: softmax turns them into probabilities",
        controls=controls,
        compute=compute,
        draw=draw,
        title=f"softmax of z = ({zs})",
        static=Bars("probs", tuple(f"p{i}" for i in range(n_classes))),
        figure_kind="Bar chart of the softmax probabilities",
    )


DEFAULT_TEMPERATURES = tuple(float(f"{t:.2g}") for t in np.geomspace(0.1, 10.0, 21))


def temperature_explorer(
    logits: Sequence[float] = (1.0, 2.0, 3.0, 4.0),
    class_names: Sequence[str] | None = None,
    *,
    temperature: float = 1.0,
    temperatures: Sequence[float] = DEFAULT_TEMPERATURES,
) -> Explorer:
    """A log-scale temperature slider driving the bars of ``softmax(z / T)`` and its entropy.

    Parameters
    ----------
    logits : sequence of float, optional
        The logits ``z`` (default ``(1, 2, 3, 4)``, the chapter 4 example).
    class_names : sequence of str, optional
        Class names (default ``"0"`` … ``"K-1"``).
    temperature : float, optional
        The starting temperature (default 1, the plain softmax).
    temperatures : sequence of float, optional
        The slider's positions (default 21 values, evenly spaced in log scale from
        0.1 to 10, with 2 significant digits); the starting temperature is added.

    Returns
    -------
    Explorer
        Its ``result`` holds ``probs = softmax(logits, temperature=T)`` and their
        ``entropy`` in nats.

    Raises
    ------
    ValueError
        If a temperature is not positive.

    See Also
    --------
    softmax_lib.plotting.plot_probabilities : the figure.

    Notes
    -----
    Chapter 4: as ``T -> 0`` the bars tend to one-hot argmax and the entropy to 0; as
    ``T -> inf`` they tend to uniform and the entropy to ``ln K``. On the website each
    position of the slider is one pre-rendered frame.

    Examples
    --------
    >>> explorer = temperature_explorer([1.0, 2.0, 3.0, 4.0], temperature=2.0)
    >>> explorer.result["probs"].round(4).tolist()
    [0.1015, 0.1674, 0.276, 0.4551]
    >>> explorer.readout()
    'T = 2: p = (0.1015, 0.1674, 0.2760, 0.4551), entropy = 1.2451 nats (uniform: ln 4 = 1.3863)'
    """
    logits = np.array(_explorer_logits(logits, "a temperature explorer"))
    grid = _grid_with(temperatures, temperature)
    if grid[0] <= 0:
        raise ValueError("temperatures must be positive")
    from softmax_lib.plotting import display_names

    names = display_names(logits.size, class_names)
    max_entropy = math.log(logits.size)

    def compute(settings):
        from softmax_lib.core import softmax
        from softmax_lib.losses import entropy

        probs = softmax(logits, temperature=settings["T"])
        return {"probs": probs, "entropy": float(entropy(probs))}

    def draw(ax, settings, result, title, gid_prefix):
        from softmax_lib.plotting import plot_probabilities

        ax = plot_probabilities(result["probs"], names, ax=ax, title=title)
        # Headroom for the value label of a bar near 1 (low T), below the title.
        ax.set_ylim(0.0, 1.2)
        ax.set_yticks(np.linspace(0.0, 1.0, 6))
        return ax

    def readout(settings, result):
        probs = _fmt(result["probs"])
        return (
            f"T = {settings['T']:g}: p = ({probs}), entropy = {result['entropy']:.4f} nats "
            f"(uniform: ln {logits.size} = {max_entropy:.4f})"
        )

    zs = ", ".join(f"{z:g}" for z in logits)
    return Explorer(
        kind="temperature",
        heading="Move the temperature: low T sharpens, high T flattens",
        controls=[Control("T", "temperature T (log scale)", grid, float(temperature))],
        compute=compute,
        draw=draw,
        title=f"softmax(z / T) for z = ({zs}), T = {{T}}",
        readout=readout,
        static="frames",
        figure_kind="Bar chart of the softmax probabilities",
        params={"logits": logits.tolist()},
    )


JACOBIAN_POSITIONS = tuple(float(v) for v in range(-3, 4))


def jacobian_explorer(
    logits: Sequence[float] = (1.0, 0.0, 0.0),
    label: int = 0,
    class_names: Sequence[str] | None = None,
    *,
    positions: Sequence[float] = JACOBIAN_POSITIONS,
) -> Explorer:
    """Sliders for the logits, driving the softmax Jacobian heat map and the gradient ``p - y``.

    The last logit stays fixed: softmax is invariant to adding a constant to every
    logit, so the other ``K - 1`` sliders reach every possible softmax.

    Parameters
    ----------
    logits : sequence of float, optional
        The starting logits (default ``(1, 0, 0)``); every one but the last gets a
        slider.
    label : int, optional
        The index of the true class ``y`` (default 0, the first class).
    class_names : sequence of str, optional
        Class names (default ``"0"`` … ``"K-1"``).
    positions : sequence of float, optional
        The positions of every slider (default the integers -3 … 3); each slider also
        gets its starting logit.

    Returns
    -------
    Explorer
        Its ``result`` holds ``probs = softmax(z)``, ``jacobian =
        softmax_jacobian(probs)`` and ``grad = cross_entropy_grad(z, label)``, that is
        ``p - y``.

    Raises
    ------
    ValueError
        If there are fewer than 2 logits, ``label`` is not a class index, or there are
        more slider combinations than the website's frames allow (``MAX_FRAMES``, 64:
        three classes with the default positions give 49).

    See Also
    --------
    softmax_lib.plotting.plot_jacobian : the heat map.
    softmax_lib.plotting.plot_probabilities : the bars of ``p - y``.

    Notes
    -----
    Chapter 2, "Try it": the Jacobian ``diag(p) - p pᵀ`` fades towards 0 when one
    class wins (softmax saturates); ``p - y`` is negative for the true class and
    positive for the others, and sums to 0. On the website each combination of slider
    positions is one pre-rendered frame.

    Examples
    --------
    >>> explorer = jacobian_explorer([1.0, 0.0, 0.0], label=0)
    >>> explorer.result["grad"].round(4).tolist()
    [-0.4239, 0.2119, 0.2119]
    >>> explorer.set(z0=-1.0).result["jacobian"].round(3)[0].tolist()
    [0.131, -0.066, -0.066]
    """
    logits = _explorer_logits(logits, "a Jacobian explorer")
    n_classes = len(logits)
    if not 0 <= int(label) < n_classes:
        raise ValueError(f"label must be a class index in 0 … {n_classes - 1}, got {label}")
    label = int(label)
    from softmax_lib.plotting import display_names

    names = display_names(n_classes, class_names)
    controls = [
        Control(f"z{i}", f"logit z{i} (class {names[i]})", _grid_with(positions, z), z)
        for i, z in enumerate(logits[:-1])
    ]

    def compute(settings):
        from softmax_lib.core import softmax
        from softmax_lib.grad import softmax_jacobian
        from softmax_lib.losses import cross_entropy_grad

        z = np.array([settings[f"z{i}"] for i in range(n_classes - 1)] + [logits[-1]])
        probs = softmax(z)
        return {
            "logits": z,
            "probs": probs,
            "jacobian": softmax_jacobian(probs),
            "grad": cross_entropy_grad(z, label),
        }

    def draw(ax, settings, result, title, gid_prefix):
        from softmax_lib.plotting import plot_jacobian, plot_probabilities

        figure = ax.figure
        grid = figure.add_gridspec(1, 2, width_ratios=(1.0, 1.0))
        ax.set_subplotspec(grid[0])
        right = figure.add_subplot(grid[1])
        plot_jacobian(result["jacobian"], names, ax=ax, title="Jacobian  diag(p) - p pᵀ")
        plot_probabilities(
            result["grad"],
            names,
            ax=right,
            ylim=(-1.4, 1.4),  # room for the value labels of bars near -1 and 1
            ylabel="p - y",
            highlight=label,
            title=f"gradient p - y, true class {names[label]}",
        )
        right.set_yticks(np.linspace(-1.0, 1.0, 5))
        figure.suptitle(title)
        return ax

    def readout(settings, result):
        def fmt(values):
            return f"({_fmt(values)})"

        return (
            f"p = {fmt(result['probs'])}; p - y = {fmt(result['grad'])}; "
            f"diagonal of J = {fmt(np.diag(result['jacobian']))}"
        )

    zs = ", ".join([f"{{z{i}}}" for i in range(n_classes - 1)] + [f"{logits[-1]:g}"])
    return Explorer(
        kind="jacobian",
        heading="Move the logits: the Jacobian and the gradient p - y follow",
        controls=controls,
        compute=compute,
        draw=draw,
        title=f"z = ({zs})",
        readout=readout,
        static="frames",
        figure_kind="Heat map of the softmax Jacobian and bar chart of the gradient p - y",
        figsize=(8.5, 3.2),
        params={"logits": logits, "label": label},
    )
