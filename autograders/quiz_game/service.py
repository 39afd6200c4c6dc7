"""The hub service ``quiz``: the game's pages, its REST API and its websocket, behind the hub's OAuth.

JupyterHub starts it (``dlcourse quiz serve``, as the course's grader account) and routes
``/services/quiz/`` to it through its proxy. Who is asking comes only from the hub's OAuth token
(``HubOAuthenticated``); nothing a request says can change it. Everyone with
``access:services!service=quiz`` plays; running games takes the custom scope ``custom:quiz:host``,
which the hub's configuration grants to instructors only. Screens are kept up to date over a
websocket, each with the view of its own user (``game.py``); answers and the host's actions are
POSTs with the hub's XSRF token. Every change is on disk before anyone is told (``store.py``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import signal
import time
from pathlib import Path
from urllib.parse import urlsplit

from jupyterhub.services.auth import HubOAuth, HubOAuthCallbackHandler, HubOAuthenticated
from jupyterhub.utils import url_path_join
from tornado import httpserver, ioloop, web, websocket

from . import banks, results
from .bank import BankError
from .game import Game, Refused
from .games import Games
from .store import Store

HOST_SCOPE = "custom:quiz:host"
STATE_FOLDER = "quiz"  # in the course folder: the games' database and the service's cookie secret
MAX_BODY = 16 * 1024  # bytes of a request body
MAX_WS_MESSAGE = 4 * 1024  # screens only listen; anything bigger closes the socket
PING_SECONDS = 20  # keeps idle websockets open through proxies
PACKAGE = Path(__file__).parent
# every script and style comes from this service; nothing is loaded from elsewhere, nothing is framed
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
log = logging.getLogger("dlcourse.quiz")


class Quiz:
    """The service's state for one run: the games, the open screens, the question timer."""

    def __init__(self, course_root: Path, store: Store, clock=time.time):
        self.course_root, self.clock = Path(course_root), clock
        self.games = Games(course_root, store)
        self.screens: set[EventSocket] = set()
        self._timer = None
        self.resume()

    def resume(self):
        """After a (re)start: a question still open closes at its deadline, or now if that has passed."""
        if (game := self.games.running) is not None and game.phase == "open":
            self.schedule_close(game)

    def schedule_close(self, game: Game):
        if self._timer is not None:
            ioloop.IOLoop.current().remove_timeout(self._timer)
        question = game.round.question
        self._timer = ioloop.IOLoop.current().call_later(max(game.round.deadline - self.clock(), 0),
                                                         self._time_up, game, question)

    def _time_up(self, game: Game, question: int):
        self._timer = None
        if game.phase == "open" and game.round.question == question:
            game.close(self.clock())
            self.broadcast()

    def close_now(self, game: Game):
        if self._timer is not None:
            ioloop.IOLoop.current().remove_timeout(self._timer)
            self._timer = None
        game.close(self.clock())

    def broadcast(self, only: str | None = None):
        """Send every open screen (or the hosts' and ``only``'s) its view."""
        for screen in list(self.screens):
            if only is None or screen.host or screen.name == only:
                screen.send_view()

    def view(self, name: str, host: bool) -> dict:
        game = self.games.current
        view = None if game is None else game.host_view() if host else game.player_view(name)
        return {"now": self.clock(), "user": name, "host": host, "game": view}


class QuizHandler(HubOAuthenticated, web.RequestHandler):
    def initialize(self, quiz: Quiz):
        self.quiz = quiz

    @property
    def name(self) -> str:
        return self.current_user["name"]

    @property
    def is_host(self) -> bool:
        return HOST_SCOPE in self.current_user.get("scopes", ())

    def set_default_headers(self):
        self.set_header("Content-Security-Policy", CSP)
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "no-referrer")
        self.set_header("Cache-Control", "no-store")


class PageHandler(QuizHandler):
    @web.authenticated
    def get(self, page: str):
        if page == "host" and not self.is_host:
            raise web.HTTPError(403, "only instructors run games")
        page = page or "play"
        self.render(f"{page}.html", script=f"{page}.js", xsrf=self.xsrf_token.decode(), is_host=self.is_host,
                    name=self.name, prefix=self.settings["quiz_prefix"])

    def write_error(self, status_code, **kwargs):
        self.render("error.html", status=status_code, message=_message(kwargs, self._reason))


