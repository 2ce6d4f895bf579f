"""The metrics' charts are kept once drawn (pygal takes tens of milliseconds a chart), keyed by what they show: a
changed number draws a new chart, never yesterday's picture."""

from __future__ import annotations

import base64

from reviewboard.metrics.charts import chart_data_uri
from reviewboard.metrics.services import Table


def _svg(uri: str) -> str:
    return base64.b64decode(uri.split(",", 1)[1]).decode("utf-8")


def test_a_chart_shows_the_numbers_it_is_given_now_even_after_it_was_kept():
    table = Table("cycle", "Review cycle time by stage", ["Stage", "Decisions", "Median (days)", "P90 (days)"],
                  [["Design", 4, 2.5, 8.3]], chart="bar", series_from=2)
    first = chart_data_uri(table)
    assert chart_data_uri(table) == first  # the same numbers: the kept picture
    table.rows[0][2] = 7.25
    changed = chart_data_uri(table)
    assert changed != first
    assert "7.25" in _svg(changed) and "7.25" not in _svg(first)
    table.columns[2] = "Middle (days)"
    assert "Middle (days)" in _svg(chart_data_uri(table))
