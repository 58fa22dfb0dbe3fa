"""Every text of every figure lies inside the figure after a plain ``savefig``.

Geometry, not pixels: after ``fig.savefig(buffer)`` (no ``bbox_inches="tight"``)
each visible text artist's window extent, from the renderer, must lie inside
the figure's own box, and the numbers-at-risk table must be an axes of its own
that does not overlap the plot.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

import sarcosurv as ss

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from reference_inputs import DATA_DIR  # noqa: E402

#: Extents are in display pixels; half a pixel of antialiasing slack.
_SLACK = 0.5


@pytest.fixture(autouse=True)
def _close() -> Iterator[None]:
    yield
    plt.close("all")


def _texts(fig: Figure) -> list[Text]:
    """Visible, non-empty texts that the figure draws (tick labels of ticks in view only)."""
    found: list[Text] = list(fig.texts)
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        found += [ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label]
        found += ax.texts
        for axis in (ax.xaxis, ax.yaxis):
            # The ticks matplotlib draws: those inside the view limits.
            found += [tick.label1 for tick in axis._update_ticks()]
        legend = ax.get_legend()
        if legend is not None:
            found += [*legend.get_texts(), legend.get_title()]
    return [t for t in found if t.get_visible() and t.get_text().strip()]


def texts_outside(fig: Figure, dpi: float | None = None) -> list[str]:
    """Texts whose extent leaves the figure after a plain savefig, as readable strings.

    Plain: no ``bbox_inches``; at the figure's own dpi unless ``dpi`` is given
    (the resolution the study's PNG files are written at).
    """
    if dpi is not None:
        fig.set_dpi(dpi)  # extents are then measured at the resolution written
    fig.savefig(io.BytesIO(), format="png")
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    box = fig.bbox
    bad = []
    for text in _texts(fig):
        extent = text.get_window_extent(renderer)
        inside = (
            extent.x0 >= box.x0 - _SLACK
            and extent.y0 >= box.y0 - _SLACK
            and extent.x1 <= box.x1 + _SLACK
            and extent.y1 <= box.y1 + _SLACK
        )
        if not inside:
            bad.append(f"{text.get_text()!r} at {extent.bounds}")
    return bad


def assert_inside(fig: Figure, dpi: float | None = None) -> int:
    bad = texts_outside(fig, dpi)
    assert not bad, f"{len(bad)} text(s) outside the figure: {bad[:5]}"
    return len(_texts(fig))


def _table_axes(ax: Any) -> Any:
    tables = [a for a in ax.figure.axes if a.get_title(loc="left") == "Number at risk"]
    assert tables, "no numbers-at-risk axes"
    return tables


def _assert_table_below(ax: Any) -> None:
    """The table axes lies under the plot, inside the plot's original slot, with its numbers."""
    ax.figure.savefig(io.BytesIO(), format="png", dpi=80)
    for table in _table_axes(ax):
        if table.get_shared_x_axes().joined(table, ax):
            assert table.get_position().y1 < ax.get_position().y0
            assert len(table.texts) > 0


def lung() -> pd.DataFrame:
    data = pd.read_csv(DATA_DIR / "lung.csv")
    data["event"] = (data["status"] == 2).astype(int)
    data["sex_label"] = data["sex"].map({1: "Male", 2: "Female"})
    return data


def km_by_sex() -> ss.KaplanMeierResult:
    return ss.kaplan_meier(lung(), "time", "event", by="sex_label")


def test_own_figure_with_every_option() -> None:
    ax = km_by_sex().plot(
        pval=True, median_lines=True, break_time_by=180, percent=True, title="Overall survival"
    )
    assert assert_inside(ax.figure) > 10
    _assert_table_below(ax)


@pytest.mark.parametrize("layout", ["none", "tight_layout", "constrained"])
def test_user_subplots_survive_every_layout(layout: str) -> None:
    fig, axes = plt.subplots(
        2, 2, figsize=(9, 8), layout="constrained" if layout == "constrained" else None
    )
    km = km_by_sex()
    ecog = ss.kaplan_meier(lung(), "time", "event", by="ph.ecog")
    km.plot(ax=axes[0, 0])
    km.plot(ax=axes[0, 1], fun="event", pval=True)
    ecog.plot(ax=axes[1, 0], break_time_by=250)
    km.plot(ax=axes[1, 1], conf_int=False, median_lines=True)
    if layout == "tight_layout":
        fig.tight_layout()
    assert assert_inside(fig) > 40
    for ax in axes.flat:
        _assert_table_below(ax)


def test_axes_placed_by_hand_gets_a_table_too() -> None:
    fig = plt.figure(figsize=(6, 5))
    ax = fig.add_axes((0.15, 0.1, 0.8, 0.8))
    km_by_sex().plot(ax=ax)
    assert assert_inside(fig) > 5
    assert len(fig.axes) == 2


def test_cumulative_incidence_uses_the_same_table() -> None:
    data = pd.read_csv(DATA_DIR / "compete_sim.csv")
    result = ss.cumulative_incidence(data, "time", "cause", by="group", censored=0)
    ax = result.plot(break_time_by=5, percent=True)
    assert assert_inside(ax.figure) > 10
    _assert_table_below(ax)
    table = _table_axes(ax)[0]
    assert [t.get_text() for t in table.get_yticklabels()] == ["a", "b", "c"]
    at = result.at([0.0, 5.0])
    first = at[(at["cause"] == result.causes[0]) & (at["group"] == "a")]
    shown = [t.get_text() for t in table.texts[:2]]
    assert shown == [f"{n:g}" for n in first["n_risk"]]


def test_plain_savefig_of_a_user_axes_keeps_its_slot() -> None:
    """The table takes room from the axes' slot: the figure's margins do not change."""
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    slot = ax.get_position().frozen()
    km_by_sex().plot(ax=ax, risk_times=[0, 250, 500, 750])
    table = _table_axes(ax)[0]
    np.testing.assert_allclose(table.get_position().y0, slot.y0, atol=1e-9)
    np.testing.assert_allclose(ax.get_position().y1, slot.y1, atol=1e-9)
    assert assert_inside(fig) > 5


@pytest.fixture(scope="module")
def heilig_endpoints() -> pd.DataFrame:
    from sarcosurv.registry import Cohort
    from sarcosurv.studies import heilig2020

    extract = heilig2020.synthetic_cohort(seed=2020)
    cohort = Cohort.from_frame(extract, strict=True, eligibility=heilig2020.ELIGIBILITY)
    return heilig2020.endpoints(cohort, unit="months")


def _panel_letters(fig: Figure) -> list[str]:
    return [
        ax.get_title(loc="left") for ax in fig.axes if ax.get_title(loc="left") != "Number at risk"
    ]


def test_heilig_figure1_inside_and_lettered_a_to_d(heilig_endpoints: pd.DataFrame) -> None:
    from sarcosurv.studies import heilig2020

    fig = heilig2020.figure1(heilig_endpoints)
    assert _panel_letters(fig) == ["A", "B", "C", "D"]
    assert assert_inside(fig) > 80
    assert assert_inside(fig, dpi=110) > 80  # as save_figures writes it
    for ax in fig.axes[:4]:
        _assert_table_below(ax)


@pytest.mark.parametrize("factor", ["age_group", "histology_group", "regimen_group", "grade"])
def test_heilig_supplementary_figures_inside(heilig_endpoints: pd.DataFrame, factor: str) -> None:
    """The 13 x 6 inch supplementary figures had their risk tables cut off."""
    from sarcosurv.studies import heilig2020

    title = dict(heilig2020.SUPPLEMENTARY_FACTORS)[factor]
    fig = heilig2020.survival_by_factor(heilig_endpoints, factor, title)
    assert tuple(fig.get_size_inches()) == (13.0, 6.0)
    assert _panel_letters(fig) == ["A", "B"]
    assert assert_inside(fig) > 40
    assert assert_inside(fig, dpi=110) > 40
    tables = _table_axes(fig.axes[0])
    assert len(tables) == 2
    assert all(len(t.get_yticklabels()) >= 2 for t in tables)


def _long_names() -> ss.KaplanMeierResult:
    data = lung()
    data["arm"] = data["sex"].map({1: "Leiomyosarcoma (men)", 2: "Synovial sarcoma (women)"})
    return ss.kaplan_meier(data, "time", "event", by="arm")


def test_long_names_without_a_layout_engine_become_colour_bars() -> None:
    """Names that would be cut off at the figure's edge (or drawn over the left plot) are not."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
    _long_names().plot(ax=axes[0])
    _long_names().plot(ax=axes[1])
    assert assert_inside(fig) > 10
    for ax in axes:
        table = _table_axes(ax)[-1]
        assert {t.get_text() for t in table.get_yticklabels()} == {"\u2014\u2014"}
    # The legend still names the colours.
    assert next(t.get_text() for t in axes[0].get_legend().get_texts()).startswith("Leiomyosarcoma")


def test_forcing_long_names_into_narrow_margins_is_caught() -> None:
    """The geometry check can fail: names forced into a 0.8 inch margin leave the figure."""
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    _long_names().plot(ax=ax, risk_table_labels="names")
    assert any("sarcoma" in text for text in texts_outside(fig))


def test_long_names_with_a_layout_engine_stay_names() -> None:
    fig, ax = plt.subplots(figsize=(6.4, 4.8), layout="constrained")
    _long_names().plot(ax=ax)
    table = _table_axes(ax)[-1]
    assert next(t.get_text() for t in table.get_yticklabels()) == "Leiomyosarcoma (men)"
    assert assert_inside(fig) > 10
