"""Figure 1 and the supplementary survival curves of Heilig et al. (2020).

Each function draws Kaplan–Meier curves of PFS and OS (log-log 95% bands,
censor ticks, numbers at risk every 12 months) on a cohort's endpoint table
(:meth:`sarcosurv.registry.Cohort.endpoints`, times in months) and returns the
matplotlib figure; :func:`save_figures` writes them as PNG. matplotlib is the
optional ``plot`` extra and is imported only here.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ...km import kaplan_meier
from ...report.plots import plot_kaplan_meier, require_matplotlib
from ...report.tables import OS, PFS, Endpoint

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["SUPPLEMENTARY_FACTORS", "figure1", "save_figures", "survival_by_factor"]

#: Factors of the supplementary figure S1: (column, title).
SUPPLEMENTARY_FACTORS: tuple[tuple[str, str], ...] = (
    ("age_group", "age at first ASCT"),
    ("histology_group", "histology"),
    ("regimen_group", "preparative regimen"),
    ("grade", "tumour grade"),
)

_TITLES = {"pfs": "Progression-free survival", "os": "Overall survival"}


def _risk_times(data: pd.DataFrame, endpoint: Endpoint, step: float = 12.0) -> list[float]:
    """Every ``step`` months up to the last observed time, capped at 10 years for legibility."""
    rows = endpoint.rows(data)
    last = float(np.nanmax(rows[endpoint.time].to_numpy(dtype=float))) if len(rows) else 0.0
    stop = min(last, 120.0)
    return [float(t) for t in np.arange(0.0, stop + 1e-9, step)]


def _panel(
    ax: Axes,
    data: pd.DataFrame,
    endpoint: Endpoint,
    by: str | None,
    title: str,
    letter: str | None = None,
) -> None:
    rows = endpoint.rows(data)
    result = kaplan_meier(rows, endpoint.time, endpoint.event, by=by)
    times = _risk_times(data, endpoint)
    plot_kaplan_meier(
        result,
        ax,
        risk_times=times,
        title=title,
        xlabel="Months since first ASCT",
        ylabel="Probability",
        xlim=(0.0, times[-1]) if times else None,
    )
    if letter is not None:
        ax.set_title(letter, loc="left", fontweight="bold", fontsize="large")


def _grid(n_rows: int, plt: Any) -> tuple[Figure, Any]:
    # Each axes gives part of its own slot to its numbers-at-risk table; the
    # constrained layout keeps every text of the figure inside it.
    fig, axes = plt.subplots(
        n_rows, 2, figsize=(13.0, 6.0 * n_rows), squeeze=False, layout="constrained"
    )
    fig.get_layout_engine().set(w_pad=0.1, h_pad=0.1, hspace=0.0, wspace=0.04)
    return fig, axes


def figure1(endpoints: pd.DataFrame, remission: str = "remission_cr") -> Figure:
    """Figure 1: PFS and OS (A, B) in the whole cohort, (C, D) by remission status before ASCT.

    Patients whose remission status is unknown are left out of panel B (the
    Kaplan–Meier result counts them as excluded); PFS uses the evaluable
    patients only.
    """
    plt = require_matplotlib()
    fig, axes = _grid(2, plt)
    for column, endpoint in enumerate((PFS, OS)):
        name = _TITLES[endpoint.name]
        _panel(axes[0, column], endpoints, endpoint, None, f"{name}: all patients", "AB"[column])
        _panel(
            axes[1, column],
            endpoints,
            endpoint,
            remission,
            f"{name} by remission status",
            "CD"[column],
        )
    return fig


def survival_by_factor(endpoints: pd.DataFrame, column: str, title: str | None = None) -> Figure:
    """PFS (left) and OS (right) by the levels of ``column`` (supplementary figure S1)."""
    plt = require_matplotlib()
    fig, axes = _grid(1, plt)
    label = title or column
    for index, endpoint in enumerate((PFS, OS)):
        title = f"{_TITLES[endpoint.name]} by {label}"
        _panel(axes[0, index], endpoints, endpoint, column, title, "AB"[index])
    return fig


def save_figures(
    endpoints: pd.DataFrame,
    directory: str | Path,
    factors: Sequence[tuple[str, str]] = SUPPLEMENTARY_FACTORS,
    dpi: int = 110,
) -> dict[str, Path]:
    """Write Figure 1 and one supplementary figure per factor as PNG; return their paths.

    Figures are written with ``savefig`` and closed, so this works with any
    matplotlib backend, including the non-interactive one chosen without a display.
    """
    plt = require_matplotlib()
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    drawn = {"figure1": figure1(endpoints)}
    for column, title in factors:
        drawn[f"figure_s1_{column}"] = survival_by_factor(endpoints, column, title)
    paths: dict[str, Path] = {}
    for name, fig in drawn.items():
        paths[name] = out / f"{name}.png"
        fig.savefig(paths[name], dpi=dpi)
        plt.close(fig)
    return paths
