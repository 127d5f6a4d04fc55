"""Arrays, structs and maps: learned as their JSON text, sampled back in their own type."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from synthpipe import Synthesizer
from synthpipe.errors import SchemaError

ROWS = 1_500
COMMON_TAGS = [["red", "blue"], ["red"], [], ["green", "red"], ["blue"]]


def tagged_frame() -> pd.DataFrame:
    """Common tag lists, every 50th row with a tag of its own (rare: one row holds it), and
    properties of two plans; a few nulls in each."""
    rng = np.random.default_rng(0)
    tags = [list(COMMON_TAGS[i % 5]) + ([f"sku{i}"] if i % 50 == 0 else []) for i in range(ROWS)]
    props = [{"plan": ["free", "pro"][i % 2], "seats": i % 3} for i in range(ROWS)]
    frame = pd.DataFrame({"spend": rng.gamma(2.0, 10.0, ROWS), "tags": tags, "props": props})
    frame.loc[frame.index % 47 == 3, ["tags", "props"]] = None
    return frame


def nested_table() -> pa.Table:
    i = np.arange(ROWS)
    return pa.table(
        {
            "x": pa.array(np.random.default_rng(1).normal(size=ROWS)),
            "ints": pa.array([[int(k % 5), int(k % 7)] for k in i], pa.list_(pa.int64())),
            "visit": pa.array(
                [{"n": int(k % 4), "day": dt.date(2024, 1, 1 + int(k % 28))} for k in i],
                pa.struct([("n", pa.int32()), ("day", pa.date32())]),
            ),
            "attrs": pa.array([[("size", int(k % 9))] for k in i], pa.map_(pa.string(), pa.int64())),
            "codes": pa.array([[(int(k % 3), "v")] for k in i], pa.map_(pa.int64(), pa.string())),
        }
    )


@pytest.fixture(scope="module")
def tagged() -> tuple[pd.DataFrame, Synthesizer]:
    frame = tagged_frame()
    return frame, Synthesizer(seed=0, max_epochs=3).fit(frame)


def test_lists_and_dicts_come_back_as_lists_and_dicts(tagged: tuple[pd.DataFrame, Synthesizer]) -> None:
    _, syn = tagged
    out = syn.sample(600)
    tags, props = out["tags"].dropna(), out["props"].dropna()
    assert len(tags) > 500 and all(isinstance(v, list) and all(isinstance(t, str) for t in v) for v in tags)
    assert len(props) > 500 and all(isinstance(v, dict) for v in props)
    assert {json.dumps(v) for v in tags} >= {json.dumps(v) for v in COMMON_TAGS}
    assert {v["plan"] for v in props} == {"free", "pro"} and {v["seats"] for v in props} == {0, 1, 2}
    assert 0 < out["tags"].isna().sum() < 30  # nulls kept (9 of 1,500 real rows)


def test_a_rare_array_is_never_emitted(tagged: tuple[pd.DataFrame, Synthesizer]) -> None:
    """A tag one row holds is that row's: the array comes back with its common elements only."""
    _, syn = tagged
    emitted = {tag for value in syn.sample(3_000)["tags"].dropna() for tag in value}
    assert emitted <= {"red", "blue", "green"}


def test_nested_columns_are_described_and_sampled_the_same_after_save_and_load(
    tagged: tuple[pd.DataFrame, Synthesizer], tmp_path: Path
) -> None:
    _, syn = tagged
    columns = syn.describe()["columns"]
    assert columns["tags"]["nested"] == "array"
    assert columns["props.plan"]["field_of"] == "props" and columns["props.seats"]["kind"] == "numeric"
    syn.save(str(tmp_path / "model"))
    again = Synthesizer.load(str(tmp_path / "model"))
    pd.testing.assert_frame_equal(again.sample(200, seed=5), syn.sample(200, seed=5))


def test_list_struct_and_map_columns_of_a_table_keep_their_arrow_types() -> None:
    table = nested_table()
    first = Synthesizer(seed=0, max_epochs=3).fit(table).sample(400)
    second = Synthesizer(seed=0, max_epochs=3).fit(table).sample(400)
    assert isinstance(first, pa.Table) and first.schema == table.schema
    assert first.equals(second)  # deterministic
    rows = first.to_pylist()
    assert all(len(row["ints"]) == 2 and 0 <= row["ints"][0] < 5 for row in rows)
    assert all(isinstance(row["visit"]["day"], dt.date) and row["visit"]["day"].year == 2024 for row in rows)
    assert {key for row in rows for key, _ in row["attrs"]} == {"size"}
    assert {key for row in rows for key, _ in row["codes"]} <= {0, 1, 2}


