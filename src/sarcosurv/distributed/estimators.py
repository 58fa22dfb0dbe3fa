"""Kaplan–Meier, log-rank and median follow-up on a Dask DataFrame.

One pass over the partitions counts rows, exits and events per (group,
distinct time) (:mod:`sarcosurv.distributed._counts`); the client merges the
counts, applies ``timefix`` to the distinct times, builds the same risk tables
as in memory (:func:`sarcosurv.counting.tables_from_counts`) and hands them to
the in-memory estimators' own assembly code, so results agree with the
in-memory ones to rounding (the counts are summed in a different order).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .. import logrank as _logrank
from .._grouping import Grouping, as_columns, group_codes
from .._validate import require_columns
from ..counting import RiskTable, tables_from_counts
from ..errors import EmptyDataError, GroupError, SarcosurvError
from ..followup import FollowupResult
from ..km import KaplanMeierResult, QuantileMethod, check_options, curves_result
from ..logrank import LogrankResult, Weights
from ..surv import aeq_times
from ._counts import (
    ENTRY,
    EVENT,
    EXIT,
    ROWS,
    TIME,
    WEIGHT,
    Counts,
    CountSpec,
    check_collapsed,
    combine_counts,
    count_partition,
    fix_times,
    ordered_exclusions,
)
from ._engine import map_reduce

__all__ = ["kaplan_meier_dask", "logrank_test_dask", "median_followup_dask"]


def _columns(data: Any, **roles: Any) -> None:
    """Column arguments must be names (strings, or lists of them for groupings) that exist."""
    for role, value in roles.items():
        grouping = role in ("by", "strata")
        ok = value is None or isinstance(value, str)
        if grouping and isinstance(value, list | tuple):
            ok = all(isinstance(c, str) for c in value)
        if not ok:
            raise SarcosurvError(
                f"with a Dask DataFrame, {role} must name a column, not a {type(value).__name__}"
            )
    require_columns(data._meta, **roles)


def _collect(data: Any, spec: CountSpec, timefix: bool) -> Counts:
    """One counting pass, the timefix merge, and the collapsed-interval check when needed."""
    counts = map_reduce(data, count_partition, combine_counts, spec)
    if counts.n_input == 0:
        raise EmptyDataError("data has no rows")
    if len(counts.exits) == 0:
        roles = ", ".join(c for _, columns in spec.roles for c in columns)
        raise EmptyDataError(f"every row has a missing value in the grouping column(s) {roles}")
    fixed, moved = fix_times(counts, spec, timefix)
    if moved and counts.entries is not None:
        raw = [np.unique(counts.exits[TIME].to_numpy(np.float64))]
        raw.append(np.unique(counts.entries[ENTRY].to_numpy(np.float64)))
        merged = aeq_times(*raw)
        pooled, values = np.concatenate(raw), np.concatenate(merged)
        order = np.argsort(pooled, kind="stable")
        map_reduce(data, check_collapsed, max, spec, (pooled[order], values[order]))
    return fixed


def _codes(
    counts: Counts, columns: tuple[str, ...], extra: pd.DataFrame | None = None
) -> tuple[Grouping, np.ndarray, np.ndarray | None]:
    """Group codes of the exit and entry records, labels over all present combinations."""
    frames = [counts.exits[list(columns)]]
    if counts.entries is not None:
        frames.append(counts.entries[list(columns)])
    if extra is not None:
        frames.append(extra[list(columns)])
    keys = pd.concat(frames, ignore_index=True) if columns else pd.DataFrame(index=range(0))
    if not columns:
        n = len(counts.exits) + (0 if counts.entries is None else len(counts.entries))
        keys = pd.DataFrame(index=range(n))
    grouping = group_codes(keys, columns)
    n_exit = len(counts.exits)
    codes = grouping.codes
    n_entry = None if counts.entries is None else len(counts.entries)
    entry_codes = None if n_entry is None else codes[n_exit : n_exit + n_entry]
    return grouping, codes[:n_exit], entry_codes


def _tables(
    counts: Counts, cell: np.ndarray, entry_cell: np.ndarray | None, n_cells: int, block: int
) -> list[RiskTable]:
    exits, entries = counts.exits, counts.entries
    return tables_from_counts(
        exits[TIME].to_numpy(np.float64),
        cell,
        exits[ROWS].to_numpy(np.float64),
        exits[EXIT].to_numpy(np.float64),
        exits[EVENT].to_numpy(np.float64),
        n_cells=n_cells,
        block_size=block,
        entry=None if entries is None else entries[ENTRY].to_numpy(np.float64),
        entry_cell=entry_cell,
        entry_weight=None if entries is None else entries[WEIGHT].to_numpy(np.float64),
    )


def kaplan_meier_dask(
    data: Any,
    time: Any,
    event: Any,
    by: Any = None,
    entry: Any = None,
    weights: Any = None,
    conf_type: str = "log-log",
    conf_level: float = 0.95,
    *,
    timefix: bool = True,
    time_unit: str | None = None,
) -> KaplanMeierResult:
    """:func:`sarcosurv.kaplan_meier` on a Dask DataFrame (one pass over the partitions).

    Arguments as there; ``time``, ``event``, ``by``, ``entry`` and ``weights``
    name columns. The estimate, Greenwood variance and bands are those of the
    in-memory function, computed from counts summed across partitions.

    Examples
    --------
    >>> import dask.dataframe as dd, pandas as pd, sarcosurv as ss
    >>> d = pd.DataFrame({"t": [3.0, 5.0, 5.0, 8.0], "e": [1, 1, 0, 1]})
    >>> km = ss.kaplan_meier(dd.from_pandas(d, npartitions=2), "t", "e")
    >>> km.table["survival"].round(3).tolist()
    [0.75, 0.5, 0.0]
    """
    check_options(conf_type, conf_level)
    by_columns = as_columns(by)
    _columns(data, time=time, event=event, by=list(by_columns), entry=entry, weights=weights)
    spec = CountSpec(
        time, event, entry, weights, (("by", by_columns),), "the Kaplan–Meier estimator",
        time_unit=time_unit,
    )  # fmt: skip
    counts = _collect(data, spec, timefix)
    grouping, cell, entry_cell = _codes(counts, by_columns)
    blocks = _tables(counts, cell, entry_cell, grouping.n_groups, 1)
    return curves_result(
        blocks,
        grouping.labels,
        by_columns,
        (conf_type, conf_level),
        weighted=weights is not None,
        scale=1.0,
        excluded=ordered_exclusions(counts),
        late_entry=entry is not None,  # as in memory: pval=True then refuses the curves
    )


def median_followup_dask(
    data: Any,
    time: Any,
    event: Any,
    *,
    conf_type: str = "log-log",
    conf_level: float = 0.95,
    ci_method: QuantileMethod = "brookmeyer-crowley",
    timefix: bool = True,
    time_unit: str | None = None,
) -> FollowupResult:
    """:func:`sarcosurv.median_followup` (reverse Kaplan–Meier) on a Dask DataFrame.

    Examples
    --------
    >>> import dask.dataframe as dd, pandas as pd, sarcosurv as ss
    >>> d = pd.DataFrame({"t": [2.0, 4.0, 6.0, 8.0], "e": [1, 0, 0, 0]})
    >>> ss.median_followup(dd.from_pandas(d, npartitions=2), "t", "e").median
    6.0
    """
    check_options(conf_type, conf_level)
    _columns(data, time=time, event=event)
    spec = CountSpec(
        time, event, None, None, (), "median follow-up (event != 0 ends follow-up for any cause)",
        reverse=True, time_unit=time_unit,
    )  # fmt: skip
    counts = _collect(data, spec, timefix)
    grouping, cell, _ = _codes(counts, ())
    blocks = _tables(counts, cell, None, 1, 1)
    reverse = curves_result(
        blocks,
        grouping.labels,
        (),
        (conf_type, conf_level),
        weighted=False,
        scale=1.0,
        excluded=ordered_exclusions(counts),
        late_entry=False,
    )
    median = reverse.median(ci_method=ci_method)
    return FollowupResult(
        median=float(median["median"].iloc[0]),
        lower=float(median["lower"].iloc[0]),
        upper=float(median["upper"].iloc[0]),
        n=int(blocks[0].n_rows.sum()),
        n_censored=int(np.rint(blocks[0].n_event.sum())),
        reverse_km=reverse,
    )


def logrank_test_dask(
    data: Any,
    time: Any,
    event: Any,
    by: Any,
    strata: Any = None,
    weighting: Weights = "logrank",
    trend: bool = False,
    *,
    scores: Sequence[float] | None = None,
    timefix: bool = True,
    time_unit: str | None = None,
) -> LogrankResult:
    """:func:`sarcosurv.logrank_test` on a Dask DataFrame (one pass over the partitions).

    Examples
    --------
    >>> import dask.dataframe as dd, numpy as np, pandas as pd, sarcosurv as ss
    >>> d = pd.DataFrame({"t": np.arange(1.0, 7.0), "e": [1, 1, 0, 1, 1, 0],
    ...                   "g": [0, 0, 0, 1, 1, 1]})
    >>> round(ss.logrank_test(dd.from_pandas(d, npartitions=2), "t", "e", by="g").statistic, 4)
    2.4694
    """
    weighting_spec = _logrank._parse_weights(weighting)
    groups_by, strata_by = as_columns(by), as_columns(strata)
    if not groups_by:
        raise SarcosurvError("by must name at least one column (the groups compared)")
    _columns(data, time=time, event=event, by=list(groups_by), strata=list(strata_by))
    spec = CountSpec(
        time, event, None, None, (("group", groups_by), ("strata", strata_by)),
        "the log-rank test", time_unit=time_unit, levels_of=groups_by,
    )  # fmt: skip
    counts = _collect(data, spec, timefix)
    groups, group_of, _ = _codes(counts, groups_by, counts.levels)
    layers, layer_of, _ = _codes(counts, strata_by)
    k = groups.n_groups
    present = np.bincount(group_of, minlength=k) > 0
    if present.sum() < 2:
        raise GroupError(
            f"a log-rank test needs at least two groups; column(s) {list(groups_by)} "
            f"hold only {groups.labels['group'][present].tolist()!r} among the rows used"
        )
    if not (counts.exits[EVENT].to_numpy() > 0).any():
        raise EmptyDataError("no events in the rows used; the log-rank test is undefined")
    cell = layer_of * k + group_of if strata_by else group_of
    blocks = _tables(counts, cell, None, layers.n_groups * k, k)
    return _logrank.result_from_blocks(
        blocks,
        groups,
        data._meta,
        (groups_by, strata_by),
        weighting_spec,
        trend,
        scores,
        ordered_exclusions(counts),
    )
