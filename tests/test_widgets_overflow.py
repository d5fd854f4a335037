"""The overflow explorer (chapter 3), without a kernel: move each control, check what is shown.

The figure must draw ``softmax_lib``'s numbers: the naive bars are ``naive_softmax``
(NaN drawn as a labelled, hatched bar) and the stable bars ``softmax``, for every dtype
and scale, in the live view and in the website's pre-rendered frames.
"""

from __future__ import annotations

import json
import re
import warnings

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from softmax_lib import widgets
from softmax_lib.core import naive_softmax, softmax
from softmax_lib.plotting import plot_naive_vs_stable

BASE = np.array(widgets.overflow.DEFAULT_OVERFLOW_LOGITS)
LIMITS = {"float16": 11.09, "float32": 88.72, "float64": 709.78}


def expected(dtype, scale):
    scaled = (scale * BASE).astype(dtype)
    with np.errstate(all="ignore"):
        return scaled, naive_softmax(scaled), softmax(scaled)


def check_figure(explorer, naive, stable):
    k = BASE.size
    bars = explorer.ax.patches
    naive_heights = np.array([bar.get_height() for bar in bars[:k]])
    stable_heights = np.array([bar.get_height() for bar in bars[k : 2 * k]])
    np.testing.assert_array_equal(stable_heights, stable.astype(float))
    bad = ~np.isfinite(naive)
    np.testing.assert_array_equal(naive_heights[~bad], naive[~bad].astype(float))
    assert np.all(naive_heights[bad] == 1.0)  # a full-height, hatched marker
    texts = [t.get_text() for t in explorer.ax.texts]
    assert texts == ["NaN"] * int(np.isnan(naive).sum())


@pytest.mark.slow  # seconds: renders many frames or builds a virtualenv
def test_live_view_follows_both_controls():
    explorer = widgets.overflow_explorer()
    explorer.widget  # noqa: B018  (build the ipywidgets view)
    for dtype in widgets.overflow.OVERFLOW_DTYPES:
        explorer._inputs["dtype"].value = dtype  # what choosing in the dropdown does
        for scale in widgets.overflow.DEFAULT_OVERFLOW_SCALES:
            explorer._inputs["scale"].value = scale  # what dragging the slider does
            scaled, naive, stable = expected(dtype, scale)
            np.testing.assert_array_equal(explorer.result["logits"], scaled)
            np.testing.assert_array_equal(explorer.result["naive"], naive)
            np.testing.assert_array_equal(explorer.result["stable"], stable)
            check_figure(explorer, naive, stable)
            assert explorer.ax.get_title() == (
                f"{dtype}: softmax of s × (1, 0.99, 0.9, 0), s = {scale:g}"
            )
            assert explorer._readout_widget.value == explorer.readout()


@pytest.mark.parametrize("dtype", widgets.overflow.OVERFLOW_DTYPES)
def test_naive_breaks_exactly_past_the_dtype_limit(dtype):
    explorer = widgets.overflow_explorer(dtype=dtype)
    assert explorer.result["limit"] == pytest.approx(LIMITS[dtype], abs=0.005)
    for scale in widgets.overflow.DEFAULT_OVERFLOW_SCALES:
        result = explorer.set(scale=scale).result
        assert result["exp_overflows"] == (scale > LIMITS[dtype])
        with np.errstate(all="ignore"):
            total = np.exp(result["logits"]).sum()
        assert result["overflows"] == bool(np.isinf(total))
        # The stable version never fails: finite, sums to 1.
        assert np.all(np.isfinite(result["stable"]))
        assert float(result["stable"].astype(float).sum()) == pytest.approx(1.0, abs=1e-3)
        # The naive one is NaN in the top class exactly when exp overflows, all zero
        # when only the sum overflows, and right otherwise.
        assert np.isnan(result["naive"][0]) == result["exp_overflows"]
        if result["overflows"] and not result["exp_overflows"]:
            assert np.all(result["naive"] == 0)
        if not result["overflows"]:
            tol = {"float16": 2e-3, "float32": 1e-6, "float64": 1e-12}[dtype]
            np.testing.assert_allclose(result["naive"], result["stable"], atol=tol)


