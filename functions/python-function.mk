# The build of a Python function of ours, shared by functions/*/Makefile (BuildMethod: makefile).
# `sam build` copies a function's folder to a scratch directory and runs
# `make -f <folder>/Makefile build-<LogicalId> ARTIFACTS_DIR=...`: the including Makefile sets HERE
# from its own path, and the repository is found from it, so the shared package can be copied in.
ROOT := $(abspath $(HERE)../..)
PYTHON ?= python3

# The function's requirements for Lambda's python3.12 on x86_64, the modules of the shared package
# the handlers import (bundle.py), the handlers.
# /var/task is read-only: without bytecode in the artifact every cold start compiles every module
# again. Unchecked hashes: the artifact never changes once built. Only a 3.12 interpreter writes
# bytecode the runtime uses; another one's is ignored, harmlessly.
define build-python-function
	$(PYTHON) -m pip install --quiet --no-compile --target $(ARTIFACTS_DIR) \
		--platform manylinux2014_x86_64 --platform manylinux_2_28_x86_64 --implementation cp --python-version 3.12 --only-binary=:all: \
		-r $(HERE)requirements.txt
	$(PYTHON) $(ROOT)/functions/bundle.py $(ARTIFACTS_DIR) $(HERE)*.py $(ENTRY_MODULES)
	cp $(HERE)*.py $(ARTIFACTS_DIR)/
	$(PYTHON) -m compileall -q -j 0 --invalidation-mode unchecked-hash $(ARTIFACTS_DIR) > /dev/null
endef
