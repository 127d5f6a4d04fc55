"""Columns computed as the product or ratio of two others, a percentage of one over another or
applied to it (``income * food_pct / 100``), or as a discounted or taxed product (``price *
quantity * (1 - discount)``): line totals, averages, rates.

Why: ``aov`` is ``round(revenue / orders, 2)`` and ``line_total`` is ``price * quantity``, but the
network draws each on its own bins, so 91% of synthetic average order values were more than 1%
off their own revenue and orders (41% by more than 10%); an order line's ``sales`` came back
between 0.51 and 1.95 times its price, quantity and discount (10th-90th percentile). Where a
column equals such a formula, rounded to its own decimals, in every training row, it is
recomputed from the synthetic parts.

A column may also be another times or divided by a constant (``SCALES``): a unit conversion,
``round(secs / 60.0, 2) AS minutes``, ``amount_cents / 100.0``. Drawn on its own bins, minutes
came back beside seconds of another row, so every synthetic session of an event stream lay
far from every real one (which all sit on the line) and the privacy filters dropped all
1,487,965 rows generated as outliers. Found where the column equals the scaled one, rounded to
its decimals or, at full precision, exactly as the division or product of two doubles gives it.
"""

from __future__ import annotations

import decimal
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

PROBE_ROWS = 64  # a candidate is tried on this many rows before all of them
MAX_COLUMNS = 40  # formulas are looked for among at most this many number columns

OPERATIONS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "*": np.multiply,
    "/": np.divide,
    "100 * /": lambda a, b: 100 * a / b,  # a percentage
    "* / 100": lambda a, b: a * b / 100,  # a percentage applied: income * food_pct / 100
}
SYMMETRIC = ("*", "* / 100")  # a op b == b op a: tried one way
# a column times or divided by a constant (the formula's ``right``, written as the number): a unit conversion
SCALES: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {"* k": np.multiply, "/ k": np.divide}
NICE_DIVISORS = (60, 100, 1000, 3600, 1024, 86400, 1_000_000, 1e9)  # divisors tried by name (a rate's 1/x is no float)
# a product of two columns scaled by a third, a rate in [0, 1]: a discount, a tax
SCALINGS: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]] = {
    "* (1 -)": lambda a, b, rate: a * b * (1 - rate),
    "* (1 +)": lambda a, b, rate: a * b * (1 + rate),
}


def _half_even(values: np.ndarray, scale: np.ndarray | float) -> np.ndarray:
    return np.round(values * scale) / scale


# SQL rounds and truncates exact decimals; the float product lands a hair below them: 10.25 * 3 *
# (1 - 0.1) is 27.674999999999997, which rounded to 27.67 where PostgreSQL says 27.68 (86 of 3,000
# order lines, and so no formula). Magnitudes are nudged up by this share before rounding.
DECIMAL_NUDGE = 1e-12


def _half_away(values: np.ndarray, scale: np.ndarray | float) -> np.ndarray:
    return np.sign(values) * np.floor(np.abs(values) * scale * (1 + DECIMAL_NUDGE) + 0.5) / scale


BINARY_TIE = 1e-6  # how near a half a scaled double is checked against its exact binary value


def round_binary(values: np.ndarray, scale: np.ndarray | float) -> np.ndarray:
    """The exact binary value rounded, a tie away from zero: DuckDB's ``round`` of a double, bit
    for bit. Why: ``ROUND(SUM(value) / COUNT(*), 2)`` of 53.71 / 2 (26.85499999... as a double) is
    26.85 there, where a nudged half away from zero says 26.86 and numpy's half to even on the
    scaled double 26.86 too: no formula held, and the events of a user were taken for
    ``round(revenue / revenue_per_event, 0)`` instead."""
    values, scales = np.broadcast_arrays(values, np.asarray(scale, dtype="float64"))
    scaled = values * scales
    out = np.sign(scaled) * np.floor(np.abs(scaled) + 0.5)
    with np.errstate(invalid="ignore"):
        near = np.abs(np.abs(scaled - np.trunc(scaled)) - 0.5) < BINARY_TIE
    for at in zip(*np.nonzero(near), strict=True):
        exact = decimal.Decimal(float(values[at])) * decimal.Decimal(float(scales[at]))
        out[at] = float(exact.quantize(decimal.Decimal(1), decimal.ROUND_HALF_UP))
    return out / scales


def _toward_zero(values: np.ndarray, scale: np.ndarray | float) -> np.ndarray:
    return np.sign(values) * np.floor(np.abs(values) * scale * (1 + DECIMAL_NUDGE)) / scale


