VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: episodes test lint bench clean

$(VENV):
	python3 -m venv $(VENV)

episodes: $(VENV)
	$(VENV)/bin/pip install -e . && $(VENV)/bin/podcast build

test: $(VENV)
	$(VENV)/bin/pip install -q -e '.[dev,natural,cluster]' && $(MAKE) lint && $(VENV)/bin/pytest

lint:
	$(VENV)/bin/ruff check podcast tests benchmarks && $(VENV)/bin/ruff format --check podcast tests benchmarks && $(VENV)/bin/mypy podcast

bench:
	$(PY) -m benchmarks

clean:
	rm -rf episodes/*/ public/ .pytest_cache
