"""Shared fixtures: where the repository is, notebooks written on the fly, the built book."""

from __future__ import annotations

import subprocess
from pathlib import Path

import nbformat
import pytest

from build_book import build_command  # tools/ is on pytest's pythonpath
from fetch_vendor import ensure_mathjax

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo() -> Path:
    """The repository root (also the book root)."""
    return REPO


@pytest.fixture
def write_notebook():
    """Return a function that writes a notebook with the given code cells to a path."""

    def write(path: Path, *sources: str) -> Path:
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_markdown_cell("# A throwaway notebook")]
        nb.cells += [nbformat.v4.new_code_cell(src) for src in sources]
        nb.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        nbformat.write(nb, path)
        return path

    return write


@pytest.fixture(scope="session")
def built_book(repo):
    """Build the real book once per test session (``make book``'s command); return _build/html.

    MathJax is fetched from npm first if it is not cached yet (tools/fetch_vendor.py), as
    ``make book`` does, so the site is complete and works offline.
    """
    ensure_mathjax()
    result = subprocess.run(build_command(repo), capture_output=True, text=True)
    assert result.returncode == 0, (
        "the book build failed (warnings are errors):\n"
        + result.stdout[-6000:]
        + result.stderr[-6000:]
    )
    return repo / "_build" / "html"
