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
- the layout fits the screen (``check_layout``), at 1280 px and again at 390 px (a
  phone): no page wider than the screen, no slider narrower than 120 px, every raster
  image with at least 1.5x the pixels it is shown at, and (at 1280 px) no code block,
  input or output, that scrolls sideways,

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

from build_pdf import CHROMIUM_ARGS, find_chromium, toc_pages  # tools/ is on the path
from fetch_vendor import ensure_axe
from softmax_lib.attention import working_memory
from softmax_lib.core import naive_softmax, softmax
from softmax_lib.grad import softmax_jacobian
from softmax_lib.losses import cross_entropy_grad, entropy
from softmax_lib.online import softmax_state

REPO = Path(__file__).resolve().parent.parent
SCREENSHOTS = REPO / "_build" / "screenshots"
REPORT = REPO / "_build" / "browser-report.json"
MAX_PAGE_BYTES = 2_000_000
WIDE, PHONE = 1280, 390  # the widths every page is checked at (px)
MIN_SLIDER_PX = 120
MIN_PIXEL_RATIO = 1.5
INSTALL_HINT = (
    "Install Debian's Chromium: 'sudo apt-get update && sudo apt-get install -y chromium' "
    "(or point the CHROMIUM environment variable at a Chrome/Chromium executable)."
)
# TeX that must not survive typesetting (outside code blocks).
RAW_TEX = re.compile(
    r"\$\$|\\\(|\\\)|\\\[|\\\]|\\(?:frac|sum|sigma|begin|end|mathrm|operatorname|dots|qquad|"
    r"left|right|ln|exp)\b|\$[^$\s][^$\n]*\$"
)


# --- Chromium, the server, the browser ---------------------------------------------------


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
    layout: dict = field(default_factory=dict)
    layout_problems: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        out = [f"console error: {e}" for e in self.console_errors]
        out += [f"blocked non-local request: {u}" for u in self.blocked]
        out += [f"raw TeX left in the text: {t!r}" for t in self.raw_tex]
        out += [f"image without real alt text: {i}" for i in self.bad_images]
        out += self.explorer_problems
        out += [f"axe: {v}" for v in self.axe_violations]
        out += self.layout_problems
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


LAYOUT_JS = r"""() => {
  const width = document.documentElement.clientWidth;
  const describe = (el) => {
    const cls = (el.getAttribute("class") || "").split(" ").slice(0, 2).join(".");
    return el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (cls ? "." + cls : "");
  };
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && style.visibility !== "hidden";
  };
  // Elements sticking out to the right of the screen (not inside a scrolling box).
  const sticking = [];
  if (document.documentElement.scrollWidth > width + 1) {
    for (const el of document.querySelectorAll("main *, body > *")) {
      const r = el.getBoundingClientRect();
      if (r.right > width + 1 && r.width > 0 && sticking.length < 5) {
        let inside = false;
        for (let p = el.parentElement; p && !inside; p = p.parentElement) {
          const o = getComputedStyle(p).overflowX;
          inside = (o === "auto" || o === "scroll" || o === "hidden")
            && p.getBoundingClientRect().right <= width + 1;
        }
        if (!inside) sticking.push(describe(el) + " (right edge " + Math.round(r.right) + ")");
      }
    }
  }
  const sliders = Array.from(document.querySelectorAll("input[type=range]"))
    .filter(shown).map((el) => ({id: el.id, width: el.getBoundingClientRect().width}));
  const code = Array.from(document.querySelectorAll("main pre")).filter(shown).map((pre) => ({
    where: pre.closest(".cell_output") ? "output" : (pre.closest(".cell_input") ? "input"
      : "code"),
    text: pre.textContent.trim().split("\n")[0].slice(0, 60),
    scroll: pre.scrollWidth, client: pre.clientWidth,
  }));
  const raster = /^data:image\/(png|jpe?g|gif|webp)|\.(png|jpe?g|gif|webp)(\?|#|$)/i;
  const images = Array.from(document.querySelectorAll("img")).filter(shown)
    .filter((img) => raster.test(img.getAttribute("src") || "") && img.complete)
    .map((img) => ({
      src: (img.getAttribute("src") || "").slice(0, 60), natural: img.naturalWidth,
      shown: img.getBoundingClientRect().width,
    }));
  // Glued numbers (MyST-NB's span.pasted-text) in a heavier weight than their sentence.
  const bold = Array.from(document.querySelectorAll("main span.pasted-text")).filter(
    (el) => getComputedStyle(el).fontWeight !== getComputedStyle(el.parentElement).fontWeight
  ).map((el) => el.textContent.trim());
  return {width: width, scrollWidth: document.documentElement.scrollWidth,
          sticking: sticking, sliders: sliders, code: code, images: images, bold: bold};
}"""


