"""Server-rendered SVG charts (pygal), readable without colour and allowed by our Content Security Policy.

pygal writes a <style> and scripts into each SVG; the CSP refuses inline styles and scripts, so they are
stripped here and the chart is styled by static/css/app.css (dashboard section). Each series gets its own
dash pattern and dot shape there, and the legend names it, so colour is never the only cue. Every chart is
shown with its numbers as a table next to it (the templates do that).
"""

import datetime as dt
import re

import pygal
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_STYLE = re.compile(r"<style[^>]*>.*?</style>", re.S)
_SCRIPT = re.compile(r"<script[^>]*>.*?</script>|<script[^>]*/>", re.S)
_INLINE_STYLE = re.compile(r'\sstyle="[^"]*"')
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_ID = re.compile(r'id="chart-[0-9a-f-]+"')


def _clean(svg: str, *, title: str, chart_id: str) -> SafeString:
    svg = _COMMENT.sub("", _SCRIPT.sub("", _STYLE.sub("", svg)))
    svg = _INLINE_STYLE.sub("", svg)
    svg = _ID.sub(f'id="{chart_id}" role="img" aria-labelledby="{chart_id}-title"', svg, count=1)
    svg = svg.replace("<title>Pygal</title>", "")
    svg = svg.replace("<defs>", f'<title id="{chart_id}-title">{escape(title)}</title><defs>', 1)
    return mark_safe(svg)  # noqa: S308 (pygal's own markup, labels escaped by pygal, title by us)


def _integer_ticks(top: int) -> list[int]:
    """Whole numbers for counts (no 0.2 clicks), about five ticks."""
    step = max(1, -(-top // 5))
    return list(range(0, max(top, 1) + step, step))


def daily_lines(*, title: str, chart_id: str, dates: list[dt.date], series: dict[str, list[int]]) -> SafeString:
    """One line per series over the dates (e.g. unique clicks per day, one line per network)."""
    chart = pygal.Line(
        css=[],
        js=[],
        disable_xml_declaration=True,
        explicit_size=False,
        width=800,
        height=340,
        show_legend=True,
        legend_at_bottom=True,
        legend_at_bottom_columns=4,
        x_label_rotation=0,
        show_minor_x_labels=False,
        x_labels_major_count=min(len(dates), 7),
        truncate_label=-1,
        dots_size=3,
        show_dots=len(dates) <= 62,
        include_x_axis=True,
        print_values=False,
        legend_box_size=14,
        margin_bottom=28,  # room for the legend at the size app.css gives it
        no_data_text="No clicks in this period",
        margin=12,
        spacing=12,
    )
    chart.x_labels = [f"{day:%d %b}" for day in dates]
    chart.y_labels = _integer_ticks(max((max(values) for values in series.values()), default=0))
    for name, values in series.items():
        chart.add(name, values)
    return _clean(chart.render(is_unicode=True), title=title, chart_id=chart_id)


def horizontal_bars(*, title: str, chart_id: str, rows: list[tuple[str, int]]) -> SafeString:
    """One labelled bar per row, the value printed on it (e.g. a funnel, clicks by team)."""
    chart = pygal.HorizontalBar(
        css=[],
        js=[],
        disable_xml_declaration=True,
        explicit_size=False,
        width=800,
        height=max(160, 48 * len(rows) + 60),
        show_legend=False,
        print_values=True,
        print_values_position="top",
        include_x_axis=True,
        no_data_text="Nothing yet",
        margin=12,
    )
    rows = list(reversed(rows))  # pygal draws the first bar at the bottom: the first row reads at the top
    chart.x_labels = [label for label, _ in rows]
    chart.y_labels = _integer_ticks(max((value for _, value in rows), default=0))
    chart.add(title, [value for _, value in rows])
    return _clean(chart.render(is_unicode=True), title=title, chart_id=chart_id)
