"""Bad input to coxph: a typed error (a ValueError) or a named warning, naming column and row."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

import sarcosurv as ss
from sarcosurv.errors import (
    CollinearityWarning,
    ColumnNotFoundError,
    ConvergenceWarning,
    EmptyDataError,
    FormulaError,
    InvalidDataError,
    MonotoneLikelihoodWarning,
    SarcosurvError,
    SarcosurvWarning,
)


@pytest.fixture
def data() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "patient_id": [f"P{i}" for i in range(8)],
            "start": 0.0,
            "t": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
            "e": [1, 0, 1, 1, 0, 1, 0, 1],
            "x": [0.5, 1.2, -0.3, 0.8, 2.0, -1.0, 0.1, 0.4],
            "histology": ["LMS", "DDLPS", "LMS", "UPS", "DDLPS", "LMS", "UPS", "DDLPS"],
        },
        index=range(10, 18),
    )


def fit(frame: pd.DataFrame, formula: str = "Surv(t, e) ~ x", **kwargs: Any) -> ss.CoxResult:
    return ss.coxph(formula, frame, **kwargs)


def caught(frame: pd.DataFrame, formula: str, **kwargs: Any) -> tuple[Any, list[Any]]:
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        result = fit(frame, formula, **kwargs)
    return result, list(record)


def test_every_error_is_a_value_error() -> None:
    for error in (ColumnNotFoundError, EmptyDataError, FormulaError, InvalidDataError):
        assert issubclass(error, SarcosurvError)
        assert issubclass(error, ValueError)


@pytest.mark.parametrize(
    ("formula", "column", "role"),
    [
        ("Surv(t, e) ~ x + grade", "grade", "covariate"),
        ("Surv(t, e) ~ np.log(size_cm)", "size_cm", "covariate"),
        ("Surv(t, e) ~ C(subtype) + x", "subtype", "covariate"),
        ("Surv(os_months, e) ~ x", "os_months", "survival"),
        ("Surv(entry, t, e) ~ x", "entry", "survival"),
    ],
)
def test_formula_naming_a_missing_column(
    data: pd.DataFrame, formula: str, column: str, role: str
) -> None:
    with pytest.raises(ColumnNotFoundError, match=rf"{role} column '{column}' is not in the data"):
        fit(data, formula)
    with pytest.raises(KeyError):  # also what pandas users expect
        fit(data, formula)


@pytest.mark.parametrize("argument", ["strata", "cluster", "weights", "frailty"])
def test_missing_column_in_an_argument(data: pd.DataFrame, argument: str) -> None:
    with pytest.raises(ColumnNotFoundError, match=rf"{argument} column 'centre'"):
        fit(data, **{argument: "centre"})


def test_text_column_without_c_is_categorical_as_in_r(data: pd.DataFrame) -> None:
    # As R's factors: the first sorted level (DDLPS) is the reference.
    bare, _ = caught(data, "Surv(t, e) ~ x + histology")
    assert list(bare.params.index) == ["x", "histology[T.LMS]", "histology[T.UPS]"]
    wrapped, _ = caught(data, "Surv(t, e) ~ x + C(histology)")
    np.testing.assert_allclose(bare.params.to_numpy(), wrapped.params.to_numpy(), rtol=1e-12)
    # A pandas Categorical keeps its order of categories: UPS first, the reference.
    ordered = data.assign(
        histology=pd.Categorical(data["histology"], categories=["UPS", "LMS", "DDLPS"])
    )
    result, _ = caught(ordered, "Surv(t, e) ~ histology")
    assert list(result.params.index) == ["histology[T.LMS]", "histology[T.DDLPS]"]
    # With C(), contr.treatment chooses the reference.
    result, _ = caught(data, "Surv(t, e) ~ C(histology, contr.treatment('LMS'))")
    assert [name.rsplit("[", 1)[1] for name in result.params.index] == ["T.DDLPS]", "T.UPS]"]


@pytest.mark.parametrize(
    "formula",
    ["t ~ x", "Surv(t) ~ x", "Surv(a, b, c, d) ~ x", "Surv(t, e) ~ x +", "Surv(t, e) ~ x + (("],
)
def test_malformed_formula(data: pd.DataFrame, formula: str) -> None:
    with pytest.raises(FormulaError):
        fit(data, formula)


def test_unknown_reference_level(data: pd.DataFrame) -> None:
    with pytest.raises(FormulaError, match="GIST"):
        fit(data, "Surv(t, e) ~ C(histology, contr.treatment('GIST'))")


def test_unknown_ties_method(data: pd.DataFrame) -> None:
    with pytest.raises(SarcosurvError, match="ties must be 'efron' or 'breslow', not 'exact'"):
        fit(data, ties="exact")  # type: ignore[arg-type]


def test_no_events(data: pd.DataFrame) -> None:
    with pytest.raises(EmptyDataError, match="column 'e' has no events among the 8 rows"):
        fit(data.assign(e=0))


def test_no_events_after_exclusions(data: pd.DataFrame) -> None:
    # The only events have a missing covariate.
    frame = data.assign(e=[1, 0, 0, 0, 0, 0, 0, 1], x=[np.nan, 1, 2, 3, 4, 5, 6, np.nan])
    with pytest.raises(EmptyDataError, match="no events among the 6 rows used"):
        fit(frame)


def test_events_of_weight_zero(data: pd.DataFrame) -> None:
    weights = np.where(data["e"] == 1, 0.0, 1.0)
    with pytest.raises(EmptyDataError, match="column 'w': every event row has weight 0"):
        fit(data.assign(w=weights), weights="w")


def test_empty_data_and_no_complete_case(data: pd.DataFrame) -> None:
    with pytest.raises(EmptyDataError, match="no rows"):
        fit(data.iloc[:0])
    with pytest.raises(EmptyDataError, match="complete cases"):
        fit(data.assign(x=np.nan))


def test_single_event_warns_and_fits(data: pd.DataFrame) -> None:
    # The event row's x lies inside the range of its risk set: a finite estimate.
    result, record = caught(data.assign(e=[0, 0, 1, 0, 0, 0, 0, 0]), "Surv(t, e) ~ x")
    assert [w.category for w in record] == [SarcosurvWarning]
    assert "only one event" in str(record[0].message)
    assert result.n_event == 1
    assert np.isfinite(result.params["x"])
    assert np.isfinite(result.std_err["x"])


def test_single_event_at_the_extreme_is_a_monotone_likelihood(data: pd.DataFrame) -> None:
    # The event row (x = 2.0) has the largest x of its risk set: beta -> +infinity.
    _, record = caught(data.assign(e=[0, 0, 0, 0, 1, 0, 0, 0]), "Surv(t, e) ~ x")
    monotone = [w for w in record if w.category is MonotoneLikelihoodWarning]
    assert len(monotone) == 1
    assert "term 'x'" in str(monotone[0].message)


def test_perfect_separation_names_the_term(data: pd.DataFrame) -> None:
    # Every event before time 5 is in group 1, every later row is censored or group 0.
    frame = data.assign(group=[1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0], e=[1, 1, 1, 1, 0, 0, 0, 0])
    result, record = caught(frame, "Surv(t, e) ~ x + group")
    monotone = [str(w.message) for w in record if w.category is MonotoneLikelihoodWarning]
    assert len(monotone) == 1
    assert "term 'group'" in monotone[0]
    assert "'x'" not in monotone[0]
    assert result.params["group"] > 5


def test_no_events_in_one_category_names_the_dummy(data: pd.DataFrame) -> None:
    frame = data.assign(e=[1, 1, 1, 0, 1, 1, 0, 1])  # no UPS event
    _, record = caught(frame, "Surv(t, e) ~ C(histology, contr.treatment('LMS'))")
    monotone = [str(w.message) for w in record if w.category is MonotoneLikelihoodWarning]
    assert len(monotone) == 1
    assert "UPS" in monotone[0]


def test_start_not_before_stop_names_column_and_rows(data: pd.DataFrame) -> None:
    frame = data.assign(start=[0.0, 0.0, 3.0, 0.0, 0.0, 0.0, 9.0, 0.0])
    with pytest.raises(InvalidDataError) as info:
        fit(frame, "Surv(start, t, e) ~ x")
    error = info.value
    assert error.column == "start"
    assert error.rows == [12, 16]
    assert "entry time is not before the exit time" in str(error)
    assert "row 12 (patient_id 'P2')" in str(error)
    assert "row 16 (patient_id 'P6')" in str(error)


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        ("t", -1.0, "negative time"),
        ("t", np.inf, "infinite time"),
        ("e", 2.0, "event indicator is not 0 or 1"),
        ("e", -1.0, "event indicator is not 0 or 1"),
        ("e", 0.5, "event indicator is not 0 or 1"),
    ],
)
def test_bad_time_or_event_names_column_and_row(
    data: pd.DataFrame, column: str, value: float, problem: str
) -> None:
    frame = data.assign(**{column: data[column].astype(float)})
    frame.loc[13, column] = value
    with pytest.raises(InvalidDataError) as info:
        fit(frame)
    assert info.value.column == column
    assert info.value.rows == [13]
    assert problem in str(info.value)
    assert "row 13 (patient_id 'P3')" in str(info.value)


def test_text_in_the_event_column(data: pd.DataFrame) -> None:
    frame = data.assign(e=["1", "0", "dead", "1", "0", "1", "0", "1"])
    with pytest.raises(InvalidDataError, match=r"column 'e': value is not a number at row 12"):
        fit(frame)


def test_missing_time_is_an_exclusion_not_an_error(data: pd.DataFrame) -> None:
    # As R's na.omit: the row is left out and listed with the reason.
    frame = data.assign(t=[1.0, np.nan, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0])
    result = fit(frame)
    assert result.n == 7
    assert result.excluded["row"].tolist() == [11]
    assert result.excluded["patient_id"].tolist() == ["P1"]
    assert result.excluded["reason"].tolist() == ["missing value in column 't'"]
    np.testing.assert_allclose(result.params, fit(data.drop(index=11)).params, rtol=1e-12)


def test_missing_values_report_the_first_missing_column(data: pd.DataFrame) -> None:
    frame = data.assign(
        x=[0.5, np.nan, -0.3, np.nan, 2.0, -1.0, 0.1, 0.4],
        e=[1, 0, 1, np.nan, 0, 1, 0, 1],
    )
    result = fit(frame)
    assert result.excluded["row"].tolist() == [11, 13]
    assert result.excluded["reason"].tolist() == [
        "missing value in column 'x'",
        "missing value in column 'e'",
    ]


@pytest.mark.parametrize(
    ("formula", "values", "column", "rows"),
    [
        ("Surv(t, e) ~ x", [0.5, np.inf, 1, 1, 2, 3, 4, 5], "x", [11]),
        ("Surv(t, e) ~ np.log(x)", [1.0, 2.0, 0.0, 1, 2, 3, 4, 5], "np.log(x)", [12]),
        ("Surv(t, e) ~ np.log(x)", [1.0, 2.0, -1.0, 1, 2, -3, 4, 5], "np.log(x)", [12, 15]),
    ],
)
def test_non_finite_model_terms_name_the_term_and_rows(
    data: pd.DataFrame, formula: str, values: list[float], column: str, rows: list[int]
) -> None:
    frame = data.assign(x=values)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's own log(0) warning
        with pytest.raises(InvalidDataError) as info:
            fit(frame, formula)
    assert info.value.column == column
    assert info.value.rows == rows
    assert "value of the model term" in str(info.value)


def test_covariate_too_large_is_a_typed_error_not_a_linalg_error(data: pd.DataFrame) -> None:
    with pytest.raises(InvalidDataError, match="column 'x': value too large"):
        fit(data.assign(x=data["x"] * 1e200))
    # Large but representable values are simply a rescaled problem.
    result = fit(data.assign(x=data["x"] * 1e150))
    assert result.params["x"] * 1e150 == pytest.approx(fit(data).params["x"], rel=1e-8)


def test_negative_or_missing_weight(data: pd.DataFrame) -> None:
    with pytest.raises(InvalidDataError, match="column 'w': negative weight at row 14"):
        fit(data.assign(w=[1.0, 1, 1, 1, -2, 1, 1, 1]), weights="w")
    result = fit(data.assign(w=[1.0, 1, 1, 1, np.nan, 1, 1, 1]), weights="w")
    assert result.excluded["reason"].tolist() == ["missing value in column 'w'"]


@pytest.mark.parametrize(
    ("extra", "dropped"),
    [
        ({"k": 3.0}, "k"),  # constant
        ({"k": 0.1}, "k"),  # constant, not integer
        ({"k": lambda d: 2 * d["x"] + 1}, "k"),  # collinear with x
    ],
)
def test_constant_or_collinear_column_is_dropped_with_a_warning(
    data: pd.DataFrame, extra: dict[str, Any], dropped: str
) -> None:
    result, record = caught(data.assign(**extra), "Surv(t, e) ~ x + k")
    messages = [str(w.message) for w in record if w.category is CollinearityWarning]
    assert len(messages) == 1
    assert f"'{dropped}'" in messages[0]
    assert result.dropped_terms == (dropped,)
    assert list(result.params.index) == ["x"]
    np.testing.assert_allclose(result.params, fit(data).params, rtol=1e-10)


def test_later_collinear_term_is_the_one_dropped(data: pd.DataFrame) -> None:
    # As R: the term that adds nothing to the ones before it in the formula.
    frame = data.assign(a=data["x"] ** 2, b=data["x"] ** 2 - 3 * data["x"])
    result, record = caught(frame, "Surv(t, e) ~ x + a + b")
    assert result.dropped_terms == ("b",)
    result, record = caught(frame, "Surv(t, e) ~ b + a + x")
    assert result.dropped_terms == ("x",)
    assert any(w.category is CollinearityWarning for w in record)


def test_dummy_collinear_with_a_numeric_column(data: pd.DataFrame) -> None:
    frame = data.assign(is_ups=(data["histology"] == "UPS").astype(float))
    result, record = caught(frame, "Surv(t, e) ~ C(histology, contr.treatment('LMS')) + is_ups")
    assert result.dropped_terms == ("is_ups",)
    assert any("'is_ups'" in str(w.message) for w in record)


def test_single_category_term_warns(data: pd.DataFrame) -> None:
    result, record = caught(data.assign(histology="LMS"), "Surv(t, e) ~ C(histology) + x")
    messages = [str(w.message) for w in record if w.category is CollinearityWarning]
    assert len(messages) == 1
    assert "term 'C(histology)'" in messages[0]
    assert list(result.params.index) == ["x"]


def test_iteration_cap_warns(data: pd.DataFrame) -> None:
    _, record = caught(data, "Surv(t, e) ~ x", max_iter=1)
    assert any(w.category is ConvergenceWarning for w in record)


def test_no_linalg_error_for_degenerate_designs(data: pd.DataFrame) -> None:
    # Every column constant: a null model with a warning, not a singular-matrix traceback.
    result, record = caught(data.assign(x=1.0, z=2.0), "Surv(t, e) ~ x + z")
    assert result.params.empty
    assert result.dropped_terms == ("x", "z")
    assert any(w.category is CollinearityWarning for w in record)
    assert result.loglik[0] == pytest.approx(result.loglik[1])
