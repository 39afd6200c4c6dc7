"""What `dlcourse hub` checks and configures before anyone logs in: the roster, the hub's
configuration for each way of logging in, and the grading service's refusals."""

from __future__ import annotations

import os
import threading

import pytest
from conftest import BIN, ROOT
from traitlets.config.loader import PyFileConfigLoader

from autograders.cli import main
from autograders.grading_service import GradingServer, GradingServiceError, grade_remotely
from autograders.engine import GradingSettings
from autograders.hub.roster import RosterError, read_roster
from autograders.hub.settings import SETTINGS_ENV, HubSettings

HEADER = "id,first_name,last_name,email,role\n"


def test_the_demo_roster_has_students_and_an_instructor():
    roster = read_roster(ROOT / "course" / "roster.csv")
    assert {"alice", "bob"} <= {m.id for m in roster.students}
    assert [m.id for m in roster.instructors] == ["instructor"]


@pytest.mark.parametrize("lines, message", [
    ("alice,A,,,student\nBob Smith,B,,,student\n", "line 3: 'Bob Smith' is not a usable id"),
    ("alice,A,,,student\nalice,A,,,student\n", "line 3: 'alice' is already on line 2"),
    ("alice,A,,,teacher\n", "line 2: role 'teacher' is not one of: student, instructor"),
    ("root,,,,student\n", "line 2: 'root' is a system account's name"),
    ("", "lists nobody"),
])
def test_a_bad_roster_line_is_named(tmp_path, lines, message):
    path = tmp_path / "roster.csv"
    path.write_text(HEADER + lines)
    with pytest.raises(RosterError, match=message):
        read_roster(path)


def test_a_roster_without_an_id_column_or_file_is_refused(tmp_path):
    (tmp_path / "names.csv").write_text("name,email\nalice,a@x\n")
    with pytest.raises(RosterError, match="must name the columns, with at least 'id'"):
        read_roster(tmp_path / "names.csv")
    with pytest.raises(RosterError, match="no roster at"):
        read_roster(tmp_path / "missing.csv")


def test_dlcourse_hub_refuses_a_bad_roster_before_changing_anything(tmp_path, capsys, monkeypatch):
    (tmp_path / "roster.csv").write_text(HEADER + "alice,,,,student\nalice,,,,student\n")
    state = tmp_path / "state"
    monkeypatch.chdir(ROOT)
    assert main(["hub", "--roster", str(tmp_path / "roster.csv"), "--state-dir", str(state)]) == 1
    assert "line 3: 'alice' is already on line 2" in capsys.readouterr().err
    assert not state.exists()


@pytest.mark.parametrize("args, message", [(["--port", "70000"], "must be at most 65535"),
                                            (["--authenticator", "pam"], "invalid choice: 'pam'")])
def test_dlcourse_hub_usage_errors(args, message, capsys):
    assert main(["hub", *args]) == 2
    assert message in capsys.readouterr().err


def hub_config(tmp_path, monkeypatch, authenticator, **env):
    """hub_config/jupyterhub_config.py as JupyterHub loads it, for a prepared state folder."""
    state = tmp_path / "state"
    (state / "hub").mkdir(parents=True)
    HubSettings(state_dir=str(state), ip="127.0.0.1", port=8000, hub_port=8081, proxy_api_port=8001,
                formgrader_port=9999, quiz_port=9998, multiuser=True, students=["alice", "bob"], instructors=["instructor"],
                grader_python=str(BIN / "python"), student_bin=str(ROOT / ".venv-student" / "bin")).save()
    monkeypatch.setenv(SETTINGS_ENV, str(state / "hub" / "hub.json"))
    monkeypatch.setenv("DLCOURSE_AUTHENTICATOR", authenticator)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return PyFileConfigLoader("jupyterhub_config.py", path=str(ROOT / "hub_config")).load_config()


def _authenticator(config):
    module, _, name = config.JupyterHub.authenticator_class.rpartition(".")
    return getattr(__import__(module, fromlist=[name]), name)


def test_the_hub_admits_the_roster_and_instructors_administer_and_grade(tmp_path, monkeypatch):
    c = hub_config(tmp_path, monkeypatch, "firstuse")
    assert c.Authenticator.allowed_users == {"alice", "bob", "instructor"}
    assert c.Authenticator.admin_users == {"instructor"}
    assert c.JupyterHub.load_groups["formgrade-dl-course"]["users"] == ["instructor"]
    roles = {r["name"]: r for r in c.JupyterHub.load_roles}
    assert "access:services!service=dl-course" in roles["formgrade-dl-course"]["scopes"]
    assert not any(s.startswith("access:") for s in roles["nbgrader-dl-course"]["scopes"])
    services = {s["name"]: s for s in c.JupyterHub.services}
    assert services["dl-course"]["user"] == "grader-dl-course"
    assert services["grading"]["command"][1] == "grading-service" and "user" not in services["grading"]
    assert c.Spawner.environment["TF_FORCE_GPU_ALLOW_GROWTH"] == "true"
    assert c.Spawner.mem_limit and c.JupyterHub.concurrent_spawn_limit > 0
    assert _authenticator(c).__name__ == "FirstUseAuthenticator"


def test_the_hub_switches_to_lti13_or_oauth_with_real_authenticator_settings(tmp_path, monkeypatch):
    lti = hub_config(tmp_path, monkeypatch, "lti13", LTI13_ISSUER="https://lms.example.edu",
                     LTI13_AUTHORIZE_URL="https://lms.example.edu/auth", LTI13_CLIENT_ID="10000000000001",
                     LTI13_JWKS_ENDPOINT="https://lms.example.edu/jwks")
    authenticator = _authenticator(lti)
    assert authenticator.__name__ == "LTI13Authenticator"
    for key, value in lti.LTI13Authenticator.items():
        assert authenticator.class_traits(config=True).get(key), f"LTI13Authenticator has no setting {key}"
    assert lti.LTI13Authenticator.client_id == {"10000000000001"}
    oauth = hub_config(tmp_path / "o", monkeypatch, "oauth")
    authenticator = _authenticator(oauth)
    for key in oauth.GenericOAuthenticator:
        assert authenticator.class_traits(config=True).get(key), f"GenericOAuthenticator has no setting {key}"
    assert oauth.Authenticator.allowed_users == {"alice", "bob", "instructor"}


@pytest.fixture
def grading_server(tmp_path):
    def start(allowed_uids):
        server = GradingServer(tmp_path / "grading.sock", ROOT / "course", allowed_uids=allowed_uids, workers=1)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return str(tmp_path / "grading.sock")

    servers = []
    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def ask(socket_path, **request):
    nb = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    with pytest.raises(GradingServiceError) as refused:
        grade_remotely(socket_path, nb, request.get("assignment", "activations"), student="alice",
                       workdir=request.get("workdir"), settings=GradingSettings(), notebook_name="x.ipynb")
    return str(refused.value)


def test_the_grading_service_refuses_what_is_not_a_submission_of_its_course(grading_server):
    path = grading_server({os.geteuid()})
    assert "not a folder of this course's autograded/ tree" in ask(path, workdir="/etc")
    assert "unknown assignment 'hidden'" in ask(path, assignment="hidden")


def test_the_grading_service_refuses_accounts_it_was_not_told_of(grading_server):
    path = grading_server({os.geteuid() + 4242})
    assert f"uid {os.geteuid()} may not ask for grading" in ask(path)


def test_the_grading_service_unreachable_is_a_clear_error(tmp_path):
    assert "cannot be reached" in ask(str(tmp_path / "nothing.sock"))
