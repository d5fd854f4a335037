"""Figures for the book: pure matplotlib drawing functions.

Every function draws on the Axes it is given (``ax=None`` creates a new figure with
pyplot, so the figure shows up in a notebook), returns that Axes, and never calls
``plt.show()``. They draw numbers they are given; they compute nothing but layout,
so what a figure shows is exactly what ``softmax_lib`` computed. The explorers in
``softmax_lib.widgets`` are built on them, in Jupyter and on the website alike.

matplotlib is imported inside the functions: ``import softmax_lib`` stays numpy-only.
For example:

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from softmax_lib.plotting import plot_probabilities
>>> ax = plot_probabilities([0.1, 0.2, 0.7], class_names=["a", "b", "c"], title="three classes")
>>> [round(float(bar.get_height()), 2) for bar in ax.patches]
[0.1, 0.2, 0.7]
>>> ax.get_title()
'three classes'
"""

from softmax_lib._optional import require

require("matplotlib", "softmax_lib.plotting")

from softmax_lib.plotting.classifier import (  # noqa: E402
    DIGITS,
    plot_confusion_matrix,
    plot_digit,
    plot_digits,
    plot_evidence_map,
    plot_learning_curves,
    plot_prediction,
    plot_reliability_diagram,
    plot_weight_images,
)
from softmax_lib.plotting.common import display_names  # noqa: E402
from softmax_lib.plotting.scale import (  # noqa: E402
    plot_attention_memory,
    plot_online_step,
    plot_online_trace,
    plot_score_variance,
)
from softmax_lib.plotting.softmax import (  # noqa: E402
    plot_jacobian,
    plot_naive_vs_stable,
    plot_probabilities,
    plot_temperature_sweep,
)

__all__ = [
    "DIGITS",
    "display_names",
    "plot_attention_memory",
    "plot_confusion_matrix",
    "plot_digit",
    "plot_digits",
    "plot_evidence_map",
    "plot_jacobian",
    "plot_learning_curves",
    "plot_naive_vs_stable",
    "plot_online_step",
    "plot_online_trace",
    "plot_prediction",
    "plot_probabilities",
    "plot_reliability_diagram",
    "plot_score_variance",
    "plot_temperature_sweep",
    "plot_weight_images",
]
