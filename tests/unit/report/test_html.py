"""The HTML report is one self-contained file that a real browser renders without errors."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synthpipe.report import Gates, Report, _svg, evaluate, with_gates
from synthpipe.report._html_parts import FULL_COLUMNS
from synthpipe.report.html import FULL_PAIRS
from synthpipe.report.model import Heatmap

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
    "--window-size=1400,2000",
]


@pytest.fixture(scope="module")
def report(filtered_report: Report) -> Report:
    return filtered_report


@pytest.fixture(scope="module")
def wide() -> Report:
    """200 numeric columns; the synthetic c007, c021 and c033 are shifted, the rest shuffled rows."""
    rng = np.random.default_rng(0)
    real = pd.DataFrame({f"c{k:03d}": rng.normal(size=300) + k % 10 for k in range(200)})
    synthetic = real.sample(frac=1.0, random_state=1).reset_index(drop=True)
    synthetic[["c007", "c021", "c033"]] += [3.0, 1.5, 0.6]
    return evaluate(real=real, synthetic=synthetic)


def _cards(page: str) -> list[str]:
    return re.findall(r'<div class="card col"><div class="top"><h3 title="([^"]+)"', page)


def test_html_is_self_contained(report: Report) -> None:
    html = report.to_html()
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    # nothing to fetch: no external scripts, stylesheets, images or fonts
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html)
    assert "<link" not in html and "@import" not in html and "url(" not in html
    assert "Privacy, in plain words" in html and "Relations between columns" in html


def test_html_escapes_data(frames: dict[str, pd.DataFrame]) -> None:
    train = frames["train"].assign(group=lambda d: d.group.replace("mid", "<script>x</script>"))
    html = evaluate(real=train, synthetic=train.iloc[:300]).to_html()
    assert "<script>x</script>" not in html and "&lt;script&gt;" in html


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_html_renders_in_headless_chromium_without_console_errors(report: Report) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        page, shot = Path(tmp, "report.html"), Path(tmp, "shot.png")
        page.write_text(report.to_html(), encoding="utf-8")
        profile = Path(tmp, "profile")
        cmd = [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", f"--screenshot={shot}"]
        run = subprocess.run([*cmd, page.as_uri()], capture_output=True, text=True, timeout=120, check=False)
        console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line]
        assert console == [], console
        data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 50_000  # a blank page compresses to a few kB


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_a_300_character_column_name_does_not_widen_the_page(frames: dict[str, pd.DataFrame]) -> None:
    """A column named by 300 letters (and the engine's settings naming it) had no place to break:
    the protections tables grew 1,600 px wider than a 1,400 px window and pushed their last
    columns off screen."""
    name = "y" * 300
    train = frames["train"].rename(columns={"x": name})
    engine = {"training": {"copula_prior": {name: 1.0}}, "columns": {name: {"kind": "numeric", "learned": True}}}
    page = evaluate(real=train, synthetic=train.iloc[:300], protections={"engine": engine}).to_html()
    root = "document.documentElement"
    probe = f"<script>document.body.dataset.overflow = {root}.scrollWidth - {root}.clientWidth</script>"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "report.html")
        path.write_text(page.replace("</body>", probe + "</body>"), encoding="utf-8")
        cmd = [str(CHROMIUM), *FLAGS, f"--user-data-dir={Path(tmp, 'profile')}", "--dump-dom", path.as_uri()]
        dom = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False).stdout
    overflow = re.search(r'data-overflow="(-?\d+)"', dom)
    assert overflow is not None, dom[-500:]
    assert int(overflow.group(1)) <= 0


def test_per_column_table_says_how_each_learned_column_was_modelled(frames: dict[str, pd.DataFrame]) -> None:
    engine = {
        "constraints": ["gross == net + tax"],
        "columns": {
            "ship_date": {"kind": "date", "learned": True, "encoding": "offset from ordered_at in days: exact values"},
            "order_id": {"kind": "identifier", "learned": False, "years_of": ["ordered_at"]},
            "email": {"kind": "identifier", "learned": False, "spells": ["first_name", "last_name"]},
            "ordered_at": {
                "kind": "datetime",
                "learned": True,
                "encoding": "quantile bins",
                "learned_with": "its weekday (hidden columns: learned, never emitted)",
            },
            "age_to_book": {
                "kind": "duration",
                "learned": True,
                "encoding": "quantile bins",
                "computed_as": "age_to_book == age() in 30-day months from first_active to booked_on",
            },
            "price": {"kind": "numeric", "learned": True, "encoding": "quantile bins", "written_as": "$1,234.57"},
            "sent_at": {
                "kind": "datetime",
                "learned": True,
                "encoding": "quantile bins",
                "kept_near": "sent_at within -1..+1 days of its campaign's day (40 groups)",
            },
            "arm": {
                "kind": "categorical",
                "learned": True,
                "drawn_first": "site x arm: each of 36 combinations in an equal share of the rows (a balanced design)",
            },
            "to_date": {
                "kind": "numeric",
                "learned": False,
                "encoding": "sum(price) OVER (ORDER BY ordered_at): rebuilt over all the synthetic rows (not learned)",
            },
        },
    }
    html = evaluate(
        real=frames["train"], synthetic=frames["train"].iloc[:300], protections={"engine": engine}
    ).to_html()
    assert "learned: offset from ordered_at in days: exact values" in html
    assert "learned: quantile bins; with its weekday (hidden columns: learned, never emitted)" in html
    assert "regenerated, not learned; its year part from ordered_at" in html and "gross == net + tax" in html
    # a column the rows never keep as drawn says so: "learned" alone read as one that may disagree
    assert "learned: quantile bins; then recomputed in every row: age_to_book == age() in 30-day months" in html
    assert "regenerated, not learned; spells first_name and last_name" in html
    assert "quantile bins; then kept sent_at within -1..+1 days of its campaign&#x27;s day (40 groups)" in html
    assert "learned: quantile bins; written as text like $1,234.57" in html  # a price kept as text
    assert "learned; drawn first, site x arm: each of 36 combinations in an equal share of the rows" in html
    # a window says how it is rebuilt: "regenerated, not learned" alone left its rule unsaid
    assert "sum(price) OVER (ORDER BY ordered_at): rebuilt over all the synthetic rows (not learned)" in html


def test_nested_facts_are_bracketed_so_their_keys_stay_with_them(frames: dict[str, pd.DataFrame]) -> None:
    """The demo's training facts read ``marginal_calibration=max_tv_before=0.015, rows=40000,
    columns=0, rows_used=10041``: as if the model had trained on no columns."""
    engine = {
        "training": {"marginal_calibration": {"max_tv_before": 0.015, "columns": 0}, "rows_used": 10041},
        "columns": {"age": {"kind": "numeric", "learned": True, "protection": {"clipped_to": [19, 2014]}}},
    }
    html = evaluate(
        real=frames["train"], synthetic=frames["train"].iloc[:300], protections={"engine": engine}
    ).to_html()
    assert "marginal_calibration=(max_tv_before=0.015, columns=0), rows_used=10041" in html
    assert "clipped_to=[19, 2014]" in html


def test_a_long_constraint_list_is_cut_in_the_html_and_kept_whole_in_the_json(frames: dict[str, pd.DataFrame]) -> None:
    """A 70-column table had 94 dependencies: the page shows what fits in a cell and says how many more."""
    constraints = [f"type{i} determines kind{i}" for i in range(94)]
    report = evaluate(
        real=frames["train"], synthetic=frames["train"].iloc[:300], protections={"engine": {"constraints": constraints}}
    )
    html = report.to_html()
    assert "type0 determines kind0" in html and "type93 determines kind93" not in html
    shown = len(re.findall(r"type(\d+) determines kind\1\b", html))
    assert 10 < shown < 30 and f"and {94 - shown} more (all in the JSON report)" in html
    assert report.privacy.protections["engine"]["constraints"] == constraints


def test_protections_past_the_first_40_are_folded_not_dropped(frames: dict[str, pd.DataFrame]) -> None:
    """The protections table kept its first 40 rows and left the others out without a word."""
    engine = {f"setting{i:02d}": f"effect {i}" for i in range(45)}
    page = evaluate(
        real=frames["train"], synthetic=frames["train"].iloc[:300], protections={"engine": engine}
    ).to_html()
    assert "The other 5 protections" in page
    assert all(f"engine: setting{i:02d}" in page for i in range(45))


def test_a_right_to_left_override_in_a_column_name_is_shown_not_obeyed() -> None:
    """A column named with U+202E reversed the rest of its heading or table cell in the report."""
    rng = np.random.default_rng(0)
    name = "price\u202eusd"
    real = pd.DataFrame({name: rng.normal(size=200), "kind": rng.choice(["a", "b"], 200)})
    page = evaluate(real=real, synthetic=real.sample(frac=1.0, random_state=1), holdout=real.iloc[:50]).to_html()
    assert "\u202e" not in page
    assert "price&lt;U+202E&gt;usd" in page


def test_a_wide_table_shows_its_least_faithful_columns_as_cards_and_folds_the_rest(wide: Report) -> None:
    """A 1,000-column table gave a 4.4 MB page: a card for every column, in table order, and the
    relations section 45,000 px down."""
    page = wide.to_html()
    cards = _cards(page)
    assert len(cards) == FULL_COLUMNS and cards[:3] == ["c007", "c021", "c033"]
    scores = {c.name: c.score for c in wide.quality.columns}
    assert [scores[name] for name in cards] == sorted(scores[name] for name in cards)
    columns = page[page.index("<details") : page.index("</details>")]
    assert "The other 184 columns, least faithful first" in columns
    rest = sorted((c for c in wide.quality.columns if c.name not in cards), key=lambda c: c.score or 0.0)
    assert re.findall(r"<tr><td>(c\d+)</td>", columns) == [c.name for c in rest]


def test_a_wide_table_shows_its_least_faithful_pairs_and_folds_the_others(wide: Report) -> None:
    """The pairs the pair score averages (here every pair: none is related), least faithful first:
    a few in full, the others a click away."""
    assert not any(p.counted for p in wide.quality.pairs)
    page = wide.to_html()
    ranked = [p.columns for p in sorted(wide.quality.pairs, key=lambda p: p.score or 0.0)]
    folded_at = page.index(f"The other {len(ranked) - FULL_PAIRS:,} pairs the score averages, least faithful first")
    pair = r"<tr><td>(c\d+) × (c\d+)</td>"
    assert re.findall(pair, page[:folded_at]) == ranked[:FULL_PAIRS]
    assert re.findall(pair, page[folded_at:]) == ranked[FULL_PAIRS:]


def test_a_table_of_few_columns_shows_every_column_as_a_card_in_its_order(report: Report) -> None:
    """The demo's 12 columns read as the table does, each with its chart."""
    page = report.to_html()
    assert _cards(page) == [c.name for c in report.quality.columns]
    assert "least faithful first; the others below" not in page


def _contents(page: str) -> list[tuple[str, str]]:
    nav = re.search(r"<nav class=\"contents[^>]*>(.*?)</nav>", page, re.S)
    assert nav is not None and page.index("<nav") < page.index("<h2")
    return re.findall(r'<a href="#([^"]+)">([^<]+)</a>', nav.group(1))


def test_a_wide_table_page_opens_with_links_to_its_sections(wide: Report, frames: dict[str, pd.DataFrame]) -> None:
    """Of a 1,000-column table the relations section began 45,000 px down and the warnings at the
    foot of the page: below the two scores, a link to every section, in page order."""
    page = wide.to_html()
    links = _contents(page)
    assert [anchor for anchor, _ in links] == re.findall(r"<h2 id=['\"]([^'\"]+)['\"]>", page)
    assert [anchor for anchor, _ in links] == [
        "privacy", "protections", "columns", "relations", "beyond-pairs", "how-measured"
    ]  # fmt: skip
    assert ("columns", "Columns (200, least faithful first)") in links
    gated = with_gates(evaluate(real=frames["train"], synthetic=frames["train"].assign(x="?")), Gates(min_quality=99))
    links = dict(_contents(gated.to_html()))
    assert links["gates"] == "Gates (1 failed)" and links["columns"] == f"Columns ({len(frames['train'].columns)})"
    assert links["how-measured"] == "How this was measured (1 warning)"


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_a_wide_table_page_stays_short_and_renders_without_errors(wide: Report) -> None:
    """200 columns made a 13,500 px page of 1.4 MB (its relations below 200 cards); the cards a
    reader needs first and folded tables keep it under 6,000 px."""
    root = "document.documentElement"
    probe = f"<script>document.body.dataset.height = {root}.scrollHeight</script>"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "report.html")
        path.write_text(wide.to_html().replace("</body>", probe + "</body>"), encoding="utf-8")
        cmd = [str(CHROMIUM), *FLAGS, f"--user-data-dir={Path(tmp, 'profile')}", "--dump-dom", path.as_uri()]
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    height = re.search(r'data-height="(\d+)"', run.stdout)
    assert height is not None, run.stdout[-500:]
    assert int(height.group(1)) < 6_000
    assert [line for line in run.stderr.splitlines() if ":CONSOLE" in line] == []


