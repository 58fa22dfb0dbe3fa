"""Cumulative incidence plots: one step curve per cause and group, or stacked; numbers at risk.

matplotlib is imported only when a plot is drawn; the numbers-at-risk table is
the one of the Kaplan–Meier plots (:mod:`sarcosurv.report.plots`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import SarcosurvError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .cuminc import CumulativeIncidenceResult

__all__ = ["plot_cumulative_incidence"]

_LINESTYLES = ["-", "--", ":", "-."]


@dataclass(frozen=True)
class _RiskSource:
    """What the Kaplan–Meier risk table reads, taken from a cumulative incidence result."""

    result: CumulativeIncidenceResult

    @property
    def by(self) -> tuple[str, ...]:
        return self.result.by

    @property
    def groups(self) -> pd.DataFrame:
        return self.result.groups

    def survival_at(self, times: Sequence[float], *, extend: bool = True) -> pd.DataFrame:
        at = self.result.at(times)
        first = at[at["cause"] == self.result.causes[0]]
        return first.reset_index(drop=True)


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
) -> Axes:
    """Draw cumulative incidence curves (steps from 0), per cause and group or stacked.

    Curves of one cause share a colour, curves of one group a line style.
    ``stacked=True`` (one group) piles the incidences of the causes and the
    event-free probability up to 1. These curves are not ``1 - Kaplan–Meier``:
    a patient who died of another cause cannot relapse any more.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from ..report.plots import _draw_risk_table, _require_matplotlib

    plt = _require_matplotlib()
    if ax is None:
        _, ax = plt.subplots(figsize=(7.0, 5.0))
    origin = min(0.0, float(result.table["time"].min())) if len(result.table) else 0.0
    if stacked:
        _draw_stacked(ax, result, origin)
    else:
        _draw_lines(ax, result, conf_int, origin)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlim(left=origin)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    ax.legend(frameon=False)
    if risk_table:
        names = [str(g) for g in result.groups["group"]] if result.by else ["All"]
        colours = ["black"] * len(names)
        _draw_risk_table(ax, _RiskSource(result), names, colours, risk_times)  # type: ignore[arg-type]
        ax.figure.subplots_adjust(bottom=min(0.5, 0.1 + 0.6 * (0.22 + 0.075 * (len(names) + 1))))
    return ax
