"""The set-up step says clearly what is wrong when it cannot do its job."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def run_bootstrap(cwd: Path, python: str, **env) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHON": python, "VENV": str(cwd / "venv"), **env}
    return subprocess.run(
        ["bash", "tools/bootstrap.sh"], cwd=cwd, env=environment, capture_output=True, text=True
    )


@pytest.fixture
def project_copy(tmp_path, repo) -> Path:
    """The files the bootstrap step needs, in a throwaway folder."""
    copy = tmp_path / "project"
    copy.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(repo / name, copy / name)
    for folder in ("tools", "requirements", "softmax_lib"):
        shutil.copytree(repo / folder, copy / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_missing_python_is_named(project_copy):
    result = run_bootstrap(project_copy, "/nonexistent/python3")
    assert result.returncode != 0
    assert "'/nonexistent/python3' was not found" in result.stderr


def test_old_python_is_refused_with_the_fix(project_copy, tmp_path):
    fake = tmp_path / "python3.9"
    fake.write_text(
        '#!/bin/sh\nif [ "$1" = "--version" ]; then echo "Python 3.9.18"; exit 0; fi\nexit 1\n'
    )
    fake.chmod(0o755)
    result = run_bootstrap(project_copy, str(fake))
    assert result.returncode != 0
    assert "needs Python 3.10 or newer" in result.stderr
    assert "Python 3.9.18" in result.stderr
    assert "PYTHON=" in result.stderr


@pytest.mark.slow  # seconds: renders many frames or builds a virtualenv
def test_no_package_index_says_what_is_missing(project_copy, tmp_path):
    empty = tmp_path / "no-wheels"
    empty.mkdir()
    result = run_bootstrap(
        project_copy,
        sys.executable,
        PIP_CONFIG_FILE=os.devnull,  # ignore machine-wide pip configuration
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(empty),
    )
    assert result.returncode != 0
    assert "pip could not install the dependencies" in result.stderr
    assert "pip download" in result.stderr
