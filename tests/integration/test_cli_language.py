"""The command line speaks the organisation's DEFAULT_LANGUAGE (a command has no signed-in person): progress lines
and errors in Chinese when it is zh-Hans, word for word as before in English; what scripts read stays the same in
every language (the OK/FAILED status words, JSON). Both engines."""

from __future__ import annotations

import inspect
import json

import click
import pytest
from click.testing import CliRunner

from tests.conftest import cli_runner


@pytest.fixture()
def cli(app, db_session):
    return cli_runner(app)


@pytest.mark.parametrize(("language", "missing", "verified"), [
    ("zh-Hans", "没有编号为 999999 的项目。", "链完整"),
    ("en", "No project with id 999999.", "chain intact"),
])
def test_messages_to_people_are_in_the_organisations_language(cli, app, monkeypatch, tmp_path, language, missing,
                                                              verified):
    monkeypatch.setitem(app.config, "DEFAULT_LANGUAGE", language)
    refused = cli("pack", "export", "999999", "-o", str(tmp_path / "pack.zip"))
    assert refused.exit_code == 1 and missing in refused.output
    checked = cli("audit", "verify")
    assert checked.exit_code == 0, checked.output
    assert checked.output.startswith("OK: ") and verified in checked.output  # the status word scripts read


def test_machine_readable_output_is_the_same_in_every_language(cli, app, make, monkeypatch):
    project = make.project()
    outputs = {}
    for language in ("en", "zh-Hans"):
        monkeypatch.setitem(app.config, "DEFAULT_LANGUAGE", language)
        result = cli("system", "duties", str(project.id), "--json")
        assert result.exit_code == 0, result.output
        outputs[language] = json.loads(result.output)
    assert outputs["zh-Hans"] == outputs["en"] and "duties" in outputs["en"]


# -- --help ------------------------------------------------------------------------------------------------------
# Flask's and its extensions' own commands: only their lines in the root group's list are translated (their help
# is not ReviewBoard's); `run` (Flask's server with ReviewBoard's job worker) is, in full
NOT_OURS = {"db", "limiter", "openapi", "routes", "shell"}


