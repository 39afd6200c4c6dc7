"""The Kubernetes Indexed Job that grades a class in shards: ``dlcourse k8s grading-job``.

Pod K of N runs ``dlcourse k8s grade-shard``, which grades shard K with ``dlcourse grade
--shard K/N`` (the same engine, in its sandbox) on a copy of the course and leaves the
shard's gradebook and autograded notebooks in ``grading-runs/<run>/shard-K/`` on the
course's volume; ``dlcourse k8s merge`` then puts them into the course's gradebook.

Sizes come from measurements of the CNN assignment, the course's heaviest: one grading
worker (the grader's process, with TensorFlow, plus the student's kernel) peaks at
1.8 GiB resident, and grading one CNN notebook takes about 31 s on 2 cores.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..process_env import GPU_MEMORY_GROWTH
from .validation import InvalidValue, dns1123_label, resource_quantity

COURSE_MOUNT = "/course"
RESULTS_MOUNT = "/results"
SCRATCH_MOUNT = "/scratch"
RUNS_FOLDER = "grading-runs"  # on the course's volume, beside the gradebook: what `dlcourse k8s merge` reads

CORES_PER_WORKER = 2  # the CNN, graded alone, trains on every core of its pod (devices.whole_machine_env)
MEMORY_PER_WORKER_GIB = 3  # 1.8 GiB measured peak + the kernel's private /tmp (tmpfs, counted as memory) + slack
POD_OVERHEAD_GIB = 1  # the shard's own process, nbgrader's bookkeeping, the course copy's page cache

# What the grading sandbox (autograders/engine/sandbox.py) needs inside a container, measured by
# grading under capsh with only these: bubblewrap needs SYS_ADMIN for its mount and PID
# namespaces and NET_ADMIN to bring up the loopback of the kernel's empty network namespace;
# setpriv needs SETUID/SETGID; the private copy of the submission is chowned (CHOWN, FOWNER)
# and read back (DAC_OVERRIDE); leftover kernel processes are killed (KILL). Every capability
# is dropped again for the student's kernel (setpriv --inh-caps=-all --bounding-set=-all).
SANDBOX_CAPABILITIES = ("CHOWN", "DAC_OVERRIDE", "FOWNER", "KILL", "NET_ADMIN", "SETGID", "SETUID", "SYS_ADMIN")

GPU_NODE_SELECTOR = {"nvidia.com/gpu.present": "true"}  # set by NVIDIA's GPU feature discovery (GPU operator)
GPU_TOLERATIONS = ({"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"},)


def sandbox_security_context() -> dict:
    """The container's securityContext: root with the capabilities the sandbox needs, nothing more.

    allowPrivilegeEscalation stays unset: Kubernetes refuses it false beside SYS_ADMIN, and the
    student's kernel gets no_new_privs from setpriv anyway. The runtime's default AppArmor profile
    forbids mount(2), which bubblewrap needs, so AppArmor is unconfined; seccomp stays the
    runtime's default, which allows the namespace calls to a container holding SYS_ADMIN.
    """
    return {
        "runAsUser": 0,
        "runAsGroup": 0,
        "runAsNonRoot": False,
        "capabilities": {"drop": ["ALL"], "add": list(SANDBOX_CAPABILITIES)},
        "seccompProfile": {"type": "RuntimeDefault"},
        "appArmorProfile": {"type": "Unconfined"},
    }


@dataclass(frozen=True)
class GradingJob:
    course_id: str
    run: str
    shards: int
    image: str
    pvc: str
    workers: int = 4
    gpus_per_pod: int = 1  # 0: CPU nodes only
    node_selector: dict[str, str] = field(default_factory=dict)
    scratch_gib: int = 20  # the course copy and the kernels' folders; submissions are at most 50 MB each

    def __post_init__(self):
        if self.shards < 1:
            raise InvalidValue(f"--shards must be at least 1, got {self.shards}")
        if self.workers < 1:
            raise InvalidValue(f"--workers must be at least 1, got {self.workers}")
        if self.gpus_per_pod < 0:
            raise InvalidValue(f"--gpus-per-pod must be 0 or more, got {self.gpus_per_pod}")
        dns1123_label(self.course_id, "the course id")
        dns1123_label(self.run, "--run")
        dns1123_label(self.pvc, "--pvc")
        # an Indexed Job's pods are named <job>-<index>-<suffix>; their hostname <job>-<index> must be a label
        dns1123_label(f"{self.name}-{self.shards - 1}", "the Job's name with its last index")
        if not self.image or any(c.isspace() for c in self.image):
            raise InvalidValue(f"--image must be an image reference without spaces, got '{self.image}'")

    @property
    def name(self) -> str:
        return f"{self.course_id}-grading-{self.run}"

    @property
    def results_dir(self) -> str:
        """Where the shards leave their results, as the formgrader's pod sees the course's volume."""
        return f"{COURSE_MOUNT}/{RUNS_FOLDER}/{self.run}"

    def labels(self) -> dict[str, str]:
        return {"app.kubernetes.io/name": "dlcourse-grading", "app.kubernetes.io/part-of": self.course_id,
                "app.kubernetes.io/instance": self.name}

    def resources(self) -> dict:
        cpu = str(CORES_PER_WORKER * self.workers)
        memory = f"{MEMORY_PER_WORKER_GIB * self.workers + POD_OVERHEAD_GIB}Gi"
        requests = {"cpu": cpu, "memory": memory, "ephemeral-storage": f"{self.scratch_gib}Gi"}
        # memory limit = request: a pod that outgrows it is killed alone instead of starving the node
        limits = {"memory": memory, "ephemeral-storage": f"{self.scratch_gib}Gi"}
        if self.gpus_per_pod:
            # extended resources are whole units, and Kubernetes requires request = limit
            requests["nvidia.com/gpu"] = limits["nvidia.com/gpu"] = str(self.gpus_per_pod)
        for kind, values in (("request", requests), ("limit", limits)):
            for resource, value in values.items():
                resource_quantity(value, f"the {resource} {kind}")
        return {"requests": requests, "limits": limits}

    def command(self) -> list[str]:
        # the index comes from JOB_COMPLETION_INDEX, which the Job controller gives each pod
        return ["dlcourse", "k8s", "grade-shard", "--course", COURSE_MOUNT, "--out", f"{RESULTS_MOUNT}/{self.run}",
                "--shards", str(self.shards), "--workers", str(self.workers), "--scratch", SCRATCH_MOUNT]

    def pod_spec(self) -> dict:
        node_selector = {**(GPU_NODE_SELECTOR if self.gpus_per_pod else {}), **self.node_selector}
        spec = {
            "restartPolicy": "Never",
            # student code must never hold a token for the Kubernetes API
            "automountServiceAccountToken": False,
            "enableServiceLinks": False,
            "containers": [{
                "name": "grade",
                "image": self.image,
                "imagePullPolicy": "IfNotPresent",
                "command": self.command(),
                "env": [*({"name": name, "value": value} for name, value in GPU_MEMORY_GROWTH.items()),
                        {"name": "TMPDIR", "value": SCRATCH_MOUNT}],
                "resources": self.resources(),
                "securityContext": sandbox_security_context(),
                "volumeMounts": [
                    # the course is read-only here: grading happens on a copy in scratch
                    {"name": "course", "mountPath": COURSE_MOUNT, "readOnly": True},
                    {"name": "course", "mountPath": RESULTS_MOUNT, "subPath": RUNS_FOLDER},
                    {"name": "scratch", "mountPath": SCRATCH_MOUNT},
                ],
            }],
            "volumes": [
                {"name": "course", "persistentVolumeClaim": {"claimName": self.pvc}},
                {"name": "scratch", "emptyDir": {"sizeLimit": f"{self.scratch_gib}Gi"}},
            ],
        }
        if node_selector:
            spec["nodeSelector"] = node_selector
        if self.gpus_per_pod:
            spec["tolerations"] = [dict(t) for t in GPU_TOLERATIONS]
        return spec

    def job(self) -> dict:
        return {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": self.name, "labels": self.labels()},
            "spec": {
                "completionMode": "Indexed",
                "completions": self.shards,
                "parallelism": self.shards,
                # a shard whose pod fails (a preempted node) is tried once more, without rerunning the others
                "backoffLimitPerIndex": 1,
                "ttlSecondsAfterFinished": 7 * 24 * 3600,
                "template": {"metadata": {"labels": self.labels()}, "spec": self.pod_spec()},
            },
        }

    def network_policy(self) -> dict:
        """No traffic in or out: grading needs only the course's volume, and a kernel must not phone home."""
        return {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": self.name, "labels": self.labels()},
            "spec": {"podSelector": {"matchLabels": {"app.kubernetes.io/instance": self.name}},
                     "policyTypes": ["Ingress", "Egress"]},
        }

    def manifests(self) -> list[dict]:
        return [self.network_policy(), self.job()]


def to_yaml(manifests: list[dict]) -> str:
    import yaml

    return yaml.safe_dump_all(manifests, sort_keys=False, default_flow_style=False)
