"""Links to one page per row of a list (each project's page, each stage's), built once a page rather than once a row.

``url_for`` matches the endpoint's rule, converts and quotes each argument and joins the parts again: some forty
calls a link. A list links the same endpoint with only an integer id changing from row to row, so
:func:`id_link` builds the link once with a stand-in id and returns the function that puts each row's id in its
place. The link is the one ``url_for`` gives (an integer id is written as its digits, unquoted).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import url_for

_STAND_IN = 987_654_321_123  # an id no row has, and digits no URL of the application contains otherwise


def id_link(endpoint: str, arg: str, **values) -> Callable[[int], str]:
    """``lambda id: url_for(endpoint, **{arg: id}, **values)`` for an endpoint whose ``arg`` is an integer."""
    head, tail = url_for(endpoint, **{arg: _STAND_IN}, **values).split(str(_STAND_IN))
    return lambda value: f"{head}{int(value)}{tail}"
