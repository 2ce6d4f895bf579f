"""Project registration and risk questionnaire, evidence upload, submission and escalation forms."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from reviewboard.auth.forms import MultiCheckboxField
from reviewboard.core.forms import AppForm
from reviewboard.core.limits import LONG_TEXT, SHORT_TEXT
from reviewboard.projects.tiering import questionnaire


def _choices(qid: str) -> list[tuple[str, str]]:
    return list(questionnaire().question(qid).options.items())


class ProjectForm(AppForm):
    name = StringField("Project name", validators=[DataRequired(), Length(max=SHORT_TEXT)])
    purpose = TextAreaField("Purpose", validators=[DataRequired(), Length(max=LONG_TEXT)],
                            description="What the system is for and what it must not be used for.")
    intended_users = TextAreaField("Intended users", validators=[DataRequired(), Length(max=LONG_TEXT)])
    scenario = TextAreaField("Application scenario", validators=[DataRequired(), Length(max=LONG_TEXT)],
                             description="Where, how and on whom the system is used.")
    model = TextAreaField("AI models and versions", validators=[Optional(), Length(max=LONG_TEXT)],
                          description="Base model, provider, fine-tuning and version, e.g. “Llama 3.1 8B "
                                      "fine-tuned on past tickets, v2”. Changing it later reopens R&D, Testing "
                                      "and Deployment for re-review.")
    system_type = SelectField("AI system type", validators=[DataRequired()])
    data_categories = MultiCheckboxField("Data categories", validators=[DataRequired(
        message="Choose at least one data category.")])
    deployment_context = SelectField("Deployment context", validators=[DataRequired()])
    autonomy_level = SelectField("Autonomy level", validators=[DataRequired()])
    scale = SelectField("Scale", validators=[DataRequired()])
    pipeline_id = SelectField("Review pipeline", coerce=int, validators=[Optional()])
    version = HiddenField()
    submit = SubmitField("Save project")

    YESNO = ("affects_rights", "safety_critical", "public_content", "manipulation", "social_scoring",
             "remote_biometric_public")

    def __init__(self, *args, pipelines=(), **kwargs):
        super().__init__(*args, **kwargs)
        for qid in ("system_type", "data_categories", "deployment_context", "autonomy_level", "scale"):
            getattr(self, qid).choices = _choices(qid)
            getattr(self, qid).label.text = questionnaire().question(qid).label
        self.pipeline_id.choices = [(p.id, f"{p.name} (v{p.version})") for p in pipelines]

    def yesno_fields(self):
        return [getattr(self, f"q_{qid}") for qid in self.YESNO]

    def answers(self) -> dict:
        return {qid: getattr(self, f"q_{qid}").data for qid in self.YESNO}

    def fields(self) -> dict:
        found = {f: getattr(self, f).data.strip() if isinstance(getattr(self, f).data, str) else getattr(self, f).data
                 for f in ("name", "purpose", "intended_users", "scenario", "model", "system_type",
                           "data_categories", "deployment_context", "autonomy_level", "scale")}
        if found["model"] is None:  # not sent at all (a form opened before the field existed): left as it is
            del found["model"]
        return found


def _add_yesno_questions() -> None:
    for qid in ProjectForm.YESNO:
        setattr(ProjectForm, f"q_{qid}", RadioField(
            questionnaire().question(qid).label, choices=[("no", "No"), ("yes", "Yes")],
            validators=[InputRequired(message="Answer this question.")]))


_add_yesno_questions()


class EvidenceForm(AppForm):
    criterion_id = SelectField("Criterion", coerce=int, validators=[DataRequired()])
    file = FileField("Evidence file", validators=[FileRequired(message="Choose a file to upload.")])
    # re-review: when it passes, the criterion this file supports is reopened (e.g. a yearly audit report)
    expires_on = DateField("Valid until (optional)", validators=[Optional()])
    submit = SubmitField("Attach evidence")


class SubmitStageForm(AppForm):
    note = TextAreaField("Note to reviewers (optional)", validators=[Optional(), Length(max=LONG_TEXT)])
    version = IntegerField(validators=[InputRequired()])
    submit = SubmitField("Submit stage for review")


class EscalationForm(AppForm):
    tier = SelectField("Continue under tier", choices=[("high", "High"), ("medium", "Medium"), ("low", "Low")])
    note = TextAreaField("Why the project may proceed", validators=[DataRequired(), Length(max=LONG_TEXT)])
    submit = SubmitField("Clear escalation")
