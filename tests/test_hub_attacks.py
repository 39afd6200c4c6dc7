"""Attacks on the real hub (``dlcourse hub`` run as root) from a student's own kernel: claiming other
people's accounts, guessing and flooding logins, links that would lead root's hands into files it must
not touch, listening to other users' kernels, and a fork bomb."""

from __future__ import annotations

import json
import os
import pwd
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
from conftest import BIN, ROOT, keep_assignments, running_hub
from hub_client import HubError, HubUser

from autograders.course import Course
from autograders.hub.prepare import free_port, prepare
from autograders.hub.settings import GRADER_ACCOUNT

FORMGRADER = "/services/dl-course/"

# what a student's kernel runs to log in as anyone, from any local address: the login form as a browser sends it
LOGIN = '''
import http.client, re, urllib.parse

def login(port, name, password, source="127.0.0.1"):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60, source_address=(source, 0))
    conn.request("GET", "/hub/login")
    reply = conn.getresponse(); reply.read()
    xsrf = re.search(r"_xsrf=([^;]+)", reply.getheader("Set-Cookie", "")).group(1)
    body = urllib.parse.urlencode({"username": name, "password": password, "_xsrf": xsrf})
    conn.request("POST", "/hub/login", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"_xsrf={xsrf}"})
    reply = conn.getresponse()
    page = reply.read().decode(errors="replace")
    conn.close()
    return reply.status, "Too many failed logins" in page
'''


@pytest.fixture(scope="module")
def alice(course_hub):
    return course_hub.logged_in("alice")


@pytest.fixture(scope="module")
def bob(course_hub):
    return course_hub.logged_in("bob")


@pytest.fixture(scope="module")
def instructor(course_hub):
    user = course_hub.logged_in("instructor", server=False)
    user.open_page(FORMGRADER, "formgrader")
    return user


def port_of(hub) -> int:
    return int(hub.url.rsplit(":", 1)[1])


def test_nobody_logs_in_as_someone_else_and_a_forgotten_password_is_reissued(course_hub, alice):
    # carol has never logged in: with a first-use login, whoever came first would set her password
    tries = alice.run_code(LOGIN + f"""
for name in ("instructor", "carol", "zed"):
    print(name, *login({port_of(course_hub)}, name, "alice-chose-this"))
""").split("\n")
    assert tries[:3] == ["instructor 403 False", "carol 403 False", "zed 403 False"], tries

    # the rightful user logs in with the password issued to her, and changes it to one of her own
    issued = course_hub.password("carol")
    carol = course_hub.logged_in("carol", server=False)
    # a page acting in her browser (her session, its XSRF token) cannot set one: the current password is asked
    seized = carol.http.post(f"{course_hub.url}/hub/auth/change-password", data={
        "password": "a-page-chose-this", "_xsrf": carol.xsrf("/hub/")})
    assert "current password is not right" in seized.text
    changed = carol.http.post(f"{course_hub.url}/hub/auth/change-password", data={
        "current_password": issued, "password": "carol-chose-this", "_xsrf": carol.xsrf("/hub/")})
    assert changed.ok and "has been changed" in changed.text
    HubUser(course_hub.url, "carol").login("carol-chose-this")
    # she forgot it: the instructor's command issues a new one, and only that one works
    said = subprocess.run([BIN / "dlcourse", "new-password", "carol", "--state-dir", course_hub.state],
                          capture_output=True, text=True, check=True).stdout
    new = re.search(r"^carol: (\S+)$", said, re.M).group(1)
    assert new == course_hub.password("carol") != issued
    for old in (issued, "carol-chose-this"):
        with pytest.raises(HubError):
            HubUser(course_hub.url, "carol").login(old)
    HubUser(course_hub.url, "carol").login(new)


def test_guessing_a_password_is_refused_for_a_while(course_hub, alice):
    right = course_hub.password("bob")
    lines = alice.run_code(LOGIN + f"""
import time
for attempt in range(5):
    print(*login({port_of(course_hub)}, "bob", f"guess-{{attempt}}"))
started = time.monotonic()
print(*login({port_of(course_hub)}, "bob", {right!r}), round(time.monotonic() - started, 2))
""").splitlines()
    assert lines[:5] == ["403 False"] * 5, lines
    status, refused, seconds = lines[5].split()
    assert (status, refused) == ("403", "True"), lines  # even the right password, and at once: no hashing
    assert float(seconds) < 1
    time.sleep(10)  # CourseAuthenticator.first_lock
    HubUser(course_hub.url, "bob").login(right)


