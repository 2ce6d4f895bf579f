"""Concurrency tests need real commits from several connections: a fresh database per engine."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import make_app, prepare_schema
from tests.support.databases import create_pg_database, drop_pg_database, postgres_url


@pytest.fixture(scope="module")
def committed_app(engine_name, tmp_path_factory, signing_dir):
    tmp = tmp_path_factory.mktemp(f"concurrency-{engine_name}")
    dbname = None
    if engine_name == "sqlite":
        url = f"sqlite:///{tmp / 'race.db'}"
    else:
        dbname = f"rb_race_{uuid.uuid4().hex[:10]}"
        create_pg_database(dbname)
        url = postgres_url(dbname)
    app = make_app(url, tmp, signing_dir, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 10} if dbname else {})
    prepare_schema(app)
    yield app
    with app.app_context():
        from reviewboard.extensions import db

        db.session.remove()
        db.engine.dispose()
    if dbname:
        drop_pg_database(dbname)
