"""Columns to impute, as arrays: kind, method, levels, values and how to write them back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..errors import ColumnNotFoundError, ImputationError

__all__ = ["METHODS", "ImputedColumn", "prepare_columns"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

Method = Literal["pmm", "norm", "logreg", "polyreg", "polr"]
METHODS: tuple[str, ...] = ("pmm", "norm", "logreg", "polyreg", "polr")
#: Methods for numbers: imputed values on the number line, no levels.
NUMERIC_METHODS: tuple[str, ...] = ("pmm", "norm")

#: A category observed in fewer rows than this cannot be imputed reliably.
MIN_LEVEL_COUNT = 2


@dataclass(frozen=True, eq=False)
class ImputedColumn:
    """One column as the chained equations see it.

    ``values`` holds numbers for ``pmm`` and ``norm`` and category codes 0..L-1 (as floats)
    for the categorical methods; NaN where missing. ``levels`` are the observed
    categories in code order (None for ``pmm``).
    """

    name: str
    method: str
    values: FloatArray
    missing: BoolArray
    levels: tuple[Any, ...] | None
    dtype: Any
    center: float = 0.0
    scale: float = 1.0

    @property
    def n_levels(self) -> int:
        return 0 if self.levels is None else len(self.levels)

    @property
    def width(self) -> int:
        """Number of predictor columns the column contributes."""
        return 1 if self.levels is None else max(self.n_levels - 1, 0)

    def predictor_block(self, current: FloatArray) -> FloatArray:
        """The column as predictors: standardised number, or dummies of levels 1..L-1."""
        if self.levels is None:
            return np.asarray((current - self.center) / self.scale, dtype=np.float64)[:, None]
        dummies = current[:, None] == np.arange(1, self.n_levels)[None, :]
        return np.asarray(dummies, dtype=np.float64)

    def regressors(
        self, design: FloatArray, predictors: npt.NDArray[np.intp]
    ) -> tuple[FloatArray, FloatArray]:
        """The predictors of the column's model on its observed and its missing rows.

        Predictors constant over the observed rows are left out (no information,
        and they would make the model singular).
        """
        observed = np.flatnonzero(~self.missing)
        xo = design[np.ix_(observed, predictors)]
        varying = xo.max(axis=0) > xo.min(axis=0) if observed.size else np.ones(0, bool)
        xo = xo[:, varying] if not varying.all() else xo
        xm = design[np.ix_(np.flatnonzero(self.missing), predictors[varying])]
        return xo, xm

    def to_series(self, current: FloatArray, index: pd.Index) -> pd.Series:
        """Completed values in the column's original dtype."""
        if self.levels is None:
            series = pd.Series(current, index=index, name=self.name)
            try:
                return series.astype(self.dtype)
            except (TypeError, ValueError):
                return series
        labels = np.asarray(self.levels, dtype=object)[current.astype(np.intp)]
        series = pd.Series(labels, index=index, name=self.name)
        if isinstance(self.dtype, pd.CategoricalDtype):
            return series.astype(self.dtype)
        try:
            return series.astype(self.dtype)
        except (TypeError, ValueError):
            return series


def _default_method(series: pd.Series, n_levels: int) -> str:
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        if n_levels <= 2:
            return "logreg"
        return "polr" if dtype.ordered else "polyreg"
    if pd.api.types.is_bool_dtype(dtype):
        return "logreg"
    if pd.api.types.is_numeric_dtype(dtype):
        return "pmm"
    return "logreg" if n_levels <= 2 else "polyreg"


def _observed_levels(series: pd.Series) -> tuple[Any, ...]:
    observed = series.dropna()
    if isinstance(series.dtype, pd.CategoricalDtype):
        counts = observed.value_counts()
        return tuple(c for c in series.cat.categories if counts.get(c, 0) > 0)
    return tuple(sorted(observed.unique().tolist()))


def _check_levels(name: str, series: pd.Series, levels: tuple[Any, ...], method: str) -> None:
    counts = series.value_counts()
    sparse = {level: int(counts[level]) for level in levels if counts[level] < MIN_LEVEL_COUNT}
    if sparse:
        shown = dict(list(sparse.items())[:5])
        more = f" and {len(sparse) - 5} more" if len(sparse) > 5 else ""
        raise ImputationError(
            f"level(s) {shown}{more} observed in fewer than {MIN_LEVEL_COUNT} rows: too few "
            "donors to impute; merge the level with another or remove it",
            column=name,
        )
    needed = 2 if method == "logreg" else 3
    if (method == "logreg" and len(levels) != 2) or len(levels) < needed:
        raise ImputationError(
            f"method {method!r} needs {'exactly 2' if method == 'logreg' else 'at least 3'} "
            f"observed levels, found {list(levels)}",
            column=name,
        )


def _prepare_one(name: str, series: pd.Series, method: str | None, donors: int) -> ImputedColumn:
    missing = series.isna().to_numpy()
    if missing.all():
        raise ImputationError("every value is missing; nothing to impute from", column=name)
    if pd.api.types.is_datetime64_any_dtype(series.dtype) or pd.api.types.is_timedelta64_dtype(
        series.dtype
    ):
        raise ImputationError(
            f"dates and durations ({series.dtype}) are not imputed directly: convert the "
            "column to a number first (e.g. years since a reference date)",
            column=name,
        )
    is_number = pd.api.types.is_numeric_dtype(series.dtype) and not (
        pd.api.types.is_bool_dtype(series.dtype) or isinstance(series.dtype, pd.CategoricalDtype)
    )
    levels = None if is_number and method in (None, *NUMERIC_METHODS) else _observed_levels(series)
    chosen = method or _default_method(series, len(levels or ()))
    if chosen not in METHODS:
        raise ImputationError(f"unknown method {chosen!r}; choose from {METHODS}", column=name)
    if chosen in NUMERIC_METHODS:
        if not is_number:
            raise ImputationError(f"{chosen!r} needs a numeric column", column=name)
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        if chosen == "pmm" and missing.any() and (~missing).sum() < donors:
            raise ImputationError(
                f"{int((~missing).sum())} observed value(s), fewer than the {donors} donors "
                "of predictive mean matching",
                column=name,
            )
        observed = values[~missing]
        center, scale = float(observed.mean()), float(observed.std()) or 1.0
        return ImputedColumn(name, chosen, values, missing, None, series.dtype, center, scale)
    assert levels is not None
    if missing.any():
        _check_levels(name, series, levels, chosen)
    lookup = {level: code for code, level in enumerate(levels)}
    codes: FloatArray = np.asarray(
        series.map(lookup).astype("float64").to_numpy(na_value=np.nan), dtype=np.float64
    )
    return ImputedColumn(name, chosen, codes, missing, levels, series.dtype)


def prepare_columns(
    data: pd.DataFrame,
    columns: Sequence[str],
    method: str | Mapping[str, str] | None,
    donors: int,
) -> list[ImputedColumn]:
    """Check the columns and turn them into :class:`ImputedColumn` (typed errors per column)."""
    for name in columns:
        if name not in data.columns:
            raise ColumnNotFoundError(name, [str(c) for c in data.columns], role="imputation")
    if isinstance(method, Mapping):
        unknown = [c for c in method if c not in columns]
        if unknown:
            raise ImputationError(f"method given for column(s) not imputed: {unknown}")
        per_column: Mapping[str, str | None] = dict(method)
    else:
        per_column = dict.fromkeys(columns, method)
    return [_prepare_one(c, data[c], per_column.get(c), donors) for c in columns]
