"""A tampered or hostile model artifact fails to load with ArtifactError and never executes code.

Two kinds of attacker: one who edits bytes (caught by the digests), and one who knows the format
and recomputes every digest (caught by validation; the digests are not a signature). An audit hook
records any attempt to unpickle, spawn a process or run a shell command while loading.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import pickle
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from synthpipe.engine import Synthesizer
from synthpipe.errors import ArtifactError

DANGEROUS_EVENTS = ("pickle.find_class", "os.system", "subprocess.Popen", "os.posix_spawn", "os.exec")
_watch: dict[str, Any] = {"on": False, "seen": []}


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _watch["on"] and event.startswith(DANGEROUS_EVENTS):
        _watch["seen"].append(event)


sys.addaudithook(_audit)  # process-wide and permanent by design; it only records while a test watches


class Payload:
    """What a hostile pickle would run: it creates a marker file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.write_text, (self.marker, "pwned"))


@pytest.fixture(scope="module")
def artifact(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = np.random.default_rng(0)
    table = pa.table({"n": rng.integers(0, 50, 200), "x": rng.normal(size=200),
                      "c": pa.array([f"k{i % 6}" for i in range(200)])})  # fmt: skip
    folder = tmp_path_factory.mktemp("model") / "model"
    Synthesizer(seed=1, max_epochs=1, hidden_size=8).fit(table).save(str(folder))
    return folder


@pytest.fixture
def copy(artifact: Path, tmp_path: Path) -> Path:
    target = tmp_path / "model"
    target.mkdir()
    for name in ("model.json", "weights.npz"):
        (target / name).write_bytes((artifact / name).read_bytes())
    return target


@pytest.fixture
def watched(tmp_path: Path) -> Iterator[Path]:
    """Arms the audit hook; yields the marker path a payload would create; fails on any dangerous event."""
    marker = tmp_path / "pwned"
    _watch.update(on=True, seen=[])
    yield marker
    _watch["on"] = False
    assert not _watch["seen"], f"loading triggered {_watch['seen']}"
    assert not marker.exists(), "a payload ran"


def load(folder: Path) -> Synthesizer:
    return Synthesizer.load(str(folder))


def rewrite(folder: Path, edit: Callable[[dict[str, Any]], None], *, rehash: bool = True) -> None:
    """Edit model.json's body; with ``rehash`` the attacker recomputes both digests."""
    document = json.loads((folder / "model.json").read_text())
    edit(document["body"])
    if rehash:
        document["body"]["weights_sha256"] = hashlib.sha256((folder / "weights.npz").read_bytes()).hexdigest()
        canonical = json.dumps(document["body"], sort_keys=True, separators=(",", ":"), allow_nan=False)
        document["body_sha256"] = hashlib.sha256(canonical.encode()).hexdigest()
    (folder / "model.json").write_text(json.dumps(document))


def edited_copy(folder: Path, target: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    """A copy of the artifact at ``folder`` with ``edit`` applied (digests recomputed)."""
    target.mkdir()
    for name in ("model.json", "weights.npz"):
        (target / name).write_bytes((folder / name).read_bytes())
    rewrite(target, edit)
    return target


def assert_edits_refused(
    folder: Path, tmp_path: Path, edits: list[Callable[[dict[str, Any]], None]], match: str | None = None
) -> None:
    """Each edit, applied to its own copy of the artifact at ``folder``, makes loading refuse it."""
    for edit in edits:
        with pytest.raises(ArtifactError, match=match):
            load(edited_copy(folder, tmp_path / edit.__name__, edit))


def test_the_untouched_artifact_loads_and_samples(artifact: Path, watched: Path) -> None:
    assert load(artifact).sample(5).num_rows == 5


# ---------------------------------------------------------------- edited bytes: digests catch them


def test_an_edited_setting_is_refused(copy: Path, watched: Path) -> None:
    rewrite(copy, lambda body: body["config"].update(max_bins=3), rehash=False)
    with pytest.raises(ArtifactError, match="modified after saving"):
        load(copy)


def test_flipped_weight_bytes_are_refused(copy: Path, watched: Path) -> None:
    data = bytearray((copy / "weights.npz").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (copy / "weights.npz").write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match="does not match"):
        load(copy)


@pytest.mark.parametrize("name", ["model.json", "weights.npz"])
def test_truncated_or_missing_parts_are_refused(copy: Path, watched: Path, name: str) -> None:
    (copy / name).write_bytes((copy / name).read_bytes()[:100])
    with pytest.raises(ArtifactError):
        load(copy)
    (copy / name).unlink()
    with pytest.raises(ArtifactError, match="no readable model artifact"):
        load(copy)


@pytest.mark.parametrize("text", ["", "null", "[]", '{"body": 1}', "{" * 50, '{"body": {}, "body_sha256": NaN}'])
def test_malformed_model_json_is_refused(copy: Path, watched: Path, text: str) -> None:
    (copy / "model.json").write_text(text)
    with pytest.raises(ArtifactError):
        load(copy)


DEEP_JSON_CHILD = """
import sys
from pathlib import Path
from synthpipe.engine import Synthesizer
from synthpipe.errors import ArtifactError
Path(sys.argv[1], "model.json").write_text("[" * 200_000)
try:
    Synthesizer.load(sys.argv[1])
except ArtifactError:
    print("ArtifactError")
"""


def test_absurdly_nested_model_json_is_refused(copy: Path) -> None:
    """In a child process, so the RecursionError cannot disturb the rest of the test process."""
    child = subprocess.run([sys.executable, "-c", DEEP_JSON_CHILD, str(copy)], capture_output=True, text=True,
                           timeout=120)  # fmt: skip
    assert child.stdout.strip() == "ArtifactError", child.stderr[-2000:]


# ---------------------------------------------------------------- format-aware attacker: validation catches it


def replace_weights(folder: Path, data: bytes) -> None:
    (folder / "weights.npz").write_bytes(data)
    rewrite(folder, lambda body: None)


def test_a_pickle_in_place_of_the_weights_never_runs(copy: Path, watched: Path) -> None:
    replace_weights(copy, pickle.dumps(Payload(watched)))
    with pytest.raises(ArtifactError):
        load(copy)


def test_an_object_array_inside_the_weights_never_unpickles(copy: Path, watched: Path) -> None:
    with np.load(copy / "weights.npz") as original:
        arrays: dict[str, Any] = {key: original[key] for key in original.files}
    arrays["A"] = np.array([Payload(watched)], dtype=object)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)  # an object array is stored pickled inside the .npy
    replace_weights(copy, buffer.getvalue())
    with pytest.raises(ArtifactError):
        load(copy)


def test_weights_that_break_the_autoregressive_mask_are_refused(copy: Path, watched: Path) -> None:
    with np.load(copy / "weights.npz") as original:
        arrays = {key: original[key].copy() for key in original.files}
    arrays["A"][:] = 1.0  # every column would see the ones after it: the model would leak or misbehave
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    replace_weights(copy, buffer.getvalue())
    with pytest.raises(ArtifactError, match="mask"):
        load(copy)


HOSTILE_EDITS: dict[str, Callable[[dict[str, Any]], None]] = {
    "unknown codec (a dotted path)": lambda body: body["columns"][0].update(codec="os.system"),
    "unknown setting": lambda body: body["config"].update(evil="__import__('os').system('id')"),
    "format version from the future": lambda body: body.update(version=999),
    "not a synthpipe model": lambda body: body.update(format="something-else"),
    "learned column out of range": lambda body: body.update(learned=[0, 10**9]),
    "huge hidden size": lambda body: body.update(hidden=10**12),
    "relation on a missing column": lambda body: body.update(relations=[["n", "no_such_column", False]]),
    "sum on a missing column": lambda body: body.update(sums=[["n", "x", "no_such_column", "n"]]),
    "garbage Arrow schema": lambda body: body.update(arrow_schema=base64.b64encode(b"\x00" * 64).decode()),
    "codec params of the wrong type": lambda body: body["columns"][1].update(params="rm -rf /"),
    "missing columns": lambda body: body.pop("columns"),
}


@pytest.mark.parametrize("edit", sorted(HOSTILE_EDITS))
def test_format_aware_tampering_is_refused(copy: Path, watched: Path, edit: str) -> None:
    rewrite(copy, HOSTILE_EDITS[edit])
    with pytest.raises(ArtifactError):
        load(copy)


def test_an_offset_whose_anchor_cannot_be_decoded_first_is_refused(tmp_path: Path, watched: Path) -> None:
    """A date learned as an offset is rebuilt from its anchor: an anchor that is no decoded date
    (renamed to a constant) or that leads back to the column (a cycle) would fail mid-sample, so
    loading refuses it."""
    days = pd.Timestamp("2023-01-01") + pd.to_timedelta(np.arange(300) % 200, unit="D")
    shipped = days + pd.to_timedelta(np.arange(300) % 4, unit="D")
    delivered = shipped + pd.to_timedelta(1 + np.arange(300) % 3, unit="D")
    frame = pd.DataFrame({"ordered": days, "shipped": shipped, "delivered": delivered, "x": 1.0})
    folder = tmp_path / "offset_model"
    Synthesizer(seed=0, max_epochs=1).fit(frame).save(str(folder))
    columns = json.loads((folder / "model.json").read_text())["body"]["columns"]
    assert [c["codec"] for c in columns] == ["numeric", "offset", "offset", "numeric"]
    load(folder)

    def constant_anchor(body: dict[str, Any]) -> None:
        body["columns"][1]["params"]["anchor"] = "x"

    def cycle(body: dict[str, Any]) -> None:
        body["columns"][1]["params"]["anchor"] = "delivered"
        body["columns"][2]["params"]["anchor"] = "shipped"

    assert_edits_refused(folder, tmp_path, [constant_anchor, cycle], match="anchored")


def test_the_watch_itself_sees_an_unpickle(tmp_path: Path) -> None:
    """The harness works: unpickling the payload is seen by the audit hook (and runs the payload)."""
    marker = tmp_path / "pwned"
    _watch.update(on=True, seen=[])
    try:
        pickle.loads(pickle.dumps(Payload(marker)))
    finally:
        _watch["on"] = False
    assert "pickle.find_class" in _watch["seen"] and marker.exists()


def test_a_dependency_mapping_to_tokens_the_column_lacks_is_refused(tmp_path: Path, watched: Path) -> None:
    """A dependency's mapping indexes the dependent's tokens at sampling: an edited mapping that
    points past them (or names a column the model does not learn) is refused on load."""
    rng = np.random.default_rng(0)
    city = rng.choice(["Berlin", "Paris", "Rome"], 300)
    frame = pd.DataFrame({"city": city, "country": [{"Berlin": "DE", "Paris": "FR", "Rome": "IT"}[c] for c in city]})
    folder = tmp_path / "dependency_model"
    Synthesizer(seed=0, max_epochs=1).fit(frame).save(str(folder))
    load(folder)

    def past_the_tokens(body: dict[str, Any]) -> None:
        body["dependencies"][0][2][0] = 99

    def unknown_column(body: dict[str, Any]) -> None:
        body["dependencies"][0][1] = "nowhere"

    assert_edits_refused(folder, tmp_path, [past_the_tokens, unknown_column], match="dependency")


def test_a_dependencys_values_on_a_column_that_is_no_binned_number_are_refused(tmp_path: Path, watched: Path) -> None:
    """A dependency's values are set on a binned number after decoding: values of another length
    than the determinant's tokens, a value that is no finite number, or values on a label column
    are refused."""
    rng = np.random.default_rng(0)
    prices = {f"P{i}": float(rng.lognormal(3, 1)) for i in range(40)}
    product = rng.choice(list(prices), 2000)
    frame = pd.DataFrame(
        {"product": product, "price": [prices[p] for p in product], "channel": rng.choice(["a", "b"], 2000)}
    )
    folder = tmp_path / "value_model"
    Synthesizer(seed=0, max_epochs=1).fit(frame).save(str(folder))
    assert any(len(d) == 4 for d in json.loads((folder / "model.json").read_text())["body"]["dependencies"])
    load(folder)

    def value_dependency(body: dict[str, Any]) -> list[Any]:
        return next(d for d in body["dependencies"] if len(d) == 4)

    def too_short(body: dict[str, Any]) -> None:
        value_dependency(body)[3].pop()

    def not_a_number(body: dict[str, Any]) -> None:
        value_dependency(body)[3][0] = "1e999"

    def on_a_label(body: dict[str, Any]) -> None:
        dep = value_dependency(body)
        dep[1], dep[2] = "channel", [0] * len(dep[2])

    assert_edits_refused(folder, tmp_path, [too_short, not_a_number, on_a_label], match="dependency")


def test_unseen_pairs_of_unknown_columns_or_past_the_tokens_are_refused(tmp_path: Path, watched: Path) -> None:
    """Sampling masks the later column's tokens by the earlier one's (either way round: cells and
    quotas head the chain): pairs naming a column the model does not learn, whose tokens lie past a
    column's, or whose token lists differ in length are refused on load."""
    rng = np.random.default_rng(0)
    mode = rng.choice(["express", "standard"], 1000)
    days = np.where(mode == "express", rng.integers(1, 4, 1000), rng.integers(2, 7, 1000))
    frame = pd.DataFrame({"mode": mode, "days": days})
    folder = tmp_path / "unseen_model"
    Synthesizer(seed=0, max_epochs=1).fit(frame).save(str(folder))
    assert json.loads((folder / "model.json").read_text())["body"]["unseen"]
    load(folder)

    def unknown(body: dict[str, Any]) -> None:
        body["unseen"][0][1] = "no_such_column"

    def past_the_tokens(body: dict[str, Any]) -> None:
        body["unseen"][0][3][0] = 99

    def uneven(body: dict[str, Any]) -> None:
        body["unseen"][0][2].append(0)

    assert_edits_refused(folder, tmp_path, [unknown, past_the_tokens, uneven], match="unseen pairs")


def test_an_unequal_pair_of_one_column_or_past_the_tokens_is_refused(tmp_path: Path, watched: Path) -> None:
    """Sampling rules out the later column's token that the earlier one's maps to (either way
    round): a mapping past the second's tokens, or a pair of one column with itself, is refused on
    load."""
    rng = np.random.default_rng(0)
    home = rng.integers(0, 6, 600)
    teams = np.array(list("abcdef"), dtype=object)
    frame = pd.DataFrame({"home": teams[home], "away": teams[(home + rng.integers(1, 6, 600)) % 6]})
    folder = tmp_path / "unequal_model"
    Synthesizer(seed=0, max_epochs=1).fit(frame).save(str(folder))
    load(folder)

    def past_the_tokens(body: dict[str, Any]) -> None:
        body["unequal"][0][2][0] = 99

    def itself(body: dict[str, Any]) -> None:
        body["unequal"][0][:2] = ["home", "home"]

    assert_edits_refused(folder, tmp_path, [past_the_tokens, itself], match="unequal")


def test_a_band_with_unordered_cuts_or_a_label_decoded_too_early_is_refused(tmp_path: Path, watched: Path) -> None:
    """A band's label is set once the numbers are final: cuts out of order, a token past the
    label's, or a label that a relation repairs (so decoded before the bands) are refused."""
    rng = np.random.default_rng(0)
    age = rng.uniform(18, 90, 600).round(1)
    frame = pd.DataFrame(
        {"group": np.where(age < 40, "young", "old"), "age": age, "limit": age + rng.uniform(0, 9, 600)}
    )
    folder = tmp_path / "band_model"
    Synthesizer(seed=0, max_epochs=1).fit(frame).save(str(folder))
    load(folder)

    def unordered(body: dict[str, Any]) -> None:
        body["bands"][0][2] = [50.0, 40.0]
        body["bands"][0][3] = [0, 1, 0]

    def past_the_tokens(body: dict[str, Any]) -> None:
        body["bands"][0][3][0] = 99

    def repaired_label(body: dict[str, Any]) -> None:
        body["bands"][0][1] = "limit"

    assert_edits_refused(folder, tmp_path, [unordered, past_the_tokens, repaired_label], match="band")


def test_a_span_with_an_unknown_unit_or_column_is_refused(tmp_path: Path, watched: Path) -> None:
    days = pd.Timestamp("2023-01-01") + pd.to_timedelta(np.arange(300) % 200, unit="D")
    later = days + pd.to_timedelta(np.arange(300) % 40 + 1, unit="D")
    frame = pd.DataFrame({"start": days, "end": later, "nights": (later - days).days})
    folder = tmp_path / "span_model"
    Synthesizer(seed=0, max_epochs=1).fit(frame).save(str(folder))
    load(folder)

    def unknown_unit(body: dict[str, Any]) -> None:
        body["spans"][0][3] = "fortnights"

    def unknown_column(body: dict[str, Any]) -> None:
        body["spans"][0][1] = "nowhere"

    assert_edits_refused(folder, tmp_path, [unknown_unit, unknown_column])


def test_a_formula_with_an_unknown_operation_or_column_is_refused(tmp_path: Path, watched: Path) -> None:
    rng = np.random.default_rng(0)
    quantity, price = rng.integers(1, 9, 300), np.round(rng.uniform(1, 50, 300), 2)
    discount = rng.choice([0.0, 0.1, 0.25], 300)
    frame = pd.DataFrame({"quantity": quantity, "price": price, "total": np.round(quantity * price, 2)})
    frame = frame.assign(discount=discount, paid=np.round(quantity * price * (1 - discount), 2))
    folder = tmp_path / "formula_model"
    Synthesizer(seed=0, max_epochs=1).fit(frame).save(str(folder))
    load(folder)

    def unknown_operation(body: dict[str, Any]) -> None:
        body["formulas"][0][2] = "__import__('os').system('true')"

    def unknown_column(body: dict[str, Any]) -> None:
        body["formulas"][0][1] = "nowhere"

    def unknown_rate(body: dict[str, Any]) -> None:
        next(f for f in body["formulas"] if len(f) == 7)[6] = "nowhere"

    def rate_on_a_two_column_operation(body: dict[str, Any]) -> None:
        body["formulas"][0].append("discount")

    def two_rates(body: dict[str, Any]) -> None:
        next(f for f in body["formulas"] if len(f) == 7).append("discount")

    edits = [unknown_operation, unknown_column, unknown_rate, rate_on_a_two_column_operation, two_rates]
    assert_edits_refused(folder, tmp_path, edits)


def test_a_key_taking_the_year_of_an_unknown_column_is_refused(tmp_path: Path, watched: Path) -> None:
    days = pd.Timestamp("2020-01-01") + pd.to_timedelta(np.arange(300) * 5, unit="D")
    frame = pd.DataFrame({"order_id": [f"ES-{d.year}-{100000 + i}" for i, d in enumerate(days)], "day": days})
    folder = tmp_path / "key_years_model"
    Synthesizer(seed=0, max_epochs=1).fit(frame).save(str(folder))
    load(folder)

    def year_of_nowhere(body: dict[str, Any]) -> None:
        key = next(c for c in body["columns"] if c["storage"]["name"] == "order_id")
        next(p for p in key["params"]["fmt"]["parts"] if "year_of" in p)["year_of"] = "nowhere"

    assert_edits_refused(folder, tmp_path, [year_of_nowhere])


def test_an_email_key_spelling_an_unknown_column_or_an_odd_layout_is_refused(tmp_path: Path, watched: Path) -> None:
    names = np.asarray(["anna", "ben", "clara", "david"])[np.arange(300) % 4]
    frame = pd.DataFrame({"name": names, "email": [f"{n}{i}@web.de" for i, n in enumerate(names)]})
    folder = tmp_path / "email_model"
    Synthesizer(seed=0, max_epochs=1).fit(frame).save(str(folder))
    load(folder)

    def names_of(body: dict[str, Any]) -> dict[str, Any]:
        key = next(c for c in body["columns"] if c["storage"]["name"] == "email")
        return dict(key["params"]["fmt"]["names"])

    def set_names(name: str, **edit: Any) -> Callable[[dict[str, Any]], None]:
        def edited(body: dict[str, Any]) -> None:
            key = next(c for c in body["columns"] if c["storage"]["name"] == "email")
            key["params"]["fmt"]["names"] = {**names_of(body), **edit}

        edited.__name__ = name  # each edit gets a copy of its own
        return edited

    edits = [
        set_names("unknown_column", columns=["nowhere"]),
        set_names("huge_width", width=10**9),
        set_names("odd_separator", separator="{}"),
        set_names("no_columns", columns=[]),
    ]
    assert_edits_refused(folder, tmp_path, edits)


def test_a_pseudonymised_email_spelling_an_unknown_column_is_refused(tmp_path: Path, watched: Path) -> None:
    names = np.asarray(["anna", "ben", "clara", "david"])[np.arange(60) % 4]
    who = np.arange(600) % 60
    frame = pd.DataFrame({"name": names[who], "email": [f"{names[i]}{i}@web.de" for i in who]})
    folder = tmp_path / "pseudonym_model"
    Synthesizer(seed=0, max_epochs=1).fit(frame).save(str(folder))
    load(folder)

    def spells_nowhere(body: dict[str, Any]) -> None:
        body["stand_in_keys"]["email"]["names"]["columns"] = ["nowhere"]

    assert_edits_refused(folder, tmp_path, [spells_nowhere])


def test_a_word_chain_naming_unknown_words_or_running_on_without_end_is_refused(tmp_path: Path, watched: Path) -> None:
    from tests.unit.engine.test_privacy import ticket_comments

    folder = tmp_path / "prose_model"
    Synthesizer(seed=0, max_epochs=1).fit(ticket_comments(400)).save(str(folder))
    load(folder)

    def set_chain(name: str, change: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
        def edited(body: dict[str, Any]) -> None:
            change(next(c for c in body["columns"] if c["storage"]["name"] == "comment")["params"]["prose"])

        edited.__name__ = name  # each edit gets a copy of its own
        return edited

    edits = [
        set_chain("pair_past_the_words", lambda chain: chain["pairs"].append([0, len(chain["words"]) + 1, 9])),
        set_chain("rare_pair", lambda chain: chain["pairs"].__setitem__(0, [*chain["pairs"][0][:2], 1])),
        set_chain("huge_texts", lambda chain: chain.update(max_words=10**9)),
        set_chain("word_with_a_space", lambda chain: chain["words"].__setitem__(0, "two words")),
        set_chain("unknown_start", lambda chain: chain["starts"].append([-1, 50])),
        set_chain("no_lengths", lambda chain: chain.update(lengths=[])),
        set_chain("bands_past_the_longest", lambda chain: chain.update(bands=[chain["max_words"] + 5])),
        set_chain("triple_past_the_words", lambda chain: chain["triples"].append([0, 0, len(chain["words"]), 9])),
        set_chain("falling_bands", lambda chain: chain.update(bands=[chain["max_words"], 1, chain["max_words"]])),
    ]
    assert_edits_refused(folder, tmp_path, edits)


def test_a_matched_weekday_that_is_no_daily_trends_weekday_is_refused(tmp_path: Path, watched: Path) -> None:
    from tests.unit.engine.test_entities import _daily_stores

    folder = tmp_path / "daily_model"
    Synthesizer(seed=0, max_epochs=1).fit(_daily_stores(30, 60, seed=3)).save(str(folder))
    load(folder)

    def unknown(body: dict[str, Any]) -> None:
        body["matched_parts"] = ["nowhere"]

    def an_hour(body: dict[str, Any]) -> None:
        next(p for p in body["hidden_parts"] if p[0] in body["matched_parts"])[2] = "hour({})"

    def of_another_date(body: dict[str, Any]) -> None:
        next(p for p in body["hidden_parts"] if p[0] in body["matched_parts"])[1] = "visitors"

    assert_edits_refused(folder, tmp_path, [unknown, an_hour, of_another_date])


def test_a_date_part_or_year_anchor_with_an_unknown_part_or_column_is_refused(tmp_path: Path, watched: Path) -> None:
    days = pd.Timestamp("2019-01-01") + pd.to_timedelta(np.arange(400) * 3 % 1500, unit="D")
    frame = pd.DataFrame({"day": days, "year": days.year, "month": days.month})
    folder = tmp_path / "parts_model"
    Synthesizer(seed=0, max_epochs=1).fit(frame).save(str(folder))
    load(folder)

    def unknown_part(body: dict[str, Any]) -> None:
        body["parts"][0][2] = "__import__('os')({})"

    def unknown_column(body: dict[str, Any]) -> None:
        body["parts"][0][1] = "nowhere"

    def unknown_year_part(body: dict[str, Any]) -> None:
        day = next(c for c in body["columns"] if c["storage"]["name"] == "day")
        day["params"]["anchor_part"] = "month({})"

    assert_edits_refused(folder, tmp_path, [unknown_part, unknown_column, unknown_year_part])


def test_a_hidden_part_out_of_place_or_of_an_unknown_date_or_part_is_refused(tmp_path: Path, watched: Path) -> None:
    days = pd.Timestamp("2015-01-01") + pd.to_timedelta(np.arange(600) * 7 % 2500, unit="D")
    frame = pd.DataFrame({"day": days, "winter": days.month.isin([12, 1, 2])})
    folder = tmp_path / "hidden_part_model"
    syn = Synthesizer(seed=0, max_epochs=1).fit(frame)
    assert syn.describe()["columns"]["day"]["learned_with"].startswith("its year")
    syn.save(str(folder))
    load(folder)

    def unknown_date(body: dict[str, Any]) -> None:
        body["hidden_parts"][0][1] = "nowhere"

    def unknown_part(body: dict[str, Any]) -> None:
        body["hidden_parts"][0][2] = "month({})"

    def not_the_last_column(body: dict[str, Any]) -> None:
        body["hidden_parts"][0][0] = "winter"

    def more_hidden_parts_than_trailing_numbers(body: dict[str, Any]) -> None:
        body["hidden_parts"].insert(0, ["day", "day", "year({})"])

    edits = [unknown_date, unknown_part, not_the_last_column, more_hidden_parts_than_trailing_numbers]
    assert_edits_refused(folder, tmp_path, edits)


def test_a_null_link_with_unknown_columns_tokens_or_rules_is_refused(tmp_path: Path, watched: Path) -> None:
    rng = np.random.default_rng(4)
    status = rng.choice(["delivered", "cancelled"], 600, p=[0.8, 0.2])
    delivered = pd.Series(pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 10**7, 600), unit="s"))
    frame = pd.DataFrame({"status": status, "delivered_at": delivered.mask(status == "cancelled")})
    folder = tmp_path / "null_link_model"
    syn = Synthesizer(seed=0, max_epochs=1).fit(frame)
    assert "status decides where delivered_at is null" in syn.describe()["constraints"]
    syn.save(str(folder))
    load(folder)

    def unknown_column(body: dict[str, Any]) -> None:
        body["null_links"][0][1] = "nowhere"

    def not_the_null_token(body: dict[str, Any]) -> None:
        body["null_links"][0][2] += 1

    def rules_for_tokens_the_label_lacks(body: dict[str, Any]) -> None:
        body["null_links"][0][3].append(1)

    def an_unknown_rule(body: dict[str, Any]) -> None:
        body["null_links"][0][3][0] = 7

    edits = [unknown_column, not_the_null_token, rules_for_tokens_the_label_lacks, an_unknown_rule]
    assert_edits_refused(folder, tmp_path, edits)


