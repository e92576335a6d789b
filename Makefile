# envcheck: everything a contributor or CI runs. `make help` lists the targets.
SHELL := /bin/bash
PY ?= .venv/bin/python
PIP := .venv/bin/pip
# System packages the tests need: the lab (debootstrap, systemd-nspawn, relays, apt proxy,
# libfaketime), the ssh client, a headless browser with a CJK font for the report test,
# shellcheck for `make lint`, and for the data tests PostgreSQL and the libraries of the MariaDB
# they unpack without installing it (tests/lab/dbservers.py: this machine's audit expects none).
APT_PACKAGES := debootstrap systemd-container socat apt-cacher-ng faketime openssh-client \
	iproute2 chromium fonts-wqy-zenhei shellcheck postgresql libaio1 liburing2
LAB_HOSTS ?= 3
LAB_GROUPS ?= web,app,db

.PHONY: help venv run awks test unit reliability lint docs apt bundle lab-up lab-down bench bench-inventory bench-data bench-serve bench-scale clean

help:
	@echo "make run       create .venv, install, audit this machine (envcheck check)"
	@echo "make test      install everything the tests need (apt included) and run the suite"
	@echo "make unit      unit tests only (no lab)"
	@echo "make reliability  faults, interrupts, bad input, injection, secrets (tests/reliability, lab)"
	@echo "make lint      ruff, mypy, yamllint, ansible-lint, shellcheck"
	@echo "make docs      write docs/checks.md from the check registry"
	@echo "make bundle    the offline bundle dist/envcheck-bundle.tar (docs/offline.md)"
	@echo "make lab-up    start the lab (LAB_HOSTS=$(LAB_HOSTS) LAB_GROUPS=$(LAB_GROUPS))"
	@echo "make lab-down  stop the lab and remove every trace of it"
	@echo "make bench     envcheck vs ansible-playbook, testinfra and the SSH floor on its own lab"
	@echo "               (BENCH_ARGS='--hosts 1,5 --runs 5'; results in bench/results/)"
	@echo "make bench-inventory  envcheck inventory show on a generated 10,000-host inventory"
	@echo "make bench-data  envcheck data compare vs a naive SELECT * on 1,000,000 rows, MariaDB -> PostgreSQL"
	@echo "make bench-serve envcheck serve under 100 scrapes at 10/s: audits per interval, memory (RSS)"
	@echo "make bench-scale envcheck check at 50, 100, 200 lab hosts vs parallel ssh true (wall, CPU/host, RSS)"

# An editable install leaves envcheck's own modules without bytecode, and a shell with
# PYTHONDONTWRITEBYTECODE=1 never writes it: every start would compile them again (~80 ms
# measured). Compile them as `pip install .` does; Python recompiles in memory if stale.
COMPILE = $(PY) -m compileall -q -j 0 envcheck >/dev/null
# The editable install as a plain path in a .pth file (setuptools' compat mode): the default
# mode installs an import finder that every start imports with pathlib, re and urllib before
# envcheck's first line (site: 17-22 ms against 5 ms, `python -X importtime -c pass`); an
# engineer's `pip install .` has no finder either. setuptools calls the mode transitional:
# should a later one refuse it, the default mode is installed instead (slower start only).
EDITABLE = --config-settings editable_mode=compat -e

.venv/.installed: setup.cfg pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PIP) install -q --upgrade pip
	$(PIP) install -q $(EDITABLE) '.[dev]' || $(PIP) install -q -e '.[dev]'
	$(COMPILE)
	touch $@

venv: .venv/.installed

run: venv
	$(COMPILE)
	.venv/bin/envcheck check; rc=$$?; echo "envcheck exit code: $$rc (0 ok, 1 a check failed, 3 unreachable)"

apt:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing: $$missing"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi

