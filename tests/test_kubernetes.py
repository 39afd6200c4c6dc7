"""Kubernetes (hub_config/kubernetes/): the grading Job, its shards and their merge, the Zero to
JupyterHub values, the images. Offline: manifests are rendered here and validated against the
Kubernetes API's own schemas (kubernetes-validate ships them), KubeSpawner's real traits and
pod manifests, and the rules the API server applies to names and quantities."""

import json
import os
import re
import shutil
from pathlib import Path

import nbformat
import pytest
import yaml
from nbgrader.api import Gradebook

from autograders.class_grading import sharding
from autograders.class_grading.plan import Job
from autograders.k8s.grading_job import GradingJob, sandbox_security_context
from autograders.k8s.merge import MergeError, read_shards
from autograders.k8s.validation import InvalidValue, dns1123_label, dns1123_subdomain, quantity
from conftest import BIN, ROOT, dlcourse, released, run, run_coroutine
from notebooks import CORPUS, corpus_cells, student_notebook

KUBE = ROOT / "hub_config" / "kubernetes"
K8S_VERSIONS = ("1.30.0", "1.37.0")  # the oldest with appArmorProfile as a field, and the newest schema shipped


class Ran:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def cli(capsys, *args) -> Ran:
    """``dlcourse ARGS`` in this process (a subprocess costs seconds of imports each time)."""
    from autograders.cli.main import main

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
    from autograders.class_grading.plan import find_notebooks, plan
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
    return plan(find_notebooks([course / "submitted"]), Course(course)).jobs


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
    assert proc.returncode == 1 and "no submitted/ folder" in proc.stderr  # the pod's course, not a usage error


# ---- the Zero to JupyterHub values ----------------------------------------------------------------

# Every key of values.yaml must be one of these paths of the chart's values (jupyterhub chart 4.4.0,
# checked against its values.schema.yaml): a misspelt key is ignored by Helm without a word, so the
# test refuses any other. Below a "*" the chart passes the mapping on unchecked (JupyterHub config
# classes, services, roles, files, KubeSpawner profiles), and the tests after this check those.
Z2JH_KEYS = {
    "hub.config.*",  # traitlets config of JupyterHub and its authenticator, passed through
    "hub.extraFiles.*",  # files mounted into the hub pod: the roster and course_hub.py
    "hub.services.*",  # c.JupyterHub.services, with apiToken kept in the chart's Secret
    "hub.loadRoles.*",  # c.JupyterHub.load_roles
    "hub.concurrentSpawnLimit",
    "hub.resources.*",
    "singleuser.image.name", "singleuser.image.tag", "singleuser.image.pullPolicy",
    "singleuser.defaultUrl", "singleuser.extraEnv.*",
    "singleuser.memory.guarantee", "singleuser.memory.limit", "singleuser.cpu.guarantee", "singleuser.cpu.limit",
    "singleuser.storage.type", "singleuser.storage.capacity",
    "singleuser.networkPolicy.egress",  # extra egress rules (a list of NetworkPolicyEgressRule)
    "singleuser.profileList",  # KubeSpawner.profile_list
    "cull.enabled", "cull.timeout", "cull.every", "cull.users",
    "scheduling.userScheduler.enabled", "scheduling.podPriority.enabled",
    "scheduling.userPlaceholder.enabled", "scheduling.userPlaceholder.replicas",
    "prePuller.hook.enabled", "prePuller.continuous.enabled",
}
# how the chart maps singleuser.* onto KubeSpawner (its files/hub/jupyterhub_config.py), for the keys above
SINGLEUSER_TRAITS = {"memory.limit": "mem_limit", "memory.guarantee": "mem_guarantee", "cpu.limit": "cpu_limit",
                     "cpu.guarantee": "cpu_guarantee", "extraEnv": "environment", "profileList": "profile_list",
                     "defaultUrl": "default_url"}


@pytest.fixture(scope="module")
def values():
    return yaml.safe_load((KUBE / "values.yaml").read_text())


def key_paths(tree, prefix=""):
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if any(path.startswith(allowed[:-1]) for allowed in Z2JH_KEYS if allowed.endswith("*")):
            yield path.rsplit(".", 1)[0] + ".*" if "." in path else path
        elif isinstance(value, dict):
            yield from key_paths(value, f"{path}.")
        else:
            yield path


