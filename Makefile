# Everything a fresh machine needs, from nothing: `make hub`, `make test` (and `make demo`).
# Both environments run as other users too (students' servers and kernels, the course's grader
# account), so they are made from a Python every user can run: the system's where there is one
# (a pyenv under /root is not).
PYTHON ?= $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup hub-setup hub demo test bench

STUDENT_VENV := .venv-student
# uv installs both environments (from PyPI, as pip would) in half pip's time: it downloads in parallel.
# Unlike pip it leaves modules uncompiled unless told: students' servers and kernels and the grader
# account, which cannot write into these environments, would compile every module they import at each
# start (2 CPU-s more per server start; README, Load)
UV := $(BIN)/uv pip install --quiet --compile-bytecode

setup: $(VENV)/.ready $(STUDENT_VENV)/.ready

# What the hub needs beside Python: configurable-http-proxy (npm) and, as root, Chromium for the
# browser test. Nothing else is fetched at run time.
hub-setup: setup
	@command -v configurable-http-proxy >/dev/null || { command -v npm >/dev/null || \
		{ apt-get update -q && apt-get install -y -q nodejs npm; }; npm install -g --silent configurable-http-proxy; }
	@if [ "$$(id -u)" = 0 ] && ! command -v chromium >/dev/null; then \
		apt-get update -q && apt-get install -y -q chromium; fi

$(VENV)/.ready: pyproject.toml
	@if [ "$$(id -u)" = 0 ] && ! $(PYTHON) -c 'import ensurepip' >/dev/null 2>&1; then \
		apt-get update -q && apt-get install -y -q python3-venv; fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv
	$(UV) --python $(BIN)/python -e '.[test]'
	touch $@

# The environment students' kernels run in (graded or on the hub): the course's libraries and
# nothing of the grader's. As root, also the grading sandbox's tools (bubblewrap).
$(STUDENT_VENV)/.ready: course/requirements.txt $(VENV)/.ready
	@if [ "$$(id -u)" = 0 ] && ! { command -v bwrap && $(PYTHON) -c 'import ensurepip'; } >/dev/null 2>&1; then \
		apt-get update -q && apt-get install -y -q bubblewrap python3-venv; fi
	$(PYTHON) -m venv $(STUDENT_VENV)
	$(UV) --python $(STUDENT_VENV)/bin/python -r course/requirements.txt
	touch $@

# The platform's main job on its embedded defaults: the course on JupyterHub at http://127.0.0.1:8000
hub: hub-setup
	$(BIN)/dlcourse hub

# Grade every assignment's instructor notebook locally, without a hub.
demo: setup
	$(BIN)/dlcourse grade course/source --html grading-report.html --csv grades.csv

test: hub-setup
	$(BIN)/ruff check autograders tests benchmarks hub_config course
	$(BIN)/pytest

bench: hub-setup
	$(BIN)/python benchmarks/grading_overhead.py
	$(BIN)/python benchmarks/class_grading.py
	$(BIN)/python benchmarks/cnn_grading.py
	$(STUDENT_VENV)/bin/python benchmarks/cnn_held_out.py
	$(BIN)/python benchmarks/grader_memory.py
	@if [ "$$(id -u)" = 0 ]; then $(BIN)/python benchmarks/hub_load.py && $(BIN)/python benchmarks/quiz_load.py && \
		$(BIN)/python benchmarks/instant_feedback.py; \
		else echo "benchmarks/hub_load.py, quiz_load.py and instant_feedback.py skipped: they need root (a unix account per simulated student)"; fi