def check_layout(page, width: int) -> tuple[dict, list[str]]:
    """Measure the page as laid out at ``width`` px; return (measurements, problems).

    Problems: the page is wider than the screen; a slider is under ``MIN_SLIDER_PX``;
    a glued number is bolder than the sentence around it;
    a raster image has fewer than ``MIN_PIXEL_RATIO`` x the pixels it is shown at; at
    ``WIDE`` px, a code block (a cell's input or output) scrolls sideways.
    """
    m = page.evaluate(LAYOUT_JS)
    problems = []
    at = f"at {width} px"
    if m["scrollWidth"] > m["width"] + 1:
        problems.append(
            f"{at}: the page is {m['scrollWidth']} px wide on a {m['width']} px screen "
            f"(sticking out: {', '.join(m['sticking']) or 'unknown'})"
        )
    for slider in m["sliders"]:
        if slider["width"] < MIN_SLIDER_PX:
            problems.append(
                f"{at}: slider #{slider['id']} is {slider['width']:.0f} px wide "
                f"(at least {MIN_SLIDER_PX} px wanted)"
            )
    for image in m["images"]:
        if image["natural"] < MIN_PIXEL_RATIO * image["shown"]:
            problems.append(
                f"{at}: image {image['src']}... has {image['natural']} px shown at "
                f"{image['shown']:.0f} px ({image['natural'] / image['shown']:.2f}x, at least "
                f"{MIN_PIXEL_RATIO}x wanted)"
            )
    for text in m["bold"][:5]:
        problems.append(f"{at}: the glued number {text!r} is bolder than its sentence")
    if width >= WIDE:
        for block in m["code"]:
            if block["scroll"] > block["client"] + 1:
                problems.append(
                    f"{at}: a code {block['where']} block scrolls sideways "
                    f"({block['scroll']} px in {block['client']} px): {block['text']!r}"
                )
    summary = {
        "width": m["width"],
        "page_width": m["scrollWidth"],
        "narrowest_slider": min((s["width"] for s in m["sliders"]), default=None),
        "code_blocks": len(m["code"]),
        "code_blocks_scrolling": sum(b["scroll"] > b["client"] + 1 for b in m["code"]),
        "lowest_pixel_ratio": min((i["natural"] / i["shown"] for i in m["images"]), default=None),
    }
    return summary, problems


def open_page(browser, url: str, width: int, report: PageReport):
    """Open ``url`` at ``width`` px with non-local requests blocked; return (context, page)."""
    context = browser.new_context(viewport={"width": width, "height": 900})
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
    page.goto(url, wait_until="load")
    return context, page


def wait_for_mathjax(page) -> None:
    """Wait until MathJax (if the page loads it) has typeset the page."""
    if page.evaluate("() => typeof window.MathJax === 'object'"):
        page.wait_for_function(
            "() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=20000
        )
        page.evaluate("() => MathJax.startup.promise.then(() => true)")


def check_page_layout(browser, url: str, width: int, screenshot: Path | None = None):
    """Open ``url`` at ``width`` px and run only the layout checks (one page load)."""
    report = PageReport(url)
    context, page = open_page(browser, url, width, report)
    try:
        wait_for_mathjax(page)
        report.layout, report.layout_problems = check_layout(page, width)
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True)
    finally:
        context.close()
    return report


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
        logits = np.array([settings[c["name"]] for c in spec["controls"]])
        return [f"p{i} = {p:.4f}" for i, p in enumerate(softmax(logits))]
    if kind == "temperature":
        probs = softmax(params["logits"], temperature=settings["T"])
        return [f"p = {_fmt(probs)}", f"entropy = {entropy(probs):.4f} nats"]
    if kind == "jacobian":
        fixed = params["logits"]
        # one slider per logit but the last, in order (z0, z1, ... or z1, z2, ...)
        logits = np.array([settings[c["name"]] for c in spec["controls"]] + fixed[-1:])
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
    if kind == "online":
        # The state after t blocks is softmax_lib's softmax_state of the first t blocks.
        t = settings["blocks"]
        if t == 0:
            return ["nothing read yet"]
        logits = np.array(params["logits"][: t * params["block_size"]])
        state = softmax_state(logits, keepdims=False)
        total = float(state.scaled_sum + state.error)
        return [f"m = {float(state.max):.4g}", f"s = {total:.4f}"]
    if kind == "tiled_memory":
        n, block, d_v, mib = settings["n"], settings["block"], params["d_v"], 2.0**20
        direct = working_memory(n, d_v=d_v) / mib
        tiled = working_memory(n, d_v=d_v, block_size=block) / mib
        return [f"direct {direct:.1f} MiB", f"tiled {tiled:.2f} MiB"]
    raise AssertionError(f"no oracle for explorer kind {kind!r}: add one to expected_for")


