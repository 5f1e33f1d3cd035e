VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: episodes test lint bench clean help-text

$(VENV):
	python3 -m venv $(VENV)

episodes: $(VENV)
	$(VENV)/bin/pip install -e . && $(VENV)/bin/podcast build

test: $(VENV)
	$(VENV)/bin/pip install -q -e '.[dev,natural,cluster]' && $(MAKE) lint && $(VENV)/bin/pytest

lint:
	$(VENV)/bin/ruff check podcast tests benchmarks && $(VENV)/bin/ruff format --check podcast tests benchmarks && $(VENV)/bin/mypy podcast

help-text:  # the text `podcast --help` prints without importing the CLI (podcast/launch.py)
	COLUMNS=80 $(PY) -c 'import sys; sys.argv = ["podcast", "--help"]; from podcast.cli import main; main()' > podcast/cli/help.txt

bench:
	$(PY) -m benchmarks

clean:
	rm -rf episodes/*/ public/ .pytest_cache
