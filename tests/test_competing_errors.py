"""Bad input to the competing-risks functions: typed errors naming the rows, counted exclusions."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import sarcosurv as ss
from sarcosurv.errors import ColumnNotFoundError, GroupError, InvalidDataError, SarcosurvWarning


def _data() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "t": [1.0, 2.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
            "e": [1, 2, 0, 1, 2, 0, 1, 2],
            "g": ["a", "b", "a", "b", "a", "b", "a", "b"],
            "patient_id": [f"P{i}" for i in range(8)],
        },
        index=[f"r{i}" for i in range(8)],
    )


def test_undeclared_cause_names_the_rows() -> None:
    data = _data()
    data.loc["r3", "e"] = 3
    with pytest.raises(InvalidDataError, match="r3") as info:
        ss.cumulative_incidence(data, "t", "e", causes=[1, 2])
    assert info.value.rows == ["r3"]
    assert info.value.column == "e"
    assert "P3" in str(info.value)


def test_negative_and_fractional_codes() -> None:
    data = _data()
    data.loc["r1", "e"] = -1
    with pytest.raises(InvalidDataError, match="negative event code") as info:
        ss.cumulative_incidence(data, "t", "e")
    assert info.value.rows == ["r1"]
    data = _data().astype({"e": float})
    data.loc["r2", "e"] = 1.5
    with pytest.raises(InvalidDataError, match="whole number"):
        ss.gray_test(data, "t", "e", by="g")


def test_missing_causes_are_excluded_and_listed() -> None:
    data = _data().astype({"e": float})
    data.loc[["r0", "r5"], "e"] = np.nan
    ci = ss.cumulative_incidence(data, "t", "e", by="g")
    assert ci.n_excluded == 2
    assert list(ci.excluded["row"]) == ["r0", "r5"]
    assert list(ci.excluded["patient_id"]) == ["P0", "P5"]
    assert "event" in ci.excluded["reason"].iloc[0]
    assert int(ci.groups["n"].sum()) == 6
    assert ss.gray_test(data, "t", "e", by="g").excluded.shape[0] == 2


def test_entry_not_before_exit() -> None:
    data = _data().assign(entry=0.0)
    data.loc["r4", "entry"] = 4.0
    with pytest.raises(InvalidDataError, match="r4"):
        ss.cumulative_incidence(data, "t", "e", entry="entry")


def test_declared_cause_without_events() -> None:
    ci = ss.cumulative_incidence(_data(), "t", "e", causes=[1, 2, 3])
    third = ci.table[ci.table["cause"] == 3]
    assert (third["cif"] == 0.0).all()
    assert (third["std_err"] == 0.0).all()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gray = ss.gray_test(_data(), "t", "e", by="g", causes=[1, 2, 3])
    assert np.isnan(gray.statistic[3])
    assert np.isnan(gray.p_value[3])
    assert any(issubclass(w.category, SarcosurvWarning) for w in caught)
    assert np.isfinite(gray.statistic[1])


def test_labels_need_the_censoring_label() -> None:
    data = _data().assign(status=lambda d: d["e"].map({0: "alive", 1: "relapse", 2: "death"}))
    with pytest.raises(InvalidDataError, match="censored="):
        ss.cumulative_incidence(data, "t", "status")
    labelled = ss.cumulative_incidence(data, "t", "status", censored="alive")
    coded = ss.cumulative_incidence(data, "t", "e")
    assert labelled.causes == ("death", "relapse")
    death = labelled.table[labelled.table["cause"] == "death"]["cif"].to_numpy()
    np.testing.assert_allclose(death, coded.table[coded.table["cause"] == 2]["cif"])


def test_other_bad_arguments() -> None:
    with pytest.raises(ColumnNotFoundError):
        ss.cumulative_incidence(_data(), "t", "nope")
    with pytest.raises(GroupError):
        ss.gray_test(_data().assign(g="a"), "t", "e", by="g")
    with pytest.raises(ValueError, match="conf_type"):
        ss.cumulative_incidence(_data(), "t", "e", conf_type="logit")
    with pytest.raises(GroupError):
        ss.rmst_test(_data().assign(e=1, g="a"), "t", "e", by="g")


def test_rmst_tau_beyond_follow_up_warns() -> None:
    data = _data().assign(e=lambda d: (d["e"] > 0).astype(int))
    with pytest.warns(SarcosurvWarning, match="beyond"):
        result = ss.rmst_test(data, "t", "e", by="g", tau=100.0)
    assert result.tau_rule == "given"
    default = ss.rmst_test(data, "t", "e", by="g")
    assert default.tau == 6.0
    assert "default" in default.tau_rule
    assert "tau = 6" in str(default)


def test_results_print() -> None:
    ci = ss.cumulative_incidence(_data(), "t", "e", by="g")
    assert repr(ci) == "<CumulativeIncidenceResult n=8 causes=2 groups=2>"
    assert "Aalen–Johansen" in str(ci)
    assert "<table" in ci._repr_html_()
    at = ci.at([0.5, 3, 100])
    assert list(at.columns) == [
        "group",
        "time",
        "cause",
        "cif",
        "std_err",
        "lower",
        "upper",
        "n_risk",
    ]
    assert (at[at["time"] == 0.5]["cif"] == 0).all()
    assert at[at["time"] == 100]["cif"].isna().all()
    gray = ss.gray_test(_data(), "t", "e", by="g")
    assert repr(gray) == "<GrayTestResult causes=2 groups=2>"
    assert "Gray's test" in str(gray)


def test_plots_draw() -> None:
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ci = ss.cumulative_incidence(_data(), "t", "e", by="g")
    ax = ci.plot()
    assert len(ax.get_lines()) == 4
    with pytest.raises(ValueError, match="one group"):
        ci.plot(stacked=True)
    single = ss.cumulative_incidence(_data(), "t", "e")
    ax = single.plot(stacked=True, risk_table=False)
    assert len(ax.collections) == 3
    plt.close("all")


def test_rows_without_event_may_lack_a_time() -> None:
    data = _data().astype({"e": float, "t": float})
    data.loc["r6", ["e", "t"]] = np.nan
    ci = ss.cumulative_incidence(data, "t", "e")
    assert list(ci.excluded["row"]) == ["r6"]
    data.loc["r2", "t"] = np.nan  # an event status without a time is still an error
    with pytest.raises(InvalidDataError, match="r2"):
        ss.cumulative_incidence(data, "t", "e")


def test_finegray_bad_input() -> None:
    data = _data().assign(x=[0.1, 0.5, -0.3, 1.2, 0.0, 0.7, -1.1, 0.4])
    with pytest.raises(ValueError, match="cause 3"):
        ss.finegray("Surv(t, e) ~ x", data, cause=3)
    with pytest.raises(ValueError, match="weighting"):
        ss.finegray("Surv(t, e) ~ x", data, weighting="other")
    data.loc["r5", "e"] = -2
    with pytest.raises(InvalidDataError, match="r5"):
        ss.finegray("Surv(t, e) ~ x", data)
    data.loc["r5", "e"] = 0
    data.loc["r1", "x"] = np.nan
    fit = ss.finegray("Surv(t, e) ~ x", data)
    assert list(fit.excluded["row"]) == ["r1"]
    assert fit.n == 7
    assert repr(fit).startswith("<FineGrayResult n=7")
    assert "Fine–Gray" in str(fit)
