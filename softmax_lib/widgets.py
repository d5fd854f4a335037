"""Interactive explorers that work in Jupyter and on the static website, from one source.

An explorer is a figure with controls: move a control, and ``softmax_lib`` recomputes
and ``softmax_lib.plotting`` redraws. A notebook cell that ends with an explorer,
for example ``sl.widgets.logits_explorer([2.0, 1.0, 0.1, -1.0])``, shows

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
'p1 = 0.6439, p2 = 0.2369, p3 = 0.0871, p4 = 0.0321'
>>> explorer.set(z4=3.0).readout()
'p1 = 0.2369, p2 = 0.0871, p3 = 0.0321, p4 = 0.6439'
"""

from __future__ import annotations

import base64
import io
import itertools
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

import numpy as np

from softmax_lib._optional import require

require("matplotlib", "softmax_lib.widgets")

__all__ = [
    "Bars",
    "Control",
    "Explorer",
    "jacobian_explorer",
    "live_learning_curves",
    "logits_explorer",
    "mnist_explorer",
    "overflow_explorer",
    "temperature_explorer",
]

MAX_FRAMES = 64
MAX_TABLE_ROWS = 20_000
_uid_counter = itertools.count(1)


@dataclass(frozen=True)
class Control:
    """One control of an explorer: a slider or a dropdown over a fixed grid of values.

    Parameters
    ----------
    name : str
        Identifier (letters, digits, underscores): the key of the value in the
        explorer's settings and the field ``{name}`` in its title template.
    label : str
        What the reader sees next to the control.
    values : tuple
        The positions, in order (numbers for a slider, strings for a dropdown).
    value : object
        The starting position; one of ``values``.
    kind : {"slider", "dropdown"}
        The kind of control.
    fmt : str
        Format of a value for display, e.g. ``"{:g}"``.
    """

    name: str
    label: str
    values: tuple
    value: Any
    kind: str = "slider"
    fmt: str = "{:g}"

    def __post_init__(self):
        if not re.fullmatch(r"[A-Za-z_]\w*", self.name):
            raise ValueError(f"control name {self.name!r} is not an identifier")
        if self.kind not in ("slider", "dropdown"):
            raise ValueError(f"kind must be 'slider' or 'dropdown', got {self.kind!r}")
        if len(set(self.values)) != len(self.values) or not self.values:
            raise ValueError(f"control {self.name!r}: values must be distinct and non-empty")
        self.index(self.value)

    def index(self, value) -> int:
        """Return the position of ``value`` among the control's ``values``."""
        for i, candidate in enumerate(self.values):
            if candidate == value:
                return i
        raise ValueError(
            f"{value!r} is not a position of control {self.name!r}; choose one of "
            f"{list(self.values)}"
        )

    def display(self, value) -> str:
        """Return ``value`` as the reader sees it."""
        return self.fmt.format(value)


@dataclass(frozen=True)
class Bars:
    """How a ``"bars"`` explorer's HTML view draws: bar heights from a table.

    Parameters
    ----------
    key : str
        The entry of the compute function's result that holds the bar heights.
    labels : tuple of str
        The name of each bar in the readout, e.g. ``("p1", "p2")``.
    decimals : int
        Decimals of the values in the table and the readout.
    prefix : str
        Text before the values in the readout.
    """

    key: str
    labels: tuple
    decimals: int = 4
    prefix: str = ""

    def quantize(self, values) -> list[int]:
        """Return ``values`` rounded to ``decimals`` decimals, as integers.

        The rounding is Python's own decimal formatting, so the readout shows exactly
        the digits ``f"{value:.{decimals}f}"`` shows.
        """
        return [int(f"{float(v):.{self.decimals}f}".replace(".", "")) for v in values]

    def readout(self, values) -> str:
        """Return the readout text for bar heights ``values`` (the script builds the same)."""
        scale = 10**self.decimals
        parts = [
            f"{label} = {q / scale:.{self.decimals}f}"
            for label, q in zip(self.labels, self.quantize(values), strict=True)
        ]
        return self.prefix + ", ".join(parts)


