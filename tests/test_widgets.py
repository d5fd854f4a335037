"""The explorers, without a kernel: move every control and check what is drawn and shown.

Both views are checked: the live ipywidgets view (set a widget's value, as a reader
dragging it would) and the static HTML view the website shows (its embedded frames and
table must hold softmax_lib's numbers for every position of the controls).
"""

from __future__ import annotations

import base64
import io
import itertools
import json
import re

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from softmax_lib import widgets
from softmax_lib.core import softmax
from softmax_lib.losses import entropy


def spec_of(html: str) -> dict:
    match = re.search(
        r'<script type="application/json" class="sm-explorer-data">(.*?)</script>', html
    )
    assert match, "the HTML view has no data"
    return json.loads(match.group(1))


def bar_heights(explorer) -> np.ndarray:
    return np.array([bar.get_height() for bar in explorer.ax.patches])


# --- the live view ------------------------------------------------------------------


def test_logits_explorer_redraws_when_each_slider_moves():
    explorer = widgets.logits_explorer([2.0, 1.0, 0.0, -1.0])
    explorer.widget  # noqa: B018  (build the ipywidgets view)
    logits = np.array([2.0, 1.0, 0.0, -1.0])
    np.testing.assert_array_equal(bar_heights(explorer), softmax(logits))
    for i, new in enumerate([-3.0, 4.0, 1.0, 3.0]):
        slider = explorer._inputs[f"z{i}"]
        old_probs = softmax(logits)
        slider.value = new  # what dragging the slider does
        logits[i] = new
        probs = softmax(logits)
        np.testing.assert_array_equal(bar_heights(explorer), probs)
        np.testing.assert_array_equal(explorer.result["probs"], probs)
        shown = ", ".join(f"{v:g}" for v in logits)
        assert explorer.ax.get_title() == f"softmax of z = ({shown})"
        readout = ", ".join(f"p{k} = {p:.4f}" for k, p in enumerate(probs))
        assert explorer.readout() == readout
        assert explorer._readout_widget.value == readout
        assert readout in explorer._image.value  # the image's alt text
        assert not np.array_equal(probs, old_probs)


def test_raising_one_logit_lowers_every_other_probability():
    explorer = widgets.logits_explorer([2.0, 1.0, 0.0, -1.0])
    before = explorer.result["probs"].copy()
    explorer.set(z1=3.0)
    after = explorer.result["probs"]
    assert after[1] > before[1]
    assert np.all(np.delete(after, 1) < np.delete(before, 1))


def test_every_logit_slider_moves_on_one_uniform_grid():
    """One step is one unit of evidence on every slider, so the chapter's two claims
    hold: a step multiplies a class's odds by e, and shifting all four by one step
    changes nothing."""
    explorer = widgets.logits_explorer()
    assert [c.name for c in explorer.controls] == ["z0", "z1", "z2", "z3"]
    grids = [c.values for c in explorer.controls]
    assert all(grid == widgets.softmax.LOGIT_POSITIONS for grid in grids)
    assert np.all(np.diff(grids[0]) == 1.0)
    start = explorer.result["probs"].copy()
    explorer.set(z2=1.0)  # one step up for class 2
    probs = explorer.result["probs"]
    odds_growth = (probs[2] / probs) / (start[2] / start)
    np.testing.assert_allclose(np.delete(odds_growth, 2), np.e)
    explorer.set(z0=3.0, z1=2.0, z2=1.0, z3=0.0)  # all four one step up
    np.testing.assert_allclose(explorer.result["probs"], start, rtol=1e-15)
    spec = spec_of(explorer.to_html())
    assert len(spec["bars"]["values"]) == 9**4 * 4, "6,561 rows of 4 bars"


def test_labelled_logits_explorer_names_controls_from_zero():
    explorer = widgets.logits_explorer([1.0, 0.0], class_names=["cat", "dog"])
    assert [c.label for c in explorer.controls] == ["logit z0 (cat)", "logit z1 (dog)"]
    assert explorer.readout() == "p0 = 0.7311, p1 = 0.2689"


def test_temperature_explorer_redraws_when_the_slider_moves():
    logits = [1.0, 2.0, 3.0, 4.0]
    explorer = widgets.temperature_explorer(logits)
    explorer.widget  # noqa: B018
    slider = explorer._inputs["T"]
    for temperature in [0.1, 0.5, 2.0, 10.0]:
        slider.value = temperature
        probs = softmax(logits, temperature=temperature)
        np.testing.assert_array_equal(bar_heights(explorer), probs)
        assert explorer.ax.get_title().endswith(f"T = {temperature:g}")
        assert f"entropy = {entropy(probs):.4f} nats" in explorer._readout_widget.value
        assert ", ".join(f"{p:.4f}" for p in probs) in explorer.readout()


