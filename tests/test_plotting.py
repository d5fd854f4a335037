"""softmax_lib.plotting draws exactly the numbers it is given, on the Axes it is given."""

from __future__ import annotations

import subprocess
import sys

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from matplotlib.figure import Figure

from softmax_lib import plotting
from softmax_lib.core import softmax


@pytest.fixture
def ax():
    return Figure().add_subplot()


def test_plot_probabilities_draws_softmax_values(ax):
    probs = softmax(np.array([2.0, 1.0, 0.1, -1.0]))
    out = plotting.plot_probabilities(probs, ["a", "b", "c", "d"], ax=ax, title="t")
    assert out is ax
    np.testing.assert_array_equal([bar.get_height() for bar in ax.patches], probs)
    assert ax.get_title() == "t"
    assert ax.get_ylabel() == "probability"
    assert ax.get_xlabel() == "class"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c", "d"]
    assert ax.get_ylim() == (0.0, 1.0)
    assert [t.get_text() for t in ax.texts] == [f"{p:.3f}" for p in probs]


def test_plot_probabilities_sets_svg_ids_only_when_asked(ax):
    plotting.plot_probabilities([0.5, 0.5], ax=ax, gid_prefix="x-", show_values=False)
    assert [bar.get_gid() for bar in ax.patches] == ["x-bar-0", "x-bar-1"]
    assert ax.title.get_gid() == "x-title"
    assert not ax.texts
    other = Figure().add_subplot()
    plotting.plot_probabilities([0.5, 0.5], ax=other)
    assert other.patches[0].get_gid() is None


def test_plot_probabilities_highlight_and_negative_range(ax):
    plotting.plot_probabilities([0.3, -0.3], ax=ax, ylim=(-1, 1), highlight=1)
    assert ax.patches[0].get_facecolor() != ax.patches[1].get_facecolor()
    assert ax.lines, "a zero line is drawn when the range crosses 0"


def test_plot_probabilities_rejects_bad_input(ax):
    with pytest.raises(ValueError, match="one-dimensional"):
        plotting.plot_probabilities([[0.5, 0.5]], ax=ax)
    with pytest.raises(ValueError, match="class names"):
        plotting.plot_probabilities([0.5, 0.5], ["only one"], ax=ax)


def test_plot_probabilities_creates_a_figure_when_no_axes():
    import matplotlib.pyplot as plt

    out = plotting.plot_probabilities([0.2, 0.8])
    assert out.figure is not None
    plt.close(out.figure)


def test_plot_temperature_sweep(ax):
    temperatures = np.geomspace(0.1, 10, 5)
    logits = np.array([1.0, 2.0, 3.0])
    probs = np.array([softmax(logits, temperature=t) for t in temperatures])
    plotting.plot_temperature_sweep(temperatures, probs, ax=ax, mark=1.0)
    assert ax.get_xscale() == "log"
    for k in range(3):
        np.testing.assert_array_equal(ax.lines[k].get_ydata(), probs[:, k])
    with pytest.raises(ValueError, match="positive"):
        plotting.plot_temperature_sweep([0.0, 1.0], probs[:2], ax=ax)
    with pytest.raises(ValueError, match="shape"):
        plotting.plot_temperature_sweep([1.0], probs, ax=ax)


def test_plot_jacobian(ax):
    probs = softmax(np.array([1.0, 0.0, -1.0]))
    jac = np.diag(probs) - np.outer(probs, probs)
    plotting.plot_jacobian(jac, ax=ax)
    np.testing.assert_array_equal(ax.images[0].get_array(), jac)
    assert ax.images[0].get_clim() == (-0.25, 0.25)
    with pytest.raises(ValueError, match="square"):
        plotting.plot_jacobian(np.ones((2, 3)), ax=ax)


def test_display_names():
    assert plotting.display_names(2) == ["0", "1"]  # 0-based, as in the code
    assert plotting.display_names(10) == [str(d) for d in range(10)]
    with pytest.raises(ValueError, match="1 class names for 2 classes"):
        plotting.display_names(2, ["a"])


@pytest.mark.parametrize("module", ["softmax_lib.plotting", "softmax_lib.widgets"])
def test_missing_matplotlib_says_how_to_install_it(module):
    # A fresh interpreter in which matplotlib cannot be imported (None in sys.modules).
    code = (
        "import sys\n"
        "sys.modules['matplotlib'] = None\n"
        "import softmax_lib\n"
        "assert softmax_lib.softmax([0.0, 0.0]).tolist() == [0.5, 0.5]  # the core still works\n"
        f"import {module}\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 1
    assert f"ImportError: {module} needs matplotlib" in result.stderr
    assert "pip install 'softmax-lib[widgets]'" in result.stderr
