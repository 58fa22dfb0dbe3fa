"""The first passes of a Cox fit on Dask: categorical levels, then design statistics.

Formulas are evaluated per partition by the in-memory front end
(:func:`sarcosurv.cox.formula.build_design`, same validation and messages).
For every partition to give the same design columns, text, boolean and
categorical columns of the model are first cast to one categorical dtype whose
levels were gathered over the complete rows of all partitions. Stateful
transforms whose parameters come from the data (``center()``, ``scale()``,
spline bases with data-chosen knots, ...) would be fitted per partition, so
they are refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .. import _validate as v
from ..cox.formula import _exclusions, build_design, complete_rows, parse_formula, resolve_columns
from ..errors import FormulaError, InvalidDataError
from ._cox_kernels import Rows
from ._engine import UnsupportedOnDaskError

FloatArray = npt.NDArray[np.float64]

__all__ = ["Plan", "Summary", "combine_levels", "combine_summaries", "design_rows", "summarise"]

_STATEFUL = re.compile(r"\b(center|scale|standardize|bs|cr|cs|cc|te|poly|hashed|lag)\s*\(")


def refuse_stateful(formula: str) -> None:
    """Stateful transforms would be fitted on each partition separately: refuse them."""
    found = _STATEFUL.search(formula)
    if found:
        raise UnsupportedOnDaskError(
            f"the data-dependent (stateful) transform {found.group(1)}() in a formula"
        )


def model_columns(formula: str, extra: list[str]) -> tuple[list[str], list[str]]:
    """Survival columns and the other columns of the model (covariates, strata, ...)."""
    parsed = parse_formula(formula)
    return list(parsed.surv_columns), list(dict.fromkeys([*parsed.columns, *extra]))


def level_columns(meta: pd.DataFrame, columns: list[str]) -> list[str]:
    """Model columns whose values are levels (text, boolean, categorical)."""
    out = []
    for column in columns:
        dtype = meta[column].dtype
        if not pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
            out.append(column)
    return out


def partition_levels(part: pd.DataFrame, model: list[str], columns: list[str]) -> dict[str, Any]:
    """Distinct values of ``columns`` over the partition's complete rows of the model."""
    complete = part[model].dropna()
    return {c: pd.unique(complete[c].to_numpy()) for c in columns}


def combine_levels(*parts: dict[str, Any]) -> dict[str, Any]:
    return {c: pd.unique(np.concatenate([p[c] for p in parts])) for c in parts[0]}


@dataclass(frozen=True)
class Plan:
    """What every partition needs to build its rows the same way."""

    formula: str
    extra: list[str]
    weights: str | None
    strata: list[str]
    cluster: str | None
    dtypes: dict[str, pd.CategoricalDtype] = field(default_factory=dict)
    keep: list[int] = field(default_factory=list)
    centre: FloatArray = field(default_factory=lambda: np.zeros(0))
    strata_index: pd.Index = field(default_factory=lambda: pd.Index([]))
    time_unit: str | None = None
    #: R's aeqSurv merge decided on all partitions' distinct times: (moved raw values, sorted;
    #: the value each becomes). None: no time moves (or timefix=False).
    time_map: tuple[FloatArray, FloatArray] | None = None


def remap_times(values: FloatArray, time_map: tuple[FloatArray, FloatArray] | None) -> FloatArray:
    """Times after the global ``timefix`` merge (a lookup of the moved values only)."""
    if time_map is None or values.size == 0:
        return values
    moved, target = time_map
    position = np.searchsorted(moved, values).clip(0, max(moved.size - 1, 0))
    hit = moved[position] == values
    return np.where(hit, target[position], values)


