"""The pages as a reader sees them, checked in the built HTML and the sources (no browser).

The house style's "On the page" rules (../shared/STYLE.md), each as a checking function
run on the real pages and, in the last section, on a small planted bad input to show
that it can fail:

- code fits the column: no line of a code cell (notebooks and MyST pages) and no
  printed output line on a built page longer than 79 characters;
- no page shows a path of the machine that built it (warnings, tracebacks);
- glued numbers read like the surrounding text (not bold);
- explorer frames (PNG) hold at least 1.5x the pixels they are shown at;
- no explorer figure has overlapping labels, or a bar running into a title, at any
  position of its controls;
- the explorers page shows every explorer of ``softmax_lib.widgets``.

The browser checks of the layout (slider widths, page widths at 1280 and 390 px, code
blocks that scroll sideways, pixel density as displayed) are in test_browser.py.
"""

from __future__ import annotations

import base64
import html as html_lib
import itertools
import json
import re
import struct
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from build_pdf import toc_pages  # tools/ is on pytest's pythonpath
from softmax_lib.notebook import FRAME_SCALE, LINE_WIDTH

pytestmark = pytest.mark.build

REPO = Path(__file__).resolve().parent.parent
MIN_PIXEL_RATIO = 1.5


def page_html(built: Path, page: str) -> str:
    return (built / f"{page}.html").read_text(encoding="utf-8")


# --- The checking functions ---------------------------------------------------------------


