"""Endpoints and analysis variables of a validated cohort.

Censoring rules (time origin: date of first ASCT):

* **OS**: death from any cause; the living are censored at their last contact.
* **PFS**: first relapse/progression or death without it, whichever comes
  first; patients without either are censored at their last contact. Where
  the progression status is not known (``progression_status_known == "no"``)
  PFS is missing (``pfs_evaluable`` false), as in Heilig et al. 2020 (301 of 338).
  ``pfs_cause`` codes the PFS event for competing-risks analysis: 0 censored,
  1 relapse/progression, 2 death without progression.
* **Cause of death**: a death after relapse/progression, or with relapse/
  progression as its cause, is relapse/progression mortality; any other
  death is non-relapse mortality (EBMT's definition: death without prior
  relapse or progression).

Times are in days, months (days / (365.25 / 12)) or years (days / 365.25).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from ..errors import SarcosurvError
from . import codes

__all__ = ["UNIT_DAYS", "derive_endpoints"]

Unit = Literal["days", "months", "years"]
UNIT_DAYS: dict[str, float] = {"days": 1.0, "months": 365.25 / 12.0, "years": 365.25}

HISTOLOGY_GROUPS = (
    "Leiomyosarcoma",
    "Liposarcoma",
    "Synovial sarcoma",
    "Angiosarcoma",
    "Other sarcoma",
)
YEAR_GROUPS = ("1996-2000", "2001-2005", "2006-2016")


def _category(values: pd.Series, categories: tuple[str, ...]) -> pd.Series:
    return pd.Series(
        pd.Categorical(values.where(values.isin(categories)), categories=categories),
        index=values.index,
    )


def _yes_no(series: pd.Series) -> pd.Series:
    return series.map({"yes": True, "no": False}).astype("boolean")


def _histology(data: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    table1 = data["histology"].map(codes.HISTOLOGY_TABLE1)
    counts = table1.value_counts()
    # Subtypes with 10 or fewer cases join "Other sarcoma" (the paper's rule).
    keep = {h for h, n in counts.items() if n > 10 and h != "Other STS"}
    group = table1.where(table1.isin(keep), "Other sarcoma")
    order = tuple(h for h in HISTOLOGY_GROUPS if h in set(group)) + tuple(
        sorted(set(group) - set(HISTOLOGY_GROUPS))
    )
    return table1, pd.Series(pd.Categorical(group, categories=order), index=data.index)


def _year_group(year: pd.Series) -> pd.Series:
    """The paper's eras; transplants outside 1996-2016 (other eligibility) are missing."""
    groups = pd.cut(year, bins=[1995, 2000, 2005, 2016], labels=list(YEAR_GROUPS))
    return pd.Series(pd.Categorical(groups, categories=YEAR_GROUPS), index=year.index)


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


def derive_endpoints(data: pd.DataFrame, unit: Unit = "months") -> pd.DataFrame:
    """OS, PFS and the analysis variables of Heilig et al. (2020), one row per patient."""
    if unit not in UNIT_DAYS:
        raise SarcosurvError(f"unit must be 'days', 'months' or 'years', not {unit!r}")
    out = data[["patient_id", "centre_id"]].copy()
    out = out.join(_times(data, UNIT_DAYS[unit]))
    age = data["age_at_asct"].astype(float)
    out["age_at_asct"] = age
    out["age10"] = age / 10.0
    median = float(np.median(age)) if len(age) else float("nan")
    labels = (f"<={median:.1f}", f">{median:.1f}")
    out["age_group"] = pd.Categorical(np.where(age <= median, *labels), categories=labels)
    out["sex"] = _category(data["sex"], codes.SEX)
    out["histology"], out["histology_group"] = _histology(data)
    grade = ("Grade " + data["grade"].astype(str)).where(data["grade"] != "unknown")
    out["grade"] = _category(grade, ("Grade 1", "Grade 2", "Grade 3"))
    remission = data["remission_before_asct"]
    out["remission_before"] = _category(remission, ("CR/NED", "PR", "SD", "PD"))
    out["remission_group"] = _category(
        remission.map(codes.REMISSION_GROUP), ("CR/NED", "PR+SD", "PD")
    )
    cr = remission.map({"CR/NED": "CR", "PR": "non-CR", "SD": "non-CR", "PD": "non-CR"})
    out["remission_cr"] = _category(cr, ("CR", "non-CR"))
    regimen = data["preparative_regimen"]
    out["regimen"] = _category(
        regimen, ("PEI/CEI", "Other platinum based", "Melphalan based", "Other")
    )
    out["regimen_group"] = _category(
        regimen.map(codes.REGIMEN_GROUP), ("Platinum based", "Melphalan based", "Other")
    )
    year = data["date_first_asct"].dt.year
    out["year_first_asct"] = year.astype(int)
    out["year_group"] = _year_group(year)
    out["remission_after"] = _category(
        data["remission_after_last_asct"], ("CR/NED", "PR", "SD", "PD")
    )
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
    return out.reset_index(drop=True)
