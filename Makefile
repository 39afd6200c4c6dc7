# Everything a fresh machine needs, from nothing: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup demo test bench

STUDENT_VENV := .venv-student
# Students' kernels run as other users: their Python must be one every user can run (a pyenv under
# /root is not), so the student environment is made from the system's Python where there is one.
SYSTEM_PYTHON ?= $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || echo $(PYTHON))

setup: $(VENV)/.ready $(STUDENT_VENV)/.ready

$(VENV)/.ready: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# The environment students' kernels run in (graded or on the hub): the course's libraries and
# nothing of the grader's. As root, also the grading sandbox's tools (bubblewrap).
$(STUDENT_VENV)/.ready: course/requirements.txt
	@if [ "$$(id -u)" = 0 ] && ! { command -v bwrap && $(SYSTEM_PYTHON) -c 'import ensurepip'; } >/dev/null 2>&1; then \
		apt-get update -q && apt-get install -y -q bubblewrap python3-venv; fi
	$(SYSTEM_PYTHON) -m venv $(STUDENT_VENV)
	$(STUDENT_VENV)/bin/pip install --quiet --upgrade pip
	$(STUDENT_VENV)/bin/pip install --quiet -r course/requirements.txt
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
