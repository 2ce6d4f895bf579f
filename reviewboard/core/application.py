"""The application class: Flask's, with a url_for that remembers which rule builds each kind of link, and an
ensure_sync that remembers which functions are plain synchronous ones.

A page builds a few dozen links (the menu alone has up to fifteen), and Flask's url_for does the same work for each:
it looks for url_defaults functions along the endpoint's blueprints, filters the values, then asks Werkzeug's map to
try the endpoint's rules, first for GET and then for any method. For one endpoint, one HTTP method and one set of
argument names that search always ends at the same rule, so it is done once per process, and each link is then
built by that rule's own Werkzeug builder (its converters' to_url and its query-string encoding): the same string,
with a tenth of the calls.

Only links Flask would build the same way are built so: inside a request, relative (no ``_external``, ``_scheme``
or ``_anchor``), for an endpoint without url_defaults functions whose rules have no defaults, no subdomain and no
WebSocket, on a map without host matching. Everything else, and any link the remembered rule cannot build (a build
error), goes through Flask's url_for unchanged.

Flask passes each hook, context processor and view through ensure_sync on every request, two dozen times, and asks
inspect each time whether the function is a coroutine function (six calls); a plain function's answer is kept.
"""

from __future__ import annotations

from types import FunctionType
from typing import Any

from flask import Flask
from flask.globals import _cv_request
from werkzeug.routing import Rule

# Links: (endpoint, method, argument names, where the request's adapter is bound) -> how to build such a link: the
# link itself when it has no values, else the rule, or None for "Flask's url_for". Bounded: a view may pass the names
# of a request's query arguments (audit.index), which a client chooses. Functions known to be synchronous likewise.
MAX_REMEMBERED = 4096


class ReviewBoardFlask(Flask):
    """Flask, whose url_for builds the common relative link through a rule chosen once, and whose ensure_sync asks
    once whether a function is a coroutine function (module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._links: dict[tuple, str | Rule | None] = {}
        self._synchronous: set[FunctionType] = set()

    def ensure_sync(self, func):
        if type(func) is FunctionType and func in self._synchronous:
            return func
        runnable = super().ensure_sync(func)
        if runnable is func and type(func) is FunctionType and len(self._synchronous) < MAX_REMEMBERED:
            self._synchronous.add(func)  # bounded: an after_this_request function is a new closure each time
        return runnable

    def url_for(self, /, endpoint: str, *, _anchor: str | None = None, _method: str | None = None,
                _scheme: str | None = None, _external: bool | None = None, **values: Any) -> str:
        if _anchor is None and _scheme is None and not _external:
            req_ctx = _cv_request.get(None)
            if req_ctx is not None and req_ctx.url_adapter is not None:
                url = self._quick_link(req_ctx.url_adapter, endpoint, _method, values)
                if url is not None:
                    return url
        return super().url_for(endpoint, _anchor=_anchor, _method=_method, _scheme=_scheme, _external=_external,
                               **values)

    def _quick_link(self, adapter, endpoint: str, method: str | None, values: dict[str, Any]) -> str | None:
        """The link as MapAdapter.build makes it (its path-only branch), or None where Flask's url_for must."""
        if values:
            values = {name: value for name, value in values.items() if value is not None}  # as MapAdapter.build
        key = (endpoint, method, tuple(values), adapter.script_name, adapter.subdomain, adapter.default_method)
        try:
            how = self._links[key]
        except KeyError:
            how = self._link_rule(endpoint, method, adapter.default_method, values)
            if how is not None and not values:  # a link without values is the same link each time
                how = self._build(how, adapter, values)
            if len(self._links) < MAX_REMEMBERED:
                self._links[key] = how
        if how is None or how.__class__ is str:
            return how
        return self._build(how, adapter, values)

    @staticmethod
    def _build(rule: Rule, adapter, values: dict[str, Any]) -> str | None:
        built = rule.build(values)  # the rule's compiled builder, query string included (append_unknown)
        if built is None or built[0] != adapter.subdomain:
            return None
        return f"{adapter.script_name.rstrip('/')}/{built[1].lstrip('/')}"

    def _link_rule(self, endpoint: str, method: str | None, default_method: str, values: dict[str, Any]) -> Rule | None:
        """The rule MapAdapter._partial_build would try first for these argument names and method, when it is the
        one it would use whatever the values (no defaults to compare them with) and Flask adds nothing first."""
        if endpoint[:1] == "." or self.url_map.host_matching or self._has_url_defaults(endpoint):
            return None
        self.url_map.update()  # the endpoint's rules in their build order, as MapAdapter.build sorts them
        try:
            rules = list(self.url_map.iter_rules(endpoint))
        except KeyError:
            return None
        if any(rule.defaults or rule.subdomain or rule.host or rule.websocket for rule in rules):
            return None
        for tried in ((default_method, None) if method is None else (method,)):
            for rule in rules:
                if rule.suitable_for(values, tried):
                    return rule
        return None

    def _has_url_defaults(self, endpoint: str) -> bool:
        if None in self.url_default_functions:
            return True
        blueprint = endpoint.rpartition(".")[0]
        names = blueprint.split(".") if blueprint else []
        return any(".".join(names[:i]) in self.url_default_functions for i in range(1, len(names) + 1))
