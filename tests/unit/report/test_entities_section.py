"""The report compares rows per entity when the engine sampled a repeated key as entities."""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthpipe.report import evaluate
from synthpipe.report.html import render_html


def _sessions(users: int, per_user: int, seed: int, consistent: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 2 * per_user, users)
    rows = np.repeat(np.arange(users), sizes)
    age = rng.integers(18, 70, users)[rows] if consistent else rng.integers(18, 70, rows.size)
    return pd.DataFrame({"user_id": 1000 + rows, "age": age, "secs": rng.gamma(2.0, 50.0, rows.size)})


PROTECTIONS = {"engine": {"entities": {"key": "user_id", "shared_columns": ["age"]}}}


def test_rows_per_entity_are_compared_and_shown() -> None:
    real = _sessions(300, 20, seed=0)
    synthetic = _sessions(900, 2, seed=1, consistent=False)  # users with too few sessions, ages that change
    report = evaluate(real=real, synthetic=synthetic, holdout=_sessions(80, 20, seed=2), protections=PROTECTIONS)
    e = report.quality.entities
    assert e is not None and e.key == "user_id" and e.shared_columns == ["age"]
    assert e.real.entities == 300 and e.real.rows_median == real.groupby("user_id").size().median()
    assert e.real.consistent_share == 1.0 and e.synthetic.consistent_share < 0.5
    assert e.synthetic.rows_median < e.real.rows_median / 5
    html = report.to_html()
    assert "Entities: rows per user_id" in html and "One value of each shared column" in html


def test_no_section_without_entities() -> None:
    real = _sessions(100, 5, seed=0)
    report = evaluate(real=real, synthetic=_sessions(100, 5, seed=1), protections={"engine": {"entities": None}})
    assert report.quality.entities is None and "Entities: rows per" not in report.to_html()


def _users_with_plan(users: int, seed: int) -> pd.DataFrame:
    """Sessions of users whose plan (a user's own column) follows their age; heavy users have many rows."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 70, users)
    plan = np.where(age + rng.normal(0, 8, users) > 45, "premium", "basic")
    rows = np.repeat(np.arange(users), rng.geometric(1 / 20, users))
    secs = rng.gamma(2.0, 50.0, rows.size)
    return pd.DataFrame({"user_id": 1000 + rows, "age": age[rows], "secs": secs, "plan": plan[rows]})


def test_a_target_constant_within_an_entity_is_scored_once_per_entity() -> None:
    """A user's plan predicted from session rows would count a heavy user once per session."""
    protections = {"engine": {"entities": {"key": "user_id", "shared_columns": ["age", "plan"]}}}
    real, holdout = _users_with_plan(400, seed=0), _users_with_plan(150, seed=2)
    report = evaluate(real=real, synthetic=_users_with_plan(400, seed=1), holdout=holdout, protections=protections)
    util = report.quality.utility
    assert util.target == "plan" and util.target_chosen == "auto"
    assert util.note is not None and "one row per user_id" in util.note
    assert util.trtr is not None and util.tstr is not None and util.score is not None and util.score > 0.8
    assert "one row per user_id" in report.to_html()
    per_row = evaluate(
        real=real, synthetic=_users_with_plan(400, seed=1), holdout=holdout, target="secs", protections=protections
    )
    assert per_row.quality.utility.target == "secs" and "one row per" not in (per_row.quality.utility.note or "")


