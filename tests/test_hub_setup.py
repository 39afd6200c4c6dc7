"""What `dlcourse hub` checks and configures before anyone logs in: the roster, the hub's
configuration for each way of logging in, and the grading service's refusals."""

from __future__ import annotations

import base64
import io
import json
import os
import pwd
import socket
import stat
import tarfile
import threading

import pytest
from conftest import BIN, ROOT
from firstuseauthenticator import FirstUseAuthenticator
from traitlets.config.loader import PyFileConfigLoader

from autograders.cli.main import main
from autograders.nbgrader_door.grading_service import GradingServer, GradingServiceError, grade_remotely, pack_folder
from autograders.engine import GradingSettings
from autograders.course import Course
from autograders.hub import course_files
from autograders.hub.prepare import HubSetupError, prepare
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
                formgrader_port=9999, quiz_port=9998, multiuser=True, course_root=str(ROOT / "course"),
                students=["alice", "bob"], instructors=["instructor"], grader_python=str(BIN / "python"),
                student_bin=str(ROOT / ".venv-student" / "bin")).save()
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
    assert "admin_users" not in c.Authenticator
    assert c.JupyterHub.load_groups["formgrade-dl-course"]["users"] == ["instructor"]
    roles = {r["name"]: r for r in c.JupyterHub.load_roles}
    # instructors administer, without opening students' servers (one origin: README), and nobody is admin
    assert roles["instructors"]["users"] == ["instructor"] and roles["admin"]["users"] == []
    assert {"admin-ui", "admin:users", "admin:servers"} <= set(roles["instructors"]["scopes"])
    assert not {"access:servers", "shares"} & set(roles["instructors"]["scopes"])
    assert "access:services!service=dl-course" in roles["formgrade-dl-course"]["scopes"]
    # the only role that reaches a student is the quiz's: they keep JupyterHub's default, without read:services
    students = {"alice", "bob"}
    reaching = [r for r in roles.values() if students & set(r.get("users", []))
                or any(students & set(c.JupyterHub.load_groups[g]["users"]) for g in r.get("groups", []))]
    assert [r["scopes"] for r in reaching] == [["access:services!service=quiz"]]
    services = {s["name"]: s for s in c.JupyterHub.services}
    assert services["dl-course"]["user"] == "grader-dl-course"
    assert services["grading"]["command"][1] == "grading-service" and "user" not in services["grading"]
    assert services["grading"]["command"][3] == str(ROOT / "course")  # root's course, not the grader's copy
    assert services["intake"]["command"][1:] == ["intake-service", "--settings", str(tmp_path / "state/hub/hub.json")]
    assert "user" not in services["intake"]  # root: it reads each student's folder as that student
    assert c.Spawner.environment["PYTHONPATH"] == str(tmp_path / "state/jupyter-config/python")
    assert c.Spawner.environment["TF_FORCE_GPU_ALLOW_GROWTH"] == "true"
    assert c.Spawner.mem_limit and c.JupyterHub.concurrent_spawn_limit > 0
    assert c.CourseSpawner.max_processes > 0 and c.CourseSpawner.max_file_size
    assert "--KernelManager.transport=ipc" in c.Spawner.args and "--KernelManager.transport=ipc" in services[
        "dl-course"]["command"]
    authenticator = _authenticator(c)
    assert issubclass(authenticator, FirstUseAuthenticator) and authenticator is not FirstUseAuthenticator


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
    def start(allowed_uids, course=ROOT / "course"):
        server = GradingServer(tmp_path / "grading.sock", course, allowed_uids=allowed_uids, workers=1)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return str(tmp_path / "grading.sock")

    servers = []
    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


EMPTY_NB = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def ask(socket_path, **request):
    with pytest.raises(GradingServiceError) as refused:
        grade_remotely(socket_path, EMPTY_NB, request.get("assignment", "activations"), student="alice",
                       workdir=request.get("workdir"), settings=GradingSettings(), notebook_name="x.ipynb")
    return str(refused.value)


def send(socket_path, files: bytes) -> dict:
    """A request as a hostile client would write it, with its own archive of the submission's files."""
    request = {"assignment": "activations", "student": "alice", "notebook": EMPTY_NB, "settings": {},
               "files": base64.b64encode(files).decode()}
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(socket_path)
        sock.sendall(json.dumps(request).encode())
        sock.shutdown(socket.SHUT_WR)
        return json.loads(b"".join(iter(lambda: sock.recv(1 << 16), b"")))


def archive(*members: tarfile.TarInfo) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for member in members:
            tar.addfile(member, io.BytesIO(b"x" * member.size) if member.isfile() else None)
    return out.getvalue()


