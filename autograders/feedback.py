"""The feedback page students get back, readable on an offline classroom server.

nbgrader's feedback template loads MathJax from a CDN, so without the internet every formula shows
as raw TeX, and every view of a student's feedback tells a third party about it. ``FeedbackExporter``
(nbgrader's ``GenerateFeedback.exporter_class``) renders with ``templates/dlcourse_feedback``, which
extends nbgrader's own template: MathJax from the ``jupyter_server_mathjax`` package that every
server of the course serves, plots no wider than the page, one score per test cell (the engine's
verdict, not also a bare ``Out[]: 3``), and the check names in the summary.

Formgrader's pages (its own exporter, which nbgrader configures itself) get the same MathJax through
``templates/jupyter``, put on their ``JUPYTER_PATH`` by the hub's configuration.
"""

from pathlib import Path

import nbgrader
from nbconvert.exporters import HTMLExporter
from traitlets import default

TEMPLATES = Path(__file__).parent / "templates"
TEMPLATE_NAME = "dlcourse_feedback"  # templates/dlcourse_feedback/
# formgrader's template directories: with them on the path, our template extends nbgrader's feedback page
NBGRADER_TEMPLATES = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates"
# formgrader's pages: JUPYTER_PATH entries, searched before nbconvert's own templates
FORMGRADER_JUPYTER_PATH = TEMPLATES / "jupyter"


class FeedbackExporter(HTMLExporter):
    """nbgrader's feedback page, with the changes above: a class of its own, so that its settings are not
    formgrader's, whose exporter nbgrader configures as HTMLExporter."""

    @default("template_file")
    def _template_file_default(self):
        return f"{TEMPLATE_NAME}.html.j2"  # not index.html.j2, which names nbgrader's page that it extends


def use_offline_feedback(c):
    """Point an nbgrader config ``c`` at the feedback page above."""
    from nbconvert.preprocessors.sanitize import SanitizeHTML
    from nbgrader.converters import GenerateFeedback

    c.GenerateFeedback.exporter_class = FeedbackExporter
    # nbgrader sets these for HTMLExporter when they are not configured; ours, for our class, win
    c.FeedbackExporter.template_name = TEMPLATE_NAME
    c.FeedbackExporter.extra_template_basedirs = [str(TEMPLATES), str(NBGRADER_TEMPLATES)]
    # a submission's markdown and HTML outputs are the student's: no script or event handler of theirs reaches
    # the page (nbgrader's feedback template does not ask nbconvert to clean them, so a step before it does)
    c.GenerateFeedback.preprocessors = [*GenerateFeedback.class_traits()["preprocessors"].default(), SanitizeHTML]
    c.SanitizeHTML.enabled = True
