"""Hand-written inline SVG charts: no plotting library, nothing fetched, the page opens offline.

Every text that comes from the data (column names, categories) is escaped here.
"""

from __future__ import annotations

from synthpipe.report._html_parts import FULL_COLUMNS, escape
from synthpipe.report.model import DistanceQuantiles, Distribution, Heatmap

REAL = "#3b6fd8"
SYNTHETIC = "#f08a24"
_FONT = 'font-family="inherit"'


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def gauge(score: float | None, label: str, color: str) -> str:
    """A ring filled to ``score`` percent with the number in the middle (an empty ring and a dash
    without a score)."""
    r, c = 52, 2 * 3.14159 * 52
    shown = "–" if score is None else f"{score:.0f}"
    arc = ""
    if score is not None:
        filled = max(0.0, min(score, 100.0)) / 100 * c
        arc = (
            f'<circle cx="64" cy="64" r="{r}" fill="none" stroke="{color}" stroke-width="12" '
            f'stroke-linecap="round" stroke-dasharray="{filled:.1f} {c:.1f}" transform="rotate(-90 64 64)"/>'
        )
    return (
        f'<svg viewBox="0 0 128 128" width="128" height="128" role="img" '
        f'aria-label="{escape(label)} {shown} of 100">'
        f'<circle cx="64" cy="64" r="{r}" fill="none" stroke="#e6e9ef" stroke-width="12"/>{arc}'
        f'<text x="64" y="72" text-anchor="middle" font-size="30" font-weight="700" '
        f'fill="#1f2937" {_FONT}>{shown}</text></svg>'
    )


def histogram(dist: Distribution, width: int = 300, height: int = 120) -> str:
    """Real (blue) and synthetic (orange outline) shares per numeric bin."""
    n = len(dist.labels)
    if n == 0:
        return '<p class="muted">no values</p>'
    top = max(max(dist.real), max(dist.synthetic), 1e-9)
    plot_h, bw = height - 18, width / n
    bars = []
    for i, (r, s) in enumerate(zip(dist.real, dist.synthetic, strict=True)):
        x = i * bw
        hr, hs = r / top * plot_h, s / top * plot_h
        tip = f"from {dist.labels[i]}: real {r:.1%}, synthetic {s:.1%}"
        bars.append(
            f"<g><title>{escape(tip)}</title>"
            f'<rect x="{x + 1:.1f}" y="{plot_h - hr:.1f}" width="{bw - 2:.1f}" height="{hr:.1f}" '
            f'fill="{REAL}" fill-opacity="0.55"/>'
            f'<rect x="{x + 1:.1f}" y="{plot_h - hs:.1f}" width="{bw - 2:.1f}" height="{hs:.1f}" '
            f'fill="none" stroke="{SYNTHETIC}" stroke-width="2"/></g>'
        )
    axis = (
        f'<line x1="0" y1="{plot_h}" x2="{width}" y2="{plot_h}" stroke="#9aa3b2"/>'
        f'<text x="0" y="{height - 3}" font-size="10" fill="#6b7280" {_FONT}>'
        f"{escape(dist.labels[0])}</text>"
        f'<text x="{width}" y="{height - 3}" font-size="10" fill="#6b7280" text-anchor="end" '
        f"{_FONT}>{escape(dist.labels[-1])} …</text>"
    )
    return f'<svg viewBox="0 0 {width} {height}" width="100%" role="img">' + "".join(bars) + axis + "</svg>"


