# duckshred — everything goes through a local virtual environment (.venv).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
WORKSPACE ?= .duckshred
DEMO_BUCKET := $(WORKSPACE)/demo-bucket

.DEFAULT_GOAL := help
REFERENCE ?= ../shared/strm-reference
REFERENCE_BUCKET := $(WORKSPACE)/reference-bucket

.PHONY: help setup compile demo reference-tour dbt-build dbt-build-spark test test-crash test-fast lint bench bench-udf bench-spark bench-full clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

$(BIN)/duckshred: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,spark]'
	$(MAKE) --no-print-directory compile
	@touch $@

setup: $(BIN)/duckshred ## Create .venv and install duckshred with its test tools

# pip compiles a wheel's modules when it installs them, but not an editable install's
# sources, and with PYTHONDONTWRITEBYTECODE set Python never caches them: every command
# would compile duckshred's own modules again (~0.1 s). Stale files are recompiled.
PACKAGE_DIRS := duckshred crypto javatime udf service cli
compile: ## Byte-compile duckshred's own modules (as a wheel install has them)
	$(BIN)/python -m compileall -q $(PACKAGE_DIRS)

demo: setup ## Run the bundled sample batch job through the CLI (outputs in .duckshred/demo-bucket/output)
	mkdir -p $(DEMO_BUCKET)
	cp seeds/sample/uci_online_retail_sample.csv $(DEMO_BUCKET)/
	$(BIN)/duckshred --workspace $(WORKSPACE) create data-connector sample --path $(DEMO_BUCKET)
	$(BIN)/duckshred --workspace $(WORKSPACE) create data-contract duckshred/online-retail-sample/1.0.0 \
		-F seeds/sample/online-retail-sample.contract.yml
	$(BIN)/duckshred --workspace $(WORKSPACE) create batch-job -F seeds/sample/batch-job-config.json
	$(BIN)/duckshred --workspace $(WORKSPACE) list data-subjects --page-size 5
	ls -l $(DEMO_BUCKET)/output

reference-tour: setup ## The README's STRM files tour: the reference job (../shared/strm-reference)
	mkdir -p $(REFERENCE_BUCKET)
	cp $(REFERENCE)/uci_online_retail.csv $(REFERENCE_BUCKET)/
	$(BIN)/duckshred --workspace $(WORKSPACE) create data-connector s3-batch-demo --path $(REFERENCE_BUCKET)
	$(BIN)/duckshred --workspace $(WORKSPACE) create data-contract strmprivacy/online-retail/1.0.0 \
		-F $(REFERENCE)/online-retail-contract.json --schema $(REFERENCE)/online-retail.json
	$(BIN)/duckshred --workspace $(WORKSPACE) create batch-job -F $(REFERENCE)/batch-job-config.json
	$(BIN)/duckshred --workspace $(WORKSPACE) list data-subject-keylinks 12347 12348
	ls -l $(REFERENCE_BUCKET)/uci_online_retail

dbt-build: setup ## Plain `dbt build` of the bundled sample (warehouse tables only)
	DUCKSHRED_HOME=$(WORKSPACE) $(BIN)/dbt build --project-dir . --profiles-dir .

dbt-build-spark: setup ## The same plain dbt build on local Spark (dbt-spark session method)
	DUCKSHRED_HOME=$(WORKSPACE) $(BIN)/python -m duckshred.service.spark_runner

test: setup ## Run the test suite (unit, dbt, CLI, reference compatibility, S3)
	$(BIN)/pytest -q

test-crash: setup ## The crash tier: kill -9 a job and a shred at each phase (~5 min)
	$(BIN)/pytest -q -m crash tests/crash

LAYOUT := build/installed-layout
lint: setup ## ruff, mypy and the import-direction contracts (import-linter)
	$(BIN)/ruff check .
	@# mypy and import-linter read the code from disk and cannot follow the editable
	@# install's folder mapping: give them the tree as installed (links to the folders).
	$(BIN)/python -m tests.installed_layout $(LAYOUT)
	MYPYPATH=$(LAYOUT) $(BIN)/mypy --config-file pyproject.toml -p duckshred
	cd $(LAYOUT) && PYTHONPATH=. $(CURDIR)/$(BIN)/lint-imports --no-cache $(CURDIR)/pyproject.toml

bench-udf: setup ## Benchmark tink_encrypt in SQL against a bare Python loop
	$(BIN)/python bench/bench_udf.py

bench: setup compile ## Full-size benchmark: 541,909 generated rows through the CLI
	$(BIN)/python bench/bench_job.py --rows 541909

bench-spark: setup compile ## The 541,909-row job on the DuckDB engine and on local Spark, in one run
	$(BIN)/python bench/bench_spark.py --rows 541909

bench-full: setup compile ## Also the 10,000,000-row run (several minutes, a few GB of disk)
	$(BIN)/python bench/bench_job.py --rows 541909 --rows 10000000

clean: ## Remove the workspace, dbt target and caches (keeps .venv)
	rm -rf $(WORKSPACE) target logs .pytest_cache .ruff_cache .mypy_cache
