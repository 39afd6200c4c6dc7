"""`dlcourse grade` as a command: usage errors, broken input, the JSON it writes."""

import json

import pytest

from conftest import ROOT, dlcourse, grade

from autograders.cli.main import main

SOURCE = ROOT / "course/source/activations/activations.ipynb"


@pytest.mark.parametrize("args, message", [
    (["grade"], "the following arguments are required: PATH"),
    (["grade", "no/such.ipynb"], "no such file or folder: no/such.ipynb"),
    (["grade", str(SOURCE), "--assignment", "nope"], "unknown assignment 'nope'"),
    (["grade", str(SOURCE), "--course", "/nonexistent"], "/nonexistent is not a course"),
    (["grade", str(SOURCE), "--call-timeout", "-1"], "must be positive"),
    (["grade", str(SOURCE), "--bogus"], "unrecognized arguments: --bogus"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
])
def test_usage_errors_exit_2_with_one_line(args, message, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(args) == 2
    stderr = capsys.readouterr().err
    assert stderr.count("\n") == 1 and stderr.startswith("dlcourse: error:")
    assert message in stderr


def test_the_installed_command_reports_usage_errors_the_same_way():
    proc = dlcourse("grade", check=False)
    assert proc.returncode == 2 and proc.stderr.startswith("dlcourse: error:")


def test_broken_notebooks_are_graded_zero_and_the_batch_goes_on(tmp_path):
    (tmp_path / "garbage").mkdir()
    (tmp_path / "garbage" / "activations.ipynb").write_text("{ this is not json")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "activations.ipynb").write_text("")
    (tmp_path / "good").mkdir()
    (tmp_path / "good" / "activations.ipynb").write_text(SOURCE.read_text())
    results = grade([tmp_path], tmp_path)
    for student in ("garbage", "empty"):
        r = results[student]
        assert r["score"] == 0 and r["max_score"] == 10.0 and r["assignment"] == "activations"
        assert r["error"].startswith("not a readable notebook")
    assert results["good"]["score"] == 10.0


def test_json_has_the_documented_schema(tmp_path):
    out = tmp_path / "r.json"
    dlcourse("grade", SOURCE, "--student", "dana", "--json", out)
    (result,) = json.loads(out.read_text())["results"]
    assert {"notebook", "assignment", "student", "score", "max_score", "manual_max", "cells", "error", "seconds",
            "device"} <= set(result)
    assert result["student"] == "dana" and result["device"] == "cpu"
    assert {"grade_id", "score", "max_score", "feedback"} == set(result["cells"][0])


def test_table_rows_tell_student_assignment_and_notebook_apart(capsys, monkeypatch):
    from autograders.cli.grade import _print_table
    from autograders.engine import NotebookResult

    monkeypatch.setenv("COLUMNS", "200")
    results = [NotebookResult("/c/submitted/s01/activations/activations.ipynb", "activations", "s01", 9, 10),
               NotebookResult("/c/submitted/s01/activations/victim/activations.ipynb", "activations", "s01", 10, 10),
               NotebookResult("/c/source/dropout/dropout.ipynb", "dropout", "source", 9, 12, manual_max=3),
               NotebookResult("/c/source/[red]x/softmax.ipynb", "softmax", "[bold]source", 1, 11, error="\x1b[2Jboom")]
    _print_table(results)
    out = capsys.readouterr().out
    rows = [line.split("│")[1:4] for line in out.splitlines() if line.startswith("│")]
    assert [[cell.strip() for cell in row] for row in rows] == [
        ["s01", "activations", "activations/activations"], ["s01", "activations", "victim/activations"],
        ["source", "dropout", "dropout"], ["[bold]source", "softmax", "softmax"]]
    assert "9 / 9 auto, 3 manual pending" in out and "\x1b" not in out  # a name or an error is no terminal code
