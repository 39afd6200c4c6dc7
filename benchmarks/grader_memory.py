"""The grader's memory against submissions that attack it.

Grades, each in a fresh grader process, a correct activations notebook (the baseline), notebooks that
attack the grader's memory through the kernel's messages, the course's own CNN notebook, and CNN
notebooks whose model configuration is the attack, and prints the peak resident memory (RSS, sampled
every 20 ms) of:

- the grader: the process that runs the engine and the hidden checks;
- the grader and its helpers: with the processes it starts for itself (the CNN's evaluator);
- the student's kernel (with what it started), which the sandbox bounds on its own: for information.

Targets, on "grader + helpers": every CNN attack under twice the CNN notebook's peak; every activations
attack under 300 MB above the baseline. Exits 1 if a target is missed.

    .venv/bin/python benchmarks/grader_memory.py [--cases NAME ...]
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the corpus and its notebook builder

# name: (assignment, corpus file under tests/corpus or None for the course's own notebook, code added at the end)
CASES = {
    "activations: correct (baseline)": ("activations", "activations/correct_np_where", ""),
    "activations: prints 40 x 50 MB": ("activations", "hostile/print_40x50mb", ""),
    "activations: prints 100 MB line by line": ("activations", "hostile/print_100mb", ""),
    "activations: prints 8 MB chunks while checks call it": ("activations", "activations/correct_np_where", """
import threading
def _flood():
    chunk = "y" * (8 * 2**20)
    while True:
        print(chunk)
threading.Thread(target=_flood, daemon=True).start()
"""),
    "activations: replies that decode to millions of objects": ("activations", "activations/correct_np_where", """
import json, sys
_sigmoid = sigmoid
def sigmoid(z):  # from then on, every reply is 7.9 MB of empty lists: the most objects per byte of JSON
    text = '{"replies": [' + ",".join(["[]"] * (2_700_000)) + ']}'
    sys.modules["_dlcourse_wire"].handle = lambda namespace, request: text
    return _sigmoid(z)
"""),
    "activations: one message of 64 frames of 8 MiB": ("activations", "activations/correct_np_where", """
import IPython, zmq
_kernel = IPython.get_ipython().kernel
_frame = zmq.Frame(b"z" * (8 * 2**20))
_thread = _kernel.iopub_thread  # its socket belongs to its own thread: the message is sent from there
_thread.io_loop.add_callback(lambda: _thread.socket.send_multipart(
    [b"flood", b"<IDS|MSG>", b"", b"{}", b"{}", b"{}", b"{}"] + [_frame] * 64, copy=False))
"""),
    "cnn: the course's notebook": ("cnn", None, ""),
    "cnn: a Dense layer of 250,000 units; one Conv2D applied 5,000 times": ("cnn", "cnn_hostile/costly_configs", ""),
    "cnn: Lambda layers (legacy functional and Sequential)": ("cnn", "cnn_hostile/lambda_configs", ""),
}


def notebook(course, case):
    import nbformat
    from notebooks import CORPUS, corpus_cells, student_notebook

    assignment_name, corpus, extra = CASES[case]
    assignment = course.assignment(assignment_name)
    if corpus is None:
        return assignment, nbformat.from_dict(assignment.source_nb)
    nb = student_notebook(assignment.released_nb, corpus_cells(CORPUS / f"{corpus}.py"))
    if extra:
        nb.cells.append(nbformat.v4.new_code_cell(extra))
    return assignment, nb


def grade_one(case, course_dir):
    """The child: grade one case and print its result as one JSON line."""
    from autograders.class_grading import devices
    from autograders.course import Course
    from autograders.engine import grade_notebook

    os.environ.update(devices.worker_env(0, 1, devices.usable_cores(), devices.visible_gpus()))
    assignment, nb = notebook(Course(course_dir), case)
    result = grade_notebook(nb, assignment, student="bench")
    print(json.dumps({"score": result.score, "max_score": result.max_score, "seconds": result.seconds,
                      "error": result.error}), flush=True)


def _processes():
    """pid -> (parent pid, RSS in bytes, command line) of every process."""
    out = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                stat = f.read()
            with open(f"/proc/{name}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        out[int(name)] = (int(fields[1]), int(fields[21]) * os.sysconf("SC_PAGE_SIZE"), cmdline)
    return out


def _sample(root):
    """RSS of the grader, of its helpers and of the student's kernel (each subtree under the grader)."""
    procs = _processes()
    children = {}
    for pid, (ppid, _, _) in procs.items():
        children.setdefault(ppid, []).append(pid)

    def subtree(pid):
        found, stack = [], [pid]
        while stack:
            p = stack.pop()
            found.append(p)
            stack += children.get(p, [])
        return found

    grader, command = procs.get(root, (0, 0, ""))[1:]
    helpers = kernel = 0
    for child in children.get(root, []):
        if procs[child][2] == command:
            continue  # forked, not yet exec'd: its memory is the grader's own pages, counted once already
        tree = subtree(child)
        rss = sum(procs[p][1] for p in tree if p in procs)
        if any("ipykernel_launcher" in procs[p][2] for p in tree if p in procs):
            kernel += rss
        else:
            helpers += rss
    return grader, grader + helpers, kernel


def measure(case, course_dir):
    process = subprocess.Popen([sys.executable, __file__, "--one", case, "--course", course_dir],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    peaks = [0, 0, 0]
    while process.poll() is None:
        peaks = [max(p, s) for p, s in zip(peaks, _sample(process.pid))]
        time.sleep(0.02)
    lines = process.stdout.read().strip().splitlines()
    return peaks, json.loads(lines[-1]) if lines else {"error": f"the grader exited with {process.returncode}"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--course", default=str(ROOT / "course"))
    parser.add_argument("--cases", nargs="*", help="names (or the start of names) of the cases to run")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        return grade_one(args.one, args.course)
    cases = [c for c in CASES if not args.cases or any(c.startswith(w) for w in args.cases)]
    mb = 2**20
    print(f"{'case':72s} {'grader':>8s} {'+helpers':>9s} {'kernel':>8s} {'score':>7s} {'seconds':>8s}")
    peaks = {}
    for case in cases:
        (grader, helpers, kernel), result = measure(case, args.course)
        peaks[case] = helpers
        score = f"{result['score']:g}/{result['max_score']:g}" if "score" in result else "-"
        print(f"{case:72s} {grader / mb:7.0f}M {helpers / mb:8.0f}M {kernel / mb:7.0f}M {score:>7s} "
              f"{result.get('seconds', 0):7.1f}s {result.get('error') or ''}", flush=True)
    baseline, cnn = peaks.get("activations: correct (baseline)"), peaks.get("cnn: the course's notebook")
    missed = []
    for case, peak in peaks.items():
        if case.startswith("activations:") and baseline and peak > baseline + 300 * mb:
            missed.append(f"{case}: {(peak - baseline) / mb:.0f} MB above the baseline (target: under 300)")
        if case.startswith("cnn:") and cnn and peak > 2 * cnn:
            missed.append(f"{case}: {peak / cnn:.1f} x the CNN notebook's peak (target: under 2)")
    print("targets: " + ("all met" if not missed else "missed: " + "; ".join(missed)))
    if missed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
