"""Project registration and risk questionnaire, evidence upload, submission and escalation forms."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
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
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from reviewboard.auth.forms import MultiCheckboxField
from reviewboard.core.forms import AppForm
from reviewboard.core.language import current_language, translated
from reviewboard.core.limits import LONG_TEXT, SHORT_TEXT
from reviewboard.projects.tiering import questionnaire
from reviewboard.registration.quantities import parse_quantity
from reviewboard.registration.rules import localized_ruleset


def _choices(qid: str, language: str) -> list[tuple[str, str]]:
    return list(questionnaire().options(qid, language).items())


# A new project's questions start unanswered: a first option chosen by default would be the lowest-risk one,
# and a rushed submitter would get too low a tier without having answered.
UNANSWERED = ("", _l("Choose an answer"))
_YES_NO = [("", _l("Not answered")), ("yes", _l("Yes")), ("no", _l("No"))]


class ProjectForm(AppForm):
    name = StringField(_l("Project name"), validators=[DataRequired(), Length(max=SHORT_TEXT)])
    purpose = TextAreaField(_l("Purpose"), validators=[DataRequired(), Length(max=LONG_TEXT)],
                            description=_l("What the system is for and what it must not be used for."))
    intended_users = TextAreaField(_l("Intended users"), validators=[DataRequired(), Length(max=LONG_TEXT)])
    scenario = TextAreaField(_l("Application scenario"), validators=[DataRequired(), Length(max=LONG_TEXT)],
                             description=_l("Where, how and on whom the system is used."))
    model = TextAreaField(_l("AI models and versions"), validators=[Optional(), Length(max=LONG_TEXT)],
                          description=_l("Base model, provider, fine-tuning and version, e.g. “Llama 3.1 8B "
                                      "fine-tuned on past tickets, v2”. Changing it later reopens R&D, Testing "
                                      "and Deployment for re-review."))
    system_type = SelectField(_l("AI system type"), validators=[DataRequired(message=_l("Answer this question."))])
    data_categories = MultiCheckboxField(_l("Data categories"), validators=[DataRequired(
        message=_l("Choose at least one data category."))])
    deployment_context = SelectField(_l("Deployment context"),
                                     validators=[DataRequired(message=_l("Answer this question."))])
    autonomy_level = SelectField(_l("Autonomy level"), validators=[DataRequired(message=_l("Answer this question."))])
    scale = SelectField(_l("Scale"), validators=[DataRequired(message=_l("Answer this question."))])
    pipeline_id = SelectField(_l("Review pipeline"), coerce=int, validators=[Optional()])
    # registration facts (reviewboard/registration): each optional; the duties they raise are shown after saving
    sector = SelectField(_l("Sector"), validators=[Optional()])
    public_service = SelectField(_l("Public service"), choices=_YES_NO,
                                 validators=[Optional()])
    generative_public = SelectField(_l("Generative content"), choices=_YES_NO,
                                    validators=[Optional()])
    user_count = StringField(_l("Users"), validators=[Optional(), Length(max=40)],
                             description=_l("A number, such as 1,200,000 or 25k."))
    training_flop = StringField(_l("Training compute (FLOP)"), validators=[Optional(), Length(max=40)],
                                description=_l("Cumulative compute used to train the model, such as 3.2e24 or 10^25; "
                                            "leave empty if unknown."))
    parameter_count = StringField(_l("Model size (parameters)"), validators=[Optional(), Length(max=40)],
                                  description=_l("Such as 7B or 7000000000; leave empty if unknown."))
    version = HiddenField()
    submit = SubmitField(_l("Save project"))

    YESNO = ("affects_rights", "safety_critical", "public_content", "manipulation", "social_scoring",
             "remote_biometric_public")

    def __init__(self, *args, pipelines=(), **kwargs):
        super().__init__(*args, **kwargs)
        # the questionnaire's questions and options in the reader's language (its file carries each language)
        language, qn = current_language(), questionnaire()
        for qid in ("system_type", "data_categories", "deployment_context", "autonomy_level", "scale"):
            choices = _choices(qid, language)
            getattr(self, qid).choices = choices if qid == "data_categories" else [UNANSWERED, *choices]
            getattr(self, qid).label.text = qn.label(qid, language)
        for qid in self.YESNO:
            getattr(self, f"q_{qid}").label.text = qn.label(qid, language)
        self.pipeline_id.choices = [(p.id, _("%(name)s (v%(version)s)", name=translated(p, "name", language),
                                             version=p.version)) for p in pipelines]
        rules = localized_ruleset()  # the facts' questions and the sectors in the reader's language
        self.sector.choices = [("", _l("Not answered")), *rules.sectors.items()]
        for name in self.FACTS:
            getattr(self, name).label.text = rules.fact_labels[name]

    FACTS = ("sector", "public_service", "generative_public", "user_count", "training_flop", "parameter_count")
    _COUNTS = {"user_count": ("number of users", True), "parameter_count": ("model size", True),
               "training_flop": ("training compute", False)}

    def validate_user_count(self, field):
        self._number(field)

    def validate_training_flop(self, field):
        self._number(field)

    def validate_parameter_count(self, field):
        self._number(field)

    def _number(self, field):
        what, whole = self._COUNTS[field.name]
        try:
            parse_quantity(field.data, what, whole=whole)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None

    def fact_fields(self):
        return [getattr(self, name) for name in self.FACTS]

    def facts(self) -> dict:
        """The registration facts as the services take them (None: not given). A fact not sent at all (a form
        opened before the facts existed) is left out, so that saving it keeps the project's value."""
        yes_no = {"yes": True, "no": False}
        found = {"sector": self.sector.data or None,
                 "public_service": yes_no.get(self.public_service.data or ""),
                 "generative_public": yes_no.get(self.generative_public.data or "")}
        for name, (what, whole) in self._COUNTS.items():
            found[name] = parse_quantity(getattr(self, name).data, what, whole=whole)
        return {name: value for name, value in found.items() if getattr(self, name).raw_data}

    def show_facts(self, project) -> None:
        """Fill the fact fields from ``project`` (the edit page's first view)."""
        self.sector.data = project.sector or ""
        for name in ("public_service", "generative_public"):
            value = getattr(project, name)
            getattr(self, name).data = "" if value is None else ("yes" if value else "no")
        self.user_count.data = "" if project.user_count is None else f"{project.user_count:,}"
        self.parameter_count.data = "" if project.parameter_count is None else f"{project.parameter_count:,}"
        self.training_flop.data = "" if project.training_flop is None else f"{project.training_flop:.4g}"

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
        return {**found, **self.facts()}


