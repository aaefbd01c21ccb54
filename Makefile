# Quick start: `make demo`, then `make test`. Both set up everything they need on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PLUGINS := $(wildcard plugins/*/pyproject.toml)

.PHONY: setup system-deps catalogs demo lint test fuzz bench bench-county schemas templates docs i18n clean

$(STAMP): pyproject.toml docforge/render/_eexec.c $(PLUGINS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,web,cluster]' $(foreach p,$(dir $(PLUGINS)),-e $(p))
	@touch $@

system-deps:
	@bash tools/install-system-deps.sh

setup: $(STAMP) system-deps catalogs

# The .mo beside each .po, named by its hash (docforge/i18n.py loads it; without it, the .po is compiled in memory).
catalogs: $(STAMP)
	@$(BIN)/python tools/i18n.py --compile
	@git rev-parse --git-dir >/dev/null 2>&1 && \
	  git config merge.docforge-po.driver '$(abspath $(BIN))/python tools/pomerge.py %O %A %B' || true

demo: setup
	$(BIN)/docforge demo -o demo-out

lint: setup
	$(BIN)/ruff check docforge
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest -q

# The property-based tests of hostile input with many more (random) cases than `make test` runs.
FUZZ_EXAMPLES ?= 500
fuzz: setup
	DOCFORGE_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -q tests/test_fuzz_inputs.py tests/test_hardening.py

bench: setup
	$(BIN)/python bench/run.py

# A county's packets: 10 villages of 1,000 households, DOCX + PDF, --jobs 2 (not part of `make test`).
bench-county: setup
	$(BIN)/python bench/run.py --only county

schemas: $(STAMP)
	$(BIN)/docforge schema --write schemas

docs: $(STAMP)
	$(BIN)/python tools/plugin_docs.py

# Re-extract the user-facing messages and update docforge/locale/*/LC_MESSAGES/docforge.po.
i18n: $(STAMP)
	$(BIN)/python tools/i18n.py

templates: $(STAMP)
	$(BIN)/python tools/build_templates.py

clean:
	rm -rf $(VENV) demo-out .pytest_cache docforge/render/*.so build
