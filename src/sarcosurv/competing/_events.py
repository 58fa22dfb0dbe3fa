"""Competing-risks event columns turned into integer codes (0 = censored, k = cause k)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._validate import PATIENT_ID_COLUMN, invalid
from ..errors import SarcosurvError

IntArray = npt.NDArray[np.intp]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

__all__ = ["EventCodes", "event_codes", "missing_rows"]


@dataclass(frozen=True)
class EventCodes:
    """Codes per row (``-1`` where the event is missing) and the cause labels.

    ``causes[k - 1]`` is the label of code ``k``.
    """

    codes: IntArray
    causes: tuple[object, ...]

    @property
    def n_causes(self) -> int:
        return len(self.causes)


def _numeric_values(data: pd.DataFrame, column: str) -> tuple[FloatArray, BoolArray]:
    """The column as floats and its missing mask; text that is not a number is an error."""
    series = data[column]
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    missing = np.isnan(values)
    text = missing & series.notna().to_numpy()
    if text.any():
        raise invalid(data, column, text, "event code is not a number (give censored= for labels)")
    return values, missing


def _whole_codes(data: pd.DataFrame, column: str) -> tuple[IntArray, BoolArray | None]:
    """Non-negative whole codes (0 where missing) and the missing mask (None: nothing missing)."""
    series = data[column]
    if series.dtype.kind in "iu":  # plain integer column: no NaN, no conversion
        whole = series.to_numpy()
        negative = whole < 0
        if negative.any():
            raise invalid(data, column, negative, "negative event code")
        return whole.astype(np.intp, copy=False), None
    values, missing = _numeric_values(data, column)
    negative = values < 0  # NaN compares false
    if negative.any():
        raise invalid(data, column, negative, "negative event code")
    fractional = (values != np.floor(values)) & ~missing
    if fractional.any():
        raise invalid(data, column, fractional, "event code is not a whole number")
    return np.where(missing, 0.0, values).astype(np.intp), missing if missing.any() else None


def _numeric_codes(data: pd.DataFrame, column: str, causes: Sequence[object] | None) -> EventCodes:
    whole, missing = _whole_codes(data, column)
    present_codes = np.flatnonzero(np.bincount(whole)[1:]) + 1
    if causes is None:
        declared = present_codes.astype(np.int64)
    else:
        declared = np.unique(np.asarray(list(causes), dtype=np.int64))
        if (declared <= 0).any():
            raise SarcosurvError(f"causes must be positive codes, not {list(causes)!r}")
    size = int(max(present_codes.max(initial=0), declared.max(initial=0))) + 1
    lookup = np.full(size, -2, dtype=np.intp)
    lookup[0] = 0
    lookup[declared] = np.arange(1, declared.size + 1)
    codes = lookup[whole]
    if present_codes.size and (lookup[present_codes] == -2).any():
        undeclared = codes == -2
        raise invalid(
            data,
            column,
            undeclared,
            f"event code not among the declared causes {declared.tolist()}",
        )
    if missing is not None:
        codes[missing] = -1
    return EventCodes(codes, tuple(int(c) for c in declared))


def _label_codes(
    data: pd.DataFrame, column: str, censored: object, causes: Sequence[object] | None
) -> EventCodes:
    series = data[column]
    missing = series.isna().to_numpy()
    censor = (series == censored).to_numpy() & ~missing
    others = ~missing & ~censor
    found = sorted(pd.unique(series[others]).tolist(), key=str)
    declared = found if causes is None else list(causes)
    if causes is not None:
        undeclared = others & ~series.isin(declared).to_numpy()
        if undeclared.any():
            raise invalid(
                data, column, undeclared, f"event label not among the declared causes {declared}"
            )
    codes_found, _ = pd.factorize(pd.Series(declared, dtype=object))
    mapping = dict(zip(declared, (codes_found + 1).tolist(), strict=True))
    codes = np.full(len(series), -1, dtype=np.intp)
    codes[censor] = 0
    codes[others] = series[others].map(mapping).to_numpy(dtype=np.intp)
    return EventCodes(codes, tuple(declared))


def event_codes(
    data: pd.DataFrame,
    column: str,
    censored: object = None,
    causes: Sequence[object] | None = None,
) -> EventCodes:
    """Integer codes of a competing-risks event column.

    Numeric columns hold ``0`` for censored and positive whole numbers for
    the causes; with ``censored=`` the column holds labels, ``censored`` naming
    the censoring label and every other label a cause (sorted). ``causes``
    declares the causes: a code outside it is an error, a declared cause
    without events is kept (its incidence is 0). Missing values are coded -1
    (the caller excludes and lists those rows).

    Examples
    --------
    >>> import pandas as pd
    >>> event_codes(pd.DataFrame({"e": [0, 2, 1, 2]}), "e").codes.tolist()
    [0, 2, 1, 2]
    """
    if censored is None:
        if not pd.api.types.is_numeric_dtype(data[column].dtype) and data[column].notna().any():
            numeric = pd.to_numeric(data[column], errors="coerce")
            if numeric.isna().sum() > data[column].isna().sum():
                bad = (numeric.isna() & data[column].notna()).to_numpy()
                raise invalid(
                    data, column, bad, "event is a label; say which one is censored= (e.g. 'alive')"
                )
        return _numeric_codes(data, column, causes)
    return _label_codes(data, column, censored, causes)


def missing_rows(data: pd.DataFrame, mask: BoolArray, reason: str) -> pd.DataFrame:
    """The exclusion table rows (row, [patient_id,] reason) of ``mask``."""
    positions = np.flatnonzero(mask)
    frame = pd.DataFrame({"row": data.index[positions]})
    if PATIENT_ID_COLUMN in data.columns:
        frame[PATIENT_ID_COLUMN] = data[PATIENT_ID_COLUMN].to_numpy()[positions]
    frame["reason"] = reason
    return frame