def test_a_login_flood_is_refused_and_others_are_answered_meanwhile(course_hub, alice, instructor):
    """400 logins from 32 threads of a student's kernel, from a local address of their own (127.0.0.2)."""
    def latencies(seconds):
        out, deadline = [], time.monotonic() + seconds
        while time.monotonic() < deadline:
            started = time.monotonic()
            instructor.hub_api("GET", "user").raise_for_status()
            out.append(time.monotonic() - started)
            time.sleep(0.05)
        return out

    quiet = latencies(2)
    flood = {}
    attack = threading.Thread(target=lambda: flood.update(out=alice.run_code(LOGIN + f"""
import collections, concurrent.futures, json, time
names = ["bob"] + [f"student{{i:03d}}" for i in range(1, 40)]
started = time.monotonic()
with concurrent.futures.ThreadPoolExecutor(32) as pool:
    outcomes = collections.Counter(pool.map(
        lambda i: login({port_of(course_hub)}, names[i % len(names)], f"guess-{{i}}", "127.0.0.2"), range(400)))
print(json.dumps({{"refused": outcomes[(403, True)], "failed": outcomes[(403, False)],
                  "seconds": time.monotonic() - started}}))
""", timeout=300)))
    attack.start()
    during = []
    while attack.is_alive():
        during += latencies(0.5)
    attack.join()
    outcome = json.loads(flood["out"])
    p95 = sorted(during)[int(0.95 * len(during))]
    print(f"\nanother user's GET /hub/api/user: quiet p50 {statistics.median(quiet) * 1000:.0f} ms; during 400 logins "
          f"from 32 threads ({outcome['seconds']:.1f} s): p50 {statistics.median(during) * 1000:.0f} ms, "
          f"p95 {p95 * 1000:.0f} ms, max {max(during) * 1000:.0f} ms ({len(during)} requests); "
          f"{outcome['failed']} logins failed, {outcome['refused']} refused by the back-off")
    # CourseAuthenticator.failures_per_address, and those being checked when it was reached
    assert outcome["failed"] <= 30 + os.cpu_count() and outcome["refused"] == 400 - outcome["failed"]
    assert p95 < 1.0
    # the address is refused whatever the name and password; another address is not
    carol = course_hub.password("carol")
    lines = alice.run_code(LOGIN + f"""
print(*login({port_of(course_hub)}, "carol", {carol!r}, "127.0.0.2"))
print(*login({port_of(course_hub)}, "carol", {carol!r}, "127.0.0.1"))
""").splitlines()
    assert lines == ["403 True", "302 False"], lines


def test_a_student_is_not_shown_the_hubs_services(course_hub, alice):
    for path in ("services", "services/dl-course", "services/grading"):
        reply = alice.hub_api("GET", path)
        assert reply.status_code in (403, 404) and "command" not in reply.text, (path, reply.text[:200])


def _kernels() -> dict[int, tuple[int, dict]]:
    """Every running Jupyter kernel: pid -> (uid, connection info), as root sees them."""
    found = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            uid = os.stat(f"/proc/{pid}").st_uid
            if b"ipykernel_launcher" in argv and b"-f" in argv:
                found[int(pid)] = (uid, json.loads(Path(argv[argv.index(b"-f") + 1].decode()).read_text()))
        except (OSError, ValueError):
            continue  # gone meanwhile, or a grading sandbox's kernel (its files are in its own namespace)
    return found


# a student's kernel lists the TCP ports that other accounts listen on, as anyone may read /proc/net/tcp
LISTENING_PORTS = """
def listening_ports(uids):
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in open(table).readlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and int(fields[7]) in uids:  # LISTEN, and the socket's owner
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports
"""


