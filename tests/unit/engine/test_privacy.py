"""Privacy by default: fresh identifiers, rare categories merged, extremes never emitted."""

from __future__ import annotations

import json
import re
import string
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from synthpipe.engine import Synthesizer
from synthpipe.errors import ConfigError
from tests.unit.engine.conftest import sampled_after_save_and_load


def test_integer_identifiers_are_fresh_and_unique(frame: pd.DataFrame, synthetic: pd.DataFrame) -> None:
    ids = synthetic["user_id"]
    assert ids.is_unique
    assert not ids.isin(frame["user_id"]).any()


def test_string_identifiers_keep_their_format(frame: pd.DataFrame, synthetic: pd.DataFrame) -> None:
    codes = synthetic["code"]
    assert codes.is_unique
    assert codes.map(lambda v: bool(re.fullmatch(r"U\d{6}", v))).all()
    assert not codes.isin(frame["code"]).any()


def test_keys_with_nulls_are_fresh_keys_null_in_the_real_share(tmp_path: Path) -> None:
    """An ``order_id`` with 2% nulls was learned as a number: 945 of 972 synthetic ids were real
    ones, 799 distinct; string and UUID keys came back masked (``CUST-71****``)."""
    rng = np.random.default_rng(0)
    n = 1000
    frame = pd.DataFrame(
        {
            "order_id": pd.array(np.arange(100_001, 100_001 + n), dtype="Int64"),
            "customer_code": pd.Series([f"CUST-{i:06d}" for i in rng.permutation(10**6)[:n]], dtype=object),
            "amount": rng.gamma(2, 30, n).round(2),
        }
    )
    frame.loc[rng.random(n) < 0.02, "order_id"] = pd.NA
    frame.loc[rng.random(n) < 0.1, "customer_code"] = None
    syn = Synthesizer(seed=0, max_epochs=3).fit(frame)
    out = syn.sample(4000)
    assert out.dtypes.equals(frame.dtypes)
    for column, share in [("order_id", 0.02), ("customer_code", 0.1)]:
        keys = out[column].dropna()
        assert keys.is_unique and not keys.isin(frame[column].dropna()).any()
        assert abs(out[column].isna().mean() - share) < 0.015
        assert syn.describe()["columns"][column]["kind"] == "identifier"
    assert out["customer_code"].dropna().str.fullmatch(r"CUST-\d{6,}").all()
    assert (out["order_id"].isna() & out["customer_code"].isna()).mean() < 0.01  # null apart, not in the same rows
    assert sampled_after_save_and_load(syn, 4000, tmp_path).equals(out)


def test_keys_held_as_floats_are_keys(tmp_path: Path) -> None:
    """How pandas holds an integer id with nulls (read_csv, a left join): float64 with NaN. Learned
    as numbers whose values many rows hold kept exact, 5,714 of 6,000 synthetic rows carried a real
    ``user_id`` and 813 a real ``order_id``. Keys they are, written back as floats; a float of whole
    numbers not named like a key stays a number."""
    rng = np.random.default_rng(1)
    n = 4000
    user_id = rng.choice(rng.integers(10_000, 99_999, 300), n).astype("float64")
    order_id = np.arange(100_000, 100_000 + 7 * n, 7).astype("float64")
    user_id[rng.random(n) < 0.05], order_id[rng.random(n) < 0.03] = np.nan, np.nan
    pieces = rng.integers(1, 40, n).astype("float64")
    frame = pd.DataFrame({"user_id": user_id, "order_id": order_id, "pieces": pieces})
    syn = Synthesizer(seed=0, max_epochs=3).fit(frame)
    out = sampled_after_save_and_load(syn, n, tmp_path)
    assert out.dtypes.equals(frame.dtypes)
    kinds = {name: column["kind"] for name, column in syn.describe()["columns"].items()}
    assert kinds == {"user_id": "identifier", "order_id": "identifier", "pieces": "numeric"}
    for column, share in [("user_id", 0.05), ("order_id", 0.03)]:
        assert not out[column].isin(frame[column].dropna()).any()
        assert abs(out[column].isna().mean() - share) < 0.015
    assert out["order_id"].dropna().is_unique
    assert out["pieces"].isin(frame["pieces"]).all()


def test_where_a_key_is_null_is_learned_with_the_row(tmp_path: Path) -> None:
    """Drawn apart from the row, an ``invoice_id`` null exactly on the draft invoices came back
    null on a third of the rows it should not be (null iff draft in 67% of rows); a code null on
    the small amounts likewise (69%)."""
    rng = np.random.default_rng(0)
    n = 1500
    status = rng.choice(["draft", "sent", "paid"], n, p=[0.2, 0.3, 0.5])
    amount = rng.gamma(2, 50, n).round(2)
    invoice_id = pd.Series(np.arange(5001, 5001 + n), dtype="Int64").mask(status == "draft")
    code = pd.Series([f"INV-{i:06d}" for i in rng.permutation(10**6)[:n]], dtype=object).mask(amount < 40)
    frame = pd.DataFrame({"invoice_id": invoice_id, "status": status, "amount": amount, "code": code})
    syn = Synthesizer(seed=0, max_epochs=20).fit(frame)
    out = syn.sample(3000)
    assert (out["invoice_id"].isna() == (out["status"] == "draft")).all()  # a null link: every row
    assert (out["code"].isna() == (out["amount"] < 40)).mean() > 0.95
    for column in ("invoice_id", "code"):
        keys = out[column].dropna()
        assert keys.is_unique and not keys.isin(frame[column].dropna()).any()
        described = syn.describe()["columns"][column]
        assert described["nulls_learned"] and described["learned"] is False  # the keys stay unlearned
    assert sampled_after_save_and_load(syn, 3000, tmp_path).equals(out)


def test_a_yearly_series_keeps_its_years_while_row_numbers_stay_keys() -> None:
    """``year`` is unique and dense like a key; as fresh keys it ran past the last real year."""
    n = 120
    rng = np.random.default_rng(0)
    data = pd.DataFrame({"case": np.arange(1, n + 1), "year": np.arange(1880, 1880 + n), "x": rng.normal(size=n)})
    syn = Synthesizer(seed=0, max_epochs=5).fit(data)
    out = syn.sample(1000)
    assert out["year"].between(1870, 2010).all() and out["year"].nunique() > 50  # tails reach a little past
    assert syn.describe()["columns"]["case"]["kind"] == "identifier"
    assert not out["case"].isin(data["case"]).any()


def test_rankings_of_the_rows_are_learned_while_keys_stay_keys() -> None:
    """Departments ranked on several measures: every ranking is unique and dense like a key, but
    as fresh keys they all ran 87, 88, ... and lost how they move together."""
    n = 86
    rng = np.random.default_rng(0)
    wealth = rng.normal(size=n)
    data = pd.DataFrame(
        {
            "dept": np.arange(1, n + 1),  # in row order: a key
            "wealth": pd.Series(wealth).rank(method="first").astype("int64"),
            "crime": pd.Series(wealth + 0.3 * rng.normal(size=n)).rank(method="first").astype("int64"),
            "literacy": rng.normal(50, 10, size=n).round(1),
        }
    )
    syn = Synthesizer(seed=0, max_epochs=30).fit(data)
    out = syn.sample(2000)
    kinds = {c: syn.describe()["columns"][c]["kind"] for c in data.columns}
    assert kinds == {"dept": "identifier", "wealth": "numeric", "crime": "numeric", "literacy": "numeric"}
    assert out["wealth"].between(-10, n + 10).all() and out["crime"].between(-10, n + 10).all()
    assert out["wealth"].corr(out["crime"], method="spearman") > 0.5

    shuffled = pd.DataFrame({"account": rng.permutation(n) + 1, "literacy": data["literacy"]})
    alone = Synthesizer(seed=0, max_epochs=5).fit(shuffled)  # one shuffled integer column: still a key
    assert alone.describe()["columns"]["account"]["kind"] == "identifier"
    assert not alone.sample(200)["account"].isin(shuffled["account"]).any()

    league = pd.DataFrame({"rank": np.arange(1, n + 1), "sales": np.sort(rng.lognormal(size=n))[::-1]})
    ranked = Synthesizer(seed=0, max_epochs=5).fit(league)
    assert ranked.describe()["columns"]["rank"]["kind"] == "numeric"
    table = ranked.sample(500)  # the rank of the sales among the synthetic rows (table_windows)
    assert table["rank"].equals(table["sales"].rank(method="min", ascending=False).astype("int64"))


def test_uuid_and_free_form_keys(frame: pd.DataFrame) -> None:
    import uuid

    rng = np.random.default_rng(0)
    data = pd.DataFrame(
        {
            "uuid": [str(uuid.UUID(int=int(v))) for v in rng.integers(0, 2**62, 300)],
            "token": ["".join(rng.choice(list("abcdef0123"), 10)) for _ in range(300)],
            "x": rng.normal(size=300),
        }
    )
    syn = Synthesizer(seed=0, max_epochs=2).fit(data)
    out = syn.sample(300)
    assert out["uuid"].is_unique and not out["uuid"].isin(data["uuid"]).any()
    assert out["uuid"].map(lambda v: str(uuid.UUID(v)) == v).all()
    assert out["token"].is_unique and (out["token"].str.len() == 10).all()
    assert syn.describe()["columns"]["token"]["kind"] == "identifier"