def test_values_use_only_chart_keys(values):
    used = set(key_paths(values))
    assert used <= Z2JH_KEYS, f"not keys of the chart: {used - Z2JH_KEYS}"
    # and the check is not vacuous: a misspelt key is caught
    assert not set(key_paths({"singleuser": {"memmory": {"limit": "1G"}}})) <= Z2JH_KEYS


def test_values_match_the_course(values):
    from importlib.metadata import version

    hub = values["hub"]
    assert hub["config"]["JupyterHub"]["authenticator_class"] == "firstuseauthenticator.FirstUseAuthenticator"
    assert set(hub["services"]) == {"dl-course", "ngshare"}
    for name, service in hub["services"].items():
        dns1123_label(name)
        host = re.fullmatch(r"http://([a-z0-9-]+):(\d+)", service["url"])
        assert host, service["url"]
        dns1123_label(host[1])
    assert set(hub["loadRoles"]["formgrade-dl-course"]["scopes"]) == {
        "access:services!service=dl-course", "read:services!service=dl-course", "list:services"}
    assert hub["loadRoles"]["formgrade-dl-course"]["groups"] == ["formgrade-dl-course"]
    assert not any("access:services!service=dl-course" in s for s in hub["loadRoles"]["nbgrader-dl-course"]["scopes"])
    assert values["cull"]["enabled"] is True and values["cull"]["timeout"] == 3600
    assert values["singleuser"]["extraEnv"]["TF_FORCE_GPU_ALLOW_GROWTH"] == "true"
    # the image the values name is the one `make`-independent builds tag: this package's version
    assert values["singleuser"]["image"]["tag"] == version("dlcourse")


def singleuser_config(values):
    from traitlets.config import Config

    config = Config()
    single = values["singleuser"]
    config.KubeSpawner.image = f"{single['image']['name']}:{single['image']['tag']}"
    for key, trait in SINGLEUSER_TRAITS.items():
        node = single
        for part in key.split("."):
            node = node[part]
        config.KubeSpawner[trait] = node
    return config


def render_pod(values, profile, kubeconfig) -> dict:
    """The pod KubeSpawner makes for a student who picks ``profile``, with the chart's settings."""
    from kubernetes_asyncio.client import ApiClient
    from kubespawner import KubeSpawner

    async def render():
        spawner = KubeSpawner(config=singleuser_config(values), _mock=True)
        spawner.user_options = {"profile": profile}
        await spawner.load_user_options()
        pod = await spawner.get_pod_manifest()
        return {"apiVersion": "v1", "kind": "Pod", **ApiClient().sanitize_for_serialization(pod)}

    return run_coroutine(render())


@pytest.fixture
def offline_kubeconfig(tmp_path, monkeypatch):
    """KubeSpawner builds an API client when it is made; this one points nowhere and is never called."""
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "offline",
        "clusters": [{"name": "offline", "cluster": {"server": "https://127.0.0.1:1"}}],
        "users": [{"name": "offline", "user": {"token": "none"}}],
        "contexts": [{"name": "offline", "context": {"cluster": "offline", "user": "offline"}}]}))
    from kubernetes_asyncio.config import kube_config

    # read from $KUBECONFIG when the client library is first imported, so set where it keeps it
    monkeypatch.setattr(kube_config, "KUBE_CONFIG_DEFAULT_LOCATION", str(path))
    return path


def test_profiles_use_real_kubespawner_settings(values):
    from kubespawner import KubeSpawner

    traits = set(KubeSpawner.class_trait_names())
    profiles = values["singleuser"]["profileList"]
    assert [p["slug"] for p in profiles] == ["cpu", "gpu"] and profiles[0]["default"] is True
    for profile in profiles:
        dns1123_label(profile["slug"])
        assert set(profile.get("kubespawner_override", {})) <= traits
    assert "extra_resource_limitz" not in traits  # the check can fail


