"""Typing a raw extract's columns by the schema: codes, numbers, dates; problems collected."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..errors import SarcosurvError
from . import _dates
from ._problems import Problems, add_with_na_hint, as_text
from .schema import Column, RegistrySchema

BoolArray = npt.NDArray[np.bool_]
_COMMA = r"^[+-]?\d+,\d+$"


@dataclass
class TypedColumns:
    data: pd.DataFrame
    formats: dict[str, str] = field(default_factory=dict)


def _codes(text: pd.Series, blank: BoolArray, column: Column, problems: Problems) -> pd.Series:
    lookup = {c.casefold(): c for c in column.codes}
    canonical = text.str.casefold().map(lookup, na_action="ignore")
    bad = ~blank & canonical.isna().to_numpy()
    add_with_na_hint(
        problems, text, bad, column.name, f"unknown code; allowed: {', '.join(column.codes)}"
    )
    filled = canonical.astype("object")
    filled[blank] = "unknown" if "unknown" in column.codes else None
    return filled


def _range_problems(values: pd.Series, column: Column, problems: Problems) -> None:
    if column.range is None:
        return
    lower, upper = column.range
    if lower is not None:
        problems.add((values < lower).fillna(False), column.name, f"implausible: below {lower}")
    if upper is not None:
        problems.add((values > upper).fillna(False), column.name, f"implausible: above {upper}")


def _numbers(
    series: pd.Series,
    text: pd.Series,
    blank: BoolArray,
    column: Column,
    problems: Problems,
    decimal: str,
) -> pd.Series:
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        source: pd.Series = series.astype(float).where(~blank)
    else:
        source = text.astype(object).where(~blank)
        if decimal != ".":
            source = source.str.replace(decimal, ".", regex=False)
    values = pd.to_numeric(source, errors="coerce").astype(float)
    bad = ~blank & values.isna().to_numpy()
    comma = (text.str.match(_COMMA).fillna(False).to_numpy(dtype=bool)) & (decimal == ".")
    problems.add(bad & comma, column.name, "not a number (a decimal comma? pass decimal=',')")
    add_with_na_hint(problems, text, bad & ~comma, column.name, "not a number")
    infinite = np.isinf(values.to_numpy())
    problems.add(infinite, column.name, "not a finite number")
    values = values.where(~infinite)
    if column.kind == "integer":
        fractional = values.notna().to_numpy() & (values.fillna(0) % 1 != 0).to_numpy()
        problems.add(fractional, column.name, "not a whole number")
    _range_problems(values, column, problems)
    return values


def _absent(column: Column, index: pd.Index) -> pd.Series:
    """An optional column left out of the extract, as missing (``unknown`` for codes)."""
    if column.kind == "date":
        return pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    if column.kind == "code":
        fill = "unknown" if "unknown" in column.codes else None
        return pd.Series(fill, index=index, dtype=object)
    if column.kind in ("number", "integer"):
        return pd.Series(np.nan, index=index)
    return pd.Series(None, index=index, dtype=object)


def _date_format(date_format: str | Mapping[str, str] | None, name: str) -> str | None:
    if date_format is None or isinstance(date_format, str):
        return date_format
    if isinstance(date_format, Mapping):
        return date_format.get(name)
    raise SarcosurvError(
        f"date_format must be a format such as '%d/%m/%Y' or a dict column -> format, "
        f"not {type(date_format).__name__}"
    )


def _check_date_format(date_format: str | Mapping[str, str] | None, schema: RegistrySchema) -> None:
    """A per-column ``date_format`` names date columns of the schema (typos are errors)."""
    if not isinstance(date_format, Mapping):
        return
    dates = {c.name for c in schema.columns if c.kind == "date"}
    unknown = sorted(str(name) for name in date_format if name not in dates)
    if unknown:
        raise SarcosurvError(
            f"date_format names {unknown}, which are not date columns of the schema "
            f"{schema.name!r}; its date columns: {sorted(dates)}"
        )


def type_columns(
    frame: pd.DataFrame,
    schema: RegistrySchema,
    problems: Problems,
    date_format: str | Mapping[str, str] | None,
    decimal: str,
) -> TypedColumns:
    """Every schema column typed (absent optional ones as missing); problems collected."""
    if not isinstance(decimal, str) or len(decimal) != 1:
        raise SarcosurvError(f"decimal must be one character such as ',', not {decimal!r}")
    _check_date_format(date_format, schema)
    out = TypedColumns(pd.DataFrame(index=frame.index))
    reader = _dates.DateReader(frame.index, schema.date_range)
    for column in schema.columns:
        if column.name not in frame.columns:
            out.data[column.name] = _absent(column, frame.index)
            continue
        series = frame[column.name]
        if column.kind == "date":
            fmt = _date_format(date_format, column.name)
            out.data[column.name], blank, label = reader.read(series, column, fmt, problems)
            out.formats[column.name] = label
        else:
            text, blank = as_text(series)
            if column.kind == "code":
                out.data[column.name] = _codes(text, blank, column, problems)
            elif column.kind in ("number", "integer"):
                out.data[column.name] = _numbers(series, text, blank, column, problems, decimal)
            else:
                out.data[column.name] = text.astype(object).where(~blank)
        if column.required:
            problems.add(blank, column.name, "required value is missing")
    reader.finish(problems)
    return out
