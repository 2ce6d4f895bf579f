"""A list's badges (risk tier, stage state) made once per value the page shows rather than once per row: the
same markup, from the same macros of templates/_macros/ui.html, in the reader's language; a page of twenty rows
otherwise calls each macro twenty times."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask import get_template_attribute


def tier_badges(labels: Mapping[str, str]) -> dict:
    """{tier: its badge} for every tier of ``labels`` (tier_labels(): the tier names in the reader's language)."""
    badge = get_template_attribute("_macros/ui.html", "tier_badge")
    return {tier: badge(tier, labels) for tier in labels}


def state_badges(states: Iterable) -> dict:
    """{state: its badge} for each StageState in ``states``."""
    badge = get_template_attribute("_macros/ui.html", "state_badge")
    return {state: badge(state) for state in set(states)}
