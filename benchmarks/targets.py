"""The targets of PROTOCOL.md ("Targets for synthpipe's default engine"), as checks on medians.

Each target compares synthpipe's median row with the peers' median rows of the same dataset and run;
the table flags every cell where a check fails. A check whose inputs are missing is not judged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Row = dict[str, float]
ARGN = "TabularARGN"


@dataclass(frozen=True)
class Target:
    """One target: the metric column it flags, its wording, and the check."""

    column: str
    text: str
    check: Callable[[Row, dict[str, Row]], bool | None]  # (synthpipe, peers by name) -> ok


def _best(peers: dict[str, Row], key: str) -> float | None:
    vals = [r[key] for r in peers.values() if r.get(key) is not None]
    return max(vals) if vals else None


def _cmp(a: float | None, b: float | None, ok: Callable[[float, float], bool]) -> bool | None:
    return None if a is None or b is None else ok(a, b)


def _argn(peers: dict[str, Row], key: str) -> float | None:
    return peers.get(ARGN, {}).get(key)


TARGETS: list[Target] = [
    Target(
        "quality",
        "quality ≥ best peer + 0.02",
        lambda s, p: _cmp(s.get("quality"), _best(p, "quality"), lambda a, b: a >= b + 0.02),
    ),
    Target(
        "shapes",
        "shapes ≥ TabularARGN",
        lambda s, p: _cmp(s.get("shapes"), _argn(p, "shapes"), lambda a, b: a >= b),
    ),
    Target(
        "pair_trends",
        "pair trends ≥ best peer",
        lambda s, p: _cmp(s.get("pair_trends"), _best(p, "pair_trends"), lambda a, b: a >= b),
    ),
    Target(
        "tstr",
        "TSTR ≥ 0.97 × TRTR",
        lambda s, p: _cmp(s.get("tstr"), s.get("trtr"), lambda a, b: a >= 0.97 * b),
    ),
    Target(
        "dcr_share",
        "DCR share ≤ 0.52",
        lambda s, p: _cmp(s.get("dcr_share"), 0.52, lambda a, b: a <= b),
    ),
    Target(
        "exact_copies",
        "exact copies ≤ holdout's count",
        lambda s, p: _cmp(s.get("exact_copies"), s.get("holdout_copies"), lambda a, b: a <= b),
    ),
    Target(
        "fit_s",
        "fit time ≤ 1/10 of TabularARGN's",
        lambda s, p: _cmp(s.get("fit_s"), _argn(p, "fit_s"), lambda a, b: a <= b / 10),
    ),
    Target(
        "rows_per_s",
        "sample rows/s ≥ 2× TabularARGN's",
        lambda s, p: _cmp(s.get("rows_per_s"), _argn(p, "rows_per_s"), lambda a, b: a >= 2 * b),
    ),
    Target(
        "peak_rss_mb",
        "peak RSS ≤ TabularARGN's",
        lambda s, p: _cmp(s.get("peak_rss_mb"), _argn(p, "peak_rss_mb"), lambda a, b: a <= b),
    ),
]


def evaluate(synthpipe: Row, peers: dict[str, Row], capped: frozenset[str] = frozenset()) -> dict[str, bool | None]:
    """Column -> passed (True), missed (False) or not judged (None, e.g. TabularARGN not run).

    ``capped``: peers whose fit was cut short (quick mode). Their fit time is a floor of the real
    one, so a fit-time miss against it is not judged; a pass still is.
    """
    verdict = {t.column: t.check(synthpipe, peers) for t in TARGETS}
    if ARGN in capped and verdict.get("fit_s") is False:
        verdict["fit_s"] = None
    return verdict
