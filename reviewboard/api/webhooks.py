"""Webhook subscriptions (chairs, admin scope), their delivery log and replays."""

from __future__ import annotations

from flask import abort
from marshmallow import Schema, fields, validate
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from reviewboard.api.blueprint import api_user, bp, requires
from reviewboard.api.loading import load
from reviewboard.api.schemas import StrictSchema
from reviewboard.extensions import db
from reviewboard.tokens.models import Scope
from reviewboard.webhooks import services
from reviewboard.webhooks.models import WebhookDelivery, WebhookSubscription
from reviewboard.webhooks.permissions import can_manage_webhooks

TAG = {"tags": ["Webhooks"]}


class SubscriptionInput(StrictSchema):
    url = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    events = fields.List(fields.String(validate=validate.OneOf(services.EVENTS)), required=True,
                         validate=validate.Length(min=1, max=len(services.EVENTS)))


class SubscriptionOut(Schema):
    id = fields.Integer(required=True)
    url = fields.String(required=True)
    events = fields.List(fields.String(), required=True)
    active = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)


class NewSubscriptionOut(SubscriptionOut):
    secret = fields.String(required=True, metadata={
        "description": "The Standard Webhooks signing secret (whsec_...): shown only in this answer"})


class AttemptOut(Schema):
    number = fields.Integer(required=True)
    attempted_at = fields.DateTime(required=True)
    status_code = fields.Integer(allow_none=True, metadata={"description": "The receiver's HTTP status, if any"})
    error = fields.String(allow_none=True, metadata={"description": "Why it failed (no answer, or a non-2xx one)"})
    duration_ms = fields.Integer(allow_none=True, metadata={
        "description": "Unknown for attempts made before each had its own row"})


class DeliveryOut(Schema):
    id = fields.Integer(required=True)
    message_id = fields.String(required=True, metadata={"description": "The webhook-id header"})
    event = fields.String(required=True)
    state = fields.String(required=True, metadata={"description": "pending, retrying, delivered or failed"})
    attempts = fields.Integer(required=True)
    last_status_code = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)
    last_attempt_at = fields.DateTime(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)
    replay_of_id = fields.Integer(allow_none=True)
    attempt_log = fields.List(fields.Nested(AttemptOut), required=True,
                              metadata={"description": "Every attempt, first to last"})


def _chair():
    user = api_user()
    if not can_manage_webhooks(user):
        abort(403, "Only chairs manage webhooks.")
    return user


def _visible(user, _row) -> bool:
    return can_manage_webhooks(user)


@bp.get("/webhooks")
@bp.doc(**TAG, summary="Webhook subscriptions (chairs)")
@bp.response(200, SubscriptionOut(many=True))
@requires(Scope.ADMIN)
def list_webhooks():
    _chair()
    return list(db.session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id)))


@bp.post("/webhooks")
@bp.doc(**TAG, summary="Subscribe a URL to events; deliveries are signed with the secret in this answer")
@bp.arguments(SubscriptionInput)
@bp.response(201, NewSubscriptionOut)
@requires(Scope.ADMIN, 422)
def create_webhook(data: dict):
    return services.subscribe(_chair(), data["url"], data["events"]), 201


@bp.delete("/webhooks/<int:webhook_id>")
@bp.doc(**TAG, summary="Stop a subscription (its delivery log is kept)")
@bp.response(204)
@requires(Scope.ADMIN, 404)
def delete_webhook(webhook_id: int):
    chair = _chair()
    services.unsubscribe(chair, load(WebhookSubscription, webhook_id, _visible))
    return "", 204


@bp.get("/webhooks/<int:webhook_id>/deliveries")
@bp.doc(**TAG, summary="A subscription's delivery log, newest first (the last 100)")
@bp.response(200, DeliveryOut(many=True))
@requires(Scope.ADMIN, 404)
def list_deliveries(webhook_id: int):
    _chair()
    subscription = load(WebhookSubscription, webhook_id, _visible)
    return list(db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription.id)
                                   .options(selectinload(WebhookDelivery.attempt_log))
                                   .order_by(WebhookDelivery.id.desc()).limit(100)))


@bp.post("/webhook-deliveries/<int:delivery_id>/replay")
@bp.doc(**TAG, summary="Send a delivery's message again (a new delivery with a new webhook-id)")
@bp.response(202, DeliveryOut)
@requires(Scope.ADMIN, 404, 422)
def replay_delivery(delivery_id: int):
    chair = _chair()
    return services.replay(chair, load(WebhookDelivery, delivery_id, _visible)), 202
