"""The class report: what an instructor reads after a deadline, from a grading run (`dlcourse grade --html`) and
from the course's gradebook (`dlcourse report`), on the class the class-grading tests graded (no grading here)."""

from __future__ import annotations

import json
import re
import shutil
from datetime import datetime
from html.parser import HTMLParser

import pytest
from nbgrader.api import Gradebook

from autograders import check_records, reports
from autograders.plain_text import MAX_SHOWN_CHARS
from autograders.engine import NotebookResult
from conftest import BIN, dlcourse, run


class Page(HTMLParser):
    """What the tests read of a report: every tag's attributes, each section's text (a line per block) and the
    rows of its tables."""

    BLOCKS = {"p", "li", "h2", "h3", "summary", "tr"}

    def __init__(self, text: str):
        super().__init__()
        self.tags, self.text, self.rows = [], {}, {}
        self._section = self._row = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "section":
            self._section = attrs["id"]
            self.text[self._section], self.rows[self._section] = "", []
        if self._section is None:
            return
        if tag in self.BLOCKS:
            self.text[self._section] += "\n"
        if tag == "tr":
            self._row = []
            self.rows[self._section].append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._row.append("")

    def handle_endtag(self, tag):
        if tag == "tr":
            self._row = None

    def handle_data(self, data):
        if self._section:
            self.text[self._section] += data
        if self._row:
            self._row[-1] += data

    def section(self, title: str) -> tuple[str, list[list[str]]]:
        """The text and the table rows of the section whose heading is ``title``."""
        key = next(key for key, text in self.text.items() if text.strip().splitlines()[0] == title)
        return self.text[key], self.rows[key]


def failed_checks(section_text: str) -> list[tuple[str, int, int]]:
    """Each check under "Checks failed most", in order: (name (cell), failed, ran)."""
    return [(name, int(bad), int(ran)) for name, bad, ran in
            re.findall(r"^(.+? \(test_\w+\)): failed by (\d+) of (\d+) submissions", section_text, re.M)]


def test_the_grading_report_names_the_most_failed_checks_with_their_grouped_messages(graded_classes):
    page = Page((graded_classes[2] / "report.html").read_text())
    (activations, act_rows), (quiz, quiz_rows) = page.section("activations"), page.section("concepts_quiz")
    # s01's relu runs out of time, s02 returns float64, s03 never ran: 3 of 4, each with its own message
    assert failed_checks(activations)[0] == ("relu: keeps float32 input as float32 (test_relu)", 3, 4)
    assert ["1", "relu was not called again: it already ran past its time limit", "s01"] in act_rows
    # the two students who got q01 wrong got the same message: one line, counted twice, an example to open
    q01, q12 = failed_checks(quiz)
    assert q01 == ("q01: the answer is right (test_q01)", 2, 3)
    assert quiz_rows[:2] == [["students", "message they got", "e.g."], ["2", "q01: A is not the right choice", "s01"]]
    # q12's messages differ only in each student's own numbers: grouped too, with the first student's words
    assert q12 == ("q12: the answer is right (test_q12)", 2, 3)
    assert quiz_rows[3][0] == "2" and re.match(r"q12: \d+ is not right for your numbers", quiz_rows[3][1])
    assert re.search(r"^14 checks nobody failed", quiz, re.M)
    assert "s00: not a readable notebook" in quiz  # the unreadable notebook, under "Not graded normally"
    assert "PLANTED" not in (graded_classes[2] / "report.html").read_text()
    # the example opens the student's notebook, relative to the report
    (link,) = {a["href"] for tag, a in page.tags if tag == "a" and a.get("href", "").endswith("s01/concepts_quiz/"
                                                                                         "concepts_quiz.ipynb")}
    assert (graded_classes[2] / link).is_file()


