#!/usr/bin/env bash
# Create the virtual environment and install softmax_lib with everything the book and
# the tests need, pinned by requirements/lock-pyX.Y.txt. Called by the Makefile.
set -euo pipefail
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}

fail() { printf 'error: %s\n' "$*" >&2; exit 1; }

command -v "$PYTHON" >/dev/null 2>&1 ||
  fail "'$PYTHON' was not found. Install Python 3.10 or newer, or name one: make book PYTHON=/path/to/python3.11"
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' ||
  fail "The Softmax Book needs Python 3.10 or newer; '$PYTHON' is $("$PYTHON" --version 2>&1). Name a newer one: make book PYTHON=python3.11"
"$PYTHON" -c 'import venv, ensurepip' 2>/dev/null ||
  fail "'$PYTHON' cannot create virtual environments (on Debian/Ubuntu: apt-get install python3-venv)."

if [ ! -x "$VENV/bin/python" ]; then
  echo "Creating the virtual environment $VENV with $("$PYTHON" --version 2>&1)"
  "$PYTHON" -m venv "$VENV"
fi

ver=$("$VENV/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
lock="requirements/lock-py$ver.txt"
# An empty array under `set -u` is an error in bash before 4.4 (macOS ships 3.2), hence
# the ${constraint[@]+...} form below.
constraint=()
if [ -f "$lock" ]; then
  constraint=(--constraint "$lock")
  echo "Installing softmax_lib and the book and test dependencies into $VENV (pinned by $lock)"
else
  echo "warning: no lock file for Python $ver ($lock); installing the newest compatible versions." >&2
  echo "         Run 'make lock' to pin them." >&2
fi

if ! "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    ${constraint[@]+"${constraint[@]}"} --editable ".[dev]"; then
  fail "pip could not install the dependencies (its message is above). It needs the
       package index (PyPI) or a local copy: with no network, fill a folder once
       with 'pip download -d WHEELS -r $lock' on a connected machine and run
       'PIP_NO_INDEX=1 PIP_FIND_LINKS=WHEELS make book'."
fi
echo "Environment ready: $VENV"
