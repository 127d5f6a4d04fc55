"""Numbers and durations written as formatted text (``'$1,234.50'``, ``'77.1%'``, ``'47:15:24'``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synthpipe.engine import Synthesizer, text_missing
from synthpipe.engine.number_formats import detect
from synthpipe.errors import ArtifactError
from synthpipe.report._columns import describe_columns
from tests.unit.engine.conftest import re_signed, sampled_after_save_and_load

N = 1500


def _amounts(seed: int = 0) -> np.ndarray:
    return np.round(np.random.default_rng(seed).lognormal(6, 1.2, N), 2)


FORMATTED = {
    "dollars": ([f"${a:,.2f}" for a in _amounts()], r"\$\d{1,3}(,\d{3})*\.\d{2}"),
    "signed": ([f"-${-a:,.2f}" if a < 0 else f"${a:,.2f}" for a in _amounts() - 500], r"-?\$\d{1,3}(,\d{3})*\.\d{2}"),
    "euro_comma": (
        [f"{a:,.2f} €".replace(",", "_").replace(".", ",").replace("_", ".") for a in _amounts()],
        r"\d{1,3}(\.\d{3})*,\d{2} €",
    ),
    "thin_space": (
        [f"{a:,.2f}".replace(",", "\u202f").replace(".", ",") for a in 10 * _amounts()],
        "\\d{1,3}(\u202f\\d{3})*,\\d{2}",
    ),
    "swiss": ([f"CHF {a:,.0f}".replace(",", "'") for a in 10 * _amounts()], r"CHF \d{1,3}('\d{3})*"),
    "code": ([f"USD {a:.2f}" for a in _amounts()], r"USD \d+\.\d{2}"),
    "percent": ([f"{p:.1f}%" for p in np.random.default_rng(1).uniform(0, 100, N)], r"\d{1,3}\.\d%"),
    "weight": ([f"{w:.1f} kg" for w in np.random.default_rng(2).normal(70, 12, N)], r"\d+\.\d kg"),
    "accounts": (  # a refund in parentheses, as accounting exports write it, came back '($2*.**)'
        [f"(${-a:,.2f})" if a < 0 else f"${a:,.2f}" for a in _amounts() - 300],
        r"\$\d{1,3}(,\d{3})*\.\d{2}|\(\$\d{1,3}(,\d{3})*\.\d{2}\)",
    ),
    "accounts_plain": (
        [f"({-a:.2f})" if a < 0 else f"{a:.2f}" for a in _amounts() - 300],
        r"\d+\.\d{2}|\(\d+\.\d{2}\)",
    ),
    "dollars_bare": (  # trailing zeros dropped ('$36.7', '$36'), as JavaScript writes: came back '$12*.**'
        [f"${a:,.2f}".rstrip("0").rstrip(".") for a in np.round(_amounts(), 1)],
        r"\$\d{1,3}(,\d{3})*(\.\d?[1-9])?",
    ),
    "percent_bare": (
        [f"{p:g}%" for p in np.round(np.random.default_rng(1).uniform(0, 100, N), 1)],
        r"\d{1,3}(\.[1-9])?%",
    ),
}


@pytest.mark.parametrize("name", sorted(FORMATTED))
def test_formatted_amounts_are_learned_as_numbers_and_written_back_in_their_format(name: str) -> None:
    """3,000 prices kept as text (a CSV or spreadsheet export) were 3,000 labels held by one row
    each: privacy masked them and the synthetic column read ``'$***.**'`` and ``'_RARE_'``."""
    values, layout = FORMATTED[name]
    real = pd.DataFrame({name: values, "other": np.random.default_rng(3).normal(size=N)})
    syn = Synthesizer(seed=0, max_epochs=3).fit(real)
    out = syn.sample(N)[name]
    assert syn.describe()["columns"][name]["kind"] == "numeric"
    example = syn.describe()["columns"][name]["written_as"]  # shown in the report's per-column table
    written = detect(real[name])
    assert written is not None and float(written.plain(pd.Series([example]))[0]) == pytest.approx(1234.5678, abs=0.6)
    assert out.dtype == real[name].dtype and out.str.fullmatch(layout).all()
    parsed, real_parsed = _parsed(out, name), _parsed(real[name], name)
    assert out.nunique() > N // 3  # drawn, not a few masked labels
    assert (real_parsed < 0).any() == (parsed < 0).any()  # negatives written back as written
    assert np.median(parsed) == pytest.approx(np.median(real_parsed), rel=0.15)


def _parsed(values: pd.Series, name: str) -> np.ndarray:
    fmt = detect(values)
    assert fmt is not None, name
    return pd.to_numeric(fmt.plain(values)).to_numpy()


def _spouse_incomes(rows: int = 4000) -> pd.DataFrame:
    """A spreadsheet export: ``spouse_income`` is ``'N/A'`` for single people, a real null for 15 %
    of married ones (they did not say), ``'N/A'`` for half the divorced ones, an amount otherwise."""
    rng = np.random.default_rng(5)
    status = rng.choice(["single", "married", "divorced"], rows, p=[0.4, 0.45, 0.15])
    amounts, draws = np.round(rng.lognormal(10.8, 0.4, rows), -2), rng.random(rows)
    spouse = [
        "N/A" if s == "single" or (s == "divorced" and k < 0.5) else None if s == "married" and k < 0.15 else f"{a:.2f}"
        for s, k, a in zip(status, draws, amounts, strict=True)
    ]
    return pd.DataFrame({"marital_status": status, "age": rng.integers(18, 80, rows), "spouse_income": spouse})


def _kind_shares(frame: pd.DataFrame) -> pd.DataFrame:
    """Per marital status, the share of its rows whose spouse income is ``'N/A'``, null, or an amount."""
    income = frame["spouse_income"]
    kind = np.where(income.isna(), "null", np.where(income == "N/A", "N/A", "amount"))
    return pd.crosstab(frame["marital_status"], kind, normalize="index")


def test_the_kind_of_a_missing_value_follows_its_row(tmp_path: Path) -> None:
    """Drawn by its share alone, 12 % of synthetic single people got a null spouse income and 13 %
    of married ones an ``'N/A'``, which no real row holds: the kind is learned with the row."""
    real = _spouse_incomes()
    syn = Synthesizer(seed=0).fit(real)
    out = sampled_after_save_and_load(syn, len(real), tmp_path / "model")
    assert list(out.columns) == list(real.columns) and set(syn.describe()["columns"]) == set(real.columns)
    chunks = pd.concat(syn.sample_chunks(len(real), chunk_size=700)).reset_index(drop=True)
    assert chunks.equals(out.reset_index(drop=True))
    shares, held = _kind_shares(out), _kind_shares(real)
    assert shares.loc["single", "N/A"] > 0.98 and shares.loc["married", "N/A"] < 0.01, shares
    assert shares.loc[["single", "divorced"], "null"].max() < 0.01, shares
    assert shares.loc["married", "null"] == pytest.approx(held.loc["married", "null"], abs=0.04), shares
    assert shares.loc["divorced", "N/A"] == pytest.approx(held.loc["divorced", "N/A"], abs=0.08), shares
    for kind in ("N/A", None):
        found, had = (
            (out["spouse_income"].isna(), real["spouse_income"].isna())
            if kind is None
            else (
                out["spouse_income"] == kind,
                real["spouse_income"] == kind,
            )
        )
        assert found.mean() == pytest.approx(had.mean(), abs=0.02), kind
    amounts = out["spouse_income"].dropna()
    assert amounts[amounts != "N/A"].str.fullmatch(r"\d+\.00").all()


def test_a_kind_label_that_names_no_label_column_of_its_kinds_is_refused(tmp_path: Path) -> None:
    syn = Synthesizer(seed=0, max_epochs=2).fit(_spouse_incomes(1000))
    syn.save(tmp_path / "model")
    doc = json.loads((tmp_path / "model" / "model.json").read_text())
    assert doc["body"]["kind_labels"] == {"spouse_income": "spouse_income (missing kind)"}
    for label in ("marital_status", "spouse_income", "age"):  # a column the model emits: its values as tokens
        doc["body"]["kind_labels"]["spouse_income"] = label
        re_signed(tmp_path / "model", doc)
        with pytest.raises(ArtifactError):
            Synthesizer.load(tmp_path / "model")


@pytest.mark.parametrize(
    "values",
    [
        [f"SKU-{i}" for i in range(100, 400)],  # a code with a prefix, no currency
        [f"{i}A" for i in range(100, 400)],  # flat numbers
        [f"{i:05d}" for i in range(1000, 1300)],  # zip codes
        [f"555-{i:04d}" for i in range(300)],  # phone numbers
        [f"10.0.{i % 250}.{i % 7}" for i in range(300)],  # addresses
        [f"1.{i % 20}.{i % 9}" for i in range(300)],  # versions
        [f"{i / 2:.2f}%" if i % 2 else f"{i / 2:g}%" for i in range(300)],  # "0.50%" beside "1%": no one format
        [str(i) for i in range(1000, 1300)],  # whole numbers alone are codes as often as counts
        ["12.50", "3.75", "100.00"] * 100,  # plain number text: frames.number_text_type's
        [f"({i})" if i % 3 else str(i) for i in range(300)],  # whole numbers in parentheses: area codes?
        [f"({i % 900 + 100}) 555-{i:04d}" for i in range(300)],  # phone numbers with an area code
        [f"(${i}.50)" if i % 2 else f"-${i}.50" for i in range(300)],  # two ways of writing a negative
    ],
)
def test_text_that_is_no_formatted_amount_is_left_alone(values: list[str]) -> None:
    assert detect(pd.Series(values)) is None


def test_nulls_and_string_dtype_are_kept_and_a_tampered_format_is_refused(tmp_path: Path) -> None:
    amounts = _amounts()
    real = pd.DataFrame(
        {
            "price": pd.Series([None if i % 10 == 0 else f"€{a:,.2f}" for i, a in enumerate(amounts)], dtype="string"),
            "other": np.random.default_rng(3).normal(size=N),
        }
    )
    syn = Synthesizer(seed=0, max_epochs=3).fit(real)
    out = sampled_after_save_and_load(syn, N, tmp_path / "model")
    assert out["price"].dtype == real["price"].dtype
    assert out["price"].isna().mean() == pytest.approx(0.1, abs=0.03)
    assert out["price"].dropna().str.fullmatch(r"€\d{1,3}(,\d{3})*\.\d{2}").all()
    doc = json.loads((tmp_path / "model" / "model.json").read_text())
    doc["body"]["number_formats"]["price"]["prefix"] = "<script>"
    re_signed(tmp_path / "model", doc)
    with pytest.raises(ArtifactError):
        Synthesizer.load(tmp_path / "model")


def _hms(seconds: float, hour_digits: int = 2) -> str:
    whole = int(seconds)
    return f"{whole // 3600:0{hour_digits}d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def test_durations_written_as_text_are_learned_as_durations_and_written_back_in_their_layout(tmp_path: Path) -> None:
    """A call log's durations exported as text past a day (``'47:15:24'``), with one-digit hours
    (``'7:05:09'``) or milliseconds were 2,000 labels, and the synthetic column read ``'36:5*:**'``."""
    seconds = np.random.default_rng(0).gamma(2, 40_000, N)
    real = pd.DataFrame(
        {
            "long": [_hms(s) for s in seconds],
            "short": [_hms(s / 40, 1) for s in seconds],
            "millis": [
                None if i % 9 == 0 else f"{_hms(s / 90)}.{int(s * 7) % 1000:03d}" for i, s in enumerate(seconds)
            ],
            "clock": [f"{h:02d}:{m:02d}:00" for h, m in np.random.default_rng(1).integers(0, 60, (N, 2)) % [24, 60]],
        }
    )
    syn = Synthesizer(seed=0, max_epochs=3).fit(real)
    out = sampled_after_save_and_load(syn, N, tmp_path / "model")
    kinds = {name: syn.describe()["columns"][name]["kind"] for name in real}
    assert kinds == {"long": "duration", "short": "duration", "millis": "duration", "clock": "time of day"}
    assert out["long"].str.fullmatch(r"\d{2,}:[0-5]\d:[0-5]\d").all()
    assert (out["long"].str.split(":").str[0].astype(int) >= 24).mean() > 0.2  # past a day: no time of day
    assert out["short"].str.fullmatch(r"\d+:[0-5]\d:[0-5]\d").all() and out["short"].str.match(r"\d:").any()
    assert out["millis"].dropna().str.fullmatch(r"\d{2}:[0-5]\d:[0-5]\d\.\d{3}").all()
    assert out["millis"].isna().mean() == pytest.approx(1 / 9, abs=0.04)
    hours = pd.to_timedelta(out["long"]).dt.total_seconds()
    assert hours.median() == pytest.approx(np.median(seconds), rel=0.15)
    doc = json.loads((tmp_path / "model" / "model.json").read_text())
    doc["body"]["duration_layouts"]["long"]["hour_digits"] = 40
    re_signed(tmp_path / "model", doc)
    with pytest.raises(ArtifactError):
        Synthesizer.load(tmp_path / "model")


def _with_token(values: list[str], token: str, every: int) -> list[str]:
    return [token if i % every == 0 else v for i, v in enumerate(values)]


def test_missing_values_written_as_text_are_nulls_of_the_column_and_written_back_as_written(tmp_path: Path) -> None:
    """An export writes an empty cell as ``''``, ``'N/A'``, ``'-'`` or ``'null'``: one of them turned a
    column of dates (``shipped_at``, empty while unshipped) or amounts back into 3,000 labels, and
    the synthetic column read ``'09/0*/**** **:**'`` and ``'6.5*'``. Zip codes stay text."""
    rng = np.random.default_rng(4)
    stamps = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.uniform(0, 500 * 86400, N), unit="s")
    real = pd.DataFrame(
        {
            "shipped": _with_token([t.strftime("%d/%m/%Y %H:%M") for t in stamps], "", 8),
            "tax": _with_token([f"{a * 0.08:.2f}" for a in _amounts()], "N/A", 12),
            "price": _with_token([f"${a:,.2f}" for a in _amounts(1)], "-", 5),
            "took": _with_token([_hms(s, 1) for s in rng.gamma(2, 300, N)], "null", 10),
            "zip": _with_token([f"{z:05d}" for z in rng.integers(500, 3000, N)], "N/A", 9),
        }
    )
    syn = Synthesizer(seed=0, max_epochs=3).fit(real)
    out = sampled_after_save_and_load(syn, N, tmp_path / "model")
    kinds = {name: syn.describe()["columns"][name]["kind"] for name in real}
    assert kinds == {"shipped": "datetime", "tax": "numeric", "price": "numeric", "took": "duration", "zip": "text"}
    layouts = {"shipped": r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", "tax": r"\d+\.\d{2}", "price": r"\$\d{1,3}(,\d{3})*\.\d{2}"}
    for name, token, share in (("shipped", "", 1 / 8), ("tax", "N/A", 1 / 12), ("price", "-", 1 / 5)):
        written = out[name] != token
        assert out[name].notna().all() and (~written).mean() == pytest.approx(share, abs=0.03), name
        assert out[name][written].str.fullmatch(layouts[name]).all() and out[name][written].nunique() > N // 3, name
    assert (out["took"] == "null").mean() == pytest.approx(0.1, abs=0.03)
    doc = json.loads((tmp_path / "model" / "model.json").read_text())
    assert doc["body"]["missing_tokens"] == {"shipped": "", "tax": "N/A", "price": "-", "took": "null"}
    doc["body"]["missing_tokens"]["tax"] = "<script>"
    re_signed(tmp_path / "model", doc)
    with pytest.raises(ArtifactError):
        Synthesizer.load(tmp_path / "model")


def test_missing_values_of_two_kinds_are_written_back_as_both_in_their_shares(tmp_path: Path) -> None:
    """A ``tax`` column holding real nulls beside ``'N/A'``, and a ``price`` holding ``''`` beside ``'-'``,
    were 2,000 labels: the rare amounts came back masked (``'12.2*'``, ``'$30*.**'``)."""
    rng = np.random.default_rng(9)
    kind, other = rng.random(N), rng.random(N)
    real = pd.DataFrame(
        {
            "tax": [
                None if k < 0.1 else "N/A" if k < 0.15 else f"{a * 0.08:.2f}"
                for k, a in zip(kind, _amounts(), strict=True)
            ],
            "price": [
                "" if k < 0.08 else "-" if k < 0.12 else f"${a:,.2f}" for k, a in zip(other, _amounts(1), strict=True)
            ],
        }
    )
    syn = Synthesizer(seed=0, max_epochs=3).fit(real)
    out = sampled_after_save_and_load(syn, N, tmp_path / "model")
    assert {syn.describe()["columns"][name]["kind"] for name in real} == {"numeric"}
    chunks = pd.concat(syn.sample_chunks(N, chunk_size=400)).reset_index(drop=True)
    assert chunks.equals(out.reset_index(drop=True))  # a row's kind is drawn by its place, not its chunk's
    kinds_of = {"tax": (None, "N/A"), "price": ("", "-")}
    layouts = {"tax": r"\d+\.\d{2}", "price": r"\$\d{1,3}(,\d{3})*\.\d{2}"}
    for name, kinds in kinds_of.items():
        for token in kinds:
            found, held = (
                (out[name].isna(), real[name].isna()) if token is None else (out[name] == token, real[name] == token)
            )
            assert found.mean() == pytest.approx(held.mean(), abs=0.02), (name, token)
        written = out[name].dropna()
        written = written[~written.isin(list(kinds))]
        assert written.str.fullmatch(layouts[name]).all() and written.nunique() > N // 3, name
    doc = json.loads((tmp_path / "model" / "model.json").read_text())
    missing = real["tax"].isna() | (real["tax"] == "N/A")
    assert doc["body"]["missing_kinds"]["tax"] == {"N/A": pytest.approx((real["tax"] == "N/A").sum() / missing.sum())}
    doc["body"]["missing_kinds"]["price"]["<script>"] = 0.1
    re_signed(tmp_path / "model", doc)
    with pytest.raises(ArtifactError):
        Synthesizer.load(tmp_path / "model")


@pytest.mark.parametrize(
    "values",
    [
        [f"{z:05d}" for z in range(500, 800)] + ["N/A"] * 20,  # zip codes: whole-number text stays text
        [f"{a:.2f}" for a in range(300)] + ["N/A", "-"] * 10,  # two tokens: text_missing.detect_kinds's
        [f"{a:.2f}" for a in range(300)] + ["N/A", None] * 10,  # real nulls beside a token: detect_kinds's
        [f"SKU-{i}" for i in range(300)] + [""] * 20,  # codes
        ["N/A"] * 50,  # nothing but the token
    ],
)
def test_a_missing_value_token_is_left_alone_where_a_null_would_be_a_guess(values: list[str | None]) -> None:
    assert text_missing.detect(pd.Series(values, dtype=object)) is None


@pytest.mark.parametrize(
    "values",
    [
        [f"{z:05d}" for z in range(500, 800)] + ["N/A", None] * 20,  # zip codes stay text with their missing values
        [f"SKU-{i}" for i in range(300)] + ["", "-"] * 20,  # codes
        [f"{a:.2f}" for a in range(300)] + [None] * 20,  # real nulls alone: no token
        ["N/A", "-", None] * 50,  # nothing but missing values
    ],
)
def test_kinds_of_missing_values_are_left_alone_where_the_values_are_text(values: list[str | None]) -> None:
    assert text_missing.detect_kinds(pd.Series(values, dtype=object)) is None


def test_timestamps_on_a_twelve_hour_clock_are_learned_as_timestamps_and_written_back_so(tmp_path: Path) -> None:
    """US exports (Excel, CRMs) write ``'08/19/2023 03:20 PM'``: read as text, a call log's start
    times were 2,000 labels and came back ``'02/1*/**** **:** **'``."""
    rng = np.random.default_rng(5)
    days = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 365, N), unit="D")
    stamps = days + pd.to_timedelta(rng.uniform(8, 18, N), unit="h")  # office hours, 8 AM to 6 PM
    real = pd.DataFrame(
        {
            "started": [t.strftime("%m/%d/%Y %I:%M %p") for t in stamps],
            "ended": [t.strftime("%-m/%-d/%Y %-I:%M:%S %p") for t in stamps],
        }
    )
    syn = Synthesizer(seed=0, max_epochs=3).fit(real)
    out = sampled_after_save_and_load(syn, N, tmp_path / "model")
    assert {syn.describe()["columns"][name]["kind"] for name in real} == {"datetime"}
    assert out["started"].str.fullmatch(r"\d{2}/\d{2}/\d{4} (0\d|1[0-2]):\d{2} [AP]M").all()
    assert out["ended"].str.fullmatch(r"\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}:\d{2} [AP]M").all()
    hours = pd.to_datetime(out["started"], format="%m/%d/%Y %I:%M %p").dt.hour
    assert hours.between(8, 18).mean() > 0.9 and (hours >= 12).mean() == pytest.approx(0.6, abs=0.1)
    kinds = {c.name: c.kind.value for c in describe_columns(real)}
    assert kinds == {"started": "datetime", "ended": "datetime"}


def test_numbers_in_scientific_notation_are_learned_as_floats_and_written_back_so(tmp_path: Path) -> None:
    """Click-through rates exported as ``'1.283e-02'`` (``printf('%.3e')``; Excel writes ``'1.28E-02'``)
    are no floats as Python writes them: they were 1,500 labels and came back ``'4.9***-**'``."""
    rates = np.random.default_rng(6).beta(2, 60, N)
    real = pd.DataFrame({"ctr": [f"{r:.3e}" for r in rates], "excel": [f"{r * 1e6:.2E}" for r in rates]})
    syn = Synthesizer(seed=0, max_epochs=3).fit(real)
    out = sampled_after_save_and_load(syn, N, tmp_path / "model")
    assert {syn.describe()["columns"][name]["kind"] for name in real} == {"numeric"}
    assert out["ctr"].str.fullmatch(r"\d\.\d{3}e-0[1-4]").all() and out["ctr"].nunique() > N // 3
    assert out["excel"].str.fullmatch(r"\d\.\d{2}E\+0[2-5]").all()
    assert out["ctr"].astype(float).median() == pytest.approx(np.median(rates), rel=0.15)
    doc = json.loads((tmp_path / "model" / "model.json").read_text())
    column = next(c for c in doc["body"]["columns"] if c["storage"]["name"] == "ctr")
    column["storage"]["extras"]["scientific"] = "{0.__class__}"
    re_signed(tmp_path / "model", doc)
    with pytest.raises(ArtifactError):
        Synthesizer.load(tmp_path / "model")
