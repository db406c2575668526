# dict-observability: every entry point a user or CI needs.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: all setup lint fmt typecheck test test-fast demo bench rules dashboards manifests generate clean

all: generate lint test

setup:
	@bash scripts/bootstrap.sh

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy core toolkit dictobs stack worker exporters alerts dashboards deploy benchmarks

fmt: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(PY) -m pytest -q -p no:cacheprovider

demo: setup
	$(BIN)/dictobs demo

bench: setup
	$(PY) -m benchmarks

rules: setup
	$(BIN)/dictobs rules generate
	$(BIN)/dictobs rules check

dashboards: setup
	$(BIN)/dictobs dashboards push

# Kubernetes manifests from deploy/environments/*, built on the generated rules and dashboards.
manifests: setup
	$(PY) -m deploy generate

generate: setup
	$(BIN)/dictobs rules generate
	$(BIN)/dictobs dashboards build
	$(PY) -m alerts.docs
	$(PY) -m exporters.docs
	$(PY) -m dictobs.signals
	$(PY) -m deploy generate

clean:
	rm -rf build run .mypy_cache .ruff_cache .pytest_cache
