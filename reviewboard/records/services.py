"""Issuing and verifying stage records.

A record is rendered once (WeasyPrint), signed (pyHanko, PAdES) and stored with its SHA-256; the
stored bytes are what everyone downloads. A record is never regenerated in place: a change would be a
new version.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, case, func, null, or_, select
from sqlalchemy.orm import contains_eager

from reviewboard.audit.anchors import audit_head, create_checkpoint
from reviewboard.audit.models import AuditEvent
from reviewboard.audit.services import describe, record_event
from reviewboard.comments.services import submitter_visible_comments
from reviewboard.committee.services import declarations
from reviewboard.core.language import LANGUAGES, SOURCE_LANGUAGE
from reviewboard.core.search import contains, like_escaped
from reviewboard.extensions import db
from reviewboard.i18n.languages import babel_locale
from reviewboard.incidents.record_data import incident_ids, record_entries
from reviewboard.models.base import iso, utcnow
from reviewboard.projects.models import PROJECT_FIELDS, SENSITIVE_CATEGORIES, Project
from reviewboard.projects.permissions import own_project_ids, sees_every_project
from reviewboard.projects.tiering import assess, questionnaire
from reviewboard.records import pdf as pdf_render
from reviewboard.records.kept_bytes import kept
from reviewboard.records.keys import current_signer, fingerprint, timestamp_trust_roots, timestamper, trust_roots
from reviewboard.records.models import Record
from reviewboard.records.permissions import downloadable
from reviewboard.records.signing import SignatureCheck, sign_pdf, verify_pdf
from reviewboard.registration.services import registration_state
from reviewboard.reviews.labels import role_title_words, signature_meaning_words
from reviewboard.reviews.models import StageReview, stage_summary
from reviewboard.reviews.signatures import check_signoff
from reviewboard.reviews.workflow import Outcome, StageState
from reviewboard.systems.services import version_state, versions_of
from reviewboard.teams.services import team_state

log = logging.getLogger("reviewboard.records")


@dataclass(frozen=True)
class StoredFile:
    pdf: bytes
    pdf_sha256: str
    filename: str


def stored_file(user, record_id: int) -> StoredFile | None:
    """A record's stored PDF when ``user`` may download it (:func:`permissions.downloadable`), else None (a record
    that does not exist and one the person may not see answer alike). One statement: the permission, the bytes
    and the name together, none of the record's other columns, its stage or its project loaded.

    The bytes come from this process's memory (:mod:`reviewboard.records.kept_bytes`) when the database confirms
    the digest of those kept: the statement then sends no bytes, and it asks the permission all the same."""
    entry = kept.get(record_id)
    pdf = Record.pdf if entry is None else case((Record.pdf_sha256 == entry[0], null()), else_=Record.pdf)
    row = db.session.execute(downloadable(user, pdf.label("pdf"), Record.pdf_sha256, Record.public_id,
                                          Record.version).where(Record.id == record_id)).first()
    if row is None:
        return None
    if row.pdf is None:
        data = entry[1]
    else:
        data = row.pdf
        kept.put(record_id, row.pdf_sha256, data, current_app.config["RECORD_CACHE_BYTES"])
    return StoredFile(data, row.pdf_sha256, Record.file_name(row.public_id, row.version))


def public_id(stage) -> str:
    return f"RB-{stage.project_id:06d}-{stage.code}"


def _submitter_comments(stage) -> list[dict]:
    codes = {c.id: c.code for c in stage.catalog.criteria}
    return [{"id": cm.id, "reply_to": cm.parent_id, "criterion": codes.get(cm.criterion_id), "author": cm.author.name,
             "on_behalf_of": cm.on_behalf_of.name if cm.on_behalf_of else None, "at": iso(cm.created_at),
             "round": cm.round_number, "body": cm.body} for cm in submitter_visible_comments(stage)]


def authentication_label(authenticated_by: str) -> str:
    """How a signer proved who they were, in words: "Password", or "OpenID Connect login at <issuer>"."""
    if authenticated_by == "password+totp":  # two-step verification (reviewboard/mfa)
        return "Password and authenticator code (TOTP)"
    if authenticated_by.startswith("oidc "):
        return f"OpenID Connect login at {authenticated_by.removeprefix('oidc ')}"
    return authenticated_by.capitalize()


def record_declarations(stage) -> list[dict]:
    """Every round's conflict-of-interest declarations: by whom, when, none or the conflict's nature."""
    return [{"reviewer": d.reviewer.name, "round": d.round_number, "conflict": d.has_conflict, "nature": d.nature,
             "declared_at": iso(d.declared_at), "conflict_declared_at": iso(d.conflict_declared_at)}
            for d in declarations(stage)]


# What an audit line adds to "action object" in the record: the criterion, verdict, file or outcome it was about.
_EVENT_DETAIL_KEYS = ("round", "criterion", "value", "filename", "outcome", "reviewer", "reason")


def _event_detail(event: AuditEvent) -> str:
    after = json.loads(event.payload).get("after")
    if not isinstance(after, dict):
        return ""
    return ", ".join(f"{key} {after[key]}" for key in _EVENT_DETAIL_KEYS if after.get(key) not in (None, ""))


def stage_audit_events(stage, comment_ids) -> list[dict]:
    """The stage's whole audit trail, oldest first: the stage and its project, its evidence, every verdict
    of every round, its conditions, the comments shared with the submitter (``comment_ids``; committee-only
    comments stay out of a record), the incidents reported on its project and failed signing attempts on it."""
    def about(object_type: str, ids) -> object:
        return and_(AuditEvent.object_type == object_type, AuditEvent.object_id.in_([str(i) for i in ids]))

    stage_id = str(stage.id)
    failed_signing = and_(AuditEvent.action == "signature.failed",
                          or_(AuditEvent.payload.like(f'%"stage_review_id":{stage_id},%'),
                              AuditEvent.payload.like(f'%"stage_review_id":{stage_id}}}%')))
    events = db.session.scalars(select(AuditEvent).where(or_(
        about("stage_review", [stage.id]), about("project", [stage.project_id]),
        about("evidence", [e.id for e in stage.evidence]),
        about("verdict", [v.id for r in stage.rounds for v in r.verdicts]),
        about("condition", [c.id for c in stage.conditions]),
        about("comment", comment_ids), about("incident", incident_ids(stage.project_id)), failed_signing,
    )).order_by(AuditEvent.seq)).all()
    return [{**describe(e), "detail": _event_detail(e)} for e in events]


# the stage state a round's outcome decides (request_changes returns the stage: no record)
_DECIDED_STATE = {Outcome.APPROVE: StageState.APPROVED,
                  Outcome.APPROVE_WITH_CONDITIONS: StageState.APPROVED_WITH_CONDITIONS,
                  Outcome.REJECT: StageState.REJECTED}


def submitted_project(project, round_) -> dict:
    """The project as the round's submission froze it (its snapshot), over the project as it is now for what
    the snapshot does not hold. A record describes what was decided on, even when the project changed since
    (a material change reopens the stage: its decided round keeps its record)."""
    fields = {**{f: getattr(project, f) for f in PROJECT_FIELDS}, "answers": dict(project.answers),
              "tier": project.tier}
    submitted = (round_.snapshot or {}).get("project")
    if submitted:
        fields.update(submitted)
        if "model" not in submitted:  # project_state leaves an empty model out
            fields["model"] = ""
    fields["tier_reasons"] = (project.tier_reasons if fields["answers"] == project.answers
                              else assess(fields["answers"])[1])
    return fields


def reason_translations(reason: dict, answers: dict) -> dict:
    """A tier reason's question, answer and explanation in the other languages: as stored with it, or (a reason
    stored before the questionnaire had them) as the rules give them today for the same rule and question."""
    if reason.get("translations"):
        return reason["translations"]
    return next((r.get("translations", {}) for r in assess(answers)[1]
                 if (r["rule"], r["question"]) == (reason.get("rule"), reason.get("question"))), {})


def signature_translations(signoff) -> dict:
    """A signature's role and meaning in the other languages, rebuilt from their parts (reviews/labels.py); the
    record's "role" and "meaning" stay the English that was signed."""
    out = {}
    for language in LANGUAGES:
        if language != SOURCE_LANGUAGE:
            with force_locale(babel_locale(language)):
                out[language] = {"role": role_title_words(signoff.role_title),
                                 "meaning": signature_meaning_words(signoff)}
    return out