def test_the_per_column_protections_name_every_column_the_first_in_full(frames: dict[str, pd.DataFrame]) -> None:
    """The engine's per-column table stopped at 80 rows without a word: 20 of these 100 columns were
    not named, and a 1,000-column table's 80 rows stood above its column cards."""
    columns = {f"col{k:03d}": {"kind": "numeric", "learned": True} for k in range(100)}
    engine = {"rare_categories": "merged below 5 holders", "columns": columns}
    page = evaluate(
        real=frames["train"], synthetic=frames["train"].iloc[:300], protections={"engine": engine}
    ).to_html()
    named = re.findall(r"<tr><td>(col\d{3})</td><td>numeric</td>", page)
    assert named == [f"col{k:03d}" for k in range(100)]
    folded_at = page.index("The other 84 columns</summary>")
    assert page.index("<td>col015</td>") < folded_at < page.index("<td>col016</td>")


def test_the_per_column_protections_show_when_the_engine_reports_nothing_else(
    frames: dict[str, pd.DataFrame],
) -> None:
    """An engine entry of nothing but ``columns`` gave the protections table no row: the page said
    "No protections were reported for this run" and left out how each column was protected."""
    columns = {"age": {"kind": "numeric", "learned": True, "protection": {"clipped_to": [19, 90]}}}
    page = evaluate(
        real=frames["train"], synthetic=frames["train"].iloc[:300], protections={"engine": {"columns": columns}}
    ).to_html()
    assert "No protections were reported" not in page
    assert "<tr><td>age</td><td>numeric</td><td>learned</td><td class='small'>clipped_to=[19, 90]</td></tr>" in page


