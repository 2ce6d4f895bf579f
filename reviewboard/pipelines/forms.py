"""Forms of the pipeline editor. They check shape; the services check the rules (quorum <= reviewers,
criteria from the catalog version, known expertise ...) and report problems beside the right field."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from reviewboard.auth.forms import MultiCheckboxField
from reviewboard.core.forms import AppForm
from reviewboard.core.language import translated
from reviewboard.i18n.languages import LANGUAGES, SOURCE_LANGUAGE
from reviewboard.pipelines.labels import EXPERTISE_CHOICES
from reviewboard.pipelines.models import RULE_CONDITIONS, TIERS
from reviewboard.pipelines.schema import MAX_DUE_DAYS, MAX_MONTHS, MAX_REVIEWERS, MAX_STAGE_NAME

# the languages a chair names a pipeline and its stages in beside English: {code: name in that language}
OTHER_LANGUAGES = {code: name for code, name in LANGUAGES.items() if code != SOURCE_LANGUAGE}


def _in(language: str) -> str:
    """The field name suffix of a language: "zh-Hans" -> "zh_Hans"."""
    return language.replace("-", "_")


def _add_language_fields(form_class, field: str, label, max_length: int, kind=StringField, description="") -> list:
    """Give ``form_class`` a ``<field>_<language>`` field per other language, labelled "<label> (<language>)";
    returns their names."""
    names = []
    for language, language_name in OTHER_LANGUAGES.items():
        name = f"{field}_{_in(language)}"
        setattr(form_class, name, kind(_l("%(field)s (%(language)s)", field=label, language=language_name),
                                       validators=[Optional(), Length(max=max_length)], description=description))
        names.append(name)
    return names


def _texts_in_other_languages(form, *fields: str) -> dict:
    """{language: {field: what was typed}} of the fields added by :func:`_add_language_fields`."""
    return {language: {field: getattr(form, f"{field}_{_in(language)}").data or "" for field in fields}
            for language in OTHER_LANGUAGES}


NAME_FALLBACK = _l("Empty: readers of this language see the English name.")
TIER_CHOICES = [("low", _l("Low")), ("medium", _l("Medium")), ("high", _l("High"))]


class NewPipelineForm(AppForm):
    key = StringField(_l("Key"), validators=[DataRequired(), Length(max=80)],
                      description=_l("Lower-case letters, digits and hyphens; it never changes "
                                     "(e.g. medical-devices)."))
    name = StringField(_l("Pipeline name"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    catalog_id = SelectField(_l("Criteria catalog version"), coerce=int, validators=[DataRequired()])
    submit = SubmitField(_l("Create draft"))


class DetailsForm(AppForm):
    name = StringField(_l("Pipeline name"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    change_note = TextAreaField(_l("What changes in this version"), validators=[Optional(), Length(max=2000)],
                                description=_l("Shown in the version history."))
    submit = SubmitField(_l("Save details"))

    def translations(self) -> dict:
        """The name and description in the other languages, as Pipeline.translations holds them."""
        return _texts_in_other_languages(self, "name", "description")

    def fill_translations(self, pipeline) -> None:
        for language in OTHER_LANGUAGES:
            texts = (pipeline.translations or {}).get(language) or {}
            getattr(self, f"name_{_in(language)}").data = texts.get("name", "")
            getattr(self, f"description_{_in(language)}").data = texts.get("description", "")


DetailsForm.languages = list(zip(
    _add_language_fields(DetailsForm, "name", _l("Pipeline name"), 200, description=NAME_FALLBACK),
    _add_language_fields(DetailsForm, "description", _l("Description"), 2000, kind=TextAreaField), strict=True))


class AddStageForm(AppForm):
    code = SelectField(_l("Catalog stage"), validators=[DataRequired()])
    name = StringField(_l("Stage name"), validators=[DataRequired(), Length(max=MAX_STAGE_NAME)])
    submit = SubmitField(_l("Add stage"))

    def translations(self) -> dict:
        """The stage's name in the other languages, as PipelineStage.translations holds it."""
        return _texts_in_other_languages(self, "name")


AddStageForm.languages = _add_language_fields(AddStageForm, "name", _l("Stage name"), MAX_STAGE_NAME)


