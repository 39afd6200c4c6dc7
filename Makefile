# Everything a fresh machine needs, from nothing: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup demo test bench

setup: $(VENV)/.ready

$(VENV)/.ready: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# The platform's main job on its embedded defaults: grade every assignment of the bundled course locally.
demo: setup
	$(BIN)/dlcourse grade course/source --html grading-report.html --csv grades.csv

test: setup
	$(BIN)/pytest

bench: setup
	$(BIN)/python benchmarks/grading_overhead.py
	$(BIN)/python benchmarks/class_grading.py
	$(BIN)/python benchmarks/cnn_grading.py
