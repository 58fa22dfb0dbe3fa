"""Endpoints and analysis variables of a validated cohort.

Censoring rules (time origin: date of first ASCT):

* **OS**: death from any cause; the living are censored at their last contact.
* **PFS**: first relapse/progression or death without it, whichever comes
  first; patients without either are censored at their last contact. Where
  the progression status is not known (``progression_status_known == "no"``)
  PFS is missing (``pfs_evaluable`` false).
  ``pfs_cause`` codes the PFS event for competing-risks analysis: 0 censored,
  1 relapse/progression, 2 death without progression.
* **Cause of death**: a death after relapse/progression, or with relapse/
  progression as its cause, is relapse/progression mortality; any other
  death is non-relapse mortality (EBMT's definition: death without prior
  relapse or progression).

Times are in days, months (days / (365.25 / 12)) or years (days / 365.25).

Beside the endpoints, :func:`derive_endpoints` types the schema's covariates
for analysis (categoricals over their code lists, age per 10 years, yes/no as
booleans). How a study groups them (rare subtypes pooled, eras, remission
groups) is the study's: pass its derivation as ``variables`` (see
:meth:`sarcosurv.registry.Cohort.endpoints`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._deprecation import moved_attributes
from ..errors import SarcosurvError
from . import codes

__all__ = ["UNIT_DAYS", "Variables", "derive_endpoints"]

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


def _category(values: pd.Series, categories: tuple[str, ...]) -> pd.Series:
    return pd.Series(
        pd.Categorical(values.where(values.isin(categories)), categories=categories),
        index=values.index,
    )


def _yes_no(series: pd.Series) -> pd.Series:
    return series.map({"yes": True, "no": False}).astype("boolean")


def _times(data: pd.DataFrame, scale: float) -> pd.DataFrame:
    origin = data["date_first_asct"]
    dead = data["vital_status"] == "dead"
    exit_os = data["date_death"].where(dead, data["date_last_followup"])
    known = data["progression_status_known"] == "yes"
    progressed = data["date_progression"].notna()
    pfs_exit = data["date_progression"].where(progressed, exit_os)
    pfs_event = (progressed | dead).astype(float).where(known)
    event_type = np.select(
        [~known, progressed, dead],
        np.array([None, "relapse/progression", "death without progression"], dtype=object),
        "censored",
    )
    relapse_death = dead & (progressed | (data["cause_of_death"] == "Relapse/progression"))
    cause = np.select(
        [~dead, relapse_death], ["alive", "relapse/progression"], "non-relapse mortality"
    )
    return pd.DataFrame(
        {
            "os_time": (exit_os - origin).dt.days / scale,
            "os_event": dead.astype(int),
            "os_cause": pd.Categorical(
                cause, ["alive", "relapse/progression", "non-relapse mortality"]
            ),
            "pfs_time": ((pfs_exit - origin).dt.days / scale).where(known),
            "pfs_event": pfs_event,
            "pfs_evaluable": known,
            "pfs_event_type": pd.Categorical(
                event_type, ["censored", "relapse/progression", "death without progression"]
            ),
            # Competing-risks coding of the PFS event (sarcosurv.cumulative_incidence):
            # 0 censored, 1 relapse/progression, 2 death without progression.
            "pfs_cause": np.select([progressed, dead], [1.0, 2.0], 0.0),
        },
        index=data.index,
    ).assign(pfs_cause=lambda frame: frame["pfs_cause"].where(known))


def _covariates(data: pd.DataFrame) -> pd.DataFrame:
    """The schema's covariates typed for analysis, without any grouping of codes."""
    out = pd.DataFrame(index=data.index)
    age = data["age_at_asct"].astype(float)
    out["age_at_asct"] = age
    out["age10"] = age / 10.0
    out["sex"] = _category(data["sex"], codes.SEX)
    out["histology"] = _category(data["histology"], codes.HISTOLOGY)
    grade = ("Grade " + data["grade"].astype(str)).where(data["grade"] != "unknown")
    out["grade"] = _category(grade, ("Grade 1", "Grade 2", "Grade 3"))
    known = tuple(c for c in codes.REMISSION if c != "unknown")
    out["remission_before"] = _category(data["remission_before_asct"], known)
    regimens = tuple(c for c in codes.PREPARATIVE_REGIMEN if c != "unknown")
    out["regimen"] = _category(data["preparative_regimen"], regimens)
    out["year_first_asct"] = data["date_first_asct"].dt.year.astype(int)
    out["remission_after"] = _category(data["remission_after_last_asct"], known)
    for name in (
        "metastatic_at_diagnosis",
        "prior_surgery",
        "prior_radiotherapy",
        "prior_chemotherapy",
    ):
        out[name] = (
            _yes_no(data[name])
            if name in data.columns
            else pd.array([pd.NA] * len(data), "boolean")
        )
    lines = data["n_prior_chemo_lines"] if "n_prior_chemo_lines" in data.columns else np.nan
    out["n_prior_chemo_lines"] = pd.Series(lines, index=data.index).astype("Int64")
    return out


def derive_endpoints(
    data: pd.DataFrame, unit: Unit = "months", variables: Variables | None = None
) -> pd.DataFrame:
    """OS, PFS and the typed covariates of a validated cohort, one row per patient.

    ``variables``, a study's derivation, receives the typed cohort data and
    returns columns (same index) that replace covariates of the same name in
    place or are appended.
    """
    if unit not in UNIT_DAYS:
        raise SarcosurvError(f"unit must be 'days', 'months' or 'years', not {unit!r}")
    out = data[["patient_id", "centre_id"]].copy()
    out = out.join(_times(data, UNIT_DAYS[unit]))
    out = out.join(_covariates(data))
    if variables is not None:
        extra = variables(data)
        for name in extra.columns:
            out[name] = extra[name]
    return out.reset_index(drop=True)
