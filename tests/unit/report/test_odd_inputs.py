"""Inputs a demanding user passes to evaluate(): each once crashed the report or made it say something false."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

from synthpipe.errors import ConfigError, SchemaError
from synthpipe.report import Gates, Grade, Report, evaluate, with_gates
from synthpipe.report._columns import NULL_TOKEN, describe_columns


def _table(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return pd.DataFrame({"x": x, "y": 2 * x + rng.normal(size=n), "g": np.where(x > 0, "hi", "lo")})


def test_two_columns_of_one_name_are_refused_by_name() -> None:
    """Columns ``1`` and ``"1"`` both read ``"1"``: evaluate failed inside pandas with
    ``'DataFrame' object has no attribute 'dtype'``."""
    real = pd.DataFrame({1: [1.0, 2.0, 3.0] * 20, "1": [4.0, 5.0, 6.0] * 20})
    with pytest.raises(SchemaError, match=r"more than one column named \['1'\]"):
        evaluate(real=real, synthetic=real)


def test_a_holdout_lacking_a_real_column_is_refused_not_graded_very_poor() -> None:
    """A holdout without ``x`` read as all-null there: every synthetic row lay nearer the training
    rows, and fresh real rows got privacy 0 "Very poor" with no warning."""
    train, fresh, holdout = _table(400, 1), _table(400, 2), _table(150, 3)
    with pytest.raises(SchemaError, match=r"holdout lacks real columns \['x'\]"):
        evaluate(real=train, synthetic=fresh, holdout=holdout.drop(columns=["x"]))


def test_a_one_row_holdout_shows_no_nan_ratio() -> None:
    """One holdout row leaves no second-nearest neighbour: the NNDR was NaN, which the page
    printed as "nan" next to a "fine" verdict."""
    train, fresh, holdout = _table(400, 1), _table(400, 2), _table(1, 3)
    report = evaluate(real=train, synthetic=fresh, holdout=holdout)
    assert report.privacy.nndr_synthetic is None and report.privacy.nndr_holdout is None
    page = report.to_html()
    assert "nan" not in page.lower().replace("nearest", "")
    json.loads(report.to_json(), parse_constant=lambda c: pytest.fail(f"{c} in report.json"))


def test_a_target_that_names_no_column_is_refused_with_the_closest_names() -> None:
    """``target="yy"`` dropped ML utility from the quality score and said only "no usable target column"."""
    with pytest.raises(ConfigError, match=r"target 'yy' is not a column of the real data; did you mean \['y'\]"):
        evaluate(real=_table(400, 1), synthetic=_table(400, 2), holdout=_table(150, 3), target="yy")


@pytest.mark.parametrize(
    ("column", "reason"),
    [
        ("key", "target key is identifier in the real data"),
        ("same", "target same is constant in the real data"),
        ("nothing", "target nothing is empty in the real data"),
        ("note", "target note has 40 classes in the real data; a target is a number or 2-20 classes"),
    ],
)
def test_a_given_target_that_cannot_be_predicted_says_why(column: str, reason: str) -> None:
    """A given key, constant or empty target read only "no usable target column"; a column of 400
    distinct notes was fitted as 400 classes (15 s), and as every synthetic and holdout note was a value
    the real rows never held, training on synthetic rows "scored" accuracy 1.0 beside 0.0 for real ones;
    past 20 classes a given target is refused as an automatic one is."""

    def table(n: int, seed: int) -> pd.DataFrame:
        notes = [f"note {i % 40}" for i in range(n)]
        return _table(n, seed).assign(key=[f"k{seed}-{i}" for i in range(n)], same=1, nothing=None, note=notes)

    report = evaluate(real=table(400, 1), synthetic=table(400, 2), holdout=table(150, 3), target=column)
    u = report.quality.utility
    assert (u.score, u.tstr, u.trtr) == (None, None, None) and u.note is not None and u.note.startswith(reason)
    assert reason in report.to_html()


@pytest.mark.parametrize("copied", [False, True])
def test_a_table_of_keys_only_has_no_privacy_score_and_no_copy_share(copied: bool) -> None:
    """Every row of a table of keys alone hashed alike: the report said 100% of the synthetic rows
    copied a training row and, beside it, privacy 100 "Excellent", fresh keys or real ones."""
    real = pd.DataFrame({"order_id": np.arange(1, 401)})
    synthetic = real.iloc[:300] if copied else pd.DataFrame({"order_id": np.arange(501, 801)})
    report = with_gates(evaluate(real=real.iloc[:300], synthetic=synthetic, holdout=real.iloc[300:]), Gates())
    p = report.privacy
    assert (p.score, p.grade, p.identical_share, p.dcr_share, p.mia_auc) == (None, Grade.NOT_MEASURED, None, None, None)
    assert p.note is not None and "no column is compared" in p.note
    assert all(g.passed and g.value is None for g in report.gates if g.gate != "min_quality")
    assert Report.model_validate_json(report.to_json()).privacy.score is None
    page = report.to_html()
    assert "Excellent" not in page and "100.00%" not in page


def test_synthetic_values_that_do_not_read_as_the_real_kind_are_named() -> None:
    """A synthetic date column of "not a date" scored 0 on its shape without a word (and 0% nulls);
    ±inf in a number column is a value, not unreadable."""
    rng = np.random.default_rng(0)
    n = 300
    real = pd.DataFrame({"x": rng.normal(size=n), "created": pd.date_range("2020-01-01", periods=n, freq="D")})
    synthetic = real.sample(frac=1.0, random_state=1).reset_index(drop=True)
    synthetic["x"] = synthetic["x"].astype(object)
    synthetic.loc[::5, "x"], synthetic.loc[1, "x"] = np.inf, "n/a"
    report = evaluate(real=real.iloc[:200], synthetic=synthetic.assign(created="not a date"), holdout=real.iloc[200:])
    assert report.warnings == [
        "synthetic column 'x': 1 of 300 values do not read as numeric as the real column's do (e.g. 'n/a'); "
        "compared as null",
        "synthetic column 'created': 300 of 300 values do not read as datetime as the real column's do "
        "(e.g. 'not a date'); compared as null",
    ]
    assert evaluate(real=real.iloc[:200], synthetic=real, holdout=real.iloc[200:]).warnings == []


@pytest.mark.parametrize(
    ("values", "kind", "score", "note"),
    [
        (
            [np.inf, -np.inf] * 100,
            "infinite",
            0.0,
            "only ±inf values in the real data (200 of 200 rows): compared as +inf, -inf, null or another value",
        ),
        (
            [np.inf, np.nan] * 100,
            "infinite",
            0.0,
            "only ±inf values in the real data (100 of 200 rows, the rest null): compared as +inf, -inf, null or "
            "another value",
        ),
        ([np.nan] * 200, "empty", None, "all null in the real data"),
    ],
)
def test_a_real_column_of_only_infinities_is_called_so_not_all_null(
    values: list[float], kind: str, score: float | None, note: str
) -> None:
    """A real column of only ±inf was called "all null in the real data", beside "nulls 0.0%" on its card."""
    real = _table(200, 1).assign(z=values)
    report = evaluate(real=real, synthetic=_table(200, 2).assign(z=1.0))
    (z,) = [c for c in report.quality.columns if c.name == "z"]
    assert (z.kind, z.score, z.note) == (kind, score, note)
    assert note in report.to_html()


@pytest.mark.parametrize(
    ("synthetic", "score"),
    [
        ([np.inf, -np.inf, np.inf] * 100, 1.0),  # the same infinities in the same shares
        (["inf", "-inf", "inf"] * 100, 1.0),  # as a CSV read as text writes them
        ([np.inf] * 300, 2 / 3),
        ([np.inf, -np.inf, np.nan] * 100, 2 / 3),
        ([np.nan] * 300, 0.0),
        ([1.0, 2.0, 3.0] * 100, 0.0),
    ],
)
def test_a_real_column_of_only_infinities_is_scored_on_its_infinities(synthetic: list[object], score: float) -> None:
    """Not compared, a column of only ±inf counted for nothing whatever the synthetic side held: a
    synthetic copy of nulls or of ordinary numbers lost no point. Scored as the shares of +inf,
    -inf, null and any other value (TV complement), as a constant column is."""
    real = _table(300, 1).assign(z=[np.inf, -np.inf, np.inf] * 100)
    report = evaluate(real=real, synthetic=_table(300, 2).assign(z=synthetic))
    (z,) = [c for c in report.quality.columns if c.name == "z"]
    assert (z.kind, z.metric) == ("infinite", "tv_complement")
    assert z.score == pytest.approx(score)
    assert z.distribution is not None and z.distribution.labels[:2] == ["+inf", "-inf"]
    assert z.distribution.real[:2] == pytest.approx([2 / 3, 1 / 3], abs=1e-4)


OTHER_KIND_G_AND_FLAG = [
    "synthetic column 'g': 299 of 300 values do not read as text as the real column's do (e.g. '0'); "
    "compared as categories the real data lacks",
    "synthetic column 'flag': 300 of 300 values do not read as true/false as the real column's do "
    "(e.g. 'yes'); compared as categories the real data lacks",
]


def test_synthetic_categories_of_another_kind_than_the_real_ones_are_named() -> None:
    """A bool column of "yes"/"no" and a category column of numbers scored 0 without a word, where a
    number or date column of unreadable values was named; an engine's "_RARE_" is text, as it should be."""
    real, synthetic = _table(300, 1), _table(300, 2)
    real["flag"], real["level"] = real.x > 0, (real.y > 0).astype(int)
    synthetic["flag"] = np.where(synthetic.x > 0, "yes", "no")
    synthetic["g"] = pd.Series(np.arange(300), dtype=object).where(np.arange(300) != 7, "_RARE_")
    synthetic["level"] = np.where(synthetic.y > 0, "one", "1")
    report = evaluate(real=real, synthetic=synthetic)
    assert report.warnings == [
        *OTHER_KIND_G_AND_FLAG,
        f"synthetic column 'level': {int((synthetic.y > 0).sum())} of 300 values do not read as numbers as the real "
        "column's do (e.g. 'one'); compared as categories the real data lacks",
    ]
    assert {c.name: c.score for c in report.quality.columns if c.name in ("g", "flag")} == {"g": 0.0, "flag": 0.0}
    as_text = real.assign(flag=real.flag.astype(str), level=real.level.astype(float), g=real.g.astype(object))
    assert evaluate(real=real, synthetic=as_text).warnings == []