@pytest.mark.parametrize("profile", ["cpu", "gpu"])
def test_student_pods_render_and_kubernetes_accepts_them(values, offline_kubeconfig, profile):
    pod = render_pod(values, profile, offline_kubeconfig)
    validate_manifest(pod)
    container = pod["spec"]["containers"][0]
    resources = container["resources"]
    for kind in ("requests", "limits"):
        for name, value in resources[kind].items():
            assert quantity(value) > 0
    assert quantity(resources["requests"]["memory"]) <= quantity(resources["limits"]["memory"])
    assert quantity(resources["requests"]["memory"]) >= 1.5 * 2**30  # a TensorFlow kernel that trained the CNN
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["TF_FORCE_GPU_ALLOW_GROWTH"] == "true"
    assert container["image"] == "dlcourse-student:0.1.0"
    if profile == "gpu":
        assert resources["limits"]["nvidia.com/gpu"] == "1"
        assert pod["spec"]["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
        assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in pod["spec"]["tolerations"]
    else:
        assert "nvidia.com/gpu" not in json.dumps(resources) and not pod["spec"].get("nodeSelector")


def test_roster_sets_who_logs_in_and_who_grades(tmp_path):
    import runpy

    from traitlets.config import Config

    roster = tmp_path / "roster.csv"
    shutil.copy(ROOT / "course" / "roster.csv", roster)
    hub = runpy.run_path(str(KUBE / "course_hub.py"))
    c = Config()
    hub["configure"](c, roster)
    assert c.Authenticator.allowed_users >= {"alice", "bob", "instructor"}
    assert "admin_users" not in c.Authenticator and c.Spawner.disable_user_config
    roles = {role["name"]: role for role in c.JupyterHub.load_roles.get_value([])}  # appended to the chart's
    assert roles["admin"]["users"] == [] and roles["instructors"]["users"] == ["instructor"]
    assert "admin:users" in roles["instructors"]["scopes"]
    assert not {"access:servers", "shares"} & set(roles["instructors"]["scopes"])
    assert c.JupyterHub.load_groups["formgrade-dl-course"]["users"] == ["instructor"]
    assert {"alice", "bob", "instructor"} <= set(c.JupyterHub.load_groups["nbgrader-dl-course"]["users"])
    for bad, message in [("id,role\ndl-course,student\n", "name of one of the hub's services"),
                         ("id,role\nAlice,student\n", "not a usable id"),
                         ("id,role\nbob,teacher\n", "not student or instructor"),
                         ("id,role\nbob,student\nbob,student\n", "listed twice"), ("name\nbob\n", "first line")]:
        roster.write_text(bad)
        with pytest.raises(SystemExit, match=message):
            hub["configure"](Config(), roster)


def test_course_objects_kubernetes_accepts_and_the_hub_matches(values):
    objects = list(yaml.safe_load_all((KUBE / "formgrader.yaml").read_text()))
    assert [o["kind"] for o in objects] == ["PersistentVolumeClaim", "Deployment", "Service", "NetworkPolicy"]
    for manifest in objects:
        validate_manifest(manifest)
        dns1123_label(manifest["metadata"]["name"])
    pvc, deployment, service, _ = objects
    assert pvc["metadata"]["name"] == "dl-course" and pvc["spec"]["accessModes"] == ["ReadWriteMany"]
    quantity(pvc["spec"]["resources"]["requests"]["storage"])
    # the hub's service "dl-course" points at this Service, and the pod holds that service's token
    url = values["hub"]["services"]["dl-course"]["url"]
    assert url == f"http://{service['metadata']['name']}:{service['spec']['ports'][0]['port']}"
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e for e in container["env"]}
    assert env["JUPYTERHUB_API_TOKEN"]["valueFrom"]["secretKeyRef"] == {"name": "hub",
                                                                        "key": "hub.services.dl-course.apiToken"}
    assert env["JUPYTERHUB_SERVICE_NAME"]["value"] == "dl-course"
    assert env["JUPYTERHUB_SERVICE_PREFIX"]["value"] == "/services/dl-course/"
    # autograding in formgrader is sandboxed like the grading Job
    assert container["securityContext"] == sandbox_security_context()
    for kind in ("requests", "limits"):
        for value in container["resources"][kind].values():
            assert quantity(value) > 0


# ---- the images: hidden material never reaches the student image ---------------------------------

