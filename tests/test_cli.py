"""`dlcourse grade` as a command: usage errors, broken input, the JSON it writes."""

import json

import pytest

from conftest import ROOT, dlcourse, grade

from autograders.cli import main

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
    assert {"notebook", "assignment", "student", "score", "max_score", "cells", "error", "seconds",
            "device"} <= set(result)
    assert result["student"] == "dana" and result["device"] == "cpu"
    assert {"grade_id", "score", "max_score", "feedback"} == set(result["cells"][0])
