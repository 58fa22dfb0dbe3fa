"""Per-partition counts behind Kaplan–Meier, log-rank and median follow-up on Dask.

Each partition is validated exactly as an in-memory frame would be
(:meth:`sarcosurv.Surv.from_frame`: a bad value raises naming its row), rows
with a missing grouping value are listed, and the kept rows are reduced to
counts per (grouping values, distinct raw exit time): rows, weighted exits and
weighted events, plus weighted entries per (grouping values, distinct entry
time). These add across partitions. On the client, R's ``aeqSurv`` merge
(``timefix``) is applied to the distinct times, which is the same as applying
it to every row because the rule depends only on the set of distinct values.

The client holds one record per (cell, distinct time): about 40 bytes per
distinct time and cell, e.g. 4 GB for 10^8 distinct continuous times.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._grouping import exclusions
from ..errors import InvalidDataError
from ..surv import Surv, aeq_times

__all__ = ["CountSpec", "Counts", "combine_counts", "count_partition", "fix_times"]

FloatArray = npt.NDArray[np.float64]

TIME, ENTRY = "__sarcosurv_time__", "__sarcosurv_entry__"
ROWS, EXIT, EVENT, WEIGHT = "n_rows", "n_exit", "n_event", "weight"
STAGE = "__sarcosurv_stage__"


@dataclass(frozen=True)
class CountSpec:
    """What one pass counts: the response columns and the grouping roles."""

    time: str
    event: str
    entry: str | None
    weights: str | None
    roles: tuple[tuple[str, tuple[str, ...]], ...]  # (role, columns), e.g. ("by", ("arm",))
    estimator: str
    reverse: bool = False  # count censorings as the events (reverse Kaplan-Meier)
    time_unit: str | None = None
    levels_of: tuple[str, ...] = ()  # columns whose present combinations are also listed

    @property
    def keys(self) -> list[str]:
        return list(dict.fromkeys(c for _, columns in self.roles for c in columns))


@dataclass(frozen=True)
class Counts:
    """Additive summary of some partitions (see the module docstring)."""

    exits: pd.DataFrame  # keys..., TIME, n_rows, n_exit, n_event
    entries: pd.DataFrame | None  # keys..., ENTRY, weight
    excluded: pd.DataFrame  # row, [patient_id,] reason, STAGE
    levels: pd.DataFrame | None  # present combinations of spec.levels_of
    n_input: int


def _excluded(part: pd.DataFrame, spec: CountSpec) -> tuple[pd.DataFrame, npt.NDArray[np.bool_]]:
    """Rows missing a grouping value, tagged with (role, column) order for the merge."""
    seen = np.zeros(len(part), dtype=bool)
    frames = []
    stage = 0
    for role, columns in spec.roles:
        for column in columns:
            frame = exclusions(part, (column,), role, already=seen)
            seen |= part[column].isna().to_numpy()
            frames.append(frame.assign(**{STAGE: stage}))
            stage += 1
    return _concat_excluded(frames, part), seen


def _concat_excluded(frames: list[pd.DataFrame], part: pd.DataFrame | None) -> pd.DataFrame:
    """Concatenate exclusion tables, skipping empty ones (their columns are object-typed)."""
    nonempty = [f for f in frames if len(f)]
    if not nonempty:
        if frames:
            return frames[0]
        assert part is not None
        return exclusions(part, (), "by").assign(**{STAGE: 0})
    return pd.concat(nonempty, ignore_index=True) if len(nonempty) > 1 else nonempty[0]


def count_partition(part: pd.DataFrame, spec: CountSpec) -> Counts:
    """Validate one partition and count its kept rows per (grouping values, time)."""
    keys = spec.keys
    if len(part) == 0:
        return _empty_counts(part, spec)
    surv = Surv.from_frame(
        part, spec.time, spec.event, spec.entry, spec.weights, timefix=False,
        time_unit=spec.time_unit,
    )  # fmt: skip
    surv.require_single_event(spec.estimator)
    excluded, missing = _excluded(part, spec)
    keep = ~missing
    died = surv.event == 0 if spec.reverse else surv.event > 0
    weight = np.ones(surv.n) if surv.weights is None else surv.weights
    positions = np.flatnonzero(keep)
    frame = (
        part[keys].iloc[positions].reset_index(drop=True) if keys else pd.DataFrame(index=positions)
    )
    if not keys:
        frame = frame.reset_index(drop=True)
    frame[TIME] = surv.time[keep]
    frame[ROWS] = 1.0
    frame[EXIT] = weight[keep]
    frame[EVENT] = np.where(died, weight, 0.0)[keep]
    exits = frame.groupby([*keys, TIME], sort=False, observed=True).sum().reset_index()
    entries = None
    if surv.entry is not None:
        start = pd.DataFrame({k: frame[k] for k in keys})
        start[ENTRY] = surv.entry[keep]
        start[WEIGHT] = weight[keep]
        entries = start.groupby([*keys, ENTRY], sort=False, observed=True).sum().reset_index()
    levels = None
    if spec.levels_of:
        levels = part[list(spec.levels_of)].dropna().drop_duplicates()
    return Counts(exits, entries, excluded, levels, len(part))


def _empty_counts(part: pd.DataFrame, spec: CountSpec) -> Counts:
    keys = spec.keys
    exits = pd.DataFrame({k: part[k].iloc[:0] for k in keys})
    for column in (TIME, ROWS, EXIT, EVENT):
        exits[column] = np.zeros(0)
    entries = None
    if spec.entry is not None:
        entries = pd.DataFrame({k: part[k].iloc[:0] for k in keys})
        entries[ENTRY] = np.zeros(0)
        entries[WEIGHT] = np.zeros(0)
    excluded = exclusions(part, (), "by").assign(**{STAGE: 0})
    levels = part[list(spec.levels_of)].iloc[:0] if spec.levels_of else None
    return Counts(exits, entries, excluded, levels, 0)


def _regroup(frames: list[pd.DataFrame], by: list[str]) -> pd.DataFrame:
    nonempty = [f for f in frames if len(f)] or frames[:1]
    joined = pd.concat(nonempty, ignore_index=True) if len(nonempty) > 1 else nonempty[0]
    return joined.groupby(by, sort=False, observed=True).sum().reset_index()


def combine_counts(*parts: Counts) -> Counts:
    """Sum the counts of several partitions (associative; keeps partition order)."""
    first = parts[0]
    time_keys = [c for c in first.exits.columns if c not in (ROWS, EXIT, EVENT)]
    exits = _regroup([p.exits for p in parts], time_keys)
    entries = None
    if first.entries is not None:
        entry_keys = [c for c in first.entries.columns if c != WEIGHT]
        entries = _regroup([p.entries for p in parts if p.entries is not None], entry_keys)
    excluded = _concat_excluded([p.excluded for p in parts], None)
    levels = None
    if first.levels is not None:
        frames = [p.levels for p in parts if p.levels is not None]
        levels = pd.concat(frames, ignore_index=True).drop_duplicates()
    return Counts(exits, entries, excluded, levels, sum(p.n_input for p in parts))


def ordered_exclusions(counts: Counts) -> pd.DataFrame:
    """The exclusion table in the in-memory order: by role and column, then by row."""
    table = counts.excluded.sort_values(STAGE, kind="stable").drop(columns=STAGE)
    return table.reset_index(drop=True)


def fix_times(counts: Counts, spec: CountSpec, timefix: bool) -> tuple[Counts, bool]:
    """Apply R's ``aeqSurv`` merge to the distinct times; also say whether any time moved."""
    if not timefix or len(counts.exits) == 0:
        return counts, False
    exit_times = counts.exits[TIME].to_numpy(dtype=np.float64)
    entry_times = None if counts.entries is None else counts.entries[ENTRY].to_numpy(np.float64)
    distinct = [np.unique(exit_times)]
    if entry_times is not None:
        distinct.append(np.unique(entry_times))
    fixed = aeq_times(*distinct)
    if all(a is b for a, b in zip(fixed, distinct, strict=True)):
        return counts, False
    exits = counts.exits.assign(**{TIME: _lookup(distinct[0], fixed[0], exit_times)})
    exits = _regroup([exits], [*spec.keys, TIME])
    entries = counts.entries
    if entries is not None and entry_times is not None:
        entries = entries.assign(**{ENTRY: _lookup(distinct[1], fixed[1], entry_times)})
        entries = _regroup([entries], [*spec.keys, ENTRY])
    moved = Counts(exits, entries, counts.excluded, counts.levels, counts.n_input)
    return moved, True


def _lookup(distinct: FloatArray, fixed: FloatArray, values: FloatArray) -> FloatArray:
    return np.asarray(fixed[np.searchsorted(distinct, values)], np.float64)


def check_collapsed(part: pd.DataFrame, spec: CountSpec, merged: FloatArray) -> int:
    """Raise when timefix makes a row's entry equal its exit (as the in-memory check)."""
    if len(part) == 0 or spec.entry is None:
        return 0
    surv = Surv.from_frame(
        part, spec.time, spec.event, spec.entry, spec.weights, timefix=False,
        time_unit=spec.time_unit,
    )  # fmt: skip
    assert surv.entry is not None
    distinct, fixed = merged[0], merged[1]
    entry = fixed[np.searchsorted(distinct, surv.entry).clip(0, distinct.size - 1)]
    time = fixed[np.searchsorted(distinct, surv.time).clip(0, distinct.size - 1)]
    collapsed = entry >= time
    if collapsed.any():
        rows = list(part.index[np.flatnonzero(collapsed)])
        raise InvalidDataError(
            spec.entry,
            rows,
            "entry and exit times are equal up to rounding (R aeqSurv: an interval has "
            "effective length 0); round the times or pass timefix=False",
        )
    return 0