def _saved_weekend_orders(folder: Path, customers: int, each: int, window_days: int) -> tuple[Path, Synthesizer]:
    """A model of customers' orders (``each`` within ``window_days`` of a first day), weekend
    orders by app, saved to ``folder`` (loads untouched)."""
    rng = np.random.default_rng(3)
    keys = np.repeat(np.arange(1, customers + 1), each)
    first = np.repeat(pd.Timestamp("2019-01-01") + pd.to_timedelta(rng.integers(0, 1000, customers), unit="D"), each)
    ordered = pd.Series(first + pd.to_timedelta(rng.integers(0, window_days * 86_400, keys.size), unit="s"))
    weekend = ordered.dt.day_of_week.to_numpy() >= 5
    channel = np.where(weekend, "app", rng.choice(["app", "web"], keys.size, p=[0.2, 0.8]))
    frame = pd.DataFrame({"customer_id": keys, "ordered_at": ordered, "channel": channel})
    syn = Synthesizer(seed=0, max_epochs=1).fit(frame)
    syn.save(str(folder))
    load(folder)
    return folder, syn


def test_an_entity_tables_hidden_part_out_of_place_or_a_year_is_refused(tmp_path: Path, watched: Path) -> None:
    """With entities a hidden part sits before the entity's hidden columns and is a weekday or an
    hour: a year would anchor a date the entity's first date already anchors."""
    folder, syn = _saved_weekend_orders(tmp_path / "entity_hidden_part_model", 600, 5, window_days=300)
    assert syn.describe()["columns"]["ordered_at"]["learned_with"].startswith("its weekday")

    def a_year(body: dict[str, Any]) -> None:
        body["hidden_parts"][0][2] = "year({})"

    def an_entity_column(body: dict[str, Any]) -> None:
        body["hidden_parts"][0][0] = body["columns"][-2]["storage"]["name"]

    def a_weekday_moving_visits(body: dict[str, Any]) -> None:
        body["visit_hours"] = [body["hidden_parts"][0][0]]  # the weekday: only an hour moves visits

    assert_edits_refused(folder, tmp_path, [a_year, an_entity_column, a_weekday_moving_visits])


