"""Columns of a competing-risks call turned into clean arrays, with excluded rows listed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from .. import _validate as v
from .._grouping import Grouping, as_columns, empty_exclusions, exclusions, group_codes
from ..errors import EmptyDataError
from ._events import event_codes, missing_rows

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

__all__ = ["CompetingData", "prepare"]


@dataclass(frozen=True)
class CompetingData:
    """The kept rows as arrays: time, event code, group code, entry and weights."""

    time: FloatArray
    code: IntArray
    group: IntArray
    entry: FloatArray | None
    weights: FloatArray | None
    causes: tuple[object, ...]
    labels: pd.DataFrame
    by: tuple[str, ...]
    excluded: pd.DataFrame
    stratum: IntArray
    n_strata: int

    @property
    def n_groups(self) -> int:
        return len(self.labels)


def _exclusions(
    data: pd.DataFrame, event: str, codes: IntArray, by: tuple[str, ...], strata: tuple[str, ...]
) -> tuple[pd.DataFrame, npt.NDArray[np.bool_]]:
    no_event = codes < 0
    frames = []
    if no_event.any():
        frames.append(missing_rows(data, no_event, f"missing value in event column {event!r}"))
    if by:
        frames.append(exclusions(data, by, "by", already=no_event))
    if strata:
        seen = no_event | data[list(by)].isna().any(axis=1).to_numpy() if by else no_event
        frames.append(exclusions(data, strata, "strata", already=seen))
    if not any(len(f) for f in frames):
        return empty_exclusions(data), no_event
    table = pd.concat([f for f in frames if len(f)], ignore_index=True)
    return table, no_event


def prepare(
    data: pd.DataFrame,
    time: str,
    event: str,
    by: str | Sequence[str] | None = None,
    entry: str | None = None,
    weights: str | None = None,
    censored: object = None,
    causes: Sequence[object] | None = None,
    strata: tuple[str, ...] = (),
) -> CompetingData:
    """Validate the columns and return the rows kept for estimation.

    Rows with a missing event or ``by`` value are left out and listed in
    ``excluded``; any other bad value raises an error naming the rows.
    """
    by_columns = as_columns(by)
    v.require_columns(
        data, time=time, event=event, by=by_columns, entry=entry, weights=weights, strata=strata
    )
    v.require_nonempty(data)
    stop = v.as_time(data, time)
    parsed = event_codes(data, event, censored, causes)
    case_weights = v.as_weights(data, weights) if weights is not None else None
    start = v.as_entry(data, entry, stop) if entry is not None else None
    grouping: Grouping = group_codes(data, by_columns)
    stratum = group_codes(data, strata)
    excluded, no_event = _exclusions(data, event, parsed.codes, by_columns, strata)
    keep = (grouping.codes >= 0) & (stratum.codes >= 0) & ~no_event
    if not keep.any():
        raise EmptyDataError("every row has a missing event, by or strata value")
    codes, groups, strata_codes = parsed.codes, grouping.codes, stratum.codes
    if not keep.all():
        stop, codes, groups = stop[keep], codes[keep], groups[keep]
        strata_codes = strata_codes[keep]
        case_weights = case_weights[keep] if case_weights is not None else None
        start = start[keep] if start is not None else None
    return CompetingData(
        time=stop,
        code=codes,
        group=groups,
        entry=start,
        weights=case_weights,
        causes=parsed.causes,
        labels=grouping.labels,
        by=by_columns,
        excluded=excluded,
        stratum=strata_codes,
        n_strata=stratum.n_groups,
    )