def test_a_struct_named_like_a_key_is_learned_as_a_struct() -> None:
    """count_distinct has no kernel for structs: an ``address_key`` struct raised
    ArrowNotImplementedError where the pipeline asked whether it keys entities (entity_keys)."""
    from synthpipe.engine.config import EngineConfig
    from synthpipe.engine.synthesizer import entity_keys

    ids = np.arange(600)
    table = pa.table(
        {
            "id": ids,
            "address_key": pa.array([{"city": f"c{i % 5}", "zip": 1000 + i % 7} for i in ids]),
        }
    )
    assert entity_keys(table, EngineConfig()) is None
    out = Synthesizer(seed=0, max_epochs=3).fit(table).sample(200)
    assert out.schema == table.schema
    assert {row["city"] for row in out.column("address_key").to_pylist()} <= {f"c{i}" for i in range(5)}


def test_arrow_backed_pandas_columns_keep_their_dtypes() -> None:
    frame = nested_table().to_pandas(types_mapper=pd.ArrowDtype)
    out = Synthesizer(seed=0, max_epochs=2).fit(frame).sample(50)
    assert list(out.dtypes) == list(frame.dtypes)


def test_a_column_mixing_arrays_and_objects_is_refused_naming_both() -> None:
    data = pd.DataFrame({"id": np.arange(30), "c_odd": pd.Series([[1, 2], {"a": 1}, None] * 10, dtype=object)})
    with pytest.raises(SchemaError) as caught:
        Synthesizer(seed=0, max_epochs=1).fit(data)
    message = str(caught.value)
    assert "array" in message and "mapping" in message and "CAST c_odd AS text" in message


def test_json_object_fields_are_learned_as_columns() -> None:
    """jsonb event properties: as one JSON value, an object whose amount few rows share came back
    with the amount null. Its keys are columns now: the amount is a number drawn with the plan it
    goes with; a key four rows hold (privacy) is never written; the column stays JSON text."""
    rng = np.random.default_rng(3)
    plans = rng.choice(["free", "pro"], ROWS, p=[0.6, 0.4])
    amounts = np.where(plans == "pro", rng.normal(120, 15, ROWS), rng.normal(20, 4, ROWS)).round(2)
    props = [json.dumps({"plan": str(p), "amount": float(a)}) for p, a in zip(plans, amounts, strict=True)]
    for row in range(4):
        props[row] = json.dumps({"plan": "pro", "amount": 99.0, "coupon": f"VIP{row}"})
    out = Synthesizer(seed=0, max_epochs=30).fit(pd.DataFrame({"props": props})).sample(2_000)
    parsed = out["props"].map(json.loads)
    assert out["props"].dtype == object and parsed.map(lambda v: set(v) == {"plan", "amount"}).all()
    synthetic = pd.DataFrame(parsed.tolist())
    means = synthetic.groupby("plan")["amount"].mean()
    assert means["pro"] == pytest.approx(120, abs=8) and means["free"] == pytest.approx(20, abs=4)
    assert synthetic["amount"].nunique() > 500  # numbers, not a few common values


def test_arrays_of_one_length_have_their_places_learned_as_columns() -> None:
    """A point as [lat, lon]: each place is a number drawn with the row (a city's points stay in
    the city), where as one JSON value every point was rare and came back as []."""
    rng = np.random.default_rng(4)
    cities = rng.choice(["berlin", "paris"], ROWS)
    centre = {"berlin": (52.5, 13.4), "paris": (48.9, 2.35)}
    points = [
        [round(centre[c][0] + rng.normal(0, 0.05), 5), round(centre[c][1] + rng.normal(0, 0.05), 5)] for c in cities
    ]
    syn = Synthesizer(seed=0, max_epochs=30).fit(pd.DataFrame({"city": cities, "point": points}))
    assert syn.describe()["columns"]["point[1]"]["field_of"] == "point"
    out = syn.sample(1_000)
    lat = out["point"].map(lambda p: p[0])
    assert out["point"].map(len).eq(2).all() and lat.nunique() > 500
    assert (lat[out["city"] == "berlin"] > 51).mean() > 0.97 and (lat[out["city"] == "paris"] < 50).mean() > 0.97