class StageForm(AppForm):
    """A stage's fields; ``stage_form_class`` adds one tier choice per catalog criterion of the stage."""

    name = StringField(_l("Stage name"), validators=[DataRequired(), Length(max=MAX_STAGE_NAME)])
    tiers = MultiCheckboxField(_l("Tiers that go through this stage"), choices=TIER_CHOICES,
                               validators=[DataRequired(message=_l("Choose at least one tier."))])
    quorum = IntegerField(_l("Quorum (sign-offs needed)"), validators=[InputRequired(), NumberRange(min=1)])
    reviewers = IntegerField(_l("Reviewers assigned"), validators=[InputRequired(), NumberRange(1, MAX_REVIEWERS)],
                             description=_l("The quorum is N of these M reviewers."))
    due_days = IntegerField(_l("Decision due (days after submission)"),
                            validators=[Optional(), NumberRange(1, MAX_DUE_DAYS)],
                            description=_l("Empty: no due time."))
    recur_low = IntegerField(_l("Low tier"), validators=[Optional(), NumberRange(1, MAX_MONTHS)])
    recur_medium = IntegerField(_l("Medium tier"), validators=[Optional(), NumberRange(1, MAX_MONTHS)])
    recur_high = IntegerField(_l("High tier"), validators=[Optional(), NumberRange(1, MAX_MONTHS)])
    criteria_mode = RadioField(_l("Criteria"), choices=[("catalog", _l("The catalog's criteria for this stage, by "
                                                                       "the catalog's tiers")),
                                                        ("custom", _l("The criteria and tiers chosen below"))],
                               default="catalog")
    submit = SubmitField(_l("Save stage"))

    criteria_fields: list[tuple[str, str]] = []  # (field name, criterion code)

    def recurrence(self) -> dict | None:
        months = {t: getattr(self, f"recur_{t}").data for t in TIERS if getattr(self, f"recur_{t}").data}
        return months or None

    def criteria(self) -> list[dict] | None:
        if self.criteria_mode.data != "custom":
            return None
        return [{"code": code, "tiers": [t for t in TIERS if t in getattr(self, name).data]}
                for name, code in self.criteria_fields if getattr(self, name).data]

    def changes(self) -> dict:
        return {"name": self.name.data.strip(), "translations": _texts_in_other_languages(self, "name"),
                "tiers": [t for t in TIERS if t in self.tiers.data],
                "quorum": self.quorum.data, "reviewers": self.reviewers.data, "due_days": self.due_days.data,
                "recurrence": self.recurrence(), "criteria": self.criteria()}


StageForm.languages = _add_language_fields(StageForm, "name", _l("Stage name"), MAX_STAGE_NAME,
                                           description=NAME_FALLBACK)


def stage_form_class(criteria) -> type[StageForm]:
    """A StageForm with a tier choice per criterion (``criteria``: catalog Criterion rows)."""

    class _StageForm(StageForm):
        pass

    fields = []
    for c in criteria:
        name = "c_" + c.code.replace("-", "_")
        setattr(_StageForm, name, MultiCheckboxField(f"{c.code} {translated(c, 'title')}", choices=TIER_CHOICES))
        fields.append((name, c.code))
    _StageForm.criteria_fields = fields
    return _StageForm


def fill_stage_form(form: StageForm, stage, criteria) -> None:
    """Show ``stage``'s current values (criteria: its rule, else the catalog's own tiers)."""
    form.name.data, form.tiers.data = stage.name, list(stage.tiers)
    for language in OTHER_LANGUAGES:
        getattr(form, f"name_{_in(language)}").data = ((stage.translations or {}).get(language) or {}).get("name", "")
    form.quorum.data, form.reviewers.data, form.due_days.data = stage.quorum, stage.reviewers, stage.due_days
    for tier in TIERS:
        getattr(form, f"recur_{tier}").data = (stage.recurrence or {}).get(tier)
    form.criteria_mode.data = "catalog" if stage.criteria is None else "custom"
    chosen = {r["code"]: r["tiers"] for r in stage.criteria} if stage.criteria is not None else None
    for (name, code), c in zip(form.criteria_fields, criteria, strict=True):
        getattr(form, name).data = list(chosen.get(code, [])) if chosen is not None else list(c.tiers)


class RoleRuleForm(AppForm):
    expertise = SelectField(_l("Expertise"), choices=list(EXPERTISE_CHOICES.items()))
    rule_tiers = MultiCheckboxField(_l("Only for tiers (none: every tier)"), choices=TIER_CHOICES)
    when = SelectField(_l("Only when"), choices=[("", _l("Always")), *RULE_CONDITIONS.items()])
    submit = SubmitField(_l("Add rule"))


class MoveForm(AppForm):
    direction = SelectField(choices=[("up", _l("Up")), ("down", _l("Down"))])


class ImportForm(AppForm):
    file = FileField(_l("Pipeline file (YAML)"), validators=[FileRequired(message=_l("Choose a YAML file."))])
    publish = BooleanField(_l("Publish at once (otherwise it is stored as a draft to review)"))
    submit = SubmitField(_l("Import"))
