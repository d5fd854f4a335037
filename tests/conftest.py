"""Shared fixtures: where the repository is, notebooks written on the fly, the built book.

Also the test lanes' plumbing. Under ``make test`` (pytest-xdist workers) the book is
built ONCE, in the background, from the start of the session (``SOFTMAX_BOOK_PREBUILD``):
the workers run everything else first, and the tests that need the built site come last
and wait for that one build. (pytest-xdist's ``--dist=loadgroup`` would be the usual
tool, but it does not group tests under pytest 9.2: pytest-dev/pytest-xdist#1386.)
Hypothesis is replayable (see ``HYPOTHESIS_PROFILE`` below).
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
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


@pytest.fixture(autouse=True)
def _close_pyplot_figures():
    """Close the figures a test opened through pyplot: the plotting functions leave them
    open for the notebook to show, and pyplot warns (an error here) past 20 open ones,
    which made a test fail or pass depending on what its worker had run before."""
    yield
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Mark what needs the book or a browser as ``build``, and run those tests last.

    A test that uses the ``built_book`` or ``browser`` fixture is a full-lane test even
    if its module forgot the marker, so the fast lane never builds or starts Chromium.
    Running them last lets the other tests use the CPUs while the book builds.
    """
    for item in items:
        needs = {"built_book", "browser"} & set(getattr(item, "fixturenames", ()))
        if needs and item.get_closest_marker("build") is None:
            item.add_marker(pytest.mark.build)
        if item.name in _NEEDS_MNIST_DOCTESTS:  # downloads MNIST on first use
            item.add_marker(pytest.mark.slow)
    items.sort(key=lambda item: item.get_closest_marker("build") is not None)


REPO = Path(__file__).resolve().parent.parent
# Doctests that load the real MNIST (a download on a fresh machine): full lane only, so
# the fast lane stays offline.
_NEEDS_MNIST_DOCTESTS = {"softmax_lib.datasets.load_mnist"}
_PREBUILD = "SOFTMAX_BOOK_PREBUILD"  # set (to 1) by `make test`
_PREBUILD_DIR = "SOFTMAX_BOOK_PREBUILD_DIR"  # where its log and exit status go
_BUILD_KEY = pytest.StashKey[subprocess.Popen]()


def pytest_sessionstart(session):
    """Under ``make test``, start the one book build in the background, in the main process.

    It starts before pytest-xdist starts its workers (they inherit the environment and
    find the build's folder in ``SOFTMAX_BOOK_PREBUILD_DIR``).
    """
    config = session.config
    if hasattr(config, "workerinput") or os.environ.get(_PREBUILD) != "1":
        return
    if _PREBUILD_DIR in os.environ:  # already started (a nested pytest run)
        return
    ensure_mathjax()
    folder = Path(tempfile.mkdtemp(prefix="softmax-book-build-"))
    command = shlex.join(build_command(REPO))
    script = f"{command} > {folder / 'log'} 2>&1; echo $? > {folder / 'status.tmp'}; "
    script += f"mv {folder / 'status.tmp'} {folder / 'status'}"
    build = subprocess.Popen(["bash", "-c", script], cwd=REPO, start_new_session=True)
    config.stash[_BUILD_KEY] = build
    os.environ[_PREBUILD_DIR] = str(folder)


def pytest_sessionfinish(session):
    """Stop the background build if no test waited for it (e.g. ``-k`` chose none)."""
    build = session.config.stash.get(_BUILD_KEY, None)
    if build is not None and build.poll() is None:
        os.killpg(build.pid, signal.SIGTERM)
        build.wait()


def _wait_for_the_background_build(folder: Path, timeout: float = 3600) -> tuple[int, str]:
    status = folder / "status"
    deadline = time.monotonic() + timeout
    while not status.exists():
        if time.monotonic() > deadline:
            pytest.fail(f"the background book build did not finish in {timeout:.0f} s")
        time.sleep(2)
    log = (folder / "log").read_text(encoding="utf-8", errors="replace")
    return int(status.read_text().strip() or 1), log


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
    """The real book, built once per test session (``make book``'s command): _build/html.

    Under ``make test`` the build was started in the background at the start of the
    session (see ``pytest_sessionstart``) and this waits for it; otherwise it builds
    here. MathJax is fetched from npm first if it is not cached yet
    (tools/fetch_vendor.py), as ``make book`` does, so the site works offline.
    """
    if _PREBUILD_DIR in os.environ:
        returncode, output = _wait_for_the_background_build(Path(os.environ[_PREBUILD_DIR]))
    else:
        ensure_mathjax()
        result = subprocess.run(build_command(repo), capture_output=True, text=True)
        returncode, output = result.returncode, result.stdout + result.stderr
    assert returncode == 0, "the book build failed (warnings are errors):\n" + output[-12000:]
    return repo / "_build" / "html"