def test_temperature_grid_is_log_spaced_and_includes_one():
    temperatures = widgets.softmax.DEFAULT_TEMPERATURES
    assert (temperatures[0], temperatures[-1]) == (0.1, 10.0)
    assert 1.0 in temperatures
    ratios = np.diff(np.log10(temperatures))
    assert np.allclose(ratios, 0.1, atol=0.02)


def test_set_rejects_unknown_controls_and_positions():
    explorer = widgets.logits_explorer()
    with pytest.raises(ValueError, match="no control named"):
        explorer.set(z9=1.0)
    with pytest.raises(ValueError, match="not a position"):
        explorer.set(z0=0.5)


def test_too_many_combinations_are_refused():
    with pytest.raises(ValueError, match="combinations"):
        widgets.logits_explorer([0.0] * 6)


def test_mimebundle_offers_the_widget_and_the_html_view():
    bundle = widgets.logits_explorer()._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/html"].startswith('<div class="sm-explorer"')
    assert "text/plain" in bundle


# --- the static view ----------------------------------------------------------------


def test_logits_html_table_holds_softmax_lib_values_for_every_position():
    explorer = widgets.logits_explorer([2.0, 1.0, 0.0, -1.0])
    spec = spec_of(explorer.to_html())
    assert spec["mode"] == "bars"
    grids = [c["values"] for c in spec["controls"]]
    assert all(g == [-4.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 4.0] for g in grids)
    combos = np.array(list(itertools.product(*grids)))
    probs = softmax(combos, axis=-1)  # softmax_lib, all rows at once
    table = np.array(spec["bars"]["values"]).reshape(probs.shape)
    expected = [[int(f"{p:.4f}".replace(".", "")) for p in row] for row in probs]
    np.testing.assert_array_equal(table, expected)
    # the strides find the row of a setting
    index = [g.index(v) for g, v in zip(grids, [2.0, 1.0, 0.0, -1.0], strict=True)]
    row = sum(i * s for i, s in zip(index, spec["strides"], strict=True))
    np.testing.assert_allclose(table[row] / 1e4, softmax([2.0, 1.0, 0.0, -1.0]), atol=5e-5)


def test_logits_html_geometry_reproduces_the_drawn_bars():
    explorer = widgets.logits_explorer([2.0, 1.0, 0.0, -1.0])
    html = explorer.to_html()
    bars = spec_of(html)["bars"]
    probs = explorer.result["probs"]
    for i, bar_id in enumerate(bars["ids"]):
        path = re.search(rf'<g id="{bar_id}">\s*<path d="([^"]+)"', html).group(1)
        numbers = [float(v) for v in re.findall(r"-?\d+\.?\d*", path)]
        xs, ys = numbers[0::2], numbers[1::2]
        assert min(xs) == pytest.approx(bars["x0"][i], abs=0.01)
        assert max(xs) == pytest.approx(bars["x1"][i], abs=0.01)
        assert max(ys) == pytest.approx(bars["y0"], abs=0.01)
        assert min(ys) == pytest.approx(bars["y0"] + bars["dy"] * probs[i], abs=0.01)
    assert f'id="{bars["title_id"]}"' in html
    assert re.search(r'<label for="sm-explorer-\d+-z0">', html)
    assert 'aria-live="polite"' in html


@pytest.mark.slow  # seconds: renders many frames or builds a virtualenv
def test_temperature_html_frames_hold_softmax_lib_values():
    logits = [1.0, 2.0, 3.0, 4.0]
    explorer = widgets.temperature_explorer(logits)
    spec = spec_of(explorer.to_html())
    assert spec["mode"] == "frames"
    temperatures = spec["controls"][0]["values"]
    assert len(spec["frames"]) == len(temperatures) == 21
    from PIL import Image

    for temperature, frame in zip(temperatures, spec["frames"], strict=True):
        probs = softmax(logits, temperature=temperature)
        assert ", ".join(f"{p:.4f}" for p in probs) in frame["readout"]
        assert f"entropy = {entropy(probs):.4f}" in frame["readout"]
        assert frame["alt"].endswith(frame["readout"])
        png = base64.b64decode(frame["src"].removeprefix("data:image/png;base64,"))
        assert Image.open(io.BytesIO(png)).size == (1120, 640)  # 2x its 560 x 320 px
    assert len({f["src"] for f in spec["frames"]}) == len(temperatures), "frames differ"


