"""The book build: the real book builds with no warnings, and broken books fail.

The full build (``make book``'s command, from tools/build_book.py) writes the site into
the repository's ``_build/html``, where later tests and ``make serve`` find it. The
failure tests build two small throwaway copies of the book, with planted errors, in a
temporary folder.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import shutil
import subprocess

import pytest

import softmax_lib
from build_book import build_command  # tools/ is on pytest's pythonpath

pytestmark = pytest.mark.build


def run_build(book_dir):
    return subprocess.run(build_command(book_dir), capture_output=True, text=True)


# The session fixture `built_book` (the real book, built once) is in conftest.py: the
# browser tests (test_browser.py) use it too.


def test_book_builds_without_warnings(built_book):
    assert (built_book / "index.html").is_file()


def test_every_toc_page_is_built(built_book, repo):
    toc = (repo / "_toc.yml").read_text(encoding="utf-8")
    pages = re.findall(r"(?:root|file):\s*(\S+)", toc)
    assert pages, "no pages found in _toc.yml"
    for page in pages:
        assert (built_book / f"{page}.html").is_file(), f"{page} is in the TOC but not built"


def test_api_page_documents_every_export(built_book):
    html = (built_book / "book" / "api.html").read_text(encoding="utf-8")
    for name in softmax_lib.__all__:
        if name.startswith("__"):
            continue
        assert f'id="softmax_lib.{name}"' in html, (
            f"softmax_lib.{name} is missing from the API page"
        )


def test_reference_pages_document_every_public_module_name(built_book):
    # The API page promises "every public name", of the package and of its public
    # modules; the explorers page documents the explorer framework (Bars, Control, ...).
    html = "".join(
        (built_book / "book" / page).read_text(encoding="utf-8")
        for page in ("api.html", "explorers.html")
    )
    modules = pkgutil.walk_packages(softmax_lib.__path__, "softmax_lib.")
    public = [m.name for m in modules if not any(p.startswith("_") for p in m.name.split("."))]
    missing = [
        f"{module}.{name}"
        for module in public
        for name in getattr(importlib.import_module(module), "__all__", ())
        if f'id="softmax_lib.{name}"' not in html and f'id="{module}.{name}"' not in html
    ]
    assert public
    assert not missing, f"public names missing from the reference pages: {missing}"


def test_notebooks_are_downloadable(built_book, repo):
    for notebook in sorted((repo / "notebooks").glob("*.ipynb")):
        assert (built_book / "_sources" / "notebooks" / notebook.name).is_file()


def test_pages_carry_no_unused_widget_state(built_book):
    # The website shows the explorers' static views; MyST-NB's embedded ipywidgets
    # state (20-30 kB a page) is dropped by book/_ext/site_fixes.py.
    pages = sorted(built_book.rglob("*.html"))
    assert pages
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "application/vnd.jupyter.widget-state+json" not in html, page.name


# --- Throwaway books that must fail -------------------------------------------------------


@pytest.fixture
def throwaway_book(tmp_path, repo):
    """Return a function that makes a minimal copy of the book with one extra page."""

    def make(page_name: str, content: str):
        book = tmp_path / "book_copy"
        shutil.copytree(repo / "book", book / "book")
        shutil.copy(repo / "_config.yml", book / "_config.yml")
        (book / "_toc.yml").write_text(
            "format: jb-book\nroot: book/intro\nchapters:\n"
            "  - file: book/notation\n  - file: book/bibliography\n"
            f"  - file: {page_name.rsplit('.', 1)[0]}\n",
            encoding="utf-8",
        )
        # The intro links to the API page; keep that link valid in the copy.
        shutil.copy(repo / "book" / "api.md", book / "book" / "api.md")
        toc = (book / "_toc.yml").read_text() + "  - file: book/api\n"
        (book / "_toc.yml").write_text(toc)
        (book / page_name).write_text(content, encoding="utf-8")
        return book

    return make


def test_broken_links_are_all_reported_and_fail_the_build(throwaway_book):
    # Two planted errors in one build: --keep-going must report both (a broken
    # cross-reference and a broken citation), and the build must fail.
    book = throwaway_book(
        "extra.md",
        "# Extra\n\nSee {ref}`a-label-that-does-not-exist`.\n\n"
        "As shown by {cite}`nobody2099imaginary`.\n",
    )
    result = run_build(book)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-4000:]
    for planted in ("a-label-that-does-not-exist", "nobody2099imaginary"):
        assert planted in output, f"the build did not report {planted!r}:\n{output[-4000:]}"


def test_failing_notebook_cell_fails_the_build(throwaway_book, write_notebook):
    # A cell that raises stops the build while pages are read (MyST-NB's raise_on_error),
    # before cross-references are resolved, so it needs a build of its own.
    book = throwaway_book("extra.md", "# Extra\n")
    write_notebook(book / "extra.ipynb", "raise ValueError('this cell is broken on purpose')")
    (book / "extra.md").unlink()
    result = run_build(book)
    assert result.returncode != 0
    assert "this cell is broken on purpose" in result.stdout + result.stderr
