"""Table 1 of any cohort: characteristics overall and by group, with optional tests.

Categorical columns print ``n (%)`` per level, the percentage of the *known*
values, and a ``Missing`` row with the count of unknown values (no
percentage), as registry papers print them. Numeric columns print
``mean (SD)``, or ``median (IQR) [range]`` for the columns named in
``nonnormal``; the statistic is named in the row so that nobody has to guess
what "37.3 (27.6–49.7)" means. Quartiles use linear interpolation (numpy's and
R's default, type 7).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .._validate import as_pandas, require_columns
from ._export import TableExport
from .format import EN_DASH, format_p_value

__all__ = ["Characteristic", "Table1", "table1"]

MEDIAN_LABEL = "median (IQR) [range]"
MEAN_LABEL = "mean (SD)"
MISSING_LABEL = "Missing"


@dataclass(frozen=True)
class Characteristic:
    """One block of Table 1: a column, its printed title, its levels and their labels.

    ``levels`` fixes the order of the rows (default: the categories of a
    categorical column, sorted values for numbers, else the most frequent
    first); ``labels`` renames levels for print.
    """

    column: str
    title: str
    levels: tuple[str, ...] | None = None
    labels: tuple[tuple[str, str], ...] = ()


def _levels(series: pd.Series, spec: Characteristic) -> list[str]:
    if spec.levels is not None:
        return list(spec.levels)
    known = series.dropna()
    if isinstance(series.dtype, pd.CategoricalDtype):
        present = set(known.astype(str))
        return [str(c) for c in series.cat.categories if str(c) in present]
    if pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
        return [str(v) for v in sorted(pd.unique(known))]
    counts = known.astype(str).value_counts()
    return list(counts.sort_values(ascending=False, kind="stable").index)


def _all_levels(series: pd.Series, spec: Characteristic) -> list[str]:
    levels = _levels(series, spec)
    return levels + sorted(set(series.dropna().astype(str)) - set(levels))


def _categorical_rows(
    series: pd.Series, spec: Characteristic, group: str, levels: list[str], missing: bool
) -> list[dict[str, Any]]:
    known = series.notna()
    values = series[known].astype(str)
    counts = values.value_counts()
    n_known = int(known.sum())
    names = dict(spec.labels)
    rows = []
    for level in levels:
        n = int(counts.get(level, 0))
        percent = 100.0 * n / n_known if n_known else float("nan")
        text = f"{n} ({percent:.1f}%)" if n_known else "0"
        label = names.get(level, level)
        rows.append(_cell(spec, label, group, text, n=n, percent=percent, level_code=level))
    n_missing = int((~known).sum())
    if missing:
        rows.append(
            _cell(spec, MISSING_LABEL, group, str(n_missing), n=n_missing, level_code="missing")
        )
    return rows


def _cell(
    spec: Characteristic, level: str, group: str, value: str, **numbers: Any
) -> dict[str, Any]:
    return {"characteristic": spec.title, "level": level, "group": group, "value": value} | numbers


def _numeric_rows(
    series: pd.Series, spec: Characteristic, group: str, nonnormal: bool, digits: int, missing: bool
) -> list[dict[str, Any]]:
    values = pd.to_numeric(series, errors="coerce").dropna().to_numpy(dtype=np.float64)
    n_missing = int(len(series) - len(values))
    f = f"{{:.{digits}f}}"
    if nonnormal:
        q1, median, q3 = np.percentile(values, [25, 50, 75]) if len(values) else [np.nan] * 3
        low, high = (values.min(), values.max()) if len(values) else (np.nan, np.nan)
        text = (
            f"{f.format(median)} ({f.format(q1)}{EN_DASH}{f.format(q3)}) "
            f"[{f.format(low)}{EN_DASH}{f.format(high)}]"
        )
        numbers = {"median": median, "q1": q1, "q3": q3, "min": low, "max": high}
        label = MEDIAN_LABEL
    else:
        mean = float(values.mean()) if len(values) else np.nan
        sd = float(values.std(ddof=1)) if len(values) > 1 else np.nan
        text, numbers, label = (
            f"{f.format(mean)} ({f.format(sd)})",
            {"mean": mean, "sd": sd},
            MEAN_LABEL,
        )
    code = "median" if nonnormal else "mean"
    rows = [
        _cell(
            spec,
            label,
            group,
            text if len(values) else "",
            n=len(values),
            level_code=code,
            **numbers,
        )
    ]
    if missing:
        rows.append(
            _cell(spec, MISSING_LABEL, group, str(n_missing), n=n_missing, level_code="missing")
        )
    return rows


def _test(
    data: pd.DataFrame, column: str, by: str, numeric: bool, nonnormal: bool
) -> tuple[float, str]:
    """p-value and the test's name for ``column`` across the groups of ``by`` (known values)."""
    if column == by:
        return float("nan"), ""
    known = data[[column, by]].dropna()
    if known[by].nunique() < 2:
        return float("nan"), ""
    if numeric:
        samples = [
            pd.to_numeric(g[column]).to_numpy(dtype=np.float64)
            for _, g in known.groupby(by, observed=True)
        ]
        if nonnormal:
            name = "Wilcoxon rank-sum" if len(samples) == 2 else "Kruskal–Wallis"
            return float(stats.kruskal(*samples).pvalue), name
        name = "t-test" if len(samples) == 2 else "ANOVA"
        return float(stats.f_oneway(*samples).pvalue), name
    counts = pd.crosstab(known[column].astype(str), known[by].astype(str)).to_numpy()
    if counts.shape[0] < 2:
        return float("nan"), ""
    expected = stats.contingency.expected_freq(counts)
    if counts.shape == (2, 2) and (expected < 5).any():
        return float(stats.fisher_exact(counts).pvalue), "Fisher's exact"
    return float(stats.chi2_contingency(counts, correction=False).pvalue), "chi-square"