@pytest.fixture(scope="module")
def gradebook_report(graded_classes, tmp_path_factory):
    """``dlcourse report`` of the graded class's gradebook, in a copy of the course where a student without any
    submission joined, activations is due on New Year and s01 submitted it two and a half hours late."""
    course = tmp_path_factory.mktemp("report") / "course"
    shutil.copytree(graded_classes[2], course, symlinks=True)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        gb.add_student("s09")
        gb.find_assignment("activations").duedate = datetime(2026, 1, 1)
        gb.find_submission("activations", "s01").timestamp = datetime(2026, 1, 1, 2, 30)
        gb.db.commit()
        students = sorted(s.id for s in gb.students)
    proc = dlcourse("report", "--course", course, "--html", course / "class.html")
    assert "5 students" in proc.stdout
    return course, students, (course / "class.html").read_text()


def test_the_gradebook_report_has_every_student_late_and_missing_submissions(gradebook_report):
    course, students, text = gradebook_report
    page = Page(text)
    header, *rows = page.section("Students")[1]
    assert header == ["student", "activations", "concepts_quiz", "average"]  # assignments nobody submitted: left out
    assert [row[0] for row in rows] == students == ["s00", "s01", "s02", "s03", "s09"]
    by_student = {row[0]: row for row in rows}
    assert by_student["s01"][1] == "9 / 10late" and by_student["s09"][1:3] == ["none", "none"]
    assert by_student["s00"][2] == "0 / 21not graded"  # nbgrader could not read it: no autograded notebook
    activations, quiz = page.section("activations")[0], page.section("concepts_quiz")[0]
    assert "No submission (1): s09" in activations
    assert ["s09", "–", "activations, concepts_quiz"] in page.section("Students at risk")[1]
    # the checks and their messages come from the records beside the autograded notebooks
    assert failed_checks(activations)[0] == ("relu: keeps float32 input as float32 (test_relu)", 3, 4)
    assert failed_checks(quiz)[0] == ("q01: the answer is right (test_q01)", 2, 3)
    assert "PLANTED" not in text  # s02's planted record was not copied beside the autograded notebook


def test_feedback_never_carries_the_checks_record(gradebook_report):
    course = gradebook_report[0]
    assert (course / "autograded/s02/activations" / check_records.FOLDER / "activations.json").is_file()
    run([BIN / "nbgrader", "generate_feedback", "activations", "--student", "s02"], cwd=course)
    feedback = course / "feedback/s02/activations"
    assert (feedback / "activations.html").is_file() and not (feedback / check_records.FOLDER).exists()


@pytest.mark.parametrize("which", ["grading", "gradebook"])
def test_a_report_loads_nothing_from_anywhere(graded_classes, gradebook_report, which):
    text = (graded_classes[2] / "report.html").read_text() if which == "grading" else gradebook_report[2]
    tags = Page(text).tags
    assert ("meta", {"http-equiv": "Content-Security-Policy", "content": reports_csp()}) in tags
    sources = [a["src"] for _, a in tags if "src" in a]
    assert sources and all(s.startswith(("data:image/svg+xml;base64,", "data:image/png;base64,")) for s in sources)
    links = [a["href"] for _, a in tags if "href" in a]
    assert links and all(re.match(r"#[\w-]+$|\./[^:]*$", href) for href in links), links
    assert not {tag for tag, _ in tags} & {"script", "link", "iframe", "object", "embed", "base", "form"}
    assert not re.search(r"url\(|@import|https?://", text.replace("http://www.w3.org/", ""))


def reports_csp():
    from autograders.report_page import CSP
    return CSP


HOSTILE = {
    "student": "<img src=x onerror=alert(1)>\x1b[31m",
    "assignment": "$\\frac{1}{0}$ <b>bold</b>",
    "name": "<script>alert('check')</script>",
    "message": "</td></tr></table><script>alert(1)</script>\x07" + "x" * 5000,
    "error": "<iframe src=//evil.example>",
}


