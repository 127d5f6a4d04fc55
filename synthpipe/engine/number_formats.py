"""Numbers written as formatted text: amounts with a currency sign, thousands separators, a decimal
comma, a percent sign or a unit (``'$1,234.50'``, ``'1.234,50 €'``, ``'77.1%'``, ``'82.7 kg'``), and
negatives in parentheses as accounts write them (``'($12.50)'``, ``'(0.18)'``).

Why: a column of prices loaded from a CSV or a spreadsheet export keeps them as text. Learned as
text, 3,000 amounts were 3,000 labels, each held by one row: privacy masked them and the synthetic
column read ``'$***.**'`` and ``'_RARE_'``. A column whose every value is one number in one such
format is learned as that number (a decimal of its places) and written back in the same format
and dtype.

Only formats that say they hold an amount are taken: a currency sign or code, a percent or
per-mille sign, a unit word after a space (or a short one after the number: ``'12.5kg'``), thousands
separators, a decimal comma, or negatives in parentheses beside numbers with decimals. Text that is
all digits stays what ``frames`` makes of it (whole numbers alone are codes as often as counts), and
so does text whose values carry different signs or units, or different numbers of decimals other than
by dropping trailing zeros (``'3.50%'`` next to ``'12.5%'``): their written form is not one format.
Amounts written without trailing zeros (``'$36.7'``, ``'$36'``: JavaScript, Excel's General format)
are one format (``bare``).
"""

from __future__ import annotations

import decimal
import re
import unicodedata
from dataclasses import asdict, dataclass, replace
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from synthpipe.engine import text_magnitudes

PROBE_ROWS = 256  # values a text column is first tried on: most text fails on its first values
_GROUPS = (",", ".", " ", "\u00a0", "\u202f", "'", "")  # thousands separators, most common first
_POINTS = (".", ",")
_UNIT_CHARS = frozenset("°²³µ/%‰")
_MAX_AFFIX = 8  # characters of a sign, code or unit around the number
_CURRENCY_CODES = frozenset(
    {
        "USD",
        "EUR",
        "GBP",
        "JPY",
        "CHF",
        "CAD",
        "AUD",
        "NZD",
        "CNY",
        "HKD",
        "SGD",
        "INR",
        "KRW",
        "BRL",
        "MXN",
        "ARS",
        "CLP",
        "COP",
        "PEN",
        "ZAR",
        "SEK",
        "NOK",
        "DKK",
        "ISK",
        "PLN",
        "CZK",
        "HUF",
        "RON",
        "BGN",
        "RUB",
        "UAH",
        "TRY",
        "ILS",
        "AED",
        "SAR",
        "QAR",
        "EGP",
        "NGN",
        "KES",
        "THB",
        "MYR",
        "IDR",
        "PHP",
        "VND",
        "TWD",
    }
)  # written before or after an amount ("USD 12.50", "12,50 EUR"); other capitals may be a code's prefix


@dataclass(frozen=True)
class NumberFormat:
    """How a column writes its numbers: ``prefix``, sign, digits in groups of three split by
    ``group`` (none when empty), ``point`` and the decimals, ``suffix``. ``sign_first``: a minus
    before the prefix (``-$5.00``) rather than after it (``$-5.00``). ``parens``: a negative number
    is written in parentheses, no minus (``($5.00)``: accounting exports; a refund's ``'($12.50)'``
    was a label and came back ``'($2*.**)'``). ``dtype``: the text column's dtype, which the numbers
    are written back in. ``bare``: decimals written without trailing zeros (``'$36.7'``, ``'$36'``),
    no one number of them; as text, such prices came back masked, ``'$12*.**'``."""

    prefix: str
    suffix: str
    group: str
    point: str
    sign_first: bool = True
    dtype: str = "object"
    parens: bool = False
    bare: bool = False

    def pattern(self) -> re.Pattern[str]:
        digits = rf"\d{{1,3}}(?:{re.escape(self.group)}\d{{3}})+|\d+" if self.group else r"\d+"
        prefix = re.escape(self.prefix)
        return re.compile(
            rf"(?P<before>-?){prefix}(?P<after>-?)(?P<whole>{digits})(?:{re.escape(self.point)}(?P<frac>\d+))?"
            rf"{re.escape(self.suffix)}"
        )

    def plain(self, text: pd.Series) -> pd.Series:
        """Formatted values (no nulls, as ``str``) as plain number text (``'-1234.50'``); NaN where
        one does not fit the format."""
        wrapped = _wrapped(text) & self.parens
        inner = text.where(~wrapped, text.str[1:-1])
        fits = inner.str.fullmatch(self.pattern().pattern)
        negative = inner.str.startswith("-")
        body = inner.str.removeprefix("-").str.removeprefix(self.prefix)
        negative |= body.str.startswith("-")
        body = body.str.removeprefix("-").str.removesuffix(self.suffix)
        body = body.str.replace(self.group, "", regex=False) if self.group else body
        body = body.str.replace(self.point, ".", regex=False) if self.point != "." else body
        if self.parens:  # no minus beside parentheses: its values are written one way
            fits, negative = fits & ~negative, wrapped
        return ("-" + body).where(negative, body).where(fits)

    def written(self, value: decimal.Decimal) -> str:
        """A number in this format (``Decimal('-1234.50')`` as ``'-$1,234.50'``); no minus on a zero."""
        negative = value.is_signed() and not value.is_zero()
        whole, _, frac = format(value.copy_abs(), "f").partition(".")
        frac = frac.rstrip("0") if self.bare else frac
        if self.group:
            whole = f"{int(whole):,}".replace(",", self.group)
        number = whole + (self.point + frac if frac else "")
        sign = "-" if negative else ""
        if self.parens:
            text = f"{self.prefix}{number}{self.suffix}"
            return f"({text})" if negative else text
        if self.sign_first:
            return f"{sign}{self.prefix}{number}{self.suffix}"
        return f"{self.prefix}{sign}{number}{self.suffix}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> NumberFormat:
        return cls(
            prefix=str(item["prefix"]),
            suffix=str(item["suffix"]),
            group=str(item["group"]),
            point=str(item["point"]),
            sign_first=bool(item["sign_first"]),
            dtype=str(item["dtype"]),
            parens=bool(item.get("parens", False)),
            bare=bool(item.get("bare", False)),
        )

    def valid(self) -> bool:
        """Whether a saved format is one ``detect`` can find (an artifact's, checked on load)."""
        return (
            self.group in _GROUPS
            and self.point in _POINTS
            and self.group != self.point
            and _is_affix(self.prefix, prefix=True)
            and _is_affix(self.suffix, prefix=False)
            and text_dtype_name(self.dtype)
        )


