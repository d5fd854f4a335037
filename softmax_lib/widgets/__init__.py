"""Interactive explorers that work in Jupyter and on the static website, from one source.

An explorer is a figure with controls: move a control, and ``softmax_lib`` recomputes
and ``softmax_lib.plotting`` redraws. A notebook cell that ends with an explorer,
for example ``sl.widgets.logits_explorer([2.0, 1.0, 0.0, -1.0])``, shows

- in Jupyter with a kernel, live ipywidgets controls: every change calls
  ``softmax_lib`` and redraws the figure (``Explorer.widget``);
- on the website, which has no kernel, an HTML view (``Explorer.to_html()``) made
  at build time: the same controls as HTML inputs, and the figure at every position
  of the controls, computed by ``softmax_lib`` and drawn by the same plotting code.
  A few lines of JavaScript (``book/_static/softmax-explorer.js``) switch between them.

Each control moves over a fixed grid of positions, the same in both places. The HTML
view stores the figure in one of two ways:

``"frames"``
    one PNG per combination of positions (for explorers with few combinations, such
    as the temperature slider); the script swaps the image, its alt text and the
    readout text.
``"bars"``
    one SVG of the bar chart, and a table of the bar heights ``softmax_lib`` computes
    for every combination (for many combinations, such as four logit sliders). The
    script only sets each bar's height from the table and writes the readout.

The explorer object offers both views in its ``_repr_mimebundle_``; ``_config.yml``
tells MyST-NB to drop the widget view on the website, so it shows the HTML view.
CONTRIBUTING.md explains how to add an explorer.

matplotlib and ipywidgets are imported inside the functions that need them. For
example:

>>> from softmax_lib.widgets import logits_explorer
>>> explorer = logits_explorer([2.0, 1.0, 0.0, -1.0])
>>> explorer.readout()
'p0 = 0.6439, p1 = 0.2369, p2 = 0.0871, p3 = 0.0321'
>>> explorer.set(z3=3.0).readout()
'p0 = 0.2369, p1 = 0.0871, p2 = 0.0321, p3 = 0.6439'
"""

from softmax_lib._optional import require

require("matplotlib", "softmax_lib.widgets")

from softmax_lib.widgets.framework import (  # noqa: E402
    MAX_FRAMES,  # noqa: F401 (the website's limits, documented in Explorer)
    MAX_TABLE_ROWS,  # noqa: F401
    Bars,
    Control,
    Explorer,
)
from softmax_lib.widgets.mnist import mnist_explorer  # noqa: E402
from softmax_lib.widgets.overflow import overflow_explorer  # noqa: E402
from softmax_lib.widgets.scale import online_softmax_explorer, tiled_memory_explorer  # noqa: E402
from softmax_lib.widgets.softmax import (  # noqa: E402
    jacobian_explorer,
    logits_explorer,
    temperature_explorer,
)
from softmax_lib.widgets.training import live_learning_curves  # noqa: E402

__all__ = [
    "Bars",
    "Control",
    "Explorer",
    "jacobian_explorer",
    "live_learning_curves",
    "logits_explorer",
    "mnist_explorer",
    "online_softmax_explorer",
    "overflow_explorer",
    "temperature_explorer",
    "tiled_memory_explorer",
]
