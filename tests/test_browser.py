"""The website in a real browser: every page of the TOC, offline, in Chromium via Playwright.

The built site (``_build/html``, from the session fixture ``built_book``) is served on
127.0.0.1 by a small HTTP server in a thread. Every request that does not go to that
server is blocked (and recorded), so the pages must work with no network. For every
page this checks that

- it loads with no console errors and no blocked requests,
- math is typeset by MathJax (served by the site itself) and no raw TeX is left,
- every image has real alt text (not empty, not a file name),
- each explorer's controls, moved with the keyboard, change the figure and the readout,
  and what is shown is ``softmax_lib``'s numbers for the new setting,
- axe-core finds no accessibility violation of serious or critical impact,

and saves a full-page screenshot in ``_build/screenshots/`` and a summary (pages,
explorers, page weights) in ``_build/browser-report.json``. The last tests show that
these checks fail on a broken page.

Chromium: Debian's ``chromium`` package (Playwright's own browser download is not
used). Without it the tests are skipped with a loud message, and fail under ``CI=true``.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest

from fetch_vendor import ensure_axe  # tools/ is on pytest's pythonpath
from softmax_lib.core import naive_softmax, softmax
from softmax_lib.grad import softmax_jacobian
from softmax_lib.losses import cross_entropy_grad, entropy

REPO = Path(__file__).resolve().parent.parent
SCREENSHOTS = REPO / "_build" / "screenshots"
REPORT = REPO / "_build" / "browser-report.json"
MAX_PAGE_BYTES = 2_000_000
INSTALL_HINT = (
    "Install Debian's Chromium: 'sudo apt-get update && sudo apt-get install -y chromium' "
    "(or point the CHROMIUM environment variable at a Chrome/Chromium executable)."
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# TeX that must not survive typesetting (outside code blocks).
RAW_TEX = re.compile(
    r"\$\$|\\\(|\\\)|\\\[|\\\]|\\(?:frac|sum|sigma|begin|end|mathrm|operatorname|dots|qquad|"
    r"left|right|ln|exp)\b|\$[^$\s][^$\n]*\$"
)


def toc_pages() -> list[str]:
    toc = (REPO / "_toc.yml").read_text(encoding="utf-8")
    return re.findall(r"(?:root|file):\s*(\S+)", toc)


# --- Chromium, the server, the browser ---------------------------------------------------


def find_chromium() -> str | None:
    """Return a Chromium/Chrome executable, or None."""
    candidates = [os.environ.get("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"]
    candidates += [shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def missing(what: str) -> None:
    """Say loudly that the browser tests cannot run; fail under CI=true, else skip."""
    banner = "!" * 78
    message = f"\n{banner}\nBROWSER TESTS NOT RUN: {what}\n{INSTALL_HINT}\n{banner}"
    print(message, file=sys.stderr)
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the Python package 'playwright' is not installed (pip install -e '.[test]').")
    executable = find_chromium()
    if executable is None:
        missing("no Chromium executable was found.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="session")
def serve():
    """Return a function that serves a folder on 127.0.0.1 (a free port) and gives its URL."""
    servers = []

    def start(folder: Path) -> str:
        handler = functools.partial(_QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def site(built_book, serve):
    return serve(built_book)


@pytest.fixture(scope="session")
def axe_script() -> Path:
    return ensure_axe()


# --- The checks (shared by the real pages and the broken-page tests) ----------------------


@dataclass
class PageReport:
    url: str
    console_errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    math_elements: int = 0
    raw_tex: list[str] = field(default_factory=list)
    bad_images: list[str] = field(default_factory=list)
    explorers: list[dict] = field(default_factory=list)
    explorer_problems: list[str] = field(default_factory=list)
    axe_violations: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        out = [f"console error: {e}" for e in self.console_errors]
        out += [f"blocked non-local request: {u}" for u in self.blocked]
        out += [f"raw TeX left in the text: {t!r}" for t in self.raw_tex]
        out += [f"image without real alt text: {i}" for i in self.bad_images]
        out += self.explorer_problems
        out += [f"axe: {v}" for v in self.axe_violations]
        return out


VISIBLE_TEXT_JS = """() => {
  const skip = new Set(["SCRIPT", "STYLE", "PRE", "CODE", "MJX-CONTAINER", "TEXTAREA"]);
  const main = document.querySelector("main") || document.body;
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT, {
    acceptNode(node) {
      for (let el = node.parentElement; el; el = el.parentElement) {
        const code = skip.has(el.tagName) || el.classList.contains("highlight");
        if (code) return NodeFilter.FILTER_REJECT;
      }
      return NodeFilter.FILTER_ACCEPT;
    },
  });
  const parts = [];
  while (walker.nextNode()) parts.push(walker.currentNode.textContent);
  return parts.join(" ");
}"""

IMAGES_JS = """() => Array.from(document.querySelectorAll("img")).map(
  (img) => ({src: img.getAttribute("src").slice(0, 80), alt: img.getAttribute("alt")}))"""

EXPLORER_STATE_JS = """(root) => {
  const spec = JSON.parse(root.querySelector("script.sm-explorer-data").textContent);
  const figure = document.getElementById(spec.figure_id);
  const settings = {};
  spec.controls.forEach((c) => {
    settings[c.name] = c.values[Number(document.getElementById(c.id).value)];
  });
  const bars = spec.bars ? spec.bars.ids.map(
    (id) => document.getElementById(id).querySelector("path").getAttribute("d")) : null;
  return {
    spec: spec,
    live: root.classList.contains("sm-explorer-live"),
    settings: settings,
    readout: document.getElementById(spec.readout_id).textContent,
    figure: spec.mode === "frames" ? figure.getAttribute("src") : bars.join("|"),
    alt: spec.mode === "frames" ? figure.getAttribute("alt") : figure.getAttribute("aria-label"),
    bars: bars,
    valuetexts: spec.controls.map(
      (c) => document.getElementById(c.id).getAttribute("aria-valuetext")),
  };
}"""


def _fmt(values) -> str:
    return "(" + ", ".join(f"{v:.4f}" for v in values) + ")"


def expected_for(state: dict) -> list[str]:
    """What ``softmax_lib`` says an explorer's readout must show for its current setting.

    One oracle per explorer kind, computed here independently of the explorer, from the
    control values read in the page and the fixed inputs in the explorer's ``params``.
    """
    spec, settings = state["spec"], state["settings"]
    kind, params = spec["kind"], spec.get("params", {})
    if kind == "logits":
        logits = np.array([settings[f"z{i}"] for i in range(len(settings))])
        return [f"p{i} = {p:.4f}" for i, p in enumerate(softmax(logits))]
    if kind == "temperature":
        probs = softmax(params["logits"], temperature=settings["T"])
        return [f"p = {_fmt(probs)}", f"entropy = {entropy(probs):.4f} nats"]
    if kind == "jacobian":
        fixed = params["logits"]
        logits = np.array([settings[f"z{i + 1}"] for i in range(len(fixed) - 1)] + fixed[-1:])
        probs = softmax(logits)
        return [
            f"p = {_fmt(probs)}",
            f"p - y = {_fmt(cross_entropy_grad(logits, params['label']))}",
            f"diagonal of J = {_fmt(np.diag(softmax_jacobian(probs)))}",
        ]
    if kind == "overflow":
        if "logits" in params:
            base = np.array(params["logits"], dtype=float)
        else:  # the title shows them: "{dtype}: softmax of s × (1, 0.99, 0.9, 0), s = {scale}"
            base = np.array(re.search(r"× \(([^)]*)\)", spec["title"]).group(1).split(","), float)
        scaled = (settings["scale"] * base).astype(np.dtype(settings["dtype"]))
        with np.errstate(all="ignore"):  # overflow is the point of this explorer
            naive = naive_softmax(scaled)
        return [f"naive = {_fmt(naive)}", f"stable = {_fmt(softmax(scaled))}"]
    if kind == "mnist":
        # The model's logits of every image are fixed inputs (params["logits"], keyed by
        # the dropdown's value); the readout must show softmax_lib's probabilities of them.
        if "logits" not in params:
            raise AssertionError(
                "the mnist explorer must give params={'logits': {image: model logits}} "
                "for the browser test to check its probabilities"
            )
        dtype = params.get("dtype", "float64")
        logits = np.array(params["logits"][settings["image"]], dtype=dtype)
        probs = softmax(logits)
        shown = ", ".join(f"{p:.3f}" for p in probs)
        top = int(np.argmax(probs))
        return [f"p(0..9) = ({shown})", f"predicted {top} with p = {probs[top]:.3f}"]
    raise AssertionError(f"no oracle for explorer kind {kind!r}: add one to expected_for")


def check_bar_heights(state: dict) -> list[str]:
    """Compare the drawn bars (SVG geometry) with softmax_lib's values."""
    spec, problems = state["spec"], []
    if spec["mode"] != "bars" or spec["kind"] != "logits":
        return problems
    logits = [state["settings"][f"z{i}"] for i in range(len(state["settings"]))]
    for i, (d, p) in enumerate(zip(state["bars"], softmax(np.array(logits)), strict=True)):
        ys = [float(v) for v in re.findall(r"-?\d+\.?\d*", d)][1::2]
        height = (max(ys) - min(ys)) / abs(spec["bars"]["dy"])
        if abs(height - p) > 1e-3:
            problems.append(f"bar {i} is drawn at {height:.4f}, softmax_lib says {p:.4f}")
    return problems


