"""The reports' charts, drawn the same way in HTML (self-contained inline SVG: no script, no
external asset) and in PDF (fpdf2 lines and rectangles): a daily line against a reference line,
with numbered annotation markers, and daily bars of bad events stacked by cause."""

from __future__ import annotations

import bisect
import datetime as dt
import html

CAUSES = ("excluded", "incident", "deploy", "unattributed")  # fct_budget_attribution's precedence
COLOURS = {"excluded": (150, 150, 150), "incident": (204, 51, 51), "deploy": (230, 150, 0),
           "unattributed": (51, 102, 153)}


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#%02x%02x%02x" % rgb


def day_fraction(days: list, when: dt.datetime | dt.date) -> float | None:
    """Where `when` falls along a chart of one point per listed day, drawn evenly spaced (0 = the
    first point, 1 = the last): between the points of the days before and after it, by time, so a
    marker sits by the day it belongs to however sparse the days are. None outside the days."""
    if not days:
        return None
    at = when if isinstance(when, dt.datetime) else dt.datetime.combine(when, dt.time())
    i = bisect.bisect_right(days, at.date()) - 1
    if i < 0 or at.date() > days[-1] + dt.timedelta(days=1):
        return None
    if len(days) == 1:
        return 0.5
    here = dt.datetime.combine(days[i], dt.time())
    span = (dt.datetime.combine(days[i + 1], dt.time()) - here) if i + 1 < len(days) else dt.timedelta(days=1)
    return min((i + (at - here) / span) / (len(days) - 1), 1.0)


def svg_line_chart(points: list[tuple], title: str, unit: str, reference: float | None = None,
                   reference_label: str = "", markers: list[tuple[int, dt.datetime]] = ()) -> str:
    """One value per day; `markers`: (number, time) of annotations, drawn as numbered lines."""
    w, h, pad = 640, 200, 40
    values = [float(v) for _, v in points if v is not None]
    if not values:
        return f'<p class="empty">{html.escape(title)}: no data in the period</p>'
    lo = min(values + ([reference] if reference is not None else []))
    hi = max(values + ([reference] if reference is not None else []))
    if hi == lo:
        lo, hi = lo - 1, hi + 1
    n = len(points)

    def xy(i, v):
        x = pad + (w - 2 * pad) * (i / (n - 1) if n > 1 else 0.5)
        y = h - pad - (h - 2 * pad) * (float(v) - lo) / (hi - lo)
        return f"{x:.1f},{y:.1f}"

    line = " ".join(xy(i, v) for i, (_, v) in enumerate(points) if v is not None)
    parts = [f'<svg class="chart line" role="img" aria-label="{html.escape(title)}" viewBox="0 0 {w} {h}" '
             f'width="{w}" height="{h}" xmlns="http://www.w3.org/2000/svg">',
             f'<text x="{pad}" y="16" font-size="13">{html.escape(title)}</text>',
             f'<line x1="{pad}" y1="{h - pad}" x2="{w - pad}" y2="{h - pad}" stroke="#999"/>',
             f'<text x="4" y="{pad}" font-size="10">{hi:.3f}{unit}</text>',
             f'<text x="4" y="{h - pad}" font-size="10">{lo:.3f}{unit}</text>',
             f'<text x="{pad}" y="{h - 8}" font-size="10">{points[0][0]}</text>',
             f'<text x="{w - pad - 60}" y="{h - 8}" font-size="10">{points[-1][0]}</text>']
    if reference is not None:
        y = h - pad - (h - 2 * pad) * (reference - lo) / (hi - lo)
        parts.append(f'<line class="reference" x1="{pad}" y1="{y:.1f}" x2="{w - pad}" y2="{y:.1f}" '
                     f'stroke="#c33" stroke-dasharray="4 3"/>')
        parts.append(f'<text x="{w - pad - 90}" y="{y - 4:.1f}" font-size="10" fill="#c33">{html.escape(reference_label)}</text>')
    days = [d for d, _ in points]
    for number, when in markers:
        at = day_fraction(days, when)
        if at is None:
            continue
        x = pad + (w - 2 * pad) * at
        parts.append(f'<g class="annotation" data-number="{number}"><title>annotation {number}</title>'
                     f'<line x1="{x:.1f}" y1="{pad - 12}" x2="{x:.1f}" y2="{h - pad}" stroke="#86a" stroke-dasharray="2 2"/>'
                     f'<text x="{x + 2:.1f}" y="{pad - 4}" font-size="9" fill="#86a">{number}</text></g>')
    parts.append(f'<polyline class="series" data-points="{len(values)}" fill="none" stroke="#2a6" stroke-width="2" '
                 f'points="{line}"/>')
    for point in line.split():  # a dot per day: a month of one day still shows its value
        x, y = point.split(",")
        parts.append(f'<circle cx="{x}" cy="{y}" r="2.5" fill="#2a6"/>')
    parts.append("</svg>")
    return "".join(parts)


