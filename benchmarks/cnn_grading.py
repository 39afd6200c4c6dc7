"""Grading the CNN assignment: time, device, and the same grade every time.

Grades the instructor's CNN notebook several times in a row, each time in a fresh
kernel with the hidden checks (the grader trains a fresh model with the notebook's
own code and measures it on held-out digits), and prints each run's seconds, device
and score. Targets: full marks every time, identical scores and feedback, and each
grading under 120 s on a 2-core CPU. Exits 1 if a target is missed.

    .venv/bin/python benchmarks/cnn_grading.py [--runs 5]
"""

import argparse
import os
import statistics

import nbformat

from autograders.class_grading import devices
from autograders.course import Course
from autograders.engine import grade_notebook

LIMIT_S = 120.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--course", default="course")
    args = parser.parse_args()
    # the thread share and GPU settings of one grading worker, as `dlcourse grade --workers 1` uses
    os.environ.update(devices.worker_env(0, 1, devices.usable_cores(), devices.visible_gpus()))
    assignment = Course(args.course).assignment("cnn")
    results = []
    for run in range(1, args.runs + 1):
        result = grade_notebook(nbformat.from_dict(assignment.source_nb), assignment, student="bench")
        results.append(result)
        print(f"run {run}: {result.score:g}/{result.max_score:g} in {result.seconds:.1f} s on {result.device}",
              flush=True)
    seconds = [r.seconds for r in results]
    verdicts = {tuple((c.grade_id, c.score, c.feedback) for c in r.cells) for r in results}
    full = all(r.score == r.max_score for r in results)
    print(f"cnn source notebook, {args.runs} gradings on {devices.usable_cores()} cores: "
          f"median {statistics.median(seconds):.1f} s, max {max(seconds):.1f} s (limit {LIMIT_S:g} s); "
          f"full marks every time: {full}; identical verdicts: {len(verdicts) == 1}")
    if not (full and len(verdicts) == 1 and max(seconds) < LIMIT_S):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
