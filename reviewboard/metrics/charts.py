"""The metrics' charts: server-side SVG drawn by pygal from the same Table the page shows under each chart.

The SVG is embedded as an ``<img>`` with a ``data:`` address (the CSP allows ``img-src data:``): an image
runs no script and loads nothing, so pygal's own ``<style>`` stays inside the picture and the page needs no
inline style or script; the chart works without JavaScript and scales with its box (a viewBox, no size)."""

from __future__ import annotations

import base64
import functools
import sys

from flask_babel import gettext as _

from reviewboard.metrics.services import Table

# Okabe-Ito: told apart with the common colour-vision deficiencies
COLORS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")


@functools.cache
def _pygal():
    """pygal, its style and chart kinds, imported on the first chart (the app starts without it)."""
    import pygal
    from pygal.style import Style

    # pygal appends a legacy import hook to sys.meta_path (for its map plugins, which we do not use); having
    # no find_spec, it makes Python 3.11 warn (ImportWarning) on every later import the other finders miss
    sys.meta_path[:] = [f for f in sys.meta_path if type(f) is not pygal.PluginImportFixer]
    style = Style(background="transparent", plot_background="transparent", foreground="#212529",
                  foreground_strong="#212529", foreground_subtle="#6c757d", opacity="1", opacity_hover="1",
                  colors=COLORS, font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
                  label_font_size=12, major_label_font_size=12, legend_font_size=13, value_font_size=12,
                  tooltip_font_size=12, title_font_size=14, no_data_font_size=14)
    kinds = {"bar": pygal.Bar, "stacked": pygal.StackedBar, "line": pygal.Line, "hbar": pygal.HorizontalBar,
             "stacked_hbar": pygal.HorizontalStackedBar}
    return style, kinds


def _label(table: Table, row: list) -> str:
    return " · ".join(str(v) for v in row[:table.labels])


def chart_svg(table: Table) -> str:
    """The table drawn as an SVG chart (rows along the axis, one series per numeric column). Drawn 480 units
    wide so that its text stays readable when a phone shows it 360 px wide."""
    style, kinds = _pygal()
    cls = kinds[table.chart]
    horizontal = table.chart in ("hbar", "stacked_hbar")
    bars = len(table.rows)
    end = table.series_end or len(table.columns)
    series = list(range(table.series_from, end))
    legend_rows = -(-len(series) // 2)
    height = (max(280, 90 + 26 * bars) if horizontal else 300) + 20 * legend_rows
    chart = cls(style=style, width=480, height=height, js=[], disable_xml_declaration=True, explicit_size=False,
                legend_at_bottom=True, legend_at_bottom_columns=2, truncate_legend=-1, truncate_label=-1,
                x_label_rotation=0 if horizontal or bars <= 3 else 35, print_values=False, margin=10, spacing=10,
                margin_bottom=10 + 20 * legend_rows,
                dots_size=3, allow_interruptions=True)
    if table.chart == "line" and bars > 12:
        chart.x_labels_major_every = max(bars // 6, 1)
        chart.show_minor_x_labels = False
    chart.x_labels = [_label(table, r) for r in table.rows]
    values = [r[c] for r in table.rows for c in series if r[c] is not None]
    if values and all(isinstance(v, int) for v in values) and table.chart not in ("stacked", "stacked_hbar"):
        top = max(values)
        if top <= 8:  # counts: whole-number ticks, not 0.2, 0.4 ...
            chart.y_labels = list(range(0, top + 1))
    for col in series:
        chart.add(table.columns[col], [r[col] for r in table.rows])
    return chart.render(is_unicode=True)


def chart_data_uri(table: Table) -> str:
    """The chart as a ``data:`` address. The same numbers draw the same picture, and pygal takes tens of
    milliseconds a chart (most of the page's time when the queries are fast): the last charts drawn are kept,
    keyed by everything a chart shows."""
    return _data_uri(table.chart, tuple(table.columns), tuple(tuple(r) for r in table.rows), table.series_from,
                     table.series_end, table.labels)


@functools.lru_cache(maxsize=128)
def _data_uri(chart: str, columns: tuple, rows: tuple, series_from: int, series_end: int | None, labels: int) -> str:
    table = Table("", "", list(columns), [list(r) for r in rows], chart=chart, series_from=series_from,
                  series_end=series_end, labels=labels)
    return "data:image/svg+xml;base64," + base64.b64encode(chart_svg(table).encode("utf-8")).decode("ascii")


def chart_description(table: Table) -> str:
    """The image's alternative text: what the chart shows; the numbers are in the table under it."""
    kind = {"line": _("Line chart"), "stacked": _("Stacked bar chart"), "stacked_hbar": _("Stacked bar chart"),
            "hbar": _("Bar chart"), "bar": _("Bar chart")}[table.chart]
    end = table.series_end or len(table.columns)
    return _("%(kind)s: %(title)s, %(series)s; the same numbers are in the table below.", kind=kind,
             title=table.title.lower(), series=_(", ").join(table.columns[table.series_from:end]))