def check_bar_heights(state: dict) -> list[str]:
    """Compare the drawn bars (SVG geometry) with softmax_lib's values."""
    spec, problems = state["spec"], []
    if spec["mode"] != "bars" or spec["kind"] != "logits":
        return problems
    logits = [state["settings"][c["name"]] for c in spec["controls"]]
    for i, (d, p) in enumerate(zip(state["bars"], softmax(np.array(logits)), strict=True)):
        ys = [float(v) for v in re.findall(r"-?\d+\.?\d*", d)][1::2]
        height = (max(ys) - min(ys)) / abs(spec["bars"]["dy"])
        if abs(height - p) > 1e-3:
            problems.append(f"bar {i} is drawn at {height:.4f}, softmax_lib says {p:.4f}")
    return problems


SVG_TEXT_OVERLAPS_JS = """(root) => {
  // Pairs of overlapping <text> boxes in an explorer's inline SVG (tick labels, axis
  // labels, the title the script rewrites on every move).
  const boxes = Array.from(root.querySelectorAll(".sm-explorer-figure svg text"))
    .map((t) => ({text: t.textContent.trim(), r: t.getBoundingClientRect()}))
    .filter((b) => b.text && b.r.width > 0 && b.r.height > 0);
  const pairs = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i].r, b = boxes[j].r;
      const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (w > 0.5 && h > 0.5) pairs.push([boxes[i].text, boxes[j].text]);
    }
  }
  return pairs;
}"""


def svg_text_overlaps(root) -> list[str]:
    """Overlapping labels in an SVG explorer, as laid out in the page now."""
    return [f"label {a!r} overlaps label {b!r}" for a, b in root.evaluate(SVG_TEXT_OVERLAPS_JS)]


def check_explorer(page, root, index: int) -> tuple[dict, list[str]]:
    """Move every control of one explorer and check what it shows; return (info, problems)."""
    problems = []
    state = root.evaluate(EXPLORER_STATE_JS)
    name = f"explorer {index} ({state['spec']['kind']})"
    if not state["live"]:
        problems.append(f"{name}: its script did not start (no sm-explorer-live class)")
    problems += [f"{name}: {p}" for p in svg_text_overlaps(root)]
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
        problems += [f"{label}: {p}" for p in svg_text_overlaps(root)]
        state = new
    info = {
        "kind": state["spec"]["kind"],
        "mode": state["spec"]["mode"],
        "controls": len(state["spec"]["controls"]),
        "moves": moves,
        "final_readout": state["readout"],
    }
    return info, problems


def check_page(
    browser, url: str, axe_path: Path, screenshot: Path | None = None, width: int = WIDE
) -> PageReport:
    """Open ``url`` with every non-local request blocked and run all the checks."""
    report = PageReport(url)
    context, page = open_page(browser, url, width, report)
    try:
        wait_for_mathjax(page)
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
        # Layout after typesetting (math changes widths), before the controls move.
        report.layout, report.layout_problems = check_layout(page, width)
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
        "layout": {**_summary.get(page, {}).get("layout", {}), str(WIDE): report.layout},
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
@pytest.mark.parametrize("page", toc_pages())
def test_page_on_a_phone(page, browser, site):
    """The layout at 390 px (one page load): stacked controls keep sliders usable, nothing
    is wider than the screen, raster figures stay sharp."""
    screenshot = SCREENSHOTS / f"{page.replace('/', '__')}-{PHONE}px.png"
    report = check_page_layout(browser, f"{site}/{page}.html", PHONE, screenshot)
    entry = _summary.setdefault(page, {})
    entry["layout"] = {**entry.get("layout", {}), str(PHONE): report.layout}
    REPORT.write_text(json.dumps(_summary, indent=2), encoding="utf-8")
    problems = report.layout_problems + [f"console error: {e}" for e in report.console_errors]
    assert not problems, f"{page}:\n  " + "\n  ".join(problems)


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


