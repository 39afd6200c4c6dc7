"""What ``dlcourse hub`` prepared, as ``hub_config/jupyterhub_config.py`` reads it.

The hub's configuration stays plain JupyterHub config; the facts that depend on this machine
(paths, ports, the roster, whether it runs as root) come from one JSON file in the state folder.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

COURSE_ID = "dl-course"
# nbgrader's documented name for the account that owns a course's files and runs its formgrader
GRADER_ACCOUNT = f"grader-{COURSE_ID}"
SETTINGS_ENV = "DLCOURSE_HUB_SETTINGS"


@dataclass(frozen=True)
class Layout:
    """The hub's state folder."""

    state: Path

    @property
    def hub_dir(self) -> Path:  # root only: the hub's database, cookie secret and passwords
        return self.state / "hub"

    @property
    def passwords(self) -> Path:  # the authenticator's password hashes (FirstUseAuthenticator's database)
        return self.hub_dir / "passwords.dbm"

    @property
    def initial_passwords(self) -> Path:  # root only: each roster member's initial password, to hand out
        return self.hub_dir / "initial-passwords.csv"

    @property
    def course_dir(self) -> Path:  # nbgrader's course folder, the grader account's alone
        return self.state / "course"

    @property
    def exchange(self) -> Path:  # nbgrader's exchange: root's; the course's folder in it the grader account's
        return self.state / "exchange"

    @property
    def student_config(self) -> Path:  # JUPYTER_CONFIG_PATH of every user's server
        return self.state / "jupyter-config"

    @property
    def instructor_config(self) -> Path:  # JUPYTER_CONFIG_PATH of instructors' own servers
        return self.state / "jupyter-config-instructors"

    @property
    def grading_dir(self) -> Path:  # the grading service's socket, reachable by the grader account only
        return self.state / "grading"

    @property
    def grading_socket(self) -> Path:
        return self.grading_dir / "grading.sock"

    @property
    def student_python(self) -> Path:  # on every user's server's PYTHONPATH: the hub's exchange steps
        return self.student_config / "python"

    @property
    def intake_dir(self) -> Path:  # the intake service's socket, for every user
        return self.state / "intake"

    @property
    def intake_socket(self) -> Path:
        return self.intake_dir / "intake.sock"

    @property
    def feedback_dir(self) -> Path:  # the instant-feedback service's socket, for every user
        return self.state / "instant-feedback"

    @property
    def feedback_socket(self) -> Path:
        return self.feedback_dir / "feedback.sock"

    @property
    def homes(self) -> Path:  # development mode only: every user's home, under the one account
        return self.state / "homes"

    @property
    def settings_file(self) -> Path:
        return self.hub_dir / "hub.json"


@dataclass(frozen=True)
class HubSettings:
    state_dir: str
    ip: str
    port: int
    hub_port: int
    proxy_api_port: int
    formgrader_port: int
    quiz_port: int  # the live quiz game's service
    multiuser: bool  # real unix accounts (run as root); False: the development mode, one account
    course_root: str  # the course the hub was started with (root's): the grading service grades against it
    students: list[str]
    instructors: list[str]
    grader_python: str  # the grader's environment (.venv): formgrader, nbgrader, the grading service
    student_bin: str  # the students' environment (.venv-student/bin): their servers and kernels
    idle_timeout: int = 3600  # seconds a server may idle before the culler stops it
    warm_now: bool = False  # dlcourse hub --warm: start the roster's servers as the hub comes up
    course_id = COURSE_ID

    @property
    def grader_account(self) -> str | None:
        """Who owns the course and runs formgrader; None in the development mode (the one account)."""
        return GRADER_ACCOUNT if self.multiuser else None

    @property
    def layout(self) -> Layout:
        return Layout(Path(self.state_dir))

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.ip in ("", "0.0.0.0") else self.ip
        return f"http://{host}:{self.port}"

    def save(self):
        path = self.layout.settings_file
        path.write_text(json.dumps(asdict(self), indent=2))
        path.chmod(0o600)

    @classmethod
    def load(cls, path: Path | str) -> HubSettings:
        return cls(**json.loads(Path(path).read_text()))
