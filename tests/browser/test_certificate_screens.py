"""A system certificate in Chromium: a chair opens it from the list, lists the system on the public register,
which the public then reads, and revokes the certificate after confirming, with a reason."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_flows import flash, heading, sign_in

pytestmark = pytest.mark.browser


def _certified(live_server, owner) -> tuple[int, str, str]:
    from reviewboard.auth.models import User
    from tests.support.certificates import certified
    from tests.support.factories import Factory

    with live_server.session() as session:
        make = Factory(session)
        project = make.project(session.get(User, owner.id), name="Sepsis early-warning score",
                               purpose="Flags patients at risk of sepsis for a nurse to assess.")
        _, cert, _ = certified(make, project=project)
        return project.id, cert.public_id, project.name


def test_a_chair_lists_a_certified_system_and_revokes_its_certificate(live_server, new_page, shot):
    owner = live_server.add_user("Owen Owner", "submitter")
    chair = live_server.add_user("Chidi Chair", "chair")
    _, cert_id, name = _certified(live_server, owner)

    page = new_page()
    sign_in(page, chair)
    page.get_by_role("link", name="Certificates", exact=True).click()
    expect(heading(page)).to_have_text("System certificates")
    page.get_by_role("link", name=cert_id).click()
    expect(heading(page)).to_contain_text(f"Certificate {cert_id}")
    expect(heading(page)).to_contain_text("Valid")
    expect(page.get_by_text(f"Ethically reviewed: certificate {cert_id}, valid").first).to_be_attached()
    shot(page, "certificate", readme="system-certificate")

    page.get_by_role("link", name="Public register").click()
    page.get_by_label("Public description").fill("Warns nurses early when a patient may be developing sepsis.")
    page.get_by_role("button", name="List on the public register").click()
    expect(flash(page, "Listed on the public register.")).to_be_visible()

    public = new_page()  # the public, signed in as no one
    public.goto("/register")
    expect(public.get_by_role("heading", name=name)).to_be_visible()
    expect(public.get_by_text("Warns nurses early when a patient may be developing sepsis.")).to_be_visible()
    shot(public, "public-register", readme="public-register")
    public.get_by_role("link", name=cert_id).first.click()
    expect(public.get_by_text("Valid", exact=True)).to_be_visible()

    page.get_by_role("link", name="Certificates", exact=True).click()
    page.get_by_role("link", name=cert_id).click()
    page.get_by_label("Why the certificate is revoked").fill("Deployed outside the approved ward.")
    page.get_by_role("button", name="Revoke certificate").click()
    expect(page.get_by_text("Tick the box to confirm the revocation.")).to_be_visible()
    page.get_by_label("Why the certificate is revoked").fill("Deployed outside the approved ward.")
    page.get_by_label("I understand that a revocation is final", exact=False).check()
    page.get_by_role("button", name="Revoke certificate").click()
    expect(flash(page, f"Certificate {cert_id} is revoked.")).to_be_visible()
    expect(heading(page)).to_contain_text("Revoked")
    public.reload()
    expect(public.get_by_text("Revoked", exact=True)).to_be_visible()
