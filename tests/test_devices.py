"""How parallel workers share the machine: CPU threads split, GPUs handed out round-robin."""

import pytest

from autograders import devices


@pytest.mark.parametrize("workers, cores, threads", [(1, 2, "2"), (2, 2, "1"), (4, 16, "4"), (8, 2, "1")])
def test_threads_are_split_so_workers_do_not_oversubscribe_the_cores(workers, cores, threads):
    for index in range(workers):
        env = devices.worker_env(index, workers, cores, gpus=[])
        assert all(env[name] == threads for name in devices.THREAD_VARIABLES)
        assert "CUDA_VISIBLE_DEVICES" not in env


def test_workers_are_spread_over_gpus_and_tensorflow_grows_its_memory():
    assigned = [devices.worker_env(i, 4, 16, gpus=["0", "1"])["CUDA_VISIBLE_DEVICES"] for i in range(4)]
    assert assigned == ["0", "1", "0", "1"]
    env = devices.worker_env(0, 4, 16, gpus=["0", "1"])
    assert env["TF_FORCE_GPU_ALLOW_GROWTH"] == "true"


@pytest.mark.parametrize("value, gpus", [("0,1", ["0", "1"]), ("", []), ("-1", []), ("2", ["2"]),
                                         ("GPU-5a1b, GPU-77c0", ["GPU-5a1b", "GPU-77c0"])])
def test_visible_gpus_follow_cuda_visible_devices(value, gpus):
    assert devices.visible_gpus({"CUDA_VISIBLE_DEVICES": value}) == gpus


def test_no_gpu_tool_means_no_gpu(monkeypatch):
    monkeypatch.setattr(devices.shutil, "which", lambda name: None)
    assert devices.visible_gpus({}) == []
