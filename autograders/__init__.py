"""Grading for the deep learning course: the engine, the hidden checks, the `dlcourse` command."""

__version__ = "0.1.0"
