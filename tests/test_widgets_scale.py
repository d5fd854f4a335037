"""The explorers and figures of chapter 6, without a kernel: move the controls, check
what is drawn against softmax_lib's numbers (online states, the memory model).
"""

from __future__ import annotations

import json
import re
import tracemalloc
import warnings

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import softmax_lib as sl
from softmax_lib import plotting, widgets
from softmax_lib.attention import working_memory
from softmax_lib.widgets import scale

LOGITS = np.array(scale.DEFAULT_ONLINE_LOGITS)


def expected_state(blocks, block_size=2):
    """The state after ``blocks`` blocks, reduced here with one softmax_state call."""
    seen = LOGITS[: blocks * block_size]
    return sl.softmax_state(seen, keepdims=False)


@pytest.mark.slow  # seconds: renders many frames or builds a virtualenv
def test_online_explorer_follows_the_slider():
    explorer = widgets.online_softmax_explorer()
    explorer.widget  # noqa: B018  (build the ipywidgets view)
    for blocks in (0, 1, 2, 4, 5, 8):
        explorer._inputs["blocks"].value = blocks  # what dragging the slider does
        state = expected_state(blocks)
        previous = float(expected_state(blocks - 1).max) if blocks else -np.inf
        assert explorer.result["max"] == state.max
        np.testing.assert_allclose(explorer.result["scaled_sum"], state.scaled_sum, rtol=1e-15)
        rescale = 1.0 if previous == state.max else np.exp(previous - state.max)
        assert explorer.result["rescale"] == pytest.approx(rescale, rel=1e-15)
        # what is drawn: every logit as a bar, the read ones coloured, the running max
        heights = [bar.get_height() for bar in explorer.ax.patches]
        np.testing.assert_array_equal(heights, LOGITS)
        colours = [matplotlib.colors.to_hex(bar.get_facecolor()) for bar in explorer.ax.patches]
        assert colours.count(plotting.scale.UNSEEN_COLOR) == 16 - 2 * blocks
        if blocks:
            assert explorer.ax.lines[0].get_ydata()[0] == state.max
            assert f"s = {float(state.scaled_sum):.4g}" in explorer.ax.texts[0].get_text()
        assert explorer.ax.get_title() == f"online softmax: {blocks} of 8 blocks read"
    assert explorer.result["logsumexp"] == pytest.approx(sl.logsumexp(LOGITS), rel=1e-15)
    assert "= logsumexp of the row" in explorer.readout()


def test_online_explorer_rescales_when_the_max_grows():
    explorer = widgets.online_softmax_explorer(blocks=4)
    assert explorer.result["previous_max"] == 1.6
    assert explorer.result["max"] == 3.1
    assert explorer.result["rescale"] == pytest.approx(np.exp(1.6 - 3.1))
    assert "rescale exp(m_old - m) = 0.2231" in explorer.readout()
    assert explorer.set(blocks=0).readout().startswith("nothing read yet")


@pytest.mark.slow  # seconds: renders many frames or builds a virtualenv
def test_tiled_memory_explorer_follows_both_sliders():
    explorer = widgets.tiled_memory_explorer()
    explorer.widget  # noqa: B018
    for n, block in [(512, 64), (8192, 64), (8192, 256), (1024, 128)]:
        explorer._inputs["n"].value = n
        explorer._inputs["block"].value = block
        direct = working_memory(n, d_v=64)
        tiled = working_memory(n, d_v=64, block_size=block)
        assert explorer.result["direct"] == direct
        assert explorer.result["tiled"] == tiled
        lines = explorer.ax.lines
        curve = lines[1].get_ydata() * 2.0**20
        np.testing.assert_allclose(
            curve, working_memory(np.array(scale.DEFAULT_SEQUENCE_LENGTHS), 64, 64, block)
        )
        assert lines[2].get_xdata()[0] == n  # the marker sits at the current N
        assert f"N = {n}, B = {block}" in explorer.readout()
        assert explorer.ax.get_title() == f"attention memory, N = {n}, B = {block}"


def test_memory_model_matches_tracemalloc():
    rng = np.random.default_rng(0)
    n, d = 512, 64
    q, k, v = (rng.standard_normal((n, d)) for _ in range(3))
    for block_size in (None, 32, 128):
        tracemalloc.start()
        if block_size is None:
            sl.attention(q, k, v)
        else:
            sl.tiled_attention(q, k, v, block_size=block_size)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        model = working_memory(n, d_v=d, block_size=block_size)
        assert 0.5 * model < peak < 2.0 * model, (block_size, peak, model)


@pytest.mark.slow  # renders every frame
@pytest.mark.parametrize("build", [widgets.online_softmax_explorer, widgets.tiled_memory_explorer])
def test_website_frames(build):
    explorer = build()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        html = explorer.to_html()
    assert len(html.encode()) < 800_000
    spec = json.loads(re.search(r'class="sm-explorer-data">(.*?)</script>', html).group(1))
    assert spec["mode"] == "frames"
    for row, settings in explorer.positions():
        assert spec["frames"][row]["readout"] == explorer.readout(settings)
        assert spec["frames"][row]["alt"].endswith(explorer.readout(settings))


def test_constructor_errors():
    with pytest.raises(ValueError, match="at least 2"):
        widgets.online_softmax_explorer([1.0])
    with pytest.raises(ValueError, match="positive"):
        widgets.online_softmax_explorer(block_size=0)
    with pytest.raises(ValueError, match="frames"):
        widgets.online_softmax_explorer(np.zeros(100), block_size=1)
    with pytest.raises(ValueError, match="not a position"):
        widgets.tiled_memory_explorer(n=1000)


def test_static_figures_draw_their_numbers():
    ax = plotting.plot_online_trace([0.5, 1.6, 1.6, 3.1], [1.4, 1.7, 2.3, 1.7])
    np.testing.assert_array_equal(ax.lines[1].get_xdata(), [2, 4])  # max grew there
    assert ax.get_xlabel() == "blocks read t"
    ax = plotting.plot_score_variance([1, 4], [1.0, 4.2], scaled=[1.0, 1.05])
    np.testing.assert_array_equal(ax.lines[2].get_ydata(), [1.0, 1.05])
    ax = plotting.plot_attention_memory(
        [256, 512],
        [2**20, 2**22],
        [2**18, 2**19],
        measured={"ns": [256], "direct": [2**20], "tiled": [2**18]},
    )
    assert ax.lines[2].get_ydata()[0] == 1.0
    with pytest.raises(ValueError, match="same length"):
        plotting.plot_online_trace([1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="one-dimensional"):
        plotting.plot_online_step(np.zeros((2, 2)), 1, 1, 0.0, 1.0, 1.0)