def _users(users: int, seed: int, first: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = np.repeat(np.arange(users), rng.integers(5, 40, users))
    return pd.DataFrame(
        {
            "user_id": first + rows,
            "age": rng.integers(18, 80, users)[rows],
            "country": rng.choice(list("ABCDEFGHIJ"), users)[rows],
            "device": rng.choice(["phone", "desktop", "tablet"], rows.size),
            "secs": rng.lognormal(5, 1, rows.size).round(),
        }
    )


USER_PROTECTIONS = {"engine": {"entities": {"key": "user_id", "shared_columns": ["age", "country"]}}}


def test_real_unseen_users_score_a_dcr_share_near_one_half() -> None:
    """A holdout of 200 users against 800 training users: a row sample of all training users holds
    more kinds of users, so unseen real users' rows came out nearer to it (0.52-0.57 over four
    holdouts); judged against as many training users as the holdout has, 0.47-0.54."""
    train, fresh = _users(800, 0, 10_000), _users(800, 2, 30_000)
    shares = [
        evaluate(real=train, synthetic=fresh, holdout=_users(200, seed, 20_000), protections=USER_PROTECTIONS).privacy
        for seed in (3, 4, 5, 6)
    ]
    assert abs(np.mean([p.dcr_share for p in shares]) - 0.5) < 0.03


def test_the_dcr_share_per_entity_sees_copied_users() -> None:
    """Each user as one record (own columns, row count), judged against as many training users as
    the holdout has (a quarter here): copies of every training user score 0.5 + 0.5 / 4, fresh
    users 0.5; shown in the privacy table."""
    train, hol = _users(2000, 0, 10_000), _users(500, 1, 100_000)
    copied = train.assign(user_id=train["user_id"] + 200_000, device="phone")  # every row differs, users do not
    fresh = _users(2000, 2, 300_000)
    by_copies = evaluate(real=train, synthetic=copied, holdout=hol, protections=USER_PROTECTIONS).privacy
    by_fresh = evaluate(real=train, synthetic=fresh, holdout=hol, protections=USER_PROTECTIONS)
    assert by_copies.dcr_share_entities is not None and by_copies.dcr_share_entities > 0.58
    assert by_fresh.privacy.dcr_share_entities is not None and abs(by_fresh.privacy.dcr_share_entities - 0.5) < 0.05
    assert by_fresh.privacy.entity_sample == 500  # as many as the holdout has
    assert "DCR share per user_id" in render_html(by_fresh) and "500 of each set" in render_html(by_fresh)
    assert evaluate(real=train, synthetic=fresh, holdout=hol).privacy.dcr_share_entities is None


def _panel(users: int, seed: int, kept: bool) -> pd.DataFrame:
    """Users' visits: each user's own spend level and favourite device, weeks once each, dates in
    visit order, a streak that grows by one per visit, a month that moves one per visit, a balance
    that moves a little; ``kept=False`` mixes all of that up, as rows drawn independently would."""
    rng = np.random.default_rng(seed)
    visits = rng.integers(2, 6, users)
    user = np.repeat(np.arange(users), visits)
    number = pd.Series(user).groupby(user).cumcount().to_numpy() + 1
    level, device = rng.normal(50, 20, users), rng.choice(["ios", "android", "web"], users)
    start = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, users), unit="D")
    if kept:
        spend, devices, week = level[user] + rng.normal(0, 5, user.size), device[user], number * 2
        day = start[user] + pd.to_timedelta(number * 7, unit="D")
        streak = rng.integers(0, 20, users)[user] + number
        month = np.datetime64("2020-01", "M") + rng.integers(0, 40, users)[user] + number
        balance = level[user] * 10 + pd.Series(rng.normal(0, 1, user.size)).groupby(user).cumsum().to_numpy()
    else:
        spend, devices = rng.normal(50, 21, user.size), rng.choice(["ios", "android", "web"], user.size)
        week = rng.integers(1, 5, user.size) * 2
        day = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 330, user.size), unit="D")
        streak = rng.integers(1, 25, user.size)
        month = np.datetime64("2020-01", "M") + rng.integers(0, 45, user.size)
        balance = rng.normal(500, 200, user.size)
    return pd.DataFrame(
        {
            "user_id": 1000 + user,
            "visit": number,
            "day": day,
            "week": week,
            "spend": spend,
            "device": devices,
            "streak": streak,
            "month": month.astype("datetime64[D]").astype("datetime64[ns]"),
            "balance": balance,
        }
    )