# how a column of numbers as text writes them; a string: text_magnitudes imports this module
Written: TypeAlias = "NumberFormat | text_magnitudes.MagnitudeFormat"


def format_from_json(item: dict[str, Any]) -> Written:
    """A saved format: a magnitude column's holds its ``tiers``."""
    return text_magnitudes.MagnitudeFormat.from_json(item) if "tiers" in item else NumberFormat.from_json(item)


def text_dtype_name(dtype: str) -> bool:
    """Whether ``dtype`` names a pandas text dtype (object or string): a saved one is checked."""
    try:
        found = pd.api.types.pandas_dtype(dtype)
    except TypeError:
        return False
    return found == np.dtype(object) or isinstance(found, pd.StringDtype)


def detect(series: pd.Series) -> Written | None:
    """The one format every value of a text column is written in, if it says it holds amounts, or
    the magnitude suffixes it writes numbers with (``'870'``, ``'1.5K'``: ``text_magnitudes``)."""
    return _one_format(series) or text_magnitudes.detect(series)


def _one_format(series: pd.Series) -> NumberFormat | None:
    text = series.dropna()
    if text.empty or not all(isinstance(v, str) for v in text.iloc[:PROBE_ROWS]):
        return None
    text = text.astype(str)
    wrapped = _wrapped(text)
    signed = text.where(~wrapped, "-" + text.str[1:-1])  # '($12.50)' as '-$12.50': its prefix is '$'
    probe = text.iloc[:PROBE_ROWS]
    for candidate in _candidates(signed.iloc[:PROBE_ROWS], str(series.dtype)):
        candidate = replace(candidate, parens=bool(wrapped.any()))
        if candidate.plain(probe).isna().any():
            continue
        if not (candidate.prefix or candidate.suffix or candidate.point == "," or candidate.parens) and not _uses_group(
            candidate, signed
        ):
            return None  # plain digits and a point: no amount's format, told before reading every value
        plain = candidate.plain(text)
        if plain.notna().all() and (_one_scale(plain) or _bare(plain)):
            found = candidate if _uses_group(candidate, signed) else replace(candidate, group="")
            found = replace(found, bare=not _one_scale(plain))
            return found if _says_amount(found, signed) else None
    return None


def _wrapped(text: pd.Series) -> pd.Series:
    """Values in parentheses (``'($12.50)'``)."""
    return text.str.startswith("(") & text.str.endswith(")")


def _uses_group(fmt: NumberFormat, text: pd.Series) -> bool:
    """Whether some value splits its digits by the format's thousands separator: one that no
    value uses (``'USD 1316.73'``) is not written back."""
    return bool(fmt.group) and bool(text.str.contains(re.escape(fmt.group) + r"\d{3}", regex=True).any())


def _candidates(text: pd.Series, dtype: str) -> list[NumberFormat]:
    """Formats the first values could be in: the first value's prefix and suffix (a minus on
    either side of the prefix is the number's) around each pair of separators, thousands
    separators and decimal commas tried in order."""
    first = text.iloc[0]
    digits = re.search(r"\d", first)
    if digits is None:
        return []
    prefix = first[: digits.start()].strip("-")
    suffix = first[re.search(r"\d\D*$", first).start() + 1 :]  # type: ignore[union-attr]  # a digit is there
    if not (_is_affix(prefix, prefix=True) and _is_affix(suffix, prefix=False)):
        return []
    sign_first = not (prefix and text.str.startswith(prefix + "-").any())
    return [
        NumberFormat(prefix, suffix, group, point, sign_first, dtype)
        for group in _GROUPS
        for point in _POINTS
        if group != point
    ]