def check_explorer(page, root, index: int) -> tuple[dict, list[str]]:
    """Move every control of one explorer and check what it shows; return (info, problems)."""
    problems = []
    state = root.evaluate(EXPLORER_STATE_JS)
    name = f"explorer {index} ({state['spec']['kind']})"
    if not state["live"]:
        problems.append(f"{name}: its script did not start (no sm-explorer-live class)")
    moves = 0
    for c in state["spec"]["controls"]:
        control = page.locator(f"#{c['id']}")
        if c["kind"] == "slider":
            control.focus()
            at_end = int(control.input_value()) == len(c["values"]) - 1
            page.keyboard.press("ArrowLeft" if at_end else "ArrowRight")
        else:
            current = int(control.input_value())
            control.select_option(str((current + 1) % len(c["values"])))
        moves += 1
        new = root.evaluate(EXPLORER_STATE_JS)
        label = f"{name}, control {c['name']}"
        if new["settings"] == state["settings"]:
            problems.append(f"{label}: the control did not move")
        if new["figure"] == state["figure"]:
            problems.append(f"{label}: moving it did not change the figure (dead control)")
        if new["readout"] == state["readout"]:
            problems.append(f"{label}: moving it did not change the readout")
        for text in expected_for(new):
            if text not in new["readout"]:
                problems.append(
                    f"{label}: readout {new['readout']!r} does not show softmax_lib's {text!r}"
                )
        if new["readout"] not in (new["alt"] or ""):
            problems.append(f"{label}: the figure's alt text does not describe the new figure")
        problems += [f"{label}: {p}" for p in check_bar_heights(new)]
        state = new
    info = {
        "kind": state["spec"]["kind"],
        "mode": state["spec"]["mode"],
        "controls": len(state["spec"]["controls"]),
        "moves": moves,
        "final_readout": state["readout"],
    }
    return info, problems


