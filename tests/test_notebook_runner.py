"""The notebook tests really execute notebooks: a failing cell fails the run."""

from __future__ import annotations

import subprocess
import sys


def run_nbmake(path):
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbmake",
            "-p",
            "no:cacheprovider",
            "-q",
            "--rootdir",
            str(path.parent),
            str(path),
        ],
        capture_output=True,
        text=True,
        cwd=path.parent,
    )


def test_nbmake_passes_a_good_notebook(tmp_path, write_notebook):
    nb = write_notebook(tmp_path / "good.ipynb", "import softmax_lib\nx = 1 + 1", "assert x == 2")
    result = run_nbmake(nb)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_nbmake_fails_when_a_cell_raises(tmp_path, write_notebook):
    nb = write_notebook(tmp_path / "bad.ipynb", "x = 1", "assert x == 2, 'one is not two'")
    result = run_nbmake(nb)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "one is not two" in result.stdout
