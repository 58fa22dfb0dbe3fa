"""Validation of a registry extract against its schema: every problem with row, patient, field.

Checks (all vectorised, all collected; none stops at the first problem):

* required columns present and filled;
* codes from the code lists (case and surrounding blanks ignored; a blank is
  ``unknown``); numbers (finite; ``decimal=","`` reads decimal commas) and
  whole numbers where expected, inside the column's plausible ``range``;
* dates readable in one format per column (ISO ``YYYY-MM-DD`` or day-first
  ``DD/MM/YYYY``, ``DD.MM.YYYY``, ``DD-MM-YYYY``; month-first only when
  given as ``date_format=``); a day-first column in which no date of the
  extract read in that format has a day above 12 is **ambiguous**: each date
  whose day and month could be swapped is a problem until ``date_format=``
  says which; date and datetime objects (as Excel readers give) may be mixed
  with text; time-zone aware dates mixed with naive ones raise
  :class:`~sarcosurv.errors.InvalidDataError`;
* plausible dates (the schema's ``date_range``: from 1900, none in the future);
* the schema's date orders, conditional requirements and further checks;
* the age at the origin: given or from the date of birth, the two consistent,
  plausible (0-120 years);
* unique patient ids;
* eligibility (:class:`~sarcosurv.registry.Eligibility`).

The rules of the EBMT sarcoma extract are its schema's (in its study's
package under :mod:`sarcosurv.studies`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._results import ResultDisplay
from ..errors import SarcosurvError
from ._dates import DATE_FORMATS
from ._problems import Problems
from ._typing import TypedColumns, type_columns
from .eligibility import Eligibility
from .schema import RegistrySchema, default_schema

__all__ = ["DATE_FORMATS", "Eligibility", "Problems", "ValidationOutcome", "validate_extract"]

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, eq=False, repr=False)
class ValidationOutcome(ResultDisplay):
    """Typed data and the problems found (see :func:`validate_extract`)."""

    _repr_fields: ClassVar[tuple[str, ...]] = ("data", "problems")

    data: pd.DataFrame  # typed: dates as datetime64, codes canonical, numbers as floats
    problems: pd.DataFrame  # row, patient_id, field, problem
    date_formats: dict[str, str] = field(default_factory=dict)


def _filled(data: pd.DataFrame, name: str, codes: tuple[str, ...]) -> BoolArray:
    values = data[name]
    present = values.notna().to_numpy(copy=True)  # writable under pandas 3 copy-on-write
    if codes:
        present &= (values != "unknown").fillna(False).to_numpy(dtype=bool)
    return present


def _rules(data: pd.DataFrame, schema: RegistrySchema, problems: Problems) -> None:
    """Date orders, conditional requirements and the schema's own checks."""
    for order in schema.orders:
        bad = (data[order.late] < data[order.early]).fillna(False).to_numpy(dtype=bool)
        problems.add(bad, order.late, order.message)
    for rule in schema.requires:
        holds = data[rule.when.column].isin(rule.when.codes).to_numpy(dtype=bool)
        present = _filled(data, rule.column, schema.column(rule.column).codes)
        bad = holds & (~present if rule.present else present)
        problems.add(bad, rule.field or rule.column, rule.message)
    for check in schema.checks:
        for mask, field_name, problem in check(data):
            problems.add(mask, field_name, problem)


def _age(data: pd.DataFrame, schema: RegistrySchema, problems: Problems) -> BoolArray:
    """Fill the age column (from the date of birth where not given); rows that needed the dates."""
    rule = schema.age
    if rule is None:
        return np.zeros(len(data), dtype=bool)
    given = data[rule.column].astype(float)
    age, from_dates = given, np.zeros(len(data), dtype=bool)
    if rule.birth is not None:
        computed = (data[schema.origin] - data[rule.birth]).dt.days / 365.25
        from_dates = given.isna().to_numpy() & computed.notna().to_numpy()
        age = given.fillna(computed)
        differs = (given - computed).abs() > rule.tolerance
        problems.add(
            differs.fillna(False).to_numpy(dtype=bool),
            rule.column,
            f"inconsistent with {rule.birth} and {schema.origin} "
            f"(differs by more than {rule.tolerance:g} year(s))",
        )
        missing = f"neither {rule.column} nor {rule.birth}"
    else:
        missing = f"{rule.column} is missing"
    problems.add(age.isna().to_numpy(), rule.column, missing)
    lo, hi = rule.range
    implausible = age.notna() & ~age.between(lo, hi)
    problems.add(
        implausible.to_numpy(dtype=bool),
        rule.column,
        f"implausible age: outside {lo:g}-{hi:g} years",
    )
    data[rule.column] = age
    return from_dates


