"""Grouping columns (``by``, ``group``, ``strata``) turned into integer codes.

Rows with a missing value in a grouping column are excluded on purpose; they
are listed, with the reason, in the ``excluded`` table of the result instead
of being dropped silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._validate import PATIENT_ID_COLUMN
from .errors import GroupError

IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

__all__ = [
    "Grouping",
    "as_columns",
    "check_distinct_labels",
    "empty_exclusions",
    "exclusions",
    "group_codes",
]


@dataclass(frozen=True)
class Grouping:
    """Integer group codes of the kept rows and one label row per group.

    Attributes
    ----------
    codes : ndarray of intp (n,)
        Group code per input row, ``-1`` where the row is excluded.
    labels : pandas.DataFrame
        One row per group in code order: ``group`` (the value for a single
        column, ``"a=1, b=x"`` for several) and the grouping columns themselves.
    """

    codes: IntArray
    labels: pd.DataFrame

    @property
    def n_groups(self) -> int:
        return len(self.labels)


def as_columns(columns: str | Sequence[str] | None) -> tuple[str, ...]:
    """Normalise a column argument to a tuple of names."""
    if columns is None:
        return ()
    if isinstance(columns, str):
        return (columns,)
    return tuple(columns)


def _levels(series: pd.Series) -> tuple[IntArray, pd.Index]:
    """Codes in sorted order (category order for a Categorical), -1 for missing."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        category_codes: IntArray = np.asarray(series.cat.codes, dtype=np.intp)
        return category_codes, pd.Index(series.cat.categories)
    try:
        codes, uniques = pd.factorize(series, sort=True, use_na_sentinel=True)
    except TypeError:  # values that do not sort together (1 and "a")
        codes, uniques = pd.factorize(series, sort=False, use_na_sentinel=True)
    check_distinct_labels(str(series.name), uniques)
    return np.asarray(codes, dtype=np.intp), pd.Index(uniques)


def check_distinct_labels(column: str, values: Sequence[object] | pd.Index | np.ndarray) -> None:
    """Raise when distinct group values print alike (1 and "1", 1.0 and "1.0").

    Such groups would be reported under one label; the fix is to give the
    column one type.
    """
    shown = pd.Series([str(_show(v)) for v in values], dtype=object)
    clash = shown.duplicated(keep=False).to_numpy()
    if clash.any():
        same = [v for v, c in zip(values, clash, strict=True) if c]
        kinds = ", ".join(f"{v!r} ({type(v).__name__})" for v in same[:4])
        raise GroupError(
            f"column {column!r} holds distinct values that print alike: {kinds}; "
            "give the column a single type (e.g. data[column].astype(str))"
        )


def _show(value: object) -> object:
    """Whole floats (a column made float by missing values) shown as integers."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def group_codes(data: pd.DataFrame, columns: tuple[str, ...]) -> Grouping:
    """Codes of the groups formed by ``columns`` (all rows in one group when empty)."""
    n = len(data)
    if not columns:
        return Grouping(np.zeros(n, dtype=np.intp), pd.DataFrame({"group": ["all"]}))
    for column in columns:
        count = int(np.count_nonzero(data.columns == column))
        if count > 1:
            raise GroupError(
                f"column {column!r} appears {count} times in the data: rename the duplicates"
            )
    per_column = [_levels(data[c]) for c in columns]
    if len(columns) == 1:
        combined = per_column[0][0]
        missing = combined < 0
        any_missing = bool(missing.any())
    else:
        missing = np.zeros(n, dtype=bool)
        for codes, _ in per_column:
            missing |= codes < 0
        any_missing = bool(missing.any())
        combined = np.zeros(n, dtype=np.intp)
        for codes, uniques in per_column:
            combined = combined * max(len(uniques), 1) + np.maximum(codes, 0)
    # Dense codes over the combinations present, by counting rather than sorting rows.
    valid = combined[~missing] if any_missing else combined
    counts = np.bincount(valid)
    present = np.flatnonzero(counts > 0)
    lookup = np.full(counts.size, -1, dtype=np.intp)
    lookup[present] = np.arange(present.size, dtype=np.intp)
    if any_missing:
        out = np.full(n, -1, dtype=np.intp)
        out[~missing] = lookup[valid]
    else:
        out = lookup[combined]
    values: dict[str, list[object]] = {c: [] for c in columns}
    for key in present.tolist():
        for column, (_, uniques) in reversed(list(zip(columns, per_column, strict=True))):
            size = max(len(uniques), 1)
            values[column].append(uniques[key % size])
            key //= size
    if len(columns) == 1:
        labels = pd.DataFrame({"group": values[columns[0]]})
    else:
        labels = pd.DataFrame({c: values[c] for c in columns})
        group = [
            ", ".join(f"{c}={_show(v)}" for c, v in zip(columns, row, strict=True))
            for row in labels.itertuples(index=False)
        ]
        labels.insert(0, "group", group)
    return Grouping(out, labels)


def exclusions(
    data: pd.DataFrame,
    columns: tuple[str, ...],
    role: str,
    already: BoolArray | None = None,
) -> pd.DataFrame:
    """One row per row of ``data`` missing a value in ``columns``: row, [patient_id,] reason.

    Rows flagged in ``already`` (excluded for another reason) are not listed again.
    """
    frames = []
    seen = np.zeros(len(data), dtype=bool) if already is None else already.copy()
    for column in columns:
        missing = data[column].isna().to_numpy() & ~seen
        seen |= missing
        positions = np.flatnonzero(missing)
        if positions.size == 0:
            continue
        frame = pd.DataFrame({"row": data.index[positions]})
        if PATIENT_ID_COLUMN in data.columns:
            frame[PATIENT_ID_COLUMN] = data[PATIENT_ID_COLUMN].to_numpy()[positions]
        frame["reason"] = f"missing value in {role} column {column!r}"
        frames.append(frame)
    if not frames:
        return empty_exclusions(data)
    return pd.concat(frames, ignore_index=True)


def empty_exclusions(data: pd.DataFrame) -> pd.DataFrame:
    """The exclusion table with no rows."""
    columns = ["row", PATIENT_ID_COLUMN, "reason"]
    if PATIENT_ID_COLUMN not in data.columns:
        columns.remove(PATIENT_ID_COLUMN)
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
