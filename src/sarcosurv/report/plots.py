"""Kaplan–Meier plots with censor ticks, confidence bands and a numbers-at-risk table.

matplotlib is an optional dependency (``pip install "sarcosurv[plot]"``); it is
imported only when a plot is drawn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import SarcosurvError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..km import KaplanMeierResult

__all__ = ["plot_kaplan_meier", "require_matplotlib"]

#: Vertical room (in axes heights) per row of the numbers-at-risk table.
_RISK_ROW_HEIGHT = 0.075


def require_matplotlib() -> Any:
    """``matplotlib.pyplot``, or an ImportError that names the ``plot`` extra."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "plotting needs matplotlib: pip install 'sarcosurv[plot]' (or pip install matplotlib)"
        ) from exc
    return plt


#: The name before 0.2, still imported by ``competing.plot`` on its branch.
_require_matplotlib = require_matplotlib


def _group_labels(
    km: KaplanMeierResult, labels: Sequence[str] | Mapping[Any, str] | None
) -> list[str]:
    names = [str(g) for g in km.groups["group"]] if km.by else ["All"]
    if labels is None:
        return names
    if isinstance(labels, Mapping):
        keys = list(km.groups["group"]) if km.by else ["All"]
        return [str(labels.get(key, name)) for key, name in zip(keys, names, strict=True)]
    if len(labels) != len(names):
        raise ValueError(f"labels has {len(labels)} entries for {len(names)} curve(s)")
    return [str(x) for x in labels]


def _step_with_origin(rows: pd.DataFrame, column: str, origin: float) -> tuple[Any, Any]:
    """Times and values of a right-continuous step curve starting at (origin, 1)."""
    times = np.concatenate(([origin], rows["time"].to_numpy(dtype=float)))
    values = np.concatenate(([1.0], rows[column].to_numpy(dtype=float)))
    return times, values


def plot_kaplan_meier(
    km_result: KaplanMeierResult,
    ax: Axes | None = None,
    *,
    risk_table: bool = True,
    conf_int: bool = True,
    risk_times: Sequence[float] | None = None,
    labels: Sequence[str] | Mapping[Any, str] | None = None,
    title: str | None = None,
    xlabel: str = "Time",
    ylabel: str = "Survival probability",
    censor_ticks: bool = True,
    colors: Sequence[Any] | None = None,
) -> Axes:
    """Draw Kaplan–Meier curves as right-continuous steps.

    Parameters
    ----------
    km_result : KaplanMeierResult
        From :func:`sarcosurv.kaplan_meier`.
    ax : matplotlib Axes, optional
        Axes to draw on (a new figure when omitted).
    risk_table : bool
        Print the numbers at risk (R ``summary(survfit, times =)$n.risk``) under
        the axes, one row per curve, at ``risk_times``.
    conf_int : bool
        Shade the pointwise confidence band of the result's ``conf_type``.
    risk_times : sequence of float, optional
        Times for the numbers-at-risk table; default the x tick positions inside
        the data range.
    labels : sequence or mapping, optional
        Curve labels in group order, or a mapping from group value to label.
    title, xlabel, ylabel : str
        Texts of the plot.
    censor_ticks : bool
        Mark censoring times with a "+" on the curve.
    colors : sequence, optional
        One matplotlib colour per curve.

    Returns
    -------
    matplotlib.axes.Axes
    """
    plt = require_matplotlib()
    own_figure = ax is None
    if ax is None:
        _, ax = plt.subplots(figsize=(7.0, 5.0))
    names = _group_labels(km_result, labels)
    table = km_result.table
    n_curves = len(names)
    if colors is not None and (isinstance(colors, str) or len(colors) < n_curves):
        given = 1 if isinstance(colors, str) else len(colors)
        raise SarcosurvError(
            f"colors gives {given} colour(s) for {n_curves} curves: give one per curve"
        )
    offsets = km_result.offsets
    origin = min(0.0, float(table["time"].min())) if len(table) else 0.0
    drawn_colors = []
    for index, name in enumerate(names):
        rows = table.iloc[offsets[index] : offsets[index + 1]]
        color = colors[index] if colors is not None else None
        times, surv = _step_with_origin(rows, "survival", origin)
        (line,) = ax.step(times, surv, where="post", label=name, color=color)
        drawn_colors.append(line.get_color())
        if conf_int:
            _, low = _step_with_origin(rows, "lower", origin)
            _, high = _step_with_origin(rows, "upper", origin)
            ax.fill_between(
                times, low, high, step="post", alpha=0.15, color=line.get_color(), linewidth=0
            )
        if censor_ticks:
            censored = rows["n_censor"].to_numpy(dtype=float) > 0
            ax.plot(
                rows["time"].to_numpy(dtype=float)[censored],
                rows["survival"].to_numpy(dtype=float)[censored],
                linestyle="none",
                marker="+",
                markersize=7,
                color=line.get_color(),
            )
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlim(left=origin)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    if n_curves > 1:
        ax.legend(frameon=False)
    if risk_table:
        _draw_risk_table(ax, km_result, names, drawn_colors, risk_times)
        if own_figure:
            # Room under the axes for the table; a caller's own layout is left alone.
            needed = 0.1 + 0.6 * (0.22 + _RISK_ROW_HEIGHT * (n_curves + 1))
            ax.figure.subplots_adjust(bottom=min(0.5, needed), left=0.15)
    return ax


def _draw_risk_table(
    ax: Axes,
    km_result: KaplanMeierResult,
    names: list[str],
    colors: list[Any],
    risk_times: Sequence[float] | None,
) -> None:
    """Numbers at risk as text rows below the x axis label, aligned with the data x."""
    lo, hi = ax.get_xlim()
    if risk_times is None:
        ticks = [float(t) for t in ax.get_xticks() if lo <= t <= hi]
    else:
        ticks = [float(t) for t in risk_times]
    ax.set_xticks(ticks)
    at = km_result.survival_at(ticks, extend=True)
    transform = ax.get_xaxis_transform()  # x in data units, y in axes units
    top = -0.22
    ax.text(
        0.0,
        top,
        "Number at risk",
        transform=ax.transAxes,
        ha="left",
        va="top",
        fontsize="small",
        fontweight="bold",
    )
    groups = list(km_result.groups["group"]) if km_result.by else [None]
    for row, (group, name, color) in enumerate(zip(groups, names, colors, strict=True)):
        y = top - _RISK_ROW_HEIGHT * (row + 1)
        subset = at if group is None else at[at["group"] == group]
        ax.text(
            -0.06,
            y,
            name,
            transform=ax.transAxes,
            ha="right",
            va="top",
            color=color,
            fontsize="small",
        )
        for t, n in zip(subset["time"], subset["n_risk"], strict=True):
            ax.text(
                t,
                y,
                f"{n:g}",
                transform=transform,
                ha="center",
                va="top",
                fontsize="small",
                color=color,
            )