def test_what_each_entity_keeps_is_measured_on_both_tables() -> None:
    """The engine's description names what it keeps of each entity (its level, its favourite,
    values held once, dates close together and in order); the report measures each on both
    tables, so a synthetic table that mixed them up shows it."""
    described = {
        "key": "user_id",
        "shared_columns": [],
        "entity_means": {"spend": "mean spend per user_id"},
        "entity_modes": {"device": "most frequent device per user_id"},
        "schedules": ["week"],
        "first_dates": {"day": "first day per user_id"},
        "sequence_clocks": {"visit": "day"},
        "trends": {"streak": "visit", "month": "visit"},
        "trend_units": {"month": "months"},
        "walks": {"balance": "visit"},
    }
    real, mixed = _panel(300, seed=0, kept=True), _panel(300, seed=1, kept=False)
    report = evaluate(real=real, synthetic=mixed, protections={"engine": {"entities": described}})
    traits = {t.column: t for t in report.quality.entities.traits}
    assert list(traits) == [
        "spend",
        "device",
        "day",
        "week",
        "visit along day",
        "streak along visit",
        "month along visit",
        "balance along visit",
    ]
    assert traits["spend"].real > 0.8 and traits["spend"].synthetic < 0.5
    assert traits["device"].real == 1.0 and traits["device"].synthetic < 0.8
    assert traits["day"].real < 30 and traits["day"].synthetic > 60 and not traits["day"].share
    assert traits["week"].real == 0.0 and traits["week"].synthetic > 0.1
    assert traits["visit along day"].real == 1.0 and traits["visit along day"].synthetic < 0.8
    assert traits["streak along visit"].real == 1.0 and traits["streak along visit"].synthetic < 0.2
    assert traits["month along visit"].real == 1.0 and traits["month along visit"].synthetic < 0.2
    assert traits["balance along visit"].real < 0.01 and traits["balance along visit"].synthetic > 0.5
    assert "What each user_id keeps" in render_html(report)


def test_a_date_that_moves_several_units_a_step_is_measured_in_them() -> None:
    """A quarter moves 3 months a step and a reading 60 seconds: in step in every real entity,
    in few of a table whose dates were drawn apart from their steps."""
    rng = np.random.default_rng(3)
    rows = np.repeat(np.arange(200), 8)
    seen = np.tile(np.arange(1, 9), 200)
    quarter = np.datetime64("2015-01", "M") + 3 * rng.integers(0, 20, 200)[rows] + 3 * seen
    minute = np.datetime64("2020-01-01T00:00", "m") + rng.integers(0, 99_999, 200)[rows] + seen
    real = pd.DataFrame({
        "meter_id": rows, "seen": seen,
        "quarter": quarter.astype("datetime64[D]").astype("datetime64[ns]"), "read_at": minute.astype("datetime64[ns]"),
    })  # fmt: skip
    drawn = real.assign(quarter=real["quarter"].sample(frac=1, random_state=1).to_numpy(),
                        read_at=real["read_at"].sample(frac=1, random_state=2).to_numpy())  # fmt: skip
    described = {
        "key": "meter_id",
        "shared_columns": [],
        "trends": {"quarter": "seen", "read_at": "seen"},
        "trend_units": {"quarter": "3 months", "read_at": "60 seconds"},
    }
    report = evaluate(real=real, synthetic=drawn, protections={"engine": {"entities": described}})
    traits = {t.column: t for t in report.quality.entities.traits}
    for column in ("quarter along seen", "read_at along seen"):
        assert traits[column].real == 1.0 and traits[column].synthetic < 0.1


def test_the_rows_numbers_the_engine_gave_a_date_are_given_both_tables() -> None:
    """With no count beside the month, the engine numbers each entity's rows in month order
    (``row_ranks``, never emitted); the report numbers both tables' rows the same way."""
    rows = np.repeat(np.arange(100), 6)
    first = np.datetime64("2020-01", "M") + np.random.default_rng(4).integers(0, 24, 100)
    month = first[rows] + np.tile(np.arange(6), 100)
    real = pd.DataFrame({"account_id": rows, "month": month.astype("datetime64[D]").astype("datetime64[ns]")})
    drawn = real.assign(month=real["month"].sample(frac=1, random_state=1).to_numpy())
    described = {
        "key": "account_id",
        "shared_columns": [],
        "trends": {"month": "month rank"},
        "trend_units": {"month": "months"},
        "row_ranks": {"month rank": "month"},
    }
    report = evaluate(real=real, synthetic=drawn, protections={"engine": {"entities": described}})
    (trait,) = report.quality.entities.traits
    assert trait.column == "month along month rank" and trait.real == 1.0 and trait.synthetic < 0.1