# Each takes the exact values and 10 ** decimals (a number, or one per column).
ROUNDINGS: dict[str, Callable[[np.ndarray, np.ndarray | float], np.ndarray]] = {
    "round": _half_even,  # numpy, pandas, Python
    "round half away": _half_away,  # SQL's round on numerics
    "round binary": round_binary,  # DuckDB's round on doubles (and table_windows.rounded)
    "truncate": _toward_zero,  # integer division in SQL
}
EXACT = "exact"  # a scale's result at full precision: the double the division or product gives


@dataclass(frozen=True)
class Formula:
    """``result == rounding(left <operation> right, decimals)`` in every training row; with a
    ``rate``, ``operation`` is one of ``SCALINGS`` (``left * right * (1 - rate)``)."""

    result: str
    left: str
    operation: str
    right: str
    decimals: int
    rounding: str
    rate: str | None = None

    @property
    def parts(self) -> tuple[str, ...]:
        if self.operation in SCALES:
            return (self.left,)
        return (self.left, self.right) if self.rate is None else (self.left, self.right, self.rate)

    def __str__(self) -> str:
        if self.operation in SCALES:
            expression = f"{self.left} {self.operation[0]} {self.right}"
            return (
                f"{self.result} == {expression}"
                if self.rounding == EXACT
                else (f"{self.result} == {self.rounding}({expression}, {self.decimals})")
            )
        if self.rate is not None:
            sign = self.operation[-2]
            expression = f"{self.left} * {self.right} * (1 {sign} {self.rate})"
        elif self.operation == "100 * /":
            expression = f"100 * {self.left} / {self.right}"
        elif self.operation == "* / 100":
            expression = f"{self.left} * {self.right} / 100"
        else:
            expression = f"{self.left} {self.operation} {self.right}"
        if self.rounding == EXACT:
            return f"{self.result} == {expression}"
        return f"{self.result} == {self.rounding}({expression}, {self.decimals})"

    def to_json(self) -> list[object]:
        rate = [] if self.rate is None else [self.rate]
        return [self.result, self.left, self.operation, self.right, self.decimals, self.rounding, *rate]

    @classmethod
    def from_json(cls, item: list[object]) -> Formula:
        result, left, operation, right, decimals, rounding, *rate = item
        if operation in SCALES:
            if rate or (rounding not in ROUNDINGS and rounding != EXACT) or not np.isfinite(float(str(right))):
                raise ValueError(f"unknown scale {operation!r} {right!r} / {rounding!r}")
            return cls(
                str(result), str(left), str(operation), repr(float(str(right))), int(str(decimals)), str(rounding)
            )
        known = SCALINGS if rate else OPERATIONS
        if operation not in known or (rounding not in ROUNDINGS and rounding != EXACT) or len(rate) > 1:
            raise ValueError(f"unknown formula {operation!r} / {rounding!r}")
        third = str(rate[0]) if rate else None
        return cls(str(result), str(left), str(operation), str(right), int(str(decimals)), str(rounding), third)

    def evaluate(self, *parts: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            exact = (
                SCALES[self.operation](parts[0], float(self.right))
                if self.operation in SCALES
                else (_exact(self.operation, parts))
            )
        return exact if self.rounding == EXACT else ROUNDINGS[self.rounding](exact, 10.0**self.decimals)


def _exact(operation: str, parts: tuple[np.ndarray, ...]) -> np.ndarray:
    if len(parts) == 3:
        return SCALINGS[operation](*parts)
    return OPERATIONS[operation](*parts)


def detect(
    views: Mapping[str, np.ndarray], decimals: Mapping[str, int | None], taken: set[str], min_rows: int
) -> list[Formula]:
    """For each number column not already derived (``taken``), the first product or ratio of
    two others it equals, or else the first product of two scaled by a rate, rounded to its
    ``decimals`` (None: full precision, never rounded), or else equal to the double the
    operation gives (``EXACT``), in every row where all are known and the divisor is not 0. Why
    the double too: an order line's ``qty * unit_price AS line_total`` in SQL is a double, which
    is 296.28000000000003 where its decimals say 296.28, so ``unit_price`` was taken for
    ``round(line_total / qty, 2)``: recomputed from a line total drawn on its bins, a product's
    one list price came back as many prices (39 of 40 products). Columns with <= 2 distinct
    values take no part but as rates; every candidate is tried on a few rows at once first (40
    columns: 0.2 s)."""
    names = [n for n in views if np.unique(views[n][np.isfinite(views[n])]).size > 2]
    if len(names) < 2 or len(names) > MAX_COLUMNS:
        return []
    found: list[Formula] = []
    if len(names) >= 3:
        _products(views, decimals, taken, min_rows, names, found)
    for formula in _scales(views, decimals, names):
        _add_if_it_holds(formula, found, views, taken, min_rows)
    return found


def _products(
    views: Mapping[str, np.ndarray],
    decimals: Mapping[str, int | None],
    taken: set[str],
    min_rows: int,
    names: list[str],
    found: list[Formula],
) -> None:
    """Products and ratios of two columns, then products of two scaled by a rate (``detect``);
    in each, formulas whose result keeps more decimals first (``_finest_results_first``)."""
    probe = _Probe.of(views, decimals, names)
    for candidates in (
        _two_column_candidates(probe, decimals, names),
        _rated_candidates(probe, views, decimals, names),
    ):
        for formula in _finest_results_first(candidates, decimals):
            _add_if_it_holds(formula, found, views, taken, min_rows)


def _two_column_candidates(probe: _Probe, decimals: Mapping[str, int | None], names: list[str]) -> list[Formula]:
    """Products and ratios of two columns that hold on the probe rows, in the order tried."""
    out = []
    for (i, left), (j, right) in itertools.permutations(enumerate(names), 2):
        for operation, rounding in itertools.product(OPERATIONS, (*ROUNDINGS, EXACT)):
            if operation in SYMMETRIC and i > j:
                continue  # a * b == b * a
            with np.errstate(divide="ignore", invalid="ignore"):
                exact = _exact(operation, (probe.values[:, i], probe.values[:, j]))
            for result in probe.hits(exact, rounding, {left, right}):
                out.append(Formula(result, left, operation, right, int(decimals[result] or 0), rounding))
    return out


def _rated_candidates(
    probe: _Probe, views: Mapping[str, np.ndarray], decimals: Mapping[str, int | None], names: list[str]
) -> list[Formula]:
    """Products of two columns scaled by a rate that hold on the probe rows, in the order tried."""
    out = []
    for rate in _rates(views):
        for (i, left), (j, right) in itertools.combinations(enumerate(names), 2):
            for operation, rounding in itertools.product(SCALINGS, (*ROUNDINGS, EXACT)):
                exact = _exact(operation, (probe.values[:, i], probe.values[:, j], views[rate][:PROBE_ROWS]))
                for result in probe.hits(exact, rounding, {left, right, rate}):
                    out.append(Formula(result, left, operation, right, int(decimals[result] or 0), rounding, rate))
    return out


def _finest_results_first(candidates: list[Formula], decimals: Mapping[str, int | None]) -> list[Formula]:
    """``candidates`` with those whose result keeps more decimals first (full precision the
    most), else in the order found. Why: a result rounded to its decimals is computed from its
    parts, and a whole-number part is then often their formula too (its step swallows the
    result's rounding): a count of returns was taken for ``round(orders * returned_pct / 100,
    0)`` and an income for ``round(100 * food_spend / food_pct, 0)``, which left the percentage
    and the spend they are computed as drawn on their own bins."""
    finest = {name: 99 if places is None else places for name, places in decimals.items()}
    return sorted(candidates, key=lambda f: -finest[f.result])


def _scales(views: Mapping[str, np.ndarray], decimals: Mapping[str, int | None], names: list[str]) -> list[Formula]:
    """Each ordered pair's candidate scales, ``result == left * k`` or ``left / d``: the constant
    read off the probe row where ``left`` is largest (its rounding error the least), tried as
    ``_constants`` lists them and kept at the first that holds on the probe rows; the result's
    decimals round it (full precision: exactly). ``_holds`` then checks it on every row."""
    out = []
    for left, result in itertools.permutations(names, 2):
        a, b = views[left][:PROBE_ROWS], views[result][:PROBE_ROWS]
        known = np.isfinite(a) & np.isfinite(b) & (a != 0)
        if not known.any():
            continue
        at = np.flatnonzero(known)[np.argmax(np.abs(a[known]))]
        ratio = b[at] / a[at]
        if not np.isfinite(ratio) or ratio == 0 or abs(np.log10(abs(ratio))) > 12 or ratio == 1:
            continue
        rounding = EXACT if decimals[result] is None else "round"
        places = int(decimals[result] or 0)
        for operation, constant in _constants(ratio):
            for way in (rounding,) if rounding == EXACT else ROUNDINGS:
                formula = Formula(result, left, operation, repr(float(constant)), places, way)
                if np.array_equal(formula.evaluate(a[known]), b[known]):
                    out.append(formula)
                    break
            else:
                continue
            break
    return out


def _constants(ratio: float) -> list[tuple[str, float]]:
    """The scales a ``result / left`` of ``ratio`` may be: a division by a named or whole divisor
    near its inverse, then a multiplier near it of the fewest significant digits (2.20462 pounds
    a kilogram, 100), then the ratio itself (read off a rounded result, it is a hair off)."""
    inverse = 1.0 / ratio
    divisors = [d for d in (*NICE_DIVISORS, round(inverse)) if d and abs(inverse - d) <= 1e-3 * abs(d)]
    short = [float(f"{ratio:.{digits}g}") for digits in range(1, 10)]
    multipliers = [m for m in short if abs(ratio - m) <= 1e-3 * abs(ratio)]
    return [
        *(("/ k", float(d)) for d in dict.fromkeys(divisors)),
        *(("* k", m) for m in dict.fromkeys([*multipliers, ratio])),
    ]


def _rates(views: Mapping[str, np.ndarray]) -> list[str]:
    """Columns that may scale a product: varying, all within [0, 1] (a discount, a tax rate)."""
    out = []
    for name, values in views.items():
        known = values[np.isfinite(values)]
        if known.size and known.min() >= 0 and known.max() <= 1 and known.min() < known.max():
            out.append(name)
    return out


def _add_if_it_holds(
    formula: Formula, found: list[Formula], views: Mapping[str, np.ndarray], taken: set[str], min_rows: int
) -> None:
    """One formula per column, and none over a part of another (no cycles)."""
    if formula.result in taken or any(formula.result in (f.result, *f.parts) for f in found):
        return
    if _holds(formula, views, min_rows):
        found.append(formula)


@dataclass(frozen=True)
class _Probe:
    """The first rows of the candidate columns, to rule most formulas out at once."""

    values: np.ndarray
    scales: np.ndarray  # 10 ** decimals per column, NaN for full precision
    names: list[str]

    @classmethod
    def of(cls, views: Mapping[str, np.ndarray], decimals: Mapping[str, int | None], names: list[str]) -> _Probe:
        scales = [np.nan if decimals[n] is None else 10.0 ** int(decimals[n] or 0) for n in names]
        values = np.column_stack([views[n][:PROBE_ROWS] for n in names])
        return cls(values, np.asarray(scales, dtype="float64"), names)

    def hits(self, exact: np.ndarray, rounding: str, parts: set[str]) -> list[str]:
        """Columns (not ``parts``) that equal the rounded ``exact`` on every probe row where it
        can be computed; ``EXACT``: that equal it as it is, the double the operation gives."""
        if rounding == EXACT:
            rounded = np.repeat(exact[:, None], len(self.names), axis=1)
        else:
            rounded = ROUNDINGS[rounding](exact[:, None], self.scales[None, :])
        unknown = ~np.isfinite(exact)[:, None] | ~np.isfinite(self.values)
        hits = np.flatnonzero(((rounded == self.values) | unknown).all(axis=0))
        return [self.names[k] for k in hits if self.names[k] not in parts]


def _holds(formula: Formula, views: Mapping[str, np.ndarray], min_rows: int) -> bool:
    """Checked on every row it will be recomputed on (a product by 0 too), and on at least
    ``min_rows`` rows where the result is not 0: on sparse 0/1/2 columns a product of two others
    held only because both were 0 wherever the result was checked, and recomputing it erased
    every 1 and 2 of the result."""
    parts, c = [views[p] for p in formula.parts], views[formula.result]
    known = _computable(formula.operation, parts) & np.isfinite(c)
    if np.count_nonzero(c[known]) < min_rows:
        return False
    return bool(np.array_equal(formula.evaluate(*(p[known] for p in parts)), c[known]))


def _computable(operation: str, parts: list[np.ndarray]) -> np.ndarray:
    """Rows where a formula is defined: every part known, and a divisor that is not 0."""
    known = np.logical_and.reduce([np.isfinite(p) for p in parts])
    return known if operation in SCALES else known & ((parts[1] != 0) | (operation not in ("/", "100 * /")))


def recompute(values: dict[str, np.ndarray], formulas: list[Formula]) -> None:
    """Each formula's column from its synthetic parts, where all are known and the divisor is not
    0, and the column was not drawn null: a result missing in 10% of rows whose parts were known
    (a ratio left out for some) came back in none."""
    for f in formulas:
        parts = [values[p] for p in f.parts]
        known = _computable(f.operation, parts) & ~np.isnan(values[f.result])
        values[f.result][known] = f.evaluate(*(p[known] for p in parts))
