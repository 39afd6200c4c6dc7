"""Kubernetes (hub_config/kubernetes/): the grading Job, its shards and their merge, the Zero to
JupyterHub values, the images. Offline: manifests are rendered here and validated against the
Kubernetes API's own schemas (kubernetes-validate ships them), KubeSpawner's real traits and
pod manifests, and the rules the API server applies to names and quantities."""

import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest
import yaml
from nbgrader.api import Gradebook

from autograders import sharding
from autograders.batch import Job
from autograders.k8s.grading_job import GradingJob, sandbox_security_context
from autograders.k8s.merge import MergeError, read_shards
from autograders.k8s.validation import InvalidValue, dns1123_label, dns1123_subdomain, quantity
from conftest import BIN, ROOT, dlcourse, released, run
from notebooks import CORPUS, corpus_cells, student_notebook

KUBE = ROOT / "hub_config" / "kubernetes"
K8S_VERSIONS = ("1.30.0", "1.37.0")  # the oldest with appArmorProfile as a field, and the newest schema shipped


class Ran:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def cli(capsys, *args) -> Ran:
    """``dlcourse ARGS`` in this process (a subprocess costs seconds of imports each time)."""
    from autograders.cli import main

    capsys.readouterr()
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return Ran(code, out, err)


def validate_manifest(manifest: dict):
    """Strict validation against the Kubernetes API's OpenAPI schemas: unknown fields fail too."""
    import kubernetes_validate

    for version in K8S_VERSIONS:
        kubernetes_validate.validate(manifest, version, strict=True)


# ---- names and quantities -----------------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("500m", 0.5), ("2", 2), (2, 2), ("1.5", 1.5), ("16Gi", 16 * 2**30), ("128974848", 128974848),
    ("129e6", 129e6), ("129M", 129e6), ("123Mi", 123 * 2**20), ("1E", 1e18), ("1e3", 1000), (".5", 0.5),
])
def test_quantities_kubernetes_accepts(text, value):
    assert float(quantity(text)) == pytest.approx(value)


@pytest.mark.parametrize("text", ["", "1 Gi", "1GB", "1gi", "Gi", "1.2.3", "0x10", "1Gib", "--1", "1K", True, None])
def test_quantities_kubernetes_refuses(text):
    with pytest.raises(InvalidValue):
        quantity(text)


@pytest.mark.parametrize("name", ["dl-course", "a", "x" * 63, "0abc", "grading-20250314-0915"])
def test_dns1123_labels_accepted(name):
    assert dns1123_label(name) == name


@pytest.mark.parametrize("name", ["", "x" * 64, "Dl-course", "dl_course", "-a", "a-", "a.b", "é"])
def test_dns1123_labels_refused(name):
    with pytest.raises(InvalidValue):
        dns1123_label(name)


def test_dns1123_subdomains():
    assert dns1123_subdomain("ngshare.jhub.svc.cluster.local")
    for bad in ("a..b", "a." + "b" * 300, "A.b"):
        with pytest.raises(InvalidValue):
            dns1123_subdomain(bad)


# ---- shards cover the class exactly once --------------------------------------------------------

def fake_class(root: Path, students: int, assignments: list[str]) -> list[Job]:
    """A class on disk (submitted/<student>/<assignment>/<assignment>.ipynb, some missing, a stray
    notebook) planned as `dlcourse grade` plans it."""
    from autograders.batch import plan
    from autograders.cli import find_notebooks
    from autograders.course import Course

    course = root / "course"
    shutil.copytree(ROOT / "course", course, ignore=shutil.ignore_patterns("submitted", "autograded", "gradebook.db"))
    for i in range(students):
        for j, assignment in enumerate(assignments):
            if (i + j) % 7 == 3:  # some students skipped some assignments
                continue
            path = course / "submitted" / f"s{i:03d}" / assignment / f"{assignment}.ipynb"
            path.parent.mkdir(parents=True)
            nbformat.write(nbformat.v4.new_notebook(), path)
    stray = course / "submitted" / "s000" / "activations-old.ipynb"  # not in the gradebook's layout
    nbformat.write(nbformat.v4.new_notebook(), stray)
    return plan(find_notebooks([course / "submitted"]), Course(course))