def test_a_given_part_of_another_kind_or_drawn_before_its_date_is_refused(tmp_path: Path, watched: Path) -> None:
    """A part set from an entity's date once decoded (its steps summed) is a hidden month, weekday
    or hour of that date, drawn right after it: drawn before, there would be no date to set it
    from."""
    folder, syn = _saved_weekend_orders(tmp_path / "given_part_model", 800, 6, window_days=10)
    assert syn.describe()["columns"]["ordered_at"]["learned_with"].startswith("its weekday as decoded")

    def not_a_hidden_part(body: dict[str, Any]) -> None:
        body["given_parts"] = ["channel"]

    def a_year(body: dict[str, Any]) -> None:
        body["hidden_parts"][0][2] = "year({})"

    def drawn_before_its_date(body: dict[str, Any]) -> None:
        names = [c["storage"]["name"] for c in body["columns"]]
        part, date = names.index(body["given_parts"][0]), names.index("ordered_at")
        learned = [i for i in body["learned"] if i != part]
        learned.insert(learned.index(date), part)
        body["learned"] = learned

    assert_edits_refused(folder, tmp_path, [not_a_hidden_part, a_year], match="given part|hidden part")
    assert_edits_refused(folder, tmp_path, [drawn_before_its_date])  # the weights' layout no longer fits either
