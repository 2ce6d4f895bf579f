"""The command line's help (``--help``) in the organisation's DEFAULT_LANGUAGE, like its messages to people.

Click cleans a help text when its decorator runs (at import), long before any language is known, so a lazy
string would not survive: the texts are marked with ``N_`` (for extraction by `make translations`) and
translated when the help is formatted, by the command classes here (HelpCommand, HelpGroup, HelpFlaskGroup).
They translate the command's help and short help, its options' and arguments' help, and Click's own words
around them (Usage, Options, Commands, "[required]"). English is the source: its help is Click's, unchanged.

The language: the app's DEFAULT_LANGUAGE, from the active app context (Flask pushes one for the app's
commands) or else the app Flask's ScriptInfo loads (the root group's help lists the app's commands, which loads
it anyway). Where there is no app (``cert verify``, the deployment gate, runs without one: reviewboard/entry.py)
or it refuses its configuration: REVIEWBOARD_DEFAULT_LANGUAGE from the environment, as config.py reads it, else
the default."""

from __future__ import annotations

import copy
import inspect
import os
import unicodedata

import click
from click.formatting import term_len
from flask import current_app, has_app_context
from flask.cli import FlaskGroup, ScriptInfo

from reviewboard.i18n.languages import LANGUAGES, SOURCE_LANGUAGE, catalogue


def N_(text: str) -> str:  # noqa: N802 (the conventional name of gettext's no-op marker)
    """Marks ``text`` for extraction; it is translated where it is shown."""
    return text


# Click's own words around the help texts (Click translates them only through its own gettext domain)
USAGE = N_("Usage:")
OPTIONS = N_("Options")
COMMANDS = N_("Commands")
ARGUMENTS = N_("Positional arguments")
REQUIRED = N_("required")
DEFAULT = N_("default: {default}")
ENV_VAR = N_("env var: {var}")
N_("Show this message and exit.")  # the --help option's own help
# the options FlaskGroup gives the ``reviewboard`` group, in Flask's words (a newer Flask's other words show in English)
N_("Load environment variables from this file, taking precedence over those set by '.env' and '.flaskenv'. "
   "Variables set directly in the environment take highest precedence. python-dotenv must be installed.")
N_("The Flask application or factory function to load, in the form 'module:name'. Module can be a dotted import or "
   "file path. Name is not required if it is 'app', 'application', 'create_app', or 'make_app', and can be "
   "'name(args)' to pass arguments.")
N_("Set debug mode.")
# Flask's and its extensions' commands, as the root group's help lists them, and Flask's development server
# (`reviewboard run`, with its job worker: reviewboard/jobs/commands.py) in full; their other commands' help (db ...)
# stays in their own English
N_("Perform database migrations.")
N_("Flask-Limiter maintenance & utility commands")
N_("OpenAPI commands.")
N_("Show the routes for the app.")
N_("Run a shell in the app context.")
N_("Run a development server.")
N_("Run a local development server.\n\nThis server is for development purposes only. It does not provide\n"
   "the stability, security, or performance of production WSGI servers.\n\n"
   "The reloader and debugger are enabled by default with the '--debug'\noption.")
N_("The interface to bind to.")
N_("The port to bind to.")
N_("Specify a certificate file to use HTTPS.")
N_("The key file to use when specifying a certificate.")
N_("Enable or disable the reloader. By default the reloader is active if debug is enabled.")
N_("Enable or disable the debugger. By default the debugger is active if debug is enabled.")
N_("Enable or disable multithreading.")
N_("Extra files that trigger a reload on change. Multiple paths are separated by ':'.")
N_("Files matching these fnmatch patterns will not trigger a reload on change. Multiple patterns are separated by ':'.")


