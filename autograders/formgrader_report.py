"""The class report on the hub: a page of formgrader's own server, for the course's instructors.

Formgrader runs as the course's hub service (``/services/dl-course/``) behind JupyterHub's login,
which lets in only those who may access that service: the course's instructors. This Jupyter server
extension, loaded into that server by the hub's configuration, adds one page to it, ``URL`` under
the service, made from the course's gradebook each time it is opened. Its example links open the
submission in formgrader; the page is served with its own Content-Security-Policy, so nothing on it
can run or load anything even if a string escaped its escaping.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from urllib.parse import quote

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web

from . import gradebook_analytics, report_page

URL = "dlcourse/report"
_rendering = threading.Lock()  # matplotlib's pyplot keeps global state: one page is drawn at a time


def page(course_root: Path) -> str:
    # from the report's URL, formgrader's page of one submitted notebook
    data = gradebook_analytics.load(course_root, lambda notebook: f"../formgrader/submissions/{quote(notebook.id)}")
    with _rendering:
        return report_page.render(data, "Class report")


class ReportHandler(JupyterHandler):
    @web.authenticated
    async def get(self):
        text = await asyncio.to_thread(page, Path(self.settings["dlcourse_course_root"]))
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Content-Security-Policy", report_page.CSP)
        self.finish(text)


def _jupyter_server_extension_points():
    return [{"module": __name__}]


def _load_jupyter_server_extension(serverapp):
    # formgrader's server runs in the course's folder (its nbgrader_config.py names the gradebook)
    serverapp.web_app.settings["dlcourse_course_root"] = serverapp.root_dir
    serverapp.web_app.add_handlers(".*$", [(url_path_join(serverapp.base_url, URL), ReportHandler)])