def test_a_sequence_that_skips_numbers_is_measured_by_its_skips() -> None:
    """The engine keeps a tenure's gaps (``sequence_gaps``) and, for a date it numbered, its
    missing months: the report gives the share of steps that skip, real next to synthetic."""
    rng = np.random.default_rng(5)
    rows = np.repeat(np.arange(200), 12)
    tenure = np.tile(np.arange(1, 13), 200)
    month = np.datetime64("2020-01", "M") + rng.integers(0, 24, 200)[rows] + tenure
    days = month.astype("datetime64[D]").astype("datetime64[ns]")
    full = pd.DataFrame({"account_id": rows, "tenure": tenure, "month": days})
    real = full[rng.random(len(full)) > 0.1]  # a tenth of the months missing
    described = {
        "key": "account_id",
        "shared_columns": [],
        "sequence_gaps": {"tenure": [0.9, 0.1], "month rank": [0.9, 0.1]},
        "row_ranks": {"month rank": "month"},
        "trend_units": {"month": "months"},
    }
    report = evaluate(real=real, synthetic=full, protections={"engine": {"entities": described}})
    traits = {t.column: t for t in report.quality.entities.traits}
    for column in ("tenure", "month"):
        assert 0.05 < traits[column].real < 0.15 and traits[column].synthetic == 0.0


def test_a_date_learned_as_its_steps_is_measured_by_its_pace() -> None:
    """The engine keeps how often each customer orders (``date_steps``): the report gives the
    90th percentile of customers' mean days between orders, real next to synthetic."""
    rng = np.random.default_rng(6)
    rows = np.repeat(np.arange(300), 10)
    pace = np.where(np.arange(300) < 60, 20, 2)[rows]  # a fifth of the customers order every 20 days
    first = np.datetime64("2021-01-01") + rng.integers(0, 300, 300)
    steps = pd.Series(np.where(np.tile(np.arange(10), 300) == 0, 0, pace)).groupby(rows).cumsum()
    real = pd.DataFrame({"customer_id": rows, "ordered": (first[rows] + steps.to_numpy()).astype("datetime64[ns]")})
    alike = real.assign(
        ordered=first[rows].astype("datetime64[ns]") + pd.to_timedelta(np.tile(np.arange(10), 300), "D")
    )
    described = {
        "key": "customer_id",
        "shared_columns": [],
        "first_dates": {"ordered": "first"},
        "date_steps": {"ordered": None},
    }
    report = evaluate(real=real, synthetic=alike, protections={"engine": {"entities": described}})
    pace_trait = next(t for t in report.quality.entities.traits if "between consecutive rows" in t.measure)
    assert pace_trait.real == 20.0 and pace_trait.synthetic == 1.0 and not pace_trait.share


def test_a_category_entities_move_on_through_is_measured_by_its_order() -> None:
    """The engine keeps a status's stages (``stages``): the report gives the share of entities
    whose status never goes back to a stage it left, real next to synthetic."""
    rows = np.repeat(np.arange(100), 4)
    month = np.tile(np.arange(1, 5), 100)
    real = pd.DataFrame({"account_id": rows, "month": month, "status": np.where(month >= 3, "closed", "open")})
    drawn = real.assign(status=real["status"].sample(frac=1, random_state=2).to_numpy())
    described = {
        "key": "account_id",
        "shared_columns": [],
        "sequence_columns": {"month": 1},
        "stages": {"status": ["open", "closed"]},
    }
    report = evaluate(real=real, synthetic=drawn, protections={"engine": {"entities": described}})
    (trait,) = report.quality.entities.traits
    assert trait.column == "status along month" and trait.real == 1.0 and trait.synthetic < 0.8


def test_a_number_that_never_goes_down_is_measured_by_its_falls() -> None:
    """The engine sorts a number to date along the entity's order (``rising``): the report gives
    the share of entities whose number never goes down, real next to synthetic."""
    rows = np.repeat(np.arange(100), 5)
    month = np.tile(np.arange(1, 6), 100)
    real = pd.DataFrame({"account_id": rows, "month": month, "spent": month * 10.0 + rows})
    drawn = real.assign(spent=real["spent"].sample(frac=1, random_state=3).to_numpy())
    described = {
        "key": "account_id",
        "shared_columns": [],
        "sequence_columns": {"month": 1},
        "rising": {"spent": "month"},
    }
    report = evaluate(real=real, synthetic=drawn, protections={"engine": {"entities": described}})
    (trait,) = report.quality.entities.traits
    assert trait.column == "spent along month" and trait.real == 1.0 and trait.synthetic < 0.2