def test_no_users_kernel_can_be_reached_by_another(course_hub, alice, bob, instructor):
    formgrader_kernel = instructor.api("POST", FORMGRADER, "api/kernels", json={"name": "python3"}).json()["id"]
    uids = {pwd.getpwnam(name).pw_uid: name for name in ("alice", "bob", GRADER_ACCOUNT)}
    others = sorted(uid for uid, name in uids.items() if name != "alice")
    try:
        with alice.kernel() as run, bob.kernel() as bob_run:
            run("")  # alice's own kernel is up: it is checked too
            kernels = [found for found in _kernels().values() if found[0] in uids]
            assert {uids[uid] for uid, _ in kernels} == set(uids.values()), kernels
            assert all(info["transport"] == "ipc" for _, info in kernels), kernels  # no TCP kernel ports
            sockets = [f"{info['ip']}-{info[channel]}" for uid, info in kernels if uid in others
                       for channel in ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")]
            deadline = time.monotonic() + 30  # a kernel just started binds its sockets in a moment
            while not all(Path(path).is_socket() for path in sockets) and time.monotonic() < deadline:
                time.sleep(0.2)
            assert all(Path(path).is_socket() for path in sockets)
            # the attack of old, while bob's kernel prints: subscribe to every TCP port the others listen on (their
            # servers; ipykernel's pipe for forked processes' output, which takes only messages signed with the
            # kernel's own key and sends nothing); then connect to their kernels' unix sockets
            printing = threading.Thread(target=bob_run, args=(
                "import time\nfor i in range(60): print('bob-secret', i, flush=True); time.sleep(0.1)",))
            printing.start()
            lines = run(LISTENING_PORTS + f"""
import socket, time, zmq
ports = listening_ports({others})
subscribers = []
for port in ports:
    subscriber = zmq.Context.instance().socket(zmq.SUB)
    subscriber.setsockopt(zmq.SUBSCRIBE, b"")
    subscriber.connect(f"tcp://127.0.0.1:{{port}}")
    subscribers.append(subscriber)
time.sleep(3)
print("PORTS", len(ports), "HEARD", sum(subscriber.poll(0) for subscriber in subscribers))
for path in {sockets!r}:
    try:
        socket.socket(socket.AF_UNIX).connect(path)
        print("CONNECTED", path)
    except PermissionError:
        print("DENIED", path)
""").splitlines()
            printing.join()
        assert lines[0].startswith("PORTS ") and not lines[0].startswith("PORTS 0 ") and lines[0].endswith(" HEARD 0")
        assert len(lines) == 1 + len(sockets) and all(line.startswith("DENIED") for line in lines[1:]), lines
    finally:
        instructor.api("DELETE", FORMGRADER, f"api/kernels/{formgrader_kernel}")


def test_a_fork_bomb_stops_at_the_limit_and_other_servers_keep_answering(course_hub, alice, bob):
    with alice.kernel() as run:
        assert run("import resource; print(resource.getrlimit(resource.RLIMIT_FSIZE)[0])").strip() == str(2 << 30)
        try:
            started, errno = run("""
import subprocess
children = []
try:
    for _ in range(2000):
        children.append(subprocess.Popen(["sleep", "600"]))
    print(len(children), 0)
except OSError as exc:
    print(len(children), exc.errno)
""").split()
            assert int(errno) == 11 and 500 < int(started) < 1024, (started, errno)  # EAGAIN at max_processes
            # meanwhile another student's server answers, and starts a kernel and runs a cell
            began = time.monotonic()
            assert bob.server_api("GET", "api/status").ok
            assert bob.run_code("print(6 * 7)").strip() == "42"
            print(f"\n{started} processes in alice's server; bob's server answered and ran a new kernel's cell "
                  f"in {time.monotonic() - began:.1f} s")
        finally:
            run("for child in children: child.kill()\nfor child in children: child.wait()")


@pytest.fixture
def small_course():
    """A hub of its own on a course of two assignments and two people, for what needs a restart."""
    folder = Path(tempfile.mkdtemp(prefix="dlcourse-hub-restart-"))
    folder.chmod(0o755)
    course = folder / "course"
    shutil.copytree(ROOT / "course", course, ignore=shutil.ignore_patterns(
        "gradebook.db", "release", "submitted", "autograded", "feedback", "__pycache__", ".ipynb_checkpoints"))
    keep_assignments(course, ("activations", "concepts_quiz"))
    (course / "roster.csv").write_text("id,first_name,last_name,email,role\n"
                                       "alice,,,,student\ninstructor,,,,instructor\n")
    yield folder, course
    shutil.rmtree(folder, ignore_errors=True)


def test_links_in_the_graders_course_folder_lead_a_restart_nowhere(small_course):
    folder, course = small_course
    state = folder / "state"
    prepare(Course(course), course / "roster.csv", state, ip="127.0.0.1", port=free_port(), log=lambda _: None)
    # what root alone may read and write, and links to it planted by the grader account (formgrader's terminal)
    private = folder / "root-only"
    (private / "folder").mkdir(parents=True)
    private.chmod(0o700)
    targets = {private / "file": b"root's file\n", private / "folder" / "activations.ipynb": b"root's notebook\n"}
    for path, content in targets.items():
        path.write_bytes(content)
        path.chmod(0o600)
    before = {path: (path.read_bytes(), path.stat()) for path in targets}
    planted = {"roster.csv": private / "file", "nbgrader_config.py": private / "file",
               "source/concepts_quiz/quiz.py": private / "file", "source/activations": private / "folder"}
    grader = pwd.getpwnam(GRADER_ACCOUNT)
    for name, target in planted.items():
        subprocess.run(["rm", "-rf", name], cwd=state / "course", check=True, user=grader.pw_uid)
        subprocess.run(["ln", "-s", target, name], cwd=state / "course", check=True, user=grader.pw_uid)

    with running_hub(state, "--course", str(course), "--roster", str(course / "roster.csv")) as hub:
        for path, (content, stat) in before.items():
            now = path.stat()
            assert (path.read_bytes(), now.st_uid, now.st_mode, now.st_mtime) == (
                content, stat.st_uid, stat.st_mode, stat.st_mtime), path
        for name in planted:  # the links were replaced, in the grader's own folder, by the course's files
            path = state / "course" / name
            assert not path.is_symlink() and path.lstat().st_uid == grader.pw_uid, name
        assert "course file updated: roster.csv" in hub.log_text()
        HubUser(hub.url, "alice").login(hub.password("alice"))