class APIHandler(QuizHandler):
    def get_login_url(self):
        raise web.HTTPError(403, "not logged in to the hub")  # an API answers, it does not redirect

    def check_host(self):
        if not self.is_host:
            raise web.HTTPError(403, "only instructors run games")

    def body(self, *allowed: str) -> dict:
        """The request's JSON object, with no field but ``allowed`` (who is asking never comes from here)."""
        try:
            data = json.loads(self.request.body or b"{}", parse_constant=_no_constant)
        except (ValueError, UnicodeDecodeError):
            raise web.HTTPError(400, "the body is not JSON") from None
        if not isinstance(data, dict):
            raise web.HTTPError(400, "the body is a JSON object")
        if unknown := sorted(set(data) - set(allowed)):
            raise web.HTTPError(400, f"unknown field(s): {', '.join(unknown)[:200]}")
        return data

    def reply(self, data):
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(data))

    def write_error(self, status_code, **kwargs):
        self.reply({"error": _message(kwargs, self._reason)})

    def running(self, game_id=None) -> Game:
        game = self.quiz.games.running
        if game is None or (game_id is not None and game_id != game.id):
            raise Refused(409, "no game is running" if game is None else "this game is not running")
        return game


def _message(error_kwargs: dict, default: str) -> str:
    """The sentence of the HTTPError being answered (tornado's own reason phrase for anything else)."""
    error = error_kwargs.get("exc_info", (None, None))[1]
    if isinstance(error, web.HTTPError) and error.log_message:
        return error.log_message % error.args if error.args else error.log_message
    return default


def _no_constant(name):
    raise ValueError(f"{name} is not a number")


class StateHandler(APIHandler):
    @web.authenticated
    def get(self):
        host = self.get_argument("view", "player") == "host"
        if host:
            self.check_host()
        self.reply(self.quiz.view(self.name, host))


class JoinHandler(APIHandler):
    @web.authenticated
    def post(self):
        self.body()
        self.running().join(self.name, self.quiz.clock())
        self.quiz.broadcast(only=self.name)
        self.reply({"joined": True})


class AnswerHandler(APIHandler):
    @web.authenticated
    def post(self):
        received = self.quiz.clock()
        data = self.body("game", "question", "answer")
        game = self.running(data.get("game"))
        game.answer(self.name, data.get("game"), data.get("question"), data.get("answer"), received)
        if game.everyone_answered():
            self.quiz.close_now(game)
            self.quiz.broadcast()
        else:
            self.quiz.broadcast(only=self.name)
        self.reply({"recorded": True})


class BanksHandler(APIHandler):
    @web.authenticated
    def get(self):
        self.check_host()
        listing = []
        for name in banks.names(self.quiz.course_root):
            try:
                bank = banks.load(self.quiz.course_root, name)
                listing.append({"name": name, "title": bank.title, "questions": len(bank.questions), "error": None})
            except BankError as exc:
                listing.append({"name": name, "title": name, "questions": 0, "error": str(exc)})
        self.reply({"banks": listing})


class GamesHandler(APIHandler):
    @web.authenticated
    def get(self):
        self.check_host()
        store = self.quiz.games.store
        games = [store.load(game_id) for game_id in store.game_ids()]
        self.reply({"games": [{"id": g.id, "title": g.title, "ended": g.ended_at is not None,
                               "recorded": g.recorded_at is not None, "players": len(g.players)} for g in games]})

    @web.authenticated
    def post(self):
        self.check_host()
        data = self.body("bank")
        game = self.quiz.games.start(str(data.get("bank", "")), self.name, self.quiz.clock())
        self.quiz.broadcast()
        self.reply({"game": game.id})


class GameActionHandler(APIHandler):
    @web.authenticated
    async def post(self, game_id: str, action: str):
        self.check_host()
        self.body()
        if action == "gradebook":
            self.reply(await self._record(game_id))
            return
        game = self.running(game_id)
        if action == "next":
            game.open_next(self.quiz.clock())
            self.quiz.schedule_close(game)
        elif action == "close":
            self.quiz.close_now(game)
        elif action == "end":
            self.quiz.close_now(game)
            game.end(self.quiz.clock())
        self.quiz.broadcast()
        self.reply({"phase": game.phase})

    async def _record(self, game_id: str) -> dict:
        game = self.quiz.games.load(game_id)
        if game is None:
            raise Refused(404, "no such game")
        if game.phase != "ended":
            raise Refused(409, "end the game before recording it")
        # the gradebook lock may be held by a grading run for a moment: wait for it off the event loop
        outcome = await asyncio.get_running_loop().run_in_executor(
            None, results.record_in_gradebook, game, self.quiz.course_root)
        game.store.mark_recorded(game.id, self.quiz.clock())
        game.record.recorded_at = self.quiz.clock()
        self.quiz.broadcast()
        return outcome


