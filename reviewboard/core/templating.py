"""The Jinja environment pages render with: Flask's, whose templates' globals answer ``keys()`` with a set, and which
renders the fragments every page shows alike once per process (``shared_fragment``).

Each ``{% from "..." import ... %}`` asks which of the importing page's globals the imported template lacks
(jinja2's Template._get_default_module: ``ctx.globals_keys - template.globals.keys()``). On a ChainMap that
subtraction runs in Python, three function calls for each of the thirty-odd globals, and a partial included once
per comment thread imports its macros each time: some 1,800 calls on a stage page. A set answers in C. The
globals stay a ChainMap over the environment's, so what the application installs stays visible."""

from __future__ import annotations

from collections import ChainMap

from flask.globals import _cv_request
from flask.templating import Environment

from reviewboard.i18n import catalogue

# rendered fragments kept at most: one per kind of reader (a set of roles), language and prefix in practice
MAX_SHARED_FRAGMENTS = 1024


class TemplateGlobals(ChainMap):
    def keys(self):  # type: ignore[override]
        return set().union(*self.maps)


class TemplateEnvironment(Environment):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.shared_fragments: dict[tuple, str] = {}
        self.globals["shared_fragment"] = self.shared_fragment

    def make_globals(self, d):
        return TemplateGlobals({} if d is None else d, self.globals)

    def shared_fragment(self, template: str, macro: str, *args) -> str:
        """``{{ shared_fragment("_macros/menu.html", "signed_in", current_user.roles) }}``: what the macro renders,
        from a copy kept for the process. For a macro whose output depends on its arguments (sets are taken as
        frozensets), the interface language and the prefix the application is served under (its links), and on
        nothing else: nothing of a person's own (their name, a CSRF token), nothing of the request. The menu's
        fifteen links and labels are the same for every chair who reads English, so they are rendered once.

        The copy is jinja2's own rendering (markup, in an autoescaped template), returned as it was made."""
        request_ctx = _cv_request.get(None)
        args = tuple(frozenset(arg) if isinstance(arg, set) else arg for arg in args)
        if request_ctx is None or request_ctx.url_adapter is None:
            return self._render_macro(template, macro, args)
        adapter = request_ctx.url_adapter
        key = (template, macro, args, catalogue(), adapter.script_name, adapter.subdomain)
        fragment = self.shared_fragments.get(key)
        if fragment is None:
            fragment = self._render_macro(template, macro, args)
            if len(self.shared_fragments) < MAX_SHARED_FRAGMENTS:
                self.shared_fragments[key] = fragment
        return fragment

    def _render_macro(self, template: str, macro: str, args: tuple) -> str:
        return getattr(self.get_template(template).module, macro)(*args)