def help_language(ctx: click.Context) -> str:
    """The language a command's help is shown in (see the module's docstring)."""
    language = None
    if has_app_context():
        language = current_app.config.get("DEFAULT_LANGUAGE")
    elif ctx.find_object(ScriptInfo) is not None:
        try:
            language = ctx.find_object(ScriptInfo).load_app().config.get("DEFAULT_LANGUAGE")
        except (Exception, SystemExit):  # noqa: BLE001 (a configuration the app refuses still gets its help)
            language = None
    if language is None:
        from reviewboard.config import Defaults

        language = os.environ.get("REVIEWBOARD_DEFAULT_LANGUAGE") or Defaults.DEFAULT_LANGUAGE
    return language if language in LANGUAGES else SOURCE_LANGUAGE


def translate(ctx: click.Context, text: str | None) -> str | None:
    """``text`` (a marked help text, as Click cleaned it) in the help's language; itself when untranslated."""
    if not text:
        return text
    return catalogue(help_language(ctx)).gettext(text)


def _shown(thing, ctx: click.Context):
    """A copy of a command or parameter whose help texts are in the help's language (the original stays as
    imported: commands are shared by every invocation)."""
    shown = copy.copy(thing)
    # cleaned as Click shows it: Flask's own help texts are raw docstrings
    shown.help = translate(ctx, inspect.cleandoc(thing.help) if thing.help else thing.help)
    if isinstance(thing, click.Command):
        shown.short_help = translate(ctx, thing.short_help)
    return shown


def _option_record(option: click.Option, ctx: click.Context) -> tuple[str, str] | None:
    """As Click's Option.get_help_record, with the help and the bracketed extras in the help's language."""
    if option.hidden:
        return None
    text = translate(ctx, option.help) or ""
    extra = option.get_help_extra(ctx)
    items = []
    if "envvars" in extra:
        items.append(translate(ctx, ENV_VAR).format(var=", ".join(extra["envvars"])))
    if "default" in extra:
        items.append(translate(ctx, DEFAULT).format(default=extra["default"]))
    if "range" in extra:
        items.append(extra["range"])
    if "required" in extra:
        items.append(translate(ctx, REQUIRED))
    if items:
        joined = "; ".join(items)
        text = f"{text}  [{joined}]" if text else f"[{joined}]"
    return option.get_help_spec(ctx), text


class WideTextFormatter(click.HelpFormatter):
    """Click's help layout for text in scripts written without spaces between words (Chinese), whose characters
    take two columns each: Click wraps at spaces and counts characters, so a Chinese line would run twice the
    width. The lines are broken here, by columns, and handed to Click as paragraphs it keeps as they are (\\b)."""

    def write_text(self, text: str) -> None:
        super().write_text(_broken(text, self.width - self.current_indent))

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = list(rows)
        # as Click's write_dl: the width left to the second column
        first_column = min(max((term_len(first) for first, _second in rows), default=0), col_max) + col_spacing
        width = max(self.width - first_column - 2, 10)
        super().write_dl([(first, _broken(second, width)) for first, second in rows], col_max, col_spacing)


# marks that never open a line (they stay with the character before) and never close one (with the one after)
_CLOSING = set("，。、；：！？）》」』】”’,.;:!?)]")
_OPENING = set("（《「『【“‘([")


def _broken(text: str, width: int) -> str:
    """``text``'s paragraphs broken into lines of at most ``width`` columns, each marked for Click to keep."""
    if not text:
        return text
    return "\n\n".join("\b\n" + "\n".join(_lines(" ".join(paragraph.split("\n")), width))
                       for paragraph in text.split("\n\n"))


def _lines(paragraph: str, width: int) -> list[str]:
    lines: list[str] = []
    line: list[str] = []  # its units, spaces included
    for unit in _units(paragraph):
        if unit.isspace() and not line:
            continue
        if line and not unit.isspace() and _columns("".join(line) + unit) > width:
            carried: list[str] = []  # down with a closing mark goes what it closes; with a word, what opens it
            while len(line) > 1 and not line[-1].isspace() and ((carried or [unit])[0] in _CLOSING
                                                                or line[-1] in _OPENING):
                carried.insert(0, line.pop())
            lines.append("".join(line).rstrip())
            line = carried
        line.append(unit)
    if line:
        lines.append("".join(line).rstrip())
    return lines