def test_free_form_keys_keep_their_layout_and_look_random() -> None:
    """Hex hashes stay hex, a shared prefix (``cus_``) and fixed dashes stay in place, and fresh
    keys are not a visible counter (the old ones all ended in the same few characters)."""
    rng = np.random.default_rng(1)
    n = 2000

    def keys(alphabet: str, length: int) -> list[str]:
        return ["".join(rng.choice(list(alphabet), length)) for _ in range(n)]

    data = pd.DataFrame(
        {
            "session_hash": keys("0123456789abcdef", 32),
            "customer": ["cus_" + k for k in keys(string.ascii_letters + string.digits, 14)],
            "serial": [
                f"{a}-{b}" for a, b in zip(keys("ABCDEF0123456789", 4), keys("ABCDEF0123456789", 6), strict=True)
            ],
            "x": rng.normal(size=n),
        }
    )
    syn = Synthesizer(seed=0, max_epochs=2).fit(data)
    out = pd.concat([syn.sample(20_000), syn.sample(500, seed=9, key_start=20_000)], ignore_index=True)
    other_seed = syn.sample(500, seed=9)  # a 2**32-key range of its own: unique, in longer keys
    layouts = {
        "session_hash": r"[0-9a-f]{32}",
        "customer": r"cus_[A-Za-z0-9]{14}",
        "serial": r"[0-9A-F]{4}-[0-9A-F]{6}",
    }
    for name, layout in layouts.items():
        assert out[name].str.fullmatch(layout).all(), name
        assert out[name].is_unique and not out[name].isin(data[name]).any()
        assert pd.concat([out[name], other_seed[name]]).is_unique and not other_seed[name].isin(data[name]).any()
        body = out[name].str.replace(r"^cus_|-", "", regex=True)
        for place in range(body.str.len().min()):  # no place is stuck on one character
            assert body.str[place].value_counts(normalize=True).iloc[0] < 0.2, (name, place)


def test_free_form_keys_of_words_keep_each_places_case() -> None:
    """Names keyed by themselves (a country's departments, some of them hyphenated like
    ``Haute-Loire``) came back as keys of either case in any place (``zXTrWUb``); now capitalised
    as the real ones are, and still unique and new. Random tokens, whose places mix both cases,
    keep both (``customer`` above)."""
    rng = np.random.default_rng(3)
    lower = list(string.ascii_lowercase)

    def word() -> str:
        return "".join(rng.choice(lower, int(rng.integers(4, 9)))).capitalize()

    names = pd.Series([word() + ("-" + word() if rng.random() < 0.15 else "") for _ in range(300)]).drop_duplicates()
    data = pd.DataFrame({"department": names, "x": rng.normal(size=names.size)})
    syn = Synthesizer(seed=0, max_epochs=2).fit(data)
    out = syn.sample(2_000)["department"]
    assert syn.describe()["columns"]["department"]["kind"] == "identifier"
    assert out.str.fullmatch(r"[A-Z][a-z]+").all(), out.head().tolist()
    assert out.is_unique and not out.isin(names).any()


def test_rare_categories_are_never_emitted(frame: pd.DataFrame, synthetic: pd.DataFrame) -> None:
    counts = frame["name"].value_counts()
    rare = set(counts[counts < 5].index)
    assert rare, "fixture must contain rare names"
    assert not synthetic["name"].isin(rare).any()
    assert (synthetic["name"] == "_RARE_").any()


def test_only_rare_categories_are_merged_even_with_thousands_of_them() -> None:
    """A high-cardinality column (genes, zip codes) keeps every category held by >= 5 rows."""
    held = [f"g{i}" for i in range(1500) for _ in range(6)]
    single = [f"once{i}" for i in range(100)]
    data = pd.DataFrame({"gene": held + single})
    entry = Synthesizer(seed=0, max_epochs=1).fit(data).describe()["columns"]["gene"]
    assert entry["categories_kept"] == 1500
    assert entry["protection"]["rare_categories_merged"] == 100


def test_unique_email_addresses_are_fresh_addresses_at_real_domains() -> None:
    """A fresh local part at a domain drawn in the real shares; a domain held by fewer than 5 rows
    (a family's own) is never shown: example.com stands in for it. Before: userpfwg9upbmrr9y1hpe9."""
    rng = np.random.default_rng(6)
    n = 3000
    domains = rng.choice(["gmail.com", "web.de", "gmx.de"], n, p=[0.5, 0.3, 0.2])
    emails = [f"user{i}.{rng.integers(0, 10**6)}@{d}" for i, d in enumerate(domains)]
    emails[:3] = ["ann@smith-family.org", "bob@smith-family.org", "cy@smith-family.org"]
    data = pd.DataFrame({"email": emails, "x": rng.normal(size=n)})
    syn = Synthesizer(seed=0, max_epochs=2).fit(data)
    out = pd.concat([syn.sample(6000)["email"], syn.sample(500, seed=3)["email"]], ignore_index=True)
    assert syn.describe()["columns"]["email"]["format"] == "email"
    assert out.is_unique and not out.isin(data["email"]).any()
    assert out.str.fullmatch(r"[a-z0-9]+@(gmail\.com|web\.de|gmx\.de|example\.com)").all()
    shares = out.str.split("@").str[1].value_counts(normalize=True)
    assert shares["gmail.com"] == pytest.approx(0.5, abs=0.03) and shares["gmx.de"] == pytest.approx(0.2, abs=0.03)
    assert not out.str.contains("smith-family").any()


def test_email_addresses_that_spell_the_rows_names_spell_the_synthetic_names(tmp_path: Path) -> None:
    """``anna.meyer84@web.de`` beside Anna Meyer: fresh local parts were random characters
    (``51arit8d3iaiow``). Now they spell the synthetic row's names, followed by more digits than
    any real address has (never a real address); a rare name keeps a random local part."""
    rng = np.random.default_rng(2)
    n = 4000
    first = rng.choice(["Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hans"], n)
    first[:3] = "Zoë"  # rare, and no name an address spells as it is
    last = rng.choice(["Meyer", "Schulz", "Becker", "Hoffmann", "Wolf"], n)
    domain = rng.choice(["gmail.com", "web.de"], n)
    emails = [f"{a.lower()}_{b.lower()}{i}@{d}" for i, (a, b, d) in enumerate(zip(first, last, domain, strict=True))]
    data = pd.DataFrame({"email": emails, "first_name": first, "last_name": last, "age": rng.integers(18, 90, n)})
    syn = Synthesizer(seed=0, max_epochs=3).fit(data)
    assert syn.describe()["columns"]["email"]["spells"] == ["first_name", "last_name"]
    out = sampled_after_save_and_load(syn, 8000, tmp_path / "model")
    local = out["email"].str.split("@").str[0]
    named = out["first_name"] != "_RARE_"
    spelled = out["first_name"].str.lower() + "_" + out["last_name"].str.lower()
    assert (local[named] == spelled[named] + local[named].str.extract(r"(\d{5,})$")[0]).all()
    assert out["email"].is_unique and not out["email"].isin(data["email"]).any()
    assert out["email"].str.fullmatch(r"[a-z0-9_]+@(gmail\.com|web\.de)").all()


def test_pseudonymised_email_addresses_spell_the_synthetic_names(tmp_path: Path) -> None:
    """Order lines joined with their customer's name and e-mail: the addresses repeat, so they are
    learned on pseudonyms, which were random characters beside Anna Meyer. Now each spells its
    row's synthetic names; one address keeps one customer's names, and no real one comes back."""
    rng = np.random.default_rng(5)
    customers, n = 600, 6000
    first = rng.choice(["Anna", "Ben", "Clara", "David", "Emma", "Felix"], customers)
    last = rng.choice(["Meyer", "Schulz", "Becker", "Wolf"], customers)
    email = np.asarray([f"{a.lower()}.{b.lower()}{i}@web.de" for i, (a, b) in enumerate(zip(first, last, strict=True))])
    who = rng.integers(0, customers, n)
    data = pd.DataFrame(
        {"email": email[who], "first_name": first[who], "last_name": last[who], "amount": rng.gamma(2, 30, n).round(2)}
    )
    syn = Synthesizer(seed=0, max_epochs=3).fit(data)
    entry = syn.describe()["columns"]["email"]
    assert entry["protection"]["pseudonymised"] and entry["spells"] == ["first_name", "last_name"]
    out = sampled_after_save_and_load(syn, n, tmp_path / "model")
    spelled = out["first_name"].str.lower() + "." + out["last_name"].str.lower()
    assert (out["email"].str.replace(r"\d{6,}@web\.de$", "", regex=True) == spelled).all()
    assert not out["email"].isin(data["email"]).any()
    assert (out.groupby("email")["first_name"].nunique() == 1).all()


def test_keys_with_long_digit_runs_stay_digits() -> None:
    """IBANs (DE + 20 digits) overflowed int64 as numbered keys and crashed fit; digit-only
    free-form keys came back with hex letters in them."""
    rng = np.random.default_rng(4)
    n = 500
    data = pd.DataFrame(
        {
            "iban": [
                f"DE{a}{b}" for a, b in zip(rng.integers(10, 99, n), rng.integers(10**17, 10**18, n), strict=True)
            ],
            "x": rng.normal(size=n),
        }
    )
    out = Synthesizer(seed=0, max_epochs=2).fit(data).sample(2000)
    assert out["iban"].str.fullmatch(r"DE\d{20}").all()
    assert out["iban"].is_unique and not out["iban"].isin(data["iban"]).any()