def dockerfile_sources(path: Path) -> list[str]:
    """The build-context paths a Dockerfile's COPY and ADD instructions read (``--from`` stages refused)."""
    text = re.sub(r"\\\n", " ", path.read_text())
    sources = []
    for line in text.splitlines():
        words = line.split()
        if not words or words[0].upper() not in ("COPY", "ADD"):
            continue
        args = [w for w in words[1:] if not w.startswith("--")]
        if any(w.startswith("--from") for w in words[1:]):
            raise AssertionError(f"{path.name}: {line.strip()} copies from another image or stage")
        if args[0].startswith("["):
            args = json.loads(" ".join(args))
        sources += args[:-1]
    return sources


def dockerignore_allows(patterns: list[str], path: str) -> bool:
    """Docker's rule: the last pattern that matches a path (or a folder above it) decides; '!' re-includes."""
    allowed = True
    parts = path.split("/")
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern[1:] if negate else pattern
        pattern = pattern.strip("/")
        regex = re.escape(pattern).replace(r"\*\*/", "(.*/)?").replace(r"\*\*", ".*").replace(r"\*", "[^/]*")
        if any(re.fullmatch(regex, "/".join(parts[:i])) for i in range(1, len(parts) + 1)):
            allowed = negate
    return allowed


def build_context(dockerfile: Path) -> list[str]:
    patterns = [line.strip() for line in Path(f"{dockerfile}.dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    files = []
    for folder, subfolders, names in os.walk(ROOT):
        subfolders[:] = [d for d in subfolders if d not in (".git", ".venv", ".venv-student")]
        files += [(Path(folder) / name).relative_to(ROOT).as_posix() for name in names]
    return [f for f in files if dockerignore_allows(patterns, f)]


HIDDEN = re.compile(r"^(autograders/|course/source/.*\.ipynb$|tests/|course/gradebook\.db$|course/submitted/)")


def test_student_image_cannot_copy_hidden_material():
    dockerfile = KUBE / "images" / "student.Dockerfile"
    context = build_context(dockerfile)
    assert "course/requirements.txt" in context
    assert not [f for f in context if HIDDEN.match(f) or f.startswith("course/source/")]
    for source in dockerfile_sources(dockerfile):
        assert not source.startswith(("autograders", "course/source", "tests", ".")) and "*" not in source, source
        assert any(f == source.rstrip("/") or f.startswith(source) for f in context), f"{source} not in context"
    text = dockerfile.read_text()
    # nor install the grader's package, which carries the hidden checks
    assert not re.search(r"pip install[^\n]*\s(\.|/opt/dlcourse/src|dlcourse)(\s|$)", text)
    assert "autograders" not in re.sub(r"^#.*$", "", text, flags=re.MULTILINE)


def test_the_image_checks_catch_a_leak(tmp_path):
    leaky = tmp_path / "student.Dockerfile"
    leaky.write_text("FROM python:3.11-slim\nCOPY autograders/ /opt/x/\n")
    (tmp_path / "student.Dockerfile.dockerignore").write_text("*\n!course/requirements.txt\n!autograders/\n")
    assert [f for f in build_context(leaky) if HIDDEN.match(f)]
    assert dockerfile_sources(leaky) == ["autograders/"]
    assert not dockerignore_allows(["*", "!course/requirements.txt"], "autograders/assignments/cnn/reference.py")
    assert dockerignore_allows(["*", "!hub_config/kubernetes/images/student/"],
                               "hub_config/kubernetes/images/student/nbgrader_config.py")
    staged = tmp_path / "staged.Dockerfile"
    staged.write_text("FROM grader AS g\nFROM python\nCOPY --from=g /opt /opt\n")
    with pytest.raises(AssertionError, match="another image or stage"):
        dockerfile_sources(staged)


def test_grader_image_holds_what_grading_needs_and_no_class_data():
    dockerfile = KUBE / "images" / "grader.Dockerfile"
    context = build_context(dockerfile)
    assert "autograders/assignments/cnn/hidden_checks.py" in context
    assert "course/source/cnn/cnn.ipynb" in context and "course/nbgrader_config.py" in context
    assert not [f for f in context if f.startswith(("course/submitted/", "course/autograded/", "tests/"))
                or f.endswith("gradebook.db") or "__pycache__" in f]
    for source in dockerfile_sources(dockerfile):
        assert any(f == source.rstrip("/") or f.startswith(source) for f in context), f"{source} not in context"
    assert "bubblewrap" in dockerfile.read_text() and "DLCOURSE_STUDENT_ENV=/opt/dlcourse/student-env" in \
        dockerfile.read_text()
