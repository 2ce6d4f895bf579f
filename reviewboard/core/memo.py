"""Answers remembered for the length of one request, never longer.

A page asks some questions many times (whether the viewer is recused, which delegations they hold, whether their
authenticator is on); :func:`request_memo` gives a dict kept on the request object itself, so it ends with the
request even when an app context outlives it. Outside a request it is a fresh dict each time: nothing is
remembered. The code that changes an answer drops it with :func:`forget`.
"""

from __future__ import annotations

from flask import has_request_context, request

_PREFIX = "_reviewboard_memo_"


def request_memo(name: str) -> dict:
    if not has_request_context():
        return {}
    return request.__dict__.setdefault(_PREFIX + name, {})


def forget(*names: str) -> None:
    if has_request_context():
        for name in names:
            request.__dict__.pop(_PREFIX + name, None)
