"""Cells (cells.py): the labels a ``GROUP BY`` result holds one row per combination of come back
with each combination in one row at most (a null a group of its own), the first label in its
real shares; the same rows for any chunk size and after save and load; a refill takes the
combination of the row it replaces; a table whose labels are unique by chance has no cells."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synthpipe.engine import Synthesizer, unequal, unseen
from synthpipe.engine.calendars import Share
from synthpipe.engine.cells import chosen, combined, find
from synthpipe.errors import ArtifactError, ConfigError
from tests.unit.engine.conftest import grouped_counts, re_signed, sampled_after_save_and_load

SMALL = {"max_epochs": 4, "hidden_size": 16}
KEYS = ["country", "device", "channel"]


@pytest.fixture(scope="module")
def grouped() -> tuple[pd.DataFrame, Synthesizer]:
    data = grouped_counts()
    return data, Synthesizer(seed=0, **SMALL).fit(data)


def _repeated(rows: pd.DataFrame) -> int:
    return int(rows[KEYS].astype(str).duplicated().sum())  # a null channel as one value: GROUP BY's


def test_a_group_by_result_comes_back_one_row_per_combination_in_the_real_shares(
    grouped: tuple[pd.DataFrame, Synthesizer],
) -> None:
    """Drawn row by row, about a quarter of a GROUP BY's synthetic rows repeated a combination
    another row held; now none does, and redrawing a repeat's last labels first keeps the first
    label's shares (drawn anew as a whole, its rows went to the labels with cells still free)."""
    data, syn = grouped
    rows = syn.sample(len(data))
    assert syn.cell_columns == KEYS
    assert _repeated(rows) == 0 and rows["channel"].isna().any()
    assert any("one row per combination" in c for c in syn.describe()["constraints"])
    real, drawn = data["country"].value_counts(normalize=True), rows["country"].value_counts(normalize=True)
    assert real.subtract(drawn, fill_value=0).abs().sum() / 2 < 0.12
    assert rows["events"].median() == pytest.approx(data["events"].median(), rel=0.6)


def test_any_chunk_size_and_a_loaded_model_give_the_same_rows(
    grouped: tuple[pd.DataFrame, Synthesizer], tmp_path: Path
) -> None:
    data, syn = grouped
    whole = syn.sample(len(data))
    chunks = pd.concat(list(syn.sample_chunks(len(data), chunk_size=37)), ignore_index=True)
    assert chunks.equals(whole)
    assert sampled_after_save_and_load(syn, len(data), tmp_path / "model").equals(whole)
    assert not syn.sample(len(data), seed=1).equals(whole) and syn.sample(0).empty


def test_rows_asked_for_given_combinations_take_them_in_order(grouped: tuple[pd.DataFrame, Synthesizer]) -> None:
    """The privacy filters' refills drew fresh rows that took combinations the kept rows held; a
    refill takes the combination of the row it replaces instead."""
    _, syn = grouped
    first = syn.sample(40)
    freed = first[KEYS].iloc[[3, 7, 7, 20]]  # a refill round draws a row per place more than once
    again = syn.sample(len(freed), seed=5, key_start=0, calendar_values=freed)
    assert syn.calendar_keys == KEYS
    assert again[KEYS].astype(str).equals(freed.reset_index(drop=True).astype(str))
    assert syn.sample(len(freed), seed=5, key_start=0, calendar_values=freed).equals(again)  # seeded
    with pytest.raises(ConfigError, match="calendar_values must be a frame of 4 rows with the columns"):
        syn.sample(4, calendar_values=freed.drop(columns="device"))


def test_shards_sharing_a_stream_take_its_rows_combinations(grouped: tuple[pd.DataFrame, Synthesizer]) -> None:
    """The generate stage's shards each draw their share of one stream's combinations, so no two
    shards give one combination twice."""
    data, syn = grouped
    whole = syn.sample(len(data), seed=9)
    halves = [syn.sample(k, seed=s, calendar_share=Share(seed=9, rows=len(data), first=f))
              for k, s, f in ((150, 1, 0), (len(data) - 150, 2, 150))]  # fmt: skip
    both = pd.concat(halves, ignore_index=True)
    assert both[KEYS].astype(str).equals(whole[KEYS].astype(str)) and _repeated(both) == 0


def test_more_rows_than_the_model_reaches_repeat_some_and_say_so(
    grouped: tuple[pd.DataFrame, Synthesizer], caplog: pytest.LogCaptureFixture
) -> None:
    _, syn = grouped
    with caplog.at_level(logging.WARNING, logger="synthpipe"):
        rows = syn.sample(600)
    assert len(rows) == 600 and _repeated(rows) > 0
    assert "hold one row per combination" in caplog.text and "ask for fewer rows" in caplog.text


def test_labels_unique_by_chance_or_repeating_are_no_cells() -> None:
    """30 rows of three labels of ten values: chance puts no two on one combination in most such
    tables (0.4 pairs expected), so their uniqueness says nothing of a GROUP BY."""
    rng = np.random.default_rng(2)
    few = pd.DataFrame({c: rng.choice([f"{c}{k}" for k in range(10)], 30) for c in "abc"})
    few = few.drop_duplicates(ignore_index=True).assign(x=rng.normal(size=len(few.drop_duplicates())))
    assert Synthesizer(seed=0, **SMALL).fit(few).cell_columns == []
    repeating = pd.concat([grouped_counts()] * 2, ignore_index=True)
    assert Synthesizer(seed=0, **SMALL).fit(repeating).cell_columns == []