def zip_table(n: int = 4000, seed: int = 0) -> pd.DataFrame:
    """Five-digit zips under 20 regions of Zipf sizes, most zips held by a few rows; income and a
    phone area code follow the region."""
    rng = np.random.default_rng(seed)
    regions = np.array([f"{r:03d}" for r in rng.choice(1000, 20, replace=False)])
    share = 1 / np.arange(1, 21)
    region = rng.choice(20, n, p=share / share.sum())
    return pd.DataFrame(
        {
            "zip": [regions[r] + f"{z:02d}" for r, z in zip(region, rng.integers(0, 100, n), strict=True)],
            "income": np.exp(10 + region / 10 + rng.normal(0, 0.2, n)).round(-2),
            "phone": [f"{regions[r]}-555-{p:04d}" for r, p in zip(region, rng.integers(0, 10_000, n), strict=True)],
        }
    )


def test_rare_codes_keep_the_prefix_enough_rows_share() -> None:
    """A zip held by two people comes back as ``021**``: the region stays, the person does not.
    Every masked label stands for at least 5 real rows, and no rare real code is emitted."""
    data = zip_table()
    syn = Synthesizer(seed=0, max_epochs=30).fit(data)
    out = syn.sample(len(data))
    counts = data["zip"].value_counts()
    assert (counts < 5).sum() > 100, "fixture must hold many rare zips"
    assert not out["zip"].isin(counts[counts < 5].index).any()
    masked = out["zip"][out["zip"].str.contains("*", regex=False)]
    assert masked.str.fullmatch(r"\d{3,4}\*{1,2}").all() and len(masked) > 0.2 * len(out)
    for label in masked.unique():
        pattern = label.replace("*", r"\d")
        assert data["zip"].str.fullmatch(pattern).sum() >= 5, label
    assert (out["zip"] == "_RARE_").mean() < 0.01  # before: 45% of rows came back as _RARE_
    real_regions = data["zip"].str[:3].value_counts(normalize=True)
    synthetic_regions = out["zip"].str[:3].value_counts(normalize=True).reindex(real_regions.index, fill_value=0)
    assert 0.5 * (real_regions - synthetic_regions).abs().sum() < 0.08
    assert out["phone"].dropna().str.fullmatch(r"\d{3}-555-[\d*]{4}").all()  # separators stay in place
    by_region = np.log(out["income"]).groupby(out["zip"].str[:3]).mean()
    real_by_region = np.log(data["income"]).groupby(data["zip"].str[:3]).mean()
    assert by_region.corr(real_by_region.reindex(by_region.index)) > 0.9
    described = syn.describe()["columns"]["zip"]
    assert described["protection"]["rare_codes_generalised"] == len(syn._codecs[0].generalised) > 0
    assert "rare codes as the prefix enough rows share" in described["encoding"]


def test_generalisation_falls_back_to_shorter_prefixes_and_can_be_switched_off() -> None:
    from synthpipe.engine.codecs.prefixes import code_direction, generalise

    counts = pd.Series({"02131": 3, "02132": 2, "02141": 2, "02251": 2, "02252": 1, "99999": 4})
    shared = {"02131": "0213*", "02132": "0213*", "02141": "02***", "02251": "02***", "02252": "02***"}
    assert generalise(counts, 5) == shared  # 99999 shares no prefix with 5 rows: it stays rare
    assert code_direction(["E11.9", "E11.65", "I10"]) == "start"
    assert code_direction(["ann.lee@web.de", "bo@gmail.com"]) == "end"
    assert code_direction(["ford pinto", "ford torino", "amc 5"]) == "words"
    assert code_direction(["ford", "amc", "ford pinto"]) is None  # single words
    assert code_direction(["the car ran fine until the gearbox went on the motorway"] * 3) is None  # prose
    names = pd.Series(
        {"ford gran torino": 3, "ford gran torino sw": 2, "ford pinto": 2, "ford f250": 1, "amc gremlin": 4}
    )
    assert generalise(names, 5, "words") == {"ford gran torino": "ford gran *", "ford gran torino sw": "ford gran *"}
    # all words but the last, then fewer: the other fords (3 rows) and amc (4) share no label held by 5
    emails = pd.Series(
        {"ann.lee1@gmail.com": 3, "bo.kim2@gmail.com": 2, "cy@web.de": 4, "dee@mail.de": 1, "e@x.org": 1}
    )
    assert generalise(emails, 5, "end") == {
        "ann.lee1@gmail.com": "***@gmail.com",
        "bo.kim2@gmail.com": "***@gmail.com",
        "cy@web.de": "***@***.de",
        "dee@mail.de": "***@***.de",
    }  # the domain, then the top-level domain; a local part is a name, not a hierarchy
    data = zip_table(n=1500)
    off = Synthesizer(seed=0, max_epochs=2, generalise_rare_codes=False).fit(data)
    assert off.describe()["columns"]["zip"]["protection"]["rare_codes_generalised"] is None
    assert not off.sample(500)["zip"].str.contains("*", regex=False).any()


def test_rare_names_keep_the_leading_words_enough_rows_share() -> None:
    """Car models held by a few rows each come back as their make (``ford *``), not all as the
    rare token: the make and what goes with it stay, the model does not."""
    rng = np.random.default_rng(4)
    makes = {"ford": "USA", "chevrolet": "USA", "toyota": "Japan", "datsun": "Japan", "fiat": "Europe"}
    n = 1200
    make = rng.choice(list(makes), n)
    words = ["".join(rng.choice(list("aeioubdgklmnprst"), 6)) for _ in range(300)]
    model = [f"{m} {w}{t}" for m, w, t in zip(make, rng.choice(words, n), rng.choice(["", " custom"], n), strict=True)]
    data = pd.DataFrame({"name": model, "origin": [makes[m] for m in make], "mpg": rng.normal(25, 5, n)})
    counts = data["name"].value_counts()
    assert (counts >= 5).sum() == 0, "fixture: every model is rare"
    syn = Synthesizer(seed=0, max_epochs=30).fit(data)
    out = syn.sample(n)
    assert not out["name"].isin(data["name"]).any()
    assert out["name"].str.fullmatch(r"[a-z]+ \*").mean() > 0.95
    shown_make = out["name"].str.split().str[0]
    assert (shown_make.map(makes) == out["origin"]).mean() > 0.9  # the make's origin goes with it
    for label in out["name"].unique():
        assert data["name"].str.startswith(label[:-1]).sum() >= 5, label
    assert "leading words" in syn.describe()["columns"]["name"]["encoding"]


def ticket_comments(n: int, seed: int = 6) -> pd.DataFrame:
    """Support tickets whose comments are sentences of common phrases, each naming a person held by a row or two."""
    rng = np.random.default_rng(seed)
    openers = ["The parcel arrived late", "My order came damaged", "I was charged twice", "The app keeps crashing"]
    middles = ["and nobody answered my mails", "after I paid by card", "although support promised a fix"]
    closers = ["please call me back.", "I want a refund.", "thanks for your help.", "this is not acceptable."]
    people = [f"{first} {last}" for first in ("Anna", "Ben", "Clara", "Deniz") for last in ("Meyer", "Okafor", "Sato")]
    parts = zip(
        rng.choice(openers, n), rng.choice(middles, n), rng.choice(people, n), rng.choice(closers, n), strict=True
    )
    comment = [f"{o} {m}, ask {who}{rng.integers(1000, 9999)} {c}" for o, m, who, c in parts]
    return pd.DataFrame({"queue": rng.choice(["billing", "shipping"], n), "comment": comment})


def test_rare_free_text_is_written_anew_from_the_words_enough_rows_share(tmp_path: Path) -> None:
    """Comments are nearly all unique, so as categories the whole column came back as the rare token; now
    they are new texts of the real lengths, from words and word pairs 5+ rows hold. A name and number held by
    one ticket (``Clara Sato4711``) never comes back, nor does any real comment."""
    data = ticket_comments(1500)
    syn = Synthesizer(seed=0, max_epochs=5).fit(data)
    out = sampled_after_save_and_load(syn, 1500, tmp_path / "model")
    words_held = pd.Series([w for text in data["comment"] for w in set(text.split())]).value_counts()
    written = out["comment"].str.split()
    assert not out["comment"].isin(data["comment"]).any() and out["comment"].nunique() > 150
    assert written.explode().map(words_held).ge(5).all()  # no rare word, so no name-and-number
    real_words = data["comment"].str.split().str.len()
    assert abs(written.str.len().median() - real_words.median()) <= 2
    assert out["comment"].str.endswith(".").mean() > 0.9  # texts end where real ones did
    assert "free text" in syn.describe()["columns"]["comment"]["encoding"]
    assert syn.describe()["columns"]["comment"]["protection"]["rare_emitted_as"] == "text of words 5+ rows share"
    plain = Synthesizer(seed=0, max_epochs=1, write_prose=False).fit(data).sample(200)
    assert (plain["comment"] == "_RARE_").all()


