"""Each person's own time zone (their profile, IANA names): pages show times in it, everyone else keeps the
organisation's DISPLAY_TIMEZONE, a name the time zone database does not know is refused beside the field, and
records keep UTC. Over HTTP with CSRF on; both engines."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from tests.support.http import login, logout, post_form


def _profile(person, **changes) -> dict:
    return {"name": person.name, "language": person.language, "digest": "on", "time_zone": "", **changes}


def test_times_show_in_the_persons_own_zone_and_others_keep_the_organisations(client, make, db_session, app,
                                                                             monkeypatch):
    monkeypatch.setitem(app.config, "DISPLAY_TIMEZONE", "Europe/London")
    chair, other_chair = make.user("chair"), make.user("chair")
    shown = make.user("submitter", name="Lin Shown")
    shown.last_sign_in_at = datetime(2026, 1, 4, 14, 30, tzinfo=UTC)
    db_session.flush()
    login(client, chair)
    assert "Leave it empty for the organisation's (Europe/London)" in client.get("/account").get_data(as_text=True)
    saved = post_form(client, "/account", "/account", _profile(chair, time_zone="Asia/Shanghai"))
    assert saved.status_code == 302
    html = client.get("/admin/users?q=lin").get_data(as_text=True)
    assert "2026-01-04 22:30 UTC+08:00" in html and "14:30 UTC" not in html
    assert 'value="Asia/Shanghai"' in client.get("/account").get_data(as_text=True)
    logout(client)
    login(client, other_chair)  # no zone of their own: the organisation's (London is on UTC in January)
    assert "2026-01-04 14:30 UTC" in client.get("/admin/users?q=lin").get_data(as_text=True)


def test_an_unknown_zone_is_refused_beside_the_field_and_nothing_changes(client, make, db_session):
    person = make.user("submitter")
    login(client, person)
    signed_name = person.name
    refused = post_form(client, "/account", "/account",
                        _profile(person, name="Pat Renamed", digest="off", time_zone="Beijing"))
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "“Beijing” is not a time zone" in html and 'id="time_zone-error"' in html
    # what was typed is still there to correct, the other fields' new values too
    assert 'value="Beijing"' in html and 'value="Pat Renamed"' in html
    assert [t for t in re.findall(r'<input[^>]*name="digest"[^>]*>', html) if re.search(r"\bchecked\b", t)] == [
        t for t in re.findall(r'<input[^>]*name="digest"[^>]*>', html) if 'value="off"' in t]
    db_session.refresh(person)
    assert (person.time_zone, person.name, person.digest_enabled) == (None, signed_name, True)