def test_a_number_that_drifts_is_measured_by_each_entitys_own_line() -> None:
    """Stores growing over the year: the share of the visitors' variance within stores that each
    store's own line along its weeks explains is high in the real rows, and a synthetic table whose
    stores are flat (their weeks shuffled) shows about what lines through noise explain."""
    rng = np.random.default_rng(7)
    weeks = rng.integers(20, 53, 200)
    store = np.repeat(np.arange(200), weeks)
    week = pd.Series(store).groupby(store).cumcount().to_numpy() + 1
    visitors = rng.normal(300, 60, 200)[store] + rng.normal(0, 4, 200)[store] * week + rng.normal(0, 20, store.size)
    real = pd.DataFrame({"store_id": store + 100, "week": week, "visitors": visitors})
    flat = real.assign(
        visitors=real.groupby("store_id")["visitors"].transform(lambda v: v.sample(frac=1, random_state=0).to_numpy())
    )
    described = {
        "key": "store_id",
        "shared_columns": [],
        "sequence_columns": {"week": 1},
        "drifts": {"visitors": "week"},
    }
    report = evaluate(real=real, synthetic=flat, protections={"engine": {"entities": described}})
    trait = {t.column: t for t in report.quality.entities.traits}["visitors along week"]
    assert trait.real > 0.8 and trait.synthetic < 0.1 and trait.share
    assert "own line along week" in render_html(report)


def test_the_training_samples_of_the_distance_metrics_hold_other_users_each() -> None:
    """The DCR share is averaged over disjoint training samples: with entities each holds as many
    training users as the holdout sample does, and no user is in two."""
    from synthpipe.report.evaluate import _train_samples

    train, holdout = _users_with_plan(400, seed=0), _users_with_plan(100, seed=2)
    samples = _train_samples(train, holdout, len(holdout), seed=0, key="user_id")
    users = [set(sample["user_id"]) for sample in samples]
    assert len(samples) == 2 and all(len(sample) == len(holdout) for sample in samples)
    assert all(len(held) >= holdout["user_id"].nunique() for held in users)
    assert not users[0] & users[1]


def _with_guest_rows(users: pd.DataFrame, rows: int, seed: int) -> pd.DataFrame:
    """``users`` and ``rows`` rows of no user (a null key): a guest's session."""
    rng = np.random.default_rng(seed)
    guests = pd.DataFrame(
        {
            "user_id": pd.array([None] * rows, dtype="Int64"),
            "age": rng.integers(18, 70, rows),
            "secs": rng.gamma(2.0, 5.0, rows),
            "plan": "guest",
        }
    )
    return pd.concat([users.astype({"user_id": "Int64"}), guests], ignore_index=True)


def test_rows_without_an_entity_are_sampled_one_by_one_and_counted_as_no_entity() -> None:
    """An events table's guest rows (a null user_id) are each an entity of their own, as the split
    and the engine take them. Taken as one, the guests' events were all in a training sample or
    none, and the membership attack told members apart by them (AUC 0.59 on 9% guest rows), and
    they were one "user" of thousands of rows in the entities section, which shows their share of
    the rows instead."""
    from synthpipe.report.evaluate import _train_samples

    train, holdout = (
        _with_guest_rows(_users_with_plan(400, 0), 900, 1),
        _with_guest_rows(_users_with_plan(100, 2), 220, 3),
    )
    samples = _train_samples(train, holdout, len(holdout), seed=0, key="user_id")
    guest_share = holdout["user_id"].isna().mean()
    assert len(samples) >= 2
    assert all(abs(sample["user_id"].isna().mean() - guest_share) < 0.06 for sample in samples)

    report = evaluate(real=train, synthetic=holdout, holdout=holdout, protections=PROTECTIONS)
    side = report.quality.entities.real
    assert side.entities == 400 and side.rows_max_shown < 900
    guests = {t.measure: t for t in report.quality.entities.traits}["rows with no user_id"]
    assert (guests.real, guests.synthetic) == (train["user_id"].isna().mean(), guest_share)
    assert "rows with no user_id" in report.to_html()