def test_binary_keys_are_fresh_bytes_and_repeated_blobs_are_categories() -> None:
    """A users query's password hashes (bytea, one per user) and icons (a few shared blobs):
    refused before; now the hashes come back as fresh bytes of their length, none real, and the
    icons as the real blobs enough rows share."""
    import hashlib

    rows = 600
    data = pd.DataFrame(
        {
            "password_hash": [hashlib.sha256(str(i).encode()).digest() for i in range(rows)],
            "icon": [bytes([i % 3]) * 4 for i in range(rows)],
            "n": np.arange(rows) % 7,
        }
    )
    syn = Synthesizer(seed=0, max_epochs=2).fit(pa.Table.from_pandas(data, preserve_index=False))
    out = syn.sample(1_000)
    assert out.schema.field("password_hash").type == pa.binary()
    hashes = out.column("password_hash").to_pylist()
    assert all(len(h) == 32 for h in hashes) and not set(hashes) & set(data["password_hash"])
    assert set(out.column("icon").to_pylist()) == set(data["icon"])


def test_a_struct_s_binary_fields_are_learned_as_binary_columns_are(tmp_path: Path) -> None:
    """``{login, hash, icon}`` per user: a struct field of bytes was refused ("cast it to text"),
    though a binary column is learned. Now a unique hash comes back as fresh bytes of its length,
    a shared icon as the real blobs enough rows hold, in the struct's own type, after a save too."""
    import hashlib

    rows = 600
    struct = pa.struct([("login", pa.string()), ("hash", pa.binary()), ("icon", pa.binary())])
    users = [
        {"login": ["web", "app"][i % 2], "hash": hashlib.sha256(str(i).encode()).digest(), "icon": bytes([i % 3]) * 4}
        for i in range(rows)
    ]
    table = pa.table({"user": pa.array(users, type=struct), "n": np.arange(rows) % 7})
    syn = Synthesizer(seed=0, max_epochs=2).fit(table)
    syn.save(tmp_path / "model")
    out = Synthesizer.load(tmp_path / "model").sample(800)
    assert out.schema.field("user").type == struct
    values = out.column("user").to_pylist()
    hashes = [v["hash"] for v in values]
    assert all(len(h) == 32 for h in hashes) and not set(hashes) & {u["hash"] for u in users}
    assert {v["icon"] for v in values} == {u["icon"] for u in users}
    assert {v["login"] for v in values} == {"web", "app"}


def test_json_text_arrays_of_one_length_have_their_places_learned() -> None:
    """A jsonb point, ``[52.51, 13.39]`` as text: the places are numbers drawn with the row and the
    column stays JSON text; JSON tags of any length stay one JSON value."""
    rng = np.random.default_rng(6)
    cities = rng.choice(["berlin", "paris"], ROWS)
    north = {"berlin": 52.5, "paris": 48.9}
    points = [json.dumps([round(north[c] + rng.normal(0, 0.05), 4), round(rng.normal(0, 1), 4)]) for c in cities]
    tags = [json.dumps(["a", "b"][: i % 3]) for i in range(ROWS)]
    syn = Synthesizer(seed=0, max_epochs=20).fit(pd.DataFrame({"city": cities, "point": points, "tags": tags}))
    assert "point[0]" in syn.describe()["columns"] and "tags" in syn.describe()["columns"]
    out = syn.sample(800)
    lat = out["point"].map(lambda text: json.loads(text)[0])
    assert out["point"].map(lambda text: len(json.loads(text)) == 2).all() and lat.nunique() > 400
    assert (lat[out["city"] == "berlin"] > 51).mean() > 0.97
    assert set(out["tags"]) <= {"[]", '["a"]', '["a", "b"]'}


def test_a_null_object_stays_apart_from_an_empty_one() -> None:
    """Where null objects and objects without values both occur, a flag column tells them apart."""
    props: list[dict[str, object] | None] = [{"plan": ["free", "pro"][i % 2]} for i in range(ROWS)]
    for row in range(0, ROWS, 10):
        props[row] = None
    for row in range(5, ROWS, 10):
        props[row] = {}
    syn = Synthesizer(seed=0, max_epochs=20).fit(pd.DataFrame({"props": props}))
    assert syn.describe()["columns"]["props is null"]["field_of"] == "props"
    out = syn.sample(2_000)["props"]
    assert out.isna().mean() == pytest.approx(0.1, abs=0.03)
    assert out.map(lambda v: v == {}).mean() == pytest.approx(0.1, abs=0.03)