def check_page(browser, url: str, axe_path: Path, screenshot: Path | None = None) -> PageReport:
    """Open ``url`` with every non-local request blocked and run all the checks."""
    report = PageReport(url)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()

    def route(request_route):
        host = urlparse(request_route.request.url).hostname
        if host == "127.0.0.1":
            request_route.continue_()
        else:
            report.blocked.append(request_route.request.url)
            request_route.abort()

    page.route("**/*", route)
    page.on("console", lambda m: m.type == "error" and report.console_errors.append(m.text))
    page.on("pageerror", lambda e: report.console_errors.append(f"uncaught: {e}"))
    try:
        page.goto(url, wait_until="load")
        has_mathjax = page.evaluate("() => typeof window.MathJax === 'object'")
        if has_mathjax:
            page.wait_for_function(
                "() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=20000
            )
            page.evaluate("() => MathJax.startup.promise.then(() => true)")
        report.math_elements = page.locator("mjx-container").count()
        text = page.evaluate(VISIBLE_TEXT_JS)
        report.raw_tex = sorted({m.group(0) for m in RAW_TEX.finditer(text)})
        for image in page.evaluate(IMAGES_JS):
            alt = (image["alt"] or "").strip()
            if not alt or re.search(r"\.(png|svg|jpe?g|gif)$", alt, re.IGNORECASE):
                report.bad_images.append(f"{image['src']} (alt={image['alt']!r})")
        for svg in page.locator("svg[role=img]:not([aria-hidden=true])").all():
            if not (svg.get_attribute("aria-label") or "").strip():
                report.bad_images.append("inline svg with role=img and no aria-label")
        if screenshot is not None:  # as the reader first sees it, before the controls move
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True)
        for i, root in enumerate(page.locator(".sm-explorer").all()):
            info, problems = check_explorer(page, root, i)
            report.explorers.append(info)
            report.explorer_problems += problems
        page.add_script_tag(path=str(axe_path))
        results = page.evaluate(
            "async () => await axe.run(document, {resultTypes: ['violations']})"
        )
        for violation in results["violations"]:
            if violation["impact"] in ("serious", "critical"):
                targets = [str(n["target"]) for n in violation["nodes"][:3]]
                report.axe_violations.append(
                    f"{violation['id']} ({violation['impact']}): {violation['help']} {targets}"
                )
    finally:
        context.close()
    return report


def page_weight(html_dir: Path, page: str) -> int:
    """Bytes of a page's HTML (with its embedded explorer data) plus its own images."""
    path = html_dir / f"{page}.html"
    html = path.read_text(encoding="utf-8")
    total = len(html.encode("utf-8"))
    for src in set(re.findall(r'<img[^>]+src="([^"]+)"', html)):
        if not src.startswith("data:"):
            image = (path.parent / src).resolve()
            if image.is_file() and "_static" not in image.parts:
                total += image.stat().st_size
    return total