def test_readout_states_the_numbers():
    explorer = widgets.overflow_explorer(dtype="float32", scale=89.0)
    text = explorer.readout()
    assert text.startswith("float32, scale 89: largest logit 89, log-sum-exp 89.")
    assert "ln(max float32) = 88.72: exp of the largest logit overflows" in text
    assert "naive = (nan, 0.0000, 0.0000, 0.0000)" in text
    stable = ", ".join(f"{p:.4f}" for p in softmax(np.float32(89.0) * BASE.astype(np.float32)))
    assert f"stable = ({stable})" in text
    explorer.set(dtype="float64")
    assert "ln(max float64) = 709.78: no overflow" in explorer.readout()
    # float16 at scale 11: every exp is finite (11 < 11.09) but their sum is not.
    explorer.set(dtype="float16", scale=11.0)
    assert "the sum of the exps overflows: finite / inf = 0" in explorer.readout()
    assert "naive = (0.0000, 0.0000, 0.0000, 0.0000)" in explorer.readout()


@pytest.mark.slow  # seconds: renders many frames or builds a virtualenv
def test_website_frames_hold_every_setting_without_warnings():
    explorer = widgets.overflow_explorer()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a RuntimeWarning here would leak into the build
        html = explorer.to_html()
    assert len(html.encode()) < 2_000_000
    match = re.search(r'class="sm-explorer-data">(.*?)</script>', html)
    spec = json.loads(match.group(1))
    assert spec["kind"] == "overflow"
    assert spec["params"] == {"logits": list(widgets.overflow.DEFAULT_OVERFLOW_LOGITS)}
    assert spec["mode"] == "frames"
    assert [c["kind"] for c in spec["controls"]] == ["dropdown", "slider"]
    assert '<select id="' in html
    assert 'type="range"' in html
    frames = spec["frames"]
    assert len(frames) == len(widgets.overflow.OVERFLOW_DTYPES) * len(
        widgets.overflow.DEFAULT_OVERFLOW_SCALES
    )
    for row, settings in explorer.positions():
        _, naive, stable = expected(settings["dtype"], settings["scale"])
        readout = explorer.readout(settings)
        assert frames[row]["readout"] == readout
        assert ", ".join(f"{p:.4f}" for p in stable) in readout
        assert ", ".join(f"{p:.4f}" for p in naive) in readout
        assert frames[row]["alt"].endswith(readout)
        assert frames[row]["src"].startswith("data:image/png;base64,")


def test_constructor_errors():
    with pytest.raises(ValueError, match="at least 2"):
        widgets.overflow_explorer([1.0])
    with pytest.raises(ValueError, match="dtype"):
        widgets.overflow_explorer(dtype="float128")
    with pytest.raises(ValueError, match="positive"):
        widgets.overflow_explorer(scales=[0.0, 1.0])


def test_plot_marks_nan_and_inf():
    ax = plot_naive_vs_stable([np.nan, np.inf, 0.0], [0.5, 0.5, 0.0])
    assert [t.get_text() for t in ax.texts] == ["NaN", "inf"]
    assert [p.get_hatch() for p in ax.patches[:3]] == ["//", "//", None]
    assert [float(p.get_height()) for p in ax.patches[3:6]] == [0.5, 0.5, 0.0]
    assert ax.get_xlabel() == "class"
    assert ax.get_ylabel() == "probability"
    with pytest.raises(ValueError, match="same length"):
        plot_naive_vs_stable([0.5, 0.5], [1.0])


def test_classes_are_labelled_from_0():
    explorer = widgets.overflow_explorer()
    ticks = [t.get_text() for t in explorer.ax.get_xticklabels()]
    assert ticks == ["0", "1", "2", "3"]
    named = widgets.overflow_explorer([1.0, 0.0], class_names=["cat", "dog"])
    assert [t.get_text() for t in named.ax.get_xticklabels()] == ["cat", "dog"]
