"""A certificate's status in the reader's language. The stored statuses (valid, suspended, revoked, expired) stay
English: the signed status list, the deployment gate and the API read them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .models import EXPIRED, REVOKED, SUSPENDED, VALID

STATUS_LABELS = {VALID: _l("Valid"), SUSPENDED: _l("Suspended"), REVOKED: _l("Revoked"), EXPIRED: _l("Expired")}
