# ReviewBoard: `make run` sets everything up and serves the demo; `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RB := $(BIN)/reviewboard
HOST ?= 127.0.0.1
PORT ?= 5000
STAMP := $(VENV)/.installed
# Test workers (pytest-xdist); TEST_WORKERS=0 runs in one process. Grouped tests share a worker (tests/conftest.py).
TEST_WORKERS ?= 2
XDIST := -n $(TEST_WORKERS) --dist loadgroup

.PHONY: translations run setup install system-deps system-deps-serve db keys demo serve test test-slow test-all test-sqlite lint bench clean

run: system-deps-serve setup demo serve

setup: install db keys

$(STAMP): pyproject.toml
	@echo "==> Creating virtual environment in $(VENV) and installing ReviewBoard"
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install --quiet --upgrade pip
	@$(BIN)/pip install --quiet -e '.[test]'
	@touch $(STAMP)

# Compiled message catalogs (.mo) are built here from the .po files in git, never committed
MO_FILES := $(patsubst %.po,%.mo,$(wildcard reviewboard/translations/*/LC_MESSAGES/messages.po))

install: $(STAMP) $(MO_FILES)

%/LC_MESSAGES/messages.mo: %/LC_MESSAGES/messages.po $(STAMP)
	@$(BIN)/pybabel -q compile --statistics -i $< -o $@

# After marking or changing text: extract every message (babel.cfg), merge into each language's catalog, compile.
# Translate the new entries (msgstr) in reviewboard/translations/<locale>/LC_MESSAGES/messages.po and run it again;
# tests/unit/test_translations.py fails while an extracted message has no translation.
# the gettext functions' names beyond Babel's defaults (_, gettext, ngettext): lazy ones for form classes
BABEL_KEYWORDS := -k lazy_gettext -k _l -k lazy_ngettext:1,2 -k N_
translations: install
	@$(BIN)/pybabel -q extract -F babel.cfg $(BABEL_KEYWORDS) --no-location --sort-output --project ReviewBoard \
		-o reviewboard/translations/messages.pot . templates/_macros
	@$(BIN)/pybabel -q update -i reviewboard/translations/messages.pot -d reviewboard/translations --no-fuzzy-matching \
		--ignore-obsolete
	@$(BIN)/pybabel -q compile -d reviewboard/translations

# Debian packages, installed when missing (root or password-less sudo; otherwise the apt-get line to run
# is printed and make stops). Serving needs Pango and fonts for WeasyPrint; the tests also need
# poppler-utils and qpdf for the PDF checks, Chromium for the browser tests and Redis.
system-deps:
	@PYTHON=$(PYTHON) bash .ci/system-deps test

system-deps-serve:
	@PYTHON=$(PYTHON) bash .ci/system-deps serve

db: install
	@echo "==> Migrating the database"
	@$(RB) db upgrade

keys: install
	@echo "==> Signing key"
	@$(RB) keys init

demo: db keys
	@echo "==> Loading demo data"
	@$(RB) demo

# gunicorn (`reviewboard serve`); WORKERS and THREADS override REVIEWBOARD_SERVE_WORKERS/_THREADS (README, Serving)
serve: system-deps-serve
	@echo "==> Serving ReviewBoard on http://$(HOST):$(PORT) with gunicorn (Ctrl-C to stop)"
	@$(RB) serve --host $(HOST) --port $(PORT) $(if $(WORKERS),--workers $(WORKERS)) $(if $(THREADS),--threads $(THREADS))

# Everything but the long soaks (`-m slow`: concurrency, crash, scale-out, the long schemathesis run); under ten minutes on
# a clean clone of a 2-core machine. CI (`.ci/run`) runs `make test` and then `make test-slow`.
test: system-deps install
	@$(BIN)/python -m pytest $(XDIST) -m "not slow" --durations=10 $(PYTEST_ARGS)

# The long soaks alone (200 concurrent rounds per engine, SIGKILL recovery, two servers and two workers, the
# API fuzzing); the ten slowest are listed at the end with their figures.
test-slow: system-deps install
	@$(BIN)/python -m pytest $(XDIST) -m slow --durations=10 $(PYTEST_ARGS)

# Both in one run.
test-all: system-deps install
	@$(BIN)/python -m pytest $(XDIST) --durations=10 $(PYTEST_ARGS)

test-sqlite: system-deps install
	@REVIEWBOARD_TEST_SQLITE_ONLY=1 $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	@$(BIN)/ruff check reviewboard tests

# BENCH_SIZES: the numbers of projects bench/http.py seeds and serves (1,000,000 takes about half an hour)
BENCH_SIZES ?= 1000,100000,1000000

bench: install
	@$(BIN)/python bench/run.py
	@$(BIN)/python bench/render_sign.py
	@$(BIN)/python bench/deciding_post.py
	@$(BIN)/python bench/list_scale.py
	@$(BIN)/python bench/metrics_scale.py --sizes 1000,1000000
	@$(BIN)/python bench/http.py --sizes $(BENCH_SIZES) --rounds 3 --seconds 5

clean:
	rm -rf $(VENV) .pytest_cache tests/artifacts

# Offline security gates: bandit + the repository's semgrep rules (tools in .venv-security). CI runs this.
.PHONY: security dast
security:
	@bash security/run-gates.sh

# Dynamic scan (wapiti + sqlmap) of a throw-away demo instance on 127.0.0.1:5055, about 10 minutes; not on every CI run.
dast: install
	@bash security/dast.sh
