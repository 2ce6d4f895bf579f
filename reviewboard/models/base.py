"""Declarative base with a constraint naming convention and UTC time helpers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta

from sqlalchemy import DateTime, MetaData, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


_clock_offset: ContextVar[timedelta] = ContextVar("reviewboard_clock_offset", default=timedelta(0))


def utcnow() -> datetime:
    """The current UTC time; inside :func:`clock_at` the time runs from the moment set there."""
    return datetime.now(UTC) + _clock_offset.get()


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """Run the block as if it started at ``moment``: every ``utcnow()`` in it (creation times, submissions,
    signatures, due dates, audit events) reads that moment plus the time elapsed. The demo uses it to lay
    its history over past weeks, as a committee's would be; nothing else should."""
    token = _clock_offset.set(moment - datetime.now(UTC))
    try:
        yield
    finally:
        _clock_offset.reset(token)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on both engines (SQLite stores no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    # one registry carries both the naming convention and the UTC datetime mapping
    registry = registry(metadata=MetaData(naming_convention=NAMING_CONVENTION),
                        type_annotation_map={datetime: UTCDateTime()})


def iso(value: datetime | None) -> str | None:
    """UTC ISO-8601 with a Z suffix, as printed on records and signatures."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
