# The Softmax Book: every command a contributor needs.
#   make book   build the website into _build/html   (README command 1)
#   make test   run every test                        (README command 2)
#   make check  the fast lane: library tests only, offline, under a minute
# Both create .venv and install pinned dependencies into it the first time, and
# re-use it afterwards as long as pyproject.toml and the lock files are unchanged.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
PYTEST_ARGS ?=
# Test processes for `make test`, beside the one book build it starts in the background
# (tests/conftest.py); BLAS runs one thread per process, so they do not oversubscribe.
JOBS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); [ $$n -gt 4 ] && n=4; echo $$n)

.PHONY: help book test check lab pdf serve lint format lock clean distclean env data vendor

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

env: $(STAMP) ## Create .venv and install everything (done by the other targets)

$(STAMP): pyproject.toml $(wildcard requirements/lock-*.txt) tools/bootstrap.sh
	@PYTHON="$(PYTHON)" VENV="$(VENV)" bash tools/bootstrap.sh
	@touch $(STAMP)

data: $(STAMP) ## Download and verify MNIST into the cache (book and test do it)
	@$(BIN)/python -m softmax_lib.datasets

book: $(STAMP) data ## Build the website into _build/html (re-executes every notebook)
	@$(BIN)/python tools/build_book.py

vendor: $(STAMP) ## Fetch MathJax and axe-core from npm once (book and test do it themselves)
	@$(BIN)/python tools/fetch_vendor.py

test: $(STAMP) data ## Run every test (library, doctests, notebooks, lint, the book build, browser)
	@SOFTMAX_BOOK_PREBUILD=1 OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 \
	  $(BIN)/python -m pytest -m "" --nbmake --nbmake-timeout=600 \
	  --numprocesses=$(JOBS) $(PYTEST_ARGS)

check: $(STAMP) ## The fast lane: library unit, property and doctests (offline, no book build)
	@$(BIN)/python -m pytest $(PYTEST_ARGS)

lab: $(STAMP) ## Open the notebooks in JupyterLab
	@$(BIN)/jupyter lab $$([ "$$(id -u)" = 0 ] && echo --allow-root) notebooks/

pdf: $(STAMP) data ## The whole book as one PDF, printed from the site: _build/html/softmax-book.pdf
	@$(BIN)/python tools/build_pdf.py

serve: ## Serve the built site on http://127.0.0.1:$(PORT)
	@test -f _build/html/index.html || { echo "error: no built site in _build/html; run 'make book' first." >&2; exit 1; }
	@echo "Serving _build/html at http://127.0.0.1:$(PORT)/ (Ctrl-C to stop)"
	@$(PYTHON) -m http.server --bind 127.0.0.1 --directory _build/html $(PORT)

lint: $(STAMP) ## Check lint and formatting (also part of make test)
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .

format: $(STAMP) ## Fix lint and formatting where ruff can
	@$(BIN)/ruff check --fix .
	@$(BIN)/ruff format .

lock: $(STAMP) ## Re-pin the lock file for this Python from what .venv has installed
	@ver=$$($(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])'); \
	 { echo "# Pinned versions for Python $$ver, written by 'make lock'. Used as pip constraints."; \
	   $(BIN)/python -m pip freeze --exclude-editable | grep -v -i '^softmax-lib' ; } > requirements/lock-py$$ver.txt; \
	 echo "wrote requirements/lock-py$$ver.txt"

clean: ## Remove build output and caches (keeps .venv)
	rm -rf _build .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -not -path './$(VENV)/*' -prune -exec rm -rf {} +

distclean: clean ## Also remove .venv
	rm -rf $(VENV)
