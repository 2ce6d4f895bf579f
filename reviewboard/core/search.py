"""Searching text the same way on both databases: "contains these words", case folded as the database folds it,
the reader's ``%`` and ``_`` taken as the characters they are.

The searched columns are read through ``lower()`` (the search indexes hold those expressions). PostgreSQL's lower()
folds every cased letter; SQLite's built-in one only A-Z. Python's ``str.lower()`` on the words would therefore, on
SQLite, turn letters the column keeps as they are into ones it never holds: a full-width ＡＩ typed in Chinese text
("ＡＩ客服") or an accented capital would find nothing there, though PostgreSQL finds it. Chinese characters have no
case and match as typed on both.
"""

from __future__ import annotations

import string

from reviewboard.extensions import db

_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def folded(text: str) -> str:
    """``text`` lowered as the database's lower() lowers a column."""
    if db.session.get_bind().dialect.name == "sqlite":
        return text.translate(_ASCII_LOWER)
    return text.lower()


def like_escaped(text: str) -> str:
    """``text`` for a LIKE pattern with ``escape="\\\\"``: its own %, _ and backslashes match themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains(lowered, text: str):
    """The condition that ``lowered`` (a ``lower(column)`` expression) contains ``text``, whatever its case."""
    return lowered.like(f"%{like_escaped(folded(text))}%", escape="\\")