def category_bars(dist: Distribution, width: int = 300) -> str:
    """Horizontal paired bars per category: real above, synthetic below."""
    row, label_w = 21, 100
    height = row * len(dist.labels) + 4
    top = max(max(dist.real, default=0), max(dist.synthetic, default=0), 1e-9)
    span = width - label_w - 58
    parts = []
    for i, (lab, r, s) in enumerate(zip(dist.labels, dist.real, dist.synthetic, strict=True)):
        y = i * row + 2
        tip = f"{lab}: real {r:.1%}, synthetic {s:.1%}"
        parts.append(
            f"<g><title>{escape(tip)}</title>"
            f'<text x="{label_w - 6}" y="{y + 13}" font-size="11" text-anchor="end" '
            f'fill="#374151" {_FONT}>{escape(_short(lab, 15))}</text>'
            f'<rect x="{label_w}" y="{y + 1}" width="{r / top * span:.1f}" height="8.5" '
            f'fill="{REAL}" rx="1.5"/>'
            f'<rect x="{label_w}" y="{y + 10}" width="{s / top * span:.1f}" height="8.5" '
            f'fill="{SYNTHETIC}" rx="1.5"/>'
            f'<text x="{label_w + max(r, s) / top * span + 4:.1f}" y="{y + 13}" font-size="10" '
            f'fill="#6b7280" {_FONT}>{r:.0%}/{s:.0%}</text></g>'
        )
    return f'<svg viewBox="0 0 {width} {height}" width="100%" role="img">{"".join(parts)}</svg>'


def _cell_color(v: float | None) -> str:
    """White (no association) to deep blue (1); grey when not computable."""
    if v is None:
        return "#eceff3"
    v = max(0.0, min(v, 1.0))
    r, g, b = (int(255 + (t - 255) * v) for t in (29, 78, 170))
    return f"rgb({r},{g},{b})"


NOTICEABLE = 0.1  # real and synthetic associations this far apart: the cell names both values on hover
_HEATMAP_MARGIN = 124  # room for the column labels left of and above the cells (16 characters at 11 px)


def heatmap(hm: Heatmap, which: str, size: int = 430) -> str:
    """One association matrix (``which`` = "real" or "synthetic") with column labels.

    The cells are one path per colour, and a cell names its values on hover (both maps' values)
    where the table is small or the two maps differ by ``NOTICEABLE`` or more. Why: a rect and a
    title per cell made the two maps of 40 columns 0.5 MB of a 0.73 MB page, while a reader
    hovers for the cells the maps disagree on; the colours are those of every cell still.
    """
    matrix = hm.real if which == "real" else hm.synthetic
    n = max(len(hm.columns), 1)
    cell = min(26.0, (size - _HEATMAP_MARGIN) / n)
    total = _HEATMAP_MARGIN + cell * n + 4
    pad = 48  # room for the last rotated label on the right
    return (
        f'<svg viewBox="0 0 {total + pad:.0f} {total:.0f}" width="100%" role="img" '
        f'aria-label="{which} associations">{_heatmap_labels(hm.columns, cell)}'
        f'<g transform="translate({_HEATMAP_MARGIN} {_HEATMAP_MARGIN}) scale({cell:.3f})">'
        f"{_heatmap_cells(matrix, cell)}{_heatmap_tips(hm)}</g></svg>"
    )


def _heatmap_labels(names: list[str], cell: float) -> str:
    """Each column's name left of its row and above its column; cut to 16 characters, the whole
    name on hover."""
    parts = []
    for i, name in enumerate(names):
        y = _HEATMAP_MARGIN + i * cell
        short = _short(name, 16)
        label = escape(short) if short == name else f"<title>{escape(name)}</title>{escape(short)}"
        parts.append(
            f'<text x="{_HEATMAP_MARGIN - 5}" y="{y + cell * 0.7:.1f}" text-anchor="end">{label}</text>'
            f'<text transform="translate({y + cell * 0.65:.1f},{_HEATMAP_MARGIN - 5}) rotate(-55)">{label}</text>'
        )
    return f'<g font-size="{min(11, cell * 0.8):.1f}" fill="#374151" {_FONT}>{"".join(parts)}</g>'


def _heatmap_cells(matrix: list[list[float | None]], cell: float) -> str:
    """Every cell as a square of one cell's side less a pixel, in cell units: a stroke as wide as it
    is long, one path per colour."""
    side = f"{(cell - 1) / cell:.3f}".lstrip("0")
    strokes: dict[str, list[str]] = {}
    for i, row in enumerate(matrix):
        for j, v in enumerate(row):
            strokes.setdefault(_cell_color(v), []).append(f"M{j} {i}.5h{side}")
    return "".join(f'<path stroke="{color}" stroke-width="{side}" d="{"".join(d)}"/>' for color, d in strokes.items())