class Explorer:
    """An interactive figure: controls -> ``compute`` (softmax_lib) -> ``draw`` (plotting).

    Parameters
    ----------
    kind : str
        A short identifier of what the explorer shows (e.g. ``"logits"``); written into
        the HTML view so that tests can check its numbers.
    heading : str
        A one-line heading shown above the controls.
    controls : sequence of Control
        The controls, in display order.
    compute : callable
        ``compute(settings) -> dict`` with every number the figure and readout show,
        computed with ``softmax_lib``; ``settings`` maps control names to values.
    draw : callable
        ``draw(ax, settings, result, title, gid_prefix) -> ax``, built on
        ``softmax_lib.plotting``.
    title : str
        Title template; ``{name}`` is replaced by control ``name``'s displayed value.
    readout : callable, optional
        ``readout(settings, result) -> str``, the text under the figure. Required for
        ``static="frames"``; ``static=Bars(...)`` builds it from the bar heights.
    static : "frames" or Bars
        How the HTML view stores the figure (see the module docstring).
    figure_kind : str
        First words of the figure's alt text, e.g. ``"Bar chart"``.
    figsize : (float, float)
        Figure size in inches.
    params : dict, optional
        Fixed inputs of the explorer that are not controls (e.g. the logits of a
        temperature explorer), JSON-serialisable; written into the HTML view so that
        the browser tests can recompute what it must show.

    Attributes
    ----------
    settings : dict
        The current value of every control.
    result : dict
        ``compute(settings)``.
    """

    def __init__(
        self,
        *,
        kind: str,
        heading: str,
        controls: Sequence[Control],
        compute: Callable[[dict], dict],
        draw: Callable[..., Any],
        title: str,
        readout: Callable[[dict, dict], str] | None = None,
        static: str | Bars = "frames",
        figure_kind: str = "Figure",
        figsize: tuple[float, float] = (5.6, 3.2),
        params: dict | None = None,
    ):
        self.kind = kind
        self.params = dict(params or {})
        self.heading = heading
        self.controls = tuple(controls)
        if len({c.name for c in self.controls}) != len(self.controls):
            raise ValueError("control names must be distinct")
        self._compute = compute
        self._draw = draw
        self._title = title
        self._readout = readout
        if static != "frames" and not isinstance(static, Bars):
            raise ValueError("static must be 'frames' or a Bars(...)")
        if static == "frames" and readout is None:
            raise ValueError("a 'frames' explorer needs a readout function")
        self.static = static
        self.figure_kind = figure_kind
        self.figsize = figsize
        self.settings = {c.name: c.value for c in self.controls}
        self.result = self._compute(dict(self.settings))
        self._figure = None
        self._ax = None
        self._widget = None
        self._inputs: dict[str, Any] = {}
        n_rows = math.prod(len(c.values) for c in self.controls)
        limit = MAX_FRAMES if static == "frames" else MAX_TABLE_ROWS
        if n_rows > limit:
            raise ValueError(
                f"{n_rows} combinations of control positions is more than {limit} for a "
                f"{'frames' if static == 'frames' else 'bars'} explorer (page weight): "
                "use fewer positions per control"
            )

    # --- state ------------------------------------------------------------------

    def __repr__(self) -> str:
        values = ", ".join(f"{c.name}={self.settings[c.name]!r}" for c in self.controls)
        return f"<Explorer {self.kind}: {values}>"

    def set(self, **values) -> Explorer:
        """Move controls to new positions, recompute and redraw; return the explorer.

        Raises
        ------
        ValueError
            If a name is not a control or a value is not one of its positions.
        """
        by_name = {c.name: c for c in self.controls}
        for name, value in values.items():
            if name not in by_name:
                raise ValueError(f"no control named {name!r}; controls: {list(by_name)}")
            by_name[name].index(value)
        if all(self.settings[name] == value for name, value in values.items()):
            return self
        self.settings.update(values)
        self.result = self._compute(dict(self.settings))
        if self._figure is not None:
            self._redraw()
        if self._widget is not None:
            for name, value in values.items():
                self._inputs[name].value = value
            self._image.value = self._image_html()
            self._readout_widget.value = escape(self.readout())
        return self

    def labels(self, settings: dict | None = None) -> dict[str, str]:
        """Return each control's displayed value."""
        settings = self.settings if settings is None else settings
        return {c.name: c.display(settings[c.name]) for c in self.controls}

    def title(self, settings: dict | None = None) -> str:
        """Return the figure title for ``settings`` (default: the current ones)."""
        return self._title.format(**self.labels(settings))

    def readout(self, settings: dict | None = None, result: dict | None = None) -> str:
        """Return the readout text (the numbers shown under the figure)."""
        if settings is None:
            settings, result = self.settings, self.result
        elif result is None:
            result = self._compute(dict(settings))
        if isinstance(self.static, Bars):
            return self.static.readout(result[self.static.key])
        return self._readout(settings, result)

    def alt_text(self, settings: dict | None = None, result: dict | None = None) -> str:
        """Return the figure's alt text: what it shows, in words and numbers."""
        return f"{self.figure_kind}: {self.title(settings)}. {self.readout(settings, result)}"

    # --- drawing ----------------------------------------------------------------

    def _new_figure(self, dpi: float = 100):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        figure = Figure(figsize=self.figsize, dpi=dpi, layout="constrained")
        FigureCanvasAgg(figure)
        return figure

    def _draw_on(self, figure, settings, result, gid_prefix=None):
        figure.clear()
        ax = figure.add_subplot()
        self._draw(ax, settings, result, self.title(settings), gid_prefix)
        return ax

    def _redraw(self):
        self._ax = self._draw_on(self._figure, self.settings, self.result)

    @property
    def figure(self):
        """The figure for the current settings (a matplotlib Figure, no pyplot)."""
        if self._figure is None:
            self._figure = self._new_figure()
            self._redraw()
        return self._figure

    @property
    def ax(self):
        """The Axes of ``figure``."""
        self.figure  # noqa: B018  (draws on first use)
        return self._ax

    def _image_html(self) -> str:
        uri = _png_data_uri(self.figure)
        return f'<img src="{uri}" alt="{escape(self.alt_text())}" style="max-width:100%">'

    # --- Jupyter ----------------------------------------------------------------

    @property
    def widget(self):
        """The live ipywidgets view (built on first use)."""
        if self._widget is None:
            import ipywidgets as w

            rows = [w.HTML(f"<strong>{escape(self.heading)}</strong>")]
            for control in self.controls:
                options = [(control.display(v), v) for v in control.values]
                common = {
                    "options": options,
                    "value": self.settings[control.name],
                    "description": control.label,
                    "style": {"description_width": "initial"},
                }
                if control.kind == "slider":
                    widget = w.SelectionSlider(continuous_update=True, **common)
                else:
                    widget = w.Dropdown(**common)
                widget.observe(self._on_change(control.name), names="value")
                self._inputs[control.name] = widget
                rows.append(widget)
            self._image = w.HTML(self._image_html())
            self._readout_widget = w.HTML(escape(self.readout()))
            rows += [self._image, self._readout_widget]
            self._widget = w.VBox(rows)
        return self._widget

    def _on_change(self, name):
        def callback(change):
            self.set(**{name: change["new"]})

        return callback

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {"text/plain": repr(self), "text/html": self.to_html()}
        try:
            widget_bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude)
        except ImportError:  # no ipywidgets: the HTML view is still there
            widget_bundle = {}
        bundle.update({k: v for k, v in (widget_bundle or {}).items() if k != "text/plain"})
        return bundle

    # --- the website --------------------------------------------------------------

    def positions(self):
        """Yield ``(row, settings)`` for every combination of control positions.

        Rows are in row-major order over the controls (the last control moves fastest),
        the order of the HTML view's frames and table.
        """
        grids = [c.values for c in self.controls]
        for row, combo in enumerate(itertools.product(*grids)):
            yield row, dict(zip((c.name for c in self.controls), combo, strict=True))

    def to_html(self) -> str:
        """Return the static HTML view: controls, figure, readout and the precomputed data."""
        uid = f"sm-explorer-{next(_uid_counter)}"
        sizes = [len(c.values) for c in self.controls]
        strides = [math.prod(sizes[i + 1 :]) for i in range(len(sizes))]
        spec: dict[str, Any] = {
            "kind": self.kind,
            "params": self.params,
            "mode": "frames" if self.static == "frames" else "bars",
            "title": self._title,
            "figure_kind": self.figure_kind,
            "figure_id": f"{uid}-figure",
            "readout_id": f"{uid}-readout",
            "strides": strides,
            "controls": [
                {
                    "id": f"{uid}-{c.name}",
                    "name": c.name,
                    "kind": c.kind,
                    "values": list(c.values),
                    "labels": [c.display(v) for v in c.values],
                }
                for c in self.controls
            ],
        }
        frames = self.static == "frames"
        figure_html = self._frames(spec) if frames else self._bars(spec, uid)
        controls_html = "\n".join(self._control_html(uid, c) for c in self.controls)
        data = json.dumps(spec, separators=(",", ":")).replace("</", "<\\/")
        return (
            f'<div class="sm-explorer" id="{uid}" data-explorer-kind="{escape(self.kind)}">\n'
            f'<p class="sm-explorer-heading">{escape(self.heading)}</p>\n'
            f'<div class="sm-explorer-controls" role="group" '
            f'aria-label="{escape(self.heading)}: controls">\n{controls_html}\n</div>\n'
            f'<div class="sm-explorer-figure">{figure_html}</div>\n'
            f'<p class="sm-explorer-readout"><output id="{uid}-readout" aria-live="polite">'
            f"{escape(self.readout())}</output></p>\n"
            f'<script type="application/json" class="sm-explorer-data">{data}</script>\n'
            "</div>"
        )

    def _control_html(self, uid: str, control: Control) -> str:
        cid = f"{uid}-{control.name}"
        index = control.index(self.settings[control.name])
        shown = escape(control.display(self.settings[control.name]))
        label = f'<label for="{cid}">{escape(control.label)}</label>'
        if control.kind == "slider":
            field = (
                f'<input type="range" id="{cid}" min="0" max="{len(control.values) - 1}" '
                f'step="1" value="{index}" aria-valuetext="{shown}">'
            )
        else:
            options = "".join(
                f'<option value="{i}"{" selected" if i == index else ""}>'
                f"{escape(control.display(v))}</option>"
                for i, v in enumerate(control.values)
            )
            field = f'<select id="{cid}">{options}</select>'
            # A drop-down shows its own choice: no separate value display.
            return f'<div class="sm-explorer-control">{label} {field}</div>'
        value = f'<output id="{cid}-value" for="{cid}">{shown}</output>'
        return f'<div class="sm-explorer-control">{label} {field} {value}</div>'

    def _frames(self, spec: dict) -> str:
        figure = self._new_figure()
        frames = []
        for _, settings in self.positions():
            result = self._compute(dict(settings))
            self._draw_on(figure, settings, result)
            frames.append(
                {
                    "src": _png_data_uri(figure),
                    "alt": self.alt_text(settings, result),
                    "readout": self.readout(settings, result),
                }
            )
        spec["frames"] = frames
        current = frames[self._row(self.settings)]
        return (
            f'<img id="{spec["figure_id"]}" src="{current["src"]}" alt="{escape(current["alt"])}">'
        )

    def _row(self, settings: dict) -> int:
        row = 0
        for control in self.controls:
            row = row * len(control.values) + control.index(settings[control.name])
        return row

    def _bars(self, spec: dict, uid: str) -> str:
        bars = self.static
        assert isinstance(bars, Bars)
        figure = self._new_figure(dpi=72)  # 1 SVG unit = 1 display pixel
        ax = self._draw_on(figure, self.settings, self.result, gid_prefix=f"{uid}-")
        svg = _svg_text(figure, uid)
        height = figure.bbox.height
        n_bars = len(ax.patches)
        x0, x1 = [], []
        for patch in ax.patches:
            (left, _), (right, _) = ax.transData.transform(
                [(patch.get_x(), 0.0), (patch.get_x() + patch.get_width(), 0.0)]
            )
            x0.append(round(float(left), 3))
            x1.append(round(float(right), 3))
        (_, zero), (_, one) = ax.transData.transform([(0.0, 0.0), (0.0, 1.0)])
        table: list[int] = []
        for _, settings in self.positions():
            values = self._compute(dict(settings))[bars.key]
            if len(values) != n_bars:
                raise ValueError(f"{len(values)} values for {n_bars} bars")
            table += bars.quantize(values)
        spec["bars"] = {
            "ids": [f"{uid}-bar-{i}" for i in range(n_bars)],
            "title_id": f"{uid}-title",
            "labels": list(bars.labels),
            "prefix": bars.prefix,
            "decimals": bars.decimals,
            "scale": 10**bars.decimals,
            "x0": x0,
            "x1": x1,
            "y0": round(float(height - zero), 3),
            "dy": round(float(zero - one), 3),
            "values": table,
        }
        svg = svg.replace(
            "<svg ",
            f'<svg id="{spec["figure_id"]}" role="img" '
            f'aria-label="{escape(self.alt_text())}" class="sm-explorer-svg" ',
            1,
        )
        return svg


