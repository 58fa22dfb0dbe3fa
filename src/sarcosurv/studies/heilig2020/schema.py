"""The EBMT sarcoma extract as a registry schema: one row per patient's first autologous ASCT.

One instance of :class:`sarcosurv.registry.RegistrySchema` (the schema of
sarcosurv 0.1, which :meth:`sarcosurv.registry.Cohort.from_frame` still uses
when no ``schema=`` is given). Endpoints, time origin the first ASCT:

* **OS**: death from any cause; the living are censored at their last contact;
  ``os_cause`` classifies the deaths: after relapse/progression, or with it as
  the cause, relapse/progression mortality; any other non-relapse mortality
  (EBMT's definition: death without prior relapse or progression).
* **PFS**: relapse/progression or death without it, whichever comes first
  (``pfs_cause`` 1 and 2); missing where the progression status is not known.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ...registry.schema import (
    Age,
    Column,
    DateOrder,
    Endpoint,
    Event,
    RegistrySchema,
    Requires,
    When,
)
from . import codes

__all__ = ["COLUMNS", "ENDPOINTS", "SCHEMA", "covariates"]

_YNU = codes.YES_NO_UNKNOWN

COLUMNS: tuple[Column, ...] = (
    Column("patient_id", "id", "Registry patient identifier, unique", required=True),
    Column("centre_id", "id", "Transplant centre identifier", required=True),
    Column("sex", "code", "Sex", required=True, codes=codes.SEX),
    Column("date_of_birth", "date", "Date of birth (or give age_at_asct)"),
    Column("age_at_asct", "number", "Age at first ASCT in years (or give date_of_birth)"),
    Column("date_of_diagnosis", "date", "Date of sarcoma diagnosis"),
    Column("histology", "code", "WHO histological subtype", required=True, codes=codes.HISTOLOGY),
    Column("grade", "code", "Tumour grade", codes=codes.GRADE),
    Column("metastatic_at_diagnosis", "code", "Metastatic disease at diagnosis", codes=_YNU),
    Column("prior_surgery", "code", "Surgery before ASCT", codes=_YNU),
    Column("prior_radiotherapy", "code", "Radiotherapy before ASCT", codes=_YNU),
    Column("prior_chemotherapy", "code", "Chemotherapy before ASCT", codes=_YNU),
    Column("n_prior_chemo_lines", "integer", "Chemotherapy lines before ASCT"),
    Column(
        "remission_before_asct", "code", "Disease status before first ASCT", codes=codes.REMISSION
    ),
    Column("date_first_asct", "date", "Date of first ASCT (time origin)", required=True),
    Column("n_asct", "integer", "Number of ASCTs (1 or more)"),
    Column("date_last_asct", "date", "Date of last ASCT (= first ASCT for a single one)"),
    Column(
        "preparative_regimen",
        "code",
        "High-dose (conditioning) regimen",
        codes=codes.PREPARATIVE_REGIMEN,
    ),
    Column("mobilisation", "code", "Stem cell mobilisation", codes=codes.MOBILISATION),
    Column("stem_cell_source", "code", "Stem cell source", codes=codes.STEM_CELL_SOURCE),
    Column(
        "remission_after_last_asct",
        "code",
        "Best disease status after last ASCT",
        codes=codes.REMISSION,
    ),
    Column(
        "progression_status_known",
        "code",
        "Whether relapse/progression status is known",
        required=True,
        codes=("yes", "no"),
    ),
    Column("date_progression", "date", "Date of first relapse or progression after ASCT"),
    Column(
        "date_last_followup",
        "date",
        "Date of last contact (= date of death for the dead)",
        required=True,
    ),
    Column(
        "vital_status",
        "code",
        "Vital status at last contact",
        required=True,
        codes=codes.VITAL_STATUS,
    ),
    Column("date_death", "date", "Date of death"),
    Column("cause_of_death", "code", "Main cause of death", codes=codes.CAUSE_OF_DEATH),
)

_DEAD = When("vital_status", ("dead",))
_ALIVE = When("vital_status", ("alive",))

ORDERS: tuple[DateOrder, ...] = (
    DateOrder("date_of_diagnosis", "date_first_asct", "first ASCT before the diagnosis"),
    DateOrder("date_first_asct", "date_last_asct", "last ASCT before the first ASCT"),
    DateOrder("date_first_asct", "date_progression", "progression before the first ASCT"),
    DateOrder("date_first_asct", "date_death", "death before the first ASCT"),
    DateOrder("date_first_asct", "date_last_followup", "last follow-up before the first ASCT"),
    DateOrder("date_progression", "date_death", "death before the progression"),
    DateOrder("date_progression", "date_last_followup", "last follow-up before the progression"),
    DateOrder("date_of_birth", "date_first_asct", "first ASCT before the date of birth"),
)

REQUIRES: tuple[Requires, ...] = (
    Requires("date_death", _DEAD, problem="dead but no date of death"),
    Requires(
        "date_death",
        _ALIVE,
        present=False,
        problem="alive but a date of death is given",
        field="vital_status",
    ),
    Requires(
        "cause_of_death", _ALIVE, present=False, problem="cause of death for a living patient"
    ),
    Requires(
        "date_progression",
        When("progression_status_known", ("no",)),
        present=False,
        problem="progression date given but progression status is 'no' (unknown)",
    ),
)

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "os",
        (Event("death", "date_death", _DEAD),),
        censor="date_last_followup",
        description="Overall survival: death from any cause",
    ),
    Endpoint(
        "pfs",
        (
            Event("relapse/progression", "date_progression"),
            Event("death without progression", "date_death", _DEAD),
        ),
        censor="date_last_followup",
        description="Progression-free survival: relapse/progression or death without it",
        evaluable=When("progression_status_known", ("yes",)),
    ),
)


def _counts_and_last_contact(data: pd.DataFrame) -> list[tuple[Any, str, str]]:
    """At least one ASCT, no negative number of lines, and death as the last contact."""
    dead = (data["vital_status"] == "dead").to_numpy()
    death, last = data["date_death"], data["date_last_followup"]
    differs = dead & (death.notna() & last.notna() & (death != last)).to_numpy()
    return [
        ((data["n_asct"] < 1).to_numpy(dtype=bool), "n_asct", "fewer than one ASCT"),
        (
            (data["n_prior_chemo_lines"] < 0).to_numpy(dtype=bool),
            "n_prior_chemo_lines",
            "negative number of chemotherapy lines",
        ),
        (differs, "date_last_followup", "date of death is not the last contact"),
    ]


def _category(values: pd.Series, categories: tuple[str, ...]) -> pd.Series:
    return pd.Series(
        pd.Categorical(values.where(values.isin(categories)), categories=categories),
        index=values.index,
    )


def _os_cause(data: pd.DataFrame) -> pd.Series:
    dead = data["vital_status"] == "dead"
    progressed = data["date_progression"].notna()
    relapse_death = dead & (progressed | (data["cause_of_death"] == "Relapse/progression"))
    cause = np.select(
        [~dead, relapse_death], ["alive", "relapse/progression"], "non-relapse mortality"
    )
    return pd.Series(
        pd.Categorical(cause, ["alive", "relapse/progression", "non-relapse mortality"]),
        index=data.index,
    )


def covariates(data: pd.DataFrame) -> pd.DataFrame:
    """The cause of death and the extract's covariates typed for analysis, no grouping."""
    out = pd.DataFrame(index=data.index)
    out["os_cause"] = _os_cause(data)
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
        out[name] = data[name].map({"yes": True, "no": False}).astype("boolean")
    out["n_prior_chemo_lines"] = data["n_prior_chemo_lines"].astype("Int64")
    return out


#: The EBMT sarcoma extract (Heilig et al., ESMO Open 2020).
SCHEMA = RegistrySchema(
    name="EBMT sarcoma (Heilig 2020)",
    columns=COLUMNS,
    origin="date_first_asct",
    origin_label="first ASCT",
    cluster="centre_id",
    orders=ORDERS,
    requires=REQUIRES,
    age=Age("age_at_asct", birth="date_of_birth"),
    eligibility=codes.ELIGIBILITY,
    endpoints=ENDPOINTS,
    checks=(_counts_and_last_contact,),
    derive=covariates,
)
