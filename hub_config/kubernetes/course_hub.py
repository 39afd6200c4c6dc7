"""The course's hub settings that depend on its roster, for Zero to JupyterHub.

values.yaml mounts this file into the hub's jupyterhub_config.d (the chart runs it with its
``c``) and the roster beside it. Who may log in, who administers the hub and who grades
follow course/roster.csv (columns id,first_name,last_name,email,role; role student or
instructor), as on the single-machine hub.
"""

import csv
import os
import re
import sys

from jupyterhub.roles import get_default_roles

COURSE_ID = "dl-course"
ROSTER = os.environ.get("DLCOURSE_ROSTER", "/usr/local/etc/dlcourse/roster.csv")
# JupyterHub lower-cases names; ngshare knows people by these names too
_VALID_ID = re.compile(r"[a-z][a-z0-9_-]{0,31}")


def read_roster(path):
    """{id: role} from the roster; exits the hub with the file and line of any bad entry."""
    members = {}
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = csv.DictReader(handle)
        if "id" not in (rows.fieldnames or []):
            sys.exit(f"{path}: the first line must name the columns id,first_name,last_name,email,role")
        for line, row in enumerate(rows, start=2):
            uid, role = (row.get("id") or "").strip(), (row.get("role") or "").strip() or "student"
            if not uid:
                continue
            if not _VALID_ID.fullmatch(uid):
                sys.exit(f"{path} line {line}: '{uid}' is not a usable id (lower-case letters, digits, '-', '_')")
            if uid in members:
                sys.exit(f"{path} line {line}: '{uid}' is listed twice")
            if uid in (COURSE_ID, "ngshare"):
                # ngshare knows the formgrader service by the course's name: a person with it would be the grader
                sys.exit(f"{path} line {line}: '{uid}' is the name of one of the hub's services; give them another id")
            if role not in ("student", "instructor"):
                sys.exit(f"{path} line {line}: role '{role}' is not student or instructor")
            members[uid] = role
    if not members:
        sys.exit(f"{path} lists nobody")
    return members


def configure(c, roster_path=ROSTER):
    members = read_roster(roster_path)
    instructors = sorted(uid for uid, role in members.items() if role == "instructor")
    c.Authenticator.allowed_users = set(members)
    # as on the single-machine hub (hub_config/jupyterhub_config.py; README: "One origin"): every server shares
    # the hub's origin, so instructors administer without opening students' servers, whose pages would act there
    # as the instructor; nobody holds JupyterHub's admin role, which cannot be changed; and no server takes
    # configuration or extensions from its user's home
    [admin_scopes] = [role["scopes"] for role in get_default_roles() if role["name"] == "admin"]
    c.JupyterHub.load_roles.append({"name": "instructors", "users": instructors, "scopes": [
        scope for scope in admin_scopes if scope not in ("access:servers", "shares")]})
    c.JupyterHub.load_roles.append({"name": "admin", "users": []})
    c.Spawner.disable_user_config = True
    c.JupyterHub.load_groups = {
        f"formgrade-{COURSE_ID}": {"users": instructors},
        f"nbgrader-{COURSE_ID}": {"users": sorted(members)},
    }


if "c" in globals():  # run by the chart's jupyterhub_config.py
    configure(c)  # noqa: F821