def _heatmap_tips(hm: Heatmap) -> str:
    """Invisible squares over the cells worth hovering (``heatmap``), each titled with both values."""
    small = len(hm.columns) <= FULL_COLUMNS
    tips = []
    for i, (real_row, syn_row) in enumerate(zip(hm.real, hm.synthetic, strict=True)):
        for j, (r, s) in enumerate(zip(real_row, syn_row, strict=True)):
            if small or _differs(r, s):
                tip = f"{hm.columns[i]} × {hm.columns[j]}: real {_assoc(r)}, synthetic {_assoc(s)}"
                tips.append(f'<rect x="{j}" y="{i}" width="1" height="1"><title>{escape(tip)}</title></rect>')
    return f'<g fill-opacity="0">{"".join(tips)}</g>' if tips else ""


def _differs(r: float | None, s: float | None) -> bool:
    if r is None or s is None:
        return (r is None) != (s is None)
    return abs(r - s) >= NOTICEABLE


def _assoc(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.2f}"


def legend_scale() -> str:
    """The heatmap colour scale from 0 to 1."""
    stops = "".join(
        f'<rect x="{i * 12}" y="0" width="12" height="10" fill="{_cell_color(i / 10)}"/>' for i in range(11)
    )
    return (
        f'<svg viewBox="0 0 200 24" width="200" height="24">{stops}'
        f'<text x="0" y="22" font-size="9" fill="#6b7280" {_FONT}>0 (independent)</text>'
        f'<text x="132" y="22" font-size="9" fill="#6b7280" text-anchor="end" {_FONT}>1</text>'
        "</svg>"
    )


def distance_curves(dq: DistanceQuantiles, width: int = 520, height: int = 220) -> str:
    """Cumulative share of rows (y) within a distance (x) of their closest record, three sets."""
    curves = (
        ("synthetic → training", dq.synthetic_to_train, SYNTHETIC, ""),
        ("synthetic → holdout", dq.synthetic_to_holdout, REAL, 'stroke-dasharray="6 4"'),
        ("holdout → training", dq.holdout_to_train, "#6b7280", 'stroke-dasharray="2 3"'),
    )
    # the top 5 % are long tails that would squash the interesting part near zero
    x_max = max(max(c[1][-2], 1e-9) for c in curves)
    left, bottom, top = 40, height - 30, 10
    span_x, span_y = width - left - 10, bottom - top
    parts = [
        f'<line x1="{left}" y1="{bottom}" x2="{width - 10}" y2="{bottom}" stroke="#9aa3b2"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="#9aa3b2"/>',
        f'<text x="{left - 6}" y="{top + 8}" font-size="10" text-anchor="end" fill="#6b7280" {_FONT}>100%</text>',
        f'<text x="{left - 6}" y="{bottom}" font-size="10" text-anchor="end" fill="#6b7280" {_FONT}>0%</text>',
        f'<text x="{left}" y="{height - 14}" font-size="10" fill="#6b7280" {_FONT}>0</text>',
        f'<text x="{width - 10}" y="{height - 14}" font-size="10" text-anchor="end" '
        f'fill="#6b7280" {_FONT}>{x_max:.2f}</text>',
        f'<text x="{left + span_x / 2}" y="{height - 2}" font-size="10.5" text-anchor="middle" '
        f'fill="#374151" {_FONT}>distance to the closest record</text>',
    ]
    for label, q, color, dash in curves:
        shares = [i / (len(q) - 1) for i in range(len(q))]
        pts = " ".join(
            f"{left + min(x / x_max, 1.0) * span_x:.1f},{bottom - y * span_y:.1f}"
            for x, y in zip(q, shares, strict=True)
        )
        parts.append(
            f'<polyline points="{pts}" fill="none" stroke="{color}" stroke-width="2.2" {dash}>'
            f"<title>{escape(label)}</title></polyline>"
        )
    return f'<svg viewBox="0 0 {width} {height}" width="100%" role="img">{"".join(parts)}</svg>'