CRAMPED_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Cramped on purpose</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="softmax-explorer.css">
<style>{style}</style></head>
<body><main>
<h1>A page with every layout mistake</h1>
<div class="cell_input"><pre>{long_line}</pre></div>
<div class="cell_output"><pre>{long_line}</pre></div>
<img src="blurry.png" alt="A 100-dpi figure shown at its own size" width="{blurry}">
<div style="width: 700px">A fixed-width box wider than a phone</div>
<p>A glued number <span class="pasted-text" style="font-weight: bold">0.64</span>.</p>
{explorer}
</main></body></html>
"""


def _cramped_page(tmp_path: Path, style: str) -> str:
    from PIL import Image

    from softmax_lib.widgets import temperature_explorer

    Image.new("RGB", (560, 320), "white").save(tmp_path / "blurry.png")  # 1x: 560 px at 560
    shutil.copy(REPO / "book" / "_static" / "softmax-explorer.css", tmp_path)
    page = CRAMPED_PAGE.format(
        style=style,
        long_line="x = " + "1.0 + " * 40 + "1.0",
        blurry=560,
        explorer=temperature_explorer(temperatures=[0.5, 1.0]).to_html(),
    )
    (tmp_path / "cramped.html").write_text(page, encoding="utf-8")
    return "cramped.html"


def test_layout_checks_catch_narrow_sliders_wide_pages_blurry_images_and_wide_code(
    browser, serve, tmp_path
):
    """A narrow slider (CSS planted in the page), a 700 px box on a phone, a 1x image and
    a long code line: each makes its layout check fail."""
    name = _cramped_page(
        tmp_path,
        "pre { overflow-x: auto; } "
        ".sm-explorer-control input[type=range] { min-width: 0; width: 40px; }",
    )
    url = f"{serve(tmp_path)}/{name}"
    phone = "\n".join(check_page_layout(browser, url, PHONE).layout_problems)
    assert "is 40 px wide (at least 120 px wanted)" in phone
    assert "the page is" in phone
    assert f"on a {PHONE} px screen" in phone
    assert "blurry.png" in phone
    wide = "\n".join(check_page_layout(browser, url, WIDE).layout_problems)
    assert "a code input block scrolls sideways" in wide
    assert "a code output block scrolls sideways" in wide
    assert "blurry.png" in wide
    assert "the glued number '0.64' is bolder than its sentence" in wide
    assert "1.00x" in wide


def test_layout_checks_pass_the_site_stylesheet_on_a_phone(browser, serve, tmp_path):
    """The control experiment: with the site's own explorer CSS the slider keeps its width
    on a phone and the explorer's 2x frames are sharp."""
    name = _cramped_page(tmp_path, "")
    page = (tmp_path / name).read_text(encoding="utf-8")
    page = page.replace(' style="font-weight: bold"', "")
    page = re.sub(
        r"<div class=\"cell_input\">.*?</div>\s*<img[^>]*>\s*<div[^>]*>[^<]*</div>",
        "",
        page,
        flags=re.S,
    )
    (tmp_path / name).write_text(page, encoding="utf-8")
    report = check_page_layout(browser, f"{serve(tmp_path)}/{name}", PHONE)
    assert report.layout_problems == []
    assert report.layout["narrowest_slider"] >= MIN_SLIDER_PX
    assert report.layout["lowest_pixel_ratio"] >= 2 - 1e-9


def test_explorer_check_catches_overlapping_svg_labels(browser, serve, tmp_path, axe_script):
    """An SVG explorer whose title is drawn twice, the copy shifted onto the original,
    fails the label-overlap check (the same explorer without the copy passes it above)."""
    from softmax_lib.widgets import logits_explorer

    html = logits_explorer().to_html()
    title = re.search(r'<g id="(sm-explorer-\d+-title)">(.*?)</g>', html, re.S)
    copy = f'<g id="{title.group(1)}-copy" transform="translate(6 3)">{title.group(2)}</g>'
    html = html.replace(title.group(0), title.group(0) + copy, 1)
    script = (REPO / "book" / "_static" / "softmax-explorer.js").read_text(encoding="utf-8")
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>x</title></head>'
        f"<body><main><h1>Overlap</h1>{html}<script>{script}</script></main></body></html>"
    )
    (tmp_path / "overlap.html").write_text(page, encoding="utf-8")
    report = check_page(browser, f"{serve(tmp_path)}/overlap.html", axe_script)
    assert any("overlaps label" in p for p in report.explorer_problems), report.problems()