def test_every_string_from_a_submission_is_shown_as_text(tmp_path):
    notebook = tmp_path / "javascript:alert(1)" / "a b.ipynb"  # a folder name that would make a link a script
    notebook.parent.mkdir()
    notebook.write_text("{}")
    checks = [{"grade_id": "test_<x>", "name": HOSTILE["name"], "passed": False, "message": HOSTILE["message"]},
              {"grade_id": "test_ok", "name": "fine", "passed": True, "message": None}]
    results = [NotebookResult(str(notebook), HOSTILE["assignment"], HOSTILE["student"], 1.0, 2.0, checks=checks,
                              error=HOSTILE["error"]),
               NotebookResult(str(notebook), "second\u202e", "bob", 2.0, 2.0, checks=checks[1:])]
    reports.write_html(results, tmp_path / "report.html")
    text = (tmp_path / "report.html").read_text()
    tags = Page(text).tags
    assert [a for t, a in tags if t == "img" and not a["src"].startswith("data:image/svg+xml")] == []
    assert not {tag for tag, _ in tags} & {"script", "iframe"}
    assert "&lt;script&gt;alert(&#x27;check&#x27;)&lt;/script&gt;" in text and "&lt;img src=x" in text
    assert "&lt;b&gt;bold&lt;/b&gt;" in text and "&lt;iframe src=//evil.example&gt;" in text
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "x" * (MAX_SHOWN_CHARS + 1) not in text  # a message is bounded
    (href,) = {a["href"] for t, a in tags if t == "a" and "alert" in a.get("href", "")}
    assert href.startswith("./javascript%3Aalert%281%29/")  # a relative file link, never a scheme
    assert "$\\frac{1}{0}$" in text  # a name with matplotlib's math markers is drawn and shown as it is


def test_a_checks_record_is_read_as_untrusted_data(tmp_path):
    folder = tmp_path / "autograded"
    folder.mkdir()
    check_records.write(folder, "nb", [{"grade_id": "g", "name": "n", "passed": False, "message": "m"}], None)
    assert check_records.read(folder, "nb") == ([check_records.CheckRecord("g", "n", False, "m")], None)
    records = folder / check_records.FOLDER
    for bad in ("[" * 100_000, "x" * (check_records.MAX_RECORD_BYTES + 1), '{"checks": [1]}',
                '{"checks": "abc"}', '{"checks": [{"grade_id": "g"}]}', "not json"):
        (records / "bad.json").write_text(bad)
        assert check_records.read(folder, "bad") is None, bad[:20]
    (records / "truthy.json").write_text(json.dumps({"checks": [{"grade_id": 1, "name": [2], "passed": "yes"}]}))
    assert check_records.read(folder, "truthy")[0][0].passed is False  # only a JSON true passes


def test_a_link_in_the_records_place_is_replaced_not_followed(tmp_path):
    folder, elsewhere = tmp_path / "autograded", tmp_path / "elsewhere"
    folder.mkdir()
    elsewhere.mkdir()
    (folder / check_records.FOLDER).symlink_to(elsewhere)
    check_records.write(folder, "nb", [], "an error")
    assert list(elsewhere.iterdir()) == [] and not (folder / check_records.FOLDER).is_symlink()
    (folder / check_records.FOLDER / "nb.json").unlink()
    (folder / check_records.FOLDER / "nb.json").symlink_to(elsewhere / "target.json")
    check_records.write(folder, "nb", [], None)
    assert list(elsewhere.iterdir()) == [] and check_records.read(folder, "nb") == ([], None)


def test_a_course_without_a_gradebook_is_a_usage_error_and_gets_none(tmp_path, capsys):
    from autograders.cli.main import main

    (tmp_path / "source").mkdir()
    assert main(["report", "--course", str(tmp_path), "--html", str(tmp_path / "r.html")]) == 2
    assert "has no gradebook" in capsys.readouterr().err
    assert not (tmp_path / "gradebook.db").exists() and not (tmp_path / "r.html").exists()
