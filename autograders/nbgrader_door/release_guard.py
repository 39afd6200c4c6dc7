"""The release step that refuses leaks: the last step of nbgrader's ``generate_assignment``, so that a release
that would show students hidden material (``audit.py``'s fingerprints) fails and nbgrader removes what it wrote."""

from __future__ import annotations

from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor

from ..audit import leaks_in, leaks_in_lines, visible_lines_of_nb
from ..course import Course


class RefuseLeakingRelease(NbGraderPreprocessor):
    """The last step of ``nbgrader generate_assignment``: a notebook (or helper file) that would leak fails the release."""

    def preprocess(self, nb, resources):
        name = resources["nbgrader"]["assignment"]
        course = Course(CourseDirectory(config=self.config).root)
        if name not in course.assignment_names():
            return nb, resources  # an assignment without hidden checks has nothing to leak
        assignment = course.assignment(name)
        leaks = leaks_in_lines(visible_lines_of_nb(nb), f"{name}/{resources['nbgrader']['notebook']}.ipynb", assignment)
        for helper in assignment.helper_files():
            leaks += leaks_in(helper, assignment, f"{name}/{helper.relative_to(assignment.source_dir)}")
        if leaks:
            raise RuntimeError("refusing to release: students would see hidden material:\n  "
                               + "\n  ".join(str(leak) for leak in leaks[:20]))
        return nb, resources
