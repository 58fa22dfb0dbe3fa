"""Input checks shared by every public entry point.

The checks turn DataFrame columns into clean numpy arrays or raise a typed
error from :mod:`sarcosurv.errors` naming the column, the offending rows (by
index label, and by patient id when the data carry a ``patient_id`` column)
and the problem. They are vectorised: one pass per column, no loop over rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .errors import ColumnNotFoundError, EmptyDataError, InvalidDataError

__all__ = [
    "PATIENT_ID_COLUMN",
    "as_entry",
    "as_event",
    "as_pandas",
    "as_time",
    "as_weights",
    "describe_rows",
    "require_columns",
    "require_nonempty",
]

#: Column used, when present, to name rows by patient as well as by index.
PATIENT_ID_COLUMN = "patient_id"

FloatArray = npt.NDArray[np.float64]


def describe_rows(data: pd.DataFrame, positions: npt.NDArray[np.intp]) -> list[str]:
    """Human-readable names of rows at integer ``positions`` of ``data``."""
    labels = data.index[positions]
    if PATIENT_ID_COLUMN in data.columns:
        ids = data[PATIENT_ID_COLUMN].to_numpy()[positions]
        return [f"row {lab!r} (patient_id {pid!r})" for lab, pid in zip(labels, ids, strict=True)]
    return [f"row {lab!r}" for lab in labels]


def invalid(
    data: pd.DataFrame, column: str, mask: npt.NDArray[np.bool_], problem: str
) -> InvalidDataError:
    """Build the error for the rows where ``mask`` is true."""
    positions = np.flatnonzero(mask)
    return InvalidDataError(
        column,
        rows=list(data.index[positions]),
        problem=problem,
        row_descriptions=describe_rows(data, positions),
    )


def as_pandas(data: object, what: str = "data") -> pd.DataFrame:
    """``data`` as a pandas DataFrame: polars and pyarrow tables are converted.

    Any eager table that narwhals (installed with formulaic) knows is converted
    with its ``to_pandas()``; anything else raises a :class:`TypeError` that
    says what was given and how to convert it.
    """
    if isinstance(data, pd.DataFrame):
        return data
    module = type(data).__module__.split(".")[0]
    if module in {"polars", "pyarrow"} and hasattr(data, "to_pandas"):
        import narwhals as nw

        try:
            native: Any = data
            frame: pd.DataFrame = nw.from_native(native, eager_only=True).to_pandas()
        except (TypeError, ImportError, ModuleNotFoundError) as exc:
            raise TypeError(
                f"{what} is a {module} {type(data).__name__} that could not be converted "
                f"({exc}); convert it with {what}.to_pandas() first"
            ) from exc
        return frame
    hint = f" (convert it with {what}.to_pandas() first)" if hasattr(data, "to_pandas") else ""
    raise TypeError(f"{what} must be a pandas DataFrame, not {type(data).__name__}{hint}")


def require_columns(data: pd.DataFrame, **columns: str | Sequence[str] | None) -> None:
    """Raise :class:`ColumnNotFoundError` for the first named column not in ``data``.

    Keyword names are the role of the column (``time``, ``event``, ``by``...)
    and appear in the message; ``None`` values are skipped.
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(
            f"data must be a pandas DataFrame, not {type(data).__name__}"
            + (" (convert it with data.to_pandas() first)" if hasattr(data, "to_pandas") else "")
        )
    available = [str(c) for c in data.columns]
    for role, names in columns.items():
        if names is None:
            continue
        for name in [names] if isinstance(names, str) else names:
            if name not in data.columns:
                raise ColumnNotFoundError(name, available, role=role)


def require_nonempty(data: pd.DataFrame, what: str = "data") -> None:
    """Raise :class:`EmptyDataError` when ``data`` has no rows."""
    if len(data) == 0:
        raise EmptyDataError(f"{what} has no rows")


def _numeric(data: pd.DataFrame, column: str) -> FloatArray:
    series = data[column]
    if series.dtype == bool:
        return series.to_numpy(dtype=np.float64)
    if not (pd.api.types.is_numeric_dtype(series.dtype)):
        converted = pd.to_numeric(series, errors="coerce")
        bad = converted.isna().to_numpy() & series.notna().to_numpy()
        if bad.any():
            raise invalid(data, column, bad, "value is not a number")
        series = converted
    return series.to_numpy(dtype=np.float64, na_value=np.nan)


def as_time(data: pd.DataFrame, column: str, *, role: str = "time") -> FloatArray:
    """Return ``data[column]`` as float times, which must be finite and non-negative."""
    values = _numeric(data, column)
    nan = np.isnan(values)
    if nan.any():
        raise invalid(data, column, nan, f"missing {role}")
    inf = np.isinf(values)
    if inf.any():
        raise invalid(data, column, inf, f"infinite {role}")
    negative = values < 0
    if negative.any():
        raise invalid(data, column, negative, f"negative {role}")
    return values


def as_event(data: pd.DataFrame, column: str) -> npt.NDArray[np.bool_]:
    """Return the event indicator, which must be 0/1 (or boolean) without missing values."""
    values = _numeric(data, column)
    nan = np.isnan(values)
    if nan.any():
        raise invalid(data, column, nan, "missing event indicator")
    bad = (values != 0.0) & (values != 1.0)
    if bad.any():
        raise invalid(data, column, bad, "event indicator is not 0 or 1")
    event: npt.NDArray[np.bool_] = values == 1.0
    return event


def as_weights(data: pd.DataFrame, column: str) -> FloatArray:
    """Return case weights, which must be finite and non-negative."""
    values = _numeric(data, column)
    bad = ~np.isfinite(values)
    if bad.any():
        raise invalid(data, column, bad, "weight is missing or infinite")
    negative = values < 0
    if negative.any():
        raise invalid(data, column, negative, "negative weight")
    return values


def as_entry(data: pd.DataFrame, column: str, time: FloatArray) -> FloatArray:
    """Return entry (left-truncation) times, which must lie strictly before ``time``."""
    values = as_time(data, column, role="entry time")
    late = values >= time
    if late.any():
        raise invalid(data, column, late, "entry time is not before the exit time")
    return values
