"""Registration duties of a project and the filings that discharge them. Services flush; the caller commits.

Duties are judged by the ruleset in force (:mod:`reviewboard.registration.rules`) on the project's facts,
at intake and whenever the facts change; the set evaluated is kept on the project (in English, with the
ruleset's version: ``ruleset(version)`` reads any shipped version) and a change of the set is audited. Pages
ask for the duties and facts in their reader's language; records get English with the other languages beside
it. A duty whose ``required_before`` stage (or an earlier one) is being submitted or approved needs its filing
first: :func:`missing_required_filings` is what the stage lifecycle asks.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from reviewboard.audit.services import record_event
from reviewboard.core.errors import NotPermitted, ServiceError
from reviewboard.core.language import SOURCE_LANGUAGE
from reviewboard.extensions import db
from reviewboard.models.base import utcnow
from reviewboard.projects.models import FACT_FIELDS, Project
from reviewboard.projects.uploads import check_upload
from reviewboard.registration import permissions as perms
from reviewboard.registration.models import Filing
from reviewboard.registration.rules import Duty, evaluate, fact_value_label, ruleset

log = logging.getLogger("reviewboard.registration")

# the order of the standard lifecycle, for "required before DEP" when a later stage is submitted
STAGE_ORDER = ("DES", "DEV", "TST", "DEP", "OPS", "RET")


def facts_of(project: Project) -> dict:
    return {f: getattr(project, f) for f in FACT_FIELDS}


def facts_table(project: Project, language: str = SOURCE_LANGUAGE) -> list[tuple[str, str]]:
    """(name, value as read) for each fact in ``language``, for pages and records."""
    rules = ruleset(language=language)
    return [(rules.fact_names[f], fact_value_label(f, getattr(project, f), rules)) for f in FACT_FIELDS]


def facts_missing(project: Project, language: str = SOURCE_LANGUAGE) -> list[str]:
    """The names (in ``language``) of the facts not given, which leave duties unjudged."""
    names = ruleset(language=language).fact_names
    return [names[f] for f in FACT_FIELDS if getattr(project, f) is None]


def duties_for(project: Project, language: str = SOURCE_LANGUAGE) -> list[Duty]:
    """The duties the ruleset in force raises on the project's facts now, each with its reasons, in ``language``
    (the ruleset's English when it lacks that language)."""
    return evaluate(facts_of(project), ruleset(language=language))


def _stored(duties: list[Duty]) -> dict:
    return {"ruleset": ruleset().version, "duties": [{"code": d.code, "reasons": list(d.reasons)} for d in duties]}


def evaluate_duties(actor, project: Project) -> list[Duty]:
    """Judge the duties again and keep the set on the project; a changed set of duty codes is audited as
    ``registration.duties_changed`` (at intake: when any duty arises). Returns the duties."""
    duties = duties_for(project)
    stored = _stored(duties)
    before = project.registration_duties
    if before == stored:
        return duties
    project.registration_duties = stored
    db.session.flush()
    before_codes = [d["code"] for d in (before or {}).get("duties", [])]
    after_codes = [d.code for d in duties]
    if before_codes != after_codes:
        record_event(actor, "registration.duties_changed", "project", project.id,
                     before={"duties": before_codes},
                     after={"duties": after_codes, "ruleset": stored["ruleset"],
                            "facts": {f: v for f, v in facts_of(project).items() if v is not None}})
        log.info("project %s registration duties: %s", project.id, ", ".join(after_codes) or "none")
    return duties


def filings_of(project: Project) -> list[Filing]:
    """Every filing of the project, newest first."""
    return list(db.session.scalars(select(Filing).where(Filing.project_id == project.id)
                                   .order_by(Filing.created_at.desc(), Filing.id.desc())))


def current_filings(project: Project) -> dict[str, Filing]:
    """The newest filing per duty code."""
    found: dict[str, Filing] = {}
    for filing in filings_of(project):
        found.setdefault(filing.duty_code, filing)
    return found


def _due_by(duty: Duty, stage_code: str) -> bool:
    """Whether ``duty`` must be filed before ``stage_code`` is submitted or approved: its own stage, or a
    later one of the lifecycle."""
    required = duty.required_before_stage
    if required is None:
        return False
    if required == stage_code:
        return True
    return (required in STAGE_ORDER and stage_code in STAGE_ORDER
            and STAGE_ORDER.index(stage_code) > STAGE_ORDER.index(required))


def missing_required_filings(project: Project, stage_code: str, language: str = SOURCE_LANGUAGE) -> list[Duty]:
    """The duties due by ``stage_code`` that have no filing yet, in ``language`` (empty: nothing blocks the
    stage)."""
    due = [d for d in duties_for(project, language) if _due_by(d, stage_code)]
    if not due:  # most stages of most projects: no statement at all
        return []
    filed = current_filings(project)
    return [d for d in due if d.code not in filed]


def missing_filings_reason(missing: list[Duty]) -> str:
    """The sentence the stage page and the review form show for a blocked Deployment."""
    return ("required registration filings are missing: " + "; ".join(d.describe() for d in missing)
            + ". Record each filing on the project page first")


def add_filing(actor, project: Project, duty_code: str, authority: str, reference: str, filed_on: date | None,
               filename: str, data: bytes) -> Filing:
    """Record a filing for one of the project's duties with its evidence file (checked like stage evidence).

    Raises NotPermitted; ServiceError naming the field: ``duty_code`` (not a duty of this project), ``authority``
    or ``reference`` (empty or too long), ``filed_on`` (missing or in the future), ``file`` (type, size, name)."""
    if not perms.can_file(actor, project):
        raise NotPermitted(_("Only the project's members can record filings, and not once the system is retired."))
    duty = next((d for d in duties_for(project) if d.code == duty_code), None)
    if duty is None:
        raise ServiceError(_("This is not one of the project's registration duties (the facts may have changed)."),
                           "duty_code")
    authority, reference = " ".join((authority or "").split()), " ".join((reference or "").split())
    if not authority:
        raise ServiceError(_("Name the authority the filing was made with."), "authority")
    if not reference:
        raise ServiceError(_("Give the reference (filing or registration number) the authority issued."), "reference")
    if len(authority) > 200 or len(reference) > 200:
        raise ServiceError(_("Keep the authority and the reference to 200 characters each."),
                           "authority" if len(authority) > 200 else "reference")
    if filed_on is None:
        raise ServiceError(_("Give the date of the filing."), "filed_on")
    if filed_on > utcnow().date():
        raise ServiceError(_("The filing date cannot be in the future."), "filed_on")
    name, content_type = check_upload(filename, data)
    filing = Filing(project_id=project.id, duty_code=duty.code, authority=authority, reference=reference,
                    filed_on=filed_on, filename=name, content_type=content_type, size=len(data),
                    sha256=hashlib.sha256(data).hexdigest(), data=data, created_by_id=actor.id, created_at=utcnow())
    db.session.add(filing)
    db.session.flush()
    record_event(actor, "registration.filed", "project", project.id,
                 after={"filing_id": filing.id, "duty": duty.code, "authority": authority, "reference": reference,
                        "filed_on": filed_on.isoformat(), "filename": name, "sha256": filing.sha256})
    log.info("project %s: filing %s recorded for %s by %s", project.id, filing.id, duty.code, actor.id)
    return filing


def _duty_texts(duty: Duty) -> dict:
    return {"title": duty.title, "authority": duty.authority, "source": duty.source, "reasons": list(duty.reasons)}


def registration_state(project: Project) -> dict:
    """The project's facts, duties and filings as printed in records (and read by certificates): English, each
    fact and duty carrying its texts in the ruleset's other languages under ``translations`` (as criteria do)."""
    filed = current_filings(project)
    rules = ruleset()
    others = [language for language in rules.languages if language != SOURCE_LANGUAGE]
    fact_texts = {language: facts_table(project, language) for language in others}
    duty_texts = {language: {d.code: _duty_texts(d) for d in duties_for(project, language)} for language in others}
    return {
        "ruleset": rules.version,
        "facts": [{"fact": name, "value": value,
                   "translations": {language: dict(zip(("fact", "value"), fact_texts[language][i], strict=True))
                                    for language in others}}
                  for i, (name, value) in enumerate(facts_table(project))],
        "duties": [{"code": d.code, **_duty_texts(d), "required_before": d.required_before_stage,
                    "translations": {language: duty_texts[language][d.code] for language in others},
                    "filing": ({"authority": f.authority, "reference": f.reference, "filed_on": f.filed_on.isoformat(),
                                "filename": f.filename, "sha256": f.sha256} if (f := filed.get(d.code)) else None)}
                   for d in duties_for(project)],
    }

