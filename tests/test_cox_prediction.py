"""Cox predictions for new rows: checks of newdata and times, hand-checkable properties."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

import sarcosurv as ss
from sarcosurv.errors import (
    ColumnNotFoundError,
    InvalidDataError,
    SarcosurvError,
    SarcosurvWarning,
)


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 80
    return pd.DataFrame(
        {
            "t": rng.exponential(10, n).round(1) + 0.1,
            "e": rng.integers(0, 2, n),
            "age": rng.normal(60, 10, n).round(),
            "histology": rng.choice(["LMS", "DDLPS", "UPS"], n),
            "site": rng.choice([1, 2], n),
        },
        index=[f"p{i}" for i in range(n)],
    )


@pytest.fixture(scope="module")
def fit(data: pd.DataFrame) -> ss.CoxResult:
    return ss.coxph("Surv(t, e) ~ age + histology", data)


@pytest.fixture(scope="module")
def stratified(data: pd.DataFrame) -> ss.CoxResult:
    return ss.coxph("Surv(t, e) ~ age + histology + strata(site)", data)


def new_rows(**changes: Any) -> pd.DataFrame:
    frame = pd.DataFrame(
        {"age": [50.0, 70.0], "histology": ["LMS", "UPS"], "site": [1, 2]}, index=["a", "b"]
    )
    return frame.assign(**changes)


def test_columns_and_rows(fit: ss.CoxResult) -> None:
    table = fit.predict_survival(new_rows(), [1.0, 5.0])
    assert list(table.columns) == ["row", "time", "survival", "std_err", "lower", "upper"]
    assert list(table["row"]) == ["a", "a", "b", "b"]
    assert (table["lower"] <= table["survival"]).all()
    assert (table["survival"] <= table["upper"]).all()


def test_before_the_first_event_survival_is_one(fit: ss.CoxResult) -> None:
    table = fit.predict_survival(new_rows(), 0.0)
    np.testing.assert_array_equal(table["survival"], 1.0)
    np.testing.assert_array_equal(table["std_err"], 0.0)


def test_survival_is_the_baseline_to_the_power_of_the_risk(fit: ss.CoxResult) -> None:
    times = [2.0, 8.0]
    table = fit.predict_survival(new_rows(), times)
    risk = fit.predict(new_rows(), kind="risk", reference="zero").to_numpy()
    base = fit.baseline_hazard()
    position = np.searchsorted(base["time"], times, side="right") - 1
    cumulative = base["cumulative_hazard"].to_numpy()[position]
    expected = np.exp(-np.outer(risk, cumulative)).ravel()
    np.testing.assert_allclose(table["survival"], expected, rtol=1e-10)


def test_stratified_rows_get_their_own_stratum(stratified: ss.CoxResult) -> None:
    table = stratified.predict_survival(new_rows(), 5.0)
    assert list(table["stratum"]) == ["site=1", "site=2"]
    same = stratified.predict_survival(new_rows(site=[2, 2]), 5.0)
    assert table["survival"].iloc[1] == same["survival"].iloc[1]
    assert table["survival"].iloc[0] != same["survival"].iloc[0]
    floats = stratified.predict_survival(new_rows(site=[1.0, 2.0]), 5.0)
    np.testing.assert_array_equal(floats["survival"], table["survival"])


def test_times_after_follow_up_warn_and_stay_flat(data: pd.DataFrame, fit: ss.CoxResult) -> None:
    last = float(data["t"].max())
    with pytest.warns(SarcosurvWarning, match="after the last follow-up"):
        table = fit.predict_survival(new_rows(), [last, last + 100])
    values = table["survival"].to_numpy().reshape(2, 2)
    np.testing.assert_array_equal(values[:, 0], values[:, 1])


@pytest.mark.parametrize("times", [[np.nan], [-1.0], [1.0, np.inf], "soon", []])
def test_bad_times(fit: ss.CoxResult, times: Any) -> None:
    with pytest.raises(SarcosurvError, match="times must"):
        fit.predict_survival(new_rows(), times)


def test_unknown_level_names_row_column_and_value(fit: ss.CoxResult) -> None:
    with pytest.raises(InvalidDataError, match=r"column 'histology'.*'LSM'.*row 'b'") as info:
        fit.predict_survival(new_rows(histology=["LMS", "LSM"]), 5.0)
    assert info.value.rows == ["b"]
    with pytest.raises(InvalidDataError, match="never seen"):
        fit.predict(new_rows(histology=["GIST", "LMS"]))


def test_unknown_stratum(stratified: ss.CoxResult) -> None:
    with pytest.raises(InvalidDataError, match=r"column 'site'.*site=3.*row 'a'"):
        stratified.predict_survival(new_rows(site=[3, 1]), 5.0)


def test_missing_strata_column(stratified: ss.CoxResult) -> None:
    with pytest.raises(ColumnNotFoundError, match="newdata column 'site'"):
        stratified.predict_survival(new_rows().drop(columns="site"), 5.0)


def test_missing_value(fit: ss.CoxResult) -> None:
    message = r"column 'age': missing value in newdata at row 'a'"
    with pytest.raises(InvalidDataError, match=message):
        fit.predict_survival(new_rows(age=[np.nan, 60.0]), 5.0)
    with pytest.raises(InvalidDataError, match="column 'histology': missing value"):
        fit.predict(new_rows(histology=[None, "LMS"]))


def test_missing_column(fit: ss.CoxResult) -> None:
    with pytest.raises(ColumnNotFoundError, match="newdata column 'age'"):
        fit.predict_survival(new_rows().drop(columns="age"), 5.0)


def test_text_in_a_numeric_column(fit: ss.CoxResult) -> None:
    with pytest.raises(InvalidDataError, match=r"column 'age': value is not a number.*'sixty'"):
        fit.predict_survival(new_rows(age=["sixty", 50]), 5.0)
    # Numbers written as text are read as numbers.
    as_text = fit.predict(new_rows(age=["50", "70"]))
    np.testing.assert_allclose(as_text, fit.predict(new_rows()))


def test_term_undefined_for_a_new_row(data: pd.DataFrame) -> None:
    fit = ss.coxph("Surv(t, e) ~ np.log(age) + histology", data)
    with pytest.raises(InvalidDataError, match=r"column 'np.log\(age\)': .*NaN.*row 'b'"):
        fit.predict_survival(new_rows(age=[50.0, -1.0]), 5.0)


def test_newdata_must_be_a_frame(fit: ss.CoxResult) -> None:
    with pytest.raises(SarcosurvError, match="newdata must be a pandas DataFrame"):
        fit.predict_survival({"age": 50, "histology": "LMS"}, 5.0)  # type: ignore[arg-type]
    with pytest.raises(SarcosurvError, match="no rows"):
        fit.predict(new_rows().iloc[:0])


def test_bad_options(fit: ss.CoxResult) -> None:
    with pytest.raises(SarcosurvError, match="conf_type"):
        fit.predict_survival(new_rows(), 5.0, conf_type="arcsin")  # type: ignore[arg-type]
    with pytest.raises(SarcosurvError, match="conf_level"):
        fit.predict_survival(new_rows(), 5.0, conf_level=95)
    with pytest.raises(SarcosurvError, match="kind"):
        fit.predict(new_rows(), kind="expected")  # type: ignore[arg-type]


def test_lp_references(fit: ss.CoxResult, data: pd.DataFrame) -> None:
    zero = fit.predict(new_rows(), reference="zero")
    sample = fit.predict(new_rows())
    # Indicator columns are not centred (R's nocenter); age is, at its mean.
    shift = float(fit.params["age"] * data["age"].mean())
    np.testing.assert_allclose(zero - sample, shift, rtol=1e-10)
    np.testing.assert_allclose(fit.predict(new_rows(), kind="risk"), np.exp(sample))


def test_conf_types_agree_at_the_estimate(fit: ss.CoxResult) -> None:
    for conf_type in ("log", "log-log", "plain"):
        table = fit.predict_survival(new_rows(), 5.0, conf_type=conf_type, conf_level=0.9)
        assert (table["lower"] < table["survival"]).all()
        assert (table["survival"] < table["upper"]).all()


def test_frailty_models_refuse(data: pd.DataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frail = ss.coxph("Surv(t, e) ~ age", data.assign(c=np.arange(len(data)) % 5), frailty="c")
    with pytest.raises(SarcosurvError, match="frailty"):
        frail.predict_survival(new_rows(), 5.0)
