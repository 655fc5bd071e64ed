# Réciproque: `make run` to try it, `make test` to check it. Nothing else is needed.
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app app
PYBABEL := $(VENV)/bin/pybabel
HOST ?= 127.0.0.1
PORT ?= 5000
# Links in PDFs, QR codes and e-mails point at the server `make run` starts (unless set).
BASE_URL ?= http://$(HOST):$(PORT)

.PHONY: install run test lint format translations extract-messages benchmarks clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || { scripts/system-packages.sh venv && python3 -m venv $(VENV); }
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

install: $(VENV)/.installed translations

# Debian packages, installed with apt-get when missing (as root, or through sudo): python3-venv
# when .venv is created, Pango and fonts for WeasyPrint (`make run`), and for `make test` also
# chromium. One dpkg-query, quick when all is there; SKIP_SYSTEM_PACKAGES=1
# skips it (scripts/system-packages.sh).
.PHONY: system-packages-run system-packages-test
system-packages-run system-packages-test: system-packages-%:
	@scripts/system-packages.sh $*
run: system-packages-run
test: system-packages-test

translations: $(VENV)/.installed
	$(PYBABEL) -q compile -f -d sla_contracts/translations

# Re-extract every msgid and fill French from the catalogue and translations/parts/*.po.
extract-messages: $(VENV)/.installed
	$(PY) scripts/i18n.py

run: install
	$(FLASK) init-db
	$(FLASK) seed-demo --if-empty
	BASE_URL="$(BASE_URL)" SCHEDULER_IN_PROCESS=1 $(FLASK) run --reload --host $(HOST) --port $(PORT)

# The test OpenID Connect provider (tests/oidc_provider, panva's oidc-provider) under Node.js.
OIDC_PROVIDER := tests/oidc_provider
$(OIDC_PROVIDER)/node_modules/.package-lock.json: $(OIDC_PROVIDER)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then cd $(OIDC_PROVIDER) && npm ci --no-audit --no-fund --loglevel=error; \
	else echo "npm is missing: the OpenID Connect tests will say so"; fi

test: install $(OIDC_PROVIDER)/node_modules/.package-lock.json
	$(PY) -m pytest -n $(or $(TEST_WORKERS),auto) $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

benchmarks: install
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache test-output
