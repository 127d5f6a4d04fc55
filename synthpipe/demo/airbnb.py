"""A seeded generator of an Airbnb-style app database (``users`` and ``sessions``).

The public Kaggle data cannot be downloaded on air-gapped machines, so the demo ships a
generator with the same columns and the same messiness: unknown genders, missing and
absurd ages (5, 105, 2014), skewed session times with a heavy tail and nulls, a long tail
of actions, and bookings that only some users make. Everything is vectorised and produced
in chunks of users, so the full-size data set (213,451 users, ~10.5M sessions) streams in
bounded memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

USERS_DEFAULT = 20_000
SESSIONS_PER_USER = 80  # mean over users that have sessions (as in the public data): ~1M sessions for 20k users
CHUNK_USERS = 20_000

_GENDERS = (["-unknown-", "FEMALE", "MALE", "OTHER"], [0.45, 0.295, 0.254, 0.001])
_SIGNUP_METHODS = (["basic", "facebook", "google"], [0.716, 0.281, 0.003])
_LANGUAGES = (
    ["en", "zh", "fr", "es", "ko", "de", "it", "ru", "ja", "pt", "sv", "nl", "tr", "da", "pl", "cs",
     "no", "el", "th", "id", "hu", "fi", "is", "ca", "hr"],
    [0.9666, 0.0076, 0.0055, 0.0043, 0.0035, 0.0034, 0.0023, 0.0018, 0.0011, 0.0011, 0.0005,
     0.0004, 0.0003, 0.0003, 0.0003, 0.00015, 0.00015, 0.0001, 0.0001, 0.0001, 0.00005, 0.00005,
     0.00001, 0.00002, 0.00001],
)  # fmt: skip
_AFFILIATE_CHANNELS = (
    ["direct", "sem-brand", "sem-non-brand", "other", "seo", "api", "content", "remarketing"],
    [0.645, 0.122, 0.088, 0.042, 0.041, 0.038, 0.019, 0.005],
)
_AFFILIATE_PROVIDERS = (
    ["direct", "google", "other", "craigslist", "bing", "facebook", "vast", "padmapper",
     "facebook-open-graph", "yahoo", "gsp", "meetup", "email-marketing", "naver", "baidu"],
    [0.6435, 0.2422, 0.0588, 0.0161, 0.0108, 0.0107, 0.0039, 0.0036, 0.0027, 0.0023, 0.0021,
     0.0017, 0.0007, 0.0003, 0.0006],
)  # fmt: skip
_FIRST_AFFILIATE_TRACKED = (
    ["untracked", "linked", "omg", "tracked-other", None, "product", "marketing", "local ops"],
    [0.5108, 0.2167, 0.2062, 0.0288, 0.0284, 0.0074, 0.0016, 0.0001],
)
_SIGNUP_APPS = (["Web", "iOS", "Moweb", "Android"], [0.856, 0.089, 0.029, 0.026])
_DEVICES = (
    ["Mac Desktop", "Windows Desktop", "iPhone", "iPad", "Other/Unknown", "Android Phone",
     "Android Tablet", "Desktop (Other)", "SmartPhone (Other)"],
    [0.42, 0.34, 0.097, 0.067, 0.05, 0.013, 0.006, 0.006, 0.001],
)  # fmt: skip
_BROWSERS = (
    ["Chrome", "Safari", "Firefox", "-unknown-", "IE", "Mobile Safari", "Chrome Mobile",
     "Android Browser", "AOL Explorer", "Opera", "Silk", "Chromium", "BlackBerry Browser"],
    [0.299, 0.2115, 0.1577, 0.1277, 0.0987, 0.0904, 0.0059, 0.004, 0.0012, 0.0009, 0.0006,
     0.0003, 0.0011],
)  # fmt: skip
_COUNTRIES = (
    ["US", "other", "FR", "IT", "GB", "ES", "CA", "DE", "NL", "AU", "PT"],
    [0.7015, 0.1132, 0.0564, 0.0318, 0.0261, 0.0253, 0.0161, 0.0119, 0.0086, 0.0064, 0.0027],
)

# (action, action_type, action_detail, relative frequency): a long tail like the real log.
_ACTIONS: list[tuple[str | None, str | None, str | None, float]] = [
    ("show", "view", "p3", 2768.0),
    ("index", "view", "view_search_results", 843.0),
    ("search_results", "click", "view_search_results", 1526.0),
    ("personalize", "data", "wishlist_content_update", 1177.0),
    ("search", "click", "view_search_results", 1110.0),
    ("ajax_refresh_subtotal", "click", "change_trip_characteristics", 1046.0),
    ("update", "submit", "update_listing", 417.0),
    ("similar_listings", "data", "similar_listings", 760.0),
    ("social_connections", "data", "user_social_connections", 539.0),
    ("reviews", "data", "listing_reviews", 320.0),
    ("active", "-unknown-", "-unknown-", 188.0),
    ("lookup", None, None, 162.0),
    ("dashboard", "view", "dashboard", 152.0),
    ("header_userpic", "data", "header_userpic", 141.0),
    ("collections", "view", "user_wishlists", 140.0),
    ("edit", "view", "edit_profile", 110.0),
    ("campaigns", None, None, 105.0),
    ("track_page_view", None, None, 81.0),
    ("unavailabilities", "data", "unavailable_dates", 78.0),
    ("qt2", "view", "message_thread", 64.0),
    ("notifications", "submit", "notifications", 59.0),
    ("confirm_email", "click", "confirm_email_link", 58.0),
    ("requested", "submit", "post_checkout_action", 0.0),  # the booking rows, added per user
    ("ask_question", "submit", "contact_host", 34.0),
    ("show_personalize", "data", "user_profile_content_update", 30.0),
    ("create", "submit", "signup", 28.0),
    ("authenticate", "submit", "login", 22.0),
    ("pending", "booking_request", "pending", 0.0),  # booking rows too
    ("travel_plans_current", "view", "your_trips", 12.0),
    ("payment_instruments", "data", "payment_instruments", 9.0),
    ("message_to_host_focus", "click", "message_to_host_focus", 8.0),
    ("impressions", "view", "p4", 7.0),
    ("coupon_field_focus", "click", "apply_coupon_click", 3.0),
    ("about_us", None, None, 1.0),
    ("phone_verification_success", "click", "phone_verification_success", 0.7),
    ("reactivate", "-unknown-", "-unknown-", 0.2),
    ("deauthorize", None, None, 0.05),
]
_BOOKING_ACTION = ("requested", "booking_request", "p5")
_SESSION_DEVICES = (
    ["Mac Desktop", "Windows Desktop", "iPhone", "Android Phone", "iPad Tablet", "-unknown-",
     "Android App Unknown Phone/Tablet", "Linux Desktop", "Tablet"],
    [0.34, 0.26, 0.2, 0.08, 0.06, 0.03, 0.02, 0.006, 0.004],
)  # fmt: skip

USERS_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("date_account_created", pa.date32()),
        ("timestamp_first_active", pa.timestamp("us")),
        ("date_first_booking", pa.date32()),
        ("gender", pa.string()),
        ("age", pa.int32()),
        ("signup_method", pa.string()),
        ("signup_flow", pa.int32()),
        ("language", pa.string()),
        ("affiliate_channel", pa.string()),
        ("affiliate_provider", pa.string()),
        ("first_affiliate_tracked", pa.string()),
        ("signup_app", pa.string()),
        ("first_device_type", pa.string()),
        ("first_browser", pa.string()),
        ("country_destination", pa.string()),
    ]
)
SESSIONS_SCHEMA = pa.schema(
    [
        ("user_id", pa.string()),
        ("action", pa.string()),
        ("action_type", pa.string()),
        ("action_detail", pa.string()),
        ("device_type", pa.string()),
        ("secs_elapsed", pa.float64()),
    ]
)


@dataclass(frozen=True)
class DemoChunk:
    """One slice of the demo database: some users and all of their sessions."""

    users: pa.Table
    sessions: pa.Table


def generate(*, users: int = USERS_DEFAULT, seed: int = 0, chunk_users: int = CHUNK_USERS) -> Iterator[DemoChunk]:
    """Yield the demo database in chunks of users; the same seed gives the same tables."""
    if users < 1:
        raise ValueError(f"users must be at least 1, got {users}")
    for chunk_index, start in enumerate(range(0, users, chunk_users)):
        count = min(chunk_users, users - start)
        rng = np.random.default_rng([seed, chunk_index])
        user_table, is_booker = _users(rng, start, count)
        yield DemoChunk(user_table, _sessions(rng, user_table.column("id"), is_booker))


def _choice(rng: np.random.Generator, spec: tuple[list, list[float]], size: int) -> np.ndarray:
    values, weights = spec
    probabilities = np.asarray(weights, dtype=float)
    return np.asarray(values, dtype=object)[rng.choice(len(values), size=size, p=probabilities / probabilities.sum())]


def _user_ids(start: int, count: int) -> pa.Array:
    """Ten-character lowercase alphanumeric ids like the public data's, unique by construction."""
    alphabet = np.array(list("0123456789abcdefghijklmnopqrstuvwxyz"))
    # A fixed bijective scramble of the running index keeps ids unique and non-sequential.
    index = (np.arange(start, start + count, dtype=np.uint64) * np.uint64(2654435761) + np.uint64(97)) % np.uint64(
        36**10
    )
    digits = np.empty((count, 10), dtype="<U1")
    for position in range(9, -1, -1):
        digits[:, position] = alphabet[(index % np.uint64(36)).astype(np.int64)]
        index //= np.uint64(36)
    return pa.array(["".join(row) for row in digits], pa.string())


