"""The grader's terminal: TensorFlow's, absl's and CUDA's start-up lines dropped unless -v, every other line kept."""

import subprocess
import sys

import pytest

from conftest import ROOT

# what TensorFlow 2.21's native libraries print on import, before absl's logging is set up (none obeys a setting)
START_UP = (b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
            b"I0000 00:00:1796475694.998669    9896 port.cc:153] oneDNN custom operations are on.\n"
            b"E0000 00:00:1796475704.454257    9896 cuda_platform.cc:52] failed call to cuInit: UNKNOWN ERROR (303)\n"
            b"I0000 00:00:1796475775.056969   12203 cpu_feature_guard.cc:227] This TensorFlow binary is optimized\n"
            b"To enable the following instructions: AVX2 FMA, in other operations, rebuild TensorFlow with the "
            b"appropriate compiler flags.\n")
PROGRAM = f"""
import os, sys
from autograders import quiet
quiet.settle(verbose=sys.argv[1] == "-v")
with quiet.start_up_lines_dropped():
    print("progress, from Python, meanwhile", file=sys.stderr, flush=True)
    os.write(2, {START_UP!r})
    os.write(2, b"a native line of another kind\\n")
print("after", os.environ["TF_CPP_MIN_LOG_LEVEL"], file=sys.stderr)
"""


@pytest.mark.parametrize("flag", ["", "-v"])
def test_start_up_lines_are_dropped_unless_verbose(flag):
    proc = subprocess.run([sys.executable, "-c", PROGRAM, flag], cwd=ROOT, capture_output=True, check=True)
    lines = proc.stderr.decode().splitlines()
    assert "progress, from Python, meanwhile" in lines and "a native line of another kind" in lines
    if flag:
        assert all(line in lines for line in START_UP.decode().splitlines()) and lines[-1] == "after 0"
    else:
        assert len(lines) == 3 and lines[-1] == "after 3", lines


def test_a_level_set_by_the_instructor_is_kept(monkeypatch):
    from autograders import quiet

    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "1")
    quiet.settle()
    assert quiet.os.environ["TF_CPP_MIN_LOG_LEVEL"] == "1"
