"""Render the whole book as one PDF with Chromium: the command behind `make pdf`.

The PDF is printed from the built website itself (``_build/html``, made by
``make book`` first if it is missing), so it shows exactly what the site shows and no
notebook is executed a second time:

1. every page of ``_toc.yml``, in order, is opened in the same Chromium the browser
   tests use (Playwright; the site served on 127.0.0.1, every other request blocked);
2. MathJax finishes typesetting, the site's navigation and the explorers' controls
   are hidden (each explorer shows its default state, as built), and ``page.pdf``
   prints the page on A4, with the book's and the page's title and page numbers;
3. the pages are joined (pypdf) into ``_build/html/softmax-book.pdf``, next to the
   website, and the landing page's hidden link to it is switched on.

Usage: ``python tools/build_pdf.py [HTML_DIR]`` (default ``_build/html``). Prints the
page count and the time taken.
"""

from __future__ import annotations

import functools
import http.server
import io
import os
import re
import shutil
import sys
import threading
import time
from html import escape
from pathlib import Path
from urllib.parse import urlparse

REPO = Path(__file__).resolve().parent.parent
PDF_NAME = "softmax-book.pdf"
PRINT_CSS = """
.bd-header, .bd-sidebar-primary, .bd-sidebar-secondary, .bd-footer, .bd-footer-article,
.bd-footer-content, .header-article, .prev-next-area, .bd-header-announcement,
#pst-back-to-top, .sm-explorer-controls, .headerlink, .toggle-secondary-sidebar,
#pst-skip-link, .search-button-field, #jb-print-toc { display: none !important; }
.bd-content { margin: 0 !important; }
.bd-main, .bd-content, .bd-article-container, .bd-article, .bd-container,
.bd-container__inner, .bd-page-width { max-width: 100% !important; width: 100% !important; }
.bd-main .bd-content .bd-article-container { padding: 0 !important; }
.sm-explorer, figure, .cell_output img, table, tr, mjx-container[display="true"] {
  break-inside: avoid;
}
h1 { font-size: 1.9rem !important; }
h1, h2, h3 { break-after: avoid; }
pre { white-space: pre-wrap !important; overflow-wrap: anywhere; }
"""


def toc_pages(repo: Path = REPO) -> list[str]:
    """The book's pages in reading order (``_toc.yml``)."""
    toc = (repo / "_toc.yml").read_text(encoding="utf-8")
    return re.findall(r"(?:root|file):\s*(\S+)", toc)


# Chromium's flags for this offline, headless use (the PDF here, the browser tests too):
# without the background-networking ones it keeps trying to reach Google's servers.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def find_chromium() -> str | None:
    """Return a Chromium/Chrome executable (``$CHROMIUM`` first), or None."""
    candidates = [os.environ.get("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"]
    candidates += [shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


def _footer(title: str) -> str:
    return (
        '<div style="font-size:8px; width:100%; margin:0 14mm; display:flex; '
        'justify-content:space-between; color:#555">'
        f"<span>The Softmax Book · {escape(title)}</span>"
        '<span><span class="pageNumber"></span> / <span class="totalPages"></span></span></div>'
    )


def print_book(html_dir: Path, pages: list[str], out: Path) -> int:
    """Print ``pages`` of the site in ``html_dir`` into one PDF ``out``; return its pages."""
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader, PdfWriter

    executable = find_chromium()
    if executable is None:
        raise SystemExit(
            "error: no Chromium found. Install it ('apt-get install -y chromium') or set "
            "the CHROMIUM environment variable."
        )
    handler = functools.partial(_QuietHandler, directory=str(html_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    site = f"http://127.0.0.1:{server.server_address[1]}"
    writer = PdfWriter()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1000, "height": 1400})

            def route(request_route):
                local = urlparse(request_route.request.url).hostname == "127.0.0.1"
                (request_route.continue_ if local else request_route.abort)()

            page.route("**/*", route)
            for name in pages:
                page.goto(f"{site}/{name}.html", wait_until="load")
                if page.evaluate("() => typeof window.MathJax === 'object'"):
                    page.wait_for_function(
                        "() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                        timeout=60000,
                    )
                    page.evaluate("() => MathJax.startup.promise.then(() => true)")
                page.add_style_tag(content=PRINT_CSS)
                # Dropdowns (solutions, asides) print open: paper cannot click.
                page.evaluate(
                    "() => document.querySelectorAll('details').forEach((d) => d.open = true)"
                )
                title = (
                    page.evaluate(
                        "() => (document.querySelector('main h1') || {}).textContent || ''"
                    )
                    .replace("#", "")
                    .strip()
                )
                pdf = page.pdf(
                    format="A4",
                    print_background=True,
                    display_header_footer=True,
                    header_template="<div></div>",
                    footer_template=_footer(title),
                    margin={"top": "14mm", "bottom": "16mm", "left": "14mm", "right": "14mm"},
                )
                writer.append(PdfReader(io.BytesIO(pdf)))
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    writer.add_metadata({"/Title": "The Softmax Book"})
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as file:
        writer.write(file)
    return len(writer.pages)


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
    html_dir = Path(argv[0]).resolve() if argv else REPO / "_build" / "html"
    pages = toc_pages()
    if not all((html_dir / f"{page}.html").is_file() for page in pages):
        if argv:
            print(f"error: {html_dir} does not hold every page of _toc.yml", file=sys.stderr)
            return 1
        from build_book import main as build_book

        print("No built website yet: building it first (make book).")
        if build_book([]) != 0:
            return 1
    out = html_dir / PDF_NAME
    n_pages = print_book(html_dir, pages, out)
    show_link(html_dir)
    seconds = time.perf_counter() - start
    size = out.stat().st_size / 1e6
    print(f"Wrote {out} ({n_pages} pages, {size:.1f} MB) in {seconds:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
