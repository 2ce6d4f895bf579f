"""Posting comments and reading them back as threads, filtered by what the reader may see."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from reviewboard.audit.services import record_event
from reviewboard.comments import permissions as perms
from reviewboard.comments.models import Comment, Visibility
from reviewboard.core.errors import NotPermitted, ServiceError
from reviewboard.core.limits import LONG_TEXT
from reviewboard.extensions import db

log = logging.getLogger("reviewboard.comments")

MAX_BODY = LONG_TEXT


@dataclass
class Thread:
    """A comment and its replies (each a Thread), oldest first."""

    comment: Comment
    replies: list[Thread] = field(default_factory=list)


def post_comment(actor, stage, body: str, visibility: str, *, criterion_id: int | None = None,
                 parent: Comment | None = None, on_behalf_of=None) -> Comment:
    """Add a comment to ``stage`` (on ``criterion_id``, or on the stage when None), optionally a reply.

    Raises NotPermitted when ``actor`` may not post that visibility here, ServiceError for an empty or
    over-long body, a criterion outside the stage, a parent from elsewhere or a reply wider than its parent.
    """
    if visibility not in (v.value for v in Visibility):
        raise ServiceError(_("Choose who can see the comment."), "visibility")
    if not perms.can_post_comment(actor, stage, visibility):
        raise NotPermitted(_("You cannot post this kind of comment on this stage."))
    body = (body or "").strip()
    if not body:
        raise ServiceError(_("Write a comment first."), "body")
    if len(body) > MAX_BODY:
        raise ServiceError(_("A comment is at most %(num)d characters long.", num=MAX_BODY), "body")
    if criterion_id is not None and criterion_id not in {c.id for c in stage.applicable_criteria()}:
        raise ServiceError(_("That criterion is not part of this stage."), "criterion_id")
    if parent is not None:
        if parent.stage_review_id != stage.id or parent.criterion_id != criterion_id:
            raise ServiceError(_("You can only reply within the same thread."), "parent_id")
        if not perms.can_see_comment(actor, parent, stage):
            raise NotPermitted(_("You cannot reply to this comment."))
        if parent.internal and visibility != Visibility.COMMITTEE:
            raise ServiceError(_("A reply to a committee-only comment stays committee-only."), "visibility")
    comment = Comment(stage_review_id=stage.id, criterion_id=criterion_id, parent_id=parent.id if parent else None,
                      author_id=actor.id, on_behalf_of_id=on_behalf_of.id if on_behalf_of else None, body=body,
                      visibility=visibility, round_number=stage.round_number)
    db.session.add(comment)
    db.session.flush()
    record_event(actor, "comment.posted", "comment", comment.id, on_behalf_of=on_behalf_of,
                 after={"stage_review_id": stage.id, "criterion_id": criterion_id, "parent_id": comment.parent_id,
                        "visibility": visibility, "round": stage.round_number,
                        # the text stays in its row; the digest makes a later edit of that row evident
                        "body_sha256": hashlib.sha256(body.encode("utf-8")).hexdigest()})
    log.info("comment posted id=%s stage=%s criterion=%s visibility=%s by=%s", comment.id, stage.id, criterion_id,
             visibility, actor.id)
    return comment


def find_comment(comment_id: int | None) -> Comment | None:
    return db.session.get(Comment, comment_id) if comment_id else None


def _comments(stage, kinds) -> list[Comment]:
    if not kinds:
        return []
    return list(db.session.scalars(select(Comment).where(Comment.stage_review_id == stage.id,
                                                         Comment.visibility.in_(list(kinds)))
                                   .order_by(Comment.created_at, Comment.id)))


def threads_for(user, stage) -> dict[int | None, list[Thread]]:
    """The comments ``user`` may see on ``stage``, as threads keyed by criterion id (None: the stage).

    A reply whose parent the reader may not see is never shown (services keep replies no wider than
    their parent, so this only guards older data).
    """
    comments = _comments(stage, perms.visible_kinds(user, stage))
    nodes = {c.id: Thread(c) for c in comments}
    roots: dict[int | None, list[Thread]] = {}
    for c in comments:
        if c.parent_id is None:
            roots.setdefault(c.criterion_id, []).append(nodes[c.id])
        elif c.parent_id in nodes:
            nodes[c.parent_id].replies.append(nodes[c.id])
    return roots


@dataclass(frozen=True)
class Discussion:
    """What a page shows one reader of a stage's comments, asked once however many threads it draws (one per
    criterion and one for the stage): the threads they may read, by criterion id (None: the stage), the
    visibilities they may post (empty: no composer), and whether they see the committee's own comments (and so
    each comment's visibility)."""

    threads: dict[int | None, list[Thread]]
    postable: tuple[str, ...]
    committee: bool


def discussion_for(user, stage) -> Discussion:
    return Discussion(threads_for(user, stage), perms.postable_kinds(user, stage), perms.is_committee(user, stage))


def submitter_visible_comments(stage) -> list[Comment]:
    """Every comment the submitter can read on ``stage``, oldest first (for the stage's record)."""
    return _comments(stage, (Visibility.SUBMITTER.value,))
