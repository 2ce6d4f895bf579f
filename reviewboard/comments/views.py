"""Posting a comment from the stage page; the threads themselves are drawn by templates/comments/."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from reviewboard.comments import permissions as perms
from reviewboard.comments import services
from reviewboard.comments.forms import CommentForm
from reviewboard.core.errors import NotPermitted, ServiceError
from reviewboard.core.forms import attach_error
from reviewboard.core.loading import load_or_404
from reviewboard.reviews.models import StageReview
from reviewboard.reviews.permissions import acting_for
from reviewboard.reviews.views import _render

bp = Blueprint("comments", __name__)


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    if not value:
        return None
    if not value.isdigit() or len(value) > 12:
        abort(400)
    return int(value)


@bp.app_context_processor
def comment_helpers():
    """Template helpers for the threads on the stage page: the reader's discussion of a stage is asked once per
    stage per request, not once per thread (services.Discussion)."""

    def stage_discussion(stage):
        cache = g.setdefault("stage_discussions", {})
        if stage.id not in cache:
            cache[stage.id] = services.discussion_for(current_user, stage)
        return cache[stage.id]

    return {"stage_discussion": stage_discussion, "comment_failure": lambda: g.get("comment_failure")}


@bp.post("/stages/<int:stage_id>/comments")
@login_required
def post(stage_id: int):
    """Query string: ``criterion`` (omit for the stage as a whole) and ``parent`` (for a reply)."""
    stage = load_or_404(StageReview, stage_id, perms.can_see_comments)
    if not perms.can_post_comment(current_user, stage):
        abort(403)
    criterion_id, parent_id = _int_arg("criterion"), _int_arg("parent")
    parent = services.find_comment(parent_id)
    if parent_id is not None and (parent is None or not perms.can_see_comment(current_user, parent, stage)):
        abort(404)
    form = CommentForm()
    if form.validate_on_submit():
        try:
            comment = services.post_comment(current_user, stage, form.body.data, form.visibility.data,
                                            criterion_id=criterion_id, parent=parent,
                                            on_behalf_of=acting_for(current_user, stage))
        except NotPermitted:
            raise  # the app's 403 page (core/errors_web.py), not a note beside the composer
        except ServiceError as exc:
            attach_error(form, exc)
        else:
            flash(_("Comment posted.") if comment.visibility == "submitter"
                  else _("Comment posted for the committee only."), "success")
            return redirect(url_for("reviews.show", stage_id=stage.id) + f"#comment-{comment.id}")
    # show the stage page again with the text kept and the problem beside the composer it came from

    fid = f"cf-{criterion_id if criterion_id is not None else 'stage'}" + (f"-r{parent_id}" if parent_id else "")
    errors = [e for errs in form.errors.values() for e in errs] + list(form.form_errors)
    g.comment_failure = {"fid": fid, "body": form.body.data or "", "visibility": form.visibility.data,
                         "errors": list(dict.fromkeys(errors))}
    flash(_("Your comment was not posted: see the message beside it."), "danger")
    return _render(stage, status=422)
