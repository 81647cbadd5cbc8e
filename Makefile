# MyMedic data platform. `make demo` runs the whole pipeline on sample data; `make test` runs the tests.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA ?= .mymedic/sample
EXPORTS ?= .mymedic/exports
BENCH_PAYMENTS ?= 1000000
BENCH_MLLP_MESSAGES ?= 40000
BENCH_OUTBOX_MESSAGES ?= 3000
BENCH_STATUSES ?= 1000000
BENCH_CLAIM_EVENTS ?= 1000000

BI_VENV := .venv-bi
BI_STAMP := $(BI_VENV)/.installed
BI_PORT ?= 8088

.PHONY: help install system-packages demo test lint format bench bench-mllp bench-booking serve operator dagster clean lock \
	bi bi-install bi-test bi-lock

help:
	@echo "make demo   - install, generate a sample chain, run the whole pipeline, write the exports and PDFs"
	@echo "make test   - install and run the test suite"
	@echo "make lint   - ruff and sqlfluff"
	@echo "make bench  - scale benchmark (not part of make test)"
	@echo "make dagster - open the Dagster UI on the embedded warehouse"
	@echo "make serve  - run the booking service API on 127.0.0.1:8080"
	@echo "make operator - the operator page on 127.0.0.1:8095 over $(DATA) (quarantine fixes, dead letters, health)"
	@echo "make bench-booking - load-test the booking service on loopback, and its outbox send throughput"
	@echo "make bench-mllp - the HL7 v2 MLLP listener's messages/s with a local sender"
	@echo "make bi     - a local Superset on 127.0.0.1:$(BI_PORT) with the dashboards, reading the serving copy"

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==0.13.9"
	VIRTUAL_ENV=$(abspath $(VENV)) $(BIN)/uv pip sync --quiet --compile-bytecode requirements.lock
	VIRTUAL_ENV=$(abspath $(VENV)) $(BIN)/uv pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

# Superset in its own virtualenv (its pins clash with the platform's); about 30 s with a warm uv cache.
$(BI_STAMP): requirements-bi.lock $(STAMP)
	test -x $(BI_VENV)/bin/python || $(PYTHON) -m venv $(BI_VENV)
	VIRTUAL_ENV=$(abspath $(BI_VENV)) $(BIN)/uv pip sync --quiet requirements-bi.lock
	rm -f $(BI_VENV)/superset-metadata-template.db
	touch $(BI_STAMP)

bi-install: $(BI_STAMP)

bi-lock:
	$(BIN)/uv pip compile requirements-bi.in --python-version 3.11 -o requirements-bi.lock

# Superset on 127.0.0.1 with SQLite metadata in .mymedic/superset, provisioned with the dashboards over the
# serving copy (`make demo` or `mymedic run` first). Admin login from MYMEDIC_SUPERSET_USERNAME /
# MYMEDIC_SUPERSET_PASSWORD, else a generated throwaway password in .mymedic/superset/admin-password.
bi: install bi-install
	$(BIN)/mymedic bi serve --port $(BI_PORT)

bi-test: install bi-install system-packages
	$(BIN)/python -m pytest -m superset $(PYTEST_ARGS)

# Debian packages the tests use to look at what people read: LibreOffice renders the workbook to PDF and
# poppler turns PDFs into PNG pages and text; the PDF statements embed DejaVu Sans (it has the ₹ sign);
# Chromium screenshots the Superset dashboards.
# Installed when missing and this user can (root, or sudo without a password); otherwise those tests skip,
# saying what to install.
SYSTEM_PACKAGES := libreoffice-calc poppler-utils fonts-dejavu-core chromium
system-packages:
	@if command -v soffice >/dev/null && command -v pdftoppm >/dev/null && command -v pdftotext >/dev/null \
	  && command -v chromium >/dev/null && test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing $(SYSTEM_PACKAGES)"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(SYSTEM_PACKAGES) >/dev/null \
	    || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(SYSTEM_PACKAGES) >/dev/null; }; \
	elif sudo -n true 2>/dev/null; then \
	  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(SYSTEM_PACKAGES) >/dev/null; \
	else echo "note: $(SYSTEM_PACKAGES) not installed and no root: the render tests will skip"; fi

lock:
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

demo: install
	$(BIN)/mymedic generate --out $(DATA) --seed 42 --claims
	$(BIN)/mymedic run --data $(DATA) --exports $(EXPORTS)
	$(BIN)/mymedic export statements --exports $(EXPORTS)
	@# A sample bundle, signed with a demo key (a deployment sets its own secrets, never these).
	@echo "sample bundle (exports/bundles/finance_monthly.yaml):"
	@MYMEDIC_EXPORT_SIGNING_KEY=$${MYMEDIC_EXPORT_SIGNING_KEY:-demo-signing-key-not-a-secret} \
	  MYMEDIC_EXPORT_SALT=$${MYMEDIC_EXPORT_SALT:-demo-salt-secret-not-a-secret} \
	  $(BIN)/mymedic export bundle finance_monthly --period 2026-10 --out $(EXPORTS)/bundles

test: install bi-install system-packages lint
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	cd dbt_project && ../$(BIN)/sqlfluff lint models
	$(BIN)/lint-imports --no-cache

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/python -m benchmarks.run --payments $(BENCH_PAYMENTS) --mllp-messages $(BENCH_MLLP_MESSAGES) $(BENCH_ARGS)
	$(BIN)/python -m benchmarks.messaging_outbox --messages $(BENCH_OUTBOX_MESSAGES)
	$(BIN)/python -m benchmarks.message_statuses --statuses $(BENCH_STATUSES)
	$(BIN)/python -m benchmarks.claims_load --events $(BENCH_CLAIM_EVENTS)

# The HL7 v2 MLLP listener alone: messages/s with a local sender (also a row of `make bench`).
bench-mllp: install
	$(BIN)/python -m benchmarks.mllp_listener --messages $(BENCH_MLLP_MESSAGES)

bench-booking: install
	$(BIN)/python -m benchmarks.booking_load
	$(BIN)/python -m benchmarks.messaging_outbox --messages $(BENCH_OUTBOX_MESSAGES)

serve: install
	$(BIN)/mymedic booking serve

# The operator page (docs/operator-page.md): staff sign in with the booking config's staff_auth
# ($$MYMEDIC_BOOKING_CONFIG); fixes are written into $(DATA) and loaded into the embedded warehouse.
operator: install
	$(BIN)/mymedic operator serve --data $(DATA)

dagster: install
	mkdir -p .mymedic/dagster && cp orchestration/dagster.yaml .mymedic/dagster/dagster.yaml
	DAGSTER_HOME=$(abspath .mymedic/dagster) MYMEDIC_DATA=$(abspath $(DATA)) MYMEDIC_EXPORTS=$(abspath $(EXPORTS)) \
		$(BIN)/dagster dev -m orchestration.definitions

clean:
	rm -rf .mymedic dbt_project/target dbt_project/logs $(BI_VENV)
