"""How long does grading a class take? Plain nbgrader against `dlcourse grade` with 1 and 2 workers.

Builds a synthetic class (default 24 submissions) of the numpy assignments from the
test corpus (correct and partly wrong solutions), releases the assignments with the
real `nbgrader generate_assignment`, then times, on identical copies of the course:

1. plain `nbgrader autograde <assignment>` run sequentially over the class with
   nbgrader's own Execute step (a course config without the grading engine);
2. `dlcourse grade submitted/ --workers 1`;
3. `dlcourse grade submitted/ --workers 2`.

Targets on a 2-core machine: (3) at least 1.7x faster than (2), and 1.5x faster than (1).

    .venv/bin/python benchmarks/class_grading.py [--students 24]
"""

import argparse
import itertools
import os
import shutil
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

BIN = Path(sys.executable).parent
ENV = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
PLAIN_CONFIG = 'c = get_config()\nc.CourseDirectory.course_id = "dl-course"\n'


def sh(*args, cwd, check=True):
    subprocess.run([str(a) for a in args], cwd=cwd, env=ENV, check=check, capture_output=True)


def build_class(workdir: Path, students: int) -> tuple[Path, list[str]]:
    course = workdir / "course"
    shutil.copytree(ROOT / "course", course, ignore=shutil.ignore_patterns(
        "gradebook.db", "release", "submitted", "autograded", "feedback", "__pycache__"))
    names = [a for a in Course(course).assignment_names() if (CORPUS / a).is_dir() and a != "concepts_quiz"]
    cases = [(a, p.stem) for a in names for p in sorted((CORPUS / a).glob("*.py"))
             if not any(word in p.stem for word in ("loop", "exit", "tamper", "sleep"))]
    for a in names:
        sh(BIN / "nbgrader", "generate_assignment", a, "--force", cwd=course)
    released = {a: nbformat.read(course / "release" / a / f"{a}.ipynb", as_version=4) for a in names}
    for i, (a, case) in zip(range(students), itertools.cycle(cases)):
        path = course / "submitted" / f"student{i:03d}" / a / f"{a}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(student_notebook(released[a], corpus_cells(CORPUS / a / f"{case}.py")), path)
    return course, sorted({a for a, _ in cases})


def timed(fn):
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=24)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base, assignments = build_class(Path(tmp) / "base", args.students)
        copies = {}
        for name in ("plain", "w1", "w2"):
            copies[name] = Path(tmp) / name / "course"
            shutil.copytree(base, copies[name])
        (copies["plain"] / "nbgrader_config.py").write_text(PLAIN_CONFIG)
        print(f"class: {args.students} submissions of {', '.join(assignments)}")

        # plain nbgrader exits 1 when any submission errors (a wrong solution can); it still grades the rest
        plain = timed(lambda: [sh(BIN / "nbgrader", "autograde", a, cwd=copies["plain"], check=False)
                               for a in assignments])
        print(f"  plain nbgrader autograde, sequential: {plain:7.1f} s")
        w1 = timed(lambda: sh(BIN / "dlcourse", "grade", "submitted", "--course", ".", "--workers", "1", cwd=copies["w1"]))
        print(f"  dlcourse grade --workers 1:           {w1:7.1f} s")
        w2 = timed(lambda: sh(BIN / "dlcourse", "grade", "submitted", "--course", ".", "--workers", "2", cwd=copies["w2"]))
        print(f"  dlcourse grade --workers 2:           {w2:7.1f} s")
        print(f"  --workers 2 vs --workers 1:  {w1 / w2:.2f}x faster (target >= 1.7)")
        print(f"  --workers 2 vs plain nbgrader: {plain / w2:.2f}x faster (target >= 1.5)")


if __name__ == "__main__":
    main()