def test_two_explorers_on_a_page_share_no_ids():
    html = widgets.logits_explorer().to_html() + widgets.logits_explorer().to_html()
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids))


def test_html_view_starts_at_the_current_setting():
    explorer = widgets.logits_explorer().set(z0=-2.0)
    html = explorer.to_html()
    assert explorer.readout() in html
    assert 'value="2"' in html  # -2 is position 2 of -4..4


def test_frames_view_shows_the_frame_of_the_current_setting():
    # Two sliders, the first not at its first position: the <img> is frames[row], row the
    # row-major index of the settings (the last control fastest, as Explorer.positions).
    explorer = widgets.jacobian_explorer([1.0, 0.0, 0.0], positions=(0.5,))
    html = explorer.to_html()
    spec = spec_of(html)
    grids = [c["values"] for c in spec["controls"]]
    assert grids == [[0.5, 1.0], [0.0, 0.5]]
    assert explorer.settings == {"z0": 1.0, "z1": 0.0}
    index = [c["values"].index(explorer.settings[c["name"]]) for c in spec["controls"]]
    row = int(np.ravel_multi_index(index, [len(grid) for grid in grids]))
    assert row == 2
    sources = [frame["src"] for frame in spec["frames"]]
    assert len(set(sources)) == len(sources) == 4, "frames differ"
    img = re.search(r'<img id="[^"]+" src="([^"]+)"', html)
    assert img, "the frames view has no image"
    assert img.group(1) in sources
    shown = sources.index(img.group(1))
    assert shown == row
    assert spec["frames"][row]["readout"] == explorer.readout()


# --- the Jacobian explorer (chapter 2) ------------------------------------------------


@pytest.fixture(scope="module")
def jacobian_html():
    return widgets.jacobian_explorer([1.0, 0.0, 0.0], label=0).to_html()


def test_jacobian_explorer_redraws_when_each_slider_moves():
    from softmax_lib.grad import softmax_jacobian

    explorer = widgets.jacobian_explorer([1.0, 0.0, 0.0], label=0)
    explorer.widget  # noqa: B018
    logits = np.array([1.0, 0.0, 0.0])
    for i, new in [(0, -2.0), (1, 3.0)]:
        explorer._inputs[f"z{i}"].value = new
        logits[i] = new
        probs = softmax(logits)
        grad = probs - np.eye(3)[0]
        heat = next(ax for ax in explorer.figure.axes if ax.images)
        bars = next(ax for ax in explorer.figure.axes if ax.get_ylabel() == "p - y")
        np.testing.assert_allclose(heat.images[0].get_array(), softmax_jacobian(probs))
        np.testing.assert_allclose([b.get_height() for b in bars.patches], grad)
        assert explorer.figure.get_suptitle() == f"z = ({logits[0]:g}, {logits[1]:g}, 0)"
        assert f"p - y = ({', '.join(f'{g:.4f}' for g in grad)})" in explorer.readout()
        assert explorer._readout_widget.value == explorer.readout()
    assert "z2" not in explorer.settings, "the last logit is fixed (shift invariance)"


def test_jacobian_explorer_rejects_bad_labels():
    with pytest.raises(ValueError, match="label"):
        widgets.jacobian_explorer([1.0, 0.0, 0.0], label=3)


@pytest.mark.slow  # seconds: renders many frames or builds a virtualenv
def test_jacobian_html_frames_hold_softmax_lib_values(jacobian_html):
    from softmax_lib.grad import softmax_jacobian
    from softmax_lib.losses import cross_entropy_grad

    spec = spec_of(jacobian_html)
    assert spec["kind"] == "jacobian"
    assert spec["params"] == {"logits": [1.0, 0.0, 0.0], "label": 0}
    grids = [c["values"] for c in spec["controls"]]
    assert len(spec["frames"]) == 49
    for (z1, z2), frame in zip(itertools.product(*grids), spec["frames"], strict=True):
        logits = np.array([z1, z2, 0.0])
        probs = softmax(logits)
        grad = cross_entropy_grad(logits, 0)
        diagonal = np.diag(softmax_jacobian(probs))
        for name, values in [("p", probs), ("p - y", grad), ("diagonal of J", diagonal)]:
            assert f"{name} = ({', '.join(f'{v:.4f}' for v in values)})" in frame["readout"]
        assert frame["alt"].startswith("Heat map of the softmax Jacobian")
