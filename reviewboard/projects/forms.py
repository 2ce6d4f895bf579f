"""Project registration and risk questionnaire, evidence upload, submission and escalation forms."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
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


# A new project's questions start unanswered: a first option chosen by default would be the lowest-risk one,
# and a rushed submitter would get too low a tier without having answered.
UNANSWERED = ("", "Choose an answer")


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
    system_type = SelectField("AI system type", validators=[DataRequired(message="Answer this question.")])
    data_categories = MultiCheckboxField("Data categories", validators=[DataRequired(
        message="Choose at least one data category.")])
    deployment_context = SelectField("Deployment context", validators=[DataRequired(message="Answer this question.")])
    autonomy_level = SelectField("Autonomy level", validators=[DataRequired(message="Answer this question.")])
    scale = SelectField("Scale", validators=[DataRequired(message="Answer this question.")])
    pipeline_id = SelectField("Review pipeline", coerce=int, validators=[Optional()])
    version = HiddenField()
    submit = SubmitField("Save project")

    YESNO = ("affects_rights", "safety_critical", "public_content", "manipulation", "social_scoring",
             "remote_biometric_public")

    def __init__(self, *args, pipelines=(), **kwargs):
        super().__init__(*args, **kwargs)
        for qid in ("system_type", "data_categories", "deployment_context", "autonomy_level", "scale"):
            getattr(self, qid).choices = _choices(qid) if qid == "data_categories" else [UNANSWERED, *_choices(qid)]
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
    """Attach a file to one criterion: each criterion card of the stage page has its own form, which posts
    that criterion's id (its fields get ids of their own with :meth:`for_card`)."""

    criterion_id = SelectField("Criterion", coerce=int, validators=[DataRequired()])
    file = FileField("Evidence file", validators=[FileRequired(message="Choose a file to upload.")])
    # re-review: when it passes, the criterion this file supports is reopened (e.g. a yearly audit report)
    expires_on = DateField("Valid until (optional)", validators=[Optional()])
    submit = SubmitField("Attach evidence")

    def for_card(self, criterion_id: int) -> EvidenceForm:
        """Give the fields ids unique on the page (``file-12``), labels following."""
        for field in (self.criterion_id, self.file, self.expires_on):
            field.id = field.label.field_id = f"{field.name}-{criterion_id}"
        return self


class SubmitStageForm(AppForm):
    note = TextAreaField("Note to reviewers (optional)", validators=[Optional(), Length(max=LONG_TEXT)])
    version = IntegerField(validators=[InputRequired()])
    # asked when criteria have no evidence: the page lists them above this box
    confirm_missing = BooleanField("Submit without evidence for the criteria listed above")
    submit = SubmitField("Submit stage for review")


class EscalationForm(AppForm):
    tier = SelectField("Continue under tier", choices=[("high", "High"), ("medium", "Medium"), ("low", "Low")])
    note = TextAreaField("Why the project may proceed", validators=[DataRequired(), Length(max=LONG_TEXT)])
    submit = SubmitField("Clear escalation")
