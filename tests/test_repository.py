"""Repository hygiene: notebooks without outputs, lint, and the two README commands."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

RUFF = Path(sys.executable).parent / "ruff"


def notebooks_with_outputs(paths) -> list[str]:
    """Return the notebooks among ``paths`` that carry outputs or execution counts."""
    dirty = []
    for path in paths:
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
        for cell in nb.get("cells", []):
            if cell.get("cell_type") == "code" and (
                cell.get("outputs") or cell.get("execution_count") is not None
            ):
                dirty.append(str(path))
                break
    return dirty


def test_committed_notebooks_have_no_outputs(repo):
    notebooks = sorted((repo / "notebooks").glob("*.ipynb"))
    dirty = notebooks_with_outputs(notebooks)
    assert not dirty, (
        f"notebooks must be committed without outputs; strip them with "
        f"'jupyter nbconvert --clear-output --inplace {' '.join(dirty)}'"
    )


def test_output_check_catches_a_notebook_with_outputs(tmp_path, write_notebook):
    clean = write_notebook(tmp_path / "clean.ipynb", "1 + 1")
    dirty = write_notebook(tmp_path / "dirty.ipynb", "1 + 1")
    nb = json.loads(dirty.read_text())
    nb["cells"][1]["outputs"] = [
        {
            "output_type": "execute_result",
            "data": {"text/plain": "2"},
            "metadata": {},
            "execution_count": 1,
        }
    ]
    nb["cells"][1]["execution_count"] = 1
    dirty.write_text(json.dumps(nb))
    assert notebooks_with_outputs([clean, dirty]) == [str(dirty)]


def test_ruff_lint_is_clean(repo):
    result = subprocess.run(
        [str(RUFF), "check", "--no-cache", "."], cwd=repo, capture_output=True, text=True
    )
    assert result.returncode == 0, "ruff check found problems:\n" + result.stdout


def test_ruff_format_is_clean(repo):
    result = subprocess.run(
        [str(RUFF), "format", "--check", "--no-cache", "."],
        cwd=repo,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, "files need formatting (run 'make format'):\n" + result.stdout


def test_readme_commands_are_the_makefile_targets(repo):
    readme = (repo / "README.md").read_text(encoding="utf-8")
    makefile = (repo / "Makefile").read_text(encoding="utf-8")
    for target in ("book", "test"):
        assert f"make {target}" in readme, f"README must show 'make {target}'"
        assert re.search(rf"^{target}:", makefile, re.MULTILINE), f"no '{target}' target"


def test_ci_runs_the_readme_test_command(repo):
    ci = (repo / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^\s*make test\b", ci, re.MULTILINE), ".ci/run must call 'make test'"


@pytest.mark.parametrize("pattern", ["_build/", ".venv/", "data/"])
def test_gitignore_covers_outputs_and_data(repo, pattern):
    lines = (repo / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert pattern in lines


def test_license_file_matches_the_package_metadata(repo):
    pyproject = (repo / "pyproject.toml").read_text(encoding="utf-8")  # no tomllib on 3.10
    assert '\nlicense = "MIT"\n' in pyproject
    assert 'license-files = ["LICENSE"]' in pyproject
    # hatchling accepts license-files as a list (PEP 639) from 1.27 on.
    assert 'requires = ["hatchling>=1.27"]' in pyproject
    assert (repo / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
