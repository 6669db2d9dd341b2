# Developer entry points for the saga services.
# `make help` lists the targets. The logic of `run` and `stop` lives in scripts/.

SHELL := /bin/bash

# Build configuration for `build` and `run`: debug (default) or release.
CONFIG ?= debug
# AMQP port of the local broker started by `run` (empty: the script's default, 5672).
AMQP_PORT ?=

# Inputs of the fuzzing stage in all, and its Hypothesis seed (empty: a new one, printed).
FUZZ_EXAMPLES ?= 3000
FUZZ_SEED ?=
# 1: take .build/debug/<service> as it is (CI: `make test` built it just before).
FUZZ_SKIP_BUILD ?= 0
# The same for the console's browser test.
CONSOLE_SKIP_BUILD ?= 0
# The saga simulation (`simulate`, also part of `test`): how many random schedules, from which
# run seed; SIM_SEED re-runs one schedule alone and prints it (docs/SIMULATION.md).
SIM_SCHEDULES ?=
SIM_RUN_SEED ?=
SIM_SEED ?=
# Test cases per operation of the API stage, and its schemathesis seed.
API_EXAMPLES ?= 30
API_SEED ?= 1
# 1: take .build/debug/<service> as it is (CI: `make test` built it just before).
API_SKIP_BUILD ?= 0
# The compose command: Debian 12 packages docker-compose (v1); `make up COMPOSE="docker compose"`
# uses the v2 plugin where it is installed.
COMPOSE ?= docker-compose

# Debian packages the build (librabbitmq-dev), the tests and `run` (rabbitmq-server) and the
# tests' Python checkers (python3-venv: the event catalog, the fuzz, API and console stages) need.
DEB_PACKAGES := librabbitmq-dev rabbitmq-server python3-venv

# Targets run one after the other even under `make -j` (deps before build before run).
.NOTPARALLEL:
.DEFAULT_GOAL := help
.PHONY: help deps build test simulate fuzz api-test run stop up down clean compose-check container-test bench-store bench-saga load

help: ## List the targets
	@echo "Usage: make <target> [CONFIG=debug|release] [AMQP_PORT=5672]"
	@echo
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-14s %s\n", $$1, $$2}'

deps: ## Install missing Debian packages (librabbitmq-dev, rabbitmq-server, python3-venv); quiet when all are present
	@set -euo pipefail; \
	if ! command -v dpkg >/dev/null 2>&1; then \
		command -v rabbitmq-server >/dev/null 2>&1 || \
			echo "deps: not a Debian system; install librabbitmq (rabbitmq-c) and rabbitmq-server yourself" >&2; \
		exit 0; \
	fi; \
	missing=""; \
	for pkg in $(DEB_PACKAGES); do \
		dpkg -s "$$pkg" >/dev/null 2>&1 || missing="$$missing $$pkg"; \
	done; \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" -eq 0 ]; then sudo=""; \
	elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; \
	else echo "deps: missing:$$missing; run 'apt-get install$$missing' as root" >&2; exit 1; fi; \
	echo "deps: installing$$missing"; \
	$$sudo apt-get update -qq; \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing

build: ## swift build (CONFIG=debug by default, CONFIG=release for an optimised build)
	swift build -c $(CONFIG)

test: deps ## Build and run every test (the tests start their own brokers)
	swift build --build-tests
	swift test --skip-build

.PHONY: catalog
catalog: deps ## Check the event catalog (docs/events) against the code and the real services' traffic (part of `test`; docs/EVENTS.md)
	swift build --build-tests
	swift test --skip-build --filter 'CatalogTests|PublishedEventSchemaTests'

simulate: deps ## The saga, simulated: random schedules of the real services in-process, I1-I7 after each (SIM_SCHEDULES=500 SIM_RUN_SEED=1 SIM_SEED=)
	swift build --build-tests
	SIM_SCHEDULES=$(SIM_SCHEDULES) SIM_RUN_SEED=$(SIM_RUN_SEED) SIM_SEED=$(SIM_SEED) swift test --skip-build --filter SagaSimulationTests

fuzz: deps ## Bounded fuzzing stage: random HTTP requests and AMQP messages, then drain and invariant checks (FUZZ_EXAMPLES=3000 FUZZ_SEED=)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_SEED=$(FUZZ_SEED) FUZZ_SKIP_BUILD=$(FUZZ_SKIP_BUILD) Tests/Fuzz/run.sh

api-test: deps ## schemathesis against each running service's /openapi.json: every operation, valid and invalid inputs (API_EXAMPLES=30 API_SEED=1)
	API_EXAMPLES=$(API_EXAMPLES) API_SEED=$(API_SEED) API_SKIP_BUILD=$(API_SKIP_BUILD) Tests/API/run.sh

.PHONY: console-test console-assets
console-test: deps ## The web console in headless Chromium against a private broker and the four services (screenshots: .build-console/artifacts/)
	CONSOLE_SKIP_BUILD=$(CONSOLE_SKIP_BUILD) Tests/Console/run.sh

console-assets: ## Embed Services/Projection/Console/ in projection-service (after editing the console's files)
	scripts/embed-console-assets.py

bench-store: ## Event-store benchmark in release (append, load, service memory): docs/BENCHMARKS.md; not part of `test`
	swift build -c release --product eventstore-benchmark
	swift build -c release --product inventory-service
	.build/release/eventstore-benchmark append load memory --service .build/release/inventory-service

bench-saga: ## The saga benchmark: release build, private broker and services, saga-load's phases (BENCH_ARGS="--phases open"); docs/BENCHMARKS.md; not part of `test`
	scripts/bench/saga-bench.sh $(BENCH_ARGS)

load: ## Drive the running system (make run CONFIG=release first) with saga-load; LOAD_ARGS="--phases open --open-orders 5000 --rate 250"
	swift build -c release --product saga-load
	.build/release/saga-load $(LOAD_ARGS)

run: deps build ## Start a local broker (saga@localhost) and the four services in the background
	CONFIG=$(CONFIG) AMQP_PORT=$(AMQP_PORT) scripts/run-local.sh

stop: ## Stop what `make run` started (services by pid file, the broker only if run started it)
	scripts/stop-local.sh

up: ## docker-compose up --build -d: the broker and the four services in containers (docs/CONTAINERS.md)
	@docker info >/dev/null 2>&1 || { echo "up: needs a running Docker engine (docker info failed)" >&2; exit 1; }
	$(COMPOSE) up --build -d

down: ## docker-compose down; the volumes, and so the data, stay
	$(COMPOSE) down

container-test: ## Build the image and run the compose scenario in a local Docker engine (installs and starts one if needed)
	COMPOSE="$(COMPOSE)" scripts/container/test.sh

clean: ## Stop what `run` started, then remove .build and data
	@if [ -d data/run ]; then scripts/stop-local.sh; fi
	rm -rf .build .build-fuzz .build-api .build-console .build-catalog data

compose-check: ## Validate compose.yaml with docker-compose, if it is installed
	@if command -v $(firstword $(COMPOSE)) >/dev/null 2>&1; then \
		$(COMPOSE) -f compose.yaml config -q && echo "compose.yaml: valid"; \
	else \
		echo "compose-check: $(COMPOSE) not installed; skipped"; \
	fi