def stage_translations(stage) -> dict:
    """The stage's name in the other languages: the pipeline stage's own, else its catalog stage's."""
    out = {language: {"name": name} for language, texts in (stage.catalog.translations or {}).items()
           if (name := (texts.get("stages") or {}).get(stage.code))}
    for language, texts in (stage.pipeline_stage.translations or {}).items():
        if texts.get("name"):
            out[language] = {"name": texts["name"]}
    return out


def build_record_data(stage, version: int, issued_at, signature_level: str | None = None, signer=None,
                      round_number: int | None = None) -> dict:
    """The record's content: everything the PDF prints and embeds as JSON. ``signer`` (default: the
    organisation's) names the certificate that will seal it.

    The record is that of decided round ``round_number`` (default: the current round), as it was decided: the
    rounds up to it, its outcome and time, the project and evidence its submission froze, and the signatures,
    conditions, comments and declarations of those rounds; a round decided, then reopened or resubmitted before
    its record was issued, still gets the record of what was decided."""
    seal_der = (signer or current_signer()).signing_cert.dump()
    project = stage.project
    upto = round_number if round_number is not None else stage.round_number
    rounds = [r for r in stage.rounds if r.number <= upto]
    final = rounds[-1]
    fields = submitted_project(project, final)
    categories = fields["data_categories"]
    sensitive = any(c in categories for c in SENSITIVE_CATEGORIES)
    qn = questionnaire()
    answers = [{"question": q.label, "answer": qn.answer_label(q.id, fields["answers"].get(q.id, "no")),
                "translations": {language: {"question": qn.label(q.id, language),
                                            "answer": qn.answer_label(q.id, fields["answers"].get(q.id, "no"),
                                                                      language)}
                                 for language in q.translations}}
               for q in qn.questions]
    frozen = (final.snapshot or {}).get("evidence")
    frozen_ids = None if frozen is None else {e["id"] for e in frozen}
    state = _DECIDED_STATE.get(final.outcome, stage.state)
    criteria = []
    for c in stage.applicable_criteria(fields["tier"]):
        criteria.append({
            "id": c.code, "title": c.title, "question": c.question,
            # the criterion's texts in the other languages (record-v7), whatever language the record prints
            "translations": {language: {k: texts[k] for k in ("title", "question") if k in texts}
                             for language, texts in (c.translations or {}).items()},
            "verdicts": [{"reviewer": v.reviewer.name, "verdict": v.value.value, "rationale": v.rationale,
                          "on_behalf_of": v.on_behalf_of.name if v.on_behalf_of else None}
                         for v in final.verdicts if v.criterion_id == c.id],
            "evidence": [{"filename": e.filename, "sha256": e.sha256, "size": e.size,
                          "uploaded_by": e.uploaded_by.name, "uploaded_at": iso(e.uploaded_at)}
                         for e in stage.evidence if e.criterion_id == c.id
                         and (not e.withdrawn if frozen_ids is None else e.id in frozen_ids)],
        })
    comments = [c for c in _submitter_comments(stage) if c["round"] is None or c["round"] <= upto]
    record = {
        "organisation": current_app.config["ORGANISATION_NAME"],
        "record_id": public_id(stage),
        "version": version,
        "template_version": pdf_render.TEMPLATE_VERSION,
        "issued_at": iso(issued_at),
        "project": {
            "id": project.id, "name": fields["name"], "purpose": fields["purpose"],
            "intended_users": fields["intended_users"], "scenario": fields["scenario"], "model": fields["model"],
            "system_type": qn.answer_label("system_type", fields["system_type"]),
            "data_categories": [qn.question("data_categories").options.get(d, d) for d in categories],
            "personal_data": "personal" in categories or sensitive, "sensitive_data": sensitive,
            "deployment_context": qn.answer_label("deployment_context", fields["deployment_context"]),
            "autonomy_level": qn.answer_label("autonomy_level", fields["autonomy_level"]),
            "scale": qn.answer_label("scale", fields["scale"]), "submitter": project.owner.name,
            # the questionnaire's answers in the other languages (record-v7)
            "translations": {language: {
                **{k: qn.answer_label(k, fields[k], language)
                   for k in ("system_type", "deployment_context", "autonomy_level", "scale")},
                "data_categories": [qn.answer_label("data_categories", [d], language) for d in categories]}
                for language in qn.question("system_type").translations},
        },
        # the project's team when the record was issued, owners first, each with their role (record-v6)
        "team": team_state(project),
        # the system's versions, newest first, each with its artifacts by digest (record-v4)
        "system": {"versions": [version_state(v) for v in versions_of(project)],
                   "retired_at": iso(project.retired_at)},
        # the registration facts, the duties they raise (with reasons and sources) and their filings
        "registration": registration_state(project),
        "tier": {"tier": fields["tier"], "reasons": [
            {**{k: r.get(k, "") for k in ("rule", "question", "answer", "explanation")},
             "translations": reason_translations(r, fields["answers"])} for r in fields["tier_reasons"]]},
        "answers": answers,
        "stage": {"code": stage.code, "name": stage.name, "position": stage.position,
                  "outcome": state.value, "decided_at": iso(final.decided_at or stage.decided_at),
                  "translations": stage_translations(stage)},
        "catalog": {"key": stage.catalog.key, "name": stage.catalog.name, "version": stage.catalog.version,
                    "translations": {language: {"name": texts["name"]}
                                     for language, texts in (stage.catalog.translations or {}).items()
                                     if texts.get("name")}},
        # the language the PDF prints (RECORD_LANGUAGE: en, zh-Hans or both); the JSON carries every language
        "language": current_app.config.get("RECORD_LANGUAGE", "en"),
        "criteria": criteria,
        "conditions": [{"text": c.text, "owner": c.owner.name, "due_date": c.due_date.isoformat(),
                        "status": c.status, "closed_by": c.closed_by.name if c.closed_by else None,
                        "closed_at": iso(c.closed_at)} for c in stage.conditions if c.signoff.round.number <= upto],
        # only what the submitter may read: committee-only comments never enter a record
        "comments": comments,
        "rounds": [{"number": r.number, "submitted_at": iso(r.submitted_at), "submitted_by": r.submitted_by.name,
                    "note": r.note or "",
                    "outcome": r.outcome.value if r.outcome else "pending", "decided_at": iso(r.decided_at)}
                   for r in rounds],
        "signatures": [{"name": s.printed_name, "role": s.role_title, "signed_at": iso(s.signed_at),
                        "meaning": s.meaning, "outcome": s.outcome.value, "content_sha256": s.content_sha256,
                        "round": r.number, "status": check_signoff(s).state, "comment": s.comment,
                        "on_behalf_of": s.on_behalf_of.name if s.on_behalf_of else None,
                        "authenticated_by": authentication_label(s.authenticated_by),
                        # the role and meaning in the other languages (record-v7), for the record's reader
                        "translations": signature_translations(s)}
                       for r in rounds for s in r.signoffs],
        "declarations": [d for d in record_declarations(stage) if d["round"] <= upto],
        # every incident reported on the system so far, with its deadline, report to the authority and closure
        "incidents": record_entries(project.id),
        "audit_events": stage_audit_events(stage, [c["id"] for c in comments]),
        "audit_head": audit_head(),
        "signature_level": signature_level or ("B-T" if current_app.config.get("TIMESTAMP_URL") else "B-B"),
        # what a verifier adds as trusted; the verify page offers the same certificate for download
        "seal_certificate": {"subject": x509.load_der_x509_certificate(seal_der).subject.rfc4514_string(),
                             "sha256_fingerprint": fingerprint(seal_der)},
    }
    record["content_sha256"] = pdf_render.content_hash(record)
    return record


