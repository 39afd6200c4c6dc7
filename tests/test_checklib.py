"""The hidden checks' API is one place: they import from checklib only, and every fixture they ask for is one
of checklib's (documented) or their own."""

import ast
import inspect
from pathlib import Path

import pytest

import autograders.checklib
from autograders.checklib import fixtures

CHECK_FILES = sorted(Path(autograders.__file__).parent.glob("assignments/*/hidden_checks.py"))
DOCUMENTED = {name for name, f in vars(fixtures).items() if hasattr(f, "_pytestfixturefunction")
              or type(f).__name__ == "FixtureFunctionDefinition"}


def test_every_fixture_of_checklib_has_a_docstring():
    assert DOCUMENTED >= {"student", "rng", "grading_seed", "student_id", "assignment_dir", "evaluator"}
    for name in DOCUMENTED:
        assert inspect.getdoc(getattr(fixtures, name)), f"the fixture {name} has no docstring"


@pytest.mark.parametrize("path", CHECK_FILES, ids=lambda p: p.parent.name)
def test_hidden_checks_import_the_api_from_checklib_only(path):
    tree = ast.parse(path.read_text())
    sources = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    sources |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    ours = {s for s in sources if s.startswith("autograders")}
    allowed = {"autograders.checklib", f"autograders.assignments.{path.parent.name}"}
    assert all(s in allowed or s.startswith(f"autograders.assignments.{path.parent.name}.") for s in ours), ours


@pytest.mark.parametrize("path", CHECK_FILES, ids=lambda p: p.parent.name)
def test_every_fixture_a_check_asks_for_is_checklibs_or_its_own(path):
    tree = ast.parse(path.read_text())
    functions = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    own = {f.name for f in functions if any("fixture" in ast.unparse(d) for d in f.decorator_list)}
    for f in functions:
        if f.name.startswith("test_") or f.name in own:
            parametrized = {name.strip() for d in f.decorator_list if "parametrize" in ast.unparse(d)
                            for name in ast.literal_eval(d.args[0]).split(",")}
            asked = {a.arg for a in f.args.args} - parametrized - {"request"}
            assert asked <= DOCUMENTED | own, f"{f.name} asks for {sorted(asked - DOCUMENTED - own)}"
