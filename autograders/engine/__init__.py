"""The grading engine; see ``grade.py`` for the steps."""

from .grade import GradingSettings, NotebookResult, grade_notebook

__all__ = ["GradingSettings", "NotebookResult", "grade_notebook"]
