"""Kaplan–Meier plots (contract D): steps, censor ticks, bands, numbers at risk."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sarcosurv as ss

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

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
    texts = [t.get_text() for t in ax.texts]
    assert "Number at risk" in texts
    # Group A: 5 at risk at 0, 4 at 2 (time >= 2), 1 at 4, then none.
    expected = km.survival_at([0, 2, 4, 6, 8], extend=True)
    for n in expected.loc[expected["group"] == "A", "n_risk"]:
        assert f"{n:g}" in texts
    assert ax.get_title() == "Overall survival"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["A", "B"]


def test_options_turn_parts_off(km: ss.KaplanMeierResult) -> None:
    _, ax = plt.subplots()
    returned = km.plot(ax=ax, risk_table=False, conf_int=False, labels=["Arm A", "Arm B"])
    assert returned is ax
    assert len(ax.collections) == 0
    assert len(ax.texts) == 0
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
