# Baobab: `make run` starts the whole stack, `make test` runs lint and every test.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
VAR := var
MODELS_DIR ?= $(or $(BAOBAB_MODELS_DIR),$(VAR)/models)
STAMP_INSTALL := $(VENV)/.installed
STAMP_MODELS := $(MODELS_DIR)/minilm/manifest.json $(MODELS_DIR)/efficientnet_lite0/manifest.json \
	$(MODELS_DIR)/efficientnet_lite0_maps/manifest.json \
	$(MODELS_DIR)/yolox_nano/manifest.json

.PHONY: run test lint models bench eval migrate install clean help helm-check compose-check

help:
	@echo "make run     set up everything and start the four services on 127.0.0.1:8000-8003"
	@echo "make test    set up everything, lint, and run the whole test suite"
	@echo "make models  export and quantize the shared backbones into $(MODELS_DIR)"
	@echo "make lint    ruff and mypy"
	@echo "make bench   load-test retrieve through the gateway beside the raw encoder"
	@echo "make eval    accuracy through the public API on ../shared/datasets (outside make test)"
	@echo "make helm-check  helm lint and kubeconform on deploy/helm/baobab (skipped without helm)"
	@echo "make compose-check  build the images, start docker-compose.yml, run the quick start, take it down"

install: $(STAMP_INSTALL)

$(STAMP_INSTALL): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is required"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[inference,build,dev]'
	touch $@

models: $(STAMP_MODELS)

$(STAMP_MODELS) &: $(STAMP_INSTALL) scripts/build_models.py scripts/_builds.py \
		scripts/build_image_backbone.py scripts/build_image_features.py scripts/build_image_detector.py
	$(PY) -m scripts.build_models --out $(MODELS_DIR)

migrate: $(STAMP_INSTALL)
	$(PY) -m scripts.migrate

run: $(STAMP_INSTALL) $(STAMP_MODELS) migrate
	$(PY) -m scripts.stack

lint: $(STAMP_INSTALL)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy shared gateway model_store nlu_service vision_service scripts

test: $(STAMP_INSTALL) $(STAMP_MODELS) lint
	BAOBAB_MODELS_DIR=$(abspath $(MODELS_DIR)) $(VENV)/bin/pytest -q $(PYTEST_ARGS)

bench: $(STAMP_INSTALL) $(STAMP_MODELS)
	$(PY) -m scripts.bench

eval: $(STAMP_INSTALL) $(STAMP_MODELS)
	$(PY) -m scripts.eval $(EVAL_ARGS)

helm-check:
	bash scripts/helm_check.sh

compose-check:
	bash scripts/compose_check.sh

clean:
	rm -rf $(VENV) $(VAR) .pytest_cache .mypy_cache .ruff_cache
