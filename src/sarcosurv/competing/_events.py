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


def _numeric_codes(data: pd.DataFrame, column: str, causes: Sequence[object] | None) -> EventCodes:
    values = pd.to_numeric(data[column], errors="coerce").to_numpy(dtype=np.float64)
    text = data[column].notna().to_numpy() & np.isnan(values)
    if text.any():
        raise invalid(data, column, text, "event code is not a number (give censored= for labels)")
    missing = np.isnan(values)
    present = ~missing
    if (values[present] < 0).any():
        raise invalid(data, column, present & (values < 0), "negative event code")
    whole = np.zeros(values.size, dtype=bool)
    whole[present] = values[present] == np.round(values[present])
    if (present & ~whole).any():
        raise invalid(data, column, present & ~whole, "event code is not a whole number")
    found = np.unique(values[present & (values > 0)]).astype(np.int64)
    declared = found if causes is None else np.unique(np.asarray(list(causes), dtype=np.int64))
    if causes is not None and (declared <= 0).any():
        raise SarcosurvError(f"causes must be positive codes, not {list(causes)!r}")
    undeclared = present & (values > 0) & ~np.isin(values, declared)
    if undeclared.any():
        raise invalid(
            data,
            column,
            undeclared,
            f"event code not among the declared causes {declared.tolist()}",
        )
    lookup = np.zeros(int(declared.max(initial=0)) + 1, dtype=np.intp)
    lookup[declared] = np.arange(1, declared.size + 1)
    codes = np.full(values.size, -1, dtype=np.intp)
    codes[present] = lookup[values[present].astype(np.intp)]
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