@dataclass(frozen=True, eq=False)
class Table1(TableExport):
    """Table 1 of :func:`table1`.

    Attributes
    ----------
    rows : pandas.DataFrame
        Long form, one row per characteristic, level and group: ``characteristic,
        level, group, value`` (the printed cell), ``n``, ``percent``,
        ``level_code`` (the value in the data, ``missing``, ``median`` or ``mean``) and, for
        numeric columns, ``median, q1, q3, min, max`` or ``mean, sd``.
    tests : pandas.DataFrame
        ``characteristic, p_value, test`` (empty without ``by`` or ``p_values``).
    groups : tuple of str
        ``"Overall"`` and the groups of ``by``, in column order.
    group_sizes : dict
        Patients per group.
    notes : tuple of str
    """

    rows: pd.DataFrame
    tests: pd.DataFrame
    groups: tuple[str, ...]
    group_sizes: dict[str, int]
    notes: tuple[str, ...]

    def to_frame(self) -> pd.DataFrame:
        """The long table of numbers and printed cells (a copy of ``rows``)."""
        return self.rows.copy()

    def summary(self) -> pd.DataFrame:
        """The printed table: a header row per characteristic, a column per group."""
        columns = {g: f"{g} (n = {self.group_sizes[g]})" for g in self.groups}
        cells: dict[tuple[str, str], dict[str, str]] = {}
        for title, level, group, value in zip(
            self.rows["characteristic"],
            self.rows["level"],
            self.rows["group"],
            self.rows["value"],
            strict=True,
        ):
            cells.setdefault((str(title), str(level)), {})[columns[str(group)]] = str(value)
        tests = {
            str(t): (format_p_value(float(p)), str(name))
            for t, p, name in zip(
                self.tests["characteristic"], self.tests["p_value"], self.tests["test"], strict=True
            )
        }
        lines: list[dict[str, str]] = []
        seen: set[str] = set()
        for (title, level), values in cells.items():
            if title not in seen:
                seen.add(title)
                head = {"Characteristic": title, "Level": ""}
                if title in tests:
                    head |= {"p": tests[title][0], "Test": tests[title][1]}
                lines.append(head)
            lines.append({"Characteristic": "", "Level": level} | values)
        order = ["Characteristic", "Level", *columns.values()] + (["p", "Test"] if tests else [])
        return pd.DataFrame(lines, columns=order).fillna("")

    def __repr__(self) -> str:
        n = self.rows["characteristic"].nunique()
        return f"<Table1 {n} characteristics, groups={list(self.groups)}>"


