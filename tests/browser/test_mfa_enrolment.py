"""A person sets up two-step verification in the browser: the QR code is drawn (an inline SVG the CSP allows),
the key is there to type, a first code turns it on and the recovery codes are shown; the next sign-in asks for a
code after the password."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_flows import heading
from tests.support.mfa import code

pytestmark = pytest.mark.browser


def test_a_person_enrols_an_authenticator_and_signs_in_with_a_code(live_server, new_page):
    from tests.browser.test_flows import sign_in

    person = live_server.add_user("Tomas Totp", "reviewer")
    page = new_page()
    sign_in(page, person)
    page.goto("/account/mfa")
    page.get_by_role("button", name="Set up an authenticator app").click()
    qr = page.get_by_role("img", name="QR code to scan with your authenticator app", exact=False)
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.naturalWidth") > 0  # the image decoded: not blocked, not broken
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Code shown by the app").fill(code(secret))
    page.get_by_role("button", name="Turn on two-step verification").click()
    expect(heading(page)).to_have_text("Your recovery codes")
    expect(page.locator("#recovery-codes li")).to_have_count(10)

    again = new_page()
    again.goto("/login")
    again.get_by_label("E-mail", exact=True).fill(person.email)
    again.get_by_label("Password", exact=True).fill(person.password)
    again.get_by_role("button", name="Sign in").click()
    expect(heading(again)).to_have_text("Two-step verification")
    again.get_by_label("Code from your authenticator app, or a recovery code").fill(code(secret, 1))
    again.get_by_role("button", name="Continue").click()
    expect(again.get_by_role("heading", name=f"Welcome, {person.name}")).to_be_visible()