def _users(rng: np.random.Generator, start: int, count: int) -> tuple[pa.Table, np.ndarray]:
    created_days = rng.integers(0, 1640, size=count)  # 2010-01-01 .. mid 2014, more users later
    created_days = np.sort(np.maximum(created_days, rng.integers(0, 1640, size=count)))
    created = np.datetime64("2010-01-01") + created_days.astype("timedelta64[D]")
    first_active = created.astype("datetime64[s]") - rng.integers(0, 86_400 * 3, size=count).astype("timedelta64[s]")
    gender = _choice(rng, _GENDERS, count)
    signup_method = _choice(rng, _SIGNUP_METHODS, count)
    is_booker = rng.random(count) < _booking_propensity(gender, signup_method)
    booking_lag = np.round(rng.exponential(40.0, size=count)).astype("timedelta64[D]")
    first_booking = np.where(is_booker, created + booking_lag, np.datetime64("NaT"))
    columns = {
        "id": _user_ids(start, count),
        "date_account_created": pa.array(created, pa.date32()),
        "timestamp_first_active": pa.array(first_active.astype("datetime64[us]"), pa.timestamp("us")),
        "date_first_booking": pa.array(first_booking.astype("datetime64[D]"), pa.date32()),
        "gender": pa.array(gender, pa.string()),
        "age": _ages(rng, gender),
        "signup_method": pa.array(signup_method, pa.string()),
        "signup_flow": pa.array(np.where(rng.random(count) < 0.77, 0, rng.integers(1, 26, count)), pa.int32()),
        "language": pa.array(_choice(rng, _LANGUAGES, count), pa.string()),
        "affiliate_channel": pa.array(_choice(rng, _AFFILIATE_CHANNELS, count), pa.string()),
        "affiliate_provider": pa.array(_choice(rng, _AFFILIATE_PROVIDERS, count), pa.string()),
        "first_affiliate_tracked": pa.array(_choice(rng, _FIRST_AFFILIATE_TRACKED, count), pa.string()),
        "signup_app": pa.array(_choice(rng, _SIGNUP_APPS, count), pa.string()),
        "first_device_type": pa.array(_choice(rng, _DEVICES, count), pa.string()),
        "first_browser": pa.array(_choice(rng, _BROWSERS, count), pa.string()),
        "country_destination": pa.array(
            np.where(is_booker, _choice(rng, _COUNTRIES, count), "NDF").astype(object), pa.string()
        ),
    }
    return pa.table(columns, schema=USERS_SCHEMA), is_booker


