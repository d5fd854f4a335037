"""Live learning curves while ``SoftmaxRegression.fit`` runs (Chapter 5)."""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from softmax_lib._validation import check_real


def live_learning_curves(
    metrics: Sequence[str] = ("loss", "accuracy"),
    *,
    figsize: tuple[float, float] = (9, 3.2),
    min_interval: float = 1.0,
):
    """A callback for ``SoftmaxRegression.fit`` that redraws the learning curves live.

    Parameters
    ----------
    metrics : sequence of str, optional
        The ``history_`` entries to draw, one panel each (default ``"loss"``, the
        mean cross-entropy without the penalty, and ``"accuracy"``; ``"objective"``
        adds the penalty). Each panel's y axis says exactly what it shows.
    figsize : tuple of float, optional
        The figure size in inches.
    min_interval : float, optional
        The least time in seconds between two redraws (default 1). A redraw takes
        about 0.3 s, so for short epochs the figure follows every few epochs instead
        of doubling the training time; the first and the last epoch are always drawn.

    Returns
    -------
    callable
        ``callback(model)``: after an epoch (the first, the last, and any other at
        least ``min_interval`` seconds after the last redraw) it redraws each metric
        with :func:`softmax_lib.plotting.plot_learning_curves` from ``model.history_``
        and updates the figure in place in the notebook (one output, under a display
        id).
        Its ``figure`` attribute is the matplotlib figure. The saved notebook, and so
        the website, keeps the figure of the last epoch.

    See Also
    --------
    softmax_lib.plotting.plot_learning_curves : one panel of the figure.

    Notes
    -----
    Chapter 5 trains with ``model.fit(X, y, X_val=..., y_val=...,
    callback=live_learning_curves())``.

    Examples
    --------
    >>> callback = live_learning_curves()
    >>> class Model:
    ...     n_epochs = 2
    ...     history_ = {
    ...         "epoch": [0, 1, 2],
    ...         "loss": [2.3, 0.5, 0.4],
    ...         "val_loss": [2.3, 0.6, 0.5],
    ...         "accuracy": [0.1, 0.8, 0.9],
    ...         "val_accuracy": [0.1, 0.7, 0.8],
    ...     }
    >>> callback(Model())  # outside a notebook, display() prints the figure's repr
    Figure(900x320)
    >>> [line.get_ydata().tolist() for line in callback.figure.axes[0].lines]
    [[2.3, 0.5, 0.4], [2.3, 0.6, 0.5]]
    >>> callback.figure.axes[0].get_ylabel()
    'mean cross-entropy (no penalty)'
    """
    import matplotlib.pyplot as plt
    from IPython.display import display

    from softmax_lib.plotting import plot_learning_curves

    min_interval = check_real(min_interval, "min_interval", low=0)
    figure, axes = plt.subplots(1, len(metrics), figsize=figsize, layout="constrained")
    axes = np.atleast_1d(axes)
    plt.close(figure)  # shown through the display handle only, never twice
    handle = None
    last_drawn = -float("inf")

    def callback(model) -> None:
        nonlocal handle, last_drawn
        missing = [m for m in metrics if m not in model.history_]
        if missing:
            raise ValueError(
                f"history_ has no {missing[0]!r}: the live curves need a model trained"
                " with record_history=True (and X_val, y_val for the validation curves)"
            )
        last = model.history_["epoch"][-1] >= getattr(model, "n_epochs", 0)
        if not last and time.monotonic() - last_drawn < min_interval:
            return
        for ax, metric in zip(axes, metrics, strict=True):
            ax.clear()
            plot_learning_curves(model.history_, metric, ax=ax)
        if handle is None:
            handle = display(figure, display_id=True)
        else:
            handle.update(figure)
        last_drawn = time.monotonic()

    callback.figure = figure
    return callback