@pytest.mark.parametrize("count", [1, 2, 3, 7, 64])
def test_shards_are_a_partition_of_the_class(tmp_path, count):
    jobs = fake_class(tmp_path, 40, ["activations", "cnn", "softmax"])
    assert len(jobs) > 100
    shards = [sharding.select(jobs, sharding.Shard(k, count)) for k in range(count)]
    graded = [sharding.job_key(job) for shard in shards for job in shard]
    assert sorted(graded) == sorted(sharding.job_key(job) for job in jobs)  # everyone, exactly once
    assert max(map(len, shards)) - min(map(len, shards)) <= 1  # and evenly
    for assignment in ("activations", "cnn"):  # the slow assignment spread too, not piled on one pod
        per_shard = [sum(job.assignment == assignment for job in shard) for shard in shards]
        assert max(per_shard) - min(per_shard) <= 1


def test_shards_do_not_depend_on_the_order_files_are_found(tmp_path):
    jobs = fake_class(tmp_path, 12, ["activations", "cnn"])
    for k in range(3):
        shard = sharding.Shard(k, 3)
        assert ([sharding.job_key(j) for j in sharding.select(jobs, shard)]
                == [sharding.job_key(j) for j in sharding.select(list(reversed(jobs)), shard)])


@pytest.mark.parametrize("text, message", [
    ("4/4", "must be below the shard count"), ("0/0", "at least 1 shard"), ("1", "must be K/N"),
    ("-1/3", "must be K/N"), ("a/b", "must be K/N"),
])
def test_bad_shard_options_are_usage_errors(capsys, text, message):
    proc = cli(capsys, "grade", ROOT / "course/source/activations", f"--shard={text}")
    assert proc.returncode == 2 and message in proc.stderr


# ---- the grading Job --------------------------------------------------------------------------

def generated_job(capsys, *options, course=ROOT / "course") -> list[dict]:
    proc = cli(capsys, "k8s", "grading-job", "--course", course, "--run", "t1", *options)
    assert proc.returncode == 0, proc.stderr
    return list(yaml.safe_load_all(proc.stdout))


