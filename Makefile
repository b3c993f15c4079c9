# `make run`: install, migrate, seed, print a local admin login, serve on http://127.0.0.1:8000
# `make test`: the whole test suite
# `make test-fast`: the in-process tiers only (no service processes, no browser)
# `make pin-images`: pin the images docker-compose.yml and the Dockerfile pull by digest (needs Docker)
# `make messages`: update locale/*/LC_MESSAGES/django.po from the code and compile django.mo (needs GNU gettext)
# `make lint`: ruff's lint and format check (settings in pyproject.toml)
# `make backup`: pg_dump now, into ./backups: of DATABASE_URL when set, else of the compose stack's database
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test test-fast install bench pin-images messages lint backup

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

run: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_campaign
	$(PY) manage.py local_admin
	$(PY) manage.py runserver 127.0.0.1:8000

# PostgreSQL and Redis on this machine are used when they answer; without them the suite
# runs on SQLite and the tests that need the real services are skipped (CI refuses skips).
test: install
	DATABASE_URL="$${DATABASE_URL:-$$($(PY) tests/services.py database)}" \
	REDIS_URL="$${REDIS_URL:-$$($(PY) tests/services.py redis)}" \
	$(PY) -m pytest $(PYTEST_ARGS)

# The tiers that run inside pytest's process: no worker, web server or browser is started.
test-fast: install
	DATABASE_URL="$${DATABASE_URL:-$$($(PY) tests/services.py database)}" \
	REDIS_URL="$${REDIS_URL:-$$($(PY) tests/services.py redis)}" \
	$(PY) -m pytest -m "not services and not browser" $(PYTEST_ARGS)

bench: install
	$(PY) bench/run.py

pin-images:
	sh scripts/pin-images.sh .

# Staff-only code and templates (locale/ignore.txt) stay in English and out of the catalogues.
LOCALE_IGNORE = $(foreach pattern,$(shell cat locale/ignore.txt),-i '$(pattern)')

messages: install
	$(PY) manage.py makemessages -l ru -l kk --no-location --no-obsolete $(LOCALE_IGNORE)
	$(PY) manage.py compilemessages -l ru -l kk -i '.venv/*'

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Restore: scripts/restore.sh DUMP DATABASE_URL (docs/operations.md, "Restore").
backup:
	@if [ -n "$${DATABASE_URL:-}" ]; then sh scripts/backup.sh; \
	else docker compose exec -T backup sh /scripts/backup.sh; fi
