"""Endpoints of a validated cohort, derived from the schema's :class:`~.schema.Endpoint` s.

For an endpoint with events :math:`E_1, \\dots, E_K` (event :math:`k` at date
:math:`d_{ik}` where its condition holds, else never), origin :math:`o_i` and
censoring date :math:`c_i`:

.. math::

    T_i = \\min(\\min_k d_{ik}, c_i) - o_i, \\qquad
    \\text{cause}_i = \\operatorname{argmin}_k d_{ik} \\text{ (0 if no event)}

in days, then months (days / (365.25 / 12)) or years (days / 365.25). On a
tie the event listed first wins. With one event, ``<name>_event`` is 0/1;
with two or more, ``<name>_cause`` codes 0 censored, 1..K for
:func:`sarcosurv.cumulative_incidence` (competing risks, e.g. relapse vs
non-relapse mortality) and ``<name>_event`` is 1 for any event (relapse-free
survival). Where the endpoint's ``evaluable`` condition fails, its columns are
missing.

Beside the endpoints, the schema's ``derive`` types the covariates (by
default every coded, numeric and text column: codes as categoricals with
``unknown`` missing, yes/no codes as booleans). How a study groups them is the
study's: pass its derivation as ``variables`` (see
:meth:`sarcosurv.registry.Cohort.endpoints`).

Examples
--------
>>> from sarcosurv.registry import Cohort
>>> from sarcosurv.studies import transplant
>>> extract = transplant.synthetic_extract(n=50, seed=2)
>>> table = Cohort.from_frame(extract, schema=transplant.SCHEMA).endpoints(unit="years")
>>> table[["relapse_time", "relapse_cause"]].shape
(50, 2)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._deprecation import moved_attributes
from ..errors import SarcosurvError
from .schema import Column, Endpoint, RegistrySchema, When, default_schema

__all__ = ["UNIT_DAYS", "Variables", "derive_endpoints", "endpoint_columns"]

Unit = Literal["days", "months", "years"]
UNIT_DAYS: dict[str, float] = {"days": 1.0, "months": 365.25 / 12.0, "years": 365.25}

#: A study's analysis variables: typed cohort data -> columns to add or replace.
Variables = Callable[[pd.DataFrame], pd.DataFrame]

_MOVED = ("HISTOLOGY_GROUPS", "YEAR_GROUPS")
_moved = moved_attributes(
    __name__, {name: f"sarcosurv.studies.heilig2020.codes:{name}" for name in _MOVED}
)


def __getattr__(name: str) -> Any:
    return _moved(name)


def _holds(data: pd.DataFrame, when: When | None) -> pd.Series:
    if when is None:
        return pd.Series(True, index=data.index)
    return data[when.column].isin(when.codes)


def endpoint_columns(
    data: pd.DataFrame, endpoint: Endpoint, origin: str, scale: float
) -> pd.DataFrame:
    """The columns of one endpoint (see the module docstring), same index as ``data``."""
    start = data[origin]
    days = np.column_stack(
        [
            ((data[e.date] - start).dt.days.where(_holds(data, e.when))).to_numpy(dtype=float)
            for e in endpoint.events
        ]
    )
    days = np.where(np.isnan(days), np.inf, days)
    first = days.argmin(axis=1)
    event_days = days[np.arange(len(data)), first]
    occurred = np.isfinite(event_days)
    censor_days = (data[endpoint.censor] - start).dt.days.to_numpy(dtype=float)
    time = np.where(occurred, event_days, censor_days)
    cause = np.where(occurred, first + 1, 0)
    if endpoint.horizon is not None:
        late = time > endpoint.horizon
        time, cause = np.where(late, endpoint.horizon, time), np.where(late, 0, cause)
    evaluable = _holds(data, endpoint.evaluable).to_numpy(dtype=bool)
    name, out = endpoint.name, pd.DataFrame(index=data.index)
    out[f"{name}_time"] = np.where(evaluable, time / scale, np.nan)
    event = (cause > 0).astype(int)
    if endpoint.evaluable is None:
        out[f"{name}_event"] = event
    else:
        out[f"{name}_event"] = np.where(evaluable, event, np.nan)
    if endpoint.evaluable is not None:
        out[f"{name}_evaluable"] = evaluable
    if len(endpoint.events) > 1:
        labels = ["censored", *(e.label for e in endpoint.events)]
        codes = np.where(evaluable, cause, -1).astype(np.int64)
        out[f"{name}_event_type"] = pd.Categorical.from_codes(codes, categories=pd.Index(labels))
        out[f"{name}_cause"] = np.where(evaluable, cause.astype(float), np.nan)
    return out


def _typed_column(values: pd.Series, column: Column) -> pd.Series:
    if column.kind == "code":
        known = tuple(c for c in column.codes if c != "unknown")
        if set(known) == {"yes", "no"}:
            return values.map({"yes": True, "no": False}).astype("boolean")
        categorical = pd.Categorical(values.where(values.isin(known)), categories=known)
        return pd.Series(categorical, index=values.index)
    if column.kind == "integer":
        return values.astype("Int64")
    return values


def default_covariates(data: pd.DataFrame, schema: RegistrySchema) -> pd.DataFrame:
    """Every coded, numeric and text column of ``data`` typed for analysis."""
    skip = {schema.id, schema.cluster}
    wanted = [c for c in schema.columns if c.kind != "date" and c.name not in skip]
    return pd.DataFrame({c.name: _typed_column(data[c.name], c) for c in wanted}, index=data.index)


def _place(out: pd.DataFrame, derived: pd.DataFrame, endpoints: list[str]) -> pd.DataFrame:
    """Replace columns of the same name in place; ``<endpoint>_...`` after that endpoint."""
    for name in derived.columns:
        out[name] = derived[name]
    order = list(out.columns)
    for name in derived.columns:
        owner = [e for e in endpoints if name.startswith(f"{e}_")]
        if owner and name not in {f"{owner[0]}_{s}" for s in ("time", "event")}:
            order.remove(name)
            block = [i for i, c in enumerate(order) if c.startswith(f"{owner[0]}_")]
            order.insert(block[-1] + 1 if block else len(order), name)
    return out[order]


def derive_endpoints(
    data: pd.DataFrame,
    unit: Unit = "months",
    variables: Variables | None = None,
    schema: RegistrySchema | None = None,
) -> pd.DataFrame:
    """The schema's endpoints and typed covariates of a validated cohort, one row per patient.

    ``variables``, a study's derivation, receives the typed cohort data and
    returns columns (same index) that replace covariates of the same name in
    place or are appended.
    """
    if unit not in UNIT_DAYS:
        raise SarcosurvError(f"unit must be 'days', 'months' or 'years', not {unit!r}")
    if schema is None:
        schema = default_schema()
    keys = [schema.id] + ([schema.cluster] if schema.cluster else [])
    out = data[keys].copy()
    for endpoint in schema.endpoints:
        out = out.join(endpoint_columns(data, endpoint, schema.origin, UNIT_DAYS[unit]))
    if schema.derive is not None:
        out = _place(out, schema.derive(data), [e.name for e in schema.endpoints])
    else:
        out = out.join(default_covariates(data, schema))
    if variables is not None:
        extra = variables(data)
        for name in extra.columns:
            out[name] = extra[name]
    return out.reset_index(drop=True)
