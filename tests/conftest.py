"""Shared fixtures: where the repository is, notebooks written on the fly, the built book.

Also the test lanes' plumbing: under ``make test`` (pytest-xdist), every test that needs
the built book runs in one worker, so the book is built once while the other workers
run the rest; and hypothesis is replayable (see ``HYPOTHESIS_PROFILE`` below).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import nbformat
import pytest
from hypothesis import settings

from build_book import build_command  # tools/ is on pytest's pythonpath
from fetch_vendor import ensure_mathjax

# Hypothesis: every failure prints the blob that replays it (@reproduce_failure), and
# under CI the examples are derandomised, so a red run is the same red run again.
settings.register_profile("dev", print_blob=True)
settings.register_profile("ci", print_blob=True, derandomize=True, deadline=None)
_CI = os.environ.get("CI", "").lower() in ("1", "true")
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if _CI else "dev"))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Mark what needs the book or a browser as ``build``; give it one xdist group.

    A test that uses the ``built_book`` or ``browser`` fixture is a full-lane test even
    if its module forgot the marker, so the fast lane never builds or starts Chromium.
    The group puts all of them in one pytest-xdist worker: one build per run.
    """
    for item in items:
        needs = {"built_book", "browser"} & set(getattr(item, "fixturenames", ()))
        if needs and item.get_closest_marker("build") is None:
            item.add_marker(pytest.mark.build)
        if item.get_closest_marker("build") is not None:
            item.add_marker(pytest.mark.xdist_group("book"))


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
