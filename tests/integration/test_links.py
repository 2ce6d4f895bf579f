"""A list's links built once a page (core.links.id_link) are the links url_for gives each row."""

from __future__ import annotations

import pytest
from flask import url_for

from reviewboard.core.links import id_link


@pytest.mark.parametrize(("endpoint", "arg"), [("projects.show", "project_id"), ("reviews.show", "stage_id"),
                                               ("inventory.system_timeline", "project_id"),
                                               ("records.download", "record_id"), ("certificates.show", "cert_id")])
def test_a_row_links_where_url_for_does(app, endpoint, arg):
    with app.test_request_context("/", base_url="http://example.test/board"):
        link = id_link(endpoint, arg)
        for value in (1, 7, 10, 987654321, 2**40):
            assert link(value) == url_for(endpoint, **{arg: value})
        assert link(3).startswith("/board/")
