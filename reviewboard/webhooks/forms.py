"""The webhooks page's forms: a new subscription, and the confirmation before deliveries stop. Shape only;
the service checks the rules (the target's address, the events)."""

from __future__ import annotations

from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from reviewboard.auth.forms import MultiCheckboxField
from reviewboard.core.forms import AppForm
from reviewboard.webhooks.services import EVENTS

EVENT_LABELS = {
    "stage.submitted": "A stage is submitted (or resubmitted) for review",
    "stage.decided": "A stage is decided",
    "record.issued": "A signed record is issued",
    "condition.overdue": "A condition of an approval becomes overdue",
    "incident.reported": "An incident is reported",
    "certificate.issued": "A certificate is issued",
    "certificate.status_changed": "A certificate's status changes (suspended, revoked, restored, expired)",
}


class SubscriptionForm(AppForm):
    url = StringField("Target URL", validators=[DataRequired(message="Give the URL to send events to."),
                                                Length(max=2000)],
                      description="An https URL your service listens on, such as "
                                  "https://ci.example.org/hooks/reviewboard. Private and loopback addresses are "
                                  "refused unless the configuration's WEBHOOK_ALLOWED_TARGETS names them.")
    events = MultiCheckboxField("Events", choices=[(e, f"{EVENT_LABELS[e]} ({e})") for e in EVENTS],
                                validators=[DataRequired(message="Choose at least one event.")])
    submit = SubmitField("Subscribe")


class DisableForm(AppForm):
    confirm = BooleanField("I understand that no more events will be sent to this URL (its delivery log is kept, "
                           "and a new subscription gets a new secret).",
                           validators=[DataRequired(message="Tick the box to confirm.")])
    submit = SubmitField("Stop deliveries")
