"""The live quiz on the real hub, over HTTP as each person's browser would: who may do what, what a student
can see, and a service killed in the middle of a game. (The whole game in browsers: test_quiz_browser.py.)"""

from __future__ import annotations

import csv
import io
import time

import pytest
import websocket
from quiz_client import (PREFIX, end_running_game, install_bank, kill_service, logged_in, receive_json,
                         wait_for_service)
from test_hub_setup import hub_config

BANK = """\
title: Attacks
questions:
  - choice: Pick B
    options:
      A: not this
      B: this one
      C: not this either
    answer: B
    seconds: 6
  - number: What is {a} plus 1?
    numbers:
      a: 1 to 1000
    answer: a + 1
    seconds: 90
"""
SECRETS = ("result", "distribution", "expected", "correct", "leaderboard")


def test_the_quiz_service_is_configured_for_players_and_hosts(tmp_path, monkeypatch):
    c = hub_config(tmp_path, monkeypatch, "firstuse")
    quiz = {s["name"]: s for s in c.JupyterHub.services}["quiz"]
    roles = {r["name"]: r for r in c.JupyterHub.load_roles}
    assert quiz["user"] == "grader-dl-course" and quiz["command"][1:3] == ["quiz", "serve"]
    assert roles["quiz-players"]["scopes"] == ["access:services!service=quiz"]
    assert roles["quiz-hosts"] == {"name": "quiz-hosts", "groups": ["formgrade-dl-course"],
                                   "scopes": ["custom:quiz:host"]}
    assert quiz["oauth_client_allowed_scopes"] == ["custom:quiz:host"]


@pytest.fixture(scope="module")
def people(course_hub):
    install_bank(course_hub.state, "attacks", BANK)
    return {name: logged_in(course_hub, name) for name in ("instructor", "alice", "bob", "carol")}


@pytest.fixture(scope="module")
def game(people):
    host = people["instructor"]
    end_running_game(host)
    reply = host.post("api/games", {"bank": "attacks"})
    assert reply.status_code == 200, reply.text
    game_id = reply.json()["game"]
    yield game_id
    host.post(f"api/games/{game_id}/end")


def test_the_quiz_is_on_the_hub_s_home_page_for_students(people):
    home = people["alice"].http.get(f"{people['alice'].base}/hub/home")
    assert home.ok and PREFIX in home.text


def test_a_student_cannot_open_the_instructor_s_controls(people, game):
    alice = people["alice"]
    page = alice.get("host")
    assert page.status_code == 403 and "only instructors run games" in page.text
    for method, path, body in [("GET", "api/banks", None), ("GET", "api/games", None),
                               ("GET", "api/state?view=host", None), ("POST", "api/games", {"bank": "attacks"}),
                               ("POST", f"api/games/{game}/next", {}), ("POST", f"api/games/{game}/end", {}),
                               ("POST", f"api/games/{game}/close", {}), ("POST", f"api/games/{game}/gradebook", {}),
                               ("GET", f"api/games/{game}/results.csv", None)]:
        reply = alice.api(method, PREFIX, path, json=body)
        assert reply.status_code == 403, (method, path, reply.status_code)
        assert reply.json() == {"error": "only instructors run games"}
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        alice.events("host")
    assert refused.value.status_code == 403
    assert people["instructor"].state("host")["game"]["phase"] == "lobby"  # nothing alice tried took effect


