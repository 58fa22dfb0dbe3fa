"""Validation of a registry extract: every problem with its row, patient and field.

Checks (all vectorised, all collected; none stops at the first problem):

* required columns present and filled; ``date_of_birth`` or ``age_at_asct`` given;
* codes from the code lists (case and surrounding blanks ignored; a blank is
  ``unknown``); numbers and whole numbers where expected; dates readable in one
  format per column (ISO ``YYYY-MM-DD`` or day-first ``DD/MM/YYYY``,
  ``DD.MM.YYYY``, ``DD-MM-YYYY``; month-first dates are not accepted because
  they are ambiguous); counts in range (``n_asct`` >= 1, ``n_prior_chemo_lines``
  >= 0);
* date order: diagnosis <= first ASCT <= last ASCT; progression, death and
  last follow-up on or after the first ASCT; progression <= death and
  <= last follow-up; for the dead the date of death is the last contact;
* vital status consistent with the dates (the dead have a date of death, the
  living none and no cause of death); a progression date only where the
  progression status is known;
* unique patient ids;
* eligibility: age >= 18 at first ASCT and first ASCT in 1996-2016 (configurable).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._results import ResultDisplay
from .schema import SCHEMA, Column

__all__ = ["DATE_FORMATS", "Eligibility", "ValidationOutcome", "validate_extract"]

DATE_FORMATS: tuple[str, ...] = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y")
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Eligibility:
    """Inclusion criteria: by default adults with a first ASCT in 1996-2016.

    The default window is the EBMT sarcoma extract's; a study states its own
    (``Cohort.from_frame(..., eligibility=Eligibility(...))``).
    """

    min_age: float = 18.0
    first_asct_years: tuple[int, int] = (1996, 2016)


@dataclass(frozen=True, eq=False, repr=False)
class ValidationOutcome(ResultDisplay):
    """Typed data and the problems found (see :func:`validate_extract`)."""

    _repr_fields: ClassVar[tuple[str, ...]] = ("data", "problems")

    data: pd.DataFrame  # typed: dates as datetime64, codes canonical, numbers as floats
    problems: pd.DataFrame  # row, patient_id, field, problem
    date_formats: dict[str, str] = field(default_factory=dict)


class _Problems:
    def __init__(self, frame: pd.DataFrame) -> None:
        self.index = frame.index
        ids = (
            frame["patient_id"] if "patient_id" in frame.columns else pd.Series(pd.NA, frame.index)
        )
        self.ids = ids.astype("object").to_numpy()
        self.parts: list[pd.DataFrame] = []

    def add(self, mask: BoolArray | pd.Series, field_name: str, problem: str) -> None:
        positions = np.flatnonzero(np.asarray(mask, dtype=bool))
        if positions.size:
            self.parts.append(
                pd.DataFrame(
                    {
                        "row": self.index[positions],
                        "patient_id": self.ids[positions],
                        "field": field_name,
                        "problem": problem,
                    }
                )
            )

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame(columns=["row", "patient_id", "field", "problem"])
        return pd.concat(self.parts, ignore_index=True)


def _text(series: pd.Series) -> tuple[pd.Series, BoolArray]:
    """Values as stripped text (whole floats as integers: grade ``3.0`` is ``"3"``), and blanks.

    A numeric column with blanks, as ``pandas.read_csv`` reads a grade
    column by default, holds floats whose text (``"3.0"``) is no code.
    Each column is stripped once: on 10^6 rows the string work dominates.
    """
    text = series.astype("string")
    if pd.api.types.is_float_dtype(series):
        whole = (series.notna() & (series % 1 == 0)).to_numpy(dtype=bool)
        text[whole] = series[whole].astype("int64").astype("string")
    text = text.str.strip()
    blank = np.asarray(series.isna() | (text == "").fillna(True), dtype=bool)
    return text, blank


def _codes(text: pd.Series, blank: BoolArray, column: Column, problems: _Problems) -> pd.Series:
    lookup = {c.casefold(): c for c in column.codes}
    canonical = text.str.casefold().map(lookup, na_action="ignore")
    bad = ~blank & canonical.isna().to_numpy()
    problems.add(bad, column.name, f"unknown code; allowed: {', '.join(column.codes)}")
    filled = canonical.astype("object")
    filled[blank] = "unknown" if "unknown" in column.codes else None
    return filled


def _dates(
    text: pd.Series, blank: BoolArray, column: Column, problems: _Problems
) -> tuple[pd.Series, str]:
    """Parse in the format that reads most values (the first listed on a tie)."""
    best, best_ok, parsed = DATE_FORMATS[0], -1, pd.Series(pd.NaT, index=text.index)
    filled = int((~blank).sum())
    for fmt in DATE_FORMATS:
        attempt = pd.to_datetime(text, format=fmt, errors="coerce")
        ok = int((attempt.notna().to_numpy() & ~blank).sum())
        if ok > best_ok:
            best, best_ok, parsed = fmt, ok, attempt
        if best_ok == filled:  # every value read: no other format can do better
            break
    bad = ~blank & parsed.isna().to_numpy()
    problems.add(bad, column.name, f"not a date in the column's format {best}")
    return parsed, best


def _numbers(series: pd.Series, blank: BoolArray, column: Column, problems: _Problems) -> pd.Series:
    values = pd.to_numeric(series.where(~blank), errors="coerce")
    bad = ~blank & values.isna().to_numpy()
    problems.add(bad, column.name, "not a number")
    if column.kind == "integer":
        fractional = values.notna().to_numpy() & (values.fillna(0) % 1 != 0).to_numpy()
        problems.add(fractional, column.name, "not a whole number")
    return values.astype(float)


def _typed(frame: pd.DataFrame, problems: _Problems) -> tuple[pd.DataFrame, dict[str, str]]:
    out = pd.DataFrame(index=frame.index)
    formats: dict[str, str] = {}
    for column in SCHEMA:
        if column.name not in frame.columns:
            continue
        series = frame[column.name]
        if column.kind == "date" and pd.api.types.is_datetime64_any_dtype(series):
            out[column.name], formats[column.name] = series, "datetime"
            blank = series.isna().to_numpy()
        else:
            text, blank = _text(series)
            if column.kind == "code":
                out[column.name] = _codes(text, blank, column, problems)
            elif column.kind == "date":
                out[column.name], formats[column.name] = _dates(text, blank, column, problems)
            elif column.kind in ("number", "integer"):
                out[column.name] = _numbers(series, blank, column, problems)
            else:
                out[column.name] = text.where(~blank)
        if column.required:
            problems.add(blank, column.name, "required value is missing")
    return out, formats


def _order(data: pd.DataFrame, problems: _Problems, early: str, late: str, text: str) -> None:
    if early in data.columns and late in data.columns:
        bad = (data[late] < data[early]).fillna(False).to_numpy(dtype=bool)
        problems.add(bad, late, text)


def _ranges(data: pd.DataFrame, problems: _Problems) -> None:
    """Counts the schema bounds: at least one ASCT, no negative number of lines."""
    for name, least, text in [
        ("n_asct", 1, "fewer than one ASCT"),
        ("n_prior_chemo_lines", 0, "negative number of chemotherapy lines"),
    ]:
        if name in data.columns:
            problems.add((data[name] < least).to_numpy(dtype=bool), name, text)


def _consistency(data: pd.DataFrame, problems: _Problems) -> None:
    _ranges(data, problems)
    for early, late, text in [
        ("date_of_diagnosis", "date_first_asct", "first ASCT before the diagnosis"),
        ("date_first_asct", "date_last_asct", "last ASCT before the first ASCT"),
        ("date_first_asct", "date_progression", "progression before the first ASCT"),
        ("date_first_asct", "date_death", "death before the first ASCT"),
        ("date_first_asct", "date_last_followup", "last follow-up before the first ASCT"),
        ("date_progression", "date_death", "death before the progression"),
        ("date_progression", "date_last_followup", "last follow-up before the progression"),
        ("date_of_birth", "date_first_asct", "first ASCT before the date of birth"),
    ]:
        _order(data, problems, early, late, text)
    if "vital_status" in data.columns:
        dead = (data["vital_status"] == "dead").to_numpy()
        alive = (data["vital_status"] == "alive").to_numpy()
        death = data.get("date_death", pd.Series(pd.NaT, index=data.index))
        has_death = death.notna().to_numpy()
        problems.add(dead & ~has_death, "date_death", "dead but no date of death")
        problems.add(alive & has_death, "vital_status", "alive but a date of death is given")
        if "date_last_followup" in data.columns:
            last = data["date_last_followup"]  # unreadable or blank: reported on its own
            differs = dead & has_death & (last.notna() & (death != last)).to_numpy()
            problems.add(differs, "date_last_followup", "date of death is not the last contact")
        if "cause_of_death" in data.columns:
            cause = data["cause_of_death"].fillna("unknown").to_numpy()
            problems.add(
                alive & (cause != "unknown"),
                "cause_of_death",
                "cause of death for a living patient",
            )
    if "date_progression" in data.columns:
        unknown = (data["progression_status_known"] == "no").to_numpy()
        has_prog = data["date_progression"].notna().to_numpy()
        problems.add(
            unknown & has_prog,
            "date_progression",
            "progression date given but progression status is 'no' (unknown)",
        )


def _age(data: pd.DataFrame, problems: _Problems) -> tuple[pd.Series, BoolArray]:
    """Age at first ASCT in years, and which rows had it from the dates (not given)."""
    age = data.get("age_at_asct", pd.Series(np.nan, index=data.index)).astype(float)
    from_dates = np.zeros(len(data), dtype=bool)
    if "date_of_birth" in data.columns:
        from_dates = age.isna().to_numpy() & data["date_of_birth"].notna().to_numpy()
        age = age.fillna((data["date_first_asct"] - data["date_of_birth"]).dt.days / 365.25)
    problems.add(age.isna().to_numpy(), "age_at_asct", "neither age_at_asct nor date_of_birth")
    return age, from_dates


def _too_young(data: pd.DataFrame, from_dates: BoolArray, min_age: float) -> BoolArray:
    """Younger than ``min_age`` at first ASCT.

    Where the age comes from the dates, the criterion is the calendar one: the
    patient reached ``min_age`` on or before the day of the first ASCT (the
    whole years by calendar anniversary, a fractional rest in days of
    365.25 / year). Days / 365.25 alone would make a patient transplanted on
    their 18th birthday 17.999 years old when only four leap days lie between.
    """
    young = (data["age_at_asct"] < min_age).to_numpy(dtype=bool)
    if from_dates.any():
        years = int(np.floor(min_age))
        rest = pd.to_timedelta(round((min_age - years) * 365.25), unit="D")
        reached = data["date_of_birth"] + pd.DateOffset(years=years) + rest
        calendar = (data["date_first_asct"] < reached).fillna(False).to_numpy(dtype=bool)
        young = np.where(from_dates, calendar, young)
    return young


def _eligibility(
    data: pd.DataFrame, problems: _Problems, rules: Eligibility, from_dates: BoolArray
) -> None:
    young = _too_young(data, from_dates, rules.min_age)
    problems.add(
        young, "age_at_asct", f"not eligible: younger than {rules.min_age:g} at first ASCT"
    )
    year = data["date_first_asct"].dt.year
    lo, hi = rules.first_asct_years
    outside = ((year < lo) | (year > hi)).fillna(False).to_numpy(dtype=bool)
    problems.add(outside, "date_first_asct", f"not eligible: first ASCT outside {lo}-{hi}")


def validate_extract(
    frame: pd.DataFrame, eligibility: Eligibility | None = None
) -> ValidationOutcome:
    """Type and check a raw extract; see the module docstring for the rules."""
    rules = eligibility or Eligibility()
    problems = _Problems(frame)
    missing = [c.name for c in SCHEMA if c.required and c.name not in frame.columns]
    for name in missing:
        problems.parts.append(
            pd.DataFrame(
                {
                    "row": [None],
                    "patient_id": [None],
                    "field": [name],
                    "problem": ["required column is missing"],
                }
            )
        )
    if missing:
        return ValidationOutcome(frame, problems.frame())
    data, formats = _typed(frame, problems)
    duplicated = (
        data["patient_id"].duplicated(keep=False).to_numpy() & data["patient_id"].notna().to_numpy()
    )
    problems.add(duplicated, "patient_id", "duplicate patient id")
    data["age_at_asct"], from_dates = _age(data, problems)
    _consistency(data, problems)
    _eligibility(data, problems, rules, from_dates)
    return ValidationOutcome(data, problems.frame(), formats)
