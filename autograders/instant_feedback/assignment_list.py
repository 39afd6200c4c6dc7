"""What students' servers tell the assignment list of grading on arrival: one handler, as a server extension.

``GET <base_url>dlcourse/instant-feedback`` answers with the state of each of the student's submissions
(queued, grading, graded with its score, failed with the reason, replaced by a newer one) and the attempts
left per assignment, as the hub's instant-feedback service tells the server, which runs as the student (the
service knows who asks from the kernel, not from the request); and, per submission, the feedback the student
has fetched (nbgrader's fetch_feedback puts it in ``<assignment>/feedback/<timestamp>/``); and the course's
schedule (each assignment's number, title and due date, from ``course/schedule.toml`` when the hub started),
since nbgrader's list is alphabetical and shows no deadline. The assignment list's small extension
(``labextension/``) shows all of it, puts the list in course order, and fetches released feedback with
nbgrader's own fetch_feedback.

``dlcourse hub`` copies this module beside the hub's exchange steps into every server's Python path
(``STATUS_MODULE``) and enables it, with the service's socket, in their ``jupyter_server_config.json``.
"""

from __future__ import annotations

import asyncio
import glob
import json
import os

from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web
from traitlets import Dict, List, Unicode
from traitlets.config import Configurable

try:  # on students' servers this module sits beside the hub's exchange steps (dlcourse hub copies both)
    from dlcourse_hub_exchange import ask
except ModuleNotFoundError:  # imported from the grader's package
    from ..hub.exchange import ask

STATUS_MODULE = "dlcourse_instant_feedback"  # the name students' servers import this module by
URL = "dlcourse/instant-feedback"


class FeedbackStatus(Configurable):
    socket = Unicode("", help="Unix socket of the hub's instant-feedback service.").tag(config=True)
    schedule = List(Dict(), help="The course's assignments in order: number, name, title, due (as text).").tag(
        config=True)


class StatusHandler(APIHandler):
    @web.authenticated
    async def get(self):
        root = self.settings["server_root_dir"]
        try:
            status = await asyncio.get_running_loop().run_in_executor(
                None, ask, self.settings["dlcourse_feedback_socket"], {"op": "status"}, 10)
        except (OSError, ValueError) as exc:
            status = {"error": f"the hub's grading on arrival does not answer right now ({exc})"}
        for name, assignment in status.get("assignments", {}).items():
            for submission in assignment["submissions"]:
                folder = os.path.join(root, name, "feedback", submission["timestamp"])
                submission["local_feedback"] = sorted(os.path.relpath(path, root) for path in
                                                      glob.glob(os.path.join(glob.escape(folder), "*.html")))
        status["schedule"] = self.settings["dlcourse_schedule"]
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(status))


def _jupyter_server_extension_points():
    return [{"module": __name__}]


def _load_jupyter_server_extension(serverapp):
    web_app = serverapp.web_app
    settings = FeedbackStatus(parent=serverapp)
    web_app.settings["dlcourse_feedback_socket"] = settings.socket
    web_app.settings["dlcourse_schedule"] = settings.schedule
    web_app.add_handlers(".*$", [(url_path_join(web_app.settings["base_url"], URL), StatusHandler)])
