"""Reporting an incident, the chair's assessment, the report to the authority, closing, more evidence.

Forms check shape (present, length, a date, a whole number); the services check the rules (a known
severity, a serious incident's category, no detection in the future) and report problems by field.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from reviewboard.core.forms import AppForm
from reviewboard.core.limits import LONG_TEXT, SHORT_TEXT
from reviewboard.incidents.rules import localized_rules


def severity_choices() -> list[tuple[str, str]]:
    """The severities in force, worded in the reader's language (the form posts their ids)."""
    return [("", _("Choose a severity…"))] + [(s.id, s.label) for s in localized_rules().severities]


def category_choices() -> list[tuple[str, str]]:
    return [("", _("Not a serious incident"))] + [(c.id, c.label) for c in localized_rules().categories]


def _optional_id(value):
    return None if value in (None, "") else int(value)


class _Classification:
    """The fields that classify an incident (reporting, and a chair's assessment)."""

    severity = SelectField(_l("Severity"), validate_choice=False,
                           validators=[InputRequired(message=_l("Choose a severity."))])
    category = SelectField(_l("What a serious incident led to"), validate_choice=False,
                           description=_l("Needed for a serious incident; it sets the reporting deadline."))
    widespread = BooleanField(_l("Widespread: it affects people in several places or countries"))

    def set_choices(self) -> None:
        self.severity.choices = severity_choices()
        self.category.choices = category_choices()


class ReportForm(_Classification, AppForm):
    version_id = SelectField(_l("System version"), coerce=_optional_id, validate_choice=False,
                             description=_l("The version the incident happened on."))
    title = StringField(_l("Title"), validators=[DataRequired(message=_l("Give the incident a short title.")),
                                             Length(max=SHORT_TEXT)])
    description = TextAreaField(_l("What happened"), validators=[DataRequired(message=_l("Say what happened.")),
                                                             Length(max=LONG_TEXT)])
    detected_on = DateField(_l("Detected on (UTC day)"), validators=[InputRequired(
        message=_l("Give the day the incident was detected, as YYYY-MM-DD."))],
        description=_l("The day your team became aware of it: the deadlines count from this day."))
    affected_count = IntegerField(_l("People affected (number)"), validators=[
        Optional(), NumberRange(min=0, message=_l("Give a whole number, 0 or more."))])
    affected_description = TextAreaField(_l("Who was affected, and how"), validators=[Length(max=LONG_TEXT)])
    files = MultipleFileField(_l("Evidence files (optional)"))
    submit = SubmitField(_l("Report incident"))


class AssessForm(_Classification, AppForm):
    note = TextAreaField(_l("Assessment so far"),
                         validators=[DataRequired(message=_l("Say what the assessment found so far.")),
                                     Length(max=LONG_TEXT)])
    assess = SubmitField(_l("Start assessment"))


class AuthorityReportForm(AppForm):
    authority = StringField(_l("Authority"), validators=[
        DataRequired(message=_l("Name the authority the incident was reported to.")), Length(max=SHORT_TEXT)])
    reference = StringField(_l("Reference of the report"), validators=[
        DataRequired(message=_l("Give the reference the authority gave the report.")), Length(max=SHORT_TEXT)])
    reported_on = DateField(_l("Reported on (UTC day)"), validators=[InputRequired(
        message=_l("Give the day of the report, as YYYY-MM-DD."))])
    record = SubmitField(_l("Record the report"))


class CloseForm(AppForm):
    resolution = TextAreaField(_l("Resolution"),
                               validators=[DataRequired(message=_l("Say how the incident was resolved.")),
                                           Length(max=LONG_TEXT)])
    close = SubmitField(_l("Close incident"))


class EvidenceForm(AppForm):
    files = MultipleFileField(_l("Evidence files"))
    upload = SubmitField(_l("Add evidence"))
