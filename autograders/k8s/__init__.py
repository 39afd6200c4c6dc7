"""Grading a class on Kubernetes, in shards (hub_config/kubernetes/README.md): the Job's manifests
(``grading_job.py``), what each pod runs (``shard_run.py``), the shards' merge (``merge.py``); the command is
``autograders/cli/k8s.py``."""