def _cast(part: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    if not plan.dtypes:
        return part
    return part.astype({c: d for c, d in plan.dtypes.items() if part[c].dtype != d})


def stratum_keys(used: pd.DataFrame, strata: list[str]) -> pd.Index:
    """The stratum of every row as ``coxph`` labels it (several columns joined by ", ")."""
    frame = used[strata]
    if len(strata) == 1:
        values = np.asarray(frame.iloc[:, 0].to_numpy())
    else:
        values = np.asarray(frame.astype(str).agg(", ".join, axis=1).to_numpy())
    index: pd.Index = pd.Index(values)
    return index


@dataclass(frozen=True)
class Summary:
    """Design statistics of some partitions (added across partitions)."""

    names: tuple[str, ...] | None  # None: no complete rows in these partitions
    term_columns: dict[str, list[int]]
    n: int
    mean: FloatArray
    m2: FloatArray  # centred sums of squares and products
    event_x: FloatArray  # sum of w x over the event rows (uncentred)
    events: pd.DataFrame  # stratum, time, n_event, weight
    excluded: pd.DataFrame
    n_event: int
    event_weight_positive: bool
    fractional: bool
    finite: bool
    times: FloatArray  # distinct raw exit times of the used rows (for timefix)
    entries: FloatArray | None  # distinct raw entry times


def _no_complete_rows(part: pd.DataFrame, plan: Plan) -> pd.DataFrame | None:
    """The exclusion table when no row of the partition is a complete case, else None.

    Such partitions (and empty ones, common after filtering a Dask DataFrame)
    contribute no rows; the in-memory front end would refuse them as data.
    """
    parsed = parse_formula(plan.formula)
    columns = [*resolve_columns(part, parsed.surv_columns, "survival")]
    columns += [*resolve_columns(part, parsed.columns, "covariate"), *plan.extra]
    if len(part) and part[columns].notna().all(axis=1).any():
        return None
    return _exclusions(part, columns)[1]


def _design(part: pd.DataFrame, plan: Plan) -> tuple[Any, pd.DataFrame, FloatArray]:
    """The in-memory design of the partition, with times merged by the global timefix."""
    design = build_design(
        plan.formula, _cast(part, plan), plan.extra, timefix=False, time_unit=plan.time_unit
    )
    used = complete_rows(part, design.used, [*design.surv_columns, *plan.extra])
    weight = v.as_weights(used, plan.weights) if plan.weights else np.ones(len(used))
    if plan.time_map is not None:
        stop = remap_times(design.stop, plan.time_map)
        start = None if design.start is None else remap_times(design.start, plan.time_map)
        if start is not None and (start >= stop).any():
            raise InvalidDataError(
                str(design.surv_columns[0]),
                list(used.index[np.flatnonzero(start >= stop)]),
                "entry and exit times are equal up to rounding (R aeqSurv: an interval has "
                "effective length 0); round the times or pass timefix=False",
            )
        design = replace(design, stop=stop, start=start)
    return design, used, weight


def _empty_summary(excluded: pd.DataFrame) -> Summary:
    none = np.zeros(0)
    events = pd.DataFrame({"stratum": [], "time": none, "n_event": none, "weight": none})
    return Summary(
        None, {}, 0, none, none, none, events, excluded, 0, False, False, True, none, None
    )


def summarise(part: pd.DataFrame, plan: Plan) -> Summary:
    """Pass one: design columns, moments, event times per stratum, exclusions."""
    excluded = _no_complete_rows(part, plan)
    if excluded is not None:
        return _empty_summary(excluded)
    design, used, weight = _design(part, plan)
    x = design.covariates
    n = x.shape[0]
    mean = x.mean(axis=0) if n else np.zeros(x.shape[1])
    centred = x - mean
    with np.errstate(over="ignore", invalid="ignore"):
        m2 = centred.T @ centred
    died = design.event
    keys = stratum_keys(used, plan.strata) if plan.strata else pd.Index(np.zeros(n, np.intp))
    events = pd.DataFrame(
        {"stratum": keys[died], "time": design.stop[died], "n_event": 1.0, "weight": weight[died]}
    )
    events = events.groupby(["stratum", "time"], sort=False).sum().reset_index()
    return Summary(
        names=tuple(design.column_names),
        term_columns=design.term_columns,
        n=n,
        mean=mean,
        m2=m2,
        event_x=weight[died] @ x[died],
        events=events,
        excluded=design.excluded,
        n_event=int(died.sum()),
        event_weight_positive=bool((weight[died] > 0).any()),
        fractional=bool(np.any(weight != np.floor(weight))),
        finite=bool(np.isfinite(m2).all()),
        times=np.unique(design.stop),
        entries=None if design.start is None else np.unique(design.start),
    )


def combine_summaries(*parts: Summary) -> Summary:
    """Merge summaries; centred moments by Chan et al.'s (1979) pairwise update."""
    excluded = [p.excluded for p in parts if len(p.excluded)] or [parts[0].excluded]
    with_rows = [p for p in parts if p.names is not None]
    if not with_rows:
        return _empty_summary(pd.concat(excluded, ignore_index=True))
    first = with_rows[0]
    for other in with_rows[1:]:
        if other.names != first.names:
            raise FormulaError(
                f"the formula gives different design columns on different partitions "
                f"({list(first.names or ())} and {list(other.names or ())}): make the "
                "columns of C(...) terms categorical with fixed categories before fitting"
            )
    parts = tuple(with_rows)
    n, mean, m2 = 0, first.mean * 0.0, first.m2 * 0.0
    for p in parts:
        total = n + p.n
        if total:
            delta = p.mean - mean
            m2 = m2 + p.m2 + np.outer(delta, delta) * (n * p.n / total)
            mean = mean + delta * (p.n / total)
        n = total
    events = pd.concat([p.events for p in parts], ignore_index=True)
    return Summary(
        names=first.names,
        term_columns=first.term_columns,
        n=n,
        mean=mean,
        m2=m2,
        event_x=np.sum([p.event_x for p in parts], axis=0),
        events=events.groupby(["stratum", "time"], sort=False).sum().reset_index(),
        excluded=pd.concat(excluded, ignore_index=True),
        n_event=sum(p.n_event for p in parts),
        event_weight_positive=any(p.event_weight_positive for p in parts),
        fractional=any(p.fractional for p in parts),
        finite=all(p.finite for p in parts),
        times=np.unique(np.concatenate([p.times for p in parts])),
        entries=_distinct([p.entries for p in parts]),
    )


def _distinct(arrays: list[FloatArray | None]) -> FloatArray | None:
    present = [a for a in arrays if a is not None]
    return np.unique(np.concatenate(present)) if present else None


def design_rows(part: pd.DataFrame, plan: Plan) -> tuple[Rows, npt.NDArray[Any] | None]:
    """The partition's used rows for the sums, and their cluster labels."""
    if _no_complete_rows(part, plan) is not None:
        p = len(plan.keep)
        none = np.zeros(0)
        empty = Rows(none, none, np.zeros(0, bool), np.zeros((0, p)), none, np.zeros(0, np.intp))
        return empty, (np.zeros(0) if plan.cluster else None)
    design, used, weight = _design(part, plan)
    x = design.covariates[:, plan.keep] - plan.centre
    if plan.strata:
        codes = plan.strata_index.get_indexer(stratum_keys(used, plan.strata))
    else:
        codes = np.zeros(len(used), dtype=np.intp)
    rows = Rows(design.stop, design.start, design.event, x, weight, codes.astype(np.intp))
    cluster = used[plan.cluster].to_numpy() if plan.cluster else None
    return rows, cluster
