"""Building the daily digest: what each person should hear about today, minus what they were told.

Every item carries a stable notice key. Keys name the thing, not the round (``review-waiting:stage:42``),
so a resubmission never repeats a notice already sent; an overdue item carries its escalation level
(``review-overdue:stage:42:level:2``) and is sent once per level. Items whose key is in the notice table
for that person are left out, and a person with nothing new gets no digest.

An item's text and detail are :class:`~reviewboard.notify.texts.Text`: read in the language in force when the
digest is rendered, its reader's (notify/services.py).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from reviewboard.auth.models import Role, User
from reviewboard.comments.models import Comment
from reviewboard.comments.permissions import can_see_comment
from reviewboard.committee.services import recusals_needing_replacement
from reviewboard.conditions.permissions import can_close
from reviewboard.extensions import db
from reviewboard.incidents.models import Incident
from reviewboard.incidents.rules import load_rules as incident_rules
from reviewboard.incidents.workflow import OPEN_STATES as OPEN_INCIDENT_STATES
from reviewboard.notify.models import Notice
from reviewboard.notify.texts import N_, Text, lazy_ngettext, stage_name
from reviewboard.projects.models import Evidence, Project
from reviewboard.reviews import permissions as review_perms
from reviewboard.reviews.models import Condition, ReviewAssignment, StageReview, SubmissionRound
from reviewboard.reviews.workflow import PASSED_STATES, Outcome, StageState

log = logging.getLogger("reviewboard.notify")

SOON_DAYS = 30  # reviews coming due and evidence expiring are announced this many days ahead
CONDITION_SOON_DAYS = 14
ESCALATION_DAYS = (1, 7, 30)  # overdue by at least this many days -> level 1, 2, 3
RECENT_DAYS = 7  # decisions and comments are news for this long (a first run never digs up older ones)
SECTIONS = (
    ("reviewer", _l("Waiting for your review")),
    ("chair", _l("For the chair")),
    ("conditions", _l("Conditions you own")),
    ("projects", _l("Your projects")),
    ("comments", _l("New comments")),
)
DECIDED = {Outcome.APPROVE: N_("%(stage)s was approved"),
           Outcome.APPROVE_WITH_CONDITIONS: N_("%(stage)s was approved with conditions"),
           Outcome.REJECT: N_("%(stage)s was rejected")}
# a due date in words, by what falls due (a decision, a report to the authority, a periodic review's reopening):
# (later, today, overdue by %(num)d days)
DUE_WORDS = {
    "due": (N_("due %(date)s"), N_("due today (%(date)s)"),
            lazy_ngettext("due %(date)s, %(num)d day overdue", "due %(date)s, %(num)d days overdue", 0)),
    "report": (N_("report to the authority due %(date)s"), N_("report to the authority due today (%(date)s)"),
               lazy_ngettext("report to the authority due %(date)s, %(num)d day overdue",
                             "report to the authority due %(date)s, %(num)d days overdue", 0)),
    "reopens": (N_("reopens %(date)s"), N_("reopens today (%(date)s)"),
                lazy_ngettext("reopens %(date)s, %(num)d day overdue", "reopens %(date)s, %(num)d days overdue", 0)),
}


@dataclass(frozen=True)
class Item:
    key: str  # the notice key, unique per person
    kind: str
    section: str
    text: Text | str  # str once rendered (a queued digest's, notify/queued.py)
    detail: Text | str
    link: str
    overdue_days: int = 0
    due: date | None = None
    covers: tuple[str, ...] = ()  # lesser keys this item makes redundant (recorded as sent with it)

    @property
    def keys(self) -> tuple[str, ...]:
        return (self.key, *self.covers)

    @property
    def order(self) -> tuple:
        return (-self.overdue_days, self.due or date.max, str(self.text))


@dataclass
class Digest:
    user: User
    items: list[Item] = field(default_factory=list)

    @property
    def subject(self) -> str:
        """In the language in force (notify/services.py renders each digest in its reader's language)."""
        overdue = sum(1 for i in self.items if i.overdue_days)
        count = ngettext("%(num)d item", "%(num)d items", len(self.items))
        if overdue:
            return _("ReviewBoard daily digest: %(count)s, %(overdue)d overdue", count=count, overdue=overdue)
        return _("ReviewBoard daily digest: %(count)s", count=count)

    @property
    def sections(self) -> list[tuple[str, list[Item]]]:
        grouped = [(title, sorted((i for i in self.items if i.section == key), key=lambda i: i.order))
                   for key, title in SECTIONS]
        return [(title, items) for title, items in grouped if items]


def escalation_level(overdue_days: int) -> int:
    return sum(1 for threshold in ESCALATION_DAYS if overdue_days >= threshold)


def stage_due_on(stage: StageReview) -> date | None:
    """When the decision on a stage in review is due (set at each submission from the stage's due_days)."""
    return stage.due_at.date() if stage.due_at is not None else None


def _due_words(due: date | None, today: date, what: str = "due") -> tuple[Text, int]:
    if due is None:
        return N_("no due date"), 0
    later, on_the_day, overdue = DUE_WORDS[what]
    late = (today - due).days
    if late > 0:
        return overdue.using(date=due, num=late), late
    return (on_the_day if late == 0 else later).using(date=due), 0


def _stage_due_words(stage: StageReview, due: date | None, today: date) -> tuple[Text, int]:
    # the times themselves, not their UTC dates: each reader's digest gives their dates in their own time zone
    if due is None and stage.current_round is not None:
        return N_("submitted %(date)s, no due date", date=stage.current_round.submitted_at), 0
    words, late = _due_words(due, today)
    return (words.using(date=stage.due_at) if due is not None else words), late


def _stage_label(stage: StageReview) -> Text:
    return N_("%(name)s: %(value)s", name=stage.project.name, value=stage_name(stage))


def _link(endpoint: str, **values) -> str:
    base = current_app.config.get("PUBLIC_URL") or "http://localhost:5000"
    with current_app.test_request_context("/", base_url=base):
        return url_for(endpoint, _external=True, **values)


# -- what each role hears about -------------------------------------------------------------------
def _reviewer_items(stages: list[StageReview], recused: dict[int, set[int]], today: date, add) -> None:
    for stage in stages:
        due = stage_due_on(stage)
        words, late = _stage_due_words(stage, due, today)
        for assignment in stage.assignments:
            reviewer = assignment.reviewer
            if review_perms.has_signed(reviewer, stage) or reviewer.id in recused[stage.id]:
                continue
            waiting = f"review-waiting:stage:{stage.id}"
            if late:
                add(reviewer, Item(f"review-overdue:stage:{stage.id}:level:{escalation_level(late)}",
                                   "review-overdue", "reviewer",
                                   N_("%(stage)s needs your verdict and sign-off", stage=_stage_label(stage)),
                                   words, _link("reviews.show", stage_id=stage.id), late, due, covers=(waiting,)))
            else:
                add(reviewer, Item(waiting, "review-waiting", "reviewer",
                                   N_("%(stage)s is waiting for your verdict and sign-off",
                                      stage=_stage_label(stage)), words,
                                   _link("reviews.show", stage_id=stage.id), 0, due))


def _recusal_items(chairs: list[User], add) -> None:
    """Recusals that left a stage short of reviewers."""
    for need in recusals_needing_replacement():
        stage = need.stage
        for reviewer in need.recused:
            for chair in chairs:
                if chair.id in stage.project.involved_ids or chair.id == reviewer.id:
                    continue
                add(chair, Item(f"recusal:stage:{stage.id}:reviewer:{reviewer.id}", "recusal", "chair",
                                N_("%(reviewer)s recused from %(stage)s: assign a replacement",
                                   reviewer=reviewer.name, stage=_stage_label(stage)),
                                N_("%(counted)d of %(wanted)d reviewers count now", counted=need.counted,
                                   wanted=need.wanted),
                                _link("reviews.show", stage_id=stage.id), covers=(f"understaffed:stage:{stage.id}",)))


def _chair_items(stages: list[StageReview], recused: dict[int, set[int]], chairs: list[User], today: date,
                 add) -> None:
    for stage in stages:
        wanted = max(stage.quorum, stage.pipeline_stage.reviewers or 0)
        assigned = [a for a in stage.assignments if a.reviewer_id not in recused[stage.id]]
        due = stage_due_on(stage)
        words, late = _stage_due_words(stage, due, today)
        for chair in chairs:
            if chair.id in stage.project.involved_ids:
                continue
            if len(assigned) < wanted:
                add(chair, Item(f"understaffed:stage:{stage.id}", "understaffed", "chair",
                                N_("%(stage)s has %(assigned)d of %(wanted)d reviewers assigned",
                                   stage=_stage_label(stage), assigned=len(assigned), wanted=wanted),
                                words, _link("reviews.show", stage_id=stage.id), late, due))
            if late:
                add(chair, Item(f"decision-overdue:stage:{stage.id}:level:{escalation_level(late)}",
                                "decision-overdue", "chair",
                                N_("The decision on %(stage)s is overdue", stage=_stage_label(stage)),
                                words, _link("reviews.show", stage_id=stage.id), late, due))


def _incident_items(chairs: list[User], today: date, add) -> None:
    """An open serious incident is news for every chair independent of the project, once; again at each
    escalation level while its report to the authority is overdue."""
    serious = [s.id for s in incident_rules().severities if s.serious]
    found = db.session.scalars(select(Incident).where(Incident.state.in_(OPEN_INCIDENT_STATES),
                                                      Incident.severity.in_(serious))
                               .options(joinedload(Incident.project)).order_by(Incident.id)).all()
    for incident in found:
        reported = f"serious-incident:incident:{incident.id}"
        link = _link("incidents.show", incident_id=incident.id)
        text = N_("Serious incident on %(project)s: %(title)s", project=incident.project.name, title=incident.title)
        if incident.duty_met:
            words, late = N_("reported to the authority; waiting to be closed"), 0
        else:
            words, late = _due_words(incident.due_on, today, "report")
        for chair in chairs:
            if chair.id in incident.project.involved_ids:
                continue
            if late:
                add(chair, Item(f"serious-incident-overdue:incident:{incident.id}:level:{escalation_level(late)}",
                                "incident-overdue", "chair", text, words, link, late, incident.due_on,
                                covers=(reported,)))
            else:
                add(chair, Item(reported, "serious-incident", "chair", text, words, link, 0, incident.due_on))


def _condition_items(today: date, add) -> None:
    horizon = today + timedelta(days=CONDITION_SOON_DAYS)
    conditions = db.session.scalars(select(Condition).where(Condition.status == "open",
                                                            Condition.due_date <= horizon)).all()
    for condition in conditions:
        stage = condition.stage_review
        words, late = _due_words(condition.due_date, today)
        soon = f"condition-due:condition:{condition.id}"
        link = _link("conditions.show", condition_id=condition.id)
        text = N_("%(name)s: %(value)s", name=_stage_label(stage), value=condition.text)
        if late:
            add(condition.owner, Item(f"condition-overdue:condition:{condition.id}:level:{escalation_level(late)}",
                                      "condition-overdue", "conditions", text, words, link, late,
                                      condition.due_date, covers=(soon,)))
        else:
            add(condition.owner, Item(soon, "condition-due", "conditions", text, words, link, 0, condition.due_date))


def _answered_condition_items(add) -> None:
    """An answered (fulfilled) condition waits for a reviewer of its stage (or, failing one, a chair) to close it.

    The key carries the answer's time: a condition sent back and answered again is news once more.
    """
    answered = db.session.scalars(select(Condition).where(Condition.status == "fulfilled")).all()
    if not answered:
        return
    candidates = db.session.scalars(select(User).where(User.active.is_(True))
                                    .options(selectinload(User.role_rows))).all()
    for condition in answered:
        stage = condition.stage_review
        when = condition.responded_at.isoformat(timespec="seconds") if condition.responded_at else "answered"
        item = Item(f"condition-answered:condition:{condition.id}:{when}", "condition-answered", "reviewer",
                    N_("%(stage)s: a condition was answered and waits to be closed", stage=_stage_label(stage)),
                    condition.text,
                    _link("conditions.show", condition_id=condition.id), 0, condition.due_date)
        closers = [p for p in candidates if can_close(p, condition)]
        # the stage's own reviewers first; the chairs only when none of them can act
        reviewers = [p for p in closers if not p.has_role(Role.CHAIR)]
        for person in reviewers or closers:
            add(person, item)


def _members(project: Project) -> list[User]:
    return [m.user for m in project.members]


def _project_items(today: date, add) -> None:
    horizon = today + timedelta(days=SOON_DAYS)
    returned = db.session.scalars(select(StageReview).where(StageReview.state == StageState.CHANGES_REQUESTED)).all()
    for stage in returned:
        # a new request for changes (a later round) is news; the same round's request is never repeated
        item = Item(f"changes-requested:stage:{stage.id}:round:{stage.round_number}", "changes-requested",
                    "projects", N_("Changes were requested on %(stage)s", stage=_stage_label(stage)),
                    N_("round %(number)d", number=stage.round_number), _link("reviews.show", stage_id=stage.id))
        for person in _members(stage.project):
            add(person, item)
    drafts = db.session.scalars(select(StageReview).where(StageReview.state == StageState.DRAFT,
                                                          StageReview.round_number > 0)).all()
    for stage in drafts:
        last = stage.current_round
        if last is None or last.outcome not in (Outcome.APPROVE, Outcome.APPROVE_WITH_CONDITIONS):
            continue
        item = Item(f"reopened:stage:{stage.id}:round:{last.number}", "reopened", "projects",
                    N_("%(stage)s was reopened for re-review", stage=_stage_label(stage)),
                    N_("update the evidence and submit it again"), _link("reviews.show", stage_id=stage.id))
        for person in _members(stage.project):
            add(person, item)
    coming = db.session.scalars(select(StageReview).where(StageReview.state.in_(PASSED_STATES),
                                                          StageReview.next_review_on <= horizon)).all()
    for stage in coming:
        words, _late = _due_words(stage.next_review_on, today, "reopens")
        item = Item(f"review-due:stage:{stage.id}:{stage.next_review_on.isoformat()}", "review-due", "projects",
                    N_("The periodic review of %(stage)s is coming", stage=_stage_label(stage)), words,
                    _link("reviews.show", stage_id=stage.id), 0, stage.next_review_on)
        for person in _members(stage.project):
            add(person, item)
    expiring = db.session.scalars(select(Evidence).where(Evidence.withdrawn.is_(False), Evidence.expires_on >= today,
                                                         Evidence.expires_on <= horizon)).all()
    for evidence in expiring:
        stage = evidence.stage_review
        item = Item(f"evidence-expiring:evidence:{evidence.id}:{evidence.expires_on.isoformat()}",
                    "evidence-expiring", "projects",
                    N_("Evidence %(file)s (%(stage)s) expires", file=evidence.filename, stage=_stage_label(stage)),
                    N_("expires %(date)s; upload a current version", date=evidence.expires_on),
                    _link("reviews.show", stage_id=stage.id), 0, evidence.expires_on)
        for person in _members(stage.project):
            add(person, item)


def _since(today: date) -> datetime:
    return datetime.combine(today - timedelta(days=RECENT_DAYS), time.min, tzinfo=UTC)


def _decision_items(today: date, add) -> None:
    """A stage decided (approved, with conditions, or rejected) is news for the project's members once."""
    rounds = db.session.scalars(select(SubmissionRound).where(SubmissionRound.decided_at >= _since(today),
                                                              SubmissionRound.outcome.in_(list(DECIDED)))
                                .options(joinedload(SubmissionRound.stage_review))).all()
    for round_ in rounds:
        stage = round_.stage_review
        detail = N_("the signed record is on the stage page")
        if round_.outcome == Outcome.APPROVE_WITH_CONDITIONS:
            detail = lazy_ngettext("%(num)d condition to meet; the signed record is on the stage page",
                                   "%(num)d conditions to meet; the signed record is on the stage page",
                                   len(stage.conditions))
        item = Item(f"decided:stage:{stage.id}:round:{round_.number}", "decided", "projects",
                    DECIDED[round_.outcome].using(stage=_stage_label(stage)), detail,
                    _link("reviews.show", stage_id=stage.id))
        for person in _members(stage.project):
            add(person, item)


def _comment_items(today: date, add) -> None:
    """A comment is news for those who may read it and take part: the project's members when it is shared,
    the stage's assigned reviewers and signers, and the author of the comment it answers. Never its author."""
    comments = db.session.scalars(select(Comment).where(Comment.created_at >= _since(today))
                                  .order_by(Comment.id)).all()
    for comment in comments:
        stage = db.session.get(StageReview, comment.stage_review_id)
        people = {a.reviewer for a in stage.assignments}
        people |= {s.reviewer for r in stage.rounds for s in r.signoffs}
        if not comment.internal:
            people |= set(_members(stage.project))
        if comment.parent_id is not None:
            parent = db.session.get(Comment, comment.parent_id)
            if parent is not None:
                people.add(parent.author)
        on = next((c.code for c in stage.applicable_criteria() if c.id == comment.criterion_id), None) or \
            N_("the stage")
        author = N_("%(author)s on behalf of %(delegator)s", author=comment.author.name,
                    delegator=comment.on_behalf_of.name) if comment.on_behalf_of else comment.author.name
        body = " ".join(comment.body.split())
        said = N_("%(author)s replied on %(stage)s (%(on)s)") if comment.parent_id else \
            N_("%(author)s commented on %(stage)s (%(on)s)")
        item = Item(f"comment:{comment.id}", "comment", "comments",
                    said.using(author=author, stage=_stage_label(stage), on=on),
                    body if len(body) <= 160 else body[:157] + "...", _link("reviews.show", stage_id=stage.id))
        for person in people:
            if person.id not in (comment.author_id, comment.on_behalf_of_id) and can_see_comment(person, comment,
                                                                                                  stage):
                add(person, item)


def build_digests(today: date) -> list[Digest]:
    """One digest per active person who has anything to hear about, ordered by user id; ``items`` holds only
    what was not sent to them before, so it is empty for a person with nothing new (who gets no mail)."""
    found: dict[int, dict[str, Item]] = defaultdict(dict)
    people: dict[int, User] = {}

    def add(user: User, item: Item) -> None:
        if user is None or not user.active or not user.digest_enabled:  # the person turned the digest off
            return
        people[user.id] = user
        found[user.id].setdefault(item.key, item)

    # what the items read of each stage in review, loaded with it rather than stage by stage
    in_review = list(db.session.scalars(
        select(StageReview).where(StageReview.state == StageState.IN_REVIEW).order_by(StageReview.id)
        .options(joinedload(StageReview.pipeline_stage), joinedload(StageReview.project),
                 selectinload(StageReview.assignments).joinedload(ReviewAssignment.reviewer),
                 selectinload(StageReview.rounds).selectinload(SubmissionRound.signoffs))))
    recused = review_perms.recused_by_stage(s.id for s in in_review)
    # everyone, with their roles: the items below ask what each person may do
    chairs = [u for u in db.session.scalars(select(User).order_by(User.id).options(selectinload(User.role_rows)))
              if u.active and u.has_role(Role.CHAIR)]
    _reviewer_items(in_review, recused, today, add)
    _chair_items(in_review, recused, chairs, today, add)
    _recusal_items(chairs, add)
    _incident_items(chairs, today, add)
    _condition_items(today, add)
    _answered_condition_items(add)
    _project_items(today, add)
    _decision_items(today, add)
    _comment_items(today, add)
    if not found:
        return []
    sent = {(row.user_id, row.key) for row in db.session.execute(select(Notice.user_id, Notice.key)
                                                                 .where(Notice.user_id.in_(found)))}
    digests = []
    for user_id in sorted(found):
        mine = found[user_id].values()
        redundant = {key for item in mine for key in item.covers}
        digests.append(Digest(people[user_id], [i for i in mine if (user_id, i.key) not in sent
                                                and i.key not in redundant]))
    return digests
