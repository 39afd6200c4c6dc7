"""Per assignment: ``reference.py`` (the reference solution) and ``hidden_checks.py`` (what grades it)."""
