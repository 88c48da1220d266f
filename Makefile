# The README's two commands. Each sets up what it needs on a fresh machine.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SLM_HOME ?= $(abspath .slm)

.PHONY: setup demo test dagster clean

# Re-installs when the dependency pins change. constraints.txt holds the exact versions CI ran.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	$(BIN)/python -c "from pipelines.dbt_manifest import prepare_manifest; prepare_manifest()"
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	SLM_HOME=$(SLM_HOME) $(BIN)/slm demo

# pytest exits 5 when it collected no test; make treats that as the failure it is.
test: setup
	$(BIN)/python -m pytest

# The Dagster UI on 127.0.0.1:3000, over the same home as `make demo`.
dagster: setup
	mkdir -p $(SLM_HOME)/dagster
	test -f $(SLM_HOME)/dagster/dagster.yaml || cp infra/dagster.yaml $(SLM_HOME)/dagster/dagster.yaml
	PATH=$(abspath $(BIN)):$$PATH SLM_HOME=$(SLM_HOME) DAGSTER_HOME=$(SLM_HOME)/dagster $(BIN)/dagster dev -h 127.0.0.1 -p 3000

clean:
	rm -rf $(VENV) .slm dbt_project/target dbt_project/logs .pytest_cache