def _add_yesno_questions() -> None:
    for qid in ProjectForm.YESNO:
        setattr(ProjectForm, f"q_{qid}", RadioField(
            questionnaire().question(qid).label, choices=[("no", _l("No")), ("yes", _l("Yes"))],
            validators=[InputRequired(message=_l("Answer this question."))]))


_add_yesno_questions()


class EvidenceForm(AppForm):
    """Attach a file to one criterion: each criterion card of the stage page has its own form, which posts
    that criterion's id (its fields get ids of their own with :meth:`for_card`)."""

    criterion_id = SelectField(_l("Criterion"), coerce=int, validators=[DataRequired()])
    file = FileField(_l("Evidence file"), validators=[FileRequired(message=_l("Choose a file to upload."))])
    # re-review: when it passes, the criterion this file supports is reopened (e.g. a yearly audit report)
    expires_on = DateField(_l("Valid until (optional)"), validators=[Optional()])
    submit = SubmitField(_l("Attach evidence"))

    def for_card(self, criterion_id: int) -> EvidenceForm:
        """Give the fields ids unique on the page (``file-12``), labels following."""
        for field in (self.criterion_id, self.file, self.expires_on):
            field.id = field.label.field_id = f"{field.name}-{criterion_id}"
        return self


class SubmitStageForm(AppForm):
    note = TextAreaField(_l("Note to reviewers (optional)"), validators=[Optional(), Length(max=LONG_TEXT)])
    version = IntegerField(validators=[InputRequired()])
    # asked when criteria have no evidence: the page lists them above this box
    confirm_missing = BooleanField(_l("Submit without evidence for the criteria listed above"))
    submit = SubmitField(_l("Submit stage for review"))


class EscalationForm(AppForm):
    tier = SelectField(_l("Continue under tier"), choices=[("high", _l("High")), ("medium", _l("Medium")),
                                                                 ("low", _l("Low"))])
    note = TextAreaField(_l("Why the project may proceed"), validators=[DataRequired(), Length(max=LONG_TEXT)])
    submit = SubmitField(_l("Clear escalation"))