class ResultsHandler(APIHandler):
    @web.authenticated
    def get(self, game_id: str):
        self.check_host()
        game = self.quiz.games.load(game_id)
        if game is None:
            raise Refused(404, "no such game")
        self.set_header("Content-Type", "text/csv; charset=utf-8")
        self.set_header("Content-Disposition", f'attachment; filename="{game.id}.csv"')
        self.finish(results.to_csv(game))


class EventSocket(HubOAuthenticated, websocket.WebSocketHandler):
    """One screen: sent its user's view at every change. Cross-site pages are refused (tornado's origin check)."""

    def initialize(self, quiz: Quiz):
        self.quiz = quiz
        self.host = False

    async def get(self, *args, **kwargs):
        if self.current_user is None:
            raise web.HTTPError(403, "not logged in to the hub")
        self.name = self.current_user["name"]
        if self.get_argument("view", "player") == "host":
            if HOST_SCOPE not in self.current_user.get("scopes", ()):
                raise web.HTTPError(403, "only instructors run games")
            self.host = True
        await super().get(*args, **kwargs)

    def open(self):
        self.quiz.screens.add(self)
        self.send_view()

    def on_message(self, message):
        pass  # screens only listen: answers and actions are POSTs, with the XSRF check

    def on_close(self):
        self.quiz.screens.discard(self)

    def send_view(self):
        try:
            self.write_message(json.dumps(self.quiz.view(self.name, self.host)))
        except websocket.WebSocketClosedError:
            self.quiz.screens.discard(self)


def make_app(quiz: Quiz, prefix: str, cookie_secret: bytes) -> web.Application:
    api = url_path_join(prefix, "api")
    handlers = [
        (url_path_join(prefix, "oauth_callback"), HubOAuthCallbackHandler),
        (f"{api}/state", StateHandler, {"quiz": quiz}),
        (f"{api}/events", EventSocket, {"quiz": quiz}),
        (f"{api}/join", JoinHandler, {"quiz": quiz}),
        (f"{api}/answer", AnswerHandler, {"quiz": quiz}),
        (f"{api}/banks", BanksHandler, {"quiz": quiz}),
        (f"{api}/games", GamesHandler, {"quiz": quiz}),
        (rf"{api}/games/([A-Za-z0-9_-]+)/(next|close|end|gradebook)", GameActionHandler, {"quiz": quiz}),
        (rf"{api}/games/([A-Za-z0-9_-]+)/results\.csv", ResultsHandler, {"quiz": quiz}),
        (rf"{prefix}(|host)", PageHandler, {"quiz": quiz}),
    ]
    return web.Application(
        handlers, cookie_secret=cookie_secret, quiz_prefix=prefix,
        template_path=str(PACKAGE / "templates"), static_path=str(PACKAGE / "static"),
        static_url_prefix=url_path_join(prefix, "static/"), websocket_ping_interval=PING_SECONDS,
        websocket_max_message_size=MAX_WS_MESSAGE, xsrf_cookies=True)


def _cookie_secret(folder: Path) -> bytes:
    """Kept in the quiz's folder, so that a restarted service still knows the screens' cookies."""
    path = folder / "cookie_secret"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def serve(course_root: Path):
    """Run until SIGTERM or SIGINT, on the URL and prefix JupyterHub gives its managed services."""
    logging.basicConfig(level=logging.INFO, format="[%(levelname)s %(asctime)s %(name)s] %(message)s")
    url = urlsplit(os.environ["JUPYTERHUB_SERVICE_URL"])
    prefix = os.environ["JUPYTERHUB_SERVICE_PREFIX"]
    folder = Path(course_root) / STATE_FOLDER
    folder.mkdir(mode=0o700, exist_ok=True)

    async def main():
        HubOAuth.instance()  # reads the service's identity from JupyterHub's environment
        store = Store(folder / "games.sqlite")
        quiz = Quiz(course_root, store)
        server = httpserver.HTTPServer(make_app(quiz, prefix, _cookie_secret(folder)), xheaders=True,
                                       max_body_size=MAX_BODY)
        server.listen(url.port, url.hostname)
        log.info("quiz service on %s%s, games in %s", url.geturl(), prefix, folder)
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(sig, stop.set)
        await stop.wait()
        server.stop()
        store.close()

    asyncio.run(main())