# --- The real site ------------------------------------------------------------------------

_summary: dict[str, dict] = {}


@pytest.mark.build
@pytest.mark.parametrize("page", toc_pages())
def test_page_in_a_real_browser(page, browser, site, built_book, axe_script):
    screenshot = SCREENSHOTS / f"{page.replace('/', '__')}.png"
    report = check_page(browser, f"{site}/{page}.html", axe_script, screenshot)
    weight = page_weight(built_book, page)
    _summary[page] = {
        "bytes": weight,
        "explorers": report.explorers,
        "math_elements": report.math_elements,
        "screenshot": str(screenshot.relative_to(REPO)),
    }
    REPORT.write_text(json.dumps(_summary, indent=2), encoding="utf-8")
    problems = report.problems()
    assert not problems, f"{page}:\n  " + "\n  ".join(problems)
    assert weight < MAX_PAGE_BYTES, f"{page} weighs {weight} bytes"
    source = (REPO / f"{page}.md").read_text(encoding="utf-8") if page.startswith("book/") else ""
    if "$" in source:
        assert report.math_elements > 0, f"{page} has math but MathJax typeset none"
    if "widgets." in source:
        assert report.explorers, f"{page} calls an explorer but none was found on the page"


@pytest.mark.build
def test_the_site_has_explorers_and_serves_its_own_mathjax(built_book):
    intro = (built_book / "book" / "intro.html").read_text(encoding="utf-8")
    assert 'src="../_static/vendor/mathjax/tex-mml-chtml.js' in intro
    assert "cdn.jsdelivr" not in intro
    fonts = built_book / "_static" / "vendor" / "mathjax" / "output" / "chtml" / "fonts"
    assert (fonts / "woff-v2" / "MathJax_Main-Regular.woff").is_file()
    assert intro.count('class="sm-explorer"') == 1


# --- The checks can fail ------------------------------------------------------------------


def test_a_missing_browser_fails_under_ci_and_skips_loudly_otherwise(monkeypatch, capsys):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="apt-get install -y chromium"):
        missing("no Chromium executable was found.")
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match="BROWSER TESTS NOT RUN"):
        missing("no Chromium executable was found.")
    assert "BROWSER TESTS NOT RUN" in capsys.readouterr().err


BROKEN_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Broken on purpose</title>
<script src="https://cdn.example.com/library.js"></script></head>
<body><main>
<h1>A page with every mistake</h1>
<p>Untypeset math: $$\\frac{e^{z_i}}{\\sum_j e^{z_j}}$$</p>
<img src="plot.png">
{explorer}
</main></body></html>
"""


def test_checks_catch_raw_tex_missing_alt_dead_controls_and_blocked_requests(
    browser, serve, tmp_path, axe_script
):
    """A page with raw TeX, an image without alt, an external script and an explorer
    whose script never runs (a dead control) fails every corresponding check."""
    from softmax_lib.widgets import logits_explorer

    explorer = logits_explorer([2.0, 1.0, 0.0, -1.0]).to_html()
    (tmp_path / "plot.png").write_bytes(b"")
    (tmp_path / "broken.html").write_text(BROKEN_PAGE.replace("{explorer}", explorer))
    report = check_page(browser, f"{serve(tmp_path)}/broken.html", axe_script)
    assert "$$" in report.raw_tex
    assert "\\frac" in report.raw_tex
    assert any("plot.png" in i for i in report.bad_images)
    assert report.blocked == ["https://cdn.example.com/library.js"]
    problems = "\n".join(report.explorer_problems)
    assert "its script did not start" in problems
    assert "did not change the figure (dead control)" in problems
    assert "does not show softmax_lib's" in problems
    assert any("image-alt" in v for v in report.axe_violations)


def test_checks_pass_the_same_explorer_when_its_script_runs(browser, serve, tmp_path, axe_script):
    """The control experiment: the same explorer with the site's script is alive."""
    from softmax_lib.widgets import logits_explorer

    script = (REPO / "book" / "_static" / "softmax-explorer.js").read_text(encoding="utf-8")
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>ok</title></head>'
        f"<body><main><h1>Alive</h1>{logits_explorer().to_html()}"
        f"<script>{script}</script></main></body></html>"
    )
    (tmp_path / "alive.html").write_text(page)
    report = check_page(browser, f"{serve(tmp_path)}/alive.html", axe_script)
    assert report.problems() == []
    assert report.explorers[0]["moves"] == 4