def member(name, kind=tarfile.REGTYPE, size=1, linkname=""):
    info = tarfile.TarInfo(name)
    info.type, info.size, info.linkname = kind, size if kind == tarfile.REGTYPE else 0, linkname
    return info


def test_the_grading_service_refuses_what_is_not_a_submission_of_its_course(grading_server):
    path = grading_server({os.geteuid()})
    assert "unknown assignment 'hidden'" in ask(path, assignment="hidden")
    # the submission's files arrive in the request; none of them may lead out of the service's own folder
    for files, refusal in [(archive(member("shadow", tarfile.SYMTYPE, linkname="/etc/shadow")), "is a link"),
                           (archive(member("up", tarfile.LNKTYPE, linkname="/etc/shadow")), "is a link"),
                           (archive(member("pipe", tarfile.FIFOTYPE)), "is a pipe or a device"),
                           (archive(member("../../etc/cron.d/x")), "leads outside"),
                           (archive(member("/etc/cron.d/x")), "leads outside"),
                           (archive(member("a"), member("a/b")), "could not be unpacked"),
                           (b"not an archive", "could not be unpacked")]:
        assert refusal in send(path, files)["error"], refusal


def test_the_grading_service_refuses_a_folder_holding_a_link_or_a_pipe(grading_server, tmp_path):
    path = grading_server({os.geteuid()})
    work = tmp_path / "work"
    (work / "sub").mkdir(parents=True)
    (work / "helper.py").write_text("x = 1")
    (work / "sub" / "solutions").symlink_to(ROOT / "course" / "source")
    # packed as what it is, a link, never followed: the service refuses the folder and names it
    with tarfile.open(fileobj=io.BytesIO(pack_folder(work))) as tar:
        assert {m.name: m.issym() for m in tar.getmembers()}["./sub/solutions"]
    assert "'./sub/solutions' in the submission's folder is a link" in ask(path, workdir=str(work))
    (work / "sub" / "solutions").unlink()
    os.mkfifo(work / "gradebook.db")
    assert "'./gradebook.db' in the submission's folder is a pipe or a device" in ask(path, workdir=str(work))


def test_the_grading_service_refuses_accounts_it_was_not_told_of(grading_server):
    path = grading_server({os.geteuid() + 4242})
    assert f"uid {os.geteuid()} may not ask for grading" in ask(path)


def test_the_grading_service_unreachable_is_a_clear_error(tmp_path):
    assert "cannot be reached" in ask(str(tmp_path / "nothing.sock"))


def test_the_course_files_replace_links_and_fifos_in_their_place_and_follow_none(tmp_path):
    outside = tmp_path / "outside"
    (outside / "folder").mkdir(parents=True)
    (outside / "file").write_text("not the course's")
    folder = tmp_path / "course"
    (folder / "source").mkdir(parents=True)
    (folder / "roster.csv").symlink_to(outside / "file")
    (folder / "source" / "activations").symlink_to(outside / "folder")
    os.mkfifo(folder / "nbgrader_config.py")  # opening it to compare would wait forever
    archive = course_files.pack({"roster.csv": b"id\nalice\n", "nbgrader_config.py": b"c = 1\n",
                                 "source/activations/activations.ipynb": b"{}"})
    assert sorted(course_files.install(folder, archive)) == [
        "nbgrader_config.py", "roster.csv", "source/activations/activations.ipynb"]
    assert (outside / "file").read_text() == "not the course's" and not list((outside / "folder").iterdir())
    assert (folder / "roster.csv").read_text() == "id\nalice\n" and not (folder / "roster.csv").is_symlink()
    assert stat.S_IMODE((folder / "roster.csv").stat().st_mode) == 0o600
    assert (folder / "source" / "activations").is_dir() and not (folder / "source" / "activations").is_symlink()
    assert course_files.install(folder, archive) == []  # the same files again: nothing written


def test_dlcourse_hub_refuses_a_state_folder_another_account_could_change(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("as another user, the state folder is that user's own (the development mode)")
    nobody = pwd.getpwnam("nobody")
    state = tmp_path / "state"
    state.mkdir()
    os.chown(state, nobody.pw_uid, nobody.pw_gid)
    with pytest.raises(HubSetupError, match=f"{state} belongs to uid {nobody.pw_uid}"):
        prepare(Course(ROOT / "course"), ROOT / "course" / "roster.csv", state, ip="127.0.0.1", port=8000)
    os.chown(state, 0, 0)
    state.chmod(0o777)
    with pytest.raises(HubSetupError, match="is writable by others"):
        prepare(Course(ROOT / "course"), ROOT / "course" / "roster.csv", state, ip="127.0.0.1", port=8000)
