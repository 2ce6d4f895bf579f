"""The chairs' webhooks page: subscriptions (create, with the secret shown once; stop), each one's delivery log
with every attempt, and replaying a delivery. Thin views over reviewboard.webhooks.services."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from reviewboard.auth.forms import ConfirmForm
from reviewboard.core.errors import ServiceError
from reviewboard.core.forms import attach_error, error_items
from reviewboard.core.loading import load_or_404
from reviewboard.core.pagination import page_arg, paginate
from reviewboard.extensions import db
from reviewboard.webhooks import services
from reviewboard.webhooks.forms import DELIVERY_STATES, EVENT_LABELS, DisableForm, SubscriptionForm
from reviewboard.webhooks.models import WebhookDelivery, WebhookSubscription
from reviewboard.webhooks.permissions import can_manage_webhooks

bp = Blueprint("webhooks", __name__)


def _chair():
    if not can_manage_webhooks(current_user):
        abort(403)
    return current_user._get_current_object()


def _managed(user, _row) -> bool:
    return can_manage_webhooks(user)


@bp.route("/webhooks", methods=["GET", "POST"])
@login_required
def index():
    chair = _chair()
    form = SubscriptionForm()
    created = None
    if form.validate_on_submit():
        try:
            created = services.subscribe(chair, form.url.data, form.events.data)
        except ServiceError as exc:
            attach_error(form, exc)
        else:
            form = SubscriptionForm(formdata=None)
    subscriptions = db.session.scalars(select(WebhookSubscription)
                                       .order_by(WebhookSubscription.active.desc(), WebhookSubscription.id.desc()))
    return render_template("webhooks/index.html", form=form, created=created, subscriptions=list(subscriptions),
                           errors=error_items(form), labels=EVENT_LABELS), (422 if form.errors else 200)


def _render_subscription(subscription: WebhookSubscription, disable_form=None, status: int = 200):
    deliveries = (select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription.id)
                  .options(selectinload(WebhookDelivery.attempt_log)).order_by(WebhookDelivery.id.desc()))
    page = paginate(deliveries, page_arg(request), current_app.config["PER_PAGE"])
    disable_form = disable_form or (DisableForm(formdata=None) if subscription.active else None)
    return render_template("webhooks/show.html", subscription=subscription, page=page, labels=EVENT_LABELS,
                           states=DELIVERY_STATES, disable_form=disable_form, errors=error_items(disable_form),
                           confirm=ConfirmForm()), status


@bp.get("/webhooks/<int:subscription_id>")
@login_required
def show(subscription_id: int):
    _chair()
    return _render_subscription(load_or_404(WebhookSubscription, subscription_id, _managed))


@bp.post("/webhooks/<int:subscription_id>/disable")
@login_required
def disable(subscription_id: int):
    chair = _chair()
    subscription = load_or_404(WebhookSubscription, subscription_id, _managed)
    form = DisableForm()
    if not subscription.active:
        flash(_("This subscription was already stopped; nothing changed."), "info")
        return redirect(url_for("webhooks.show", subscription_id=subscription.id))
    if not form.validate_on_submit():
        return _render_subscription(subscription, form, 422)
    services.unsubscribe(chair, subscription)
    flash(_("Deliveries to %(url)s stopped. Its delivery log is kept.", url=subscription.url), "success")
    return redirect(url_for("webhooks.show", subscription_id=subscription.id))


@bp.post("/webhook-deliveries/<int:delivery_id>/replay")
@login_required
def replay(delivery_id: int):
    chair = _chair()
    delivery = load_or_404(WebhookDelivery, delivery_id, _managed)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        again = services.replay(chair, delivery)
    except ServiceError as exc:
        flash(_("%(problem)s Nothing was sent.", problem=exc.message), "danger")
        return _render_subscription(delivery.subscription, status=409)
    flash(_("Delivery %(id)s is sent again as delivery %(new)s (a new webhook-id).", id=delivery.id, new=again.id),
          "success")
    return redirect(url_for("webhooks.show", subscription_id=delivery.subscription_id))
