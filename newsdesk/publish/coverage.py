"""The coverage chart of a story: who reported it when, drawn on the server as SVG.

One lane per outlet, one dot per report, on a shared time axis: a reader sees at a glance whether
a story broke everywhere at once or crept from outlet to outlet. Colours come from classes in the
stylesheet (so dark mode and the Content-Security-Policy both apply); every label is escaped,
since outlet names and titles come from feeds.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from markupsafe import Markup, escape

from newsdesk.publish.pages import Report
from newsdesk.publish.templating import plain

MAX_LANES = 10
# Drawn in a 400-unit-wide box that the stylesheet scales to the column (at most 480 px): outlet
# names sit above their lane rather than beside it, so a phone keeps the whole width for time.
WIDTH = 400
SIDE = 6
LANE_HEIGHT = 32
TOP = 4
AXIS_HEIGHT = 24
PALETTE = 8  # .c0 … .c7 in site.css

# Tick steps a reader can count in, smallest first.
_STEPS = [timedelta(minutes=m) for m in (10, 15, 30, 60, 120, 180, 360, 720)] + \
    [timedelta(days=d) for d in (1, 2, 7)]


def _ticks(start: datetime, end: datetime, most: int = 6) -> list[datetime]:
    span = end - start
    step = next((s for s in _STEPS if span / s <= most), _STEPS[-1])
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    first = epoch + step * -((epoch - start) // step)  # the first step boundary >= start
    out = []
    t = first
    while t <= end:
        out.append(t)
        t += step
    return out


def _tick_label(t: datetime, span: timedelta) -> str:
    t = t.astimezone(UTC)
    if span > timedelta(days=2):
        return t.strftime("%a %d")
    if t.hour == 0 and t.minute == 0:
        return t.strftime("%a %d")
    return t.strftime("%H:%M")


def coverage_svg(reports: list[Report], title_id: str = "coverage") -> Markup:
    """The chart as an inline ``<svg>`` element (empty when there is nothing to draw)."""
    reports = [r for r in reports if not r.muted]
    if not reports:
        return Markup("")
    lanes: list[str] = []
    for r in reports:
        name = plain(r.outlet) or "Unknown outlet"
        if name not in lanes:
            lanes.append(name)
    other = len(lanes) > MAX_LANES
    shown = lanes[:MAX_LANES - 1] if other else lanes
    start = min(r.when for r in reports)
    end = max(r.when for r in reports)
    if end - start < timedelta(hours=1):  # a single burst still gets a readable axis
        middle = start + (end - start) / 2
        start, end = middle - timedelta(minutes=30), middle + timedelta(minutes=30)
    pad = (end - start) * 0.04
    start, end = start - pad, end + pad
    span = end - start
    plot_w = WIDTH - 2 * SIDE
    lane_count = len(shown) + (1 if other else 0)
    axis_y = TOP + lane_count * LANE_HEIGHT
    height = axis_y + AXIS_HEIGHT

    def x(t: datetime) -> float:
        return round(SIDE + plot_w * ((t - start) / span), 1)

    def lane_y(index: int) -> float:  # the lane's line; its label sits just above
        return TOP + index * LANE_HEIGHT + 22

    outlets = len(lanes)
    summary = (f"{len(reports)} report{'s' if len(reports) != 1 else ''} from {outlets} "
               f"outlet{'s' if outlets != 1 else ''}, from "
               f"{min(r.when for r in reports).astimezone(UTC):%a %d %b %H:%M} to "
               f"{max(r.when for r in reports).astimezone(UTC):%a %d %b %H:%M} UTC")
    parts = [
        f'<svg class="coverage" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
        f'height="{height}" role="img" aria-labelledby="{title_id}-t {title_id}-d" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{title_id}-t">Coverage over time, by outlet</title>',
        f'<desc id="{title_id}-d">{escape(summary)}</desc>',
    ]
    for t in _ticks(start, end):
        parts.append(f'<line class="grid" x1="{x(t)}" y1="{TOP}" x2="{x(t)}" y2="{axis_y}"/>')
        parts.append(f'<text class="tick" x="{x(t)}" y="{axis_y + 16}" text-anchor="middle">'
                     f'{escape(_tick_label(t, span))}</text>')
    parts.append(f'<line class="axis" x1="{SIDE}" y1="{axis_y}" x2="{WIDTH - SIDE}" '
                 f'y2="{axis_y}"/>')
    lane_names = [*shown, "Other outlets"] if other else shown
    for index, name in enumerate(lane_names):
        y = lane_y(index)
        label = name if len(name) <= 48 else name[:47] + "…"
        parts.append(f'<line class="lane" x1="{SIDE}" y1="{y}" x2="{WIDTH - SIDE}" y2="{y}"/>')
        parts.append(f'<text class="label" x="{SIDE}" y="{y - 9}">{escape(label)}</text>')
    for r in reports:
        name = plain(r.outlet) or "Unknown outlet"
        index = shown.index(name) if name in shown else len(shown)
        tip = f"{name}: {plain(r.title)} ({r.when.astimezone(UTC):%a %d %b %H:%M} UTC)"
        parts.append(f'<circle class="dot c{index % PALETTE}" cx="{x(r.when)}" '
                     f'cy="{lane_y(index)}" r="5"><title>{escape(tip)}</title></circle>')
    parts.append("</svg>")
    return Markup("".join(parts))