@dataclass
class RenderedRecord:
    """A signed record not yet stored: its content, its signed PDF and what the signing met on the way."""
    data: dict
    pdf: bytes
    issued_at: datetime
    seconds: float
    timestamp_error: str | None = None


def next_version(stage) -> int:
    return (db.session.scalar(select(func.max(Record.version)).where(Record.stage_review_id == stage.id)) or 0) + 1


def render_record(stage, version: int, round_number: int | None = None) -> RenderedRecord:
    """Render and sign version ``version`` of the record of the stage's decided round ``round_number`` (default:
    the current one) (seconds; reads only, writes nothing)."""
    started = time.perf_counter()
    issued_at = utcnow()
    signer = current_signer()
    data = build_record_data(stage, version, issued_at, signer=signer, round_number=round_number)
    reason = f"ReviewBoard record {data['record_id']} v{version}"
    location = current_app.config["ORGANISATION_NAME"]
    tsa = timestamper()
    signed, timestamp_error = None, None
    if tsa is not None:
        try:
            signed = sign_pdf(pdf_render.render_record_pdf(data), signer, reason=reason,
                              location=location, timestamper=tsa)
        except Exception as exc:  # the TSA is down or refused: a decision must not be blocked by it
            log.warning("timestamp authority unavailable (%s): issuing %s v%s as PAdES B-B",
                        type(exc).__name__, data["record_id"], version)
            timestamp_error = type(exc).__name__
            data = build_record_data(stage, version, issued_at, signature_level="B-B", signer=signer,
                                     round_number=round_number)
    if signed is None:
        signed = sign_pdf(pdf_render.render_record_pdf(data), signer, reason=reason, location=location)
    return RenderedRecord(data, signed, issued_at, time.perf_counter() - started, timestamp_error)


