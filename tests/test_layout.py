"""The package's structure: the command line's help lists every option with its help, and no module of autograders/
imports, directly or through others, a module that imports it back."""

import argparse
import ast
import re
from pathlib import Path

import pytest

from autograders.cli.main import build_parser, main

PACKAGE = Path(__file__).resolve().parents[1] / "autograders"


def commands(parser, words=("dlcourse",)):
    """Every parser of ``dlcourse``, its own words first: the top one and each (sub)command's."""
    yield words, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, command in action.choices.items():
                yield from commands(command, (*words, name))


def one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("words", [words for words, _ in commands(build_parser())], ids=" ".join)
def test_each_commands_help_lists_its_options_each_with_its_help(words, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "10000")  # one line per option: nothing cut where a help has a hyphen
    parser = dict(commands(build_parser()))[words]
    with pytest.raises(SystemExit) as done:
        main([*words[1:], "--help"])
    shown = one_line(capsys.readouterr().out)
    assert done.value.code == 0
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):  # its commands are what it lists
            for choice in action._choices_actions:
                assert choice.help and one_line(choice.help) in shown, f"{' '.join(words)} {choice.dest}: no help"
            continue
        names = action.option_strings or [action.metavar or action.dest]
        assert action.help and action.help.strip(), f"{' '.join(words)} {names[0]}: no help"
        assert all(name in shown for name in names), f"{' '.join(words)}: {names} not in its help"
        assert one_line(action.help % vars(action)) in shown, f"{' '.join(words)} {names[0]}: its help is not shown"
    options = [name for action in parser._actions for name in action.option_strings]
    assert len(options) == len(set(options))


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path, modules: set[str]) -> set[str]:
    """The package's modules that ``path`` imports, at its top or in a function (imports under ``TYPE_CHECKING``
    never run)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text())
    typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                   and ast.unparse(node.test).endswith("TYPE_CHECKING") for n in ast.walk(node)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            found |= {f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names}
    return (found & modules) - {name}


def test_no_module_of_the_package_imports_itself_back():
    paths = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {name: imported(path, set(paths)) for name, path in paths.items()}
    cycles = []

    def visit(name, trail, done):
        if name in trail:
            cycles.append(trail[trail.index(name):] + [name])
            return
        if name in done:
            return
        for other in sorted(graph[name]):
            visit(other, trail + [name], done)
        done.add(name)

    done = set()
    for name in sorted(graph):
        visit(name, [], done)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)