def test_a_texts_length_goes_with_the_columns_it_went_with() -> None:
    """The model learns a rare text's band of lengths: billing tickets that run three phrases long stay long,
    one-phrase shipping tickets stay short."""
    rng = np.random.default_rng(8)
    phrases = ["the parcel arrived late", "my card was charged twice", "please call me back", "I want a refund"]
    queue = rng.choice(["billing", "shipping"], 3000)
    comment = [" ".join(rng.choice(phrases, 3 if q == "billing" else 1)) + f" by user{i}" for i, q in enumerate(queue)]
    data = pd.DataFrame({"queue": queue, "comment": comment})
    out = Synthesizer(seed=0, max_epochs=10).fit(data).sample(3000)
    words = out["comment"].str.split().str.len().groupby(out["queue"]).mean()
    assert words["billing"] > 12 and words["shipping"] < 8  # real: 15 and 7, less the rare user each


def test_single_words_are_not_prose() -> None:
    """Single words, held by a row or three each, stay the rare token: they are no prose (nor keys)."""
    rng = np.random.default_rng(7)
    words = ["".join(rng.choice(list("aeioubdgklmnprst"), 7)) for _ in range(600)]
    data = pd.DataFrame({"word": rng.choice(words, 900), "x": rng.normal(size=900)})
    syn = Synthesizer(seed=0, max_epochs=1).fit(data)
    assert syn.describe()["columns"]["word"]["protection"]["rare_emitted_as"] == "_RARE_"
    assert not syn.sample(300)["word"].str.contains(" ").any()


def test_rare_email_addresses_keep_their_domain() -> None:
    """An address held by one person comes back as a fresh address at its domain (the domain is
    held by many, the name is not); an address held by 5+ rows (a team inbox, or one customer's
    orders) comes back as one pseudonym at its own domain, never as itself."""
    rng = np.random.default_rng(5)
    n = 2000
    domains = rng.choice(["gmail.com", "web.de", "shop.co.uk"], n, p=[0.6, 0.3, 0.1])
    people = [f"user{i}@{d}" for i, d in zip(rng.integers(0, 10**6, n), domains, strict=True)]
    data = pd.DataFrame({"email": np.where(rng.random(n) < 0.1, "info@shop.co.uk", people), "x": rng.normal(size=n)})
    syn = Synthesizer(seed=0, max_epochs=5).fit(data)
    out = syn.sample(2000)["email"]
    assert not out.isin(data["email"]).any()
    counts = out.value_counts()
    inbox = counts.index[0]
    assert inbox.endswith("@shop.co.uk") and counts.iloc[0] > 100 and counts.iloc[1] == 1
    assert out.str.fullmatch(r"[a-z0-9]+@(gmail\.com|web\.de|shop\.co\.uk)").all()
    shares = out.str.split("@").str[1].value_counts(normalize=True)
    assert shares["gmail.com"] == pytest.approx(0.54, abs=0.05)
    assert "domain" in syn.describe()["columns"]["email"]["encoding"]


def test_rare_counts_beyond_the_frequent_ones_come_back_as_a_tail() -> None:
    """Six households with 7+ children: synthetic counts reach past 6 again, on whole numbers;
    three rows beyond are too few to describe a tail without leaning on single households."""
    rng = np.random.default_rng(0)
    common = np.repeat(np.arange(7), 300)
    data = pd.DataFrame(
        {
            "children": np.concatenate([common, [7, 7, 8, 8, 9, 12]]),
            "cars": np.concatenate([common, [7, 8, 9, 1, 1, 1]]),
            "noise": rng.normal(size=common.size + 6),
        }
    )
    out = Synthesizer(seed=0, max_epochs=2).fit(data).sample(20_000)
    assert (out["children"] > 6).mean() > 0.0005
    assert (out["children"] == out["children"].round()).all()
    assert out["cars"].max() == 6


def test_values_of_a_float32_noisy_grid_come_back_as_real_values_beside_a_tail() -> None:
    """Prices in steps of 0.1 stored as float32 and read as float64 (5.0000001, 2.9999999; R's
    Catsup): with a tail beyond the top price, every drawn price had been moved onto the grid of
    the smallest gap counted from the lowest price, 4.9999959 for 5.0000001; only tail draws
    are put on the grid now, and a step away from the price they lie beyond."""
    rng = np.random.default_rng(0)
    cents = np.concatenate([rng.integers(30, 55, 3000), [56, 57, 57, 58, 60, 61, 62]])
    prices = (cents / 10).astype("float32").astype("float64")
    out = Synthesizer(seed=0, max_epochs=2).fit(pd.DataFrame({"price": prices})).sample(20_000)["price"]
    beyond = out > prices[prices < 5.5].max()
    assert out[~beyond].isin(set(prices)).all()
    assert beyond.any() and np.allclose(out[beyond] * 10, np.rint(out[beyond] * 10), atol=1e-4)


def test_rare_merge_is_reported(fitted: Synthesizer) -> None:
    protection = fitted.describe()["columns"]["name"]["protection"]
    assert protection["rare_categories_merged"] > 0
    assert protection["rare_emitted_as"] == "_RARE_"


def test_extreme_values_are_never_emitted(frame: pd.DataFrame, synthetic: pd.DataFrame) -> None:
    for column in ["income", "session_max"]:
        real = frame[column].dropna().sort_values().to_numpy()
        extremes = set(real[:3]) | set(real[-3:])
        assert not synthetic[column].isin(extremes).any()


def test_training_values_have_no_nearer_synthetic_neighbours_than_unseen_values() -> None:
    """A nearest-neighbour membership attack on one column of noise: with knots on the training
    values themselves it scored AUC 0.61 (members' synthetic neighbours nearer); fresh draws 0.50."""
    rng = np.random.default_rng(3)
    scores = []
    for seed in range(4):
        real, unseen = rng.random(400).round(6), rng.random(100)
        out = np.sort(Synthesizer(seed=seed, max_epochs=3).fit(pd.DataFrame({"x": real})).sample(1600)["x"].to_numpy())
        members = rng.choice(real, 100, replace=False)
        near_member, near_unseen = _nearest_gap(members, out), _nearest_gap(unseen, out)
        scores.append((near_member[:, None] < near_unseen[None, :]).mean())
    assert np.mean(scores) < 0.56


def test_values_just_inside_the_clip_points_are_drawn() -> None:
    """The rows clipped onto a clip point are redrawn as the tail; averaged in with the values next
    to them, they had left the 2% of the range just inside each clip point without a single draw
    (with the knots on the training values themselves: 0.7-5% of the draws, 2% for fresh ones)."""
    for seed in range(3):
        real = np.random.default_rng(seed).random(60).round(4)
        syn = Synthesizer(seed=seed, max_epochs=3).fit(pd.DataFrame({"x": real}))
        low, high = syn.describe()["columns"]["x"]["protection"]["clipped_to"]
        out = syn.sample(20_000)["x"].to_numpy()
        inside = out[(out >= low) & (out <= high)]
        near = 0.02 * (high - low)
        assert (inside < low + near).mean() > 0.01 and (inside > high - near).mean() > 0.01


def test_a_clip_point_held_by_one_row_is_not_drawn_as_itself() -> None:
    """A clip point is a training row's value (the 6th smallest of 24, say), and the knots laid
    over the rows clipped onto it as well as the bin's own came back as that value in 2% of the
    draws: half a row's share, one row's exact value, where no other single row's comes back."""
    for seed in range(3):
        real = np.random.default_rng(seed).random(24).round(4)
        syn = Synthesizer(seed=seed, max_epochs=3).fit(pd.DataFrame({"x": real}))
        clip_points = syn.describe()["columns"]["x"]["protection"]["clipped_to"]
        out = syn.sample(20_000)["x"].to_numpy()
        assert np.isin(out, clip_points).mean() < 0.002


def test_a_tail_beyond_a_tied_clip_point_never_gives_back_a_real_extreme() -> None:
    """Bookers of a 58-row GROUPING SETS result: the clip point 45 is held twice, so 4 rows, not
    5, lay beyond it (854, 1190, 1243 the grand total), and the tail's mean and shape, made of
    them alone, put the top one of every 3 tail draws of a sample on 1243: 9 of 192 tail draws."""
    bookers = [*[0] * 3, 1, 1, 2, *[3] * 3, *[4] * 3, *[5] * 3, 6, 7, 7, *[10] * 3, 12, 13, 14, 14, 15, 16]
    bookers += [17, 17, *[19] * 3, 20, 23, 23, 24, 25, 27, 27, 28, 29, 30, 30, 31, 32, 32, 33, 35, 38, 40]
    bookers += [43, 43, 45, 45, 46, 854, 1190, 1243]
    rng = np.random.default_rng(0)
    data = pd.DataFrame({"bookers": rng.permutation(bookers), "kind": rng.choice(["a", "b"], len(bookers))})
    syn = Synthesizer(seed=0, max_epochs=2, hidden_size=16).fit(data)
    out = pd.concat([syn.sample(60, seed=seed)["bookers"] for seed in range(40)])
    assert (out > 45).sum() > 150  # the tail is still drawn
    assert not out.isin([854, 1190, 1243]).any()