def _spec(column: str | Characteristic, labels: Mapping[Any, str]) -> Characteristic:
    if isinstance(column, Characteristic):
        return column
    level_labels = tuple(
        (k[1], v) for k, v in labels.items() if isinstance(k, tuple) and k[0] == column
    )
    return Characteristic(column, labels.get(column, column), labels=level_labels)


def _is_numeric(series: pd.Series, spec: Characteristic) -> bool:
    dtype = series.dtype
    return (
        spec.levels is None
        and not spec.labels
        and pd.api.types.is_numeric_dtype(dtype)
        and not pd.api.types.is_bool_dtype(dtype)
        and not isinstance(dtype, pd.CategoricalDtype)
    )


def table1(
    data: Any,
    columns: Sequence[str | Characteristic],
    by: str | None = None,
    labels: Mapping[str | tuple[str, str], str] | None = None,
    nonnormal: Sequence[str] | bool | None = None,
    *,
    p_values: bool = False,
    digits: int = 1,
) -> Table1:
    """Patient characteristics, overall and by group: n (%) of known values, missing counted.

    Parameters
    ----------
    data : DataFrame
        Any cohort, one row per patient (polars and pyarrow tables are converted).
    columns : sequence of str or Characteristic
        The characteristics, in order. Numeric columns are summarised, other
        columns (text, categorical, boolean) are counted per level. A
        :class:`Characteristic` fixes the title, the order and labels of levels.
    by : str, optional
        A grouping column: one column of the table per group after "Overall".
        Rows with a missing group count in "Overall" only.
    labels : mapping, optional
        Printed names: column -> title, ``(column, level)`` -> level label.
    nonnormal : sequence of str or bool, optional
        Numeric columns printed as ``median (IQR) [range]`` (``True``: all);
        the others print ``mean (SD)``.
    p_values : bool
        With ``by``: a p-value per characteristic and the test named (chi-square,
        or Fisher's exact for a 2×2 table with an expected count below 5;
        ANOVA/t-test for ``mean (SD)`` rows; Kruskal–Wallis/Wilcoxon rank-sum for
        ``median`` rows). Missing values are left out of the tests.
    digits : int
        Decimals of numeric summaries.

    Returns
    -------
    Table1
        ``summary()`` (printed), ``to_frame()`` (numbers), ``to_markdown()``,
        ``to_latex()``, ``to_html()``, ``to_docx(path)``.

    Examples
    --------
    >>> import pandas as pd
    >>> from sarcosurv.report import table1
    >>> data = pd.DataFrame({"age": [50, 60, 70, 80], "sex": ["M", "F", None, "F"]})
    >>> table1(data, ["age", "sex"], nonnormal=["age"]).summary()["Overall (n = 4)"].tolist()
    ['', '65.0 (57.5–72.5) [50.0–80.0]', '', '2 (66.7%)', '1 (33.3%)', '1']
    """
    frame = as_pandas(data)
    labels = dict(labels or {})
    specs = [_spec(c, labels) for c in columns]
    require_columns(frame, characteristic=[s.column for s in specs], by=by)
    groups: list[tuple[str, pd.DataFrame]] = [("Overall", frame)]
    if by is not None:
        groups += [(str(k), g) for k, g in frame.groupby(by, observed=True, sort=True)]
    rows, tests = [], []
    for spec in specs:
        series = frame[spec.column]
        numeric = _is_numeric(series, spec)
        skewed = nonnormal is True or (
            not isinstance(nonnormal, bool) and spec.column in (nonnormal or ())
        )
        missing = bool(series.isna().any())
        levels = [] if numeric else _all_levels(series, spec)
        for name, part in groups:
            part_series = part[spec.column]
            rows += (
                _numeric_rows(part_series, spec, name, skewed, digits, missing)
                if numeric
                else _categorical_rows(part_series, spec, name, levels, missing)
            )
        if by is not None and p_values:
            p, test = _test(frame, spec.column, by, numeric, skewed)
            tests.append({"characteristic": spec.title, "p_value": p, "test": test})
    notes = ["Percentages of the known values; missing values counted separately."]
    if tests:
        notes.append("p: tests named per row; missing values left out of the tests.")
    return Table1(
        rows=pd.DataFrame(rows),
        tests=pd.DataFrame(tests, columns=["characteristic", "p_value", "test"]),
        groups=tuple(name for name, _ in groups),
        group_sizes={name: len(part) for name, part in groups},
        notes=tuple(notes),
    )
