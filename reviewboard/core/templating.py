"""The Jinja environment pages render with: Flask's, whose templates' globals answer ``keys()`` with a set.

Each ``{% from "..." import ... %}`` asks which of the importing page's globals the imported template lacks
(jinja2's Template._get_default_module: ``ctx.globals_keys - template.globals.keys()``). On a ChainMap that
subtraction runs in Python, three function calls for each of the thirty-odd globals, and a partial included once
per comment thread imports its macros each time: some 1,800 calls on a stage page. A set answers in C. The
globals stay a ChainMap over the environment's, so what the application installs stays visible."""

from __future__ import annotations

from collections import ChainMap

from flask.templating import Environment


class TemplateGlobals(ChainMap):
    def keys(self):  # type: ignore[override]
        return set().union(*self.maps)


class TemplateEnvironment(Environment):
    def make_globals(self, d):
        return TemplateGlobals({} if d is None else d, self.globals)
