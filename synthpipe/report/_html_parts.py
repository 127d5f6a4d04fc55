"""Small formatting helpers shared by the HTML sections."""

from __future__ import annotations

import html
import re

# Unicode's bidirectional embeddings, overrides and isolates: invisible, and each turns the text after it
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def escape(text: str) -> str:
    """``text`` as HTML text, its bidirectional controls shown as their code points (``<U+202E>``).

    Why: a column named with a right-to-left override (U+202E) reversed the rest of its heading or
    table cell in the report, so what a reader saw was not the data's name."""
    return _BIDI_CONTROLS.sub(lambda m: f"&lt;U+{ord(m.group()):04X}&gt;", html.escape(text))


def pct(x: float | None, digits: int = 1) -> str:
    return "n/a" if x is None else f"{x * 100:.{digits}f}%"


def num(x: float | None, digits: int = 3) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def chip(level: str, text: str) -> str:
    return f'<span class="chip {level}">{escape(text)}</span>'


def meter_color(v: float) -> str:
    return "#15803d" if v >= 0.9 else "#4d9a2a" if v >= 0.8 else "#d19a0b" if v >= 0.65 else "#b91c1c"


def meter_rows(items: list[tuple[str, float | None]]) -> str:
    rows = []
    for label, v in items:
        bar = (
            '<div class="meter"></div>'
            if v is None
            else f'<div class="meter"><span style="width:{v * 100:.1f}%;background:{meter_color(v)}"></span></div>'
        )
        rows.append(f"<div>{escape(label)}</div>{bar}<div class='num'>{pct(v, 0)}</div>")
    return '<div class="bars">' + "".join(rows) + "</div>"


def level(value: float | None, ok: float, warn: float) -> str:
    if value is None:
        return "na"
    return "ok" if value <= ok else "warn" if value <= warn else "bad"


FULL_COLUMNS = 16  # a table this wide shows a card (and a protections row) per column, in its order: the demo's 12
LISTED_ROWS = 2_000  # a folded list shows this many rows (every pair the report samples); the JSON holds them all


def folded(summary: str, head: str, rows: list[str]) -> str:
    """A table folded behind a one-line ``summary`` the reader opens (``<details>``: no script).

    Why: a 1,000-column table gave a 4.4 MB page whose relations section began 45,000 px down,
    below a card for every column; the rows a reader looks at first stay in full above this.
    Nothing without ``rows``."""
    if not rows:
        return ""
    more = len(rows) - LISTED_ROWS
    tail = f"<p class='small muted'>... and {more:,} more (all in the JSON report)</p>" if more > 0 else ""
    return (
        f"<details class='more'><summary>{escape(summary)}</summary>"
        f"<table>{head}{''.join(rows[:LISTED_ROWS])}</table>{tail}</details>"
    )


def contents(entries: list[tuple[str, str]]) -> str:
    """A table of contents: a link per ``(anchor, label)``, in page order (plain anchors: no script)."""
    links = "".join(f'<a href="#{anchor}">{escape(label)}</a>' for anchor, label in entries)
    return f'<nav class="contents small" aria-label="Sections of this report"><span>On this page:</span>{links}</nav>'