def store_record(actor, stage, rendered: RenderedRecord, round_number: int) -> Record:
    """Store a rendered record as the one of the stage's decided round ``round_number`` (flushes). Raises
    IntegrityError when that round (or that version) already has its record: a record is issued once."""
    data, signed = rendered.data, rendered.pdf
    version = data["version"]
    if rendered.timestamp_error:
        record_event(actor, "record.timestamp_unavailable", "stage_review", stage.id,
                     after={"record": data["record_id"], "version": version, "error": rendered.timestamp_error})
    record = Record(public_id=data["record_id"], version=version, stage_review_id=stage.id,
                    round_number=round_number, issued_at=rendered.issued_at,
                    template_version=data["template_version"], content_sha256=data["content_sha256"],
                    record_json=pdf_render.canonical_json(data).decode(), pdf=signed,
                    pdf_sha256=hashlib.sha256(signed).hexdigest(), pdf_size=len(signed),
                    audit_head_seq=data["audit_head"]["seq"], audit_head_hash=data["audit_head"]["hash"],
                    signature_level=data["signature_level"], render_seconds=round(rendered.seconds, 3))
    db.session.add(record)
    db.session.flush()
    record_event(actor, "record.issued", "stage_review", stage.id,
                 after={"record": record.public_id, "version": version, "round": round_number,
                        "pdf_sha256": record.pdf_sha256, "content_sha256": record.content_sha256,
                        "audit_head_seq": record.audit_head_seq})

    # the record's own seal already carries the TSA's token (B-T): one request per record is enough
    create_checkpoint("record.issued", timestamped=False)
    log.info("record %s v%s issued in %.2fs (%d bytes)", record.public_id, version, rendered.seconds, len(signed))
    return record


