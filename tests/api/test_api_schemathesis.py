"""schemathesis against the app from its own OpenAPI document: generated requests (valid and invalid) to every
operation, as a submitter who is also a chair, with an admin token; no answer is a 500, and every answer
conforms to the document (status code, content type, body). Bounded examples per operation keep it within the
suite's budget: one valid and one invalid request per operation in `make test` (about ten seconds per engine),
six of each in the soak.

Left out: ``positive_data_acceptance``, which wants a 2xx for any request the schema allows; the services
refuse schema-valid requests by rule (a cursor the API did not give, a blank name, an edit while the stage is
in review), answering 422 or 409 problems, which the other checks hold to the document."""

from __future__ import annotations

import itertools

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance


# examples per operation and generation mode: one of each in `make test` (every operation, valid and invalid, on
# both engines), six in the soak that `make test-slow` runs
@pytest.mark.parametrize("examples", [pytest.param(1, id="bounded"),
                                      pytest.param(6, id="soak", marks=pytest.mark.slow)])
def test_every_operation_conforms_to_the_document(app, make, monkeypatch, examples):
    from reviewboard.tokens.services import create_token
    from reviewboard.webhooks import targets

    # generated webhook URLs resolve to a documentation address (refused as not public): no DNS, no delivery
    monkeypatch.setattr(targets, "resolve", lambda host, port, **_: [(2, 1, 6, "", ("192.0.2.1", port))])

    person = make.user("submitter", "chair")
    make.submitted_stage(owner=person)
    headers = {"Authorization": f"Bearer {create_token(person, person, 'schemathesis', 'admin', None).secret}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    for operation, mode in itertools.product(operations, GenerationMode):  # valid requests, then invalid ones

        @given(case=operation.as_strategy(mode))
        @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        check()
