"""Interface language and on-screen times (Flask-Babel): which locale a request uses, the language switcher
(reviewboard/i18n/views.py), and the Jinja filters that format dates and times for the locale in the display
time zone. Records and the database keep UTC; only what a page shows is converted.

The time zone: the signed-in person's own (their profile), else the organisation's DISPLAY_TIMEZONE.
The locale: the signed-in person's profile language, else the language an anonymous visitor chose with the
switcher (kept in the session), else the best match of the browser's Accept-Language, else the organisation's
DEFAULT_LANGUAGE. Translated text comes from reviewboard/translations (`make translations`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from babel.dates import format_skeleton, format_time
from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import Babel, _get_current_context, force_locale, get_locale, get_timezone, get_translations
from flask_login import current_user
from jinja2 import pass_context
from jinja2.ext import _make_new_gettext, _make_new_ngettext, _make_new_npgettext, _make_new_pgettext
from jinja2.runtime import Context

from reviewboard.i18n.languages import LANGUAGES, TRANSLATIONS, babel_locale, best_language
from reviewboard.i18n.zones import canonical_zone

babel = Babel()
SESSION_KEY = "language"


def select_language() -> str:
    """The BCP 47 code of the request's language (one of LANGUAGES); outside a request (CLI, jobs), the default."""
    if not has_request_context():
        return _default_language()
    if current_user and current_user.is_authenticated and current_user.language in LANGUAGES:
        return current_user.language
    chosen = session.get(SESSION_KEY)
    if chosen in LANGUAGES:
        return chosen
    best = best_language([tag for tag, _quality in request.accept_languages])
    if best:
        return best
    return _default_language()


def select_time_zone() -> str:
    """The zone pages show times in: the signed-in person's own (accounts' profile), else the organisation's
    DISPLAY_TIMEZONE; the organisation's outside a request (CLI, jobs, e-mails)."""
    if has_request_context() and current_user and current_user.is_authenticated:
        own = canonical_zone(current_user.time_zone)
        if own:
            return own
    return current_app.config["DISPLAY_TIMEZONE"]


@contextmanager
def in_time_zone(zone: str | None) -> Iterator[None]:
    """Times formatted inside are shown in ``zone`` (an IANA name), as force_locale does for the language: an
    e-mail or digest read in its recipient's own zone rather than the organisation's or the sender's. A missing
    or unknown zone changes nothing."""
    from pytz import timezone

    ctx = reader_context()  # where Flask-Babel caches the zone, as force_locale the locale
    name = canonical_zone(zone)
    if ctx is None or not name:
        yield
        return
    before = getattr(ctx, "babel_tzinfo", None)
    ctx.babel_tzinfo = timezone(name)
    try:
        yield
    finally:
        ctx.babel_tzinfo = before


@contextmanager
def as_read_by(user, language: str | None = None) -> Iterator[None]:
    """What is rendered inside reads as ``user`` reads it: in their language (``language``, default their profile's,
    else the organisation's) and with times in their own time zone (an e-mail, a digest)."""
    language = language or user.language or _default_language()
    with force_locale(babel_locale(language)), in_time_zone(user.time_zone):
        yield


def _default_language() -> str:
    default = current_app.config["DEFAULT_LANGUAGE"]
    return default if default in LANGUAGES else "en"


def _select_locale() -> str:
    return babel_locale(select_language())


def _zone_and_locale():
    """The display zone and locale in force (in_time_zone's and force_locale's included), as Flask-Babel keeps them
    for the request once chosen: a list page formats a time or date on each of its rows."""
    ctx = reader_context()
    return getattr(ctx, "babel_tzinfo", None) or get_timezone(), getattr(ctx, "babel_locale", None) or get_locale()


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def local_datetime(value: datetime | None, seconds: bool = False) -> str:
    """A stored (UTC) time as shown on screen: in the display time zone, formatted for the locale, with the
    zone named. English keeps the ISO layout ("2026-05-04 14:30 UTC") that auditors and exports use."""
    if value is None:
        return ""
    zone, locale = _zone_and_locale()
    shown = _aware(value).astimezone(zone)
    if locale is None or locale.language == "en":
        text = shown.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    else:
        time = format_time(shown, "HH:mm:ss" if seconds else "HH:mm", tzinfo=shown.tzinfo, locale=locale)
        text = f"{format_skeleton('yMMMd', shown, locale=locale)} {time}"
    return f"{text} {_zone_label(shown)}"


