"""Reading a registry's date columns: one format per column, ambiguity, time zones, plausibility."""

from __future__ import annotations

import warnings

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..errors import SarcosurvWarning
from ._problems import Problems, add_with_na_hint, as_text, is_date_object, tz_error
from .schema import Bound, Column

BoolArray = npt.NDArray[np.bool_]

#: Formats tried, in order; the one reading most values of a column wins.
DATE_FORMATS: tuple[str, ...] = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y")
#: Day-first formats and their month-first reading.
MONTH_FIRST: dict[str, str] = {
    "%d/%m/%Y": "%m/%d/%Y",
    "%d.%m.%Y": "%m.%d.%Y",
    "%d-%m-%Y": "%m-%d-%Y",
}


def _detect(text: pd.Series, blank: BoolArray, given: str | None) -> tuple[pd.Series, str]:
    """Parse in the given format, or the listed one that reads most values (first on a tie)."""
    candidates = (given,) if given else DATE_FORMATS
    best, best_ok, parsed = candidates[0], -1, pd.Series(pd.NaT, index=text.index)
    filled = int((~blank).sum())
    for fmt in candidates:
        attempt = pd.to_datetime(text, format=fmt, errors="coerce")
        ok = int((attempt.notna().to_numpy() & ~blank).sum())
        if ok > best_ok:
            best, best_ok, parsed = fmt, ok, attempt
        if best_ok == filled:  # every value read: no other format can do better
            break
    return parsed, best


def _wall_clock(values: pd.Series) -> pd.Series:
    """Date objects as naive timestamps (an aware one keeps its local date and time)."""
    stamps = values.map(pd.Timestamp)
    return pd.to_datetime(stamps.map(lambda t: t.tz_localize(None) if t.tzinfo else t))


class DateReader:
    """Reads the date columns of one extract and collects what needs the whole extract."""

    def __init__(self, index: pd.Index, date_range: tuple[Bound, Bound]) -> None:
        self.index = index
        self.date_range = date_range
        self.aware: list[tuple[str, list[object]]] = []
        self.naive: list[str] = []
        self.evidence: set[str] = set()  # day-first formats in which some day exceeds 12
        self.swappable: list[tuple[str, str, BoolArray]] = []

    def read(
        self, series: pd.Series, column: Column, given: str | None, problems: Problems
    ) -> tuple[pd.Series, BoolArray, str]:
        """Parsed dates, blanks and the format label of one column."""
        if pd.api.types.is_datetime64_any_dtype(series):
            if given is not None:
                warnings.warn(
                    f"date_format={given!r} does not apply to column {column.name!r}, "
                    "which already holds datetimes",
                    SarcosurvWarning,
                    stacklevel=5,
                )
            parsed, label = self._typed(series, column.name), "datetime"
            blank = series.isna().to_numpy()
        else:
            objects = is_date_object(series) if series.dtype == object else np.zeros(0, bool)
            objects = objects if objects.size else np.zeros(len(series), dtype=bool)
            text, blank = as_text(series.where(~objects))
            blank &= ~objects
            parsed, fmt = _detect(text, blank | objects, given)
            bad = ~blank & ~objects & parsed.isna().to_numpy()
            add_with_na_hint(
                problems, text, bad, column.name, f"not a date in the column's format {fmt}"
            )
            text_filled = bool((~blank & ~objects).any())
            label = fmt if not objects.any() else "datetime" + (f" + {fmt}" if text_filled else "")
            if objects.any():
                parsed = parsed.astype("datetime64[ns]")
                parsed[objects] = self._objects(series[objects], column.name, text_filled)
            elif (~blank).any():
                self.naive.append(column.name)
            if given is None and fmt in MONTH_FIRST:
                self._ambiguity(parsed.where(~objects), fmt, column.name)
        self._plausible(parsed, column, problems)
        return parsed, np.asarray(blank, dtype=bool), label

    def _typed(self, series: pd.Series, name: str) -> pd.Series:
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            self.aware.append((name, list(series.index[series.notna().to_numpy()])))
            naive: pd.Series = series.dt.tz_localize(None)
            return naive
        if series.notna().any():
            self.naive.append(name)
        return series

    def _objects(self, values: pd.Series, name: str, text_filled: bool) -> pd.Series:
        aware = values.map(lambda v: getattr(v, "tzinfo", None) is not None).to_numpy(dtype=bool)
        if aware.any() and (not aware.all() or text_filled):
            raise tz_error(name, list(values.index[aware]), "other values of this column")
        if aware.any():
            self.aware.append((name, list(values.index)))
        else:
            self.naive.append(name)
        return _wall_clock(values)

    def _ambiguity(self, parsed: pd.Series, fmt: str, name: str) -> None:
        day, month = parsed.dt.day, parsed.dt.month
        if (day > 12).any():
            self.evidence.add(fmt)
        swappable = (parsed.notna() & (day <= 12) & (day != month)).to_numpy(dtype=bool)
        self.swappable.append((name, fmt, swappable))

    def _plausible(self, parsed: pd.Series, column: Column, problems: Problems) -> None:
        lower, upper = column.range if column.range is not None else self.date_range
        if lower is not None:
            low = pd.Timestamp(lower)
            early = (parsed < low).fillna(False).to_numpy(dtype=bool)
            problems.add(early, column.name, f"implausible date: before {low:%Y-%m-%d}")
        today = upper is None
        high = pd.Timestamp.today().normalize() if today else pd.Timestamp(upper)  # type: ignore[arg-type]
        late = (parsed.dt.normalize() > high).fillna(False).to_numpy(dtype=bool)
        what = f"after today ({high:%Y-%m-%d})" if today else f"after {high:%Y-%m-%d}"
        problems.add(late, column.name, f"implausible date: {what}")

    def finish(self, problems: Problems) -> None:
        """Time zones across columns; ambiguous day-first columns."""
        if self.aware and self.naive:
            name, rows = self.aware[0]
            raise tz_error(name, rows, f"column {self.naive[0]!r} has no time zone")
        for name, fmt, swappable in self.swappable:
            if fmt in self.evidence:
                continue
            problems.add(
                swappable,
                name,
                f"ambiguous date: read day-first ({fmt}) but no date of the extract in this "
                f"format has a day above 12, so it could be month-first; pass "
                f"date_format='{fmt}' or date_format='{MONTH_FIRST[fmt]}'",
            )
