"""A Jupyter server extension for instructors' own servers: their Nbgrader menu's "Formgrader" opens the
course's formgrader service.

nbgrader's menu item opens ``<server>/formgrader``, where formgrader would run inside the instructor's own
server, as the instructor, who cannot read the course (the grader account's). On the hub, formgrader is
the course's service; this extension sends that page there. ``dlcourse hub`` copies this file next to the
instructors' server configuration (their servers run the students' environment, which holds nothing of
this package) and sets ``FormgraderLink.url``.
"""

from __future__ import annotations

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web
from traitlets import Unicode
from traitlets.config import Configurable


class FormgraderLink(Configurable):
    url = Unicode("", help="Where formgrader is, e.g. /services/dl-course/formgrader").tag(config=True)


class _ToFormgrader(JupyterHandler):
    def initialize(self, url: str):
        self.url = url

    @web.authenticated
    def get(self, rest: str | None = None):
        # only the path below formgrader travels, never a host: this redirects nowhere but the service
        rest = (rest or "").strip("/")
        self.redirect(f"{self.url}/{rest}" if rest else self.url)


def _jupyter_server_extension_points():
    return [{"module": __name__}]


def _load_jupyter_server_extension(serverapp):
    url = FormgraderLink(config=serverapp.config).url.rstrip("/")
    if not url:
        serverapp.log.warning("formgrader link: FormgraderLink.url is not set; the Nbgrader menu's Formgrader "
                              "stays without a target")
        return
    route = url_path_join(serverapp.base_url, "formgrader") + r"(/.*)?"
    serverapp.web_app.add_handlers(".*$", [(route, _ToFormgrader, {"url": url})])
