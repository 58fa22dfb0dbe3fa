"""Cumulative incidence plots: one step curve per cause and group, or stacked; numbers at risk.

matplotlib is imported only when a plot is drawn; the numbers-at-risk table is
the one of the Kaplan–Meier plots (:mod:`sarcosurv.report.plots`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import SarcosurvError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .cuminc import CumulativeIncidenceResult

__all__ = ["plot_cumulative_incidence"]

_LINESTYLES = ["-", "--", ":", "-."]


def _curves(result: CumulativeIncidenceResult) -> list[tuple[object, object, pd.DataFrame]]:
    """(group or None, cause, rows) for every curve of the table, in table order."""
    keys = ["group", "cause"] if result.by else ["cause"]
    out = []
    for key, rows in result.table.groupby(keys, sort=False):
        group, cause = key if result.by else (None, key[0] if isinstance(key, tuple) else key)
        out.append((group, cause, rows))
    return out


def _steps(rows: pd.DataFrame, column: str, origin: float) -> tuple[Any, Any]:
    times = np.concatenate(([origin], rows["time"].to_numpy(dtype=float)))
    values = np.concatenate(([0.0], rows[column].to_numpy(dtype=float)))
    return times, values


def _draw_lines(ax: Axes, result: CumulativeIncidenceResult, conf_int: bool, origin: float) -> None:
    groups = list(result.groups["group"]) if result.by else [None]
    colours: dict[object, Any] = {}
    for group, cause, rows in _curves(result):
        style = _LINESTYLES[groups.index(group) % len(_LINESTYLES)]
        label = f"{cause}" if group is None else f"{cause}, {group}"
        times, values = _steps(rows, "cif", origin)
        (line,) = ax.step(
            times, values, where="post", linestyle=style, label=label, color=colours.get(cause)
        )
        colours.setdefault(cause, line.get_color())
        if conf_int:
            _, low = _steps(rows, "lower", origin)
            _, high = _steps(rows, "upper", origin)
            ax.fill_between(
                times,
                np.nan_to_num(low),
                np.nan_to_num(high),
                step="post",
                alpha=0.12,
                color=line.get_color(),
                linewidth=0,
            )


def _draw_stacked(ax: Axes, result: CumulativeIncidenceResult, origin: float) -> None:
    if len(result.groups) > 1:
        raise SarcosurvError("stacked=True draws one group; select it from the data first")
    grid = np.concatenate(([origin], np.unique(result.table["time"].to_numpy(dtype=float))))
    bottom = np.zeros(grid.size)
    for _, cause, rows in _curves(result):
        _, values = _steps(rows, "cif", origin)
        top = bottom + values
        ax.fill_between(grid, bottom, top, step="post", alpha=0.6, label=str(cause))
        bottom = top
    ax.fill_between(grid, bottom, 1.0, step="post", alpha=0.15, color="grey", label="event-free")


def plot_cumulative_incidence(
    result: CumulativeIncidenceResult,
    ax: Axes | None = None,
    *,
    stacked: bool = False,
    risk_table: bool = True,
    conf_int: bool = True,
    risk_times: Sequence[float] | None = None,
    title: str | None = None,
    xlabel: str = "Time",
    ylabel: str = "Cumulative incidence",
    percent: bool = False,
    break_time_by: float | None = None,
) -> Axes:
    """Draw cumulative incidence curves (steps from 0), per cause and group or stacked.

    Curves of one cause share a colour, curves of one group a line style.
    ``stacked=True`` (one group) piles the incidences of the causes and the
    event-free probability up to 1. These curves are not ``1 - Kaplan–Meier``:
    a patient who died of another cause cannot relapse any more. The numbers
    at risk (any cause) sit in their own axes under the plot, as in
    :func:`sarcosurv.report.plots.plot_kaplan_meier`; ``percent`` and
    ``break_time_by`` work as there.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from ..report.plots import draw_risk_table, new_axes

    if ax is None:
        ax = new_axes()
    origin = min(0.0, float(result.table["time"].min())) if len(result.table) else 0.0
    if stacked:
        _draw_stacked(ax, result, origin)
    else:
        _draw_lines(ax, result, conf_int, origin)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlim(left=origin)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if percent:
        from matplotlib.ticker import PercentFormatter

        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    if title is not None:
        ax.set_title(title)
    ax.legend(frameon=False)
    times = _table_times(ax, risk_times, break_time_by, origin)
    if risk_table:
        names, counts = _risk_counts(result, times)
        draw_risk_table(ax, times, counts, names, ["black"] * len(names))
    else:
        ax.set_xticks(times)
    return ax


def _table_times(
    ax: Axes, risk_times: Sequence[float] | None, step: float | None, origin: float
) -> list[float]:
    from ..report.plots import _tick_times

    return _tick_times(ax, risk_times, step, origin)


def _risk_counts(
    result: CumulativeIncidenceResult, times: Sequence[float]
) -> tuple[list[str], list[Any]]:
    """Row names and numbers at risk per group (the same for every cause of a group)."""
    groups = list(result.groups["group"]) if result.by else [None]
    names = [str(g) for g in groups] if result.by else ["All"]
    if not len(times):
        return names, [np.zeros(0) for _ in groups]
    at = result.at(times)
    first = at[at["cause"] == result.causes[0]]
    if not result.by:
        return names, [first["n_risk"].to_numpy(dtype=float)]
    counts = [first.loc[first["group"] == g, "n_risk"].to_numpy(dtype=float) for g in groups]
    return names, counts
