"""The hub's password login, without a hub: passwords issued per roster member, and the back-off."""

from __future__ import annotations

import stat

import pytest
from conftest import run_coroutine

from autograders.cli.main import main
from autograders.hub import credentials
from autograders.hub.login_backoff import Backoff
from autograders.hub.settings import HubSettings, Layout


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch):
    monkeypatch.setattr(credentials, "BCRYPT_ROUNDS", 4)  # what is tested here does not depend on the cost


class Clock:
    now = 1000.0

    def __call__(self):
        return self.now


def test_the_backoff_refuses_after_the_allowed_failures_twice_as_long_each_time():
    clock = Clock()
    backoff = Backoff(allowed_failures=3, first_lock=10, longest_lock=35, clock=clock)
    for _ in range(2):
        backoff.failed("bob")
    assert backoff.wait("bob") == 0
    backoff.failed("bob")
    assert backoff.wait("bob") == 10 and backoff.wait("carol") == 0
    clock.now += 10
    assert backoff.wait("bob") == 0
    backoff.failed("bob")
    assert backoff.wait("bob") == 20
    clock.now += 20
    backoff.failed("bob")
    assert backoff.wait("bob") == 35  # longest_lock
    backoff.forgive("bob")
    assert backoff.wait("bob") == 0


def test_the_backoff_forgets_quiet_keys_and_keeps_a_bounded_number():
    clock = Clock()
    backoff = Backoff(allowed_failures=1, first_lock=10, longest_lock=10, forget_after=60, max_keys=3, clock=clock)
    backoff.failed("a")
    clock.now += 61
    for key in "bcde":
        backoff.failed(key)
    assert backoff.wait("a") == 0 and backoff.wait("b") == 0  # forgotten: quiet too long, then the oldest
    assert all(backoff.wait(key) == 10 for key in "cde")
    backoff.failed("x")
    backoff.forgive("c", 1)
    assert backoff.wait("c") == 0


def test_failures_under_a_name_lock_out_their_addresses_never_its_owner(tmp_path):
    """Back-off per (name, address): wrong passwords typed under the instructor's name from other addresses never
    refuse the instructor's own address; guessing from many addresses still gets one try per address per lock."""
    from types import SimpleNamespace

    from autograders.hub.authenticator import CourseAuthenticator

    auth = CourseAuthenticator(dbm_path=str(tmp_path / "passwords.dbm"), failures_per_user=5,
                               failures_per_user_everywhere=8, hashing_threads=1)
    credentials.PasswordStore(auth.dbm_path).set("prof", credentials.hash_password("right-password"))

    def login(password, address):
        handler = SimpleNamespace(request=SimpleNamespace(headers={"X-Forwarded-For": address}, remote_ip=address))
        name = run_coroutine(auth.authenticate(handler, {"username": "prof", "password": password}))
        return name or ("refused" if hasattr(handler, "custom_login_error") else "wrong")

    assert [login(f"guess-{i}", "10.0.0.9") for i in range(6)] == ["wrong"] * 5 + ["refused"]
    assert login("right-password", "10.0.0.9") == "refused"  # that address guessed: refused even the right one
    assert login("right-password", "10.0.0.1") == "prof"  # the owner's address has not failed
    # guessing from many addresses: 8 failures of the name in all lock it for every address that failed for it
    assert [login("guess", f"10.0.1.{i}") for i in range(3)] == ["wrong"] * 3
    assert login("guess", "10.0.1.0") == "refused"
    assert login("guess", "10.0.2.1") == "wrong"  # a fresh address: one try, then it too is refused
    assert login("guess", "10.0.2.1") == "refused"
    assert login("right-password", "10.0.0.1") == "prof"  # and still the owner is not


def test_passwords_are_issued_to_whoever_has_none_and_only_root_reads_them(tmp_path):
    layout = Layout(tmp_path)
    layout.hub_dir.mkdir()
    first = credentials.issue_missing(layout, ["alice", "instructor"])
    assert set(first) == {"alice", "instructor"} and first["alice"] != first["instructor"]
    assert credentials.issue_missing(layout, ["alice", "instructor", "bob"]).keys() == {"bob"}
    store = credentials.PasswordStore(layout.passwords)
    assert credentials.check_password(first["alice"], store.get("alice"))
    assert not credentials.check_password(first["instructor"], store.get("alice"))
    assert credentials.issued(layout)["alice"] == first["alice"]
    assert stat.S_IMODE(layout.initial_passwords.stat().st_mode) == 0o600


def test_dlcourse_new_password_replaces_one_and_refuses_strangers(tmp_path, capsys):
    layout = Layout(tmp_path)
    layout.hub_dir.mkdir()
    HubSettings(state_dir=str(tmp_path), ip="127.0.0.1", port=8000, hub_port=1, proxy_api_port=2, formgrader_port=3, quiz_port=4,
                multiuser=True, course_root="course", students=["alice"], instructors=["instructor"],
                grader_python="python", student_bin="bin").save()
    old = credentials.issue_missing(layout, ["alice", "instructor"])
    assert main(["new-password", "alice", "--state-dir", str(tmp_path)]) == 0
    new = capsys.readouterr().out.split("\n")[0].removeprefix("alice: ")
    store = credentials.PasswordStore(layout.passwords)
    assert new == credentials.issued(layout)["alice"] != old["alice"]
    assert credentials.check_password(new, store.get("alice"))
    assert not credentials.check_password(old["alice"], store.get("alice"))
    assert credentials.issued(layout)["instructor"] == old["instructor"]
    assert main(["new-password", "mallory", "--state-dir", str(tmp_path)]) == 2
    assert "not on the hub's roster: mallory" in capsys.readouterr().err
    assert main(["new-password", "alice", "--state-dir", str(tmp_path / "elsewhere")]) == 2
    assert "was a hub started with the state folder" in capsys.readouterr().err