def _png_data_uri(figure, dpi: float = 100, colors: int = 64) -> str:
    """Return ``figure`` as a PNG data URI, reduced to a palette of ``colors`` colors."""
    from PIL import Image  # matplotlib's own dependency

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    image = Image.open(buffer).convert("RGB").quantize(colors=colors)
    small = io.BytesIO()
    image.save(small, format="png", optimize=True)
    return "data:image/png;base64," + base64.b64encode(small.getvalue()).decode("ascii")


def _svg_text(figure, salt: str) -> str:
    """Return ``figure`` as an SVG element to inline in HTML (text kept as text)."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": salt}):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg ") :]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.DOTALL)
    svg = re.sub(r'\s(width|height)="[^"]*pt"', "", svg, count=2)
    # Make every id unique on the page (two explorers must not share "axes_1"), and
    # keep matplotlib's global style rule inside this figure.
    prefix = f"{salt}-"
    for old in set(re.findall(r'id="([^"]+)"', svg)):
        if not old.startswith(prefix):
            svg = svg.replace(f'id="{old}"', f'id="{prefix}{old}"')
            svg = svg.replace(f"url(#{old})", f"url(#{prefix}{old})")
            svg = svg.replace(f'href="#{old}"', f'href="#{prefix}{old}"')
    svg = svg.replace("*{stroke-linejoin", f"#{prefix}figure *{{stroke-linejoin", 1)
    return svg


# --- The explorers ------------------------------------------------------------------

DEFAULT_LOGITS = (2.0, 1.0, 0.1, -1.0)
LOGIT_POSITIONS = tuple(float(v) for v in range(-4, 5))


def _grid_with(values: Sequence[float], start: float) -> tuple:
    return tuple(sorted({float(v) for v in values} | {float(start)}))


def logits_explorer(
    logits: Sequence[float] = DEFAULT_LOGITS,
    labels: Sequence[str] | None = None,
    *,
    positions: Sequence[float] = LOGIT_POSITIONS,
) -> Explorer:
    """Sliders for the logits, driving a bar chart of their softmax probabilities.

    Parameters
    ----------
    logits : sequence of float, optional
        The starting logits, one slider each (default ``(2.0, 1.0, 0.1, -1.0)``).
    labels : sequence of str, optional
        Class names (default ``"1"`` … ``"K"``).
    positions : sequence of float, optional
        The positions of every slider (default the integers -4 … 4: one step is one
        unit of evidence, a factor ``e`` in a class's weight); each slider also
        gets its starting logit.

    Returns
    -------
    Explorer
        Its ``result["probs"]`` is ``softmax_lib.softmax(logits)``; its readout lists
        them with 4 decimals.

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
    Chapter 1, "Try it": raise one logit and watch every other probability fall.
    On the website the bar heights come from a table of ``softmax_lib.softmax`` at
    every combination of slider positions.

    Examples
    --------
    >>> explorer = logits_explorer([1.0, 1.0], labels=["cat", "dog"])
    >>> explorer.result["probs"].tolist()
    [0.5, 0.5]
    >>> explorer.set(z1=2.0).title()
    'softmax of z = (2, 1)'
    """
    logits = [float(z) for z in logits]
    if len(logits) < 2:
        raise ValueError("a logits explorer needs at least 2 logits")
    n_classes = len(logits)
    from softmax_lib.plotting import class_labels

    names = class_labels(n_classes, labels)
    controls = [
        Control(f"z{i + 1}", f"logit z{i + 1} ({name})", _grid_with(positions, z), z)
        for i, (name, z) in enumerate(zip(names, logits, strict=True))
    ]

    def compute(settings):
        from softmax_lib.core import softmax

        z = np.array([settings[f"z{i + 1}"] for i in range(n_classes)])
        return {"logits": z, "probs": softmax(z)}

    def draw(ax, settings, result, title, gid_prefix):
        from softmax_lib.plotting import plot_probabilities

        return plot_probabilities(
            result["probs"], names, ax=ax, title=title, show_values=False, gid_prefix=gid_prefix
        )

    zs = ", ".join(f"{{z{i + 1}}}" for i in range(n_classes))
    return Explorer(
        kind="logits",
        heading="Move the logits: softmax turns them into probabilities",
        controls=controls,
        compute=compute,
        draw=draw,
        title=f"softmax of z = ({zs})",
        static=Bars("probs", tuple(f"p{i + 1}" for i in range(n_classes))),
        figure_kind="Bar chart of the softmax probabilities",
    )


DEFAULT_TEMPERATURES = tuple(float(f"{t:.2g}") for t in np.geomspace(0.1, 10.0, 21))


def temperature_explorer(
    logits: Sequence[float] = (1.0, 2.0, 3.0, 4.0),
    labels: Sequence[str] | None = None,
    *,
    temperature: float = 1.0,
    temperatures: Sequence[float] = DEFAULT_TEMPERATURES,
) -> Explorer:
    """A log-scale temperature slider driving the bars of ``softmax(z / T)`` and its entropy.

    Parameters
    ----------
    logits : sequence of float, optional
        The logits ``z`` (default ``(1, 2, 3, 4)``, the chapter 4 example).
    labels : sequence of str, optional
        Class names (default ``"1"`` … ``"K"``).
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
    logits = np.array([float(z) for z in logits])
    grid = _grid_with(temperatures, temperature)
    if grid[0] <= 0:
        raise ValueError("temperatures must be positive")
    from softmax_lib.plotting import class_labels

    names = class_labels(logits.size, labels)
    max_entropy = math.log(logits.size)

    def compute(settings):
        from softmax_lib.core import softmax
        from softmax_lib.losses import entropy

        probs = softmax(logits, temperature=settings["T"])
        return {"probs": probs, "entropy": float(entropy(probs))}

    def draw(ax, settings, result, title, gid_prefix):
        from softmax_lib.plotting import plot_probabilities

        return plot_probabilities(result["probs"], names, ax=ax, title=title)

    def readout(settings, result):
        probs = ", ".join(f"{p:.4f}" for p in result["probs"])
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
    labels: Sequence[str] | None = None,
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
    labels : sequence of str, optional
        Class names (default ``"1"`` … ``"K"``).
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
    >>> explorer.set(z1=-1.0).result["jacobian"].round(3)[0].tolist()
    [0.131, -0.066, -0.066]
    """
    logits = [float(z) for z in logits]
    n_classes = len(logits)
    if n_classes < 2:
        raise ValueError("a Jacobian explorer needs at least 2 logits")
    if not 0 <= int(label) < n_classes:
        raise ValueError(f"label must be a class index in 0 … {n_classes - 1}, got {label}")
    label = int(label)
    from softmax_lib.plotting import class_labels

    names = class_labels(n_classes, labels)
    controls = [
        Control(f"z{i + 1}", f"logit z{i + 1} ({names[i]})", _grid_with(positions, z), z)
        for i, z in enumerate(logits[:-1])
    ]

    def compute(settings):
        from softmax_lib.core import softmax
        from softmax_lib.grad import softmax_jacobian
        from softmax_lib.losses import cross_entropy_grad

        z = np.array([settings[f"z{i + 1}"] for i in range(n_classes - 1)] + [logits[-1]])
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
            ylim=(-1.0, 1.0),
            ylabel="p - y",
            highlight=label,
            title=f"gradient p - y, true class {names[label]}",
        )
        figure.suptitle(title)
        return ax

    def readout(settings, result):
        def fmt(values):
            return "(" + ", ".join(f"{v:.4f}" for v in values) + ")"

        return (
            f"p = {fmt(result['probs'])}; p - y = {fmt(result['grad'])}; "
            f"diagonal of J = {fmt(np.diag(result['jacobian']))}"
        )

    zs = ", ".join([f"{{z{i + 1}}}" for i in range(n_classes - 1)] + [f"{logits[-1]:g}"])
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


DEFAULT_OVERFLOW_LOGITS = (1.0, 0.99, 0.9, 0.0)
# Each float limit ln(max) sits between two neighbouring positions: float16 at 11.09,
# float32 at 88.72, float64 at 709.78.
DEFAULT_OVERFLOW_SCALES = (1.0, 5.0, 11.0, 12.0, 50.0, 88.0, 89.0, 200.0, 709.0, 710.0, 1000.0)
OVERFLOW_DTYPES = ("float16", "float32", "float64")


def overflow_explorer(
    logits: Sequence[float] = DEFAULT_OVERFLOW_LOGITS,
    labels: Sequence[str] | None = None,
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
    labels : sequence of str, optional
        Class names (default ``"1"`` … ``"K"``).
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
    Chapter 3 (The overflow trick), "Try it". On the website each combination of the
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
    logits = np.array([float(z) for z in logits])
    if logits.size < 2:
        raise ValueError("an overflow explorer needs at least 2 logits")
    grid = _grid_with(scales, scale)
    if grid[0] <= 0:
        raise ValueError("scales must be positive")
    if dtype not in OVERFLOW_DTYPES:
        raise ValueError(f"dtype must be one of {OVERFLOW_DTYPES}, got {dtype!r}")
    from softmax_lib.plotting import class_labels

    names = class_labels(logits.size, labels)

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
        naive = ", ".join(f"{p:.4f}" for p in result["naive"])
        stable = ", ".join(f"{p:.4f}" for p in result["stable"])
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


def _pick_images(probs: np.ndarray, labels: np.ndarray, n_images: int) -> list[tuple[int, str]]:
    """Choose ``n_images`` instructive images: right ones, hesitations, confident mistakes."""
    predicted = probs.argmax(axis=1)
    confidence = probs.max(axis=1)
    top_two = np.sort(probs, axis=1)[:, -2:]
    margin = top_two[:, 1] - top_two[:, 0]
    wrong = np.flatnonzero(predicted != labels)
    n_wrong = min(round(0.3 * n_images), wrong.size)
    n_unsure = n_images // 5
    chosen: dict[int, str] = {}
    for i in wrong[np.argsort(-confidence[wrong], kind="stable")][:n_wrong]:
        chosen[int(i)] = "wrong"
    unsure = [int(i) for i in np.argsort(margin, kind="stable") if int(i) not in chosen]
    for i in unsure[:n_unsure]:
        chosen[int(i)] = "hesitant"
    right = [int(i) for i in np.flatnonzero(predicted == labels) if int(i) not in chosen]
    n_right = n_images - len(chosen)
    # the first correct image of every class, then the next ones in order
    firsts = [next((i for i in right if labels[i] == c), None) for c in range(probs.shape[1])]
    ordered = [i for i in firsts if i is not None]
    ordered += [i for i in right if i not in set(ordered)]
    picks = [(i, "right") for i in ordered[:n_right]]
    by_kind = {"hesitant": [], "wrong": []}
    for i, kind in chosen.items():
        by_kind[kind].append((i, kind))
    return picks + by_kind["hesitant"] + by_kind["wrong"]


def mnist_explorer(
    model,
    images,
    labels,
    *,
    indices: Sequence[int] | None = None,
    n_images: int = 20,
) -> Explorer:
    """Pick an image from a dropdown: see the digit, its probabilities and its evidence map.

    Parameters
    ----------
    model : SoftmaxRegression
        A fitted model of 10 classes on 784 pixels (it needs ``predict_proba``,
        ``decision_function``, ``coef_`` and ``intercept_``).
    images : array_like, shape (n, 784)
        The images to choose from, e.g. the MNIST test set (pixels in [0, 1]).
    labels : array_like of int, shape (n,)
        Their true digits.
    indices : sequence of int, optional
        Which images the dropdown offers. Default: ``n_images`` chosen by a fixed
        rule and labelled by kind: correctly classified ones, ``"(right)"`` (the first
        of each digit, then the next in order); the images whose two largest
        probabilities are closest, ``"(hesitant)"`` (20%); and the most confident
        mistakes, ``"(wrong)"`` (30%).
    n_images : int, optional
        How many images to choose when ``indices`` is not given (default 20). On the
        website every choice is one pre-rendered frame (at most ``MAX_FRAMES``).

    Returns
    -------
    Explorer
        Its ``result`` holds, for the chosen image, ``probs`` (``model.predict_proba``),
        ``logits``, the ``predicted`` class, the ``evidence`` map ``W[c] * x`` for that
        class, and its ``bias`` ``b[c]``.

    Raises
    ------
    ValueError
        If the model does not have 10 classes on 784 pixels, the shapes do not match,
        or more than ``MAX_FRAMES`` images are asked for.

    See Also
    --------
    softmax_lib.plotting.plot_prediction : The figure.

    Notes
    -----
    Chapter 5, "Try it". The logit of class ``c`` is the sum of the evidence map plus
    the bias, ``z_c = sum_j W[c, j] x_j + b[c]``: red pixels have ink where the weights
    count it as evidence for ``c``, blue ones where they count it against.

    Examples
    --------
    >>> import numpy as np
    >>> from softmax_lib.regression import SoftmaxRegression
    >>> rng = np.random.default_rng(0)
    >>> images, labels = rng.random((200, 784)), np.arange(200) % 10
    >>> model = SoftmaxRegression(n_epochs=2, progress=False).fit(images, labels)
    >>> explorer = mnist_explorer(model, images, labels, indices=[0, 1])
    >>> explorer.controls[0].values
    ('0', '1')
    >>> explorer.title()
    'test image 0'
    >>> bool(np.allclose(explorer.result["probs"], model.predict_proba(images[:1])[0]))
    True
    """
    images = np.asarray(images, dtype=np.float32)
    labels = np.asarray(labels)
    if images.ndim != 2 or images.shape[1] != 784 or labels.shape != (len(images),):
        raise ValueError(
            f"images must have shape (n, 784) and labels (n,), got {images.shape} and "
            f"{labels.shape}"
        )
    coef = np.asarray(model.coef_)
    if coef.shape != (10, 784):
        raise ValueError(f"the model must have 10 classes on 784 pixels, got {coef.shape}")
    if indices is None:
        picks = _pick_images(model.predict_proba(images), labels, n_images)
    else:
        picks = [(int(i), "") for i in indices]
    if not picks:
        raise ValueError("no images to choose from")
    if len(picks) > MAX_FRAMES:
        raise ValueError(f"{len(picks)} images is more than {MAX_FRAMES} frames (page weight)")
    names = {f"{i} ({kind})" if kind else f"{i}": i for i, kind in picks}
    values = tuple(names)
    # The model's logits of each image, computed as compute() does: the browser tests
    # check that the page shows softmax_lib's probabilities of exactly these.
    image_logits = {name: model.decision_function(images[i][None])[0] for name, i in names.items()}

    def compute(settings):
        index = names[settings["image"]]
        x = images[index]
        logits = model.decision_function(x[None])[0]
        probs = model.predict_proba(x[None])[0]
        predicted = int(np.argmax(probs))
        return {
            "index": index,
            "label": int(labels[index]),
            "logits": logits,
            "probs": probs,
            "predicted": predicted,
            "evidence": coef[predicted] * x,
            "bias": float(np.asarray(model.intercept_)[predicted]),
        }

    def draw(ax, settings, result, title, gid_prefix):
        from softmax_lib.plotting import plot_prediction

        return plot_prediction(
            images[result["index"]],
            result["probs"],
            result["label"],
            evidence=result["evidence"],
            ax=ax,
            title=title,
        )

    def readout(settings, result):
        c = result["predicted"]
        probs = ", ".join(f"{p:.3f}" for p in result["probs"])
        pixels = float(np.sum(result["evidence"], dtype=np.float64))
        sign = "-" if result["bias"] < 0 else "+"
        return (
            f"p(0..9) = ({probs}); predicted {c} with p = {result['probs'][c]:.3f}; "
            f"logit z{c} = {pixels:.2f} (pixels) {sign} {abs(result['bias']):.2f} (bias) = "
            f"{result['logits'][c]:.2f}"
        )

    return Explorer(
        kind="mnist",
        heading="Pick a test image: the model's probabilities and the evidence behind them",
        controls=[Control("image", "test image", values, values[0], kind="dropdown", fmt="{}")],
        compute=compute,
        draw=draw,
        title="test image {image}",
        readout=readout,
        static="frames",
        figure_kind="A digit, a bar chart of its ten probabilities and its evidence map",
        figsize=(8.4, 2.6),
        params={
            "logits": {name: z.tolist() for name, z in image_logits.items()},
            "dtype": str(next(iter(image_logits.values())).dtype),
        },
    )


def live_learning_curves(
    metrics: Sequence[str] = ("loss", "accuracy"), *, figsize: tuple[float, float] = (9, 3.2)
):
    """A callback for ``SoftmaxRegression.fit`` that redraws the learning curves live.

    Parameters
    ----------
    metrics : sequence of str, optional
        The ``history_`` entries to draw, one panel each (default loss and accuracy).
    figsize : tuple of float, optional
        The figure size in inches.

    Returns
    -------
    callable
        ``callback(model)``: after every epoch it redraws each metric with
        :func:`softmax_lib.plotting.plot_learning_curves` from ``model.history_`` and
        updates the figure in place in the notebook (one output, under a display id).
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
    ...     history_ = {
    ...         "epoch": [1, 2],
    ...         "loss": [0.5, 0.4],
    ...         "val_loss": [0.6, 0.5],
    ...         "accuracy": [0.8, 0.9],
    ...         "val_accuracy": [0.7, 0.8],
    ...     }
    >>> callback(Model())  # outside a notebook, display() prints the figure's repr
    Figure(900x320)
    >>> [line.get_ydata().tolist() for line in callback.figure.axes[0].lines]
    [[0.5, 0.4], [0.6, 0.5]]
    """
    import matplotlib.pyplot as plt
    from IPython.display import display

    from softmax_lib.plotting import plot_learning_curves

    figure, axes = plt.subplots(1, len(metrics), figsize=figsize, layout="constrained")
    axes = np.atleast_1d(axes)
    plt.close(figure)  # shown through the display handle only, never twice
    handle = None

    def callback(model) -> None:
        nonlocal handle
        for ax, metric in zip(axes, metrics, strict=True):
            ax.clear()
            plot_learning_curves(model.history_, metric, ax=ax)
        if handle is None:
            handle = display(figure, display_id=True)
        else:
            handle.update(figure)

    callback.figure = figure
    return callback
