"""Example: an allogeneic transplant registry declared as a schema, with synthetic data.

The documentation page "Declaring a registry schema" builds this schema step
by step. One row per patient's first allogeneic haematopoietic cell transplant
(HCT); the endpoints, time origin the transplant:

* ``os``: death from any cause;
* ``relapse``: relapse (cause 1) against non-relapse mortality, death without
  prior relapse (cause 2): ``relapse_cause`` for the cumulative incidences of
  relapse and NRM, ``relapse_event`` (either) for relapse-free survival;
* ``agvhd``: acute GvHD grade II-IV (cause 1) against death without it
  (cause 2), by day 100;
* ``cgvhd``: chronic GvHD (any) against death without it;
* ``grfs``: GvHD-free, relapse-free survival, the composite of acute GvHD
  III-IV, chronic GvHD, relapse and death (``grfs_event``; ``grfs_cause``
  tells which came first).

The data of :func:`synthetic_extract` are random, not a registry's.

Examples
--------
>>> from sarcosurv.registry import Cohort
>>> from sarcosurv.studies import transplant
>>> cohort = Cohort.from_frame(transplant.synthetic_extract(n=150, seed=3),
...                            schema=transplant.SCHEMA)
>>> cohort.consort["n"].tolist()
[150, 0, 0, 150]
>>> table = cohort.endpoints(unit="months")
>>> sorted(table["relapse_cause"].unique().tolist())
[0.0, 1.0, 2.0]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..registry import (
    Age,
    Column,
    DateOrder,
    Eligibility,
    Endpoint,
    Event,
    RegistrySchema,
    Requires,
    When,
)

__all__ = ["SCHEMA", "synthetic_extract"]

GRADES = ("0", "I", "II", "III", "IV", "unknown")
_DEAD = When("vital_status", ("dead",))

SCHEMA = RegistrySchema(
    name="allogeneic HCT registry (example)",
    columns=(
        Column("patient_id", "id", "Patient identifier", required=True),
        Column("centre_id", "id", "Transplant centre", required=True),
        Column("sex", "code", "Sex", required=True, codes=("Male", "Female")),
        Column("date_of_birth", "date", "Date of birth (or give age_at_hct)"),
        Column("age_at_hct", "number", "Age at transplant, years", range=(0, 100)),
        Column("diagnosis", "code", "Disease", required=True, codes=("AML", "ALL", "MDS")),
        Column("disease_status", "code", "Status at HCT", codes=("CR1", "CR2+", "active")),
        Column("donor", "code", "Donor type", codes=("MSD", "MUD", "haplo", "unknown")),
        Column("conditioning", "code", "Conditioning intensity", codes=("MAC", "RIC")),
        Column("date_hct", "date", "Date of transplant (time origin)", required=True),
        Column("date_relapse", "date", "Date of first relapse"),
        Column("agvhd_grade", "code", "Maximum acute GvHD grade", codes=GRADES),
        Column("date_agvhd", "date", "Onset of acute GvHD grade II-IV"),
        Column("date_cgvhd", "date", "Onset of chronic GvHD"),
        Column("date_last_followup", "date", "Last contact (death for the dead)", required=True),
        Column("vital_status", "code", "At last contact", required=True, codes=("alive", "dead")),
        Column("date_death", "date", "Date of death"),
    ),
    origin="date_hct",
    origin_label="transplant",
    cluster="centre_id",
    orders=(
        DateOrder("date_hct", "date_relapse", "relapse before the transplant"),
        DateOrder("date_hct", "date_agvhd", "acute GvHD before the transplant"),
        DateOrder("date_hct", "date_cgvhd", "chronic GvHD before the transplant"),
        DateOrder("date_relapse", "date_death", "death before the relapse"),
        DateOrder("date_hct", "date_last_followup", "last contact before the transplant"),
        DateOrder("date_death", "date_last_followup", "last contact before the death"),
        DateOrder("date_of_birth", "date_hct", "transplant before the birth"),
    ),
    requires=(
        Requires("date_death", _DEAD, problem="dead but no date of death"),
        Requires(
            "date_death",
            When("vital_status", ("alive",)),
            present=False,
            problem="alive but a date of death is given",
        ),
        Requires(
            "date_agvhd",
            When("agvhd_grade", ("II", "III", "IV")),
            problem="acute GvHD grade II-IV without its date",
        ),
        Requires(
            "date_agvhd",
            When("agvhd_grade", ("0", "I")),
            present=False,
            problem="an acute GvHD II-IV date with grade 0-I",
        ),
    ),
    age=Age("age_at_hct", birth="date_of_birth"),
    eligibility=Eligibility(min_age=18, origin_years=(2005, 2024)),
    endpoints=(
        Endpoint("os", (Event("death", "date_death", _DEAD),), censor="date_last_followup"),
        Endpoint(
            "relapse",
            (
                Event("relapse", "date_relapse"),
                Event("non-relapse mortality", "date_death", _DEAD),
            ),
            censor="date_last_followup",
            description="Relapse incidence with non-relapse mortality competing",
        ),
        Endpoint(
            "agvhd",
            (
                Event("acute GvHD II-IV", "date_agvhd", When("agvhd_grade", ("II", "III", "IV"))),
                Event("death without acute GvHD", "date_death", _DEAD),
            ),
            censor="date_last_followup",
            horizon=100.0,
        ),
        Endpoint(
            "cgvhd",
            (
                Event("chronic GvHD", "date_cgvhd"),
                Event("death without chronic GvHD", "date_death", _DEAD),
            ),
            censor="date_last_followup",
        ),
        Endpoint(
            "grfs",
            (
                Event("acute GvHD III-IV", "date_agvhd", When("agvhd_grade", ("III", "IV"))),
                Event("chronic GvHD", "date_cgvhd"),
                Event("relapse", "date_relapse"),
                Event("death", "date_death", _DEAD),
            ),
            censor="date_last_followup",
            description="GvHD-free, relapse-free survival (composite: grfs_event)",
        ),
    ),
)


def _days(rng: np.random.Generator, scale: float, n: int, share: float) -> np.ndarray:
    """Exponential days for a ``share`` of the patients, infinite (never) for the rest."""
    days = np.ceil(rng.exponential(scale, n))
    return np.where(rng.random(n) < share, days, np.inf)


def synthetic_extract(n: int = 200, seed: int = 1) -> pd.DataFrame:
    """A random extract in :data:`SCHEMA` (dates as ISO text), consistent by construction.

    Relapse, acute and chronic GvHD and non-relapse death are drawn as
    latent exponential days for a share of the patients; relapse raises the
    hazard of death; follow-up ends at a uniform censoring time (at most
    six years, and the extract's closing date 2024-12-31) or death.
    """
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive whole number, not {n!r}")
    rng = np.random.default_rng(seed)
    hct = pd.Timestamp("2010-01-01") + pd.to_timedelta(rng.integers(0, 12 * 365, n), unit="D")
    age = rng.uniform(18.5, 75, n)
    birth = hct - pd.to_timedelta(np.round(age * 365.25), unit="D")
    closing = (pd.Timestamp("2024-12-31") - hct).days.to_numpy()  # the extract's closing date
    censor = np.minimum(np.ceil(rng.uniform(30, 6 * 365, n)), closing)
    relapse, nrm = _days(rng, 300, n, 0.35), _days(rng, 250, n, 0.2)
    after_relapse = relapse + np.ceil(rng.exponential(200, n))
    death = np.minimum(nrm, np.where(rng.random(n) < 0.7, after_relapse, np.inf))
    agvhd, cgvhd = _days(rng, 30, n, 0.3), 100 + _days(rng, 200, n, 0.35)
    end = np.minimum(censor, death)
    dead = death <= censor

    def date(days: np.ndarray) -> pd.Series:
        seen = days <= end
        stamps = hct + pd.to_timedelta(np.where(seen, days, 0), unit="D")
        return pd.Series(stamps.strftime("%Y-%m-%d"), dtype=object).where(seen, "")

    grade = np.where(
        np.isfinite(agvhd) & (agvhd <= end),
        rng.choice(["II", "III", "IV"], n, p=[0.6, 0.3, 0.1]),
        rng.choice(["0", "I"], n, p=[0.7, 0.3]),
    )
    return pd.DataFrame(
        {
            "patient_id": [f"T{i:05d}" for i in range(1, n + 1)],
            "centre_id": [f"C{c:02d}" for c in rng.integers(1, 16, n)],
            "sex": rng.choice(["Male", "Female"], n, p=[0.58, 0.42]),
            "date_of_birth": birth.strftime("%Y-%m-%d"),
            "age_at_hct": "",
            "diagnosis": rng.choice(["AML", "ALL", "MDS"], n, p=[0.5, 0.25, 0.25]),
            "disease_status": rng.choice(["CR1", "CR2+", "active"], n, p=[0.55, 0.25, 0.2]),
            "donor": rng.choice(["MSD", "MUD", "haplo", "unknown"], n, p=[0.3, 0.45, 0.2, 0.05]),
            "conditioning": rng.choice(["MAC", "RIC"], n),
            "date_hct": hct.strftime("%Y-%m-%d"),
            "date_relapse": date(relapse),
            "agvhd_grade": grade,
            "date_agvhd": date(np.where(np.isin(grade, ["II", "III", "IV"]), agvhd, np.inf)),
            "date_cgvhd": date(cgvhd),
            "date_last_followup": date(end),
            "vital_status": np.where(dead, "dead", "alive"),
            "date_death": date(np.where(dead, death, np.inf)),
        }
    )
