"""The grading engine; see ``grade.py`` for the steps."""

from .grade import GradingInterrupted, GradingSettings, NotebookResult, check_seeds, grade_notebook, not_graded

__all__ = ["GradingInterrupted", "GradingSettings", "NotebookResult", "check_seeds", "grade_notebook", "not_graded"]
