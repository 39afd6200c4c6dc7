"""How long does grading a class take? Plain nbgrader against `dlcourse grade` with 1 and 2 workers, where a
submission's time goes, and what grading one notebook costs over executing it once.

Builds synthetic classes from the test corpus (correct and partly wrong solutions; no endless or hostile
ones), releases the assignments with the real `nbgrader generate_assignment`, then, in one run:

1. per-step time of a submission (the means of ``"steps"`` in `dlcourse grade --json`, engine/step_times.py),
   for each class graded with 1 worker and with 2;
2. 24 activations submissions: `dlcourse grade submitted/ --workers 1` and `--workers 2`;
3. a mixed class of the five numpy assignments: plain `nbgrader autograde <assignment>` run sequentially
   with nbgrader's own Execute step (a course config without the grading engine), and `dlcourse grade` with
   1 and 2 workers, each on its own identical copy of the course;
4. one notebook, whole processes: `dlcourse grade NOTEBOOK` against `jupyter nbconvert --execute` of the
   same notebook in the same folder, alternating pairs.

Targets on a 2-core machine: 2 workers at least 1.85x faster than 1; at least 2.0x faster than plain
nbgrader; one notebook graded in at most 1.15x the time of executing it. Two workers on two cores are only
compared fairly on an otherwise idle machine: the load average is printed before and after.

    .venv/bin/python benchmarks/class_grading.py [--students 24] [--pairs 4] [--rounds 1]
"""

import argparse
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from notebooks import CORPUS, corpus_cells, student_notebook  # noqa: E402

from autograders.course import Course  # noqa: E402
from autograders.engine.step_times import STEPS  # noqa: E402
from autograders.ignored_files import IGNORED_FOLDERS  # noqa: E402
from autograders.process_env import with_own_bin  # noqa: E402

BIN = Path(sys.executable).parent
ENV = {**os.environ, "PATH": with_own_bin(os.environ["PATH"])}
PLAIN_CONFIG = 'c = get_config()\nc.CourseDirectory.course_id = "dl-course"\n'
NUMPY_ASSIGNMENTS = ("activations", "gradient_descent", "softmax", "backprop", "dropout")
LEFT_OUT = ("loop", "exit", "tamper", "sleep")  # endless and hostile notebooks measure their time limits


def sh(*args, cwd, check=True):
    subprocess.run([str(a) for a in args], cwd=cwd, env=ENV, check=check, capture_output=True)


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def base_course(workdir: Path) -> Path:
    course = workdir / "base"
    shutil.copytree(ROOT / "course", course, ignore=shutil.ignore_patterns(
        "gradebook.db", "release", "submitted", "autograded", "feedback", *IGNORED_FOLDERS))
    sh(BIN / "nbgrader", "generate_assignment", "*", "--force", cwd=course)
    return course


def build_class(base: Path, folder: Path, assignments, students: int) -> Path:
    """A copy of the course with ``students`` submissions, cycling through the corpus of ``assignments``."""
    course = folder / "course"
    shutil.copytree(base, course)
    cases = [(a, p.stem) for a in assignments for p in sorted((CORPUS / a).glob("*.py"))
             if not any(word in p.stem for word in LEFT_OUT)]
    cases = [c for group in itertools.zip_longest(*([c for c in cases if c[0] == a] for a in assignments))
             for c in group if c]  # the assignments interleaved, as a class's submissions arrive
    released = {a: nbformat.read(course / "release" / a / f"{a}.ipynb", as_version=4) for a in assignments}
    for i, (a, case) in zip(range(students), itertools.cycle(cases)):
        path = course / "submitted" / f"student{i:03d}" / a / f"{a}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(student_notebook(released[a], corpus_cells(CORPUS / a / f"{case}.py")), path)
    return course


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def grade_class(course: Path, workers: int) -> tuple[float, list[dict]]:
    report = course / f"results-w{workers}.json"
    seconds = timed(lambda: sh(BIN / "dlcourse", "grade", "submitted", "--course", ".", "--workers", workers,
                               "--json", report, cwd=course))
    return seconds, json.loads(report.read_text())["results"]


def print_steps(results_by_run: dict[str, list[dict]]):
    runs = list(results_by_run)
    print(f"    {'step (mean s per submission)':<30}" + "".join(f"{r:>12}" for r in runs))
    for step in STEPS:
        means = [statistics.fmean(r["steps"].get(step, 0.0) for r in results) for results in results_by_run.values()]
        if any(means):
            print(f"    {step:<30}" + "".join(f"{m:>12.3f}" for m in means))
    totals = [statistics.fmean(r["seconds"] for r in results) for results in results_by_run.values()]
    print(f"    {'engine, all steps (seconds)':<30}" + "".join(f"{t:>12.3f}" for t in totals))


