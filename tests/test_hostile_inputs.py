"""Hostile input: typed errors instead of crashes, or simply working (issue 17)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sarcosurv as ss
from sarcosurv.errors import (
    ColumnNotFoundError,
    EmptyDataError,
    FormulaError,
    GroupError,
    InvalidDataError,
    SarcosurvError,
)


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 100
    return pd.DataFrame(
        {
            "t": rng.exponential(1, n),
            "e": rng.integers(0, 2, n),
            "x": rng.normal(size=n),
            "z": rng.normal(size=n),
            "g": rng.integers(0, 3, n),
        }
    )


# --- test_proportional_hazards ------------------------------------------------


@pytest.mark.parametrize("transform", ["km", "rank", "identity"])
@pytest.mark.parametrize("factor", [1e-300, 1e300, 1e-200, 3.7])
def test_ph_test_does_not_depend_on_the_time_unit(
    data: pd.DataFrame, transform: str, factor: float
) -> None:
    # timefix (R's aeqSurv) also merges times less than sqrt(eps) apart in absolute
    # terms, as R does: a time unit of 1e-300 would tie every time. Off here.
    base = ss.coxph("Surv(t, e) ~ x + z", data, timefix=False).test_proportional_hazards(
        transform=transform
    )
    scaled = ss.coxph("Surv(t, e) ~ x + z", data.assign(t=data["t"] * factor), timefix=False)
    table = scaled.test_proportional_hazards(transform=transform)
    assert np.isfinite(table["p_value"]).all()
    np.testing.assert_allclose(table["statistic"], base["statistic"], rtol=1e-9)


@pytest.mark.parametrize("n_events", [1, 3])
def test_ph_test_with_events_at_one_time_is_typed(data: pd.DataFrame, n_events: int) -> None:
    frame = data.assign(e=0)
    frame.loc[: n_events - 1, "e"] = 1
    frame.loc[: n_events - 1, "t"] = 0.5
    with pytest.warns(ss.errors.SarcosurvWarning) if n_events == 1 else _nothing():
        fit = ss.coxph("Surv(t, e) ~ x", frame)
    with pytest.raises(EmptyDataError, match="two or more distinct times"):
        fit.test_proportional_hazards()


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *args: object) -> None:
        return None


# --- column arguments -----------------------------------------------------------


def test_duplicate_column_names_are_typed(data: pd.DataFrame) -> None:
    doubled = pd.concat([data, data[["g"]]], axis=1)
    for call in (
        lambda: ss.kaplan_meier(doubled, time="t", event="e", by="g"),
        lambda: ss.logrank_test(doubled, time="t", event="e", by="g"),
        lambda: ss.cumulative_incidence(doubled, time="t", event="e", by="g"),
    ):
        with pytest.raises(SarcosurvError, match="'g' appears 2 times"):
            call()
    with pytest.raises(FormulaError, match="'g' appears 2 times"):
        ss.coxph("Surv(t, e) ~ g", doubled)


def test_integer_column_names_work(data: pd.DataFrame) -> None:
    numbered = data.set_axis(range(data.shape[1]), axis=1)
    km = ss.kaplan_meier(numbered, time=0, event=1, by=4)
    reference = ss.kaplan_meier(data, time="t", event="e", by="g")
    np.testing.assert_allclose(km.table["survival"], reference.table["survival"])
    rank = ss.logrank_test(numbered, time=0, event=1, by=[4])
    assert rank.statistic == pytest.approx(
        ss.logrank_test(data, time="t", event="e", by="g").statistic
    )
    assert ss.median_followup(numbered, time=0, event=1).median == pytest.approx(
        ss.median_followup(data, time="t", event="e").median
    )


@pytest.mark.parametrize("value", [["t"], ("t",), ["t", "t"], 1.5j])
def test_time_that_is_not_one_name_is_typed(data: pd.DataFrame, value: object) -> None:
    with pytest.raises(SarcosurvError, match="time must name a column"):
        ss.kaplan_meier(data, time=value, event="e")


def test_missing_time_is_typed(data: pd.DataFrame) -> None:
    with pytest.raises(SarcosurvError, match="time and event are required"):
        ss.kaplan_meier(data, time=None, event="e")


@pytest.mark.parametrize(
    ("value", "match"),
    [(["g", "g"], "more than once"), ([None], "must list column names"), (["h"], "not in")],
)
def test_bad_by_lists_are_typed(data: pd.DataFrame, value: list[object], match: str) -> None:
    with pytest.raises(SarcosurvError, match=match):
        ss.kaplan_meier(data, time="t", event="e", by=value)
    with pytest.raises(SarcosurvError, match=match):
        ss.logrank_test(data, time="t", event="e", by=value)


def test_deprecated_group_with_duplicates_is_typed(data: pd.DataFrame) -> None:
    with (
        pytest.warns(DeprecationWarning, match="by="),
        pytest.raises(SarcosurvError, match="more than once"),
    ):
        ss.logrank_test(data, time="t", event="e", group=["g", "g"])


@pytest.mark.parametrize("value", [["g", "g"], ["g", "x"]])
def test_frailty_of_several_columns_is_typed(data: pd.DataFrame, value: list[str]) -> None:
    with pytest.raises(FormulaError, match="frailty takes one column"):
        ss.coxph("Surv(t, e) ~ x", data, frailty=value)  # type: ignore[arg-type]


def test_frailty_of_one_listed_column_works(data: pd.DataFrame) -> None:
    listed = ss.coxph("Surv(t, e) ~ x", data, frailty=["g"])  # type: ignore[arg-type]
    named = ss.coxph("Surv(t, e) ~ x", data, frailty="g")
    assert listed.params["x"] == pytest.approx(named.params["x"], rel=1e-12)


@pytest.mark.parametrize(
    "formula", ["Surv(t, e) ~ x ~ t", "Surv(t, e) ~ x | z", "Surv(t, e) ~ .", "~ x"]
)
def test_unsupported_formula_shapes_are_typed(data: pd.DataFrame, formula: str) -> None:
    with pytest.raises(FormulaError):
        ss.coxph(formula, data)


# --- prediction, plots ------------------------------------------------------------


def test_predict_survival_bad_newdata_is_typed(data: pd.DataFrame) -> None:
    fit = ss.coxph("Surv(t, e) ~ x + z", data)
    with pytest.raises(ColumnNotFoundError, match="'z'"):
        fit.predict_survival(data[["x"]], times=[1.0])
    with pytest.raises(InvalidDataError, match="'x'"):
        fit.predict_survival(data[["x", "z"]].astype(object).assign(x="abc"), times=[1.0])
    with pytest.raises(SarcosurvError, match="DataFrame"):
        fit.predict_survival({"x": 1.0, "z": 2.0}, times=[1.0])  # type: ignore[arg-type]


def test_km_plot_with_too_few_colours_is_typed(data: pd.DataFrame) -> None:
    pytest.importorskip("matplotlib")
    km = ss.kaplan_meier(data, time="t", event="e", by="g")
    with pytest.raises(SarcosurvError, match="1 colour"):
        km.plot(colors=["red"])
    with pytest.raises(SarcosurvError, match="one per curve"):
        km.plot(colors="red")


# --- weights, indexes, labels ---------------------------------------------------


def test_km_with_zero_weights_is_empty_data(data: pd.DataFrame) -> None:
    with pytest.raises(EmptyDataError, match="weight 0"):
        ss.kaplan_meier(data.assign(w=0.0), time="t", event="e", weights="w")
    weights = np.where(data["g"] == 2, 0.0, 1.0)
    with pytest.raises(EmptyDataError, match="group 2"):
        ss.kaplan_meier(data.assign(w=weights), time="t", event="e", weights="w", by="g")


def test_duplicate_index_labels_give_the_same_results(data: pd.DataFrame) -> None:
    repeated = data.set_axis([0] * len(data), axis=0)
    km = ss.kaplan_meier(repeated, time="t", event="e", by="g")
    np.testing.assert_allclose(
        km.table["survival"], ss.kaplan_meier(data, time="t", event="e", by="g").table["survival"]
    )
    rank = ss.logrank_test(repeated, time="t", event="e", by="g")
    assert rank.statistic == pytest.approx(
        ss.logrank_test(data, time="t", event="e", by="g").statistic
    )
    fit = ss.coxph("Surv(t, e) ~ x", repeated)
    assert fit.params["x"] == pytest.approx(ss.coxph("Surv(t, e) ~ x", data).params["x"])
    assert ss.median_followup(repeated, time="t", event="e").median == pytest.approx(
        ss.median_followup(data, time="t", event="e").median
    )


@pytest.mark.parametrize("scores", [[1, 1, 1], [2.5, 2.5, 2.5]])
def test_constant_trend_scores_are_typed(data: pd.DataFrame, scores: list[float]) -> None:
    with pytest.raises(GroupError, match="scores are all equal"):
        ss.logrank_test(data, time="t", event="e", by="g", trend=True, scores=scores)


def test_text_trend_scores_are_typed(data: pd.DataFrame) -> None:
    with pytest.raises(SarcosurvError, match="finite numbers"):
        ss.logrank_test(data, time="t", event="e", by="g", trend=True, scores=["a", "b", "c"])


def _mixed(data: pd.DataFrame) -> pd.DataFrame:
    values = {0: 1, 1: "1", 2: "2"}
    return data.assign(m=pd.Series([values[g] for g in data["g"]], index=data.index, dtype=object))


def test_mixed_type_group_labels_are_typed(data: pd.DataFrame) -> None:
    mixed = _mixed(data)
    for call in (
        lambda: ss.kaplan_meier(mixed, time="t", event="e", by="m"),
        lambda: ss.logrank_test(mixed, time="t", event="e", by="m"),
        lambda: ss.coxph("Surv(t, e) ~ x", mixed, strata="m"),
        lambda: ss.cumulative_incidence(mixed, time="t", event="e", by="m"),
    ):
        with pytest.raises(GroupError, match="print alike"):
            call()


def test_mixed_types_that_print_differently_work(data: pd.DataFrame) -> None:
    values = {0: 1, 1: "one", 2: "2"}
    mixed = data.assign(m=pd.Series([values[g] for g in data["g"]], dtype=object))
    km = ss.kaplan_meier(mixed, time="t", event="e", by="m")
    assert km.groups.shape[0] == 3


@pytest.mark.parametrize("name", ["event", "reverse", "censored", "__event__", "time"])
def test_median_followup_ignores_other_columns(data: pd.DataFrame, name: str) -> None:
    frame = data.assign(**{name: 1 - data["e"]})
    assert ss.median_followup(frame, time="t", event="e").median == pytest.approx(
        ss.median_followup(data, time="t", event="e").median
    )


def test_logrank_with_too_many_groups_is_refused_before_allocating() -> None:
    rng = np.random.default_rng(3)
    n = 200_000
    time, event = rng.exponential(1, n), rng.integers(0, 2, n)
    groups = rng.integers(0, 100_000, n)
    with pytest.raises(GroupError, match=r"GiB.*fewer groups"):
        ss.logrank_test(time=time, event=event, by=groups)


def test_logrank_with_many_small_groups_still_runs() -> None:
    rng = np.random.default_rng(4)
    n = 2_000
    time, event = rng.exponential(1, n), rng.integers(0, 2, n)
    result = ss.logrank_test(time=time, event=event, by=rng.integers(0, 200, n))
    assert 0.0 <= result.p_value <= 1.0
    assert result.df == 199


@pytest.mark.parametrize(
    "options",
    [
        {"conf_level": 95},
        {"conf_level": 2},
        {"conf_level": 0},
        {"conf_level": -1},
        {"max_iter": -5},
    ],
)
def test_issue_option_values_are_refused(data: pd.DataFrame, options: dict[str, float]) -> None:
    with pytest.raises(SarcosurvError, match=next(iter(options))):
        ss.coxph("Surv(t, e) ~ x", data, **options)  # type: ignore[arg-type]


def test_cluster_given_as_a_list_is_the_column(data: pd.DataFrame) -> None:
    frame = data.assign(centre=np.arange(len(data)) % 7)
    listed = ss.coxph("Surv(t, e) ~ x", frame, cluster=["centre"])  # type: ignore[arg-type]
    named = ss.coxph("Surv(t, e) ~ x", frame, cluster="centre")
    assert listed.std_err["x"] == pytest.approx(named.std_err["x"], rel=1e-12)
    assert listed.std_err["x"] > 1e-3  # not the one-cluster degenerate 9e-16


def test_formula_calling_python_is_refused(data: pd.DataFrame) -> None:
    with pytest.raises(FormulaError, match="__import__"):
        ss.coxph("Surv(t, e) ~ x + I(__import__('os').getpid())", data)