def test_grading_job_is_an_indexed_job_on_gpu_nodes_that_kubernetes_accepts(capsys):
    policy, job = generated_job(capsys, "--shards", "5", "--workers", "3")
    for manifest in (policy, job):
        validate_manifest(manifest)
        dns1123_label(manifest["metadata"]["name"])
    spec = job["spec"]
    assert spec["completionMode"] == "Indexed" and spec["completions"] == spec["parallelism"] == 5
    pod = spec["template"]["spec"]
    (container,) = pod["containers"]
    resources = container["resources"]
    assert resources["limits"]["nvidia.com/gpu"] == resources["requests"]["nvidia.com/gpu"] == "1"
    for kind in ("requests", "limits"):
        for name, value in resources[kind].items():
            assert quantity(value) > 0, (kind, name)
    assert quantity(resources["requests"]["memory"]) == quantity(resources["limits"]["memory"]) == 10 * 2**30
    assert quantity(resources["requests"]["cpu"]) == 6
    assert pod["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in pod["tolerations"]
    assert container["command"][:3] == ["dlcourse", "k8s", "grade-shard"] and "5" in container["command"]
    assert pod["automountServiceAccountToken"] is False
    # the course is read-only in the pod, the shard writes its results beside it
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    assert mounts["/course"]["readOnly"] is True and mounts["/results"]["subPath"] == "grading-runs"
    assert policy["spec"]["podSelector"]["matchLabels"].items() <= job["spec"]["template"]["metadata"]["labels"].items()
    assert "ingress" not in policy["spec"] and "egress" not in policy["spec"]  # nothing in, nothing out


def test_grading_job_keeps_the_sandbox_and_asks_only_for_what_it_needs(capsys):
    _, job = generated_job(capsys, "--shards", "2")
    context = job["spec"]["template"]["spec"]["containers"][0]["securityContext"]
    assert context == sandbox_security_context()
    assert context["runAsUser"] == 0 and context["capabilities"]["drop"] == ["ALL"]
    assert set(context["capabilities"]["add"]) == {"CHOWN", "DAC_OVERRIDE", "FOWNER", "KILL", "NET_ADMIN",
                                                   "SETGID", "SETUID", "SYS_ADMIN"}
    assert "privileged" not in context and "allowPrivilegeEscalation" not in context
    assert "--no-sandbox" not in job["spec"]["template"]["spec"]["containers"][0]["command"]


def test_cpu_only_grading_job_asks_for_no_gpu(capsys):
    _, job = generated_job(capsys, "--shards", "2", "--cpu-only", "--node-selector", "pool=grading")
    validate_manifest(job)
    pod = job["spec"]["template"]["spec"]
    assert "nvidia.com/gpu" not in json.dumps(pod["containers"][0]["resources"])
    assert pod["nodeSelector"] == {"pool": "grading"} and "tolerations" not in pod


def test_the_validator_catches_what_kubernetes_would_refuse():
    """The schema check is not a tautology: a misspelt field or a wrong type fails it."""
    import kubernetes_validate

    job = GradingJob("dl-course", "t1", 2, "img:1", "dl-course").job()
    job["spec"]["completionMod"] = "Indexed"
    with pytest.raises(kubernetes_validate.ValidationError):
        validate_manifest(job)
    job = GradingJob("dl-course", "t1", 2, "img:1", "dl-course").job()
    job["spec"]["completions"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        validate_manifest(job)


@pytest.mark.parametrize("options, message", [
    (["--shards", "0"], "--shards: must be at least 1"),
    (["--shards", "2", "--course", "/nonexistent"], "/nonexistent is not a course"),
    (["--shards", "2", "--run", "Friday_run"], "is not a DNS-1123 label"),
    (["--shards", "2", "--pvc", "x" * 70], "at most 63"),
    (["--shards", "2", "--image", "bad image"], "without spaces"),
    (["--shards", "2", "--node-selector", "gpu"], "KEY=VALUE"),
    (["--shards", "2", "--cpu-only", "--gpus-per-pod", "2"], "not allowed with argument"),
    (["--shards", "2", "--output", "/nonexistent/job.yaml"], "no folder /nonexistent"),
])
def test_grading_job_usage_errors(capsys, options, message):
    proc = cli(capsys, "k8s", "grading-job", *options)
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr
    assert proc.stderr.startswith("dlcourse: error:") and proc.stderr.count("\n") == 1


def test_more_shards_than_submissions_is_refused(capsys, tmp_path):
    fake_class(tmp_path, 2, ["activations"])
    proc = cli(capsys, "k8s", "grading-job", "--course", tmp_path / "course", "--shards", "9")
    assert proc.returncode == 2 and "more than the 2 submissions" in proc.stderr


# ---- a class graded in shards and merged gives the gradebook of grading it in place -------------

CASES = ["correct_np_where", "partly_wrong", "tamper_equal_to_anything"]


@pytest.fixture(scope="module")
def small_class(tmp_path_factory):
    """A course with the activations assignment generated, and four students' submissions."""
    course = tmp_path_factory.mktemp("k8s") / "course"
    shutil.copytree(ROOT / "course", course, ignore=shutil.ignore_patterns(
        "gradebook.db", "release", "submitted", "autograded", "feedback", "__pycache__", ".ipynb_checkpoints"))
    run([BIN / "nbgrader", "generate_assignment", "activations", "--force"], cwd=course)
    template = released(course, "activations")
    for i, case in enumerate(CASES):
        path = course / "submitted" / f"s{i}" / "activations" / "activations.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(student_notebook(template, corpus_cells(CORPUS / "activations" / f"{case}.py")), path)
        (path.parent / "timestamp.txt").write_text(f"2025-03-1{i} 09:00:00.000000 UTC")
    return course


def gradebook(course: Path) -> list[tuple]:
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return sorted((sub.student.id, str(sub.timestamp), nb.name, g.name, g.auto_score, g.needs_manual_grade)
                      for sub in gb.assignment_submissions("activations") for nb in sub.notebooks for g in nb.grades)


@pytest.fixture(scope="module")
def graded_both_ways(small_class, tmp_path_factory):
    """The class graded in place by `dlcourse grade`, and in 2 shards by `grade-shard` then merged."""
    in_place = tmp_path_factory.mktemp("in-place") / "course"
    shutil.copytree(small_class, in_place)
    dlcourse("grade", in_place / "submitted", "--course", in_place, "--workers", "2", "--call-timeout", "5")
    sharded = tmp_path_factory.mktemp("sharded") / "course"
    shutil.copytree(small_class, sharded)
    run_dir = sharded / "grading-runs" / "r1"
    for k in range(2):
        dlcourse("k8s", "grade-shard", "--course", sharded, "--out", run_dir, "--shards", "2", "--index", k,
                 "--workers", "2", "--scratch", tmp_path_factory.mktemp(f"scratch{k}"))
    report = sharded / "merged.json"
    proc = dlcourse("k8s", "merge", run_dir, "--course", sharded, "--json", report)
    return in_place, sharded, run_dir, proc.stdout, json.loads(report.read_text())["results"]


def test_sharded_and_merged_grades_equal_grading_in_place(graded_both_ways):
    in_place, sharded, run_dir, output, results = graded_both_ways
    rows = gradebook(sharded)
    assert rows == gradebook(in_place)
    assert {row[0] for row in rows} == {f"s{i}" for i in range(len(CASES))}
    assert sorted(r["student"] for r in results) == [f"s{i}" for i in range(len(CASES))]
    assert "3 submission(s) now in the course's gradebook" in output
    scores = {r["student"]: r["score"] for r in results}
    assert scores["s0"] == 10.0 and scores["s1"] < 10 and scores["s2"] < 10
    for i in range(len(CASES)):  # formgrader and feedback read nbgrader's graded notebooks
        assert (sharded / "autograded" / f"s{i}" / "activations" / "activations.ipynb").is_file()


def test_each_submission_was_graded_by_exactly_one_shard(graded_both_ways):
    _, _, run_dir, _, _ = graded_both_ways
    records = [json.loads((run_dir / f"shard-{k}" / "shard.json").read_text()) for k in range(2)]
    graded = [tuple(key) for record in records for key in record["graded"]]
    assert len(graded) == len(set(graded)) == len(CASES)
    assert all(record["class"] == records[0]["class"] for record in records)


def test_merging_again_changes_nothing(capsys, graded_both_ways):
    _, sharded, run_dir, _, _ = graded_both_ways
    before = gradebook(sharded)
    assert cli(capsys, "k8s", "merge", run_dir, "--course", sharded).returncode == 0
    assert gradebook(sharded) == before


def test_merge_refuses_missing_or_doubled_shards(capsys, graded_both_ways, tmp_path):
    _, sharded, run_dir, _, _ = graded_both_ways
    partial = tmp_path / "partial"
    shutil.copytree(run_dir, partial)
    shutil.rmtree(partial / "shard-1")
    with pytest.raises(MergeError, match=r"shard\(s\) 1 of 2 have not finished"):
        read_shards(partial)
    proc = cli(capsys, "k8s", "merge", partial, "--course", sharded)
    assert proc.returncode == 1 and "have not finished" in proc.stderr
    doubled = tmp_path / "doubled"
    shutil.copytree(run_dir, doubled)
    first, second = (json.loads((doubled / f"shard-{k}" / "shard.json").read_text()) for k in range(2))
    second["graded"] += first["graded"][:1]  # shard 1 claims one of shard 0's submissions too
    (doubled / "shard-1" / "shard.json").write_text(json.dumps(second))
    with pytest.raises(MergeError, match="graded twice"):
        read_shards(doubled)
    first["graded"], second["graded"] = first["graded"][1:], second["graded"][:-2]  # and now two are lost
    (doubled / "shard-0" / "shard.json").write_text(json.dumps(first))
    (doubled / "shard-1" / "shard.json").write_text(json.dumps(second))
    with pytest.raises(MergeError, match="not graded"):
        read_shards(doubled)


def test_grade_shard_needs_an_index_and_submissions(capsys, small_class, tmp_path, monkeypatch):
    monkeypatch.delenv("JOB_COMPLETION_INDEX", raising=False)
    proc = cli(capsys, "k8s", "grade-shard", "--course", small_class, "--out", tmp_path, "--shards", "2")
    assert proc.returncode == 1 and "no shard index" in proc.stderr
    monkeypatch.setenv("JOB_COMPLETION_INDEX", "2")
    proc = cli(capsys, "k8s", "grade-shard", "--course", small_class, "--out", tmp_path, "--shards", "2")
    assert proc.returncode == 1 and "outside 0..1" in proc.stderr
    empty = tmp_path / "empty"
    shutil.copytree(ROOT / "course", empty, ignore=shutil.ignore_patterns("submitted"))
    proc = cli(capsys, "k8s", "grade-shard", "--course", empty, "--out", tmp_path, "--shards", "1", "--index", "0")
    assert proc.returncode == 2 and "no submitted/ folder" in proc.stderr
