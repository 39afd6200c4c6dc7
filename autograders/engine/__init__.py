"""The grading engine; see ``grade.py`` for the steps."""

from .grade import GradingSettings, NotebookResult, check_seeds, grade_notebook

__all__ = ["GradingSettings", "NotebookResult", "check_seeds", "grade_notebook"]
