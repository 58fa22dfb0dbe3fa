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
from ._events import EventCodes, event_codes, missing_rows

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


def _exclusions(data: pd.DataFrame, by: tuple[str, ...], strata: tuple[str, ...]) -> pd.DataFrame:
    """Rows missing a ``by`` or ``strata`` value (each row listed once)."""
    frames = []
    if by:
        frames.append(exclusions(data, by, "by"))
    if strata:
        seen = data[list(by)].isna().any(axis=1).to_numpy() if by else None
        frames.append(exclusions(data, strata, "strata", already=seen))
    if not any(len(f) for f in frames):
        return empty_exclusions(data)
    return pd.concat([f for f in frames if len(f)], ignore_index=True)


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
    ``excluded`` (a row without an event may lack its time too, e.g. PFS not
    evaluable); any other bad value raises an error naming the rows.
    """
    by_columns = as_columns(by)
    v.require_columns(
        data, time=time, event=event, by=by_columns, entry=entry, weights=weights, strata=strata
    )
    v.require_nonempty(data)
    parsed = event_codes(data, event, censored, causes)
    full, no_event = data, parsed.codes < 0
    if no_event.any():
        data = data.loc[~no_event]
        if len(data) == 0:
            raise EmptyDataError(f"every row has a missing value in the event column {event!r}")
        parsed = EventCodes(parsed.codes[parsed.codes >= 0], parsed.causes)
    stop = v.as_time(data, time)
    case_weights = v.as_weights(data, weights) if weights is not None else None
    start = v.as_entry(data, entry, stop) if entry is not None else None
    grouping: Grouping = group_codes(data, by_columns)
    stratum = group_codes(data, strata)
    excluded = _exclusions(data, by_columns, strata)
    if len(full) != len(data):
        missing = missing_rows(full, no_event, f"missing value in event column {event!r}")
        excluded = pd.concat([missing, excluded], ignore_index=True) if len(excluded) else missing
    keep = (grouping.codes >= 0) & (stratum.codes >= 0)
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