def test_synthetic_text_of_another_kind_than_the_real_text_is_named() -> None:
    """Both sides held as text (pandas' ``str``, as a CSV read as text gives them): a label column whose
    synthetic values are digits and a "True"/"False" column written "yes"/"no" scored 0 without a word,
    since one storage type was taken to hold one kind of value."""
    real, synthetic = _table(300, 1), _table(300, 2)
    real["flag"] = (real.x > 0).astype(str)
    synthetic["flag"] = np.where(synthetic.x > 0, "yes", "no")
    synthetic["g"] = pd.Series(np.arange(300) % 4).astype(str).where(np.arange(300) != 7, "_RARE_")
    assert real.g.dtype == synthetic.g.dtype == real.flag.dtype == synthetic.flag.dtype == "str"
    report = evaluate(real=real, synthetic=synthetic)
    assert report.warnings == OTHER_KIND_G_AND_FLAG
    digits = real.assign(g=np.where(real.x > 0, "1", "2"))  # text that spells numbers: digits are its kind
    as_digits = synthetic.assign(flag=real.flag, g=synthetic.g.replace("_RARE_", "3"))
    assert evaluate(real=digits, synthetic=as_digits).warnings == []


def _kinds_of_flags(n: int, seed: int) -> pd.DataFrame:
    """0/1 and true/false columns, with and without nulls, and digits held as text."""
    rng = np.random.default_rng(seed)
    x, gaps = rng.normal(size=n), rng.random(n) < 0.1
    return pd.DataFrame(
        {
            "x": x,
            "level": (x > 0).astype(int),
            "level_na": pd.array(np.where(gaps, None, (x > 0.3).astype(int)), dtype="Int64"),
            "flag": x > 0.2,
            "flag_na": pd.Series(np.where(gaps, None, x > -0.2), dtype=object),
            "digits": rng.choice(["1", "2", "3", "10"], n).astype(object),
        }
    )