def test_a_column_of_too_few_values_to_clip_never_shows_one(tmp_path: Path) -> None:
    """3 severance payments among 2,000 employees came back as the real 183,512.77 in half the
    synthetic rows that had one (both clip points collapsed onto the middle value); 7 come back as
    their mean, 3 as nulls, and a one-row table never as its row."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"dept": rng.choice(["ops", "eng", "sales"], 2000), "salary": rng.gamma(4, 15_000, 2000)})
    frame["severance"], frame["bonus"] = np.nan, np.nan
    frame["left_on"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    frame.loc[[10, 500, 1500], "severance"] = [183_512.77, 92_004.10, 250_877.35]
    frame.loc[[10, 500, 1500], "left_on"] = pd.to_datetime(["2021-03-04", "2022-07-19", "2023-01-30"])
    bonuses = [1200.5, 800.25, 950.0, 2000.75, 1500.0, 700.0, 1100.0]
    frame.loc[[1, 2, 3, 4, 5, 6, 7], "bonus"] = bonuses
    syn = Synthesizer(seed=0, max_epochs=3).fit(frame)
    out = syn.sample(4000)
    assert out["severance"].isna().all() and out["left_on"].isna().all()
    assert set(out["bonus"].dropna()) == {round(float(np.mean(bonuses)), 2)}
    assert 0.001 < out["bonus"].notna().mean() < 0.01
    described = syn.describe()["columns"]
    assert described["severance"]["protection"]["too_few_to_show"] == "3 values, emitted as null"
    assert described["bonus"]["protection"]["too_few_to_clip"] == "7 values, emitted as their mean"
    one_row = frame.iloc[[10]].reset_index(drop=True)
    copied = Synthesizer(seed=0).fit(one_row).sample(5)
    assert copied["salary"].isna().all() and copied["dept"].ne("ops").all()
    assert sampled_after_save_and_load(syn, 4000, tmp_path).equals(out)


def _nearest_gap(values: np.ndarray, ordered: np.ndarray) -> np.ndarray:
    at = np.clip(np.searchsorted(ordered, values), 1, ordered.size - 1)
    return np.minimum(np.abs(values - ordered[at - 1]), np.abs(values - ordered[at]))


def test_extremes_stay_out_of_the_artifact(fitted: Synthesizer, frame: pd.DataFrame) -> None:
    import json

    dumped = json.dumps([c.params() for c in fitted._codecs])
    assert repr(float(frame["income"].max())) not in dumped
    assert repr(float(frame["income"].min())) not in dumped


def test_no_exact_copies_of_training_rows(frame: pd.DataFrame, synthetic: pd.DataFrame) -> None:
    columns = ["age", "income", "city", "session_min", "session_max"]
    real = frame[columns].dropna().drop_duplicates()
    joined = synthetic[columns].dropna().merge(real, how="inner")
    assert len(joined) == 0


def test_protections_can_be_switched_off_explicitly(frame: pd.DataFrame) -> None:
    syn = Synthesizer(seed=0, max_epochs=2, rare_category_min_count=1, detect_identifiers=False)
    syn.fit(frame[["name", "age"]])
    assert syn.describe()["settings"]["rare_category_min_count"] == 1
    assert syn.describe()["columns"]["name"]["protection"]["rare_categories_merged"] == 0


def test_keys_of_several_parts_keep_each_parts_real_values_and_number_on() -> None:
    """Order ids with the order's year (``ES-2023-100482``): free-form, the year place took any
    digit (``ES-2028-…``). Each part other than the counter keeps its real values in their real
    shares, and the counter goes on past the largest real one."""
    rng = np.random.default_rng(2)
    n = 3000
    years = rng.choice(["2023", "2024"], n, p=[0.7, 0.3])
    countries = rng.choice(["ES", "FR"], n)
    data = pd.DataFrame(
        {"order_id": [f"{c}-{y}-{100000 + i}" for i, (c, y) in enumerate(zip(countries, years, strict=True))]}
    )
    data["x"] = rng.normal(size=n)
    syn = Synthesizer(seed=0, max_epochs=2).fit(data)
    assert syn.describe()["columns"]["order_id"]["format"] == "segmented"
    out = syn.sample(20_000)["order_id"]
    assert out.str.fullmatch(r"(ES|FR)-202[34]-1\d{5}").all()
    assert out.str[3:7].eq("2023").mean() == pytest.approx(0.7, abs=0.03)
    out = pd.concat([out, syn.sample(500, seed=3)["order_id"]], ignore_index=True)  # a stream of its own
    assert out.is_unique and not out.isin(data["order_id"]).any()


def test_a_key_part_that_is_the_year_of_a_date_takes_the_synthetic_dates_year(tmp_path: Path) -> None:
    """``CA-2016-152156`` (Superstore): the year of the order date. Drawn on its own, 50% of the
    synthetic ids carried another year than their order's."""
    rng = np.random.default_rng(4)
    n = 3000
    ordered = pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 3 * 365, n), "D")
    ids = [f"CA-{day.year}-{rng.integers(100000, 170000)}" for day in ordered]  # Superstore's run 100006-169999
    data = pd.DataFrame({"order_id": ids, "order_date": ordered, "amount": rng.lognormal(3, 1, n).round(2)})
    data = data.drop_duplicates("order_id")
    syn = Synthesizer(seed=0, max_epochs=3).fit(data)
    assert syn.describe()["columns"]["order_id"]["years_of"] == ["order_date"]
    out = sampled_after_save_and_load(syn, 5000, tmp_path / "model")
    assert (out["order_id"].str[3:7].astype(int) == out["order_date"].dt.year).all()
    assert out["order_id"].is_unique and not out["order_id"].isin(data["order_id"]).any()


def test_phone_like_keys_keep_their_layout() -> None:
    """``555-123-4567``: the last four digits fill their width, so numbered on past the largest
    they would widen (``555-123-10000``); such keys stay free-form in their layout."""
    rng = np.random.default_rng(6)
    n = 3000
    phones = pd.unique(
        np.asarray(
            [
                f"{a}-{b}-{c:04d}"
                for a, b, c in zip(
                    rng.choice([212, 415], n), rng.choice([555, 867], n), rng.integers(0, 10_000, n), strict=True
                )
            ]
        )
    )
    data = pd.DataFrame({"phone": phones, "x": rng.normal(size=phones.size)})
    syn = Synthesizer(seed=0, max_epochs=2).fit(data)
    out = syn.sample(5000)["phone"]
    assert syn.describe()["columns"]["phone"]["format"] == "alphabet"
    assert out.str.fullmatch(r"\d{3}-\d{3}-\d{4}").all() and out.is_unique


def test_an_orders_lines_sharing_a_dated_id_take_the_synthetic_dates_year(tmp_path: Path) -> None:
    """Superstore's order lines: 1-4 lines share ``CA-2016-152156`` and its order date. The id
    keys the orders, learned on pseudonyms whose year part was drawn on its own: 2 of 3 synthetic
    orders carried another year than their order date."""
    rng = np.random.default_rng(7)
    orders = 1500
    ordered = pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 3 * 365, orders), "D")
    ids = np.asarray([f"CA-{day.year}-{100000 + i}" for i, day in enumerate(ordered)])
    lines = np.repeat(np.arange(orders), rng.integers(1, 5, orders))
    data = pd.DataFrame(
        {"order_id": ids[lines], "order_date": ordered[lines], "sales": rng.lognormal(3, 1, lines.size).round(2)}
    )
    syn = Synthesizer(seed=0, max_epochs=3).fit(data)
    assert syn.describe()["columns"]["order_id"]["years_of"] == ["order_date"]
    out = sampled_after_save_and_load(syn, lines.size, tmp_path / "model")
    assert out["order_id"].str.fullmatch(r"CA-\d{4}-\d{6,}").all()
    assert (out["order_id"].str[3:7].astype(int) == out["order_date"].dt.year).all()
    assert (out.groupby("order_id")["order_date"].nunique() == 1).all()
    assert not out["order_id"].isin(data["order_id"]).any()


def test_a_part_of_few_keys_is_not_shown() -> None:
    """A part held by fewer than 5 keys (a one-off branch code) would tell its real key apart:
    such keys stay free-form."""
    rng = np.random.default_rng(3)
    n = 400
    branch = np.where(np.arange(n) < 3, "ZZ", "AB")
    data = pd.DataFrame(
        {"ref": [f"{b}/{i:05d}/{y}" for i, (b, y) in enumerate(zip(branch, rng.integers(20, 23, n), strict=True))]}
    )
    data["x"] = rng.normal(size=n)
    syn = Synthesizer(seed=0, max_epochs=2).fit(data)
    out = syn.sample(2000)["ref"]
    assert syn.describe()["columns"]["ref"]["format"] == "alphabet"
    assert out.is_unique and not out.isin(data["ref"]).any()


def test_free_form_keys_stay_unique_past_what_their_free_places_tell_apart() -> None:
    """``K`` and three hex places tell 4,096 keys apart: past them the same keys came back (200,000
    rows held 4,096 keys); now the keys grow by a place. 64 real keys of the 4,096 fill them too
    densely to keep the length (a fresh key would be a real one 1 time in 64): fresh ones are a
    place longer than any real one from the start."""
    rng = np.random.default_rng(1)
    codes = pd.unique(np.asarray(["K" + "".join(rng.choice(list("a1b2"), 3)) for _ in range(64)]))
    data = pd.DataFrame({"code": codes, "x": rng.normal(size=codes.size)})
    syn = Synthesizer(seed=0, max_epochs=2).fit(data)
    out = syn.sample(70_000)["code"]
    assert out.is_unique and out.str.fullmatch(r"K[0-9a-f]{4,6}").all()
    assert (out.str.len() == 5).sum() == 16**4
    other_seed = syn.sample(2_000, seed=9)["code"]  # a range of its own: its rounds were cut to 32 bits
    assert pd.concat([out, other_seed]).is_unique


