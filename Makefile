# Two commands do all the set-up on a fresh machine:
#   make demo   — install pinned dependencies into .venv, materialise the demo datasets through Dagster
#                 on the `local` profile (Parquet under data/), recording the run in .dagster_home/local/
#   make test   — install pinned dependencies into .venv, run the whole test suite
# `make demo PROFILE=ci` / `make ui PROFILE=ci` use another profile, with a Dagster instance of its own
# (.dagster_home/<profile>/), so the runs and materialisations of two profiles never mix.
PYTHON  ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
PROFILE ?= $(or $(MOCK_PIPELINES_PROFILE),local)
PORT    ?= 3000
export DAGSTER_HOME := $(CURDIR)/.dagster_home/$(basename $(notdir $(PROFILE)))

.PHONY: demo ui test lint bench install lock clean

# Bytecode is compiled once here, for the dependencies and for the project's own modules: without it every
# process recompiles ~600 modules (~1.6 s of CPU), since uv does not compile by default and environments that
# set PYTHONDONTWRITEBYTECODE never write the .pyc files themselves. A stale .pyc never matters: each one
# records its source's modification time and size, and Python ignores it (compiling in memory) once the
# source has changed; `make install` after a pull refreshes them.
$(STAMP): requirements.lock pyproject.toml mock_pipelines/core/_kernels.c mock_pipelines/quality/_hashing.c mock_pipelines/quality/_dfa.c
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==0.13.8
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	$(BIN)/python -m compileall -q -j 0 mock_pipelines
	touch $(STAMP)

install: $(STAMP)

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp dagster.yaml $(DAGSTER_HOME)/dagster.yaml

demo: $(STAMP) $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/mock-pipelines run --profile $(PROFILE) --job all_datasets

# The Dagster UI on http://127.0.0.1:$(PORT) over the profile's instance (runs, materialisations, metadata).
ui: $(STAMP) $(DAGSTER_HOME)/dagster.yaml
	MOCK_PIPELINES_PROFILE=$(PROFILE) $(BIN)/dagster dev -h 127.0.0.1 -p $(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check mock_pipelines mock_pipelines_tests bench
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python bench/bench_generation.py

# Re-resolve the pinned set after changing pyproject.toml dependencies.
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 \
		--python-platform x86_64-manylinux_2_28 -o requirements.lock

clean:
	rm -rf $(VENV) data .ci-data .dagster_home .pytest_cache mock_pipelines/core/_kernels.*.so mock_pipelines/quality/_hashing.*.so mock_pipelines/quality/_dfa.*.so
