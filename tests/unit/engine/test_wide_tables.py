"""A wide table's analysis: every search over pairs of columns first rules out, for many pairs at
once, the pairs its exact test would reject, and finds what the pair-by-pair search found (a date's
parts, a date's anchor, dependencies, unseen pairs, bands, sums, panels), trying few pairs at length.
The exact tests are spied on (they still run); samples stay bit-identical (checked by the lead's md5s)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

from synthpipe.engine import Synthesizer, bands, calendars, constraints, dateparts, dependencies, unseen
from synthpipe.engine.codecs import build_codecs
from synthpipe.engine.codecs.numeric import NumericCodec
from synthpipe.engine.codecs.offset import find_anchors
from synthpipe.engine.config import EngineConfig

ROWS = 400
WIDTH = 40  # columns of each kind
DAY_NS = 86_400 * 10**9


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Any, str], list[int]]]:
    """Counts the calls of a module's function, which still runs: ``count = calls(module, name)``."""

    def spy(module: Any, name: str) -> list[int]:
        count = [0]
        real = getattr(module, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            count[0] += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, counted)
        return count

    yield spy


def _dates(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """``WIDTH`` unrelated dates over two years (wall-clock ns), a tenth of one's rows null."""
    times = {f"date_{k}": ((18_500 + rng.integers(0, 730, ROWS)) * DAY_NS).astype("float64") for k in range(WIDTH)}
    times["date_3"][rng.random(ROWS) < 0.1] = np.nan
    return times


def test_a_wide_tables_date_parts_are_found_with_few_exact_tests(calls: Callable[[Any, str], list[int]]) -> None:
    rng = np.random.default_rng(0)
    times = _dates(rng)
    times["day_of_5"] = np.floor(times["date_5"] / DAY_NS) * DAY_NS + 0.0
    times["date_5"] = times["date_5"] + rng.integers(0, 86_400, ROWS) * 1e9  # a timestamp; its day cut
    numbers = {f"num_{k}": rng.integers(0, 12, ROWS).astype("float64") for k in range(WIDTH)}
    numbers["month_of_7"] = dateparts.part_values("month({})", times["date_7"])
    numbers["year_of_3"] = np.where(
        np.isnan(times["date_3"]), 2021.0, dateparts.part_values("year({})", times["date_3"])
    )
    numbers["fiscal_of_9"] = dateparts.part_values("year({} + 6 months)", times["date_9"])
    numbers["fiscal_of_9"][5] += 1  # a slip on the probe: one is allowed there, not on all rows (400 < 1,000)
    labels = {f"label_{k}": rng.choice(np.array(["a", "January", "Mon"], dtype=object), ROWS) for k in range(WIDTH)}
    labels["weekday_of_11"] = dateparts.PARTS["dayname({})"](times["date_11"]).astype(object)
    labels["ym_of_3"] = np.full(ROWS, "2020-01", dtype=object)  # null where date_3 is: known on its rows
    dated = ~np.isnan(times["date_3"])
    labels["ym_of_3"][dated] = dateparts.PARTS["strftime({}, '%Y-%m')"](times["date_3"][dated])
    equal = calls(dateparts, "_equal")

    found = dateparts.detect(times, numbers, 20) + dateparts.detect_text(times, labels, 20)

    assert {str(p) for p in found} == {
        "day_of_5 == date_trunc('day', date_5)",
        "month_of_7 == month(date_7)",
        "year_of_3 == year(date_3)",
        "weekday_of_11 == dayname(date_11)",
        "ym_of_3 == strftime(date_3, '%Y-%m')",
    }
    assert equal[0] <= 10  # 41 dates x (41 numbers x 36 parts + 42 labels x 7 parts) pair by pair
    years = dateparts.year_anchors(times, numbers, 20)
    assert {date: str(p) for date, p in years.items()} == {"date_3": "year_of_3 == year(date_3)"}


def test_a_dates_hidden_parts_test_few_columns_one_by_one(calls: Callable[[Any, str], list[int]]) -> None:
    rng = np.random.default_rng(1)
    ns = (rng.integers(0, 3 * 365, 3000) * DAY_NS + rng.integers(0, 86_400, 3000) * 1e9 + 1.5e18).astype("float64")
    others = [rng.integers(-1, 6, ns.size) for _ in range(3 * WIDTH)]
    weekend = dateparts.part_values(dateparts.WEEKDAY, ns) >= 5
    others.append(np.where(weekend & (rng.random(ns.size) < 0.5), 1, rng.integers(0, 3, ns.size)))  # app orders
    tests = calls(dateparts.chi2, "sf")

    parts = dateparts.hidden_parts(ns, others, (dateparts.MONTH, dateparts.WEEKDAY, dateparts.HOUR))

    assert parts == [dateparts.WEEKDAY]
    assert tests[0] <= 8  # one column at a time: 121 columns x 3 parts


def test_a_wide_tables_date_anchor_is_found_with_few_quantiles(
    calls: Callable[[Any, str], list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(2)
    frame = pd.DataFrame(
        {
            f"d{k}": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 365, ROWS), unit="D")
            for k in range(WIDTH)
        }
    )
    frame["shipped"] = frame["d4"] + pd.to_timedelta(rng.integers(0, 3, ROWS), unit="D")
    frame["ordered_again"] = frame["d4"]  # as close as d4: the first of the closest is kept
    codecs = build_codecs(frame, EngineConfig())
    numeric = {i: c for i, c in enumerate(codecs) if isinstance(c, NumericCodec)}
    quantiles = calls(np, "quantile")

    anchors = find_anchors(frame, numeric, 20)

    names = {frame.columns[b]: frame.columns[a] for b, a in anchors.items()}
    assert names == {"shipped": "d4", "ordered_again": "d4"}
    assert quantiles[0] <= 4 * len(frame.columns)  # two a pair: 3,300


def _categorical_codecs(frame: pd.DataFrame) -> tuple[list[Any], dict[int, np.ndarray]]:
    codecs = build_codecs(frame, EngineConfig())
    return codecs, {i: c.encode(frame.iloc[:, i]).astype(np.int64) for i, c in enumerate(codecs)}


def test_a_wide_tables_dependencies_are_found_with_few_exact_tests(calls: Callable[[Any, str], list[int]]) -> None:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({f"label_{k}": rng.choice(list("abcde")[: 2 + k % 4], ROWS) for k in range(2 * WIDTH)})
    frame["city"] = rng.choice(["Lyon", "Paris", "Rome", "Milan", "Turin"], ROWS)
    frame["country"] = frame["city"].map({"Lyon": "FR", "Paris": "FR", "Rome": "IT", "Milan": "IT", "Turin": "IT"})
    codecs, tokens = _categorical_codecs(frame)
    mappings = calls(dependencies, "_mapping")

    found = dependencies.detect(tokens, codecs, 20)

    assert [str(d) for d in found] == ["city determines country"]
    assert mappings[0] <= 5  # 82 x 81 pairs


def test_a_wide_tables_unseen_pairs_are_found_with_few_exact_counts(calls: Callable[[Any, str], list[int]]) -> None:
    rng = np.random.default_rng(4)
    tokens = {k: rng.integers(0, 2 + k % 4, ROWS) for k in range(2 * WIDTH)}
    tokens[2 * WIDTH] = rng.integers(0, 40, ROWS)  # a binned number: no cell expects 20 rows
    same_day = rng.integers(0, 2, ROWS)
    tokens[2 * WIDTH + 1] = same_day
    tokens[2 * WIDTH + 2] = np.where(same_day == 1, 0, rng.integers(0, 3, ROWS))  # shipped the same day: no delay
    names = {k: f"c{k}" for k in tokens}
    sizes = {k: int(t.max()) + 1 for k, t in tokens.items()}
    counted = calls(unseen, "_unseen_cells")

    found = unseen.detect(tokens, names, sizes, 20)

    assert [(p.first, p.second, p.first_tokens, p.second_tokens) for p in found] == [
        (f"c{2 * WIDTH + 1}", f"c{2 * WIDTH + 2}", (1, 1), (1, 2))
    ]
    assert counted[0] <= 3  # 83 x 82 / 2 pairs


def test_a_wide_tables_bands_are_found_with_few_exact_tests(calls: Callable[[Any, str], list[int]]) -> None:
    rng = np.random.default_rng(5)
    numbers = {f"num_{k}": rng.normal(size=ROWS) for k in range(WIDTH)}
    numbers["age"] = rng.integers(18, 80, ROWS).astype("float64")
    labels = {f"label_{k}": rng.integers(0, 2 + k % 4, ROWS) for k in range(WIDTH)}
    labels["age_group"] = np.searchsorted([30.0, 50.0], numbers["age"], side="right")
    starts = calls(bands, "_band_starts")

    found = bands.detect(numbers, labels, 20)

    assert [(b.number, b.label, b.cuts) for b in found] == [("age", "age_group", (30.0, 50.0))]
    assert starts[0] <= 3  # 41 x 41 pairs


def test_a_wide_tables_sums_are_found_with_few_exact_tests(calls: Callable[[Any, str], list[int]]) -> None:
    rng = np.random.default_rng(6)
    views = {f"amount_{k}": np.round(rng.lognormal(3, 1, ROWS), 2) for k in range(2 * WIDTH)}
    views["sparse"] = np.where(rng.random(ROWS) < 0.9, 0.0, rng.integers(1, 9, ROWS).astype("float64"))
    views["gross"] = views["amount_3"] + views["amount_17"]
    domains = dict.fromkeys(views, "number")
    probed = calls(constraints, "_probe_matches")

    found = constraints.detect_sums(views, domains, 20)

    assert [str(s) for s in found] == ["gross == amount_3 + amount_17"]
    assert probed[0] <= 100  # 83 x 82 / 2 pairs; sums of cents meet some column on one row by chance


def test_a_wide_tables_relations_are_found_with_few_exact_tests(calls: Callable[[Any, str], list[int]]) -> None:
    rng = np.random.default_rng(9)
    views = {f"amount_{k}": rng.normal(size=ROWS) for k in range(2 * WIDTH)}
    views["low"] = np.where(rng.random(ROWS) < 0.2, np.nan, views["amount_5"] - rng.exponential(size=ROWS))
    views["high"] = views["amount_5"] + rng.exponential(size=ROWS)
    domains = dict.fromkeys(views, "number")
    tried = calls(constraints, "_relations")

    found = constraints.detect(views, domains, 20)

    assert [str(r) for r in found] == ["low <= amount_5", "amount_5 <= high", "low <= high"]
    assert tried[0] <= 5  # 82 x 81 / 2 pairs


def test_early_repeats_tell_every_combination_as_sorting_its_rows_does() -> None:
    rng = np.random.default_rng(7)
    for trial in range(60):
        n = int(rng.integers(0, 300))
        values = (rng.integers(0, int(rng.integers(1, 400)), n)).astype("float64")
        values[rng.random(n) < 0.05] = np.nan  # never equal: no repeat
        codes = {f"l{j}": rng.integers(0, int(rng.integers(1, 6)), n) for j in range(4)}
        codes["store"] = np.arange(n) % int(rng.integers(1, 80))
        repeats = calendars.early_repeats(values, codes)
        for names in itertools.chain.from_iterable(itertools.combinations(codes, k) for k in (1, 2, 3)):
            pairs = list(zip(values.tolist(), zip(*(codes[name].tolist() for name in names), strict=True), strict=True))
            held = {p for p in pairs if p[0] == p[0]}  # NaN != NaN
            segments = len(set(pairs[i][1] for i in range(n)))
            twice = len(held) < sum(p[0] == p[0] for p in pairs)
            if segments <= calendars.MAX_SEGMENTS:  # more: no panel, whatever it answers
                assert repeats(names) == twice, (trial, names)


def test_a_wide_tables_dates_try_few_panels(calls: Callable[[Any, str], list[int]]) -> None:
    rng = np.random.default_rng(8)
    frame = pd.DataFrame(
        {
            f"date_{k}": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, ROWS), unit="D")
            for k in range(12)
        }
    )
    frame = frame.assign(**{f"label_{k}": rng.choice(list("abc"), ROWS) for k in range(12)})
    frame["day"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(ROWS) // 4, unit="D")  # the last date
    frame["store"] = np.tile(["north", "south", "east", "west"], ROWS // 4)
    frame["sales"] = rng.normal(100, 10, ROWS)
    panels = calls(calendars, "detect_panel")

    model = Synthesizer(seed=0, max_epochs=1).fit(frame)

    assert model._panel is not None and model._panel.segments == ("store",)
    assert panels[0] <= 3  # 13 dates x 13 labels, each sorting the rows