def test_a_text_keyed_map_has_its_common_keys_learned_as_columns() -> None:
    """MAP {'price': 12.37}: as one JSON value every price was rare and the map came back empty."""
    rng = np.random.default_rng(7)
    prices = rng.gamma(3.0, 10.0, ROWS).round(2)
    attrs = pa.array(
        [[("price", float(p)), ("size", int(p // 10))] for p in prices], pa.map_(pa.string(), pa.float64())
    )
    syn = Synthesizer(seed=0, max_epochs=20).fit(pa.table({"attrs": attrs}))
    assert syn.describe()["columns"]["attrs.price"]["field_of"] == "attrs"
    out = syn.sample(1_000).column("attrs").to_pylist()
    drawn = [dict(pairs)["price"] for pairs in out if pairs and "price" in dict(pairs)]
    assert len(drawn) > 950 and len(set(drawn)) > 500 and np.median(drawn) == pytest.approx(np.median(prices), rel=0.15)


def _blobs(shape: str, rows: int) -> list[bytes | None]:
    """2-byte codes: ``mostly_rare``, 4 x 40 codes drawn at random (most held by 1-3 rows, a few by 5+),
    every 10th null; ``held_by_three``, a SQLite BLOB of ``(i % 256, 7 * i % 256)`` (each held by 3 rows)."""
    if shape == "held_by_three":
        return [bytes([i % 256, (i * 7) % 256]) for i in range(1, rows + 1)]
    rng = np.random.default_rng(0)
    codes = [bytes([int(k), int(j)]) for k, j in zip(rng.integers(0, 4, rows), rng.integers(0, 40, rows), strict=True)]
    return [None if i % 10 == 0 else code for i, code in enumerate(codes)]


@pytest.mark.parametrize("shape", ["mostly_rare", "held_by_three"])
def test_rare_binary_values_come_back_as_fresh_bytes(shape: str, tmp_path: Path) -> None:
    """A rare BLOB came back as its hex prefix (``00**``), which is no bytes, so null: a column of
    2-byte codes with no null came back 93% null, the SQLite BLOB of codes each 3 rows hold all null.
    Now the prefix is filled in with fresh bytes: the null rate and the width are kept, and none is a
    real value but the codes enough rows hold; the same seed draws the same bytes, after a save too."""
    blobs = _blobs(shape, 800)
    table = pa.table({"x": np.random.default_rng(1).normal(size=len(blobs)), "blob": pa.array(blobs, pa.binary())})
    syn = Synthesizer(seed=0, max_epochs=2, hidden_size=16).fit(table)
    out = syn.sample(2_000)
    drawn = out.column("blob").to_pylist()
    real = pd.Series([b for b in blobs if b is not None]).value_counts()
    assert out.column("blob").null_count / len(drawn) == pytest.approx(blobs.count(None) / len(blobs), abs=0.04)
    assert {len(b) for b in drawn if b is not None} == {2}
    assert not {b for b in drawn if b is not None} & set(real[real < 5].index)  # no rare value comes back
    assert len(set(drawn)) > 30
    syn.save(tmp_path / "model")
    assert Synthesizer.load(tmp_path / "model").sample(2_000).equals(out)


def test_binary_view_columns_are_binary_columns() -> None:
    """A Table's ``binary_view`` column was refused as "binary (bytea) values, which synthpipe
    cannot model" where the same bytes as ``binary`` were learned; it comes back binary_view."""
    codes = [b"ab", b"cd", None, b"\x00\xff"] * 30
    table = pa.table({"code": pa.array(codes, pa.binary_view()), "x": np.arange(120)})
    out = Synthesizer(seed=0, max_epochs=2, hidden_size=16).fit(table).sample(200)
    assert out.schema == table.schema
    assert set(out.column("code").to_pylist()) == set(codes)


def test_fixed_size_binary_columns_keep_their_width() -> None:
    """``fixed_size_binary`` was refused ("cast it to text"). Shared codes come back as the codes
    enough rows hold; unique keys (0..299 as 4 bytes, which share the prefix ``00000``) as fresh keys
    of 4 bytes, where they had grown by a hex digit, which is no bytes (all null as ``binary``)."""
    rows = 300
    rng = np.random.default_rng(0)
    keys = [int(i).to_bytes(4, "big") for i in rng.permutation(rows)]
    table = pa.table(
        {
            "x": rng.normal(size=rows),
            "code": pa.array([bytes([i % 3, 7]) for i in range(rows)], pa.binary(2)),
            "key": pa.array(keys, pa.binary(4)),
            "varkey": pa.array(keys, pa.binary()),
        }
    )
    out = Synthesizer(seed=0, max_epochs=2, hidden_size=16).fit(table).sample(500)
    assert out.schema == table.schema
    assert set(out.column("code").to_pylist()) == {bytes([i, 7]) for i in range(3)}
    for name in ("key", "varkey"):
        fresh = out.column(name).to_pylist()
        assert all(k is not None and len(k) == 4 for k in fresh) and len(set(fresh)) == 500
        assert not set(fresh) & set(keys)
