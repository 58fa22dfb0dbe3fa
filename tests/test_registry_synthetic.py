"""The synthetic Heilig 2020 extract: Table 1 exactly as published, outcomes' fixed points."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sarcosurv import registry
from sarcosurv.errors import SarcosurvError
from sarcosurv.studies import heilig2020

PUBLISHED = heilig2020.published()


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return heilig2020.synthetic_cohort(seed=2020)


@pytest.fixture(scope="module")
def cohort(raw: pd.DataFrame) -> registry.Cohort:
    return registry.Cohort.from_frame(raw, strict=True)


@pytest.fixture(scope="module")
def data(cohort: registry.Cohort) -> pd.DataFrame:
    return heilig2020.endpoints(cohort, unit="months")


@pytest.fixture(scope="module")
def characteristics(data: pd.DataFrame) -> pd.DataFrame:
    return heilig2020.characteristics_table(data).to_frame()


def _block(table: pd.DataFrame, title: str) -> dict[str, int]:
    """One block of Table 1 (all patients) as level code -> n."""
    rows = table[(table["characteristic"] == title) & (table["group"] == "Overall")]
    return {str(code): int(n) for code, n in zip(rows["level_code"], rows["n"], strict=True)}


@pytest.mark.parametrize(
    ("title", "published"),
    [
        ("Histology", "histology"),
        ("Tumour grading", "grade"),
        ("Remission status before ASCT", "remission_before_asct"),
        ("Year of first ASCT", "year_of_first_asct"),
        ("Preparative regimen", "preparative_regimen"),
        ("Remission status after last ASCT", "remission_after_last_asct"),
    ],
)
def test_table1_counts_are_the_published_ones(
    characteristics: pd.DataFrame, title: str, published: str
) -> None:
    expected = dict(PUBLISHED["table1"][published])
    if published == "grade":
        expected = {f"Grade {k}" if k != "missing" else k: v for k, v in expected.items()}
    assert _block(characteristics, title) == expected


def test_other_sts_breakdown_and_angiosarcoma_subtypes(raw: pd.DataFrame) -> None:
    counts = raw["histology"].value_counts().to_dict()
    for subtype, n in PUBLISHED["table1"]["other_sts_breakdown"].items():
        assert counts[subtype] == n
    angio = counts["Angiosarcoma"] + counts["Haemangiosarcoma"] + counts["Lymphangiosarcoma"]
    assert angio == PUBLISHED["table1"]["histology"]["Angiosarcoma"]
    assert counts["Haemangiosarcoma"] > 0
    assert counts["Lymphangiosarcoma"] > 0


def test_sex_and_age(characteristics: pd.DataFrame, data: pd.DataFrame) -> None:
    assert _block(characteristics, "Sex") == {"Male": 201, "Female": 137}
    assert PUBLISHED["cohort"]["male"]["n"] == 201
    age = PUBLISHED["cohort"]["age_at_first_asct_years"]
    assert age["median"] == 37.3
    q = np.percentile(data["age_at_asct"], [0, 25, 50, 75, 100])
    # as printed, to one decimal
    assert np.round(q, 1).tolist() == [age["min"], age["q1"], age["median"], age["q3"], age["max"]]
    assert 18 <= data["age_at_asct"].min() < 18.5
    assert 69 <= data["age_at_asct"].max() < 70
    printed = characteristics.loc[characteristics["characteristic"].str.startswith("Age"), "value"]
    assert printed.iloc[0] == "37.3 (27.6–49.7) [18.1–69.6]"  # median (IQR) [range]
    labels = list(data["age_group"].cat.categories)
    assert labels == ["<=37.3", ">37.3"]  # the split of Table 2
    assert (data["age_group"] == "<=37.3").sum() == 169


def test_treatment_history_percentages_of_known(data: pd.DataFrame) -> None:
    cohort = PUBLISHED["cohort"]
    for column in ("metastatic_at_diagnosis", "prior_surgery", "prior_radiotherapy"):
        known = data[column].dropna()
        assert len(known) == cohort[column]["n_known"]
        assert round(100 * known.mean(), 1) == cohort[column]["pct"]


def test_pfs_evaluable_in_301(data: pd.DataFrame) -> None:
    assert int(data["pfs_evaluable"].sum()) == PUBLISHED["outcomes_text"]["pfs_evaluable_n"] == 301
    assert data.loc[~data["pfs_evaluable"], "pfs_time"].isna().all()
    assert data.loc[data["pfs_evaluable"], "pfs_time"].notna().all()


def test_seven_non_relapse_deaths(raw: pd.DataFrame, data: pd.DataFrame) -> None:
    nrm = data[data["os_cause"] == "non-relapse mortality"]
    assert len(nrm) == 7
    assert (nrm["year_first_asct"] < 2003).all()
    assert (nrm["os_event"] == 1).all()
    assert (nrm["pfs_event_type"] == "death without progression").all()
    causes = raw.loc[raw["patient_id"].isin(nrm["patient_id"]), ["patient_id", "cause_of_death"]]
    by_id = dict(zip(causes["patient_id"], causes["cause_of_death"], strict=True))
    infection = nrm[[by_id[p] == "Infection" for p in nrm["patient_id"]]]
    assert len(infection) == 6
    days = infection["os_time"] * 365.25 / 12
    assert days.min() == pytest.approx(4, abs=1e-6)
    assert days.max() == pytest.approx(121, abs=1e-6)
    assert 4 <= days.median() <= 121
    assert abs(days.median() - 10) <= 1
    mds = nrm[[by_id[p] == "Secondary malignancy" for p in nrm["patient_id"]]]
    assert len(mds) == 1
    assert mds["os_time"].iloc[0] / 12 == pytest.approx(4.6, abs=0.05)


def test_every_other_death_follows_a_progression(raw: pd.DataFrame, data: pd.DataFrame) -> None:
    died = data[(data["os_event"] == 1) & (data["os_cause"] != "non-relapse mortality")]
    evaluable = died[died["pfs_evaluable"]]
    assert (evaluable["pfs_event_type"] == "relapse/progression").all()
    assert (evaluable["pfs_time"] <= evaluable["os_time"]).all()


def test_complete_cases_of_the_table3_models(data: pd.DataFrame) -> None:
    fits = heilig2020.fit_models(data)
    assert fits["pfs"].n == PUBLISHED["table3"]["n"]["pfs"] == 145
    assert fits["os"].n == PUBLISHED["table3"]["n"]["os"] == 157


def test_validates_with_zero_problems(cohort: registry.Cohort) -> None:
    assert cohort.exclusions.empty
    assert cohort.consort["n"].tolist() == [338, 0, 0, 338]
    assert cohort.data["patient_id"].is_unique
    assert cohort.data["centre_id"].nunique() > 30


def test_deterministic_for_a_seed(raw: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(heilig2020.synthetic_cohort(seed=2020), raw)
    other = heilig2020.synthetic_cohort(seed=2021)
    assert other.shape == raw.shape
    assert not other.equals(raw)
    assert (other["date_first_asct"] != raw["date_first_asct"]).mean() > 0.9
    # the published counts hold for every seed
    assert other["sex"].value_counts().to_dict() == {"Male": 201, "Female": 137}


def test_scales_to_5000_patients() -> None:
    n = 5000
    extract = heilig2020.synthetic_cohort(seed=7, n=n)
    assert len(extract) == n
    assert extract["patient_id"].is_unique
    cohort = registry.Cohort.from_frame(extract, strict=True)
    assert cohort.exclusions.empty
    data = heilig2020.endpoints(cohort)
    # counts scale by largest remainders: within one of the proportional count
    assert abs(data["pfs_evaluable"].sum() - 301 / 338 * n) <= 1
    assert abs((data["sex"] == "Male").sum() - 201 / 338 * n) <= 1
    nrm = data[data["os_cause"] == "non-relapse mortality"]
    assert abs(len(nrm) - 7 / 338 * n) <= 1
    assert (nrm["year_first_asct"] < 2003).all()
    evaluable = data[data["pfs_evaluable"]]
    assert (evaluable["pfs_time"] <= evaluable["os_time"]).all()
    leio = (data["histology"] == "Leiomyosarcoma").sum()
    assert abs(leio - 66 / 338 * n) <= 1


def test_too_small_n_is_refused() -> None:
    with pytest.raises(SarcosurvError, match="at least 50"):
        heilig2020.synthetic_cohort(n=20)


@pytest.mark.slow
def test_scales_to_a_million_patients() -> None:
    n = 1_000_000
    extract = heilig2020.synthetic_cohort(seed=3, n=n)
    assert len(extract) == n
    cohort = registry.Cohort.from_frame(extract, strict=True)
    assert cohort.n == n
    assert cohort.exclusions.empty
    data = heilig2020.endpoints(cohort, unit="years")
    assert abs(data["pfs_evaluable"].sum() - 301 / 338 * n) <= 1
    evaluable = data[data["pfs_evaluable"]]
    assert (evaluable["pfs_time"] <= evaluable["os_time"]).all()