def _units(paragraph: str) -> list[str]:
    """The units a line is broken between: each wide character, each run of narrow ones without a space (a word,
    a name, an option), each run of spaces."""
    units: list[str] = []
    for char in paragraph:
        if _columns(char) == 2 or not units or char.isspace() != units[-1].isspace() or _columns(units[-1][-1]) == 2:
            units.append(char)
        else:
            units[-1] += char
    return units


class HelpContext(click.Context):
    """Click's context, with the formatter for wide text when the help is not in English."""

    def make_formatter(self) -> click.HelpFormatter:
        if help_language(self) == SOURCE_LANGUAGE:
            return super().make_formatter()
        return WideTextFormatter(width=self.terminal_width, max_width=self.max_content_width)


class TranslatedHelp:
    """Formats a Click command's help in the help's language (mixed into the command classes below)."""

    context_class = HelpContext

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage(ctx.command_path, " ".join(self.collect_usage_pieces(ctx)),
                              prefix=f"{translate(ctx, USAGE)} ")

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super(TranslatedHelp, _shown(self, ctx)).format_help_text(ctx, formatter)

    def get_short_help_str(self, limit: int = 45) -> str:
        ctx = click.get_current_context(silent=True)  # the help being formatted (Click passes no context here)
        if ctx is None or help_language(ctx) == SOURCE_LANGUAGE:
            return super().get_short_help_str(limit)
        return _short_help_text(_shown(self, ctx), limit)

    def format_arguments(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        arguments = [param for param in self.get_params(ctx) if isinstance(param, click.Argument)]
        if any(argument.help is not None for argument in arguments):
            with formatter.section(translate(ctx, ARGUMENTS)):
                formatter.write_dl([_shown(argument, ctx).get_help_record(ctx) for argument in arguments])

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        records = []
        for param in self.get_params(ctx):
            if isinstance(param, click.Option):
                record = _option_record(param, ctx)
            elif not isinstance(param, click.Argument):
                record = _shown(param, ctx).get_help_record(ctx)
            else:
                record = None
            if record is not None:
                records.append(record)
        if records:
            with formatter.section(translate(ctx, OPTIONS)):
                formatter.write_dl(records)
        if isinstance(self, click.Group):
            self.format_commands(ctx, formatter)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        commands = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                commands.append((name, command))
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _command in commands)
            with formatter.section(translate(ctx, COMMANDS)):
                formatter.write_dl([(name, _short_help(command, ctx, limit)) for name, command in commands])


def _short_help(command: click.Command, ctx: click.Context, limit: int) -> str:
    """A subcommand's short help in the help's language, also for commands not made with the classes here
    (Flask's and extensions')."""
    if isinstance(command, TranslatedHelp) or help_language(ctx) == SOURCE_LANGUAGE:
        return command.get_short_help_str(limit)
    return _short_help_text(_shown(command, ctx), limit)


def _short_help_text(command: click.Command, limit: int) -> str:
    """The short help of a translated command: its first sentence, cut to ``limit`` columns. Click's own cuts
    at spaces and counts characters, but Chinese has no spaces between words and each character takes two
    columns."""
    if command.short_help:
        return inspect.cleandoc(command.short_help)
    text = inspect.cleandoc(command.help or "").partition("\f")[0].split("\n\n")[0].replace("\n", " ")
    for end in ("。", ". "):
        if end in text:
            text = text[:text.index(end) + len(end)].strip()
    if _columns(text) <= limit:
        return text
    while text and _columns(text) + 3 > limit:
        text = text[:-1]
    return f"{text.rstrip()}..."


def _columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


class HelpCommand(TranslatedHelp, click.Command):
    """A command whose help is shown in the organisation's language."""


class HelpGroup(TranslatedHelp, click.Group):
    """A group whose help, and its commands' and subgroups', is shown in the organisation's language."""

    command_class = HelpCommand
    group_class = type  # subgroups made with @group.group() are HelpGroups too


class HelpFlaskGroup(TranslatedHelp, FlaskGroup):
    """The ``reviewboard`` group (Flask's, which adds the app's commands), its help in the organisation's
    language."""

    command_class = HelpCommand
    group_class = HelpGroup
