"""The course on JupyterHub: ``dlcourse hub`` and what it prepares (accounts, state folder, release)."""
