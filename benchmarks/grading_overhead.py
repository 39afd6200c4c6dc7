"""How much does grading cost over merely running a notebook?

For the activations notebook: the median time to grade one submission with the
engine (run the student's cells, then every hidden check through the kernel
bridge) against the median time to execute the same notebook with nbclient,
interleaved so that both see the same machine. Target: ratio at most 1.3.

    .venv/bin/python benchmarks/grading_overhead.py [--runs 7]
"""

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from autograders.course import Course
from autograders.engine import grade_notebook


def time_execute(assignment) -> float:
    nb = nbformat.from_dict(assignment.source_nb)
    workdir = Path(tempfile.mkdtemp())
    try:
        for path in assignment.helper_files():
            shutil.copy2(path, workdir / path.name)
        started = time.perf_counter()
        NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(workdir)}}).execute()
        return time.perf_counter() - started
    finally:
        shutil.rmtree(workdir)


def time_grade(assignment) -> float:
    nb = nbformat.from_dict(assignment.source_nb)
    started = time.perf_counter()
    result = grade_notebook(nb, assignment, student="bench")
    elapsed = time.perf_counter() - started
    if result.score != result.max_score:
        raise SystemExit(f"the source notebook should score full marks, got {result.score}/{result.max_score}")
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--course", default="course")
    parser.add_argument("--assignment", default="activations")
    args = parser.parse_args()
    assignment = Course(args.course).assignment(args.assignment)
    time_grade(assignment)  # warm-up: imports and the first kernel start are not what we measure
    execute, grade = [], []
    for _ in range(args.runs):
        execute.append(time_execute(assignment))
        grade.append(time_grade(assignment))
    e, g = statistics.median(execute), statistics.median(grade)
    print(f"{args.assignment}: {args.runs} runs each")
    print(f"  execute with nbclient (median): {e:.2f} s")
    print(f"  grade with the engine (median): {g:.2f} s")
    print(f"  ratio grade/execute:            {g / e:.2f}  (target <= 1.3, aim 1.15)")


if __name__ == "__main__":
    main()
