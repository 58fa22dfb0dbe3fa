"""Kaplan–Meier plots (contract D): steps, censor ticks, bands, numbers at risk."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sarcosurv as ss

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from reference_inputs import DATA_DIR  # noqa: E402
from sarcosurv.report.plots import plot_kaplan_meier  # noqa: E402


@pytest.fixture
def km() -> ss.KaplanMeierResult:
    data = pd.DataFrame(
        {
            "t": [1, 2, 2, 3, 4, 5, 6, 7, 8, 9],
            "e": [1, 0, 1, 1, 0, 1, 1, 0, 1, 0],
            "arm": ["A", "A", "A", "A", "A", "B", "B", "B", "B", "B"],
        }
    )
    return ss.kaplan_meier(data, "t", "e", by="arm")


@pytest.fixture(autouse=True)
def _close_figures() -> object:
    yield None
    plt.close("all")


def test_curves_ticks_bands_and_risk_table(km: ss.KaplanMeierResult) -> None:
    ax = plot_kaplan_meier(km, risk_times=[0, 2, 4, 6, 8], title="Overall survival")
    steps = [line for line in ax.get_lines() if line.get_label() in ("A", "B")]
    assert len(steps) == 2
    # The first curve starts at (0, 1) and follows the table.
    x, y = steps[0].get_data()
    assert (x[0], y[0]) == (0.0, 1.0)
    np.testing.assert_allclose(y[1:], km.table.loc[km.table["group"] == "A", "survival"])
    ticks = [line for line in ax.get_lines() if line.get_marker() == "+"]
    assert len(ticks) == 2
    assert len(ax.collections) == 2  # one confidence band per curve
    # The numbers at risk are an axes of their own under the plot, x shared.
    table = ax.figure.axes[1]
    assert table.get_title(loc="left") == "Number at risk"
    assert table.get_shared_x_axes().joined(table, ax)
    assert [t.get_text() for t in table.get_yticklabels()] == ["A", "B"]
    # Group A: 5 at risk at 0, 4 at 2 (time >= 2), 1 at 4, then none.
    expected = km.survival_at([0, 2, 4, 6, 8], extend=True)
    shown = [t.get_text() for t in table.texts]
    assert shown[:5] == [f"{n:g}" for n in expected.loc[expected["group"] == "A", "n_risk"]]
    assert shown[:5] == ["5", "4", "1", "0", "0"]
    assert [t.get_position()[0] for t in table.texts[:5]] == [0, 2, 4, 6, 8]
    assert ax.get_title() == "Overall survival"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["A", "B"]


def test_options_turn_parts_off(km: ss.KaplanMeierResult) -> None:
    _, ax = plt.subplots()
    returned = km.plot(ax=ax, risk_table=False, conf_int=False, labels=["Arm A", "Arm B"])
    assert returned is ax
    assert len(ax.collections) == 0
    assert len(ax.texts) == 0
    assert len(ax.figure.axes) == 1  # no table axes
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Arm A", "Arm B"]


def test_label_mapping_and_axis_texts(km: ss.KaplanMeierResult) -> None:
    ax = km.plot(labels={"B": "Arm B"}, xlabel="Months", ylabel="Overall survival")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["A", "Arm B"]
    assert ax.get_xlabel() == "Months"
    assert ax.get_ylabel() == "Overall survival"


def test_single_curve_and_bad_labels() -> None:
    data = pd.DataFrame({"t": [1, 2, 3], "e": [1, 0, 1]})
    km = ss.kaplan_meier(data, "t", "e")
    ax = km.plot()
    assert ax.get_legend() is None
    with pytest.raises(ValueError, match="labels"):
        km.plot(labels=["a", "b"])


def test_event_scale_percent_median_lines_and_p_value(km: ss.KaplanMeierResult) -> None:
    ax = km.plot(fun="event", percent=True, median_lines=True, pval=0.0496, risk_table=False)
    step = next(line for line in ax.get_lines() if line.get_label() == "A")
    _, y = step.get_data()
    np.testing.assert_allclose(y[1:], 1 - km.table.loc[km.table["group"] == "A", "survival"])
    assert ax.get_ylabel() == "Cumulative event probability"
    assert ax.yaxis.get_major_formatter()(0.5, 0) == "50%"
    from sarcosurv.report.format import format_p_value

    assert [t.get_text() for t in ax.texts] == [f"Log-rank p = {format_p_value(0.0496)}"]
    medians = km.median()["median"].to_numpy()
    vertical = ax.collections[-1].get_segments()
    np.testing.assert_allclose(sorted(seg[0][0] for seg in vertical), sorted(medians))


def test_p_value_from_the_curves_equals_logrank_test() -> None:
    from sarcosurv.report.plots import logrank_p_from_curves

    data = pd.read_csv(DATA_DIR / "lung.csv")
    data["event"] = (data["status"] == 2).astype(int)
    for by in ("sex", "ph.ecog"):
        km = ss.kaplan_meier(data, "time", "event", by=by)
        p = ss.logrank_test(data, "time", "event", by=by).p_value
        np.testing.assert_allclose(logrank_p_from_curves(km), p, rtol=1e-10)
        ax = km.plot(pval=True, risk_table=False)
        assert ax.texts[0].get_text().startswith("Log-rank p")


def test_p_value_refuses_late_entry_and_weights() -> None:
    from sarcosurv.errors import SarcosurvError

    data = pd.DataFrame(
        {"t": [2.0, 3, 4, 5, 6, 7], "e": [1, 1, 0, 1, 1, 0], "s": [0, 1.5, 0, 0, 2.5, 0]}
    )
    data["g"] = ["a", "a", "a", "b", "b", "b"]
    late = ss.kaplan_meier(data, "t", "e", by="g", entry="s")
    with pytest.raises(SarcosurvError, match="late entries"):
        late.plot(pval=True)
    weighted = ss.kaplan_meier(data.assign(w=1.5), "t", "e", by="g", weights="w")
    with pytest.raises(SarcosurvError, match="unweighted"):
        weighted.plot(pval=True)


def test_break_time_by_sets_ticks_and_table_columns(km: ss.KaplanMeierResult) -> None:
    ax = km.plot(break_time_by=3)
    assert list(ax.get_xticks()) == [0.0, 3.0, 6.0, 9.0]
    table = ax.figure.axes[1]
    assert [t.get_position()[0] for t in table.texts[:4]] == [0.0, 3.0, 6.0, 9.0]
    from sarcosurv.errors import SarcosurvError

    with pytest.raises(SarcosurvError, match="break_time_by"):
        km.plot(break_time_by=0)
