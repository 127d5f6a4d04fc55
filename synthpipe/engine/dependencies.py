"""Functional dependencies between columns: every row of a city has the same country.

Why: the network draws each column from a distribution, so a dependency that holds in every
training row is kept only approximately; on 5,000 rows 0.9% of synthetic rows put a city in
another country and 3.3% a product in another category. Where every real value of one column
(the determinant) comes with one value of another (the dependent), the later of the two in the
chain is drawn among the tokens that agree with the earlier one (``exclusions``), and the
dependent is set from the determinant after drawing, on tokens (``enforce``).

Tokens that stand for one real value determine the dependent, and so does a generalised code
(``021**``, ``ford *``) whose training rows all share one dependent value: on 8,000 customers
whose zip codes are mostly generalised, 26% of the rows with such a code were put in another
city. A rare token (``_RARE_``) or a binned number leaves the dependent as drawn. A binned number
can be a dependent: every order line of a product at the product's one list price (200
products: 50% of synthetic lines had another price). Its bin token is fixed like a token, and
its value, shared by 5+ real rows, is set after decoding (``set_values``). So is a date learned
within its year: a product's one launch date (only its year was fixed: 34% of the rows had
another date).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeGuard

import numpy as np

from synthpipe.engine.codecs.base import Codec
from synthpipe.engine.codecs.categorical import CategoricalCodec
from synthpipe.engine.codecs.numeric import NumericCodec
from synthpipe.engine.codecs.offset import OffsetCodec
from synthpipe.engine.model import Exclusion

PROBE_ROWS = 512  # a candidate pair is tried on this many rows before all of them
MAX_MASK_CELLS = 4_000_000  # a dependency drawn in agreement holds a token-by-token mask this large at most


@dataclass(frozen=True)
class Dependency:
    """``dependent`` is a function of ``determinant``: ``mapping[token]`` is the dependent's token
    for each of the determinant's tokens (-1 where it is not fixed); for a binned number,
    ``values[token]`` is its value too (None where it is not fixed)."""

    determinant: str
    dependent: str
    mapping: tuple[int, ...]
    values: tuple[float | None, ...] = ()

    def __str__(self) -> str:
        return f"{self.determinant} determines {self.dependent}"

    def to_json(self) -> list[Any]:
        return [self.determinant, self.dependent, list(self.mapping), *([list(self.values)] if self.values else [])]

    @classmethod
    def from_json(cls, item: list[Any]) -> Dependency:
        determinant, dependent, mapping, *values = item
        fixed = tuple(None if v is None else float(v) for v in values[0]) if values else ()
        return cls(str(determinant), str(dependent), tuple(int(t) for t in mapping), fixed)


def value_tokens(codec: Codec) -> np.ndarray | None:
    """Per token, whether it stands for exactly one real value; None when some token does not
    decode to one value (binned numbers, offsets, keys), so the column takes no part."""
    if isinstance(codec, CategoricalCodec):
        return np.arange(codec.n_tokens) < len(codec.categories)
    if type(codec) is NumericCodec and codec.p.values and not codec.n_fine:
        first = codec.n_tokens - len(codec.p.values)  # specials (null, +-inf) come first
        return np.arange(codec.n_tokens) >= first
    return None


def value_dependent(codec: Codec) -> TypeGuard[NumericCodec]:
    """Whether a value found for the column can be set after decoding: a number or date binned on
    its own, or a date learned within its year (its offset token follows from its value)."""
    return type(codec) is NumericCodec or (isinstance(codec, OffsetCodec) and codec.anchor_part is not None)


def group_tokens(codec: Codec) -> np.ndarray:
    """Per token, whether it is a generalised code: a prefix, domain or leading words that 5+
    rows share and that stands for their rare values."""
    mask = np.zeros(codec.n_tokens, dtype=bool)
    if isinstance(codec, CategoricalCodec):
        mask[len(codec.categories) : len(codec.categories) + len(codec.generalised)] = True
    return mask


def detect(
    tokens: dict[int, np.ndarray], codecs: list[Codec], min_rows: int, numbers: dict[int, np.ndarray] | None = None
) -> list[Dependency]:
    """Every pair (determinant, dependent) where each real value of the determinant that occurs
    comes with one dependent token in every training row, and the dependent varies. Generalised
    codes then determine the dependent where their rows agree; a column of generalised codes
    alone (every name rare, ``ford *``) is a determinant only where all of them agree.
    ``numbers``: binned numbers (codec index -> values) that may depend on a value."""
    exact = {i: mask for i in tokens if (mask := value_tokens(codecs[i])) is not None}
    dependents = {i: (tokens[i], codecs[i].n_tokens) for i, mask in exact.items() if mask.sum() >= 2}
    # a number's distinct values as codes (one for null), so a value is found like a token
    distinct = {i: np.unique(values, return_inverse=True) for i, values in (numbers or {}).items()}
    distinct = {i: found for i, found in distinct.items() if _tokens_follow(found[1], tokens[i], codecs[i].n_tokens)}
    dependents |= {i: (codes.astype(np.int64), values.size) for i, (values, codes) in distinct.items()}
    found = []
    probed = _Probed([right for right, _ in dependents.values()])
    for a, real in exact.items():
        strict, loose = real, group_tokens(codecs[a])
        if real[tokens[a]].sum() < min_rows:
            strict, loose = real | loose, np.zeros_like(loose)
        if strict.sum() < 2 or strict[tokens[a]].sum() < min_rows:
            continue
        functional = probed.functional(tokens[a], strict)
        for (b, (right, n_right)), kept in zip(dependents.items(), functional, strict=True):
            if b == a or not kept:
                continue
            mapping = _mapping(tokens[a], right, strict, n_right)
            if mapping is not None:
                mapping = _with_agreeing_groups(mapping, tokens[a], right, loose, n_right)
                found.append(_dependency(codecs[a], codecs[b], mapping, tokens[b], distinct.get(b)))
    return found


class _Probed:
    """The dependents' values on the rows a determinant is probed on (``_mapping``'s first test), for
    all dependents at once. Why: a 1,000-column table has 300,000 pairs, probed one by one in half
    a minute; most determinants share their probe rows (the first ones), so the last rows' values
    are kept."""

    def __init__(self, rights: list[np.ndarray]) -> None:
        self.rights = rights
        self.key = b""
        self.values: np.ndarray = np.zeros((len(rights), 0), dtype=np.int64)

    def functional(self, left: np.ndarray, strict: np.ndarray) -> np.ndarray:
        """Per dependent, whether it holds one value per token of ``left`` on the first
        ``PROBE_ROWS`` rows whose token is ``strict`` (each token's rows in a run, compared in turn)."""
        rows = np.flatnonzero(strict[left])[:PROBE_ROWS]
        rows = rows[np.argsort(left[rows], kind="stable")]
        same = left[rows][1:] == left[rows][:-1]
        values = self._at(rows)
        return ~((values[:, 1:] != values[:, :-1]) & same).any(axis=1)

    def _at(self, rows: np.ndarray) -> np.ndarray:
        if rows.tobytes() != self.key:
            self.key = rows.tobytes()
            self.values = np.stack([right[rows] for right in self.rights]) if self.rights else np.zeros((0, rows.size))
        return self.values


def _tokens_follow(codes: np.ndarray, tokens: np.ndarray, n_tokens: int) -> bool:
    """Whether each distinct value comes with one token (a date's offset within its year does;
    one within a year another column holds may not), so a fixed value fixes its token."""
    pairs = np.unique(codes.astype(np.int64) * n_tokens + tokens)
    return np.unique(pairs // n_tokens).size == pairs.size


def set_values(
    numbers: dict[str, np.ndarray], tokens: dict[int, np.ndarray], dependencies: list[Dependency], index: dict[str, int]
) -> None:
    """Each binned dependent's value from its determinant's token, in place, where it is fixed."""
    for dep in dependencies:
        if dep.values and dep.dependent in numbers:
            fixed = np.asarray([np.nan if v is None else v for v in dep.values], dtype="float64")
            drawn = fixed[tokens[index[dep.determinant]]]
            numbers[dep.dependent] = np.where(np.isnan(drawn), numbers[dep.dependent], drawn)


def _dependency(
    determinant: Codec,
    dependent: Codec,
    mapping: np.ndarray,
    dependent_tokens: np.ndarray,
    values_and_codes: tuple[np.ndarray, np.ndarray] | None,
) -> Dependency:
    """The found mapping on tokens; for a binned number (its distinct values and each row's code)
    ``mapping`` maps onto value codes, which give both the value and the bin token that holds it."""
    names = determinant.storage.name, dependent.storage.name
    if values_and_codes is None:
        return Dependency(*names, tuple(mapping.tolist()))
    distinct, codes = values_and_codes
    token_of = np.zeros(distinct.size, dtype=np.int64)
    token_of[codes] = dependent_tokens
    fixed = mapping >= 0
    values = [
        float(distinct[c]) if ok and np.isfinite(distinct[c]) else None for c, ok in zip(mapping, fixed, strict=True)
    ]
    tokens = np.where(fixed, token_of[np.maximum(mapping, 0)], -1)
    return Dependency(*names, tuple(tokens.tolist()), tuple(values))


def _mapping(left: np.ndarray, right: np.ndarray, strict: np.ndarray, n_right: int) -> np.ndarray | None:
    """``right`` as a function of ``left`` on the rows whose ``left`` token is ``strict`` (token
    -> token, -1 for the rest), or None if it is not one or is constant. A few rows are tried
    first: most pairs fail there."""
    rows = strict[left]
    left, right = left[rows], right[rows]
    for size in (PROBE_ROWS, left.size):
        pairs = np.unique(left[:size].astype(np.int64) * n_right + right[:size])
        if np.unique(pairs // n_right).size < pairs.size:
            return None
    if np.unique(pairs % n_right).size < 2:
        return None
    mapping = np.full(strict.size, -1, dtype=np.int64)
    mapping[pairs // n_right] = pairs % n_right
    return mapping


def _with_agreeing_groups(
    mapping: np.ndarray, left: np.ndarray, right: np.ndarray, groups: np.ndarray, n_right: int
) -> np.ndarray:
    """``mapping`` plus each generalised code of ``left`` whose rows hold one ``right`` token."""
    rows = groups[left]
    if not rows.any():
        return mapping
    pairs = np.unique(left[rows].astype(np.int64) * n_right + right[rows])
    code, value = np.divmod(pairs, n_right)
    codes, counts = np.unique(code, return_counts=True)
    agreeing = np.isin(code, codes[counts == 1])
    out = mapping.copy()
    out[code[agreeing]] = value[agreeing]
    return out


def enforce(tokens: dict[int, np.ndarray], dependencies: list[Dependency], index: dict[str, int]) -> None:
    """Set each dependent's tokens from its determinant's, in place. Coarser determinants go
    first, so a finer one (zip before city, for country) has the last word, consistently."""
    for dep in sorted(dependencies, key=_values_told_apart):
        mapping = np.asarray(dep.mapping, dtype=np.int64)
        fixed = mapping[tokens[index[dep.determinant]]]
        dependent = tokens[index[dep.dependent]]
        tokens[index[dep.dependent]] = np.where(fixed >= 0, fixed, dependent).astype(dependent.dtype)


def _values_told_apart(dep: Dependency) -> int:
    return sum(token >= 0 for token in dep.mapping)


def exclusions(dependencies: list[Dependency], positions: dict[str, int], sizes: dict[str, int]) -> list[Exclusion]:
    """(earlier model column, later model column, token mask) for model.sample_tokens: the later
    of the two is drawn among the tokens that agree with the earlier one, so the columns drawn
    after both see the pair as it will be decoded (a line's total drawn for another product's
    price kept it once the price was set)."""
    out = []
    for dep in dependencies:
        if dep.determinant not in positions or dep.dependent not in positions:
            continue
        mapping = np.asarray(dep.mapping, dtype=np.int64)
        fixed = np.flatnonzero(mapping >= 0)
        n_dependent = sizes[dep.dependent]
        if mapping.size * n_dependent > MAX_MASK_CELLS:
            continue  # too large to hold: set after drawing alone (enforce)
        agrees = np.ones((mapping.size, n_dependent), dtype=bool)
        agrees[fixed] = False
        agrees[fixed, mapping[fixed]] = True
        determinant, dependent = positions[dep.determinant], positions[dep.dependent]
        if determinant < dependent:
            out.append((determinant, dependent, ~agrees))
        else:
            out.append((dependent, determinant, ~agrees.T))
    return out