def _reached(data: pd.DataFrame, schema: RegistrySchema, age: float) -> BoolArray:
    """Calendar criterion: the ``age`` birthday falls on or before the origin.

    Days / 365.25 alone would make a patient transplanted on their 18th
    birthday 17.999 years old when only four leap days lie between; the whole
    years are counted by calendar anniversary, a fractional rest in days of
    365.25 per year.
    """
    birth = schema.age.birth if schema.age is not None else None
    if birth is None:
        raise SarcosurvError(f"schema {schema.name!r}: the calendar age needs a date of birth")
    years = int(np.floor(age))
    rest = pd.to_timedelta(round((age - years) * 365.25), unit="D")
    reached = data[birth] + pd.DateOffset(years=years) + rest
    return (data[schema.origin] >= reached).fillna(False).to_numpy(dtype=bool)


def _eligibility(
    data: pd.DataFrame,
    schema: RegistrySchema,
    rules: Eligibility,
    problems: Problems,
    from_dates: BoolArray,
) -> None:
    origin = schema.label
    if schema.age is None and (rules.min_age is not None or rules.max_age is not None):
        raise SarcosurvError(
            f"the schema {schema.name!r} declares no Age, so an age criterion cannot apply: "
            "pass Eligibility(min_age=None, ...) or declare age=Age(...)"
        )
    if schema.age is not None and rules.min_age is not None:
        young = (data[schema.age.column] < rules.min_age).to_numpy(dtype=bool)
        if from_dates.any():
            young = np.where(from_dates, ~_reached(data, schema, rules.min_age), young)
        message = f"not eligible: younger than {rules.min_age:g} at {origin}"
        problems.add(young, schema.age.column, message)
    if schema.age is not None and rules.max_age is not None:
        old = (data[schema.age.column] > rules.max_age).to_numpy(dtype=bool)
        problems.add(
            old, schema.age.column, f"not eligible: older than {rules.max_age:g} at {origin}"
        )
    if rules.origin_years is not None:
        year = data[schema.origin].dt.year
        lo, hi = rules.origin_years
        outside = ((year < lo) | (year > hi)).fillna(False).to_numpy(dtype=bool)
        problems.add(outside, schema.origin, f"not eligible: {origin} outside {lo}-{hi}")


def validate_extract(
    frame: pd.DataFrame,
    eligibility: Eligibility | None = None,
    schema: RegistrySchema | None = None,
    *,
    date_format: str | Mapping[str, str] | None = None,
    decimal: str = ".",
) -> ValidationOutcome:
    """Type and check a raw extract; see the module docstring for the rules."""
    if schema is None:
        schema = default_schema()
    rules = eligibility if eligibility is not None else schema.eligibility
    problems = Problems(frame, schema.id)
    missing = [name for name in schema.required if name not in frame.columns]
    for name in missing:
        problems.column_missing(name)
    if missing:
        return ValidationOutcome(frame, problems.frame())
    typed: TypedColumns = type_columns(frame, schema, problems, date_format, decimal)
    data = typed.data
    ids = data[schema.id]
    problems.add(
        ids.duplicated(keep=False).to_numpy() & ids.notna().to_numpy(),
        schema.id,
        "duplicate patient id",
    )
    from_dates = _age(data, schema, problems)
    _rules(data, schema, problems)
    _eligibility(data, schema, rules, problems, from_dates)
    return ValidationOutcome(data, problems.frame(), typed.formats)