def test_densely_numbered_e_mails_never_come_back_as_real_addresses() -> None:
    """user1 ... user1200@example.com: ``user`` and typically three digits, so fresh local parts
    were three scrambled digits, most of them real: 866 of 1,200 synthetic addresses were real ones
    while the report said no real key was emitted. Now they are a digit longer than any real one."""
    emails = [f"user{i}@example.com" for i in range(1, 1201)]
    data = pd.DataFrame({"email": emails, "x": np.random.default_rng(3).normal(size=1200)})
    syn = Synthesizer(seed=0, max_epochs=2).fit(data)
    out = pd.concat([syn.sample(1200)["email"], syn.sample(300, seed=4)["email"]], ignore_index=True)
    assert syn.describe()["columns"]["email"]["protection"]["real_keys_emitted"] is False
    assert out.is_unique and not out.isin(emails).any()
    assert out.str.fullmatch(r"user\d{5,}@example\.com").all()


def test_reserved_keys_are_never_issued_and_the_reservation_is_saved(tmp_path: Path) -> None:
    """Keys of rows the model was not fitted on (a holdout, the rows past a training sample) are
    reserved: numbered, multi-part and densely numbered free-form keys all go past them."""
    n, rng = 1200, np.random.default_rng(8)
    real = pd.DataFrame(
        {
            "order_id": np.arange(1, n + 1),
            "invoice": [f"INV-{2020 + i % 4}-{i:05d}" for i in range(1, n + 1)],
            "email": [f"user{i}@example.com" for i in range(1, n + 1)],
            "x": rng.normal(size=n),
        }
    )
    fitted_on, held_out = real.iloc[:600], real.iloc[600:].copy()
    held_out.loc[held_out.index[-1], "email"] = "user1234567@example.com"  # longer than any fitted one
    syn = Synthesizer(seed=0, max_epochs=2).fit(fitted_on)
    assert syn.keys_to_reserve == ["order_id", "invoice", "email"]
    syn.reserve_keys(held_out.iloc[:300])
    syn.reserve_keys(pa.Table.from_pandas(held_out.iloc[300:]))  # batch by batch, in any kind
    out = sampled_after_save_and_load(syn, 900, tmp_path / "model")

    assert out["order_id"].min() == n + 1
    assert out["invoice"].str.extract(r"-(\d+)$")[0].astype(int).min() == n + 1
    for name in ("order_id", "invoice", "email"):
        assert out[name].is_unique and not out[name].isin(real[name]).any(), name
    assert (out["email"].str.split("@").str[0].str.len() > len("user1234567")).all()


def test_keys_past_2_53_and_at_the_top_of_their_type_come_back_exact_and_unique(tmp_path: Path) -> None:
    """Snowflake ids (1.4e18) were counted on in floats: 2,000 fresh tweet ids came back as 9
    values, one below the largest real id; a store id pseudonymised there came back as one store;
    a UBIGINT key run down from 2**64 - 1 had no room to count on and the sample failed
    ("Python int too large to convert to C long"); hash ids spread over int64 likewise."""
    n, rng = 2000, np.random.default_rng(0)
    stores = rng.integers(1_300_000_000_000_000_000, 1_310_000_000_000_000_000, 30)
    real = pd.DataFrame(
        {
            "tweet_id": np.sort(rng.integers(1_400_000_000_000_000_000, 1_500_000_000_000_000_000, n)),
            "store_id": rng.choice(stores, n),
            "digest": np.uint64(2**64 - 1) - np.arange(n, dtype=np.uint64),
            "hash_id": rng.integers(-(2**63), 2**63 - 1, n, dtype=np.int64),
            "likes": rng.poisson(5, n),
        }
    )
    syn = Synthesizer(seed=0, max_epochs=3).fit(real)
    out = sampled_after_save_and_load(syn, n, tmp_path / "model")
    other = syn.sample(n, seed=9)

    assert out.dtypes.to_dict() == real.dtypes.to_dict()
    first = int(real["tweet_id"].max()) + 1
    assert out["tweet_id"].tolist() == list(range(first, first + n))
    for name in ("tweet_id", "digest", "hash_id"):
        keys = pd.concat([out[name], other[name]])
        assert keys.is_unique and not keys.isin(set(real[name].tolist())).any(), name
    assert syn.describe()["columns"]["digest"]["format"] == "scattered"
    assert (out["digest"] > np.uint64(2**63)).mean() > 0.3  # spread over the whole type
    assert (out["hash_id"] < 0).mean() > 0.3  # real hash ids are negative too
    assert out["store_id"].nunique() == 30 and not out["store_id"].isin(set(stores.tolist())).any()


def test_whole_decimal_keys_are_keys(tmp_path: Path) -> None:
    """``numeric(19,0)`` ids (PostgreSQL, Oracle's NUMBER(19)) and DuckDB's HUGEINT arrive as decimals
    of scale 0: they were learned as numbers, and 2,998 of 3,000 synthetic rows carried a real
    account id, while the report called the column a regenerated key."""
    n, rng = 3000, np.random.default_rng(0)
    customers = rng.choice(np.arange(500_000, 500_400), n)
    real = pa.table(
        {
            "account_id": pa.array([Decimal(i) for i in range(1_000_001, 1_000_001 + n)], pa.decimal128(19, 0)),
            "digest": pa.array([Decimal(2**64 - 1 - i) for i in range(n)], pa.decimal128(38, 0)),
            "customer_id": pa.array([Decimal(int(c)) for c in customers], pa.decimal128(12, 0)),
            "amount": pa.array([Decimal(f"{v:.2f}") for v in rng.gamma(2, 50, n)], pa.decimal128(10, 2)),
        }
    )
    syn = Synthesizer(seed=0, max_epochs=3).fit(real)
    out = syn.sample(n)
    columns = syn.describe()["columns"]

    assert out.schema.equals(real.schema)
    for name in ("account_id", "digest", "customer_id"):
        assert columns[name]["kind"] == "identifier", name
        assert not set(out[name].to_pylist()) & set(real[name].to_pylist()), name
    assert out["account_id"].to_pylist()[:2] == [Decimal(1_000_001 + n), Decimal(1_000_002 + n)]
    assert len(set(out["digest"].to_pylist())) == n
    assert columns["amount"]["kind"] == "numeric"  # a decimal with cents is a measure


def test_identifiers_stay_unique_across_seeded_shards(fitted: Synthesizer) -> None:
    shards = [fitted.sample(200, seed=s) for s in (11, 12)] + [fitted.sample(200)]
    ids = pd.concat([s["user_id"] for s in shards])
    codes = pd.concat([s["code"] for s in shards])
    assert ids.is_unique and codes.is_unique


def test_streams_given_key_starts_continue_the_real_format(fitted: Synthesizer, frame: pd.DataFrame) -> None:
    """Shards and refills of one table, each with a seed of its own, told where their keys start."""
    first, second = fitted.sample(200, seed=11, key_start=0), fitted.sample(150, seed=12, key_start=200)
    codes = pd.concat([first["code"], second["code"]], ignore_index=True)
    numbers = codes.str[1:].astype(int)
    assert numbers.tolist() == list(range(numbers.iloc[0], numbers.iloc[0] + 350))
    assert numbers.iloc[0] > frame["code"].str[1:].astype(int).max()
    assert fitted.sample(50, key_start=0).equals(fitted.sample(50))
    with pytest.raises(ConfigError, match="key_start >= 0"):
        fitted.sample(5, key_start=-1)


def test_copies_of_a_record_stay_on_one_side_of_the_validation_split() -> None:
    """A validation row that is also a training row rewards memorising it: copies of a record
    (a table resampled) go to one side; identical rows of common values are split at random."""
    from synthpipe.engine.synthesizer import _record_groups
    from synthpipe.engine.training import split_validation

    rng = np.random.default_rng(0)
    records = pd.DataFrame({"spend": rng.gamma(2.0, 50.0, 2_000), "visits": rng.integers(1, 4, 2_000)})
    resampled = records.sample(16_000, replace=True, random_state=0).reset_index(drop=True)
    # common patterns: 60 x (0.0, 1), more than one record's copies; 20 x (0.0, 2), whose values occur elsewhere
    common = pd.DataFrame({"spend": np.zeros(80), "visits": np.r_[np.ones(60), np.full(20, 2)].astype(np.int64)})
    data = pd.concat([resampled, common], ignore_index=True)
    trn, val = split_validation(_record_groups(data), 0.1, seed=0)
    assert 0.07 < len(val) / len(data) < 0.13
    train_rows, val_rows = data.iloc[trn], data.iloc[val]
    on_both_sides = val_rows.merge(train_rows.drop_duplicates(), how="inner")
    assert len(on_both_sides) > 0 and (on_both_sides["spend"] == 0).all()