def svg_stacked_bars(days: list, by_day: dict, title: str) -> str:
    """Bad events per day stacked by cause (`by_day[day][cause]`), in CAUSES order, with a legend."""
    w, h, pad, legend = 640, 220, 40, 24
    totals = [sum(by_day.get(d, {}).values()) for d in days]
    if not days or not any(totals):
        return f'<p class="empty">{html.escape(title)}: no bad events in the period</p>'
    top = max(totals)
    slot = (w - 2 * pad) / len(days)
    parts = [f'<svg class="chart bars" role="img" aria-label="{html.escape(title)}" viewBox="0 0 {w} {h}" '
             f'width="{w}" height="{h}" xmlns="http://www.w3.org/2000/svg">',
             f'<text x="{pad}" y="16" font-size="13">{html.escape(title)}</text>',
             f'<line x1="{pad}" y1="{h - pad}" x2="{w - pad}" y2="{h - pad}" stroke="#999"/>',
             f'<text x="4" y="{pad}" font-size="10">{top:,.0f}</text>', f'<text x="4" y="{h - pad}" font-size="10">0</text>',
             f'<text x="{pad}" y="{h - pad + 12}" font-size="10">{days[0]}</text>',
             f'<text x="{w - pad - 60}" y="{h - pad + 12}" font-size="10">{days[-1]}</text>']
    for i, day in enumerate(days):
        y = h - pad
        for cause in CAUSES:
            bad = by_day.get(day, {}).get(cause, 0)
            if not bad:
                continue
            height = (h - 2 * pad - legend) * bad / top
            y -= height
            parts.append(f'<rect class="cause-{cause}" data-day="{day}" data-bad="{bad:g}" x="{pad + i * slot + 1:.1f}" '
                         f'y="{y:.1f}" width="{max(slot - 2, 1):.1f}" height="{height:.1f}" fill="{_hex(COLOURS[cause])}">'
                         f'<title>{day} {cause}: {bad:,.0f}</title></rect>')
    for j, cause in enumerate(CAUSES):
        x = pad + j * 140
        parts.append(f'<rect x="{x}" y="{h - 14}" width="10" height="10" fill="{_hex(COLOURS[cause])}"/>'
                     f'<text class="legend" x="{x + 14}" y="{h - 5}" font-size="10">{cause}</text>')
    parts.append("</svg>")
    return "".join(parts)


