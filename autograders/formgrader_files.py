"""Formgrader, with the files of a submission's folder served as inert documents.

Why: formgrader serves the files beside a submitted notebook (``formgrader/submissions/<id>/<path>``) so
that the notebook's images show, on formgrader's origin and with the instructor's session. A page a
student submitted there (``notes.html``, an ``.svg`` or ``.xhtml`` with a script), opened from a link in
the notebook or one the student sends, would act as the instructor: formgrader's API, kernels and
terminals of the grader account. Here those files are served with ``Content-Security-Policy: sandbox``
(no script runs, no form is sent, the document gets an origin of its own) and ``default-src 'none'``
(it loads nothing), as Jupyter itself serves users' files under ``/files/``; Jupyter already sends
``X-Content-Type-Options: nosniff``, so no browser guesses a type that runs.

A Jupyter server extension, ``autograders.formgrader_files``, enabled in place of nbgrader's
``nbgrader.server_extensions.formgrader``, which it loads itself once its own routes are in: tornado
answers a URL with the first routes added that match it, so nbgrader's handler for those files is never
reached.
"""

from __future__ import annotations

from jupyter_server.utils import url_path_join
from nbgrader.server_extensions.formgrader import formgrader, handlers

EXTENSIONS = {"nbgrader.server_extensions.formgrader": False, __name__: True}  # formgrader's, as a server sets them


class SandboxedSubmissionFiles(handlers.SubmissionFilesHandler):
    @property
    def content_security_policy(self) -> str:
        return f"{super().content_security_policy}; default-src 'none'; sandbox"


def _jupyter_server_extension_points():
    return [{"module": __name__}]


def _load_jupyter_server_extension(server):
    base_url = server.web_app.settings["base_url"]
    # nbgrader's own pages, in nbgrader's order, with its submission files' handler swapped for the sandboxed one
    server.web_app.add_handlers(".*$", [
        (url_path_join(base_url, pattern.lstrip("/")),
         SandboxedSubmissionFiles if handler is handlers.SubmissionFilesHandler else handler, *options)
        for pattern, handler, *options in handlers.default_handlers])
    formgrader.load_jupyter_server_extension(server)