def _orders(customers: int = 150, seed: int = 0) -> pd.DataFrame:
    """An orders query: each customer places 4-12 orders under one segment; amounts follow it."""
    rng = np.random.default_rng(seed)
    ids = rng.choice(np.arange(10_000, 99_999), customers, replace=False)
    segment = rng.choice(["retail", "pro"], customers, p=[0.7, 0.3])
    rows = np.repeat(np.arange(customers), rng.integers(4, 13, customers))
    return pd.DataFrame(
        {
            "customer_id": ids[rows],
            "account_id": pd.Series([f"AC-{i:05d}" for i in ids[rows]], dtype="category"),
            "contact": [f"c{i}@{'shop.com' if i % 3 else 'mail.org'}" for i in ids[rows]],
            "segment": segment[rows],
            "amount": (np.where(segment[rows] == "pro", 200.0, 50.0) * rng.lognormal(0, 0.3, rows.size)).round(2),
        }
    )


def test_repeated_keys_are_learned_on_pseudonyms_of_their_type_and_format(tmp_path: Path) -> None:
    """A customer's id is held by that customer's 4-12 orders, so the 5-row rare rule let real
    ids through: a sweep table (baseball) came back with only real player ids, each next to the
    profile learned for that player. Now no real key is emitted or stored, keys still repeat,
    and one key's rows still belong to one customer (one segment)."""
    data = _orders()
    syn = Synthesizer(seed=0, max_epochs=30).fit(data)
    out = sampled_after_save_and_load(syn, len(data), tmp_path)
    columns = syn.describe()["columns"]
    for col in ("customer_id", "account_id", "contact"):
        assert columns[col]["protection"]["pseudonymised"] is True
        assert not out[col].isin(set(data[col])).any()
        assert out[col].value_counts().median() >= 4
    assert "pseudonymised" not in columns["segment"].get("protection", {})
    assert out["customer_id"].dtype == "int64" and out["customer_id"].min() > data["customer_id"].max()
    assert isinstance(out["account_id"].dtype, pd.CategoricalDtype)
    assert out["account_id"].notna().all()  # rare keys come back masked (AC-997**), not as null
    assert out["account_id"].astype(str).str.fullmatch(r"AC-\d+\**").all()
    assert out["contact"].str.fullmatch(r"(c\d+|\*\*\*)@(shop\.com|mail\.org)|_RARE_").all()
    one_segment = out.groupby("account_id", observed=True)["segment"].agg(
        lambda s: s.value_counts(normalize=True).iloc[0]
    )
    assert one_segment.mean() > 0.95
    stored = (tmp_path / "model.json").read_text()
    assert not any(key in stored for key in data["account_id"].astype(str).unique())


def test_repeated_keys_keep_real_values_when_switched_off() -> None:
    """Foreign keys into a dimension a user joins on (store_id) must stay real: one switch."""
    data = _orders()
    syn = Synthesizer(seed=0, max_epochs=5, pseudonymise_keys=False).fit(data)
    assert syn.describe()["training"]["pseudonymised_keys"] == []
    assert syn.sample(500)["account_id"].isin(set(data["account_id"])).mean() > 0.8


def test_key_names_are_keys_and_words_ending_in_id_are_not() -> None:
    from synthpipe.engine.codecs.identifier import names_a_key

    keys = ["id", "ID", "user_id", "userId", "playerID", "order-key", "id_user", "Ketchup.id", "pid", "hhid", "PID"]
    assert all(map(names_a_key, keys))
    folded = ["userid", "customerid", "CUSTOMERID", "accountkey", "src_patientid"]  # PostgreSQL folds customerId
    assert all(map(names_a_key, folded))
    words = ["acid", "rancid", "afraid", "paid", "PAID", "bid", "max_bid", "monkey", "width", "invalid", "turkey"]
    assert not any(map(names_a_key, words))


def test_a_panels_units_under_a_bare_word_are_keys_where_their_values_are_codes(tmp_path: Path) -> None:
    """R's Blackmoor follows 231 girls by ``subject`` (``100`` .. ``273b``, 2-5 visits each): learned
    as a category, common codes came back verbatim beside made-up rows, and no girl kept one group.
    A school's ``subject`` (words) and codes with many rows each (a questionnaire's items) stay
    categories."""
    rng = np.random.default_rng(0)
    girls = np.repeat(np.arange(100, 331), rng.integers(2, 6, 231))
    codes = pd.Series(girls).astype(str).where(girls % 7 != 0, pd.Series(girls).astype(str) + "b")
    group = np.where(girls % 3 == 0, "control", "patient")
    data = pd.DataFrame({"subject": codes, "age": rng.uniform(8, 17, girls.size).round(2), "group": group})
    syn = Synthesizer(seed=0, max_epochs=20).fit(data)
    assert syn.describe()["entities"]["key"] == "subject"
    out = sampled_after_save_and_load(syn, len(data), tmp_path)
    assert not out["subject"].isin(set(codes)).any()
    assert (out.groupby("subject")["group"].nunique() == 1).all() and out["subject"].value_counts().median() >= 2

    lessons = pd.DataFrame(
        {
            "subject": rng.choice([f"S{i}" for i in range(24)], 2000),
            "school": rng.choice(["Math", "Art", "Physics", "History"] * 5 + [f"x{i}" for i in range(20)], 2000),
            "grade": rng.integers(1, 7, 2000),
        }
    ).rename(columns={"school": "Subject"})
    for column in ("subject", "Subject"):
        syn = Synthesizer(seed=0, max_epochs=2).fit(lessons[[column, "grade"]])
        assert syn.describe()["entities"] is None and syn.describe()["columns"][column]["kind"] == "categorical"


def test_a_column_named_as_a_key_is_a_key_in_a_tiny_table() -> None:
    """Learned as a number, a 10-row query's ``id`` came back with real ids, some twice; a column
    not named as a key needs 20 unique values (fewer may be unique by chance)."""
    frame = pd.DataFrame({"id": np.arange(1, 11), "user_id": [f"u{i:03d}" for i in range(10)], "n": np.arange(10)})
    syn = Synthesizer(seed=0).fit(frame)
    out = syn.sample(9)
    for column in ["id", "user_id"]:
        assert syn.describe()["columns"][column]["kind"] == "identifier"
        assert out[column].is_unique and not out[column].isin(frame[column]).any()
    assert syn.describe()["columns"]["n"]["kind"] != "identifier"


def test_a_record_number_is_a_key_where_it_is_unique_however_sparse() -> None:
    """300 orders sampled from 900: their ``order_no`` values span three times their count, so as
    unique integers they were not dense enough for a key and came back as drawn real numbers."""
    from synthpipe.engine.codecs.identifier import numbers_records

    assert all(map(numbers_records, ["order_no", "invoice_number", "TicketNr", "salesOrderNumber", "case no"]))
    assert not any(map(numbers_records, ["phone_number", "houseNumber", "number", "seq_no", "no"]))
    rng = np.random.default_rng(3)
    sample = pd.DataFrame({"order_no": np.sort(rng.choice(np.arange(1, 901), 300, replace=False)),
                           "visit_no": rng.integers(1, 4, 300), "x": rng.normal(size=300)})  # fmt: skip
    syn = Synthesizer(seed=0, max_epochs=2).fit(sample)
    columns = syn.describe()["columns"]
    assert columns["order_no"]["kind"] == "identifier" and columns["visit_no"]["kind"] == "numeric"
    assert not syn.sample(300)["order_no"].isin(sample["order_no"]).any()


def test_a_dense_number_stays_a_key_when_only_a_sample_of_its_table_is_learned() -> None:
    """5,000 tickets numbered 1-5,000 in any order: dense, so a key. Learned on a sample of 1,000
    (the engine's own bound, or a pipeline's sample with the table's rows given), the sampled
    numbers spread over five times their count and came back as a number."""
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"ticket": rng.permutation(np.arange(1, 5001)), "x": rng.normal(size=5000)})
    bounded = Synthesizer(seed=0, max_epochs=2, max_training_rows=1000).fit(table)
    sample = table.sample(1000, random_state=0)
    told = Synthesizer(seed=0, max_epochs=2).fit(sample, table_rows=5000)
    untold = Synthesizer(seed=0, max_epochs=2).fit(sample)
    assert bounded.describe()["columns"]["ticket"]["kind"] == "identifier"
    assert told.describe()["columns"]["ticket"]["kind"] == "identifier"
    assert untold.describe()["columns"]["ticket"]["kind"] == "numeric"  # a sparse sample alone: a measure
    told.reserve_keys(table)  # as the pipeline does: the sample's largest number is not the table's
    assert told.sample(500)["ticket"].min() == 5001


def test_a_categorical_dtype_lists_no_rare_name_and_keeps_its_null_rate(tmp_path: Path) -> None:
    """The dtype's category list travels with the data (a parquet file's dictionary): it listed
    every rare name, and rare rows came back as null (here 20% nulls from none)."""
    rng = np.random.default_rng(0)
    n = 2000
    letters = [f"person{string.ascii_lowercase[i // 26 % 26]}{string.ascii_lowercase[i % 26]}" for i in range(n)]
    names = np.where(rng.random(n) < 0.2, letters, rng.choice(["a", "b", "c"], n))  # no digits: not codes
    dtype = pd.CategoricalDtype([*sorted(set(names)), "never held"])
    data = pd.DataFrame({"name": pd.Series(names, dtype=dtype), "x": rng.normal(size=n)})
    syn = Synthesizer(seed=0, max_epochs=5).fit(data)
    out = sampled_after_save_and_load(syn, n, tmp_path)["name"]
    assert list(out.dtype.categories) == ["a", "b", "c", "never held", "_RARE_"]
    assert out.notna().all() and out.eq("_RARE_").mean() == pytest.approx(0.2, abs=0.04)
    assert "person" not in (tmp_path / "model.json").read_text()