# --- PDF -------------------------------------------------------------------------------------------
def pdf_line_chart(pdf, points: list[tuple], reference: float | None, markers: list[tuple[int, dt.datetime]] = ()) -> None:
    """The line chart at the current position (the caller writes its title)."""
    values = [float(v) for _, v in points if v is not None]
    x0, y0, w, h = pdf.l_margin, pdf.get_y() + 2, 180, 38
    lo = min(values + ([reference] if reference is not None else []))
    hi = max(values + ([reference] if reference is not None else []))
    if hi == lo:
        lo, hi = lo - 1, hi + 1
    pdf.set_draw_color(150, 150, 150)
    pdf.rect(x0, y0, w, h)
    pdf.set_font("Helvetica", "", 7)
    pdf.text(x0 + 1, y0 + 3, f"{hi:.3f}")
    pdf.text(x0 + 1, y0 + h - 1, f"{lo:.3f}")
    pdf.text(x0, y0 + h + 3, str(points[0][0]))
    pdf.text(x0 + w - 16, y0 + h + 3, str(points[-1][0]))

    def y(v: float) -> float:
        return y0 + h - h * (v - lo) / (hi - lo)

    if reference is not None:
        pdf.set_draw_color(200, 50, 50)
        pdf.line(x0, y(reference), x0 + w, y(reference))
    days = [d for d, _ in points]
    pdf.set_draw_color(136, 102, 170)
    pdf.set_text_color(136, 102, 170)
    for number, when in markers:
        at = day_fraction(days, when)
        if at is not None:
            x = x0 + w * at
            pdf.line(x, y0, x, y0 + h)
            pdf.text(x + 0.5, y0 + 6, str(number))
    pdf.set_text_color(0, 0, 0)
    pdf.set_draw_color(30, 150, 90)
    pdf.set_line_width(0.5)
    # each value at its day's place on the axis (as the markers and the date labels): a day without
    # a value does not pull the later days left
    span = len(points) - 1
    placed = [(x0 + w * (i / span if span else 0.5), y(float(v))) for i, (_, v) in enumerate(points) if v is not None]
    for (xa, ya), (xb, yb) in zip(placed, placed[1:]):
        pdf.line(xa, ya, xb, yb)
    if len(placed) == 1:
        pdf.circle(placed[0][0], placed[0][1], 1.2)  # fpdf2 >= 2.7: circle(x, y, radius)
    pdf.set_line_width(0.2)
    if len(points) > 2:  # the middle day too, centred under its place, so the axis reads without counting
        m = len(points) // 2
        middle = str(points[m][0])
        pdf.text(x0 + w * m / span - pdf.get_string_width(middle) / 2, y0 + h + 3, middle)
    legend = [((30, 150, 90), "daily value")] + ([((200, 50, 50), "target")] if reference is not None else []) \
        + ([((136, 102, 170), "annotation (numbered)")] if markers else [])
    for j, (colour, label) in enumerate(legend):
        pdf.set_draw_color(*colour)
        pdf.line(x0 + j * 45, y0 + h + 6.5, x0 + j * 45 + 5, y0 + h + 6.5)
        pdf.text(x0 + j * 45 + 6, y0 + h + 7.4, label)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_y(y0 + h + 10)


def pdf_stacked_bars(pdf, days: list, by_day: dict) -> None:
    """Bad events per day stacked by cause, with a legend, at the current position."""
    totals = [sum(by_day.get(d, {}).values()) for d in days]
    top = max(totals)
    x0, y0, w, h = pdf.l_margin, pdf.get_y() + 2, 180, 34
    pdf.set_draw_color(150, 150, 150)
    pdf.rect(x0, y0, w, h)
    pdf.set_font("Helvetica", "", 7)
    pdf.text(x0 + 1, y0 + 3, f"{top:,.0f}")
    pdf.text(x0, y0 + h + 3, str(days[0]))
    pdf.text(x0 + w - 16, y0 + h + 3, str(days[-1]))
    slot = w / len(days)
    for i, day in enumerate(days):
        y = y0 + h
        for cause in CAUSES:
            bad = by_day.get(day, {}).get(cause, 0)
            if bad:
                height = (h - 6) * bad / top
                y -= height
                pdf.set_fill_color(*COLOURS[cause])
                pdf.rect(x0 + i * slot + 0.3, y, max(slot - 0.6, 0.3), height, style="F")
    for j, cause in enumerate(CAUSES):
        pdf.set_fill_color(*COLOURS[cause])
        pdf.rect(x0 + j * 40, y0 + h + 5, 3, 3, style="F")
        pdf.text(x0 + j * 40 + 4, y0 + h + 7.6, cause)
    pdf.set_y(y0 + h + 10)