_ROUND_TRIPS = {
    "read back by read_csv": lambda f: pd.read_csv(io.StringIO(f.to_csv(index=False))),
    "read back as text": lambda f: pd.read_csv(io.StringIO(f.to_csv(index=False)), dtype=str),
    "astype(str)": lambda f: f.astype(str),
    "integers as float text": lambda f: f.assign(
        level=f.level.astype(float).astype(str), level_na=f.level_na.astype("Float64").astype(str)
    ),
    "bools as JSON and PostgreSQL write them": lambda f: f.assign(
        flag=f.flag.map({True: "true", False: "false"}), flag_na=f.flag_na.map({True: "t", False: "f"})
    ),
    "bools as SQLite holds them": lambda f: f.assign(flag=f.flag.astype(int)),
}


@pytest.mark.parametrize("trip", list(_ROUND_TRIPS))
def test_a_copy_of_the_real_rows_written_as_text_scores_as_the_copy_it_is(trip: str) -> None:
    """A 0/1 column whose synthetic values came as the text "1.0"/"0.0" (integers with nulls are
    written as floats) scored 0 as two categories the real data lacks, and so did a bool column
    written "true"/"false", without a warning; and where read_csv made digits int64 (or text made
    a 0/1 column text) the rows hashed otherwise, so a copy of every training row held no copy."""
    real = _kinds_of_flags(300, 1)
    report = evaluate(real=real, synthetic=_ROUND_TRIPS[trip](real), holdout=_kinds_of_flags(100, 2))
    assert {c.name: c.score for c in report.quality.columns} == dict.fromkeys(real.columns, 1.0)
    assert report.warnings == []
    assert report.privacy.identical_share == 1.0