def _is_affix(affix: str, *, prefix: bool) -> bool:
    """A currency sign or code, a percent sign or a unit, with at most one space between it and
    the number; the empty affix too."""
    if not affix:
        return True
    core = affix.rstrip(" ") if prefix else affix.lstrip(" ")
    spaces = len(affix) - len(core)
    if len(affix) > _MAX_AFFIX or spaces > 1 or not core or " " in core.strip():
        return False
    currency = any(unicodedata.category(ch) == "Sc" for ch in core) and all(
        unicodedata.category(ch) == "Sc" or ch.isalpha() for ch in core
    )  # "$", "R$", "CHF" is a code
    code = core in _CURRENCY_CODES and spaces == 1
    unit = not prefix and all(ch.isalpha() or ch in _UNIT_CHARS for ch in core)
    return currency or code or unit


def _one_scale(plain: pd.Series) -> bool:
    """Every value written with the same number of decimals (none counts)."""
    places = plain.str.partition(".")[2].str.len()
    return bool(places.nunique() == 1)


def _bare(plain: pd.Series) -> bool:
    """Every value written without trailing zeros, some with decimals (``'$36.7'``, ``'$36'``,
    ``'$36.69'``; ``'3%'``, ``'12.5%'``), as JavaScript, Excel's General format and ``%g`` write them."""
    decimals = plain.str.partition(".")[2]
    return bool(decimals.ne("").any() and not decimals.str.endswith("0").any())


def _says_amount(fmt: NumberFormat, text: pd.Series) -> bool:
    """A format that only an amount is written in: a sign, code or unit around the number, a
    thousands separator some value uses, a decimal comma, or negatives in parentheses beside
    decimals (``'(0.18)'``, ``'1.29'``). Plain digits with a point are ``frames.number_text_type``'s;
    plain whole digits are codes as often as amounts (``'(12)'``: an area code?)."""
    if fmt.parens and _has_point(fmt, text):
        return True
    if fmt.prefix or fmt.suffix.strip():
        return bool(fmt.prefix) or fmt.suffix.startswith(" ") or not fmt.suffix.isalpha() or _has_point(fmt, text)
    return bool(fmt.group) or (fmt.point == "," and _has_point(fmt, text))


def _has_point(fmt: NumberFormat, text: pd.Series) -> bool:
    return bool(
        text.str.contains(r"\d" + re.escape(fmt.point) + r"\d+" + re.escape(fmt.suffix) + "$", regex=True).any()
    )


def numbers(series: pd.Series, fmt: Written) -> pd.Series:
    """The values of a column of formatted numbers as floats (NaN for nulls and for text the
    format does not read)."""
    text = series.astype(object).where(series.notna())
    known = text.notna().to_numpy()
    out = pd.Series(float("nan"), index=series.index, dtype="float64")
    out[known] = pd.to_numeric(fmt.plain(text[known].astype(str)), errors="coerce").to_numpy(dtype="float64")
    return out


def is_text_column(series: pd.Series) -> bool:
    """An object or string column (not a categorical): what formatted text is looked for in.
    ``is_object_dtype`` raised NotImplementedError on an Arrow ``string_view`` column, which fit
    refuses later with the cast that fixes it."""
    dtype = series.dtype
    text = dtype == np.dtype(object) or pd.api.types.is_string_dtype(dtype)
    return text and not isinstance(dtype, pd.CategoricalDtype)


def formatted_as_plain(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Written]]:
    """Text columns of formatted numbers as decimals (``Decimal`` objects), and each one's format."""
    texts = (name for name, c in frame.items() if is_text_column(c))
    formats = {str(name): fmt for name in texts if (fmt := detect(frame[name])) is not None}
    return frame.assign(**{name: _plain_column(frame[name], fmt) for name, fmt in formats.items()}), formats


def _plain_column(column: pd.Series, fmt: Written) -> pd.Series:
    known = column.notna().to_numpy()
    out = pd.Series([None] * len(column), index=column.index, name=column.name, dtype=object)
    out[known] = [decimal.Decimal(v) for v in fmt.plain(column[known].astype(str))]
    return out


def as_formatted(frame: pd.DataFrame, formats: dict[str, Written]) -> pd.DataFrame:
    """The columns ``formatted_as_plain`` made plain, in their formats again."""
    present = {name: fmt for name, fmt in formats.items() if name in frame.columns}
    return frame.assign(**{name: _formatted_column(frame[name], fmt) for name, fmt in present.items()})


def _formatted_column(column: pd.Series, fmt: Written) -> pd.Series:
    known = column.notna().to_numpy()
    out = pd.Series([None] * len(column), index=column.index, name=column.name, dtype=object)
    out[known] = [fmt.written(decimal.Decimal(v)) for v in column[known]]
    return out.astype(pd.api.types.pandas_dtype(fmt.dtype))