# Two awks besides this machine's (mawk, as Debian hosts have it), for the site probes' reader
# (tests/unit/test_sitechecks_awks.py): gawk, as RHEL, Kylin and UOS hosts have it, and
# busybox's, as a minimal image has it; unpacked from Debian's packages, not installed (installed,
# gawk would become this machine's awk).
AWKS := .cache/awks
$(AWKS)/.unpacked:
	mkdir -p $(AWKS)/debs
	cd $(AWKS)/debs && { apt-get -qq download gawk libsigsegv2 busybox >/dev/null 2>&1 || \
		{ apt-get -qq update && apt-get -qq download gawk libsigsegv2 busybox >/dev/null; }; }
	for deb in $(AWKS)/debs/*.deb; do dpkg-deb -x "$$deb" $(AWKS)/root; done
	touch $@

awks: $(AWKS)/.unpacked

test: venv apt awks
	$(COMPILE)
	$(PY) -m pytest -q tests

unit: venv awks
	$(PY) -m pytest -q tests/unit

# Also part of `make test` (it runs the whole of tests/); selected by the `reliability` marker.
reliability: venv apt
	$(PY) -m pytest -q -m reliability tests/reliability

lint: venv apt
	.venv/bin/ruff check envcheck tests
	.venv/bin/mypy
	.venv/bin/yamllint -s envcheck/playbooks inventories
	cd envcheck/playbooks && ../../.venv/bin/ansible-lint -q .
	find envcheck -name '*.sh' -o -name '*.bash' | xargs shellcheck

# docs/checks.md from the check registry (tests/unit/test_checks_doc.py fails when it is stale).
docs: venv
	$(PY) -m envcheck.checks.doc docs/checks.md

lab-up: venv apt
	$(PY) -m tests.lab up --hosts $(LAB_HOSTS) --groups $(LAB_GROUPS)

.venv/.bench-installed: .venv/.installed
	$(PIP) install -q $(EDITABLE) '.[dev,bench]' || $(PIP) install -q -e '.[dev,bench]'
	touch $@

# The benchmark (bench/README.md): starts its own 20-host lab; 40 minutes on a busy
# 2-core machine with the peers up to 10 hosts, more with them at 20 (the default); writes
# bench/results/bench.md and bench.json, takes the lab down.
BENCH_ARGS ?=
bench-inventory: venv
	$(COMPILE)
	$(PY) -m bench.inventory_show $(BENCH_ARGS)

bench: venv apt .venv/.bench-installed
	$(COMPILE)
	$(PY) -m bench $(BENCH_ARGS)

# envcheck data compare against the naive way (bench/data.py): its own MariaDB and PostgreSQL
# (tests/lab/dbservers.py) on loopback ports; writes bench/results/data.md and data.json.
BENCH_DATA_ARGS ?=
bench-data: venv apt
	$(COMPILE)
	$(PY) -m bench.data $(BENCH_DATA_ARGS)

# envcheck serve under scrapes (bench/serve.py, issue 23): the checkout's lab (brought up if it is
# not); writes bench/results/serve.md and serve.json.
BENCH_SERVE_ARGS ?=
bench-serve: venv apt
	$(COMPILE)
	$(PY) -m bench.serve $(BENCH_SERVE_ARGS)

# envcheck check at scale (bench/scale.py, issue 22): a 200-host lab (kernel limits raised by
# tests/lab/limits.py; ~4 GB), three rounds; writes bench/results/scale.md and scale.json.
BENCH_SCALE_ARGS ?=
bench-scale: venv apt
	$(COMPILE)
	$(PY) -m bench.scale $(BENCH_SCALE_ARGS)

# The offline bundle (docs/offline.md): wheels, playbooks and the Debian 12 repository of the
# roles, resolved by apt against the lab's Debian root; downloads cached between builds.
BUNDLE ?= dist/envcheck-bundle.tar
bundle: venv
	$(PY) -m envcheck bundle build -o $(BUNDLE) --root "$$($(PY) -m tests.lab base)"

lab-down: venv
	$(PY) -m tests.lab down

clean:
	rm -rf build dist *.egg-info .mypy_cache .ruff_cache .pytest_cache
