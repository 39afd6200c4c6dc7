"""Each grading setting is declared once (autograders/engine/settings.py): the command line's option, nbgrader's
configurable trait and what root's grading service takes are derived from it, with one default and one help."""

import pytest
from traitlets.config import Config

from autograders.cli.main import build_parser
from autograders.cli.options import settings_from
from autograders.engine import SETTINGS, GradingSettings, InvalidSetting
from autograders.nbgrader_door.engine_step import GradeWithHiddenChecks


def another(setting):
    """A value of the setting's type other than its default."""
    return {bool: lambda d: not d, float: lambda d: d * 2, int: lambda d: d + 7,
            str: lambda d: f"other-{d}"}[setting.type](setting.default)


def option_text(setting, value) -> list[str]:
    return [setting.option] if setting.type is bool else [setting.option, str(value)]


def grade_options():
    parser = build_parser()
    (commands,) = [a for a in parser._actions if a.dest == "command"]
    return parser, {action.dest: action for action in commands.choices["grade"]._actions}


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_a_setting_has_one_default_and_one_help_on_the_command_line_in_nbgrader_and_the_service(setting):
    parser, options = grade_options()
    option = options[setting.name]
    assert setting.option in option.option_strings and option.help.startswith(setting.described)
    assert getattr(parser.parse_args(["grade", "x"]), setting.name) == setting.default
    value = another(setting)
    assert getattr(settings_from(parser.parse_args(["grade", "x", *option_text(setting, value)])), setting.name) == value

    trait = GradeWithHiddenChecks.class_traits()[setting.name]
    assert trait.metadata.get("config") and trait.default() == setting.default and trait.help == setting.described
    config = Config({"GradeWithHiddenChecks": {setting.name: value}})
    assert getattr(GradeWithHiddenChecks(config=config), setting.name) == value

    assert getattr(GradingSettings.from_client({}), setting.name) == setting.default
    asked = GradingSettings(**{setting.name: value}).for_service()
    if setting.from_client:
        assert getattr(GradingSettings.from_client(asked), setting.name) == value
    else:  # the sandbox and the network are root's to choose, whatever its client asks
        assert setting.name not in asked
        with pytest.raises(InvalidSetting, match=setting.name):
            GradingSettings.from_client({setting.name: value})


@pytest.mark.parametrize("asked", [{"cell_timeout": "60"}, {"cell_timeout": True}, {"seed": 1.5}, {"call_timeout": 0},
                                   {"notebook_timeout": float("inf")}, {"notebook_timeout": float("nan")},
                                   {"kernel_name": "../../bin/sh"}, {"kernel_name": ""}, {"surprise": 1}, ["seed"]])
def test_the_grading_service_refuses_settings_of_the_wrong_type_or_range(asked):
    with pytest.raises(InvalidSetting):
        GradingSettings.from_client(asked)


def test_settings_are_named_when_made():
    with pytest.raises(TypeError):
        GradingSettings(60.0, 30.0)  # which timeout is which would go unnoticed