def code_cell_sources(path: Path) -> list[str]:
    """The code cells of a chapter notebook, or the ``{code-cell}`` blocks of a MyST page."""
    if path.suffix == ".ipynb":
        notebook = nbformat.read(path, as_version=4)
        return [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    text = path.read_text(encoding="utf-8")
    return re.findall(r"^```\{code-cell\}[^\n]*\n(.*?)^```", text, flags=re.M | re.S)


def long_lines(sources: list[str], width: int = LINE_WIDTH) -> list[str]:
    """Return ``"cell N, line M (K chars): ..."`` for every line wider than ``width``."""
    found = []
    for n, source in enumerate(sources, start=1):
        for m, line in enumerate(source.splitlines(), start=1):
            if len(line) > width:
                found.append(f"cell {n}, line {m} ({len(line)} chars): {line[:60]}...")
    return found


OUTPUT_PRE = re.compile(
    r'<div class="output[ "][^>]*>\s*<div class="highlight">\s*<pre[^>]*>(.*?)</pre>', re.S
)


def output_text_blocks(html: str) -> list[str]:
    """The text of every printed output (stdout, stderr, text/plain results) on a page."""
    return [html_lib.unescape(re.sub(r"<[^>]+>", "", pre)) for pre in OUTPUT_PRE.findall(html)]


def long_output_lines(html: str, width: int = LINE_WIDTH) -> list[str]:
    return long_lines(output_text_blocks(html), width)


def machine_paths(html: str, repo: Path = REPO) -> list[str]:
    """Paths of the build machine shown on a page: the repository's absolute path, temp
    folders, home folders, installed packages (a warning's or traceback's file name)."""
    text = re.sub(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+", "", html)
    text = html_lib.unescape(re.sub(r"<[^>]+>", "", text))
    # The machine's own folders (not example paths such as "/home/you/.cache" in a
    # docstring): the repository, the builder's home and Python, temp folders.
    # Token by token (linear time: a pattern such as r"\S*site-packages\S*" backtracks
    # quadratically over the long runs of path data inside an inline SVG).
    markers = (str(repo), str(Path.home()) + "/", sys.prefix, "/tmp/", "site-packages")
    kernel_file = re.compile(r"ipykernel_\d+")
    return sorted(
        {
            token
            for token in text.split()
            if any(marker in token for marker in markers) or kernel_file.search(token)
        }
    )


def bold_glued_numbers(html: str) -> list[str]:
    """Glued values inside bold text (<strong>/<b>): glued numbers read like the prose."""
    found = []
    for bold in re.findall(r"<(?:strong|b)\b[^>]*>(.*?)</(?:strong|b)>", html, re.S):
        if "pasted-text" in bold or "pasted-inline" in bold:
            found.append(html_lib.unescape(re.sub(r"<[^>]+>", "", bold)).strip())
    return found


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG, from its header."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    return struct.unpack(">II", data[16:24])


def low_resolution_frames(html: str, ratio: float = MIN_PIXEL_RATIO) -> list[str]:
    """Explorer frames whose PNG has fewer than ``ratio`` x the pixels of the width the
    page shows them at (the ``width`` attribute of the ``<img>``), or no such width."""
    problems = []
    for spec_json in re.findall(
        r'<script type="application/json" class="sm-explorer-data">(.*?)</script>', html, re.S
    ):
        spec = json.loads(spec_json.replace("<\\/", "</"))
        if spec["mode"] != "frames":
            continue
        tag = re.search(rf'<img id="{spec["figure_id"]}"[^>]*>', html)
        width = re.search(r'\swidth="(\d+)"', tag.group(0)) if tag else None
        if width is None:
            problems.append(f"{spec['kind']} explorer: its <img> has no width to show it at")
            continue
        shown = int(width.group(1))
        for n, frame in enumerate(spec["frames"]):
            pixels, _ = png_size(base64.b64decode(frame["src"].split(",", 1)[1]))
            if pixels < ratio * shown:
                problems.append(
                    f"{spec['kind']} explorer, frame {n}: {pixels} px shown at {shown} px "
                    f"({pixels / shown:.2f}x, at least {ratio}x wanted)"
                )
                break
    return problems


def explorer_layout_problems(explorer, max_positions: int = 25) -> list[str]:
    """Draw ``explorer`` at its control positions and collect ``layout_problems``.

    Every position if there are at most ``max_positions``; otherwise every combination
    of each control's ends, middle, starting value and longest label. A ``Bars`` (SVG)
    explorer changes only its bar heights and title on the website, so it is drawn at
    its starting position and at the one with the longest title (the browser test also
    checks its SVG labels after every move).
    """
    from softmax_lib.widgets import Bars
    from softmax_lib.widgets.framework import layout_problems

    positions = [settings for _, settings in explorer.positions()]
    if isinstance(explorer.static, Bars):
        longest = {
            c.name: max(c.values, key=lambda v, c=c: len(c.display(v))) for c in explorer.controls
        }
        positions = [dict(explorer.settings), longest]
    elif len(positions) > max_positions:
        grids = []
        for control in explorer.controls:
            values = control.values
            picks = {
                values[0],
                values[len(values) // 2],
                values[-1],
                explorer.settings[control.name],
            }
            longest = max(values, key=lambda v: len(control.display(v)))
            grids.append(sorted(picks | {longest}, key=values.index))
        names = [c.name for c in explorer.controls]
        positions = [dict(zip(names, combo, strict=True)) for combo in itertools.product(*grids)]
    figure = explorer._new_figure()
    problems = []
    for settings in positions:
        explorer._draw_on(figure, settings, explorer._compute(dict(settings)))
        problems += [f"{explorer.kind} at {settings}: {p}" for p in layout_problems(figure)]
    return problems


def small_mnist_like_model():
    """A model of 10 classes on 784 pixels, trained in a second on random images (for
    the layout of the MNIST explorer, not its accuracy)."""
    import softmax_lib as sl

    rng = np.random.default_rng(0)
    images = rng.random((200, 784), dtype=np.float32)
    labels = np.arange(200) % 10
    model = sl.SoftmaxRegression(n_epochs=2, progress=False).fit(images, labels)
    return model, images, labels


def every_explorer():
    """One of each explorer of softmax_lib.widgets, as the book calls them."""
    from softmax_lib import widgets

    model, images, labels = small_mnist_like_model()
    return [
        widgets.logits_explorer([2.0, 1.0, 0.1, -1.0]),
        widgets.temperature_explorer([1.0, 2.0, 3.0, 4.0]),
        widgets.jacobian_explorer([1.0, 0.0, 0.0], label=0),
        widgets.overflow_explorer(),
        widgets.mnist_explorer(model, images, labels, n_images=6),
    ]


# --- The real book ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    sorted((REPO / "notebooks").glob("*.ipynb")) + sorted((REPO / "book").glob("*.md")),
    ids=lambda p: p.name,
)
def test_code_cells_fit_the_column(path):
    found = long_lines(code_cell_sources(path))
    assert not found, f"{path.name}: code wider than {LINE_WIDTH} characters:\n" + "\n".join(found)


@pytest.mark.parametrize("page", toc_pages())
def test_printed_outputs_fit_the_column(built_book, page):
    found = long_output_lines(page_html(built_book, page))
    assert not found, f"{page}: output wider than {LINE_WIDTH} characters:\n" + "\n".join(found)


@pytest.mark.parametrize("page", toc_pages())
def test_no_page_shows_a_machine_path(built_book, page):
    found = machine_paths(page_html(built_book, page))
    assert not found, f"{page} shows paths of the build machine: {found}"


@pytest.mark.parametrize("page", toc_pages())
def test_glued_numbers_are_not_bold(built_book, page):
    found = bold_glued_numbers(page_html(built_book, page))
    assert not found, f"{page}: glued numbers in bold: {found}"


@pytest.mark.parametrize("page", toc_pages())
def test_explorer_frames_are_sharp(built_book, page):
    found = low_resolution_frames(page_html(built_book, page))
    assert not found, f"{page}:\n" + "\n".join(found)


def test_explorers_page_shows_every_explorer(built_book):
    from softmax_lib import widgets

    html = page_html(built_book, "book/explorers")
    shown = set(re.findall(r'data-explorer-kind="(\w+)"', html))
    names = [name for name in widgets.__all__ if name.endswith("_explorer")]
    assert len(shown) >= len(names), f"{len(names)} explorers, the page shows {sorted(shown)}"
    for name in names:
        assert f"{name}(" in html or name in html, f"the explorers page does not call {name}"


def test_explorers_have_no_label_overlaps():
    problems = []
    for explorer in every_explorer():
        problems += explorer_layout_problems(explorer)
    assert not problems, "\n".join(problems[:20])


# --- Each check can fail ------------------------------------------------------------------


def test_long_lines_catches_a_long_code_line(tmp_path, write_notebook):
    path = write_notebook(tmp_path / "wide.ipynb", "x = 1", "y = " + "1 + " * 20 + "1")
    assert long_lines(code_cell_sources(path)) == [
        f"cell 2, line 1 (85 chars): {'y = ' + '1 + ' * 14}..."
    ]
    page = tmp_path / "page.md"
    page.write_text("# P\n\n```{code-cell} ipython3\n" + "z" * 80 + "\n```\n", encoding="utf-8")
    assert len(long_lines(code_cell_sources(page))) == 1


def test_long_output_lines_catches_a_wide_printed_array():
    row = "[" + " ".join(["0.12345678"] * 9) + "]"
    html = (
        '<div class="cell_output docutils container"><div class="output stream '
        'highlight-myst-ansi notranslate"><div class="highlight"><pre><span></span>'
        f"{row}\nshort\n</pre></div></div>"
        '</div></div><div class="cell docutils container">'
    )
    assert len(long_output_lines(html)) == 1
    assert long_output_lines(html.replace(row, "[0.1 0.2]")) == []


def test_machine_paths_catches_a_warning_with_a_file_name():
    html = (
        "<pre>/work/repo/.venv/lib/python3.11/site-packages/numpy/core.py:3: RuntimeWarning: "
        "overflow\n/tmp/ipykernel_4242/123.py:1: RuntimeWarning</pre>"
        f"<p>{REPO}/softmax_lib/core.py</p>"
    )
    found = " ".join(machine_paths(html))
    assert "site-packages" in found
    assert "/tmp/ipykernel_4242/123.py:1:" in found
    assert str(REPO) in found
    assert machine_paths("<pre>RuntimeWarning: overflow encountered in exp</pre>") == []


def test_clean_warnings_show_no_path(capsys):
    import warnings

    from softmax_lib.notebook import format_warning

    text = format_warning("overflow encountered in exp", RuntimeWarning, "/tmp/x.py", 3)
    assert machine_paths(f"<pre>{text}</pre>") == []
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        shown = warnings.formatwarning("boom", UserWarning, str(REPO / "x.py"), 1)
    assert machine_paths(f"<pre>{shown}</pre>"), "Python's default format shows the path"


def test_bold_glued_numbers_are_caught():
    pasted = '<span class="pasted-text">0.64</span>'
    assert bold_glued_numbers(f"<p>it is <strong>{pasted}</strong></p>") == ["0.64"]
    assert bold_glued_numbers(f"<p>it is {pasted}, <strong>note</strong></p>") == []


def test_low_resolution_frames_catches_a_100_dpi_frame():
    from softmax_lib.widgets import framework, temperature_explorer

    explorer = temperature_explorer(temperatures=[0.5, 1.0])
    sharp = explorer.to_html()
    assert low_resolution_frames(sharp) == []
    figure = explorer.figure
    blurry_uri = framework._png_data_uri(figure, dpi=100)  # 1x: what the site had
    blurry = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", blurry_uri, sharp)
    found = low_resolution_frames(blurry)
    assert found
    assert "1.00x" in found[0]
    assert FRAME_SCALE >= MIN_PIXEL_RATIO


def test_layout_problems_catches_overlapping_labels():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from softmax_lib.plotting import plot_probabilities
    from softmax_lib.widgets.framework import layout_problems

    figure = Figure(figsize=(5.6, 3.2), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    plot_probabilities([0.0, 0.0, 1.0], ax=ax, title="a title right above the bars")
    found = "\n".join(layout_problems(figure))
    assert "below a title" in found  # the label "1.000" of the full bar hits the title
    ax.set_ylim(0.0, 1.2)
    assert layout_problems(figure) == []
    ax.text(0.0, 0.5, "one label")
    ax.text(0.05, 0.5, "another label")
    assert any("'one label' overlaps" in p for p in layout_problems(figure))


# --- The whole book as one PDF (make pdf) -------------------------------------------------

RAW_TEX_IN_PDF = re.compile(r"\$\$|\\(?:frac|sum|sigma|begin|end|mathrm|operatorname|dots)\b")


def pdf_problems(path: Path, min_pages: int = 20) -> tuple[int, list[str]]:
    """Return (page count, problems) of a PDF: too few pages, a page with no extractable
    text, raw TeX left in the text (math that MathJax did not typeset)."""
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    problems = []
    if len(reader.pages) < min_pages:
        problems.append(f"only {len(reader.pages)} pages (at least {min_pages} expected)")
    for n, page in enumerate(reader.pages, start=1):
        text = page.extract_text() or ""
        if not text.strip():
            problems.append(f"page {n} has no extractable text")
        for match in sorted({m.group(0) for m in RAW_TEX_IN_PDF.finditer(text)}):
            problems.append(f"page {n} shows raw TeX {match!r}")
    return len(reader.pages), problems


def tiny_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with ``lines`` of text (Helvetica), written by hand."""
    escaped = [
        line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") for line in lines
    ]
    text = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({t}) '" for t in escaped) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(text)} >>\nstream\n{text}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n".encode()
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    return out


@pytest.fixture(scope="session")
def built_pdf(built_book, repo):
    """``make pdf``'s command, printing the website the session built (no second build)."""
    import subprocess
    import sys

    command = [sys.executable, str(repo / "tools" / "build_pdf.py"), str(built_book)]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return built_book / "softmax-book.pdf"


def test_the_book_as_one_pdf(built_pdf, built_book):
    pages, problems = pdf_problems(built_pdf)
    assert not problems, f"{built_pdf.name} ({pages} pages):\n" + "\n".join(problems[:20])
    intro = page_html(built_book, "book/intro")
    assert '<p id="sm-pdf-link">' in intro, "the landing page does not link the PDF"


def test_pdf_problems_catches_raw_tex_and_empty_pages(tmp_path):
    good = tmp_path / "good.pdf"
    good.write_bytes(tiny_pdf(["The softmax of z is a probability vector."]))
    assert pdf_problems(good, min_pages=1) == (1, [])
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(tiny_pdf(["Untypeset: $$\\frac{e^{z_i}}{\\sum_j e^{z_j}}$$"]))
    _, problems = pdf_problems(bad, min_pages=2)
    text = "\n".join(problems)
    assert "only 1 pages" in text
    assert "raw TeX '$$'" in text
    assert "raw TeX '\\\\frac'" in text
    blank = tmp_path / "blank.pdf"
    blank.write_bytes(tiny_pdf([]))
    assert "page 1 has no extractable text" in pdf_problems(blank, min_pages=1)[1]