def _zone_label(shown: datetime) -> str:
    """The zone as an offset ("UTC", "UTC+08:00"): unambiguous in every language, unlike "CST"."""
    minutes = int(shown.utcoffset().total_seconds() // 60)
    if not minutes:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def local_date(value) -> str:
    """A date (or the date of a stored UTC time in the display zone) formatted for the locale."""
    if value is None:
        return ""
    zone, locale = _zone_and_locale()
    if isinstance(value, datetime):
        value = _aware(value).astimezone(zone).date()
    if locale is None or locale.language == "en":
        return value.isoformat()
    return format_skeleton("yMMMd", value, locale=locale)


def reader_context():
    """Flask-Babel's per-request state (the locale, zone and catalogue in force, force_locale's included), or
    None outside an application context; one lookup of ``g`` where Flask-Babel's own takes three."""
    try:
        return g._flask_babel
    except (AttributeError, RuntimeError):  # not made yet in this request; outside a request
        return _get_current_context()


def catalogue():
    """The reader's translations, looked up once per request and once inside each force_locale (an e-mail in its
    reader's language), not once per string: Flask-Babel's get_translations() finds the request's state three times
    and formats the locale's name for every string, some thirty function calls, and a page shows a hundred strings
    or more. Kept where Flask-Babel's force_locale() and refresh() reset it (``babel_translations``)."""
    ctx = reader_context()
    if ctx is None:
        return get_translations()
    translations = getattr(ctx, "babel_translations", None)
    if translations is None:
        translations = ctx.babel_translations = get_translations()
    return translations


# The templates' gettext family: jinja2.ext's new-style wrappers (escaping, ``%(name)s`` variables) over catalogue().
# The same callables serve pages and the macros they import without context, and follow force_locale.
_jinja_gettext = _make_new_gettext(lambda string: catalogue().ugettext(string))
_ngettext = _make_new_ngettext(lambda singular, plural, num: catalogue().ungettext(singular, plural, num))
_pgettext = _make_new_pgettext(lambda context, string: catalogue().upgettext(context, string))
_npgettext = _make_new_npgettext(
    lambda context, singular, plural, num: catalogue().unpgettext(context, singular, plural, num))


# A page's fixed strings, as _jinja_gettext returned them (text, or markup in an autoescaped template) for one
# catalogue: the same few hundred strings are asked for on every page, a dozen function calls each. Kept for the
# process, since Flask-Babel keeps the catalogues for it; bounded, in case a template translates data.
_fixed_texts: dict[tuple, str] = {}
MAX_FIXED_TEXTS = 20_000


@pass_context
def _gettext(context: Context, string: str, /, **variables) -> str:
    """``gettext`` in templates: jinja2's, whose answer for a string without variables is remembered."""
    ctx = reader_context()
    if variables or ctx is None:  # outside an app context, each catalogue is a new empty one
        return _jinja_gettext(context, string, **variables)
    translations = getattr(ctx, "babel_translations", None)
    key = (catalogue() if translations is None else translations, context.eval_ctx.autoescape, string)
    text = _fixed_texts.get(key)
    if text is None:
        text = _jinja_gettext(context, string)
        if len(_fixed_texts) < MAX_FIXED_TEXTS:
            _fixed_texts[key] = text
    return text


@pass_context
def _gettext_alias(context: Context, *args, **kwargs) -> str:
    """``_()``: the ``gettext`` the template sees, as jinja2.ext's alias, with one Context.call fewer for ours."""
    gettext = context.resolve("gettext")
    if gettext is _gettext:
        return _gettext(context, *args, **kwargs)
    return context.call(gettext, *args, **kwargs)


def init_app(app: Flask) -> None:
    from reviewboard.core.language import current_language, translated

    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    app.config["BABEL_DEFAULT_LOCALE"] = babel_locale(app.config["DEFAULT_LANGUAGE"])
    babel.init_app(app, locale_selector=_select_locale, timezone_selector=select_time_zone)
    app.jinja_env.policies["ext.i18n.trimmed"] = True  # as babel.cfg extracts them
    app.jinja_env.globals.update(current_language=current_language, offered_languages=LANGUAGES)
    # {{ criterion|tr("title") }}: shipped data (catalogs, pipelines, tiers) in the reader's language (core/language.py)
    app.jinja_env.filters.update(local_datetime=local_datetime, local_date=local_date, tr=translated)
    app.jinja_env.globals.update(_=_gettext_alias, gettext=_gettext, ngettext=_ngettext, pgettext=_pgettext,
                                 npgettext=_npgettext)
