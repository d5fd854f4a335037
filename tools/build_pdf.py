"""Render the whole book as one PDF with Chromium: the command behind `make pdf`.

1. Jupyter Book's single-page HTML builder writes every page of the TOC, in order,
   into one ``_build/singlehtml/index.html`` (notebooks re-executed, warnings as
   errors, as in ``make book``; MathJax served from the site's own copy).
2. That page is opened in the same Chromium the browser tests use (Playwright,
   every non-local request blocked), MathJax finishes typesetting, every explorer
   shows its default state (its first frame, as built), and ``page.pdf`` prints it
   on A4 with page numbers.
3. The PDF goes to ``_build/html/softmax-book.pdf``, next to the website, and the
   landing page's hidden link to it is switched on.

Usage: ``python tools/build_pdf.py [--skip-build]`` (``--skip-build`` re-prints an
existing ``_build/singlehtml``). Prints the page count and the time taken.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

from fetch_vendor import VendorError, ensure_mathjax

REPO = Path(__file__).resolve().parent.parent
SINGLE = REPO / "_build" / "singlehtml"
HTML = REPO / "_build" / "html"
PDF_NAME = "softmax-book.pdf"
# No --all: right after `make book` Sphinx re-uses its environment (_build/.doctrees),
# so the notebooks are not executed a second time; changed pages are re-read.
FLAGS = ("--builder", "singlehtml", "--warningiserror", "--nitpick", "--keep-going")
PRINT_CSS = """
@page { size: A4; margin: 16mm 14mm 18mm 14mm; }
.bd-header, .bd-sidebar-primary, .bd-sidebar-secondary, .bd-footer, .bd-footer-article,
.header-article, .prev-next-area, .bd-header-announcement, #pst-back-to-top,
.sm-explorer-controls { display: none !important; }
.bd-main, .bd-content, .bd-article-container, .bd-article { max-width: 100% !important; }
.sm-explorer, figure, .cell_output img, table, pre { break-inside: avoid; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; }
"""
FOOTER = (
    '<div style="font-size:8px; width:100%; text-align:center; color:#555">'
    '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'
)


def find_chromium() -> str | None:
    candidates = [os.environ.get("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"]
    candidates += [shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def build_singlehtml() -> None:
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    result = subprocess.run([str(jupyter_book), "build", str(REPO), *FLAGS], check=False)
    if result.returncode != 0:
        raise SystemExit("error: the single-page build failed (see above).")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


def print_pdf(folder: Path, out: Path) -> int:
    """Print ``folder/index.html`` to ``out`` with Chromium; return the page count."""
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader

    executable = find_chromium()
    if executable is None:
        raise SystemExit(
            "error: no Chromium found. Install it ('apt-get install -y chromium') or set "
            "the CHROMIUM environment variable."
        )
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/index.html"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=executable, args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": 1100, "height": 1400})

            def route(request_route):
                # Offline, and without the explorers' script: in one long page the
                # chapters' explorers may share element ids (each notebook numbers its
                # own), and the PDF shows each one as built, in its default state.
                request = request_route.request
                local = urlparse(request.url).hostname == "127.0.0.1"
                if local and "softmax-explorer.js" not in request.url:
                    request_route.continue_()
                else:
                    request_route.abort()

            page.route("**/*", route)
            page.goto(url, wait_until="load")
            if page.evaluate("() => typeof window.MathJax === 'object'"):
                page.wait_for_function(
                    "() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                    timeout=60000,
                )
                page.evaluate("() => MathJax.startup.promise.then(() => true)")
            page.add_style_tag(content=PRINT_CSS)
            page.emulate_media(media="print")
            out.parent.mkdir(parents=True, exist_ok=True)
            page.pdf(
                path=str(out),
                format="A4",
                print_background=True,
                display_header_footer=True,
                header_template="<div></div>",
                footer_template=FOOTER,
                margin={"top": "16mm", "bottom": "18mm", "left": "14mm", "right": "14mm"},
            )
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return len(PdfReader(str(out)).pages)


def show_link(html_dir: Path) -> None:
    """Switch on the landing page's link to the PDF (hidden until the PDF exists)."""
    intro = html_dir / "book" / "intro.html"
    if intro.is_file():
        text = intro.read_text(encoding="utf-8")
        intro.write_text(
            text.replace('<p id="sm-pdf-link" hidden>', '<p id="sm-pdf-link">'), encoding="utf-8"
        )


def main(argv: list[str]) -> int:
    start = time.perf_counter()
    try:
        ensure_mathjax()
    except VendorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if "--skip-build" not in argv or not (SINGLE / "index.html").is_file():
        build_singlehtml()
    out = HTML / PDF_NAME
    pages = print_pdf(SINGLE, out)
    show_link(HTML)
    seconds = time.perf_counter() - start
    print(f"\nWrote {out} ({pages} pages, {out.stat().st_size / 1e6:.1f} MB) in {seconds:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