def test_text_read_as_the_real_values_makes_no_two_different_values_one() -> None:
    """Reading synthetic text as numbers or bools joins only spellings of one value: text written
    otherwise than the report writes numbers ("1.10" beside "1.1") stays text, a bool is no number
    in a 0/1 column, "None" is a category of a text column, not its null, and a column of words
    reads no text as a number or a null."""
    real = pd.DataFrame(
        {
            "level": [0, 1] * 30,
            "flag": [True, False] * 30,
            "version": ["1.1", "1.10", "2.0"] * 20,
            "tag": ["None", "x", "y"] * 20,
            "answer": ["yes", "no", "no"] * 20,
        }
    )
    columns = {c.name: c for c in describe_columns(real)}
    read = {
        "level": ["1", " 1 ", "1e0", "nan", "1.5", "True", "one"],
        "flag": ["TRUE", "t", 0, "1.0", None, "yes", "2"],
        "version": [1.1, "1.10", "2", 2.0, "None", None, "3"],
        "tag": ["None", None, "nan", "x", "y", "z", "<NA>"],
        "answer": ["nan", "1.0", 1.0, True, "", "yes", "NO"],
    }
    labels = {name: list(columns[name].labels(pd.Series(values, dtype=object))) for name, values in read.items()}
    assert labels == {
        "level": ["1", "1", "1", NULL_TOKEN, "1.5", "True", "one"],
        "flag": ["True", "True", "False", "True", NULL_TOKEN, "yes", "2"],
        "version": ["1.1", "1.10", "2", "2.0", "None", NULL_TOKEN, "3"],
        "tag": ["None", NULL_TOKEN, "nan", "x", "y", "z", "<NA>"],
        "answer": ["nan", "1.0", "1.0", "True", "", "yes", "NO"],
    }


def test_a_text_column_of_numbers_read_back_as_floats_says_which_values_were_merged() -> None:
    """A version column read back with ``pd.read_csv`` becomes floats, so "1.1" and "1.10" are one
    value. The warning said "values do not read as text as the real column's do (e.g. '2.0')",
    though 2.0 is what "2.0" reads as; now 2.0 is "2.0" again and the warning names the texts lost."""
    real = pd.DataFrame({"version": ["1.1", "1.1", "1.10", "2.0"] * 75, "x": np.arange(300.0)})
    synthetic = pd.read_csv(io.StringIO(real.to_csv(index=False)))
    report = evaluate(real=real, synthetic=synthetic, holdout=real.iloc[:60])
    assert report.warnings == [
        "synthetic column 'version': 225 of 300 values are numbers that several of the real column's texts spell "
        "('1.1' and '1.10' are both 1.1), so which text each was is lost; compared as categories the real data "
        "lacks. If the synthetic data was read from a CSV, read this column as text: "
        "pd.read_csv(path, dtype={'version': str})"
    ]
    version = next(c for c in report.quality.columns if c.name == "version")
    assert version.distribution is not None
    shares = dict(zip(version.distribution.labels, version.distribution.synthetic, strict=True))
    assert shares == {"1.1": 0.0, "1.10": 0.0, "2.0": 0.25}


