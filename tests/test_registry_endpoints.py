"""Endpoints and analysis variables of ``Cohort.endpoints`` on hand-made extracts."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from sarcosurv import registry
from sarcosurv.errors import SarcosurvError
from sarcosurv.studies import heilig2020

BASE: dict[str, Any] = {
    "centre_id": "C1",
    "sex": "Male",
    "date_of_birth": "",
    "age_at_asct": "40",
    "date_of_diagnosis": "",
    "histology": "Leiomyosarcoma",
    "grade": "unknown",
    "remission_before_asct": "PR",
    "date_first_asct": "2001-03-01",
    "date_last_asct": "",
    "preparative_regimen": "PEI/CEI",
    "remission_after_last_asct": "unknown",
    "progression_status_known": "yes",
    "date_progression": "",
    "date_last_followup": "2005-03-01",
    "vital_status": "alive",
    "date_death": "",
    "cause_of_death": "",
}


def labels(values: pd.Series) -> list[str]:
    """Category labels as text, missing values as "nan" (the same under pandas 2 and 3)."""
    return ["nan" if pd.isna(v) else str(v) for v in values]


def extract(*patients: dict[str, Any]) -> pd.DataFrame:
    """One row per dict over the base patient; ids P1, P2, ..."""
    rows = [BASE | {"patient_id": f"P{i + 1}"} | p for i, p in enumerate(patients)]
    return pd.DataFrame(rows)


def endpoints(*patients: dict[str, Any], unit: str = "days", **kwargs: Any) -> pd.DataFrame:
    cohort = registry.Cohort.from_frame(extract(*patients), **kwargs)
    return heilig2020.endpoints(cohort, unit=unit)  # type: ignore[arg-type]


def dead(date: str, cause: str = "Relapse/progression", **more: Any) -> dict[str, Any]:
    return (
        {"vital_status": "dead", "date_death": date, "date_last_followup": date}
        | {"cause_of_death": cause}
        | more
    )


# Five patients, times in days from 2001-03-01 (2001-03-01 + 365 = 2002-03-01).
OUTCOMES = [
    {},  # alive, no progression, last contact 2005-03-01 (1461 days)
    {"date_progression": "2001-08-28"} | dead("2002-03-01"),  # progressed (180), died (365)
    dead("2001-03-11", "Infection"),  # non-relapse death at 10 days
    {"progression_status_known": "no"},  # PFS not evaluable, alive at 1461
    {"date_progression": "2002-03-01"},  # progressed at 365, alive at 1461
]


@pytest.fixture(scope="module")
def hand() -> pd.DataFrame:
    return endpoints(*OUTCOMES)


def test_overall_survival(hand: pd.DataFrame) -> None:
    assert hand["patient_id"].tolist() == ["P1", "P2", "P3", "P4", "P5"]
    assert hand["os_time"].tolist() == [1461.0, 365.0, 10.0, 1461.0, 1461.0]
    assert hand["os_event"].tolist() == [0, 1, 1, 0, 0]


def test_progression_free_survival(hand: pd.DataFrame) -> None:
    np.testing.assert_array_equal(hand["pfs_time"], [1461.0, 180.0, 10.0, np.nan, 365.0])
    np.testing.assert_array_equal(hand["pfs_event"], [0.0, 1.0, 1.0, np.nan, 1.0])
    assert hand["pfs_evaluable"].tolist() == [True, True, True, False, True]


def test_event_types(hand: pd.DataFrame) -> None:
    assert hand["pfs_event_type"].astype(object).where(hand["pfs_evaluable"]).tolist()[:3] == [
        "censored",
        "relapse/progression",
        "death without progression",
    ]
    assert pd.isna(hand["pfs_event_type"].iloc[3])
    assert hand["pfs_event_type"].iloc[4] == "relapse/progression"
    assert labels(hand["os_cause"]) == [
        "alive",
        "relapse/progression",
        "non-relapse mortality",
        "alive",
        "alive",
    ]
    assert list(hand["os_cause"].cat.categories) == [
        "alive",
        "relapse/progression",
        "non-relapse mortality",
    ]


@pytest.mark.parametrize(
    ("patient", "cause", "pfs_type"),
    [
        # relapse as the recorded cause, progression date not recorded
        (dead("2002-03-01"), "relapse/progression", "death without progression"),
        # progressed first: relapse mortality whatever the recorded cause
        (
            {"date_progression": "2001-06-01"} | dead("2002-03-01", "Infection"),
            "relapse/progression",
            "relapse/progression",
        ),
        (dead("2002-03-01", "Toxicity"), "non-relapse mortality", "death without progression"),
        (
            dead("2002-03-01", "Secondary malignancy"),
            "non-relapse mortality",
            "death without progression",
        ),
    ],
)
def test_cause_of_death_rules(patient: dict[str, Any], cause: str, pfs_type: str) -> None:
    row = endpoints(patient).iloc[0]
    assert row["os_cause"] == cause
    assert row["pfs_event_type"] == pfs_type
    assert row["os_event"] == 1
    assert row["pfs_event"] == 1.0


def test_progression_on_the_day_of_death() -> None:
    row = endpoints({"date_progression": "2002-03-01"} | dead("2002-03-01")).iloc[0]
    assert (row["pfs_time"], row["os_time"]) == (365.0, 365.0)
    assert row["pfs_event_type"] == "relapse/progression"


def test_not_evaluable_death_counts_for_os_only() -> None:
    row = endpoints({"progression_status_known": "no"} | dead("2002-03-01", "Infection")).iloc[0]
    assert (row["os_time"], row["os_event"]) == (365.0, 1)
    assert np.isnan(row["pfs_time"])
    assert np.isnan(row["pfs_event"])
    assert not row["pfs_evaluable"]


@pytest.mark.parametrize(("unit", "days"), [("days", 1.0), ("months", 30.4375), ("years", 365.25)])
def test_units(unit: str, days: float) -> None:
    got = endpoints(*OUTCOMES, unit=unit)
    assert registry.UNIT_DAYS[unit] == days
    np.testing.assert_allclose(
        got["os_time"], np.array([1461.0, 365.0, 10.0, 1461.0, 1461.0]) / days, rtol=1e-15
    )
    np.testing.assert_allclose(
        got["pfs_time"], np.array([1461.0, 180.0, 10.0, np.nan, 365.0]) / days, rtol=1e-15
    )


def test_default_unit_is_months_and_bad_units_are_refused() -> None:
    cohort = registry.Cohort.from_frame(extract(*OUTCOMES))
    assert heilig2020.endpoints(cohort)["os_time"].iloc[0] == pytest.approx(1461 / 30.4375)
    with pytest.raises(SarcosurvError, match="unit must be"):
        heilig2020.endpoints(cohort, unit="weeks")  # type: ignore[arg-type]


# -- analysis variables ----------------------------------------------------------------


def test_age_from_birth_date_or_given_age() -> None:
    got = endpoints(
        {"date_of_birth": "1961-03-01", "age_at_asct": ""},
        {"age_at_asct": "55.25"},
        {"date_of_birth": "1980-09-01", "age_at_asct": "20.5"},  # a given age wins
    )
    assert got["age_at_asct"].iloc[0] == pytest.approx(14610 / 365.25, abs=1e-12)
    assert got["age_at_asct"].iloc[1:].tolist() == [55.25, 20.5]
    np.testing.assert_allclose(got["age10"], got["age_at_asct"] / 10.0)


def test_median_split_of_age() -> None:
    got = endpoints(*({"age_at_asct": a} for a in ["30", "41.25", "50", "62", "19"]))
    assert list(got["age_group"].cat.categories) == ["<=41.2", ">41.2"]
    # the median patient (41.25) is in the lower group
    assert labels(got["age_group"]) == ["<=41.2", "<=41.2", ">41.2", ">41.2", "<=41.2"]


def test_histology_groups() -> None:
    counts = {
        "Leiomyosarcoma": 11,
        "Liposarcoma": 10,  # 10 cases: other
        "Synovial sarcoma": 12,
        "Angiosarcoma": 6,
        "Haemangiosarcoma": 3,
        "Lymphangiosarcoma": 2,  # 6 + 3 + 2 = 11: angiosarcoma
        "Desmoplastic small round cell tumour": 4,
        "Sarcoma NOS": 5,
    }
    patients = [{"histology": h} for h, n in counts.items() for _ in range(n)]
    got = endpoints(*patients)
    table1 = got.groupby("histology", observed=True).size().to_dict()
    assert table1 == {
        "Leiomyosarcoma": 11,
        "Liposarcoma": 10,
        "Synovial sarcoma": 12,
        "Angiosarcoma": 11,
        "Desmoplastic small round cell tumour": 4,
        "Other STS": 5,
    }
    groups = got.groupby("histology_group", observed=True).size().to_dict()
    assert groups == {
        "Leiomyosarcoma": 11,
        "Synovial sarcoma": 12,
        "Angiosarcoma": 11,
        "Other sarcoma": 19,
    }
    assert list(got["histology_group"].cat.categories) == [
        "Leiomyosarcoma",
        "Synovial sarcoma",
        "Angiosarcoma",
        "Other sarcoma",
    ]
    lympho = got["histology_group"][
        [h == "Lymphangiosarcoma" for h in extract(*patients).histology]
    ]
    assert (lympho == "Angiosarcoma").all()


def test_remission_groups() -> None:
    codes = ["CR/NED", "PR", "SD", "PD", "unknown", "pr"]
    got = endpoints(*({"remission_before_asct": c} for c in codes))
    assert got["remission_before"].astype(object).tolist()[:4] == ["CR/NED", "PR", "SD", "PD"]
    assert labels(got["remission_group"]) == [
        "CR/NED",
        "PR+SD",
        "PR+SD",
        "PD",
        "nan",
        "PR+SD",
    ]
    assert labels(got["remission_cr"]) == [
        "CR",
        "non-CR",
        "non-CR",
        "non-CR",
        "nan",
        "non-CR",
    ]
    assert list(got["remission_group"].cat.categories) == ["CR/NED", "PR+SD", "PD"]


def test_regimen_groups() -> None:
    codes = ["PEI/CEI", "Other platinum based", "Melphalan based", "Other", "unknown"]
    got = endpoints(*({"preparative_regimen": c} for c in codes))
    assert labels(got["regimen_group"]) == [
        "Platinum based",
        "Platinum based",
        "Melphalan based",
        "Other",
        "nan",
    ]
    assert list(got["regimen_group"].cat.categories) == [
        "Platinum based",
        "Melphalan based",
        "Other",
    ]
    assert labels(got["regimen"]) == [*codes[:4], "nan"]


def test_year_groups() -> None:
    dates = ["1996-01-01", "2000-12-31", "2001-01-01", "2005-12-31", "2006-01-01", "2016-12-31"]
    patients = [{"date_first_asct": d, "date_last_followup": "2018-01-01"} for d in dates]
    got = endpoints(*patients)
    assert got["year_first_asct"].tolist() == [1996, 2000, 2001, 2005, 2006, 2016]
    assert labels(got["year_group"]) == [
        "1996-2000",
        "1996-2000",
        "2001-2005",
        "2001-2005",
        "2006-2016",
        "2006-2016",
    ]


def test_year_groups_outside_the_paper_are_missing() -> None:
    patients = [
        {"date_first_asct": d, "date_last_followup": "2019-06-01"}
        for d in ["1992-05-01", "1999-05-01", "2018-05-01"]
    ]
    rules = registry.Eligibility(first_asct_years=(1990, 2020))
    got = endpoints(*patients, eligibility=rules)
    assert labels(got["year_group"]) == ["nan", "1996-2000", "nan"]


def test_grade_sex_and_yes_no_variables() -> None:
    got = endpoints(
        {"grade": "3", "sex": "female", "prior_surgery": "yes"},
        {"grade": "unknown", "prior_surgery": "no"},
        {"grade": "1", "prior_surgery": "unknown", "n_prior_chemo_lines": "2"},
    )
    assert labels(got["grade"]) == ["Grade 3", "nan", "Grade 1"]
    assert labels(got["sex"]) == ["Female", "Male", "Male"]
    assert got["prior_surgery"].tolist()[:2] == [True, False]
    assert got["prior_surgery"].isna().tolist() == [False, False, True]
    assert got["n_prior_chemo_lines"].isna().tolist() == [True, True, False]
    assert got["n_prior_chemo_lines"].iloc[2] == 2


def test_empty_cohort_has_empty_endpoints() -> None:
    cohort = registry.Cohort.from_frame(extract({"sex": "?"}), strict=False)
    got = heilig2020.endpoints(cohort)
    assert got.empty
    assert {"os_time", "pfs_time", "histology_group", "year_group"} <= set(got.columns)


# -- the synthetic cohort ---------------------------------------------------------------


@pytest.fixture(scope="module")
def synthetic() -> pd.DataFrame:
    extract = heilig2020.synthetic_cohort(seed=2020)
    return heilig2020.endpoints(registry.Cohort.from_frame(extract), unit="days")


def test_pfs_never_exceeds_os_in_the_synthetic_cohort(synthetic: pd.DataFrame) -> None:
    evaluable = synthetic[synthetic["pfs_evaluable"]]
    assert len(evaluable) == 301
    assert (evaluable["pfs_time"] <= evaluable["os_time"]).all()
    assert (synthetic["os_time"] >= 0).all()
    # a PFS event for every evaluable death
    died = evaluable["os_event"] == 1
    assert (evaluable.loc[died, "pfs_event"] == 1.0).all()


def test_synthetic_event_types_are_consistent(synthetic: pd.DataFrame) -> None:
    relapse = synthetic["pfs_event_type"] == "relapse/progression"
    death_first = synthetic["pfs_event_type"] == "death without progression"
    assert (synthetic.loc[relapse | death_first, "pfs_event"] == 1.0).all()
    assert (synthetic.loc[synthetic["pfs_event_type"] == "censored", "pfs_event"] == 0.0).all()
    assert (synthetic.loc[death_first, "os_time"] == synthetic.loc[death_first, "pfs_time"]).all()
    nrm = synthetic["os_cause"] == "non-relapse mortality"
    assert (synthetic.loc[nrm, "os_event"] == 1).all()
    assert (synthetic.loc[synthetic["os_cause"] == "alive", "os_event"] == 0).all()


def test_pfs_cause_codes_the_competing_events() -> None:
    cohort = registry.Cohort.from_frame(heilig2020.synthetic_cohort(seed=2020))
    endpoints = heilig2020.endpoints(cohort)
    expected = endpoints["pfs_event_type"].map(
        {"censored": 0.0, "relapse/progression": 1.0, "death without progression": 2.0}
    )
    pd.testing.assert_series_equal(
        endpoints["pfs_cause"], expected.astype(float), check_names=False
    )
    assert (
        ((endpoints["pfs_cause"] > 0) == (endpoints["pfs_event"] == 1))
        .where(endpoints["pfs_evaluable"], True)
        .all()
    )
