"""``dlcourse k8s``: grading a class on Kubernetes, in shards (``autograders/k8s/``, hub_config/kubernetes/README.md).

- ``grading-job`` writes the Indexed Job (and its NetworkPolicy) for the course;
- ``grade-shard`` is what each of the Job's pods runs;
- ``merge`` puts the finished shards into the course's gradebook.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path

from ..course import Course
from ..nbgrader_door.config import course_id
from ..errors import UsageError
from .options import Parser, add_course, check_writable, positive_int

DEFAULT_WORKERS = 4  # per pod: 8 cores and 13 GiB, a quarter to a half of a typical GPU node


def add_parser(sub):
    k8s = sub.add_parser("k8s", help="grade a class on Kubernetes: a Job of shards, then merge into the gradebook")
    commands = k8s.add_subparsers(dest="k8s_command", required=True, parser_class=Parser,
                                  metavar="{grading-job,grade-shard,merge}")

    job = commands.add_parser("grading-job", help="write the Kubernetes Indexed Job that grades the course's "
                                                  "collected submissions in shards, one pod per shard")
    add_course(job)
    job.add_argument("--shards", type=positive_int, required=True, metavar="N", help="pods grading in parallel")
    job.add_argument("--run", dest="run_name", metavar="NAME",
                     help="name of this grading run, a DNS label (default: the time, e.g. 20250314-0915)")
    job.add_argument("--image", default=_default_image(), metavar="IMAGE",
                     help="the grader image (hub_config/kubernetes/images/grader.Dockerfile; default %(default)s)")
    job.add_argument("--pvc", metavar="NAME", help="the course's PersistentVolumeClaim (default: the course id)")
    job.add_argument("--workers", type=positive_int, default=DEFAULT_WORKERS, metavar="W",
                     help="submissions each pod grades at once; a pod gets 2 cores and 3 GiB per worker "
                          f"(default {DEFAULT_WORKERS})")
    gpus = job.add_mutually_exclusive_group()
    gpus.add_argument("--gpus-per-pod", type=positive_int, default=1, metavar="G",
                      help="GPUs each pod asks for (nvidia.com/gpu; default 1, shared by its workers)")
    gpus.add_argument("--cpu-only", action="store_true", help="no GPUs: schedule the pods on any node")
    job.add_argument("--node-selector", action="append", default=[], metavar="KEY=VALUE",
                     help="a node label the pods must run on (repeatable), e.g. a GPU node pool's label")
    job.add_argument("-o", "--output", metavar="FILE", help="write the manifest here (default: standard output)")
    job.set_defaults(run=cmd_grading_job)

    shard = commands.add_parser("grade-shard", help="grade one shard of the class (what each pod of the Job runs)")
    shard.add_argument("--course", required=True, metavar="DIR", help="the course, as mounted in the pod")
    shard.add_argument("--out", required=True, metavar="DIR", help="the run's folder, where shard-K/ is written")
    shard.add_argument("--shards", type=positive_int, required=True, metavar="N", help="the Job's shard count")
    shard.add_argument("--index", type=int, metavar="K", help="this shard (default: $JOB_COMPLETION_INDEX)")
    shard.add_argument("--workers", type=positive_int, default=DEFAULT_WORKERS, metavar="W",
                       help=f"submissions graded at once (default {DEFAULT_WORKERS})")
    shard.add_argument("--scratch", default="/tmp", metavar="DIR", help="where the course is copied to be graded")
    shard.add_argument("--no-sandbox", action="store_true",
                       help="grade without the sandbox (trusted notebooks only: student code could read the "
                            "hidden checks in the pod)")
    shard.set_defaults(run=cmd_grade_shard)

    merge = commands.add_parser("merge", help="check that a run's shards cover the class exactly once and put "
                                              "their grades into the course's gradebook")
    merge.add_argument("run_dir", metavar="RUN_DIR", help="the run's folder, <course>/grading-runs/<run>")
    add_course(merge)
    merge.add_argument("--json", metavar="FILE", help="also write all the shards' results as one JSON report")
    merge.set_defaults(run=cmd_merge)


def _default_image() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"dlcourse-grader:{version('dlcourse')}"
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "dlcourse-grader:latest"


def _count_submissions(course: Course) -> int | None:
    submitted = course.root / "submitted"
    if not submitted.is_dir():
        return None  # the class lives on the cluster's volume, not in this copy of the course
    return len({p.parent for p in submitted.glob("*/*/*.ipynb")})


def cmd_grading_job(args) -> int:
    from ..k8s.grading_job import GradingJob, to_yaml

    course = Course(args.course)
    cid = course_id(course.root)
    here = _count_submissions(course)
    if here is not None and here and args.shards > here:
        raise UsageError(f"--shards {args.shards} is more than the {here} submissions in {course.root / 'submitted'}: "
                         f"use at most {here}, or the extra pods would hold GPUs with nothing to grade")
    selectors = {}
    for pair in args.node_selector:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--node-selector must be KEY=VALUE, got '{pair}'")
        selectors[key] = value
    run = args.run_name or datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    job = GradingJob(course_id=cid, run=run, shards=args.shards, image=args.image, pvc=args.pvc or cid,
                     workers=args.workers, gpus_per_pod=0 if args.cpu_only else args.gpus_per_pod,
                     node_selector=selectors)
    text = to_yaml(job.manifests())
    if args.output:
        check_writable("output", args.output)
        Path(args.output).write_text(text)
        print(f"wrote {args.output}: {args.shards} shard(s) of {args.workers} worker(s); then\n"
              f"  kubectl apply -f {args.output}\n"
              f"  kubectl wait --for=condition=complete --timeout=4h job/{job.name}\n"
              f"  dlcourse k8s merge {job.results_dir} --course /course   # in the formgrader's pod",
              file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_grade_shard(args) -> int:
    from ..class_grading.sharding import Shard
    from ..k8s.shard_run import grade_shard, job_index

    shard = Shard(job_index(args.index, args.shards), args.shards)
    folder = grade_shard(Path(args.course), Path(args.out), shard, args.workers, Path(args.scratch),
                         ["--no-sandbox"] if args.no_sandbox else [])
    print(f"shard {shard} graded: {folder}")
    return 0


def cmd_merge(args) -> int:
    from ..k8s.merge import merge

    merged = merge(Path(args.run_dir), Path(args.course))
    if args.json:
        Path(args.json).write_text(json.dumps({"results": merged.results}, indent=2))
    errors = sum(1 for r in merged.results if r.get("error"))
    print(f"merged {merged.shards} shard(s): {len(merged.results)} notebook(s) graded, {errors} with an error; "
          f"{merged.submissions} submission(s) now in the course's gradebook")
    return 0
