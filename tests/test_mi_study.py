"""Multiple imputation in the Heilig 2020 report; hazard products in the imputation model."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sarcosurv as ss
from conftest import load_dataset
from sarcosurv.imputation.chained import own_columns
from sarcosurv.imputation.columns import prepare_columns
from sarcosurv.registry import Cohort
from sarcosurv.studies import heilig2020
from sarcosurv.studies.heilig2020 import mi_section


@pytest.fixture(scope="module")
def study_endpoints() -> pd.DataFrame:
    cohort = Cohort.from_frame(heilig2020.synthetic_cohort(seed=2020))
    return heilig2020.endpoints(cohort, unit="months")


@pytest.fixture(scope="module")
def mi_table(study_endpoints: pd.DataFrame) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return mi_section.mi_table3(mi_section.mi_fits(study_endpoints, m=3, seed=11))


def test_mi_table3_uses_every_patient_with_a_known_outcome(
    study_endpoints: pd.DataFrame, mi_table: pd.DataFrame
) -> None:
    complete = heilig2020.fit_models(study_endpoints)
    assert int(mi_table["os_n"].iloc[0]) == len(study_endpoints)
    assert int(mi_table["pfs_n"].iloc[0]) == int(study_endpoints["pfs_evaluable"].sum())
    assert int(mi_table["os_n"].iloc[0]) > complete["os"].n


def test_mi_table3_has_the_complete_case_terms_and_fmi_in_unit_interval(
    study_endpoints: pd.DataFrame, mi_table: pd.DataFrame
) -> None:
    complete = heilig2020.fit_models(study_endpoints)
    assert list(mi_table["term"]) == list(complete["os"].params.index)
    fmi = mi_table[["pfs_fmi", "os_fmi"]].to_numpy()
    assert ((fmi >= 0) & (fmi <= 1)).all()


def test_mi_table3_same_seed_identical(
    study_endpoints: pd.DataFrame, mi_table: pd.DataFrame
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        again = mi_section.mi_table3(mi_section.mi_fits(study_endpoints, m=3, seed=11))
    pd.testing.assert_frame_equal(again, mi_table)


def test_report_prints_the_mi_table_beside_table3(
    study_endpoints: pd.DataFrame, mi_table: pd.DataFrame, tmp_path: Path
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        analysis = heilig2020.analyse(study_endpoints, heilig2020.published())
    source = heilig2020.DataSource(True, "test data")
    text = heilig2020.write_report(analysis, tmp_path, source, mi_table3=mi_table).read_text()
    assert text.index("## Table 3. Multivariable") < text.index("## Table 3 by multiple imputation")
    assert "missing at random (MAR)" in text
    assert f"OS n = {len(study_endpoints)}" in text
    assert (tmp_path / "table3_mi.csv").exists()


def test_report_without_mi_table_has_no_mi_section(
    study_endpoints: pd.DataFrame, tmp_path: Path
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        analysis = heilig2020.analyse(study_endpoints, heilig2020.published())
    source = heilig2020.DataSource(True, "test data")
    text = heilig2020.write_report(analysis, tmp_path, source).read_text()
    assert "multiple imputation" not in text


def _lung() -> pd.DataFrame:
    return load_dataset("lung").rename(columns=lambda c: c.replace(".", "_"))


def test_hazard_products_are_each_columns_own() -> None:
    frame = pd.DataFrame({"a": [1.0, np.nan, 3.0, 4.0], "g": pd.Categorical(list("xyzx"))})
    columns = prepare_columns(frame, ["a", "g"], None, 1)
    own = own_columns(columns, n_extra=2, interactions=True)
    # a: block 0, product at 0 + (1 + 2) + 2; g: blocks 1-2, products 6-7.
    assert own[0].tolist() == [0, 5]
    assert own[1].tolist() == [1, 2, 6, 7]
    assert own_columns(columns, n_extra=2, interactions=False)[1].tolist() == [1, 2]


def test_interactions_change_nothing_without_survival() -> None:
    lung = _lung()[["age", "ph_ecog", "wt_loss", "meal_cal"]]
    first = ss.impute(lung, list(lung.columns), m=2, seed=5, interactions=True)
    second = ss.impute(lung, list(lung.columns), m=2, seed=5, interactions=False)
    for a, b in zip(first, second, strict=True):
        pd.testing.assert_frame_equal(a, b)


def test_interactions_enter_the_imputation_model_with_survival() -> None:
    lung = _lung()[["time", "status", "age", "ph_ecog", "wt_loss", "meal_cal"]]
    columns = ["age", "ph_ecog", "wt_loss", "meal_cal"]
    first = ss.impute(lung, columns, m=2, seed=5, survival=("time", "status"))
    second = ss.impute(lung, columns, m=2, seed=5, survival=("time", "status"), interactions=False)
    assert not first[0]["meal_cal"].equals(second[0]["meal_cal"])
