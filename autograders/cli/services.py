"""``dlcourse grading-service`` and ``dlcourse intake-service``: the hub's root services (the hub starts them)."""

from __future__ import annotations

import logging
from pathlib import Path

from ..class_grading import devices
from ..errors import UsageError
from .options import positive_int


def add_parser(sub):
    service = sub.add_parser("grading-service", help="grade notebooks for the hub's formgrader, as root in the "
                                                     "sandbox (the hub starts it; not for direct use)")
    service.add_argument("--course", required=True, metavar="DIR",
                         help="the course to grade against (root's, as given to dlcourse hub; not the grader's copy)")
    service.add_argument("--socket", required=True, metavar="PATH", help="the unix socket to listen on")
    service.add_argument("--allow-user", action="append", default=[], metavar="NAME",
                         help="an account that may ask for grading (root always may)")
    service.add_argument("--workers", type=positive_int, default=devices.usable_cores(), metavar="N",
                         help="notebooks graded at once (default: the number of cores)")
    service.set_defaults(run=cmd_grading_service)

    intake = sub.add_parser("intake-service", help="receive students' submissions into the hub's exchange, as root "
                                                   "(the hub starts it; not for direct use)")
    intake.add_argument("--settings", required=True, metavar="FILE", help="the hub's settings (<state>/hub/hub.json)")
    intake.set_defaults(run=cmd_intake_service)


def cmd_grading_service(args) -> int:
    import pwd

    from ..nbgrader_door.grading_service import serve

    allowed, gid = {0}, None
    for name in args.allow_user:
        try:
            account = pwd.getpwnam(name)
        except KeyError:
            raise UsageError(f"--allow-user: no account named {name}") from None
        allowed.add(account.pw_uid)
        gid = account.pw_gid
    logging.getLogger().setLevel(logging.INFO)
    serve(Path(args.socket), Path(args.course), allowed_uids=allowed, socket_gid=gid, workers=args.workers)
    return 0


def cmd_intake_service(args) -> int:
    import pwd

    from ..hub.intake import Intake, serve
    from ..hub.settings import HubSettings

    settings = HubSettings.load(args.settings)
    if not settings.grader_account:
        raise UsageError("the intake serves a hub run as root (one account per student); in the development mode "
                         "students submit with nbgrader's own exchange")
    intake = Intake(settings.layout.exchange, settings.course_id, pwd.getpwnam(settings.grader_account),
                    feedback_socket=settings.layout.feedback_socket)
    logging.getLogger().setLevel(logging.INFO)
    serve(settings.layout.intake_socket, intake, set(settings.students))
    return 0
