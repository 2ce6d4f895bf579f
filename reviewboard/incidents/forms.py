"""Reporting an incident, the chair's assessment, the report to the authority, closing, more evidence.

Forms check shape (present, length, a date, a whole number); the services check the rules (a known
severity, a serious incident's category, no detection in the future) and report problems by field.
"""

from __future__ import annotations

from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from reviewboard.core.forms import AppForm
from reviewboard.core.limits import LONG_TEXT, SHORT_TEXT
from reviewboard.incidents.rules import load_rules

FILES_HELP = ("PDF, PNG, JPEG, text, Markdown, CSV, JSON, DOCX or XLSX; several at once if you like. Each file's "
              "SHA-256 is recorded.")


def severity_choices() -> list[tuple[str, str]]:
    return [("", "Choose a severity…")] + [(s.id, s.label) for s in load_rules().severities]


def category_choices() -> list[tuple[str, str]]:
    return [("", "Not a serious incident")] + [(c.id, c.label) for c in load_rules().categories]


def _optional_id(value):
    return None if value in (None, "") else int(value)


class _Classification:
    """The fields that classify an incident (reporting, and a chair's assessment)."""

    severity = SelectField("Severity", validate_choice=False,
                           validators=[InputRequired(message="Choose a severity.")])
    category = SelectField("What a serious incident led to", validate_choice=False,
                           description="Needed for a serious incident; it sets the reporting deadline.")
    widespread = BooleanField("Widespread: it affects people in several places or countries")

    def set_choices(self) -> None:
        self.severity.choices = severity_choices()
        self.category.choices = category_choices()


class ReportForm(_Classification, AppForm):
    version_id = SelectField("System version", coerce=_optional_id, validate_choice=False,
                             description="The version the incident happened on.")
    title = StringField("Title", validators=[DataRequired(message="Give the incident a short title."),
                                             Length(max=SHORT_TEXT)])
    description = TextAreaField("What happened", validators=[DataRequired(message="Say what happened."),
                                                             Length(max=LONG_TEXT)])
    detected_on = DateField("Detected on (UTC day)", validators=[InputRequired(
        message="Give the day the incident was detected, as YYYY-MM-DD.")],
        description="The day your team became aware of it: the deadlines count from this day.")
    affected_count = IntegerField("People affected (number)", validators=[
        Optional(), NumberRange(min=0, message="Give a whole number, 0 or more.")])
    affected_description = TextAreaField("Who was affected, and how", validators=[Length(max=LONG_TEXT)])
    files = MultipleFileField("Evidence files (optional)")
    submit = SubmitField("Report incident")


class AssessForm(_Classification, AppForm):
    note = TextAreaField("Assessment so far", validators=[DataRequired(message="Say what the assessment found so far."),
                                                          Length(max=LONG_TEXT)])
    assess = SubmitField("Start assessment")


class AuthorityReportForm(AppForm):
    authority = StringField("Authority", validators=[
        DataRequired(message="Name the authority the incident was reported to."), Length(max=SHORT_TEXT)])
    reference = StringField("Reference of the report", validators=[
        DataRequired(message="Give the reference the authority gave the report."), Length(max=SHORT_TEXT)])
    reported_on = DateField("Reported on (UTC day)", validators=[InputRequired(
        message="Give the day of the report, as YYYY-MM-DD.")])
    record = SubmitField("Record the report")


class CloseForm(AppForm):
    resolution = TextAreaField("Resolution", validators=[DataRequired(message="Say how the incident was resolved."),
                                                         Length(max=LONG_TEXT)])
    close = SubmitField("Close incident")


class EvidenceForm(AppForm):
    files = MultipleFileField("Evidence files")
    upload = SubmitField("Add evidence")
