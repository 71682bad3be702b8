"""Charts as inline SVG, drawn in integer arithmetic so the same figures give the same bytes.

Three kinds: "line" (a balance over the days of the period, as steps), "bars" (values by
month, vertical) and "hbars" (values by category, horizontal, long labels on the left).
Values are fen; axes are labelled in yuan with thousands separators.
"""

from __future__ import annotations

from datetime import date
from html import escape

from ledger.reports.model import Chart, yuan

WIDTH, HEIGHT = 960, 340
LEFT, RIGHT, TOP, BOTTOM = 120, 24, 44, 56
TICKS_MAX = 5
BAR_COLOUR, LINE_COLOUR, GRID_COLOUR, TEXT_COLOUR = "#2f6fb0", "#c0392b", "#d9dee5", "#333"
HBAR_ROW, HBAR_LEFT = 30, 200


def thousands(yuan_whole: int) -> str:
    """248000000 -> "248,000,000"."""
    return f"{yuan_whole:,}"


def nice_step(top_fen: int) -> int:
    """A step of 1, 2 or 5 × 10^k yuan (in fen) giving at most TICKS_MAX steps to the top."""
    need_yuan = max(1, -(-top_fen // (100 * TICKS_MAX)))
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            if factor * magnitude >= need_yuan:
                return factor * magnitude * 100
        magnitude *= 10


def scale_top(values: list[int]) -> tuple[int, int]:
    """(axis top, step), both in fen, for non-negative values."""
    step = nice_step(max([0, *values]))
    top = max(step, -(-max([0, *values]) // step) * step)
    return top, step


def text(x: int, y: int, label: str, anchor: str = "middle", size: int = 12) -> str:
    return (
        f'<text x="{x}" y="{y}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{TEXT_COLOUR}">{escape(label)}</text>'
    )


def frame(chart: Chart, body: list[str], height: int = HEIGHT) -> str:
    """The SVG element around a chart's body, with its title."""
    return "\n".join(
        [
            f'<svg class="chart" id="chart-{chart.key}" xmlns="http://www.w3.org/2000/svg" '
            f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" '
            f'aria-labelledby="title-{chart.key}">',
            f'<title id="title-{chart.key}">{escape(chart.title)}</title>',
            f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#fff"/>',
            text(WIDTH // 2, 24, chart.title, size=15),
            *body,
            "</svg>",
        ]
    )


def y_axis(top: int, step: int, plot_height: int) -> list[str]:
    """Grid lines and yuan labels from zero to the top."""
    parts = []
    for value in range(0, top + 1, step):
        y = TOP + plot_height - value * plot_height // top
        parts.append(
            f'<line x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}" stroke="{GRID_COLOUR}"/>'
        )
        parts.append(text(LEFT - 8, y + 4, thousands(value // 100), anchor="end", size=11))
    return parts


def no_data(chart: Chart) -> str:
    body = [text(WIDTH // 2, HEIGHT // 2, "本期无数据 no data in the period", size=14)]
    return frame(chart, body)


def bars(chart: Chart) -> str:
    """Vertical bars, one per point (months), with the value above each non-zero bar."""
    values = [value for _, value in chart.points]
    if not values or max(values) <= 0:
        return no_data(chart)
    top, step = scale_top(values)
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_width // len(values)
    body = y_axis(top, step, plot_height)
    for n, (label, value) in enumerate(chart.points):
        x, h = LEFT + n * slot + slot // 6, value * plot_height // top
        y = TOP + plot_height - h
        body.append(
            f'<rect class="bar" x="{x}" y="{y}" width="{slot * 2 // 3}" height="{h}" '
            f'fill="{BAR_COLOUR}"><title>{escape(label)}: {yuan(value)}</title></rect>'
        )
        centre = LEFT + n * slot + slot // 2
        body.append(text(centre, TOP + plot_height + 18, label, size=11))
        if value > 0:
            body.append(text(centre, y - 4, yuan(value), size=10))
    return frame(chart, body)


def hbars(chart: Chart) -> str:
    """Horizontal bars, one per category, the label on the left and the value at the end."""
    values = [value for _, value in chart.points]
    if not values or max(values) <= 0:
        return no_data(chart)
    top = max(values)
    height = TOP + HBAR_ROW * len(values) + 24
    plot_width = WIDTH - HBAR_LEFT - RIGHT - 110
    body = []
    for n, (label, value) in enumerate(chart.points):
        y, w = TOP + n * HBAR_ROW, value * plot_width // top
        body.append(text(HBAR_LEFT - 8, y + 18, label, anchor="end", size=12))
        body.append(
            f'<rect class="bar" x="{HBAR_LEFT}" y="{y + 4}" width="{max(w, 1)}" height="20" '
            f'fill="{BAR_COLOUR}"><title>{escape(label)}: {yuan(value)}</title></rect>'
        )
        body.append(text(HBAR_LEFT + max(w, 1) + 6, y + 19, yuan(value), anchor="start", size=11))
    return frame(chart, body, height)


def x_labels(first: date, last: date) -> list[date]:
    """Where the time axis is labelled: month starts over long spans, else every 7 days."""
    if (last - first).days > 62:
        months = [date(y, m, 1) for y in range(first.year, last.year + 1) for m in range(1, 13)]
        return [first] + [d for d in months if first < d <= last]
    return [date.fromordinal(o) for o in range(first.toordinal(), last.toordinal() + 1, 7)]


def line(chart: Chart) -> str:
    """A value over time as steps: it holds from each point until the next."""
    days = [date.fromisoformat(label) for label, _ in chart.points]
    values = [value for _, value in chart.points]
    first, span = days[0], max(1, (days[-1] - days[0]).days)
    top, step = scale_top(values)
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: date) -> int:
        return LEFT + (day - first).days * plot_width // span

    def y(value: int) -> int:
        return TOP + plot_height - value * plot_height // top

    path = [f"M {x(days[0])} {y(values[0])}"]
    path += [f"H {x(day)} V {y(value)}" for day, value in zip(days[1:], values[1:], strict=True)]
    body = y_axis(top, step, plot_height)
    body.append(
        f'<path class="line" d="{" ".join(path)}" fill="none" stroke="{LINE_COLOUR}" '
        f'stroke-width="2"/>'
    )
    for day, value in zip(days, values, strict=True):
        body.append(
            f'<circle cx="{x(day)}" cy="{y(value)}" r="3" fill="{LINE_COLOUR}">'
            f"<title>{day.isoformat()}: {yuan(value)}</title></circle>"
        )
    for day in x_labels(days[0], days[-1]):
        body.append(text(x(day), TOP + plot_height + 18, day.isoformat()[5:], size=11))
    return frame(chart, body)


def svg(chart: Chart) -> str:
    """The chart as an inline SVG element."""
    draw = {"line": line, "bars": bars, "hbars": hbars}[chart.kind]
    return draw(chart)
