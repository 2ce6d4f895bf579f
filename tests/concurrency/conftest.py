"""Concurrency tests need real commits from several connections: a fresh database per engine."""

from __future__ import annotations

import pytest

from tests.conftest import make_app, prepare_schema
from tests.support.databases import fresh_database


@pytest.fixture(scope="module")
def committed_app(engine_name, tmp_path_factory, signing_dir):
    tmp = tmp_path_factory.mktemp(f"concurrency-{engine_name}")
    with fresh_database(engine_name, tmp, "race") as url:
        options = {"pool_size": 10} if engine_name == "postgresql" else {}
        app = make_app(url, tmp, signing_dir, SQLALCHEMY_ENGINE_OPTIONS=options)
        prepare_schema(app)
        yield app
        with app.app_context():
            from reviewboard.extensions import db

            db.session.remove()
            db.engine.dispose()
