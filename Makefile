# Glimpse: `make test` from a fresh clone creates the virtual environment, builds what the
# tests run (the runner function's artifact and the local Lambda runtime) and runs pytest.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Lambda's python3.12 runtime is what the runner runs on; the local execution environment binds
# this same interpreter at /var/lang, so the whole project uses it.
PYTHON312 ?= $(shell for p in $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12 /root/.pyenv/versions/3.12*/bin/python3.12) /usr/local/bin/python3.12 /usr/bin/python3.12 python3.12; do \
	"$$p" -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null && { echo "$$p"; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
BUILD := build
RUNNER_ARTIFACT := $(BUILD)/functions/RunnerPythonFunction
LAMBDA_RUNTIME := $(BUILD)/lambda-runtime

.PHONY: help test venv build clean

help:
	@echo "make test    create .venv, build the runner and the local Lambda runtime, run the tests"
	@echo "make build   build the runner function artifact and the local Lambda runtime only"
	@echo "make clean   remove .venv and build/"

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON312)" || { echo "Python 3.12 (Lambda's python3.12 runtime) was not found: set PYTHON312=/path/to/python3.12"; exit 1; }
	$(PYTHON312) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

build: $(RUNNER_ARTIFACT)/.built $(LAMBDA_RUNTIME)/.built

# The same target `sam build` runs (BuildMethod: makefile), into build/ instead of .aws-sam/.
$(RUNNER_ARTIFACT)/.built: $(VENV)/.installed functions/runner/Makefile functions/runner/requirements.txt functions/runner/app.py $(shell find src/glimpse -name '*.py' -o -name '*.toml')
	rm -rf $(RUNNER_ARTIFACT) && mkdir -p $(RUNNER_ARTIFACT)
	PATH=$(abspath $(VENV))/bin:$$PATH $(MAKE) --no-print-directory -f functions/runner/Makefile build-RunnerPythonFunction ARTIFACTS_DIR=$(abspath $(RUNNER_ARTIFACT))
	touch $@

# What Lambda's python3.12 image holds at /var/runtime: the runtime interface client.
$(LAMBDA_RUNTIME)/.built: $(VENV)/.installed
	rm -rf $(LAMBDA_RUNTIME)
	$(PY) -m pip install --quiet --target $(LAMBDA_RUNTIME) --platform manylinux2014_x86_64 --python-version 3.12 --only-binary=:all: awslambdaric==4.2.2
	touch $@

test: venv build
	$(VENV)/bin/ruff check src functions tests bench
	$(VENV)/bin/pytest

clean:
	rm -rf $(VENV) $(BUILD)
