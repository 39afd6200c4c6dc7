"""nbgrader configuration of the course: run `nbgrader ...` from this folder."""

from autograders.nbgrader_door.config import use_grading_engine

c = get_config()  # noqa: F821 (nbgrader provides it)

c.CourseDirectory.course_id = "dl-course"
# autograde with the hidden checks, computed outside the student's kernel
use_grading_engine(c)
