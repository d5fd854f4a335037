"""Build the book's HTML site: the one build command behind `make book` and the tests.

Every notebook is re-executed (``--all`` makes Sphinx re-read every page, and
``execute_notebooks: force`` in ``_config.yml`` re-runs each one), warnings are errors
(``-W``), every cross-reference must resolve (``-n``), and ``--keep-going`` reports all
warnings before failing instead of stopping at the first.

Before building, MathJax is fetched once from npm into the site's static files
(``tools/fetch_vendor.py``), so the website works offline.

Usage: ``python tools/build_book.py [BOOK_DIR]`` (default: the repository root).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from fetch_vendor import VendorError, ensure_mathjax

REPO = Path(__file__).resolve().parent.parent
FLAGS = ("--builder", "html", "--warningiserror", "--nitpick", "--keep-going", "--all")


def build_command(book_dir: Path) -> list[str]:
    """Return the command that builds the book in ``book_dir`` into ``book_dir/_build``."""
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    return [str(jupyter_book), "build", str(book_dir), *FLAGS]


def main(argv: list[str]) -> int:
    book_dir = Path(argv[0]).resolve() if argv else REPO
    try:
        ensure_mathjax()
    except VendorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    result = subprocess.run(build_command(book_dir), check=False)
    index = book_dir / "_build" / "html" / "index.html"
    if result.returncode != 0:
        print(
            "\nThe book build FAILED (see the warnings and errors above; warnings count"
            " as errors).",
            file=sys.stderr,
        )
        return result.returncode
    print(f"\nThe book is built. Open {index.as_uri()}\nor run `make serve` to browse it.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