def test_a_student_sees_no_one_else_s_answer_cannot_answer_twice_late_or_as_someone_else(people, game):
    host, alice, bob, carol = (people[n] for n in ("instructor", "alice", "bob", "carol"))
    for student in (alice, bob, carol):
        assert student.post("api/join").status_code == 200
    alice_screen = alice.events()
    assert receive_json(alice_screen)["game"]["joined"]
    assert host.post(f"api/games/{game}/next").status_code == 200
    assert receive_json(alice_screen)["game"]["phase"] == "open"
    view = alice.state()["game"]
    assert view["question"]["eligible"] and not any(key in str(view) for key in SECRETS)

    # an answer of 100 kB (the service reads at most 16 KiB of a body), an answer of the wrong form
    huge = alice.answer(view, "A" * 100_000)
    # tornado answers 400 and closes the connection while the proxy may still be sending the body, which
    # the proxy then reports as 503: either way nothing is recorded (alice's next answer is her first)
    assert huge.status_code in (400, 413, 503), huge.status_code
    assert alice.answer(view, ["A", "B"]).status_code == 400
    # as someone else: whatever a request says, the hub's token says who answers
    as_bob = alice.answer(view, "A", params={"student": "bob", "user": "bob"},
                          headers={"X-Forwarded-User": "bob", "X-Remote-User": "bob"})
    assert as_bob.status_code == 200, as_bob.text
    forged = alice.post("api/answer", {"game": game, "question": 0, "answer": "B", "student": "bob"})
    assert forged.status_code == 400 and "unknown field" in forged.json()["error"]
    # twice
    again = alice.answer(view, "B")
    assert again.status_code == 409 and again.json()["error"] == "you already answered this question"
    # another site's page posting with the student's cookies but without the XSRF token
    cross_site = carol.http.post(f"{carol.base}{PREFIX}api/answer", json={"game": game, "question": 0, "answer": "B"},
                                 headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site",
                                          "Sec-Fetch-Mode": "cors"})
    assert cross_site.status_code == 403
    with pytest.raises(websocket.WebSocketBadStatusException):
        carol.events(origin="https://evil.example")
    # bob's own answer is still his to give: alice's "as bob" was hers
    assert bob.answer(view, "B").status_code == 200

    # nothing of bob's answer reaches alice before the reveal: neither her state nor her screen
    mine = alice.state()["game"]
    assert mine["question"]["answer"] == "A" and not any(key in str(mine) for key in SECRETS)
    assert "bob" not in str(mine)
    # late: carol waits past the deadline (the server's clock decides)
    time.sleep(max(view["question"]["deadline"] - host.state("host")["now"], 0) + 0.3)
    late = carol.answer(view, "B")
    assert late.status_code == 409 and late.json()["error"] in ("time is up for this question",
                                                                 "that question is not open")
    messages = []
    alice_screen.settimeout(10)
    while not messages or messages[-1]["game"]["phase"] != "revealed":
        messages.append(receive_json(alice_screen))
    alice_screen.close()
    assert all(not any(k in str(m) for k in SECRETS) for m in messages[:-1]), "only the reveal holds results"
    revealed = messages[-1]["game"]
    assert revealed["question"]["result"] == {"correct": False, "points": 0, "expected": ["B"]}
    distribution = host.state("host")["game"]["question"]["distribution"]
    assert {o["key"]: o["count"] for o in distribution["options"]} == {"A": 1, "B": 1, "C": 0}
    assert (distribution["right"], distribution["wrong"], distribution["none"]) == (1, 1, 1)


def test_the_service_killed_mid_game_resumes_with_every_answer(course_hub, people, game):
    host, alice, bob, carol = (people[n] for n in ("instructor", "alice", "bob", "carol"))
    assert host.post(f"api/games/{game}/next").status_code == 200
    mine = alice.state()["game"]
    numbers_text = mine["question"]["text"]
    a = int(numbers_text.split()[2])
    assert alice.answer(mine, a + 1).status_code == 200
    assert bob.answer(bob.state()["game"], 0).status_code == 200
    before = host.state("host")["game"]

    old = kill_service(course_hub.state)
    waited = wait_for_service(alice, course_hub.state, old)
    print(f"the hub restarted the quiz service in {waited:.1f} s")

    after = host.state("host")["game"]
    assert (after["id"], after["phase"], after["question"]["index"]) == (game, "open", 1)
    assert after["question"]["answered"] == before["question"]["answered"] == 2
    assert after["question"]["deadline"] == before["question"]["deadline"]
    resumed = alice.state()["game"]["question"]
    assert resumed["answered"] and resumed["answer"] == a + 1 and resumed["text"] == numbers_text
    assert alice.answer(mine, 7).status_code == 409
    assert carol.answer(carol.state()["game"], -1).status_code == 200  # the last answer closes the question
    assert alice.state()["game"]["question"]["result"]["correct"]
    assert host.post(f"api/games/{game}/end").status_code == 200
    table = list(csv.DictReader(io.StringIO(host.get(f"api/games/{game}/results.csv").text)))
    assert sorted((r["student"], r["q01_answer"], r["q02_answer"]) for r in table) == [
        ("alice", "A", str(a + 1)), ("bob", "B", "0"), ("carol", "", "-1")]
