"""Charts as server-rendered SVG: no script, readable on a laptop and a phone.

Each chart has a fixed coordinate system (``viewBox``) and scales to the width of its box
(CSS ``width: 100%``), so one drawing serves every screen. Every mark carries a ``<title>``
(the browser's tooltip) and the figures are also in a table beside the chart.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from cxzy_saas.web.pages import i18n

PALETTE = ("#b71c1c", "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#5d4037", "#ad1457")
WIDTH = 640


def _svg(height: float, body: list[str], label: str, width: float = WIDTH) -> Markup:
    # The box scrolls sideways where the chart is wider than the screen: focusable, so that a
    # keyboard scrolls it too.
    return Markup(
        f'<div class="chart-box" tabindex="0" role="group" aria-label="{escape(label)}">'
        f'<svg class="chart" viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
        + "".join(body)
        + "</svg></div>"
    )


def _text(x: float, y: float, text: object, anchor: str = "start", cls: str = "axis") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" class="{cls}">{escape(text)}</text>'
    )


def _colon() -> str:
    return i18n.tr("：", ": ")


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def bar_chart(
    bars: Sequence[tuple[str, float | None]], label: str, top: float = 100.0, width: float = WIDTH
) -> Markup:
    """Horizontal bars (long Chinese names read better beside the bar than under it).
    A narrower ``width`` draws larger letters in a small box."""
    row, left, right = 26, min(170.0, width * 0.45), 44
    span = width - left - right
    body = []
    for i, (name, value) in enumerate(bars):
        y = 8 + i * row
        length = max(0.0, min(value or 0.0, top)) / top * span
        body.append(
            f'<text x="{left - 8}" y="{y + 15}" text-anchor="end" class="axis">'
            f"{escape(name[:13])}</text>"
            f'<rect x="{left}" y="{y + 3}" width="{length:.1f}" height="{row - 8}" '
            f'fill="{PALETTE[0]}" rx="2">'
            f"<title>{escape(name)}{_colon()}{_fmt(value)}</title></rect>"
            f'<text x="{left + length + 6:.1f}" y="{y + 15}" class="value">{_fmt(value)}</text>'
        )
    return _svg(16 + len(bars) * row, body, label, width)


def heat_share(value: float, floor: float) -> float:
    return max(0.0, min(1.0, (value - floor) / (100.0 - floor)))


def heat_colour(value: float | None, floor: float = 0.0) -> str:
    """From a pale cream (``floor``) to the header's deep red (100); grey where nothing is."""
    if value is None:
        return "#eeeeee"
    share = heat_share(value, floor)
    low, high = (255, 247, 240), (183, 28, 28)
    red, green, blue = (round(a + (b - a) * share) for a, b in zip(low, high, strict=True))
    return f"rgb({red},{green},{blue})"


def heat_map(
    rows: Sequence[tuple[str, Sequence[float | None]]], columns: Sequence[str], label: str
) -> Markup:
    left, top, cell_h = 150, 28, 28
    # The scale starts at the tens below the lowest figure: scores bunch between 60 and 100, and
    # a scale from 0 would paint them all one red.
    figures = [v for _, values in rows for v in values if v is not None]
    floor = max(0.0, min(figures, default=0.0) // 10 * 10 - 10)
    cell_w = max(22.0, (WIDTH - left - 8) / max(1, len(columns)))
    width = left + cell_w * len(columns) + 8
    body = []
    for j, column in enumerate(columns):
        x = left + j * cell_w + cell_w / 2
        body.append(_text(x, top - 8, column, "middle"))
    for i, (name, values) in enumerate(rows):
        y = top + i * cell_h
        body.append(_text(left - 8, y + 18, name[:12], "end"))
        for j, value in enumerate(values):
            x = left + j * cell_w
            dark = value is not None and heat_share(value, floor) >= 0.5
            text_class = "cell dark" if dark else "cell"
            body.append(
                f'<rect x="{x:.1f}" y="{y}" width="{cell_w - 2:.1f}" height="{cell_h - 2}" '
                f'fill="{heat_colour(value, floor)}">'
                f"<title>{escape(name)} · {escape(columns[j])}{_colon()}"
                f"{_fmt(value)}</title></rect>"
                f'<text x="{x + (cell_w - 2) / 2:.1f}" y="{y + 18}" text-anchor="middle" '
                f'class="{text_class}">{"" if value is None else f"{value:.0f}"}</text>'
            )
    height = top + len(rows) * cell_h + 8
    return _svg(height, body, label, width)


def line_chart(
    series: Sequence[tuple[str, Sequence[float | None]]],
    ticks: Sequence[str],
    label: str,
    top: float = 100.0,
) -> Markup:
    """One line per series over ``ticks`` (months); gaps where a value is missing."""
    left, right, upper, bottom = 40, 12, 12, 30
    height = 240
    plot_w, plot_h = WIDTH - left - right, height - upper - bottom
    step = plot_w / max(1, len(ticks) - 1)

    def point(i: int, value: float) -> tuple[float, float]:
        return left + i * step, upper + plot_h - max(0.0, min(value, top)) / top * plot_h

    body = []
    for k in range(0, 5):
        y = upper + plot_h - plot_h * k / 4
        body.append(
            f'<line x1="{left}" x2="{WIDTH - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
            + _text(left - 6, y + 4, f"{top * k / 4:.0f}", "end")
        )
    for i, tick in enumerate(ticks):
        x = left + i * step
        body.append(_text(x, height - 10, tick, "middle"))
    for n, (name, values) in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        segments: list[list[tuple[float, float]]] = [[]]
        for i, figure in enumerate(values):
            if figure is None:
                segments.append([])
                continue
            x, y = point(i, figure)
            segments[-1].append((x, y))
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
                f"<title>{escape(name)} · {escape(ticks[i])}{_colon()}"
                f"{_fmt(figure)}</title></circle>"
            )
        for segment in segments:
            if len(segment) > 1:
                points = " ".join(f"{x:.1f},{y:.1f}" for x, y in segment)
                body.append(
                    f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>'
                )
    return _svg(height, body, label)


def legend(names: Sequence[str]) -> Markup:
    items = "".join(
        # An SVG square, not a styled span: the pages' CSP allows no inline style.
        f'<li><svg class="swatch" viewBox="0 0 1 1" aria-hidden="true">'
        f'<rect width="1" height="1" fill="{PALETTE[n % len(PALETTE)]}"/></svg>'
        f"{escape(name)}</li>"
        for n, name in enumerate(names)
    )
    return Markup(f'<ul class="legend">{items}</ul>')
