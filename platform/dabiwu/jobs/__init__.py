"""A scoring job's life: queued, claimed with a lease, finished once (see lifecycle.py)."""
