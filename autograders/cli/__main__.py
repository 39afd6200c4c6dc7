"""``python -m autograders.cli``: the ``dlcourse`` command, as a pod of a grading Job runs it (``k8s/shard_run.py``)."""

import sys

from .main import main

sys.exit(main())