def test_find_takes_the_fewest_labels_unique_where_chance_expects_repeats() -> None:
    rng = np.random.default_rng(0)
    a, b = np.repeat(np.arange(20), 15), np.tile(np.arange(15), 20)  # 300 rows, every (a, b) once
    noise = rng.integers(0, 3, 300)
    exact = {"a": np.ones(20, bool), "b": np.ones(15, bool), "n": np.ones(3, bool)}
    assert find({"a": a, "b": b, "n": noise}, exact, min_rows=20) == ("a", "b")
    assert find({"a": a, "n": noise}, exact, min_rows=20) == ()
    merged = {"a": np.r_[np.ones(19, bool), False], "b": exact["b"], "n": exact["n"]}  # token 19: a rare one
    b_twice = np.where(a == 19, 0, b)  # the merged token's rows repeat a cell: they take no part
    assert find({"a": a, "b": b_twice, "n": noise}, merged, min_rows=20) == ("a", "b")


def test_a_group_by_of_five_or_six_keys_has_cells() -> None:
    """A factorial experiment of five factors (solder: 720 runs, each setting once) and a GROUP BY of
    six keys were no cells when a cell combined four labels at most: drawn one by one, their rows
    repeated combinations, and the privacy filters, judging them on their labels, kept them off the
    training rows' combinations (attack AUCs 0.30 and 0.15: not published)."""
    five = [np.arange(n) for n in (3, 2, 4, 10, 3)]
    six = [np.arange(n) for n in (2, 3, 2, 4, 2, 3)]
    for sizes in (five, six):
        grid = [g.ravel() for g in np.meshgrid(*sizes, indexing="ij")]
        names = [f"k{i}" for i in range(len(grid))]
        exact = {n: np.ones(s.size, bool) for n, s in zip(names, sizes, strict=True)}
        assert find(dict(zip(names, grid, strict=True)), exact, min_rows=20) == tuple(names)
        assert find(dict(zip(names[:-1], grid[:-1], strict=True)), exact, min_rows=20) == ()  # one key short


def test_chosen_redraws_repeats_given_their_first_labels_then_takes_free_cells() -> None:
    """A crossed design holds every cell; the model, drawing whole cells 64 times, still missed a
    few (Titanic: one of 32 twice), which now take the cells no row holds, none the model rules out."""
    rng = np.random.default_rng(1)
    exact = [np.ones(3, bool), np.ones(4, bool)]

    def draw(m: int, given: np.ndarray) -> np.ndarray:  # never draws the second label's last value
        first = given[:, 0] if given.shape[1] else rng.choice(3, m, p=[0.5, 0.3, 0.2])
        return np.column_stack([first, rng.integers(0, 3, m)]).astype(np.int32)

    rows, repeated = chosen(draw, 12, exact, rng)
    assert repeated == 0 and np.unique(combined(list(rows.T), [3, 4])).size == 12
    rows, repeated = chosen(draw, 14, exact, rng)  # 12 cells in all
    assert repeated == 2
    rows, repeated = chosen(draw, 12, exact, rng, allowed=lambda cells: ~((cells[:, 0] == 0) & (cells[:, 1] == 3)))
    assert repeated == 1 and not ((rows[:, 0] == 0) & (rows[:, 1] == 3)).any()


def test_a_model_whose_cells_are_not_drawn_first_is_refused(
    grouped: tuple[pd.DataFrame, Synthesizer], tmp_path: Path
) -> None:
    _, syn = grouped
    syn.save(tmp_path / "m")
    doc = json.loads((tmp_path / "m" / "model.json").read_text())
    doc["body"]["cells"] = ["device", "country"]  # not the chain's order
    re_signed(tmp_path / "m", doc)
    with pytest.raises(ArtifactError, match="cells the model does not draw first"):
        Synthesizer.load(tmp_path / "m")


def test_pairs_ruled_out_hold_when_the_chain_draws_their_second_column_first() -> None:
    """Cells and quotas head the chain, which may put a pair's second column before its first:
    the pair is then ruled out the other way (it indexed tokens not yet drawn: an IndexError on
    Computers, whose month heads the chain and never equals its speed)."""
    never = unseen.UnseenPairs("speed", "month", (0, 2), (1, 0))  # speed token 0 never with month 1, 2 with 0
    ((earlier, later, mask),) = unseen.exclusions([never], {"month": 0, "speed": 3}, {"speed": 3, "month": 2})
    assert (earlier, later) == (0, 3) and mask.shape == (2, 3) and mask[1, 0] and mask[0, 2] and mask.sum() == 2
    apart = unequal.Unequal("speed", "month", (1, -1, 0))  # speed token 0 is month token 1's value, 2 month 0's
    ((earlier, later, mapping),) = unequal.exclusions([apart], {"month": 0, "speed": 3}, {"speed": 3, "month": 2})
    assert (earlier, later) == (0, 3) and mapping.tolist() == [2, 0]
