# The README's two commands. Each sets up what it needs on a fresh machine.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SLM_HOME ?= $(abspath .slm)

.PHONY: setup demo test mutants report-tools spark-tools dagster clean

# Re-installs when the dependency pins change. constraints.txt holds the exact versions CI ran.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	$(BIN)/python -c "from pipelines.warehouse.project import prepare_manifest; prepare_manifest()"
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	SLM_HOME=$(SLM_HOME) $(BIN)/slm demo

# pytest exits 5 when it collected no test; make treats that as the failure it is.
test: setup report-tools spark-tools
	$(BIN)/python -m pytest

# Mutation testing of the SQL and the Python that decide money, alerts, gaps and verification (not
# part of `make test`, about an hour; see docs/testing.md). A warehouse is built once by a small
# pipeline test, then each planted SQL bug runs against the dbt unit tests (MUTANT_FILES may name
# other files under dbt_project/), and each planted Python bug against its area's fast tests.
MUTANTS_HOME := $(abspath .mutants)
MUTANT_FILES ?= macros/credits.sql models/marts/finance/fct_sla_compliance.sql \
	models/intermediate/finance/int_contract_periods_counted.sql \
	models/intermediate/finance/int_contract_minutes_honoured.sql models/marts/finance/fct_vendor_claims.sql \
	models/marts/reviews/fct_slo_reviews.sql models/marts/alerting/fct_burn_rate.sql \
	models/marts/alerting/fct_exhaustion_alerts.sql models/intermediate/alerting/int_burn_alerts_configured.sql \
	macros/alerting.sql models/intermediate/quality/int_source_minutes_classified.sql \
	models/intermediate/quality/int_source_minutes_expected.sql models/intermediate/quality/int_service_coverage_daily.sql \
	macros/windows.sql macros/time.sql models/intermediate/slo/int_slo_windows.sql \
	models/intermediate/slo/int_slo_days_aggregated.sql models/intermediate/slo/int_slo_slices_aggregated.sql \
	models/marts/slo/fct_sli_by_version.sql models/intermediate/sources/int_service_customers_daily.sql \
	models/intermediate/slo/int_slo_groups.sql
# the Python rule modules' areas (tools/py_mutants.py; empty: every area)
PY_MUTANT_AREAS ?=
mutants: setup
	test -f $(MUTANTS_HOME)/home/warehouse.duckdb || { rm -rf $(MUTANTS_HOME) && mkdir -p $(MUTANTS_HOME) && \
	  $(BIN)/python -m pytest -q -n 0 -p no:cacheprovider --basetemp=$(MUTANTS_HOME)/run tests/warehouse/test_customer_slas.py && \
	  cp -r $(MUTANTS_HOME)/run/customers0/home $(MUTANTS_HOME)/home; }
	$(BIN)/python tools/sql_mutants.py --home $(MUTANTS_HOME)/home $(MUTANT_FILES)
	$(BIN)/python tools/py_mutants.py $(PY_MUTANT_AREAS)

# The report tests look at the PDF and the HTML as a person would: pdftoppm (poppler-utils) and
# headless Chromium. Installed from Debian's packages where we may (root with apt-get); elsewhere
# those two tests are skipped and say why.
report-tools:
	@command -v pdftoppm >/dev/null && command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing poppler-utils and chromium for the report tests"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends poppler-utils chromium >/dev/null 2>&1 || \
	    { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends poppler-utils chromium >/dev/null 2>&1; } || \
	    echo "note: could not install poppler-utils/chromium; their report tests will be skipped"; \
	  else echo "note: pdftoppm/chromium missing and not root: their report tests will be skipped"; fi; }

# The Spark parity test (SLM_ENGINE=spark) runs pyspark, which needs Java 17: Debian's
# openjdk-17-jre-headless where we may; elsewhere that test is skipped and says why.
spark-tools:
	@command -v java >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing openjdk-17-jre-headless for the Spark parity test"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends openjdk-17-jre-headless >/dev/null 2>&1 || \
	    { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends openjdk-17-jre-headless >/dev/null 2>&1; } || \
	    echo "note: could not install openjdk-17-jre-headless; the Spark parity test will be skipped"; \
	  else echo "note: java missing and not root: the Spark parity test will be skipped"; fi; }

# The Dagster UI on 127.0.0.1:3000, over the same home as `make demo`.
dagster: setup
	mkdir -p $(SLM_HOME)/dagster
	test -f $(SLM_HOME)/dagster/dagster.yaml || cp infra/dagster.yaml $(SLM_HOME)/dagster/dagster.yaml
	PATH=$(abspath $(BIN)):$$PATH SLM_HOME=$(SLM_HOME) DAGSTER_HOME=$(SLM_HOME)/dagster \
	  env $$($(BIN)/python -c 'from pipelines.settings import DAGSTER_RANGE_EVENTS as e; print(*(f"{k}={v}" for k, v in e.items()))') \
	  $(BIN)/dagster dev -h 127.0.0.1 -p 3000

clean:
	rm -rf $(VENV) .slm dbt_project/target dbt_project/logs .pytest_cache
