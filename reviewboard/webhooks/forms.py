"""The webhooks page's forms: a new subscription, and the confirmation before deliveries stop. Shape only;
the service checks the rules (the target's address, the events)."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from reviewboard.auth.forms import MultiCheckboxField
from reviewboard.core.forms import AppForm
from reviewboard.webhooks.models import DELIVERED, FAILED, PENDING, RETRYING
from reviewboard.webhooks.services import EVENTS

EVENT_LABELS = {
    "stage.submitted": _l("A stage is submitted (or resubmitted) for review"),
    "stage.decided": _l("A stage is decided"),
    "record.issued": _l("A signed record is issued"),
    "condition.overdue": _l("A condition of an approval becomes overdue"),
    "incident.reported": _l("An incident is reported"),
    "certificate.issued": _l("A certificate is issued"),
    "certificate.status_changed": _l("A certificate's status changes (suspended, revoked, restored, expired)"),
}
# a delivery's state as the delivery log shows it (the stored values stay English: the API reports them)
DELIVERY_STATES = {PENDING: _l("pending"), DELIVERED: _l("delivered"), RETRYING: _l("retrying"), FAILED: _l("failed")}


def _event_choice(event: str) -> LazyString:
    """An event's checkbox label: what happens, in the reader's language, then the event's name."""
    return LazyString(lambda: f"{EVENT_LABELS[event]} ({event})")


class SubscriptionForm(AppForm):
    url = StringField(_l("Target URL"), validators=[DataRequired(message=_l("Give the URL to send events to.")),
                                                    Length(max=2000)],
                      description=_l("An https URL your service listens on, such as "
                                     "https://ci.example.org/hooks/reviewboard. Private and loopback addresses are "
                                     "refused unless the configuration's WEBHOOK_ALLOWED_TARGETS names them."))
    events = MultiCheckboxField(_l("Events"), choices=[(e, _event_choice(e)) for e in EVENTS],
                                validators=[DataRequired(message=_l("Choose at least one event."))])
    submit = SubmitField(_l("Subscribe"))


class DisableForm(AppForm):
    confirm = BooleanField(_l("I understand that no more events will be sent to this URL (its delivery log is "
                              "kept, and a new subscription gets a new secret)."),
                           validators=[DataRequired(message=_l("Tick the box to confirm."))])
    submit = SubmitField(_l("Stop deliveries"))
