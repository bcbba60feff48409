# Advocacy: `make run` to try it, `make test` to check it.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := advocacy.settings

.PHONY: run test test-shifted-clock lint venv migrate seed bench bench-redirect bench-leaderboard bench-digest bench-dashboard bench-webhooks bench-api openapi clean

$(BIN)/activate: requirements.txt requirements-dev.txt
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install --quiet --upgrade pip
	@$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $(BIN)/activate

venv: $(BIN)/activate

# axe-core for the browser tests' accessibility checks (npm registry; nothing from here is served).
node_modules/axe-core/axe.min.js: package.json package-lock.json
	@command -v npm >/dev/null && npm ci --no-audit --no-fund --silent && touch $@ || echo "npm not found: accessibility checks will be skipped"

# Embedded default: SQLite, filesystem Celery broker, no Redis. DEBUG only here.
RUN_ENV := DEBUG=1 SITE_URL=http://localhost:$(PORT)

migrate: venv
	@$(RUN_ENV) $(BIN)/python manage.py migrate --noinput

seed: migrate
	@$(RUN_ENV) $(BIN)/python manage.py seed_demo

run: seed
	@mkdir -p var/log
	@echo ""
	@echo "  Advocacy is starting on http://localhost:$(PORT)/  (admin: http://localhost:$(PORT)/admin/)"
	@echo "  Demo logins are listed above. Ctrl-C stops web, worker and beat."
	@echo ""
	@trap 'kill 0' INT TERM EXIT; \
	$(RUN_ENV) $(BIN)/celery -A advocacy worker --pool=solo --loglevel=INFO > var/log/worker.log 2>&1 & \
	$(RUN_ENV) $(BIN)/celery -A advocacy beat --loglevel=INFO > var/log/beat.log 2>&1 & \
	$(RUN_ENV) $(BIN)/python manage.py runserver 0.0.0.0:$(PORT)

# mypy (django-stubs) covers the typed core: services, selectors and the network providers.
TYPED := $(wildcard */services.py */services/*.py */selectors.py) networks/providers networks/opengraph.py infra

lint: venv
	@$(BIN)/ruff check .
	@$(BIN)/lint-imports --no-cache
	@DEBUG=1 $(BIN)/mypy --follow-imports=silent $(TYPED)

# One pytest-xdist worker per core; tests that share an expensive fixture are grouped on one worker.
PYTEST_ARGS ?= -n auto --dist loadgroup

test: venv lint node_modules/axe-core/axe.min.js
	@DJANGO_SETTINGS_MODULE=tests.settings $(BIN)/python -m pytest $(PYTEST_ARGS)

# The suite with the clock moved (libfaketime), e.g. FAKETIME_AT="@2028-02-27 22:55:00". Left out: browser tests, and
# the few that wait on real elapsed time (marked real_time: libfaketime skews timed waits in threads).
FAKETIME_AT ?= +400d
test-shifted-clock: venv
	@DJANGO_SETTINGS_MODULE=tests.settings faketime -f "$(FAKETIME_AT)" $(BIN)/python -m pytest -m "not browser and not real_time" $(PYTEST_ARGS)

bench: bench-redirect bench-leaderboard bench-digest bench-dashboard bench-webhooks bench-api

# Redirect throughput vs a baseline view, a naive redirect and the server's floor, on each app server (gunicorn sync
# and gthread, granian WSGI and ASGI), then during a Redis outage, then the drain with one and two workers.
# Needs wrk (apt-get install wrk) and redis-server (it runs its own, appendonly). BENCH_DATABASE_URL: a database of
# its own (dropped and recreated). Ends with one JSON line.
bench-redirect: venv
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk) || \
		(echo "bench-redirect needs wrk (apt-get install wrk)" && exit 1)
	@command -v redis-server >/dev/null || (apt-get update -qq && apt-get install -y -qq redis-server) || \
		(echo "bench-redirect needs redis-server (apt-get install redis-server)" && exit 1)
	@$(BIN)/python bench/redirect/run.py

# Leaderboards: 10,000 employees, 2,000,000 ledger entries; top-50 + my rank from Redis and SQL, full rebuild.
# Needs PostgreSQL and Redis; BENCH_DATABASE_URL (recreated) / BENCH_REDIS_URL (only adv:lb:* keys touched).
bench-leaderboard: venv
	@$(BIN)/python bench/leaderboard/run.py

# Daily digest: 10,000 employees, 200 live posts, a year of clicks; every digest rendered and delivered to a
# local aiosmtpd sink. Needs PostgreSQL; BENCH_DATABASE_URL (recreated, default adv_digest_bench).
bench-digest: venv
	@$(BIN)/python bench/digest/run.py

# Dashboards: 2,000 employees, 200 campaigns, 5,000,000 clicks; p50/p95 of three pages, query counts, a day's rebuild.
# Needs PostgreSQL; BENCH_DATABASE_URL (dropped and recreated, default advocacy_bench_dashboard).
bench-dashboard: venv
	@$(BIN)/python bench/dashboard/run.py

# Webhook fan-out: one drain of 10,000 buffered clicks on 2,000 links, clicks.counted to 3 local receivers that
# verify every signature. Needs PostgreSQL and Redis; BENCH_DATABASE_URL (recreated, default adv_webhooks_bench),
# BENCH_REDIS_URL (default db 13; only the click stream's keys are touched).
bench-webhooks: venv
	@$(BIN)/python bench/webhooks/run.py

# API: on the dashboard benchmark's data, p50/p95 of GET /api/v1/today/ and the campaign analytics endpoint
# through personal tokens (goal p95 < 150 ms). Needs PostgreSQL; BENCH_DATABASE_URL (recreated, default
# advocacy_bench_api); BENCH_CLICKS, BENCH_EMPLOYEES… as bench-dashboard. Ends with one JSON line.
bench-api: venv
	@$(BIN)/python bench/api/run.py

# The OpenAPI schema checked into docs/ (tests/api/test_schema.py fails when it is stale).
openapi: venv
	@DEBUG=1 $(BIN)/python manage.py spectacular --file docs/openapi.yaml

clean:
	rm -rf var db.sqlite3 .pytest_cache
