# Taskwire — `make up` runs the whole system natively, `make test` passes the whole suite.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
STACK := scripts/stack/stack.sh
UV := uv
RUN := $(UV) run --frozen --all-packages
PYTEST := $(RUN) pytest
# kafka-python 3.0.12 leaves the socket of each refused connection attempt to the garbage
# collector; the fault tests make many (brokers and workers restarted), so the integration run
# does not treat those particular unclosed-socket warnings as errors. Unit tests still do.
KAFKA_SOCKET_LEAK := -W "ignore:Exception ignored in. <socket.socket:pytest.PytestUnraisableExceptionWarning" \
  -W "ignore:unclosed <socket.socket:ResourceWarning"

.PHONY: help install up down status logs memory stop restart reset urls alerts-demo sync test lint types unit integration e2e fmt config-check images diagrams

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

install: ## Download and build every component of the native stack without starting it
	@$(STACK) install

up: ## Provision and start the whole stack natively, wait until healthy, print the URLs
	@$(STACK) up

down: ## Stop the stack (data is kept)
	@$(STACK) down

status: ## Show every component's process state and health
	@$(STACK) status

memory: ## Resident memory (RSS) of every component and the total
	@$(STACK) memory

logs: ## Follow every component's log
	@$(STACK) logs

stop: ## Stop components (e.g. to run one in the foreground): make stop C=task-api
	@$(STACK) stop $(C)

restart: ## Restart components and wait for them: make restart C="task-api gateway"
	@$(STACK) restart $(C)

reset: ## Stop the stack and delete all its state (downloads stay cached)
	@$(STACK) reset

urls: ## Print the stack's URLs
	@$(STACK) urls

alerts-demo: ## Stop a component, watch its alert fire and be e-mailed, start it, watch it resolve: make alerts-demo C=gateway
	@$(RUN) python scripts/alerts_demo.py $(C)

sync:
	@scripts/stack/prereqs.sh
	@$(UV) sync --all-packages --frozen --quiet

test: sync lint types unit diagrams integration images e2e ## The whole suite: lint, types, unit, diagrams, integration, the service images and the Postman run, on the real stack

lint: sync config-check ## ruff, import contracts, shellcheck, config validation
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) lint-imports

types: sync ## mypy (strict) on every package's src/
	$(RUN) mypy libs/*/src task-api/src user-facade/src notification-consumer/src

images: sync ## Build the three service images with podman and run each program in its image against the running stack
	@scripts/images/build.sh
	@$(STACK) up
	$(PYTEST) tests/images

diagrams: sync ## Render every Mermaid diagram of README.md and docs/ with the Mermaid CLI on Debian's chromium
	@[ -x scripts/diagrams/node_modules/.bin/mmdc ] || (cd scripts/diagrams && PUPPETEER_SKIP_DOWNLOAD=1 \
	  npm ci --ignore-scripts --no-audit --no-fund --silent)
	$(RUN) python scripts/diagrams/render.py

config-check: ## Validate the stack's configuration files with their own tools
	@scripts/config-check.sh

unit: sync ## Unit tests (no stack needed)
	$(PYTEST) tests/static libs/*/tests task-api/tests/unit user-facade/tests/unit notification-consumer/tests/unit

integration: sync ## Integration tests against the running native stack (started when needed)
	@$(STACK) up
	$(PYTEST) $(KAFKA_SOCKET_LEAK) tests/integration task-api/tests/integration \
	  user-facade/tests/integration notification-consumer/tests/integration

e2e: sync ## The web console in headless Chromium, then the Postman collection run by newman, through the gateway against the running stack
	@$(STACK) up
	$(PYTEST) tests/e2e
	@[ -x postman/node_modules/.bin/newman ] || (cd postman && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --silent)
	postman/node_modules/.bin/newman run postman/taskwire.postman_collection.json \
	  -e postman/taskwire.postman_environment.json --env-var baseUrl=http://127.0.0.1:$${GATEWAY_PORT:-8080}

fmt: ## Format the code
	$(RUN) ruff format .
	$(RUN) ruff check --fix .
