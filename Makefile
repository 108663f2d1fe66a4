# Chợ OCOP — `make run` starts everything on SQLite with an embedded broker; `make test` runs the whole suite;
# `make lint` checks style and the import contracts (layers, no cycles) in pyproject.toml.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
INSTALLED      := $(VENV)/.installed
TEST_INSTALLED := $(VENV)/.installed-test
CHROMIUM       := /usr/bin/chromium
AXE_VERSION    := 4.14.1
AXE            := tests/browser/vendor/node_modules/axe-core/axe.min.js

.PHONY: run install migrate test test-deps test-unit test-integration test-browser lint bench translations messages clean worker screens lighthouse

$(INSTALLED): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	@touch $@

install: $(INSTALLED) translations

translations: $(INSTALLED)
	@$(BIN)/pybabel compile -d translations -f 2>/dev/null || $(BIN)/pybabel compile -d translations -f

messages: $(INSTALLED)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations

migrate: install
	$(BIN)/ocop migrate

run: migrate
	$(BIN)/ocop seed-demo --if-empty
	@PORT=$(PORT) bash scripts/run.sh

worker: install
	$(BIN)/celery -A marketplace.worker worker -B --loglevel=info

$(TEST_INSTALLED): $(INSTALLED) pyproject.toml
	$(BIN)/pip install -q -e '.[test]'
	@touch $@

$(CHROMIUM):
	@echo "Installing Debian's chromium for the browser tests…"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium libzbar0 >/dev/null

# axe-core for the page audit (tests/browser/test_every_page_audit.py), from npm into a git-ignored folder
$(AXE):
	npm install --prefix tests/browser/vendor --no-save --no-audit --no-fund axe-core@$(AXE_VERSION)

test-deps: $(TEST_INSTALLED) translations $(CHROMIUM) $(AXE)
	@PATH="$$PATH:/sbin:/usr/sbin" ldconfig -p | grep -q libzbar.so.0 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libzbar0 >/dev/null)

test: test-deps
	$(BIN)/python -m pytest -p no:cacheprovider $(PYTEST_ARGS)

test-unit: test-deps
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

test-integration: test-deps
	$(BIN)/python -m pytest tests/integration $(PYTEST_ARGS)

test-browser: test-deps
	$(BIN)/python -m pytest tests/browser $(PYTEST_ARGS)

# PNGs of each role's main screens at 360 px into docs/screens/ (README shows them)
screens: test-deps
	$(BIN)/python -m pytest -p no:cacheprovider tests/browser/take_screens.py -q

lint: $(TEST_INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check -q .
	$(BIN)/lint-imports

LIGHTHOUSE := node_modules/.bin/lighthouse

# Lighthouse pinned (the newest needs a newer Node), in the git-ignored node_modules/; runs against Debian's Chromium
$(LIGHTHOUSE):
	npm install --no-save --no-audit --no-fund --prefix . lighthouse@12.2.3

lighthouse: test-deps $(LIGHTHOUSE)
	$(BIN)/python -m tests.perf.run_all lighthouse

bench: test-deps $(LIGHTHOUSE)
	$(BIN)/python -m tests.perf.run_all

clean:
	rm -rf $(VENV) node_modules instance/ocop.sqlite* instance/broker instance/celery-results.sqlite