def _help(app, *args) -> str:
    """``reviewboard ARGS --help`` through the console script's group (Flask's ScriptInfo loads this app)."""
    from flask.cli import ScriptInfo

    from reviewboard.cli import main

    result = CliRunner().invoke(main, [*args, "--help"], obj=ScriptInfo(create_app=lambda: app),
                                prog_name="reviewboard", catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize(("args", "chinese", "english"), [
    ((), ["用法: reviewboard [OPTIONS] COMMAND [ARGS]...", "人工智能系统的伦理审查", "命令:", "  user      管理账户。",
          "  audit     防篡改的审计日志。", "  db        执行数据库迁移。", "  run       运行开发服务器。"],
     ["Usage: reviewboard [OPTIONS] COMMAND [ARGS]...", "ReviewBoard: ethical review of AI systems",
      "  user      Manage accounts.", "  audit     The tamper-evident audit trail.",
      "  db        Perform database migrations.", "  run       Run a development server."]),
    (("record",), ["已签名的阶段记录。", "  verify  仅当 FILE 的签名完整且受信任"],
     ["Signed stage records.", "  verify  Exit 0 only when FILE's signature is intact and trusted and it..."]),
    (("record", "verify"), ["仅当 FILE 的签名完整且受信任，并与一份已存储的记录相符时，才以 0 退出。", "选项:",
                            "--help  显示此帮助信息并退出。"],
     ["Exit 0 only when FILE's signature is intact and trusted and it matches a\n  stored record.",
      "--help  Show this message and exit."]),
    (("audit", "verify"), ["验证审计日志", "--max-tail DURATION  早于此时长"],
     ["Verify the audit trail; exit 1", "--max-tail DURATION  Fail when events older than this"]),
    (("token", "create"), ["使用它的程序或用途。", "[默认：30d]"], ["What uses it.", "[default: 30d]"]),
])
def test_help_is_in_the_organisations_language(app, db_session, monkeypatch, args, chinese, english):
    monkeypatch.setitem(app.config, "DEFAULT_LANGUAGE", "zh-Hans")
    shown = _help(app, *args)
    for text in chinese:
        assert text in shown or "".join(text.split()) in "".join(shown.split())  # however the lines broke
    for text in english:  # none of the English help is left
        assert text.split("  ")[-1].split("\n")[0] not in shown
    monkeypatch.setitem(app.config, "DEFAULT_LANGUAGE", "en")
    shown = _help(app, *args)
    for text in english:
        assert text in shown


def test_english_help_is_clicks_as_before(app, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "DEFAULT_LANGUAGE", "en")
    assert _help(app, "audit", "verify") == (
        "Usage: reviewboard audit verify [OPTIONS]\n\n"
        "  Verify the audit trail; exit 1 naming the first bad sequence number, or an\n"
        "  unanchored tail older than --max-tail.\n\n"
        "Options:\n"
        "  --max-tail DURATION  Fail when events older than this (\"10m\", \"1h\") are not\n"
        "                       yet covered by a signed checkpoint.\n"
        "  --help               Show this message and exit.\n")


def test_the_deployment_gates_help_follows_the_environment_without_an_app():
    """`reviewboard cert verify` runs without the app (reviewboard/entry.py): its help reads the language as
    config.py does, from REVIEWBOARD_DEFAULT_LANGUAGE."""
    from reviewboard.certificates.commands import cert_cli

    shown = CliRunner().invoke(cert_cli, ["verify", "--help"], env={"REVIEWBOARD_DEFAULT_LANGUAGE": "zh-Hans"})
    assert shown.exit_code == 0 and "无需数据库，可离线运行。" in "".join(shown.output.split())
    assert "[必填]" in shown.output
    shown = CliRunner().invoke(cert_cli, ["verify", "--help"], env={"REVIEWBOARD_DEFAULT_LANGUAGE": None})
    assert "Needs no database; works offline." in shown.output and "[required]" in shown.output


def _commands(group: click.Group, ctx: click.Context, path: tuple[str, ...] = ()):
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None or (not path and name in NOT_OURS):
            continue
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, ctx, (*path, name))


def test_every_commands_help_has_a_translation(app, db_session):
    """Walks the whole command tree: each command's help and short help, and each option's and argument's, is a
    message of the catalog with a Chinese translation, shown by a command class that translates it."""
    from flask.cli import ScriptInfo

    from reviewboard.cli import main
    from reviewboard.i18n.help import TranslatedHelp
    from reviewboard.i18n.languages import catalogue

    chinese = catalogue("zh-Hans")
    ctx = click.Context(main, obj=ScriptInfo(create_app=lambda: app))
    missing, walked = [], 0
    for path, command in [((), main), *_commands(main, ctx)]:
        walked += 1
        assert isinstance(command, TranslatedHelp), f"{' '.join(path)}: made without reviewboard.i18n.help's classes"
        texts = [command.help, command.short_help, *(param.help for param in command.params
                                                     if isinstance(param, click.Option | click.Argument))]
        if command.add_help_option:
            texts.append(command.get_help_option(ctx).help)
        shown = [inspect.cleandoc(text) for text in texts if text]  # as Click shows it (Flask's are raw docstrings)
        missing += [(path, text) for text in shown if chinese.gettext(text) == text]
    assert walked > 40 and not missing


@pytest.mark.parametrize("args", [("serve",), ("remind",), ("system", "add-version"), ("cert", "verify")])
def test_chinese_help_fits_the_width_english_does(app, db_session, monkeypatch, args):
    """Chinese has no spaces to wrap at and its characters take two columns: the lines are broken by columns
    (80 here, as Click's English), a closing mark such as 。 allowed to end a line one character over."""
    import unicodedata

    monkeypatch.setitem(app.config, "DEFAULT_LANGUAGE", "zh-Hans")
    shown = _help(app, *args)
    columns = [sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line) for line in shown.splitlines()]
    assert max(columns) <= 82 and len(shown.splitlines()) > 8
    assert "\b" not in shown
