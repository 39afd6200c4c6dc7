"""How grading shares the machine: CPU threads split, GPUs handed out round-robin, the device each kernel used."""

import sys
import types

import pytest

from autograders import quiet
from autograders.class_grading import devices
from autograders.engine import wire
from autograders.engine.grade import kernel_env
from conftest import ROOT


@pytest.mark.parametrize("workers", [1, 2, 8])
def test_a_notebook_graded_beside_others_computes_on_one_thread_and_one_graded_alone_on_every_core(workers):
    for index in range(workers):
        env = devices.worker_env(index, workers, gpus=[])
        assert all(env[name] == "1" for name in (*devices.THREAD_VARIABLES, devices.INTEROP_THREADS))
        assert "CUDA_VISIBLE_DEVICES" not in env
    alone = devices.whole_machine_env(16)
    assert all(alone[name] == "16" for name in devices.THREAD_VARIABLES) and alone[devices.INTEROP_THREADS] == "2"


def test_workers_are_spread_over_gpus_and_tensorflow_grows_its_memory():
    assigned = [devices.worker_env(i, 4, gpus=["0", "1"])["CUDA_VISIBLE_DEVICES"] for i in range(4)]
    assert assigned == ["0", "1", "0", "1"]
    env = devices.worker_env(0, 4, gpus=["0", "1"])
    assert env["TF_FORCE_GPU_ALLOW_GROWTH"] == "true"


@pytest.mark.parametrize("value, gpus", [("0,1", ["0", "1"]), ("", []), ("-1", []), ("2", ["2"]),
                                         ("GPU-5a1b, GPU-77c0", ["GPU-5a1b", "GPU-77c0"])])
def test_visible_gpus_follow_cuda_visible_devices(value, gpus):
    assert devices.visible_gpus({"CUDA_VISIBLE_DEVICES": value}) == gpus


def test_no_gpu_tool_means_no_gpu(monkeypatch):
    monkeypatch.setattr(devices.shutil, "which", lambda name: None)
    assert devices.visible_gpus({}) == []


def test_grading_kernels_grow_gpu_memory_and_keep_tensorflow_quiet(monkeypatch):
    monkeypatch.delenv("TF_FORCE_GPU_ALLOW_GROWTH", raising=False)
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    quiet.settle()  # as every grading process does at its start; kernels inherit it
    env = kernel_env("alice")
    assert env["TF_FORCE_GPU_ALLOW_GROWTH"] == "true" and env["TF_CPP_MIN_LOG_LEVEL"] == quiet.QUIET
    assert env["JUPYTERHUB_USER"] == "alice" and env["NBGRADER_EXECUTION"] == "autograde"


class _FakeGPU:
    name = "/physical_device:GPU:0"


def _fake_tensorflow(gpus, details):
    config = types.SimpleNamespace(
        list_physical_devices=lambda kind: gpus if kind == "GPU" else [],
        experimental=types.SimpleNamespace(get_device_details=lambda device: details))
    return types.SimpleNamespace(config=config)


def test_a_kernel_reports_the_gpu_tensorflow_computes_on(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorflow", _fake_tensorflow([_FakeGPU()], {"device_name": "NVIDIA H100"}))
    assert wire.tensorflow_device() == "GPU:0 (NVIDIA H100)"
    monkeypatch.setitem(sys.modules, "tensorflow", _fake_tensorflow([_FakeGPU()], {}))
    assert wire.tensorflow_device() == "GPU:0"


def test_a_kernel_without_a_gpu_or_without_tensorflow_reports_the_cpu(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorflow", _fake_tensorflow([], {}))
    assert wire.tensorflow_device() == "cpu"
    monkeypatch.delitem(sys.modules, "tensorflow", raising=False)
    assert wire.tensorflow_device() == "cpu"


def test_a_tensorflow_notebook_is_graded_alone_and_numpy_ones_two_at_a_time():
    from autograders.class_grading.plan import Job
    from autograders.class_grading.workers import _fits

    course = ROOT / "course"
    cnn, basics, act, grad = (Job([], name, "s") for name in ("cnn", "tensorflow_basics", "activations",
                                                               "gradient_descent"))
    assert _fits(act, [grad], 2, course) and not _fits(act, [grad, act], 2, course)
    assert _fits(cnn, [], 2, course) and not _fits(cnn, [act], 2, course)
    assert _fits(basics, [], 4, course) and not _fits(basics, [act], 4, course) and not _fits(act, [basics], 4, course)
    assert _fits(Job([], None, "s", error="unknown assignment"), [act], 2, course)  # no assignment: one core


def test_a_notebook_graded_alone_gets_every_cores_threads_and_the_next_one_its_share_again(monkeypatch):
    from autograders.class_grading import workers
    from autograders.class_grading.plan import Job

    seen = []
    monkeypatch.setattr(workers, "grade_job", lambda job, *a, **k: seen.append(
        (job.assignment, workers.os.environ["OMP_NUM_THREADS"], workers.os.environ["TF_NUM_INTEROP_THREADS"])) or [])
    monkeypatch.setattr(devices, "usable_cores", lambda: 6)
    for name, value in devices.worker_env(0, 1, gpus=[]).items():
        monkeypatch.setenv(name, value)
    for name in ("cnn", "activations"):
        job = Job([], name, "s")
        workers._grade_with_threads(job, ROOT / "course", None, workers._whole_machine(job, ROOT / "course"), None)
    assert seen == [("cnn", "6", "2"), ("activations", "1", "1")]


def test_the_hub_grading_service_gives_a_notebooks_kernel_one_thread_and_the_cnns_every_core(monkeypatch, tmp_path):
    import nbformat

    from autograders.nbgrader_door import grading_service

    asked = []
    monkeypatch.setattr(grading_service, "grade_notebook", lambda nb, assignment, **options: asked.append(
        (assignment.name, options["threads"])) or types.SimpleNamespace(student="s", assignment=assignment.name,
                                                                        score=0.0, max_score=0.0, seconds=0.0,
                                                                        to_json=dict))
    monkeypatch.setattr(devices, "usable_cores", lambda: 6)
    server = grading_service.GradingServer(tmp_path / "grading.sock", ROOT / "course", allowed_uids=set(), workers=2)
    try:
        for name in ("activations", "cnn"):
            server.grade({"assignment": name, "student": "s", "notebook": nbformat.v4.new_notebook()})
    finally:
        server.server_close()
        server.spares.close()
    assert [(name, threads["OMP_NUM_THREADS"], threads["TF_NUM_INTEROP_THREADS"]) for name, threads in asked] == [
        ("activations", "1", "1"), ("cnn", "6", "2")]