@dataclass
class RecordVerification:
    ok: bool
    reason: str
    signature: SignatureCheck
    record: Record | None
    newer_version: Record | None
    embedded: dict | None


def verify_record_bytes(data: bytes) -> RecordVerification:
    """Check a PDF offline-style (signature intact and trusted) and against ReviewBoard's stored copy."""
    check = verify_pdf(data, trust_roots(), timestamp_trust_roots())
    digest = hashlib.sha256(data).hexdigest()
    record = db.session.scalar(select(Record).where(Record.pdf_sha256 == digest))
    embedded = check.embedded_record
    newer = None
    if record is not None:
        newer = db.session.scalar(select(Record).where(Record.stage_review_id == record.stage_review_id,
                                                       Record.version > record.version)
                                  .order_by(Record.version.desc()).limit(1))
    if not check.ok:  # the reason in the reader's language (signing.py marks them for translation)
        return RecordVerification(False, _(check.reason), check, record, newer, embedded)
    if record is None:
        return RecordVerification(False, _("the signature is intact, but this file's SHA-256 matches no record "
                                           "issued by this ReviewBoard"), check, None, None, embedded)
    return RecordVerification(True, _("valid: record %(id)s version %(version)s", id=record.public_id,
                                      version=record.version), check, record, newer, embedded)


def list_query(user, q: str = ""):
    """The records ``user`` may see (those of the projects they may see), newest first; ``q`` finds a project name,
    a record id or the start of a file digest. Each record's stage, project and pipeline stage name come with the
    page (the list shows them): read row by row they cost three statements a record, 62 for a page of 20."""
    on_stage = contains_eager(Record.stage_review)
    stmt = (select(Record).join(StageReview, Record.stage_review_id == StageReview.id)
            .join(Project, StageReview.project_id == Project.id)
            .options(stage_summary(on_stage), on_stage.contains_eager(StageReview.project).load_only(Project.name))
            .order_by(Record.issued_at.desc(), Record.id.desc()))
    if not sees_every_project(user):
        stmt = stmt.where(Project.id.in_(own_project_ids(user)))
    if q:  # a digest's start is matched as typed: a % or _ in it is that character, not a wildcard
        stmt = stmt.where(or_(contains(func.lower(Project.name), q), contains(func.lower(Record.public_id), q),
                              Record.pdf_sha256.like(f"{like_escaped(q.lower())}%", escape="\\")))
    return stmt


def list_count_parts(user, q: str = "") -> list | None:
    """What the bounded count of :func:`list_query` reads (core.pagination.paginate's ``count_parts``): for a person
    who sees every record and searches nothing, the record ids alone, from an index of the record table; the list's
    joins to the stage and the project filter nothing then (every record has both), and through them the count of
    "more than 11 pages" made two index lookups per counted record. None otherwise: the list's own statement."""
    if q or not sees_every_project(user):
        return None
    return [select(Record.id)]
