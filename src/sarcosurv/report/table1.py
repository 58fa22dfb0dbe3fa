"""Table 1: patient and treatment characteristics, n and % of the known values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .. import _deprecation
from .._validate import require_columns

__all__ = ["Characteristic", "table1"]


@dataclass(frozen=True)
class Characteristic:
    """One block of Table 1: a categorical column and how to label it.

    ``levels`` fixes the order of the rows (default: the categories of a
    categorical column, else sorted values); ``labels`` renames levels for print.
    """

    column: str
    title: str
    levels: tuple[str, ...] | None = None
    labels: tuple[tuple[str, str], ...] = ()


_TABLE1_ROWS_OF_FIRST_STUDY = "sarcosurv.studies.heilig2020.tables:TABLE1"
_moved = _deprecation.moved_attributes(__name__, {"HEILIG2020_TABLE1": _TABLE1_ROWS_OF_FIRST_STUDY})


def __getattr__(name: str) -> Any:
    return _moved(name)


def _levels(series: pd.Series, spec: Characteristic) -> list[str]:
    if spec.levels is not None:
        return list(spec.levels)
    if isinstance(series.dtype, pd.CategoricalDtype):
        present = set(series.dropna().astype(str))
        return [str(c) for c in series.cat.categories if str(c) in present]
    counts = series.dropna().astype(str).value_counts()
    # Most frequent first, as registry papers list subtypes.
    return list(counts.sort_values(ascending=False, kind="stable").index)


def _block(data: pd.DataFrame, spec: Characteristic) -> pd.DataFrame:
    series = data[spec.column]
    known = series.notna()
    values = series[known].astype(str)
    levels = _levels(series, spec)
    unexpected = sorted(set(values) - set(levels))
    counts = values.value_counts()
    names = dict(spec.labels)
    rows = [
        {
            "characteristic": spec.title,
            "level": names.get(level, level),
            "n": int(counts.get(level, 0)),
        }
        for level in [*levels, *unexpected]
    ]
    n_known = int(known.sum())
    block = pd.DataFrame(rows)
    block["percent"] = 100.0 * block["n"] / n_known if n_known else np.nan
    n_missing = int((~known).sum())
    if n_missing:
        missing = {
            "characteristic": spec.title,
            "level": "missing",
            "n": n_missing,
            "percent": np.nan,
        }
        block = pd.concat([block, pd.DataFrame([missing])], ignore_index=True)
    return block


def _age_block(data: pd.DataFrame, column: str) -> pd.DataFrame:
    age = data[column].dropna().to_numpy(dtype=np.float64)
    q1, median, q3 = np.percentile(age, [25, 50, 75]) if len(age) else (np.nan,) * 3
    text = f"{median:.1f} ({age.min():.1f}–{age.max():.1f}) ({q1:.1f}–{q3:.1f})" if len(age) else ""
    return pd.DataFrame(
        [
            {
                "characteristic": "Age at first ASCT, years",
                "level": "median (range) (IQR)",
                "n": len(age),
                "percent": np.nan,
                "value": text,
            }
        ]
    )


def table1(
    data: pd.DataFrame,
    characteristics: Sequence[Characteristic] | _deprecation.StudyDefault = (
        _deprecation.STUDY_DEFAULT
    ),
    *,
    age_column: str | None = "age_at_asct",
) -> pd.DataFrame:
    """Patient and treatment characteristics: counts and percentages of the known values.

    Percentages are of the patients with the characteristic recorded; the
    missing count is its own row with no percentage, as registry papers
    print it. Quartiles of age use linear interpolation (numpy's default).
    ``characteristics`` will be required from sarcosurv 0.3 (left out, it is
    the first study's list, with a ``DeprecationWarning``).

    Returns
    -------
    pandas.DataFrame
        ``characteristic, level, n, percent, value`` where ``value`` is the
        printed cell (``n`` and ``percent`` as text, or the age summary).
    """
    specs: Sequence[Characteristic] = (
        _deprecation.study_default("table1", "characteristics", _TABLE1_ROWS_OF_FIRST_STUDY)
        if isinstance(characteristics, _deprecation.StudyDefault)
        else characteristics
    )
    columns = [spec.column for spec in specs]
    require_columns(data, characteristic=columns, age=age_column)
    blocks = [_age_block(data, age_column)] if age_column else []
    blocks += [_block(data, spec) for spec in specs]
    table = pd.concat(blocks, ignore_index=True)
    printed = table["n"].astype(str) + table["percent"].map(
        lambda p: "" if np.isnan(p) else f" ({p:.1f}%)"
    )
    if "value" in table:
        table["value"] = table["value"].fillna(printed)
    else:
        table["value"] = printed
    table["n"] = table["n"].astype(int)
    return table