def test_nulls_written_as_text_count_as_nulls_on_the_cards() -> None:
    """A frame written out with ``str`` per value (nulls as "nan", "<NA>", "NaT") scored 1.0 on every
    column, its nulls read as nulls, while each card said the synthetic column held no null."""
    real = _kinds_of_flags(300, 1).assign(
        x=lambda f: f.x.where(f.x > -1), day=pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(300) % 50, "D")
    )
    real.loc[::7, "day"] = pd.NaT
    report = evaluate(real=real, synthetic=real.apply(lambda column: column.map(str)), holdout=real.iloc[:60])
    shares = {c.name: (c.null_share_real, c.null_share_synthetic) for c in report.quality.columns}
    assert [name for name, (in_real, _) in shares.items() if in_real > 0] == ["x", "level_na", "flag_na", "day"]
    assert all(in_real == in_synthetic for in_real, in_synthetic in shares.values()), shares


def test_numbers_written_as_text_are_compared_as_numbers() -> None:
    """As the engine learns them: compared as categories, 1,000 amounts were 1,000 rare labels (an
    identifier, left out of the quality score)."""
    rng = np.random.default_rng(0)
    real = pd.DataFrame(
        {"amount": [f"{v:.2f}" for v in rng.gamma(2, 30, 1000)], "code": rng.choice(["1.10", "1.2"], 1000)}
    )
    kinds = {c.name: c.kind.value for c in describe_columns(real)}
    assert kinds == {"amount": "numeric", "code": "categorical"}


def test_formatted_amounts_and_durations_written_as_text_are_compared_as_numbers() -> None:
    """As the engine learns them (``number_formats``, ``text_durations``): ``'$1,234.50'`` and
    ``'47:15:24'`` were 1,000 rare labels each, outside the quality score; a synthetic copy of them
    now scores as one."""
    rng = np.random.default_rng(0)
    values = rng.gamma(2, 3000, 1000)
    real = pd.DataFrame(
        {
            "price": [f"${v:,.2f}" for v in values],
            "took": [f"{int(v) // 60:02d}:{int(v) % 60:02d}:{int(v * 7) % 60:02d}" for v in values],
            "x": rng.normal(size=1000),
        }
    )
    kinds = {c.name: c.kind.value for c in describe_columns(real)}
    assert kinds == {"price": "numeric", "took": "numeric", "x": "numeric"}
    report = evaluate(real=real.iloc[:500], synthetic=real.iloc[500:].reset_index(drop=True))
    scores = {c.name: (c.kind, c.score) for c in report.quality.columns}
    assert scores["price"][0] == scores["took"][0] == "numeric"
    assert scores["price"][1] > 0.85 and scores["took"][1] > 0.85  # two halves of one sample


def test_missing_values_written_as_text_are_compared_as_nulls_of_numbers_and_dates() -> None:
    """As the engine learns them (``text_missing``): an export's ``tax`` of ``'3.49'`` and ``'N/A'``
    and its ``shipped_at`` dates, empty while unshipped, were compared as 1,000 rare labels."""
    rng = np.random.default_rng(0)
    stamps = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.uniform(0, 500, 1000), unit="D")
    real = pd.DataFrame(
        {
            "tax": ["N/A" if i % 10 == 0 else f"{v:.2f}" for i, v in enumerate(rng.gamma(2, 3, 1000))],
            "shipped": ["" if i % 8 == 0 else t.strftime("%d/%m/%Y %H:%M") for i, t in enumerate(stamps)],
            "x": rng.normal(size=1000),
        }
    )
    report = evaluate(real=real.iloc[:500], synthetic=real.iloc[500:].reset_index(drop=True))
    columns = {c.name: c for c in report.quality.columns}
    assert (columns["tax"].kind, columns["shipped"].kind) == ("numeric", "datetime")
    assert columns["tax"].null_share_real == pytest.approx(0.1, abs=0.02)
    assert columns["shipped"].null_share_synthetic == pytest.approx(0.125, abs=0.02)
    assert columns["tax"].score > 0.85 and columns["shipped"].score > 0.85  # two halves of one sample


def test_negatives_in_parentheses_are_compared_as_numbers() -> None:
    """An accounting export's refunds (``'($12.50)'`` beside ``'$43.66'``) made the column 1,000
    rare labels, outside the quality score, as the engine learned it before (``number_formats``)."""
    rng = np.random.default_rng(0)
    real = pd.DataFrame(
        {
            "total": [f"(${-v:,.2f})" if v < 0 else f"${v:,.2f}" for v in rng.normal(40, 60, 1000)],
            "x": rng.normal(size=1000),
        }
    )
    report = evaluate(real=real.iloc[:500], synthetic=real.iloc[500:].reset_index(drop=True))
    total = next(c for c in report.quality.columns if c.name == "total")
    assert total.kind == "numeric" and total.score > 0.85  # two halves of one sample