def _booking_propensity(gender: np.ndarray, signup_method: np.ndarray) -> np.ndarray:
    """As in the public data, people who fill in their profile book far more often."""
    propensity = np.where(gender == "-unknown-", 0.22, 0.55)
    return np.where(signup_method == "facebook", propensity + 0.08, propensity)


def _ages(rng: np.random.Generator, gender: np.ndarray) -> pa.Array:
    """Ages as the real sign-up form gives them: often missing, mostly 25-40, some absurd."""
    count = len(gender)
    ages = np.clip(np.round(18 + rng.gamma(4.0, 4.2, size=count)), 18, 95).astype(np.int32)
    absurd = rng.random(count)
    ages = np.where(absurd < 0.004, 2014, ages)  # users who typed the year
    ages = np.where((absurd >= 0.004) & (absurd < 0.006), rng.integers(1924, 2000, count), ages)
    ages = np.where((absurd >= 0.006) & (absurd < 0.008), rng.choice([5, 1, 2, 4, 105, 110], count), ages)
    missing = rng.random(count) < np.where(gender == "-unknown-", 0.75, 0.15)
    return pa.array(ages, pa.int32(), mask=missing)


def _sessions(rng: np.random.Generator, user_ids: pa.Array, is_booker: np.ndarray) -> pa.Table:
    count = len(user_ids)
    has_sessions = rng.random(count) < 0.63  # like the public data: a third of users never logged a session
    # Bookers browse more, and the more they browse the more they request: bookings follow activity.
    activity = rng.lognormal(mean=np.log(SESSIONS_PER_USER) - 0.9, sigma=1.1, size=count)
    activity = activity * np.where(is_booker, 1.8, 1.0)
    per_user = np.where(has_sessions, np.maximum(1, np.round(activity)).astype(np.int64), 0)
    bookings = np.where(has_sessions & is_booker, rng.poisson(0.3 + np.minimum(per_user, 600) / 120), 0)
    bookings = np.where(has_sessions & ~is_booker & (rng.random(count) < 0.05), 1, bookings)
    owner = np.repeat(np.arange(count), per_user)
    action_table = _action_rows(rng, len(owner))
    booking_owner = np.repeat(np.arange(count), bookings)
    owner = np.concatenate([owner, booking_owner])
    actions = [np.concatenate([column, np.full(len(booking_owner), value, dtype=object)])
               for column, value in zip(action_table, _BOOKING_ACTION, strict=True)]  # fmt: skip
    order = np.argsort(owner, kind="stable")
    secs = _seconds(rng, len(owner))
    devices = _choice(rng, _SESSION_DEVICES, len(owner))
    columns = {
        "user_id": user_ids.take(pa.array(owner[order])),
        "action": pa.array(actions[0][order], pa.string()),
        "action_type": pa.array(actions[1][order], pa.string()),
        "action_detail": pa.array(actions[2][order], pa.string()),
        "device_type": pa.array(devices[order], pa.string()),
        "secs_elapsed": pa.array(secs[order], pa.float64(), mask=np.isnan(secs[order])),
    }
    return pa.table(columns, schema=SESSIONS_SCHEMA)


def _action_rows(rng: np.random.Generator, size: int) -> list[np.ndarray]:
    weights = np.array([row[3] for row in _ACTIONS])
    picks = rng.choice(len(_ACTIONS), size=size, p=weights / weights.sum())
    return [np.asarray([row[field] for row in _ACTIONS], dtype=object)[picks] for field in range(3)]


def _seconds(rng: np.random.Generator, size: int) -> np.ndarray:
    """Seconds between actions: log-normal body, a very heavy tail, some nulls."""
    body: np.ndarray = rng.lognormal(mean=7.0, sigma=2.0, size=size)
    tail = rng.random(size) < 0.01
    body = np.where(tail, rng.uniform(1e5, 1.8e6, size=size), body)
    capped = np.round(np.minimum(body, 1_799_977.0))  # the public log caps gaps at ~21 days
    return np.where(rng.random(size) < 0.013, np.nan, capped)