def compare_workers(title: str, base: Path, tmp: Path, assignments, students: int, plain: bool, rounds: int):
    """Each round grades fresh copies of the class one way after the other (plain nbgrader, 1 worker, 2), so that
    the ratios compare runs minutes apart; with several rounds, the median of each round's ratio."""
    names = (["plain"] if plain else []) + ["w1", "w2"]
    print(f"\n{title}: {students} submissions of {', '.join(assignments)}, {rounds} round(s)  ({load()})")
    ratios, results = {"w2 vs w1": [], "w2 vs plain": []}, {}
    for number in range(rounds):
        courses = {name: build_class(base, tmp / title / f"{name}-{number}", assignments, students) for name in names}
        runs = {}
        if plain:
            (courses["plain"] / "nbgrader_config.py").write_text(PLAIN_CONFIG)
            # plain nbgrader exits 1 when any submission errors (a wrong solution can); it still grades the rest
            runs["plain"] = timed(lambda: [sh(BIN / "nbgrader", "autograde", a, cwd=courses["plain"], check=False)
                                           for a in assignments])
            print(f"  plain nbgrader autograde, sequential: {runs['plain']:7.1f} s")
        for workers in (1, 2):
            runs[f"w{workers}"], results[f"{workers} worker{'s' * (workers > 1)}"] = grade_class(
                courses[f"w{workers}"], workers)
            print(f"  dlcourse grade --workers {workers}:           {runs[f'w{workers}']:7.1f} s")
        scores = [sorted((r["student"], r["assignment"], r["score"]) for r in rs) for rs in results.values()]
        assert scores[0] == scores[1], "1 and 2 workers gave different scores"
        ratios["w2 vs w1"].append(runs["w1"] / runs["w2"])
        if plain:
            ratios["w2 vs plain"].append(runs["plain"] / runs["w2"])
    median = "median of the rounds' ratios" if rounds > 1 else "ratio"
    print(f"  --workers 2 vs --workers 1:    {statistics.median(ratios['w2 vs w1']):.2f}x faster "
          f"(target >= 1.85; {median})")
    if plain:
        print(f"  --workers 2 vs plain nbgrader: {statistics.median(ratios['w2 vs plain']):.2f}x faster "
              f"(target >= 2.0; {median})")
    print_steps(results)  # the last round's


def one_notebook(base: Path, tmp: Path, pairs: int):
    """Whole processes, as a user runs them: grading one notebook against executing it once."""
    folder = tmp / "one" / "activations"
    folder.mkdir(parents=True)
    for path in Course(base).assignment("activations").helper_files():
        shutil.copy2(path, folder / path.name)
    released = nbformat.read(base / "release" / "activations" / "activations.ipynb", as_version=4)
    notebook = folder / "activations.ipynb"
    nbformat.write(student_notebook(released, corpus_cells(CORPUS / "activations" / "correct_np_where.py")), notebook)
    grade = [BIN / "dlcourse", "grade", notebook, "--course", base, "--json", tmp / "one.json"]
    execute = [BIN / "jupyter", "nbconvert", "--to", "notebook", "--execute", "--output", tmp / "executed.ipynb",
               notebook]
    sh(*grade, cwd=folder)  # warm-up: the first start of anything reads it from disk
    graded, executed = [], []
    for _ in range(pairs):
        executed.append(timed(lambda: sh(*execute, cwd=folder)))
        graded.append(timed(lambda: sh(*grade, cwd=folder)))
    (result,) = json.loads((tmp / "one.json").read_text())["results"]
    assert result["score"] == result["max_score"], result
    g, e = statistics.median(graded), statistics.median(executed)
    print(f"\none activations notebook, whole processes, {pairs} alternating pairs (median)  ({load()})")
    print(f"  jupyter nbconvert --execute: {e:.2f} s")
    print(f"  dlcourse grade:              {g:.2f} s")
    print(f"  grade / execute:             {g / e:.2f}  (target <= 1.15)")
    print_steps({"graded": [result]})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=24)
    parser.add_argument("--pairs", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=1, help="rounds of each class comparison (their median "
                                                                   "ratio: steadier on a machine whose speed drifts)")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        base = base_course(tmp)
        compare_workers("activations", base, tmp, ["activations"], args.students, plain=False, rounds=args.rounds)
        compare_workers("mixed class", base, tmp, list(NUMPY_ASSIGNMENTS), args.students, plain=True,
                        rounds=args.rounds)
        one_notebook(base, tmp, args.pairs)
    print(f"\nend: {load()}")


if __name__ == "__main__":
    main()
