"""Certificates through the API, and the webhook that tells a subscriber one was issued."""

from __future__ import annotations

import json

from standardwebhooks import Webhook

from tests.api.helpers import bearer
from tests.api.test_webhooks import receiver  # noqa: F401  (the loopback receiver fixture)
from tests.support.certificates import certified


def test_certificate_metadata_envelope_and_pdf(client, make):
    project, cert, _reviewers = certified(make)
    headers = bearer(project.owner)
    listed = client.get("/api/v1/certificates", headers=headers).get_json()
    assert cert.id in [c["id"] for c in listed]
    body = client.get(f"/api/v1/certificates/{cert.id}", headers=headers).get_json()
    assert body["public_id"] == cert.public_id and body["status"] == cert.status
    envelope = client.get(f"/api/v1/certificates/{cert.id}/envelope", headers=headers)
    assert envelope.status_code == 200 and "payload" in envelope.get_json()
    pdf = client.get(f"/api/v1/certificates/{cert.id}/pdf", headers=headers)
    assert pdf.mimetype == "application/pdf" and pdf.headers["X-File-SHA256"] == cert.pdf_sha256
    assert client.get(f"/api/v1/certificates/{cert.id}", headers=bearer(make.user("submitter"))).status_code == 404


def test_a_subscriber_hears_of_an_issued_certificate(client, make, receiver):  # noqa: F811
    chair = make.user("chair")
    created = client.post("/api/v1/webhooks", headers=bearer(chair, "admin"), json={
        "url": f"http://127.0.0.1:{receiver.port}/hook", "events": ["certificate.issued"]}).get_json()
    _project, cert, _reviewers = certified(make)
    assert len(receiver.received) == 1
    headers, body = receiver.received[0]
    Webhook(created["secret"]).verify(body, headers)
    assert json.loads(body)["data"]["object"]["id"] == str(cert.id)
