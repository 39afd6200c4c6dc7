"""Grading a whole class: which notebooks make which jobs (``plan.py``), parallel workers (``workers.py``), the
machine's cores and GPUs shared among them (``devices.py``), and shards for several machines (``sharding.py``)."""
