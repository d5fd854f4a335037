"""Shared fixtures: where the repository is, and notebooks written on the fly."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

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