def _one_to_four_orders() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    orders = rng.choice([1, 2, 3, 4, 12], 600, p=[0.4, 0.25, 0.15, 0.1, 0.1])
    customer = np.repeat([f"C-{i:05d}" for i in rng.choice(90_000, 600, replace=False) + 10_000], orders)
    return pd.DataFrame({"customer_id": customer, "amount": rng.gamma(2.0, 20.0, customer.size).round(2)})


def test_rare_text_keys_come_back_as_keys_of_their_own(tmp_path: Path) -> None:
    """Learned as a category (entities off): most customers order once to four times, their
    pseudonyms are rare and were merged, so an orders table's customer key came back as _RARE_ or
    a masked C-00*** in most rows (one giant customer to anyone counting orders per customer). Each
    such row gets a fresh key of its own, past the pseudonyms, unique across seeded shards;
    frequent customers keep a shared key."""
    data = _one_to_four_orders()
    syn = Synthesizer(seed=0, max_epochs=10, learn_entities=False).fit(data)
    out = sampled_after_save_and_load(syn, len(data), tmp_path)["customer_id"]
    assert out.str.fullmatch(r"C-\d{5,6}").all() and not out.isin(set(data["customer_id"])).any()
    counts = out.value_counts()
    assert (counts >= 5).sum() >= 20 and (counts == 1).sum() > len(out) / 3
    shards = pd.concat([syn.sample(400, seed=s)["customer_id"] for s in (11, 12)])
    singles = shards[~shards.isin(set(counts.index[counts >= 5]))]
    assert singles.is_unique


def test_rare_json_objects_stay_json_with_their_keys_and_common_values() -> None:
    """A jsonb column of event properties: masked like a code, a rare object came back as
    ``{"plan": "pro", "seats": 1*}``, which no JSON reader takes. It keeps its keys and the values
    5+ rows hold under them (the rest null), then its keys alone; the rare token is ``{}``."""
    from synthpipe.engine.codecs.prefixes import code_direction, generalise

    counts = pd.Series(
        {
            '{"plan": "pro", "seats": 12}': 2,
            '{"plan": "pro", "seats": 40}': 3,
            '{"plan": "free", "seats": 13}': 4,
            '{"plan": "team", "seats": 7}': 1,
            '{"tier": 1}': 2,
        }
    )
    assert code_direction(counts.index) == "json"
    assert generalise(counts, 5, "json") == {
        '{"plan": "pro", "seats": 12}': '{"plan": "pro", "seats": null}',
        '{"plan": "pro", "seats": 40}': '{"plan": "pro", "seats": null}',
        '{"plan": "free", "seats": 13}': '{"plan": null, "seats": null}',
        '{"plan": "team", "seats": 7}': '{"plan": null, "seats": null}',
    }  # "pro" is held by 5 rows, no seats value is: the pro ones share a label, the rest their keys; tier stays rare
    rng = np.random.default_rng(5)
    plans = rng.choice(["free", "pro", "team"], 3_000, p=[0.6, 0.3, 0.1])
    props = [
        json.dumps({"plan": str(p), "seats": int(s)}) for p, s in zip(plans, rng.integers(1, 900, 3_000), strict=True)
    ]
    props[:40] = ['{"weird": [1, 2]}'] * 3 + ['["not", "an", "object"]'] * 37  # a few that are no object
    data = pd.DataFrame({"props": props, "spend": rng.gamma(2.0, 30.0, 3_000).round(2)})
    out = Synthesizer(seed=0, max_epochs=20).fit(data).sample(3_000)
    parsed = out["props"].map(json.loads)
    assert parsed.map(lambda v: isinstance(v, dict)).mean() > 0.95 and "_RARE_" not in set(out["props"])
    counts_real = data["props"].value_counts()
    assert not out["props"].isin(counts_real[counts_real < 5].index).any()
    plan_share = parsed.map(lambda v: v.get("plan") if isinstance(v, dict) else None).value_counts(normalize=True)
    assert plan_share.get("free", 0) == pytest.approx(0.6, abs=0.08)  # the plan survives the generalisation


def test_rare_json_arrays_keep_their_common_elements() -> None:
    """Tags as a JSON array: read as a name of a few words, a rare one came back as ``["red", *``.
    It keeps the elements 5+ rows hold (``["red", "sku17"]`` as ``["red"]``, a kept value), else
    fewer of them, else comes back as ``[]``; no rare real array is emitted."""
    from synthpipe.engine.codecs.prefixes import code_direction, generalise

    counts = pd.Series({'["a", "x1"]': 2, '["a", "x2"]': 3, '["b", "x3"]': 2, '["q9"]': 1})
    assert code_direction(counts.index) == "json"
    assert generalise(counts, 5, "json") == {'["a", "x1"]': '["a"]', '["a", "x2"]': '["a"]'}
    counts = pd.Series({'["a", "b", "c"]': 2, '["a", "b"]': 2, '["c", "a"]': 3, '["b"]': 1, '["q9"]': 1})
    assert generalise(counts, 5, "json") == {  # each its own label (a rare real value): then "a" alone
        '["a", "b"]': '["a"]',
        '["c", "a"]': '["a"]',
        '["a", "b", "c"]': '["a"]',  # after ["a", "c"], which two rows would hold
    }
    rng = np.random.default_rng(9)
    colours = ["red", "blue", "green", "sale", "new"]
    tags = [
        json.dumps(
            sorted({*rng.choice(colours, rng.integers(1, 3))} | ({f"sku{rng.integers(0, 2000)}"} if i % 2 else set()))
        )
        for i in range(3_000)
    ]
    data = pd.DataFrame({"tags": tags, "spend": rng.gamma(2.0, 30.0, 3_000).round(2)})
    out = Synthesizer(seed=0, max_epochs=10).fit(data).sample(3_000)
    parsed = out["tags"].map(json.loads)
    assert parsed.map(lambda v: isinstance(v, list)).all()
    counts_real = data["tags"].value_counts()
    assert not out["tags"].isin(counts_real[counts_real < 5].index).any()
    assert (out["tags"] == "[]").mean() < 0.05 and parsed.map(lambda v: "red" in v).mean() > 0.2


def test_rare_json_arrays_whose_common_elements_are_kept_arrays_come_back_as_them() -> None:
    """Every rare array here is a kept one plus a one-off sku, so no label but kept arrays was
    formed, and then no rare array was generalised at all: half the rows came back as ``[]``."""
    rng = np.random.default_rng(4)
    kept = [["red"], ["blue"], ["blue", "red"]]
    tags = [json.dumps([*kept[i % 3], *([f"sku{i}"] if i % 2 else [])]) for i in range(2_000)]
    data = pd.DataFrame({"tags": tags, "spend": rng.gamma(2.0, 30.0, 2_000).round(2)})
    out = Synthesizer(seed=0, max_epochs=10).fit(data).sample(2_000)
    assert out["tags"].isin([json.dumps(k) for k in kept]).all()


def test_free_text_is_written_in_the_words_of_its_rows_label(tmp_path: Path) -> None:
    """One chain wrote every ticket from the words of all of them: a billing ticket read "the parcel
    arrived late" as often as a shipping one (55% of billing tickets held a billing word). Each
    queue's texts have a chain of their own now; the words stay those 5+ of its rows share."""
    rng = np.random.default_rng(3)
    queue = rng.choice(["billing", "shipping"], 3000)
    billing = ["I was charged twice", "the invoice shows a wrong amount", "please refund my card"]
    shipping = ["the parcel arrived late", "my package came damaged", "the courier never showed up"]
    comment = [
        " ".join(rng.choice(billing if q == "billing" else shipping, rng.integers(1, 3))) + f" by user{i}"
        for i, q in enumerate(queue)
    ]
    data = pd.DataFrame({"queue": queue, "comment": comment})
    syn = Synthesizer(seed=0, max_epochs=10).fit(data)
    assert "comment is written in the words of its queue" in syn.describe()["constraints"]
    out = sampled_after_save_and_load(syn, 2000, tmp_path / "model")
    own = {q: {w for p in phrases for w in p.split()} for q, phrases in (("billing", billing), ("shipping", shipping))}
    other = {"billing": own["shipping"] - own["billing"], "shipping": own["billing"] - own["shipping"]}
    for q in ("billing", "shipping"):
        texts = out.loc[out["queue"] == q, "comment"].str.split()
        foreign = other[q]
        assert texts.map(lambda words, foreign=foreign: not set(words) & foreign).mean() > 0.97, q
    assert not out["comment"].isin(data["comment"]).any()


def test_text_unrelated_to_any_label_keeps_one_chain() -> None:
    """Ticket comments drawn whatever the queue: the queue tells nothing of the words, no topic."""
    syn = Synthesizer(seed=0, max_epochs=3).fit(ticket_comments(1500))
    assert not any("written in the words" in c for c in syn.describe()["constraints"])
