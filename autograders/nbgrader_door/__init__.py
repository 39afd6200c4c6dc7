"""The grading engine inside nbgrader: the course's nbgrader configuration (``config.py``), the engine as
nbgrader's execute step (``engine_step.py``), nbgrader's autograde pipeline for one submission (``autograde.py``),
one gradebook writer at a time (``gradebook_lock.py``), root's grading service for the hub (``grading_service.py``)
and the release step that refuses leaks (``release_guard.py``)."""
