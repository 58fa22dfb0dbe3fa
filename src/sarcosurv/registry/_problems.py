"""The problems table of a validation, and the text helpers every column reader shares."""

from __future__ import annotations

import datetime

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..errors import InvalidDataError

__all__ = ["Problems", "add_with_na_hint", "as_text", "is_date_object", "tz_error"]

BoolArray = npt.NDArray[np.bool_]
_NA_HINT = "; 'NA' is R's missing-value marker: read the file with na_values=['NA']"


class Problems:
    """The problems found so far, each with the row's index label and patient id."""

    def __init__(self, frame: pd.DataFrame, id_column: str) -> None:
        self.index = frame.index
        ids = frame[id_column] if id_column in frame.columns else pd.Series(pd.NA, frame.index)
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

    def column_missing(self, name: str) -> None:
        self.parts.append(
            pd.DataFrame(
                {
                    "row": [None],
                    "patient_id": [None],
                    "field": [name],
                    "problem": ["required column is missing"],
                }
            )
        )

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame(columns=["row", "patient_id", "field", "problem"])
        return pd.concat(self.parts, ignore_index=True)


def as_text(series: pd.Series) -> tuple[pd.Series, BoolArray]:
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
    # a copy: pandas 3 (copy-on-write) hands out read-only views, and callers update blank
    blank = np.array(series.isna() | (text == "").fillna(True), dtype=bool)
    return text, blank


def add_with_na_hint(
    problems: Problems, text: pd.Series, bad: BoolArray, name: str, problem: str
) -> None:
    """Report ``bad`` rows; those holding R's ``NA`` get a hint how to read it as missing."""
    is_na = (text == "NA").fillna(False).to_numpy(dtype=bool)
    problems.add(bad & ~is_na, name, problem)
    problems.add(bad & is_na, name, problem + _NA_HINT)


def is_date_object(values: pd.Series) -> BoolArray:
    """Which values are date or datetime objects (as Excel readers return them)."""
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty", "floating"):
        return np.zeros(len(values), dtype=bool)  # text (or blanks) only: the common case
    kinds = values.map(type, na_action="ignore")
    types = [datetime.date, datetime.datetime, pd.Timestamp, np.datetime64]
    return kinds.isin(types).to_numpy(dtype=bool)


def tz_error(column: str, rows: list[object], naive: str) -> InvalidDataError:
    """Time-zone aware dates where others (``naive``) have no time zone."""
    return InvalidDataError(
        column,
        rows,
        f"time-zone aware dates mixed with naive ones ({naive}); convert them first, "
        "e.g. with .dt.tz_convert('Europe/Paris').dt.tz_localize(None)",
    )