def _heatmap_svgs(page: str) -> list[str]:
    return re.findall(r'<svg [^>]*aria-label="(?:real|synthetic) associations">.*?</svg>', page, re.S)


def test_the_heatmaps_of_a_wide_table_draw_every_cell_in_a_fraction_of_the_weight(wide: Report) -> None:
    """A rect and a title per cell made the two maps of 40 columns 0.46 MB of a 0.73 MB page (1,000
    columns; 0.39 MB of these 200): a path per colour draws the 1,600 cells of each, and only the
    cells the maps differ on carry a title (none here: the synthetic rows are the real ones shuffled)."""
    maps = _heatmap_svgs(wide.to_html())
    assert len(maps) == 2
    assert sum(len(m.encode()) for m in maps) < 80_000  # 58 kB; 385 kB before
    for svg in maps:
        assert sum(d.count("M") for d in re.findall(r' d="([^"]+)"', svg)) == 40 * 40
        assert "<title>" not in svg.replace("…</text>", "")  # only cut labels carry their full name
    assert "hover a cell the maps differ on by 0.1 or more for both values" in wide.to_html()


@pytest.mark.parametrize("width", [3, 20])
def test_a_heatmap_cell_names_both_values_where_the_maps_differ_or_the_table_is_small(width: int) -> None:
    """Hovering a cell gave one map's value; the reader compares two. Of a table wider than 16
    columns only the cells that differ by 0.1 or more carry a title; a small table's every cell."""
    names = [f"c{k}" for k in range(width)]
    real = [[1.0 if i == j else 0.5 for j in range(width)] for i in range(width)]
    synthetic = [row[:] for row in real]
    synthetic[0][1] = synthetic[1][0] = 0.2  # differs by 0.3
    synthetic[0][2] = synthetic[2][0] = 0.45  # by 0.05
    svg = _svg.heatmap(Heatmap(columns=names, real=real, synthetic=synthetic), "synthetic")
    titles = re.findall(r"<title>([^<]+)</title>", svg)
    assert "c0 × c1: real 0.50, synthetic 0.20" in titles and "c1 × c0: real 0.50, synthetic 0.20" in titles
    assert len(titles) == (width * width if width <= FULL_COLUMNS else 2)
