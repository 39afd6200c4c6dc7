"""``dlcourse hub`` and ``dlcourse new-password``: serving the course on JupyterHub, and its passwords."""

from __future__ import annotations

import os
from pathlib import Path

from ..course import Course
from ..errors import UsageError
from .options import add_course, port, positive_int


def add_parser(sub):
    hub = sub.add_parser("hub", help="serve the course on JupyterHub: real users (as root), the nbgrader exchange, "
                                     "formgrader for instructors")
    add_course(hub)
    hub.add_argument("--roster", metavar="FILE", help="who may log in (default: <course>/roster.csv)")
    hub.add_argument("--ip", default="127.0.0.1", help="address to listen on (default 127.0.0.1; 0.0.0.0 for all)")
    hub.add_argument("--port", type=port, default=8000, help="port to listen on (default 8000)")
    hub.add_argument("--state-dir", metavar="DIR",
                     help="where the hub keeps its database, the course's gradebook, submissions and the exchange "
                          "(default: /srv/dlcourse as root, else ~/.local/share/dlcourse-hub)")
    hub.add_argument("--authenticator", choices=("firstuse", "oauth", "lti13"), default="firstuse",
                     help="how people log in (default firstuse: with a password issued to each roster member, "
                          "which they may change; see `dlcourse new-password`)")
    hub.add_argument("--warm", action="store_true",
                     help="start every student's server as soon as the hub is up, a batch at a time, as before a "
                          "scheduled class (<course>/classes.toml; README: Warm servers)")
    hub.add_argument("--idle-timeout", type=positive_int, default=3600, metavar="S",
                     help="seconds a server may idle before it is stopped (default 3600); warm servers are kept "
                          "until their class's window ends")
    hub.set_defaults(run=cmd_hub)

    password = sub.add_parser("new-password", help="issue a new password to roster members of the hub (the old one "
                                                   "stops working), print it and add it to the hub's root-only file")
    password.add_argument("ids", nargs="+", metavar="ID", help="roster ids")
    password.add_argument("--state-dir", metavar="DIR", help="the hub's state folder (default: as for dlcourse hub)")
    password.set_defaults(run=cmd_new_password)


def cmd_hub(args) -> int:
    from ..hub import credentials, launch
    from ..hub.prepare import prepare

    course = Course(args.course)
    roster = Path(args.roster) if args.roster else course.root / "roster.csv"
    settings = prepare(course, roster, _state_dir(args), ip=args.ip, port=args.port, idle_timeout=args.idle_timeout,
                       warm=args.warm)
    if args.authenticator == "firstuse":
        issued = credentials.issue_missing(settings.layout, settings.instructors + settings.students)
        if issued:
            print(f"New passwords for {', '.join(sorted(issued))}: in {settings.layout.initial_passwords} "
                  "(root only). Hand each person theirs (README: Accounts).", flush=True)
    return launch.run(settings, args.authenticator)


def _state_dir(args) -> Path:
    if args.state_dir:
        return Path(args.state_dir)
    if os.geteuid() == 0:
        return Path("/srv/dlcourse")
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "dlcourse-hub"


def cmd_new_password(args) -> int:
    from ..hub import credentials
    from ..hub.settings import HubSettings, Layout

    layout = Layout(_state_dir(args).resolve())
    try:
        settings = HubSettings.load(layout.settings_file)
    except OSError as exc:
        raise UsageError(f"cannot read {layout.settings_file} ({exc.strerror}): was a hub started with the state "
                         f"folder {layout.state} (--state-dir), and are you root?") from None
    members = settings.instructors + settings.students
    if unknown := [name for name in args.ids if name not in members]:
        raise UsageError(f"not on the hub's roster: {', '.join(unknown)} (it has: {', '.join(members)})")
    for name, password in credentials.issue(layout, args.ids).items():
        print(f"{name}: {password}")
    print(f"(also in {layout.initial_passwords}, root only; the old passwords no longer work)")
    return 0
