"""Risk-table row names stay clear of the first column of counts; CIF plot labels and p.

Geometry, not pixels: after a plain ``savefig``, each row name's window extent
(a y tick label of the table axes) must end left of the extent of that row's
first count, which is centred on the table's left edge.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

import sarcosurv as ss
from sarcosurv.errors import SarcosurvError

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from reference_inputs import DATA_DIR  # noqa: E402


@pytest.fixture(autouse=True)
def _close() -> Iterator[None]:
    yield
    plt.close("all")


def _table(ax: Any) -> Any:
    return next(a for a in ax.figure.axes if a.get_title(loc="left") == "Number at risk")


def _gaps(ax: Any) -> list[float]:
    """Per row: first count's left edge minus the row name's right edge (display pixels)."""
    fig = ax.figure
    fig.savefig(io.BytesIO(), format="png")
    renderer = fig.canvas.get_renderer()
    table = _table(ax)
    first_time = min(t.get_position()[0] for t in table.texts)
    gaps = []
    for row, label in enumerate(table.get_yticklabels()):
        firsts = [t for t in table.texts if t.get_position() == (first_time, row) and t.get_text()]
        assert len(firsts) == 1
        name = label.get_window_extent(renderer)
        count = firsts[0].get_window_extent(renderer)
        assert name.y0 < count.y1
        assert count.y0 < name.y1
        gaps.append(float(count.x0 - name.x1))
    return gaps


def _half_em(ax: Any) -> float:
    """Half an em of the table's font, in display pixels: the least clear space required."""
    from matplotlib.font_manager import FontProperties

    points = FontProperties(size="small").get_size_in_points()
    return 0.5 * points * float(ax.figure.dpi) / 72.0


def _cohort(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "time": rng.exponential(20.0, n).round(1) + 0.1,
            "event": rng.integers(0, 3, n),
            "group": rng.choice(["non-CR", "CR", "All patients in the cohort"], n),
        }
    )


@pytest.mark.parametrize("n", [9, 219, 12_345])
def test_km_row_names_do_not_touch_the_first_count(n: int) -> None:
    data = _cohort(n, seed=n)
    data["died"] = (data["event"] > 0).astype(int)
    _fig, ax = plt.subplots(figsize=(7, 5), layout="constrained")
    ss.kaplan_meier(data, "time", "died", by="group").plot(ax=ax, break_time_by=12)
    gaps = _gaps(ax)
    assert len(gaps) == 3
    assert min(gaps) >= _half_em(ax), gaps


@pytest.mark.parametrize("layout", [None, "constrained"])
def test_cif_row_name_does_not_touch_the_first_count(layout: str | None) -> None:
    _fig, ax = plt.subplots(figsize=(7, 5), layout=layout)
    result = ss.cumulative_incidence(_cohort(301, seed=1), "time", "event")
    result.plot(ax=ax, stacked=True, xlim=(0, 60), break_time_by=12)
    table = _table(ax)
    if table.get_yticklabels()[0].get_text() == "All":  # names, not the fallback bars
        assert min(_gaps(ax)) >= _half_em(ax)
    assert ax.get_xlim() == (0.0, 60.0)
    assert [float(t) for t in ax.get_xticks()] == [0.0, 12.0, 24.0, 36.0, 48.0, 60.0]


def test_cause_labels_name_the_legend_entries() -> None:
    result = ss.cumulative_incidence(_cohort(120, seed=2), "time", "event")
    ax = result.plot(cause_labels={1: "Relapse", 2: "Non-relapse mortality"})
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "Relapse",
        "Non-relapse mortality",
    ]
    stacked = result.plot(stacked=True, cause_labels=["Relapse", "NRM"])
    legend = [t.get_text() for t in stacked.get_legend().get_texts()]
    assert legend == ["Relapse", "NRM", "Event-free"]


def test_label_valued_events_name_the_curves_by_themselves() -> None:
    data = _cohort(120, seed=3)
    data["cause"] = data["event"].map({0: "censored", 1: "Relapse", 2: "Death"})
    result = ss.cumulative_incidence(data, "time", "cause", censored="censored")
    legend = [t.get_text() for t in result.plot().get_legend().get_texts()]
    assert sorted(legend) == ["Death", "Relapse"]


@pytest.mark.parametrize(
    "labels", [{3: "Unknown"}, ["only one"], "Relapse"], ids=["unknown", "short", "str"]
)
def test_bad_cause_labels_are_an_error(labels: Any) -> None:
    result = ss.cumulative_incidence(_cohort(60, seed=4), "time", "event")
    with pytest.raises(SarcosurvError, match="cause"):
        result.plot(cause_labels=labels)


def test_gray_p_values_are_printed_per_cause() -> None:
    data = pd.read_csv(DATA_DIR / "compete_sim.csv")
    result = ss.cumulative_incidence(data, "time", "cause", by="group", censored=0)
    test = ss.gray_test(data, "time", "cause", by="group", censored=0)
    names = {c: f"cause {c}" for c in result.causes}
    ax = result.plot(pval=test, cause_labels=names, risk_table=False)
    texts = [t.get_text() for t in ax.texts]
    expected = [
        f"cause {c}: p {ss.report.format.format_p_value(float(p))}" for c, p in test.p_value.items()
    ]
    printed = texts[0].replace("= ", "")
    assert printed.startswith("Gray's test")
    for line in expected:
        assert line in printed


def test_gray_p_number_text_and_true() -> None:
    result = ss.cumulative_incidence(_cohort(80, seed=5), "time", "event", by="group")
    ax = result.plot(pval=0.0123, risk_table=False)
    assert ax.texts[-1].get_text() == "Gray's test p = 0.012"
    ax = result.plot(pval="p from elsewhere", risk_table=False)
    assert ax.texts[-1].get_text() == "p from elsewhere"
    with pytest.raises(SarcosurvError, match="gray_test"):
        result.plot(pval=True)
