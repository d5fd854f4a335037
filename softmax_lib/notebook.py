"""One call that sets up a chapter notebook the way the book shows it.

Every chapter's setup cell calls :func:`setup`. It is the one place that decides how
the book's pages look when a notebook runs, in Jupyter and in the website build alike:

- printed arrays fit the column (at most ``linewidth`` characters a line);
- a warning shown on purpose reads ``RuntimeWarning: overflow encountered in exp``,
  with its category and message only, never a path of the machine that ran it;
- figures are drawn as SVG (sharp on any screen) with text large enough to read at
  the column's width.

It changes process-wide settings of numpy, ``warnings`` and matplotlib, which is
what a notebook wants and a library user's script does not: ``import softmax_lib``
never calls it. For example:

>>> import numpy as np
>>> import warnings
>>> from softmax_lib.notebook import format_warning
>>> format_warning("overflow encountered in exp", RuntimeWarning, "/home/me/x.py", 3)
'RuntimeWarning: overflow encountered in exp\\n'
"""

from __future__ import annotations

import warnings

import numpy as np

__all__ = [
    "DISPLAY_DPI",
    "FIGURE_FORMAT",
    "FRAME_SCALE",
    "LINE_WIDTH",
    "figure_style",
    "format_warning",
    "setup",
]

#: Characters per line that fit a code cell or its output on the website at 1280 px.
LINE_WIDTH = 79
#: How figures are embedded in the notebook and the website ("svg" is vector, sharp at
#: any zoom; "retina" would be PNG at twice the pixels).
FIGURE_FORMAT = "svg"
#: CSS pixels per inch of figure size on the page: an explorer drawn at
#: ``figsize=(5.6, 3.2)`` is shown 560 x 320 px (or narrower, scaled to the column).
DISPLAY_DPI = 100
#: Raster explorer frames (PNG) hold this many device pixels per displayed pixel, so
#: they stay sharp on HiDPI ("retina") screens; tests/test_browser.py checks >= 1.5.
FRAME_SCALE = 2

# Font sizes in points for figures about 6-9 inches wide shown in the text column.
_RC = {
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "figure.titlesize": 12,
    "svg.fonttype": "none",  # text stays text: selectable, searchable, sharp
    "svg.hashsalt": "softmax-book",  # stable ids: the same figure gives the same SVG
}


def figure_style() -> dict:
    """Return the matplotlib settings of every figure in the book (font sizes, SVG text).

    :func:`setup` applies them to the notebook's figures; the explorers
    (:mod:`softmax_lib.widgets`) draw inside ``matplotlib.rc_context(figure_style())``,
    so their frames look the same whether or not :func:`setup` was called.

    Returns
    -------
    dict
        matplotlib ``rcParams`` entries.

    Examples
    --------
    >>> figure_style()["font.size"]
    11
    """
    return dict(_RC)


def format_warning(message, category, filename, lineno, line=None) -> str:
    """Format a warning as ``Category: message`` (for ``warnings.formatwarning``).

    Parameters
    ----------
    message : Warning or str
        The warning's message.
    category : type
        The warning's class, e.g. ``RuntimeWarning``.
    filename, lineno, line
        Where it was raised; ignored, so that no path of the machine is shown.

    Returns
    -------
    str
        One line, ending in a newline.
    """
    return f"{category.__name__}: {message}\n"


def setup(*, linewidth: int = LINE_WIDTH, figure_format: str = FIGURE_FORMAT) -> None:
    """Set up numpy, warnings and matplotlib for a chapter notebook.

    Parameters
    ----------
    linewidth : int, optional
        The widest printed array line, in characters (default :data:`LINE_WIDTH`).
    figure_format : str, optional
        The inline figure format, ``"svg"`` (default), ``"retina"`` or ``"png"``.

    Returns
    -------
    None

    Notes
    -----
    matplotlib is configured only if it is installed (``softmax-lib[widgets]``), and
    the inline figure format only inside IPython.
    """
    np.set_printoptions(linewidth=linewidth)
    warnings.formatwarning = format_warning
    try:
        import matplotlib
    except ImportError:  # the numpy-only install: nothing to draw
        return
    matplotlib.rcParams.update(figure_style())
    try:
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:  # pragma: no cover - outside IPython
        return
    # Every figure of the book uses constrained layout, which already fits its text into
    # the canvas; IPython's default bbox_inches="tight" adds a bounding-box pass over
    # every artist (about 17% of a figure's rendering time, measured on chapter 5's).
    set_matplotlib_formats(figure_format, bbox_inches=None)
