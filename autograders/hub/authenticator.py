"""The hub's password login: FirstUseAuthenticator without its first use, with back-off, hashing off the event loop.

- Nobody sets a password by logging in first: a name without a password issued by ``dlcourse hub``
  (``credentials.py``) cannot log in, so no one claims an instructor's or a classmate's account.
- After a few failures, a user, and separately a client address, is refused for a while, twice as
  long at each further failure (``login_backoff.py``); refused attempts cost no hashing.
- bcrypt runs in a small thread pool, not on JupyterHub's event loop: FirstUseAuthenticator hashes on
  the loop, where 32 clients guessing passwords made every request of the hub wait seconds. Attempts
  wait for a free thread on the loop, and are judged again when they get one, so that the failures
  before them stop them without hashing.
"""

from __future__ import annotations

import asyncio
import math
import os
from concurrent.futures import ThreadPoolExecutor

from firstuseauthenticator import FirstUseAuthenticator
from firstuseauthenticator.firstuseauthenticator import ResetPasswordHandler
from tornado import web
from traitlets import Float, Integer, default

from .credentials import PasswordStore, check_password, hash_password
from .login_backoff import Backoff


def client_address(request) -> str:
    """The address the hub's proxy saw: the last X-Forwarded-For entry, which the proxy appends.

    Not tornado's ``remote_ip``: it takes X-Real-Ip, which any client can set, first.
    """
    forwarded = request.headers.get("X-Forwarded-For", "")
    return forwarded.rsplit(",", 1)[-1].strip() or request.remote_ip


class ChangePasswordHandler(ResetPasswordHandler):
    """FirstUseAuthenticator's change-password page, with the new password hashed off the event loop."""

    @web.authenticated
    async def post(self):
        self._register_template_path()
        password = self.get_body_argument("password", strip=False)
        problem = await self.authenticator.change_password(self.current_user.name, password)
        html = await self.render_template("reset.html", result=True, alert="danger" if problem else "success",
                                          result_message=problem or "Your password has been changed.")
        self.finish(html)


class CourseAuthenticator(FirstUseAuthenticator):
    failures_per_user = Integer(5, help="""Failed logins of one user name after which its logins are refused
        for `first_lock` seconds, twice as long at each further failure; a successful login starts afresh""",
                                ).tag(config=True)
    failures_per_address = Integer(30, help="""Failed logins from one client address, whatever the names,
        after which its logins are refused in the same way. A class behind one NAT address shares it: raise this
        for such a class""").tag(config=True)
    first_lock = Float(10.0, help="Seconds of the first refusal after too many failures").tag(config=True)
    longest_lock = Float(900.0, help="Seconds a refusal lasts at most").tag(config=True)
    hashing_threads = Integer(help="""Threads that check and hash passwords (bcrypt costs about 0.25 s of CPU
        each). Default: one fewer than the cores, so that a burst of logins leaves the hub a core""").tag(config=True)

    @default("hashing_threads")
    def _hashing_threads_default(self):
        return max(1, (os.cpu_count() or 1) - 1)

    @default("check_passwords_on_startup")
    def _no_startup_check(self):
        # FirstUseAuthenticator's migration of pre-1.0 databases; the database here is written by
        # credentials.py, normalised, and only ever opened under its lock
        return False

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._store = PasswordStore(self.dbm_path)
        self._hashing = ThreadPoolExecutor(self.hashing_threads, thread_name_prefix="password-hashing")
        self._hashing_slots = asyncio.Semaphore(self.hashing_threads)
        limits = {"first_lock": self.first_lock, "longest_lock": self.longest_lock}
        self._users = Backoff(allowed_failures=self.failures_per_user, **limits)
        self._addresses = Backoff(allowed_failures=self.failures_per_address, **limits)

    async def authenticate(self, handler, data):
        name = self.normalize_username(data.get("username", ""))
        password = data.get("password", "")
        address = client_address(handler.request)
        if self._refused(handler, name, address):
            return None
        hashed = self._store.get(name)
        if hashed is None:  # not issued a password (README: Accounts): there is no first use
            self._addresses.failed(address)
            return None
        async with self._hashing_slots:
            # judged again once a slot is free: the attempts before it may have locked this name or address
            if self._refused(handler, name, address):
                return None
            matches = await self._off_loop(check_password, password, hashed)
        if matches:
            self._users.forgive(name)
            return name
        self._users.failed(name)
        self._addresses.failed(address)
        return None

    def _refused(self, handler, name: str, address: str) -> bool:
        wait = max(self._users.wait(name), self._addresses.wait(address))
        if wait:
            handler.custom_login_error = (f"Too many failed logins for this name or from this address: "
                                          f"try again in {math.ceil(wait)} s.")
            self.log.warning("login of %r from %s refused for %.0f s more after repeated failures",
                             name[:32], address, wait)
        return bool(wait)

    async def _off_loop(self, function, *args):
        return await asyncio.get_running_loop().run_in_executor(self._hashing, function, *args)

    async def change_password(self, name: str, password: str) -> str | None:
        """Set ``name``'s password; what is wrong with it, or None."""
        if not self._validate_password(password):
            return f"Too short: a password has at least {self.min_password_length} characters."
        async with self._hashing_slots:
            self._store.set(name, await self._off_loop(hash_password, password))
        return None

    def delete_user(self, user):
        self._store.delete(user.name)

    def get_handlers(self, app):
        return [(path, ChangePasswordHandler if handler is ResetPasswordHandler else handler)
                for path, handler in super().get_handlers(app)]
