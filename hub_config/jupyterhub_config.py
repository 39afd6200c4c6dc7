"""JupyterHub configuration of the course on one machine.

`dlcourse hub` prepares the state folder (accounts, the nbgrader course, the exchange, the
released assignments) and starts JupyterHub with this file. Settings that depend on the machine
(paths, ports, the roster) come from the state folder's hub.json; every policy is set here.
"""

import os
import sys
from pathlib import Path

from jupyterhub.roles import get_default_roles

from autograders.feedback import FORMGRADER_JUPYTER_PATH
from autograders.formgrader_files import EXTENSIONS as FORMGRADER_EXTENSIONS
from autograders.hub.authenticator import TEMPLATES as HUB_TEMPLATES
from autograders.hub.course_page import course_page_html
from autograders.hub.settings import SETTINGS_ENV, HubSettings
from autograders.process_env import GPU_MEMORY_GROWTH
from autograders.quiet import LOG_LEVEL, WARNINGS_OFF

c = get_config()  # noqa: F821 (JupyterHub provides it)
hub = HubSettings.load(os.environ[SETTINGS_ENV])
layout = hub.layout
grader_bin = str(Path(hub.grader_python).parent)

# -- where the hub listens and keeps its state ---------------------------------------------------
c.JupyterHub.bind_url = f"http://{hub.ip}:{hub.port}"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{hub.hub_port}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{hub.proxy_api_port}"
c.ConfigurableHTTPProxy.pid_file = str(layout.hub_dir / "proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{layout.hub_dir / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(layout.hub_dir / "cookie_secret")

# -- who may log in: the roster, instructors administer the hub ----------------------------------
# Switch with `dlcourse hub --authenticator NAME` (README: "Logging in"). Whatever the method,
# the name it yields must be the person's id in course/roster.csv.
AUTHENTICATOR = os.environ.get("DLCOURSE_AUTHENTICATOR", "firstuse")
if AUTHENTICATOR == "firstuse":
    # FirstUseAuthenticator without its first use: `dlcourse hub` issues each roster member a password, handed
    # out by the instructor (README: Accounts); failed logins back off per name and per address
    c.JupyterHub.authenticator_class = "autograders.hub.authenticator.CourseAuthenticator"
    c.FirstUseAuthenticator.dbm_path = str(layout.passwords)
    c.FirstUseAuthenticator.min_password_length = 8
elif AUTHENTICATOR == "oauth":
    # any OpenID Connect / OAuth2 provider (a university's SSO, GitHub, Google ...): oauthenticator reads
    # OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET, OAUTH_CALLBACK_URL, OAUTH2_AUTHORIZE_URL, OAUTH2_TOKEN_URL
    # and OAUTH2_USERDATA_URL from the environment
    c.JupyterHub.authenticator_class = "oauthenticator.generic.GenericOAuthenticator"
    c.GenericOAuthenticator.username_claim = os.environ.get("OAUTH_USERNAME_CLAIM", "preferred_username")
    c.GenericOAuthenticator.scope = ["openid", "profile", "email"]
elif AUTHENTICATOR == "lti13":
    # launched from the LMS (Canvas, Moodle, Open edX ...) as an LTI 1.3 tool; its registration gives these
    c.JupyterHub.authenticator_class = "ltiauthenticator.lti13.auth.LTI13Authenticator"
    c.LTI13Authenticator.issuer = os.environ["LTI13_ISSUER"]
    c.LTI13Authenticator.authorize_url = os.environ["LTI13_AUTHORIZE_URL"]
    c.LTI13Authenticator.jwks_endpoint = os.environ["LTI13_JWKS_ENDPOINT"]
    c.LTI13Authenticator.client_id = {os.environ["LTI13_CLIENT_ID"]}
    c.LTI13Authenticator.username_key = os.environ.get("LTI13_USERNAME_KEY", "email")
else:
    sys.exit(f"DLCOURSE_AUTHENTICATOR={AUTHENTICATOR!r}: use firstuse, oauth or lti13")
c.Authenticator.allowed_users = set(hub.students) | set(hub.instructors)
# the hub's own pages of the course: the change-password page asks for the current password
c.JupyterHub.template_paths = [str(HUB_TEMPLATES)]

# -- users' servers: JupyterLab from the students' environment ----------------------------------
if hub.multiuser:
    # each user's server runs as their own unix account, in a memory cgroup of mem_limit
    c.JupyterHub.spawner_class = "autograders.hub.spawner.CourseSpawner"
else:
    # development mode: every server runs as the one account that started the hub
    c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
    c.SimpleLocalProcessSpawner.home_dir_template = str(layout.homes / "{username}")
# kernels talk to their server over unix sockets in the user's private runtime folder, not over TCP ports that
# any account on the machine could connect to (and so read a kernel's output or run code in it)
IPC_KERNELS = "--KernelManager.transport=ipc"
c.Spawner.cmd = [str(Path(hub.student_bin) / "jupyterhub-singleuser")]
# a user's server ignores the configuration and extensions in their home (~/.jupyter, ~/.local/share/jupyter):
# a student's own settings could make it serve pages of hers on the hub's origin (README: "One origin")
c.Spawner.disable_user_config = True
c.Spawner.args = [IPC_KERNELS]
c.Spawner.default_url = "/lab"
c.Spawner.environment = {
    # nbgrader's exchange and course for the assignment list; formgrader's extensions off, and for
    # instructors a Nbgrader menu whose Formgrader opens the course's formgrader service
    "JUPYTER_CONFIG_PATH": lambda spawner: str(
        layout.instructor_config if spawner.user.name in hub.instructors else layout.student_config),
    "PATH": f"{hub.student_bin}:/usr/local/bin:/usr/bin:/bin",
    **GPU_MEMORY_GROWTH,
    LOG_LEVEL: WARNINGS_OFF,
}
if hub.multiuser:
    # the hub's nbgrader exchange steps (submitting through the intake service), which the students' nbgrader
    # config names, from a copy of their module in the state folder
    c.Spawner.environment["PYTHONPATH"] = str(layout.student_python)
# A server with a TensorFlow kernel training the course's CNN peaks near 1.5 GB; 3 GB leaves room
# for a second kernel. Enforced by a memory cgroup per user when the hub runs as root.
c.Spawner.mem_limit = "3G"
# processes and threads per user (a fork bomb stops there, not at the machine's pid_max) and the largest file
c.CourseSpawner.max_processes = 1024
c.CourseSpawner.max_file_size = "2G"
# servers and kernels yield the CPU to the hub and its proxy, so logins and pages answer while a class's servers start
c.CourseSpawner.nice = 10
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 90
# a server start costs about a second of CPU (10 at once: 7 s median on 2 cores, benchmarks/hub_load.py):
# at most 10 at once keeps a burst of logins from starving the running servers; the 11th is told
# "too many users, try again in a few seconds" (HTTP 429)
c.JupyterHub.concurrent_spawn_limit = 10

# -- the home page: the course page (order, deadlines, how grading works) under the server buttons --
c.JupyterHub.template_paths.append(str(Path(__file__).parent / "templates"))
c.JupyterHub.template_vars = {"course_page_html": course_page_html(layout.course_dir)}

# -- nbgrader: formgrader for instructors, the grading service, the idle culler ------------------
course = hub.course_id
[ADMIN_SCOPES] = [role["scopes"] for role in get_default_roles() if role["name"] == "admin"]
# students get JupyterHub's default role, and the quiz game's: no read:services, which would show them
# formgrader's internal URL, command and pid
QUIZ_HOST_SCOPE = "custom:quiz:host"  # the quiz service (autograders/quiz_game/service.py) checks it
c.JupyterHub.custom_scopes = {QUIZ_HOST_SCOPE: {"description": "Run games of the course's live quiz"}}
c.JupyterHub.load_groups = {f"formgrade-{course}": {"users": list(hub.instructors)}}
c.JupyterHub.load_roles = [
    {"name": f"formgrade-{course}", "groups": [f"formgrade-{course}"],
     "scopes": [f"access:services!service={course}", f"read:services!service={course}", "list:services"]},
    # the live quiz game: everyone in the course plays, instructors run games
    {"name": "quiz-players", "users": list(hub.students) + list(hub.instructors),
     "scopes": ["access:services!service=quiz"]},
    {"name": "quiz-hosts", "groups": [f"formgrade-{course}"], "scopes": [QUIZ_HOST_SCOPE]},
    {"name": "idle-culler", "services": ["idle-culler"],
     "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"]},
    # instructors administer the hub as JupyterHub's admins do (users, servers started and stopped, groups, tokens)
    # but neither open students' servers nor share servers: on the hub's one origin, any page a student's server
    # served an instructor (her notebook, trusted by her own key; her own process on her server's port) would act
    # there as the instructor (README: "One origin"). JupyterHub's admin role cannot be changed, so nobody holds it
    {"name": "instructors", "users": list(hub.instructors),
     "scopes": [scope for scope in ADMIN_SCOPES if scope not in ("access:servers", "shares")]},
    {"name": "admin", "users": []},
    # starts students' servers before a class and reports them active until its window ends; no one else's
    {"name": "warm-up", "services": ["warm-up"], "scopes": ["list:users", "read:servers"] + [
        f"{scope}!user={student}" for student in hub.students for scope in ("servers", "users:activity")]},
]
# formgrader's server: formgrader serving a submission's own files sandboxed (a student's page there cannot act as
# the instructor), and the class report (autograders/formgrader_report.py) at /services/<course>/dlcourse/report
FORMGRADER_SERVER_EXTENSIONS = {**FORMGRADER_EXTENSIONS, "autograders.formgrader_report": True}
formgrader = {
    "name": course,
    "url": f"http://127.0.0.1:{hub.formgrader_port}",
    "command": [str(Path(grader_bin) / "jupyterhub-singleuser"), IPC_KERNELS,
                f"--ServerApp.jpserver_extensions={FORMGRADER_SERVER_EXTENSIONS!r}"],
    "cwd": str(layout.course_dir),
    "environment": {"JUPYTERHUB_DEFAULT_URL": "/formgrader", "PATH": f"{grader_bin}:/usr/local/bin:/usr/bin:/bin",
                    # formgrader's pages load MathJax from this server, not from a CDN (autograders/feedback.py)
                    "JUPYTER_PATH": str(FORMGRADER_JUPYTER_PATH)},
    "oauth_no_confirm": True,
}
quiz = {
    # the live quiz game (README: "The live quiz game"), as the account that owns the course and its gradebook
    "name": "quiz",
    "url": f"http://127.0.0.1:{hub.quiz_port}",
    "command": [str(Path(grader_bin) / "dlcourse"), "quiz", "serve", "--course", str(layout.course_dir)],
    "cwd": str(layout.course_dir),
    "environment": {"PATH": f"{grader_bin}:/usr/local/bin:/usr/bin:/bin"},
    "oauth_no_confirm": True,
    "oauth_client_allowed_scopes": [QUIZ_HOST_SCOPE],  # in the tokens of those who hold it: the instructors
}
# often enough that warm servers are reported active well within the culler's timeout
cull_every = max(1, min(300, hub.idle_timeout // 4))
services = [
    formgrader,
    quiz,
    {"name": "idle-culler", "command": [hub.grader_python, "-m", "jupyterhub_idle_culler",
                                         f"--timeout={hub.idle_timeout}", f"--cull-every={cull_every}"]},
    # the roster's servers before a scheduled class (course/classes.toml) or now (dlcourse hub --warm)
    {"name": "warm-up", "environment": {SETTINGS_ENV: os.environ[SETTINGS_ENV]},
     "command": [hub.grader_python, "-m", "autograders.hub.warmup", f"--every={cull_every}",
                 f"--start-timeout={c.Spawner.start_timeout}", *(["--now"] if hub.warm_now else [])]},
]
if hub.multiuser:
    # formgrader runs as the course's grader account, which owns the course; autograding goes
    # through the grading service, which runs as root to sandbox each student's kernel
    formgrader["user"] = quiz["user"] = hub.grader_account
    services.append({"name": "grading", "command": [
        str(Path(grader_bin) / "dlcourse"), "grading-service", "--course", hub.course_root,
        "--socket", str(layout.grading_socket), "--allow-user", hub.grader_account]})
    # students submit through the intake, run as root: it knows who asks from the kernel, reads their folder as
    # them and writes the submission into inbound/, which only the grader account can otherwise reach
    services.append({"name": "intake", "command": [
        str(Path(grader_bin) / "dlcourse"), "intake-service", "--settings", os.environ[SETTINGS_ENV]]})
    # grading on arrival (course/instant_feedback.toml): as the account that owns the course, its gradebook and the
    # exchange's feedback; its workers hand each notebook to the grading service, as formgrader's autograde does
    services.append({"name": "instant-feedback", "user": hub.grader_account, "cwd": str(layout.course_dir),
                     "command": [str(Path(grader_bin) / "dlcourse"), "instant-feedback", "serve",
                                 "--course", str(layout.course_dir)],
                     "environment": {"PATH": f"{grader_bin}:/usr/local/bin:/usr/bin:/bin"}})
c.JupyterHub.services = services
