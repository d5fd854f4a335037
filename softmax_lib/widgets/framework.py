"""The explorer framework: controls, the explorer object, its Jupyter and website views.

An explorer is built from a ``compute(settings)`` and a ``draw(ax, settings, result, ...)``
function (see :class:`Explorer`). This module turns them into live ipywidgets in Jupyter
and into a static HTML view with precomputed frames (PNG) or a bar table (SVG) for
the website. The chapters' explorers are in the sibling modules.
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

from softmax_lib.notebook import DISPLAY_DPI, FRAME_SCALE, figure_style

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

    def _new_figure(self, dpi: float = DISPLAY_DPI):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        figure = Figure(figsize=self.figsize, dpi=dpi, layout="constrained")
        FigureCanvasAgg(figure)
        return figure

    def _draw_on(self, figure, settings, result, gid_prefix=None):
        import matplotlib

        figure.clear()
        # The book's figure style (softmax_lib.notebook), whoever calls: fonts are set
        # when the text is made, so the frames look the same in Jupyter and the build.
        with matplotlib.rc_context(figure_style()):
            ax = figure.add_subplot()
            self._draw(ax, settings, result, self.title(settings), gid_prefix)
        return ax

    def _display_size(self) -> tuple[int, int]:
        """The figure's size on the page in CSS pixels (the PNG holds FRAME_SCALE x that)."""
        width, height = self.figsize
        return round(width * DISPLAY_DPI), round(height * DISPLAY_DPI)

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
        width, height = self._display_size()
        return (
            f'<img src="{uri}" alt="{escape(self.alt_text())}" width="{width}" '
            f'height="{height}" style="max-width:100%;height:auto">'
        )

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
        width, height = self._display_size()
        return (
            f'<img id="{spec["figure_id"]}" src="{current["src"]}" '
            f'width="{width}" height="{height}" alt="{escape(current["alt"])}">'
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


def _png_data_uri(figure, dpi: float = DISPLAY_DPI * FRAME_SCALE, colors: int = 64) -> str:
    """Return ``figure`` as a PNG data URI, reduced to a palette of ``colors`` colors.

    The default ``dpi`` gives ``FRAME_SCALE`` device pixels per displayed pixel (the
    ``<img>`` is shown at ``DISPLAY_DPI`` pixels per inch): sharp on HiDPI screens.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image  # matplotlib's own dependency

    # Render once with Agg and take its pixels. (savefig would lay a constrained-layout
    # figure out twice and encode a PNG only for PIL to decode it: about 2x slower.)
    old_canvas, old_dpi = figure.canvas, figure.dpi
    canvas = FigureCanvasAgg(figure)
    try:
        figure.set_dpi(dpi)
        canvas.draw()
        rgba = Image.frombuffer(
            "RGBA", canvas.get_width_height(physical=True), canvas.buffer_rgba(), "raw"
        )
    finally:
        figure.set_dpi(old_dpi)
        figure.set_canvas(old_canvas)
    # Fast octree without dithering: flat colours and clean text edges compress best
    # (about 15% smaller than median cut with dithering, at the same look).
    image = rgba.convert("RGB").quantize(
        colors=colors, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
    )
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


def _grid_with(values: Sequence[float], start: float) -> tuple:
    return tuple(sorted({float(v) for v in values} | {float(start)}))


def layout_problems(figure, margin: float = 4.0) -> list[str]:
    """Return what is crowded in a drawn figure: overlapping text, bars under a title.

    The checks behind "no label overlaps at any control position" (the tests run it on
    every frame of every explorer): no two visible texts (titles, axis and tick labels,
    bar labels, legend entries, the figure's title) overlap; every text lies inside the
    figure; and the tallest bar of an Axes, with its value label, stays ``margin``
    pixels below that Axes' title and the figure's title.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        A figure with a canvas (Agg); it is drawn first.
    margin : float, optional
        The smallest gap, in pixels at the figure's dpi, between a bar and a title.

    Returns
    -------
    list of str
        One message per problem; empty when the figure is clean.
    """
    from matplotlib.patches import Rectangle

    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    texts = []  # (description, text artist)
    if figure._suptitle is not None:
        texts.append(("figure title", figure._suptitle))
    texts += [("figure text", t) for t in figure.texts if t is not figure._suptitle]
    for n, ax in enumerate(figure.axes):
        where = f"axes {n}"
        texts += [(f"{where} title", ax.title), (f"{where} x label", ax.xaxis.label)]
        texts += [(f"{where} y label", ax.yaxis.label)]
        texts += [(f"{where} text", t) for t in ax.texts]
        legend = ax.get_legend()
        if legend is not None:
            texts += [(f"{where} legend", t) for t in legend.get_texts()]
        for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            low, high = sorted(axis.get_view_interval())
            slack = 1e-9 * max(1.0, abs(high - low))
            for tick in axis.get_major_ticks():
                if low - slack <= tick.get_loc() <= high + slack:
                    texts += [(f"{where} {name} tick", lab) for lab in (tick.label1, tick.label2)]
    boxes = []
    for description, text in texts:
        if not text.get_visible() or not text.get_text().strip():
            continue
        box = text.get_window_extent(renderer)
        boxes.append((f"{description} {text.get_text()!r}", box))
    problems = []
    whole = figure.bbox
    for label, box in boxes:
        if box.x0 < whole.x0 - 1 or box.x1 > whole.x1 + 1 or box.y0 < -1 or box.y1 > whole.y1 + 1:
            problems.append(f"{label} is cut off at the figure's edge")
    for i, (label_a, a) in enumerate(boxes):
        for label_b, b in boxes[i + 1 :]:
            width = min(a.x1, b.x1) - max(a.x0, b.x0)
            height = min(a.y1, b.y1) - max(a.y0, b.y0)
            if width > 0.5 and height > 0.5:
                problems.append(f"{label_a} overlaps {label_b}")
    titles = [box for label, box in boxes if "title" in label]
    for n, ax in enumerate(figure.axes):
        tops = [  # a bar is clipped at the top of its Axes; its label is not
            min(patch.get_window_extent(renderer).y1, ax.bbox.y1)
            for patch in ax.patches
            if isinstance(patch, Rectangle) and patch.get_visible()
        ]
        tops += [text.get_window_extent(renderer).y1 for text in ax.texts if text.get_visible()]
        if not tops:
            continue
        top = max(tops)
        for title in titles:
            overlaps_x = title.x0 < ax.bbox.x1 and title.x1 > ax.bbox.x0
            if overlaps_x and title.y0 - top < margin <= title.y1 - top:
                problems.append(
                    f"axes {n}: the tallest bar or its label is {title.y0 - top:.1f} px "
                    f"below a title (at least {margin:g} px wanted)"
                )
    return problems


def _explorer_logits(logits, what: str) -> list[float]:
    """The logits an explorer starts from, as floats: at least two, every one finite."""
    values = [float(z) for z in logits]
    if len(values) < 2:
        raise ValueError(f"{what} needs at least 2 logits, got {len(values)}")
    if not all(math.isfinite(z) for z in values):
        raise ValueError(f"{what} needs finite logits, got {values}")
    return values


def _fmt(values, digits: int = 4) -> str:
    """Numbers for a readout: ``0.1015, 0.1674`` (fixed ``digits`` after the point)."""
    return ", ".join(f"{v:.{digits}f}" for v in values)
