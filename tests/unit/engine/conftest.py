"""Shared fixtures: one mixed-type table with every column kind, trained on once per module."""

from __future__ import annotations

import datetime as dt
import decimal
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from synthpipe.engine import Synthesizer
from synthpipe.engine.artifact import _digest

FAST = {"max_epochs": 6}


def mixed_frame(n: int = 1500, seed: int = 0) -> pd.DataFrame:
    """Every column kind the engine supports, with nulls, constants and logical relations."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 90, n)
    smin = rng.exponential(20, n).round(1)
    savg = (smin + rng.exponential(30, n)).round(1)
    smax = (savg + rng.exponential(60, n)).round(1)
    actions = rng.integers(1, 200, n)
    frame = pd.DataFrame(
        {
            "user_id": np.arange(1000, 1000 + n, dtype="int64"),
            "code": [f"U{i:06d}" for i in rng.permutation(n)],
            "age": age.astype("int16"),
            "age_nullable": pd.array(np.where(rng.random(n) < 0.2, None, age), dtype="Int64"),
            "income": np.where(rng.random(n) < 0.1, np.nan, rng.lognormal(10, 1, n)),
            "ratio": rng.normal(0, 1, n).astype("float32"),
            "spiky": np.where(rng.random(n) < 0.05, np.inf, rng.normal(0, 1, n)),
            "flag": rng.random(n) < 0.3,
            "maybe": pd.array(np.where(rng.random(n) < 0.1, None, rng.random(n) < 0.5), dtype="boolean"),
            "city": pd.Series(rng.choice(["a", "b", "c", "d"], n, p=[0.4, 0.3, 0.2, 0.1]), dtype="str"),
            "tier": pd.Categorical(rng.choice(["gold", "silver", "bronze"], n), ordered=True),
            "name": [_name(i) if i < 40 else "common" for i in rng.integers(0, 400, n)],
            "signup": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1000, n), unit="D"),
            "seen_at": pd.Series(
                pd.Timestamp("2021-01-01", tz="Europe/Berlin") + pd.to_timedelta(rng.integers(0, 10**7, n), unit="s")
            ),
            "birthday": [dt.date(1960, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 9000, n)],
            "price": [decimal.Decimal(f"{v:.2f}") for v in rng.uniform(1, 100, n)],
            "const": "same",
            "nothing": pd.Series([None] * n, dtype="float64"),
            "session_min": smin,
            "session_avg": savg,
            "session_max": smax,
            "actions": actions,
            "unique_actions": np.minimum(actions, rng.integers(1, 30, n)),
        }
    )
    frame.loc[rng.random(n) < 0.05, "city"] = None
    return frame


def pollution(rows: int, seed: int) -> pd.DataFrame:
    """Heavy-tailed counts that rise and fall together, like a small table of daily readings."""
    rng = np.random.default_rng(seed)
    level = rng.normal(0, 1, rows)
    return pd.DataFrame(
        {
            name: np.round(np.exp(3 + 0.5 * weight * level + rng.normal(0, 0.5, rows))).astype("int64")
            for name, weight in (("no2", 1.0), ("no", 1.4), ("pm10", 0.8), ("so2", 0.6))
        }
    )


def _name(i: int) -> str:
    """A person's name as one word of letters: digits would make it a code (generalised by its
    prefix) and a second word a name of words (generalised by its first)."""
    return "person" + "abcdefghij"[i // 10] + "abcdefghij"[i % 10]


def grouped_counts(events: int = 3000, seed: int = 0) -> pd.DataFrame:
    """A ``GROUP BY country, device, channel`` result of ``events`` skewed events (null channels
    a group of their own): each combination once, with its count and average amount."""
    rng = np.random.default_rng(seed)
    countries = ["US", "DE", "FR", "GB", "ES", "IT", "NL", "SE", "PL", "PT", "IE", "AT", "BE", "DK"]
    devices = ["mac", "windows", "iphone", "android", "ipad", "linux"]
    channels = ["seo", "ads", "social", "mail", "direct"]
    weights = [1.0 / (k + 1) ** 1.5 for k in range(len(countries))]
    frame = pd.DataFrame(
        {
            "country": rng.choice(countries, events, p=np.array(weights) / sum(weights)),
            "device": rng.choice(devices, events, p=[0.3, 0.3, 0.2, 0.1, 0.07, 0.03]),
            "channel": pd.Series(rng.choice(channels, events, p=[0.3, 0.3, 0.2, 0.1, 0.1])).where(
                rng.random(events) > 0.05
            ),
            "amount": rng.gamma(2.0, 30.0, events),
        }
    )
    grouped = frame.groupby(["country", "device", "channel"], dropna=False)["amount"]
    out = grouped.agg(events="size", avg_amount="mean").reset_index()
    return out.assign(avg_amount=out["avg_amount"].round(2)).sample(frac=1.0, random_state=seed, ignore_index=True)


def sampled_after_save_and_load(syn: Synthesizer, rows: int, folder: Path) -> pd.DataFrame:
    """``rows`` sampled from ``syn`` saved to ``folder`` and loaded again: they must equal the
    fitted model's own rows (determinism across save/load), and the test checks them."""
    syn.save(folder)
    out = Synthesizer.load(folder).sample(rows)
    assert out.equals(syn.sample(rows))
    return out


@pytest.fixture(scope="package")
def frame() -> pd.DataFrame:
    return mixed_frame()


@pytest.fixture(scope="package")
def fitted(frame: pd.DataFrame) -> Synthesizer:
    return Synthesizer(seed=0, **FAST).fit(frame)


@pytest.fixture(scope="package")
def synthetic(fitted: Synthesizer, frame: pd.DataFrame) -> pd.DataFrame:
    out = fitted.sample(len(frame))
    assert isinstance(out, pd.DataFrame)
    return out


def re_signed(folder: Path, doc: dict[str, Any]) -> None:
    """``doc`` (a saved model.json, edited) written back to ``folder`` with a valid digest: a
    hostile artifact that only the checks past the digest can refuse."""
    doc["body_sha256"] = _digest(doc["body"])
    (folder / "model.json").write_text(json.dumps(doc))