def _events_in_sessions(users: int, seed: int, mixed: bool = False) -> pd.DataFrame:
    """Events of users' sessions; each session one device. ``mixed``: session ids and devices
    drawn per row, as a model that learned the key as a number gives them."""
    rng = np.random.default_rng(seed)
    user = np.repeat(np.arange(users), rng.integers(1, 5, users))  # per session, its user
    rows = np.repeat(np.arange(user.size), rng.integers(1, 6, user.size))  # per event, its session
    session = rng.integers(0, user.size, rows.size) if mixed else rows
    device = rng.choice(["ios", "web"], rows.size if mixed else user.size)
    return pd.DataFrame(
        {"user_id": 1000 + user[rows], "session_id": 50_000 + session, "device": device if mixed else device[rows]}
    )


def test_sessions_within_entities_are_compared() -> None:
    """A session nested in a user (the engine's ``sessions``): how many each user has, its rows,
    that it is one user's and keeps its device, on both tables."""
    sessions = {"key": "session_id", "shared_columns": ["device"]}
    protections = {"engine": {"entities": {"key": "user_id", "shared_columns": [], "sessions": sessions}}}
    real = _events_in_sessions(300, seed=0)
    report = evaluate(real=real, synthetic=_events_in_sessions(300, seed=1, mixed=True), protections=protections)
    traits = {t.measure: t for t in report.quality.entities.traits}
    assert traits["session_id values of one user_id"].real == 1.0
    assert traits["session_id values of one user_id"].synthetic < 0.2
    assert traits["session_id values holding one device"].real == 1.0
    assert traits["session_id values holding one device"].synthetic < 0.6
    assert traits["session_id values per user_id (mean)"].real == real.groupby("user_id")["session_id"].nunique().mean()
    assert "rows per session_id (mean)" in report.to_html()


def test_a_sessions_start_is_compared_as_one_value_per_session() -> None:
    """A session's start stepped only between sessions (``still_dates``) is one value per session;
    what rises along its rows is not compared (the real rows come in no order)."""
    sessions = {"key": "session_id", "shared_columns": [], "still_dates": ["started"], "rising_columns": ["ts"]}
    protections = {"engine": {"entities": {"key": "user_id", "shared_columns": [], "sessions": sessions}}}
    real = _events_in_sessions(300, seed=0)
    real = real.assign(started=real["session_id"] * 3_600, ts=real["session_id"] * 3_600 + np.arange(len(real)))
    rng = np.random.default_rng(1)
    synthetic = real.assign(started=rng.permutation(real["started"]), ts=rng.permutation(real["ts"]))
    report = evaluate(real=real, synthetic=synthetic, protections=protections)
    traits = {t.measure: t for t in report.quality.entities.traits}
    assert traits["session_id values holding one started"].real == 1.0
    assert traits["session_id values holding one started"].synthetic < 0.3
    assert not any("ts" in measure for measure in traits)


def test_totals_of_a_users_or_a_sessions_rows_are_compared() -> None:
    """What the engine rebuilds as an aggregate of an entity's or a session's rows (``entity_totals``:
    a user's total seconds; ``sessions.totals``: a session's number of events) is measured on both
    tables: the share of users or sessions whose column is that aggregate."""
    rng = np.random.default_rng(0)
    real = _events_in_sessions(300, seed=0).assign(secs=lambda t: rng.gamma(2.0, 30.0, len(t)).round(1))
    real = real.assign(
        user_secs=real.groupby("user_id")["secs"].transform("sum"),
        session_events=real.groupby("session_id")["secs"].transform("count"),
    )
    synthetic = real.assign(
        user_secs=rng.permutation(real["user_secs"]), session_events=rng.permutation(real["session_events"])
    )
    sessions = {
        "key": "session_id",
        "shared_columns": ["device", "session_events"],
        "totals": {"session_events": "count(secs)"},
    }
    described = {
        "key": "user_id",
        "shared_columns": ["user_secs"],
        "entity_totals": {"user_secs": "sum(secs)"},
        "sessions": sessions,
    }
    report = evaluate(real=real, synthetic=synthetic, protections={"engine": {"entities": described}})
    traits = {t.measure: t for t in report.quality.entities.traits}
    users, events = (
        traits["user_id values whose user_secs is the sum of their secs"],
        traits["session_id values whose session_events is the count of their secs"],
    )
    assert users.real == events.real == 1.0 and users.share and events.share
    assert users.synthetic < 0.2 and events.synthetic < 0.6
