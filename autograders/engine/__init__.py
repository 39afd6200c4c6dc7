"""The grading engine; see ``grade.py`` for the steps."""

from .grade import GradingInterrupted, NotebookResult, check_seeds, grade_notebook, not_graded
from .settings import SETTINGS, GradingSettings, InvalidSetting

__all__ = ["SETTINGS", "GradingInterrupted", "GradingSettings", "InvalidSetting", "NotebookResult", "check_seeds",
           "grade_notebook", "not_graded"]
