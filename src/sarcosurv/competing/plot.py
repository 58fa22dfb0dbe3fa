"""Cumulative incidence plots: one step curve per cause and group, or stacked; numbers at risk.

matplotlib is imported only when a plot is drawn; the numbers-at-risk table is
the one of the Kaplan–Meier plots (:mod:`sarcosurv.report.plots`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import SarcosurvError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .cuminc import CumulativeIncidenceResult
    from .gray import GrayTestResult

__all__ = ["gray_p_text", "plot_cumulative_incidence"]

_LINESTYLES = ["-", "--", ":", "-."]


def _curves(result: CumulativeIncidenceResult) -> list[tuple[object, object, pd.DataFrame]]:
    """(group or None, cause, rows) for every curve of the table, in table order."""
    keys = ["group", "cause"] if result.by else ["cause"]
    out = []
    for key, rows in result.table.groupby(keys, sort=False):
        group, cause = key if result.by else (None, key[0] if isinstance(key, tuple) else key)
        out.append((group, cause, rows))
    return out


def _cause_names(
    result: CumulativeIncidenceResult, cause_labels: Mapping[Any, str] | Sequence[str] | None
) -> dict[object, str]:
    """Printed name of each cause: ``cause_labels`` by cause (or in cause order), else the cause."""
    causes = list(result.causes)
    if cause_labels is None:
        return {c: str(c) for c in causes}
    if isinstance(cause_labels, Mapping):
        unknown = [k for k in cause_labels if k not in causes]
        if unknown:
            raise SarcosurvError(
                f"cause_labels names cause(s) {unknown!r} not in the result's causes {causes!r}"
            )
        return {c: str(cause_labels.get(c, c)) for c in causes}
    if isinstance(cause_labels, str) or len(cause_labels) != len(causes):
        raise SarcosurvError(
            f"cause_labels must give one label per cause ({len(causes)}: {causes!r}), "
            f"not {cause_labels!r}"
        )
    return {c: str(label) for c, label in zip(causes, cause_labels, strict=True)}


def _steps(rows: pd.DataFrame, column: str, origin: float) -> tuple[Any, Any]:
    times = np.concatenate(([origin], rows["time"].to_numpy(dtype=float)))
    values = np.concatenate(([0.0], rows[column].to_numpy(dtype=float)))
    return times, values


def _draw_lines(
    ax: Axes,
    result: CumulativeIncidenceResult,
    conf_int: bool,
    origin: float,
    names: Mapping[object, str],
) -> None:
    groups = list(result.groups["group"]) if result.by else [None]
    colours: dict[object, Any] = {}
    for group, cause, rows in _curves(result):
        style = _LINESTYLES[groups.index(group) % len(_LINESTYLES)]
        label = names[cause] if group is None else f"{names[cause]}, {group}"
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


def _draw_stacked(
    ax: Axes, result: CumulativeIncidenceResult, origin: float, names: Mapping[object, str]
) -> None:
    if len(result.groups) > 1:
        raise SarcosurvError("stacked=True draws one group; select it from the data first")
    grid = np.concatenate(([origin], np.unique(result.table["time"].to_numpy(dtype=float))))
    bottom = np.zeros(grid.size)
    for _, cause, rows in _curves(result):
        _, values = _steps(rows, "cif", origin)
        top = bottom + values
        ax.fill_between(grid, bottom, top, step="post", alpha=0.6, label=names[cause])
        bottom = top
    ax.fill_between(grid, bottom, 1.0, step="post", alpha=0.15, color="grey", label="Event-free")


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
    xlim: tuple[float, float] | None = None,
    cause_labels: Mapping[Any, str] | Sequence[str] | None = None,
    pval: bool | float | str | GrayTestResult | None = None,
) -> Axes:
    """Draw cumulative incidence curves (steps from 0), per cause and group or stacked.

    Curves of one cause share a colour, curves of one group a line style.
    ``stacked=True`` (one group) piles the incidences of the causes and the
    event-free probability up to 1. These curves are not ``1 - Kaplan–Meier``:
    a patient who died of another cause cannot relapse any more. The numbers
    at risk (any cause) sit in their own axes under the plot, as in
    :func:`sarcosurv.report.plots.plot_kaplan_meier`; ``percent``,
    ``break_time_by`` and ``xlim`` work as there.

    Parameters
    ----------
    cause_labels : mapping or sequence of str, optional
        Names of the causes in the legend: a mapping from cause (code or
        label of the event column) to name, or one name per cause in the
        order of ``result.causes``. Default: the causes as stored (a
        label-valued event column gives readable names by itself).
    pval : float, str or GrayTestResult, optional
        Gray's test on the plot: the result of :func:`sarcosurv.gray_test`
        (one p per cause, named by ``cause_labels``), a p-value, or a text
        printed as given. The curves alone do not hold what Gray's test needs
        (its weights use the censoring distribution of each patient), so
        ``True`` is an error: pass ``gray_test(...)``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd, sarcosurv as ss  # doctest: +SKIP
    >>> d = pd.DataFrame({"t": [1, 2, 3, 4, 5, 6], "e": [1, 2, 0, 1, 2, 1],
    ...                   "arm": ["a", "b", "a", "b", "a", "b"]})  # doctest: +SKIP
    >>> ci = ss.cumulative_incidence(d, "t", "e", by="arm")  # doctest: +SKIP
    >>> ax = ci.plot(cause_labels={1: "Relapse", 2: "NRM"},
    ...              pval=ss.gray_test(d, "t", "e", by="arm"))  # doctest: +SKIP
    """
    from ..report.plots import draw_risk_table, new_axes

    names = _cause_names(result, cause_labels)
    if pval is True:
        raise SarcosurvError(
            "pval=True cannot be computed from the curves; pass pval=ss.gray_test(...) instead"
        )
    if ax is None:
        ax = new_axes()
    origin = min(0.0, float(result.table["time"].min())) if len(result.table) else 0.0
    if stacked:
        _draw_stacked(ax, result, origin, names)
    else:
        _draw_lines(ax, result, conf_int, origin, names)
    _decorate(ax, title, xlabel, ylabel, percent)
    ax.set_xlim(*(xlim if xlim is not None else (origin, None)))
    if stacked:  # over the filled areas: a legend with its own background
        ax.legend(loc="center right", framealpha=0.9, edgecolor="none")
    else:
        ax.legend(frameon=False)
    if pval is not None and not isinstance(pval, bool):
        _annotate_gray(ax, pval, names)
    times = _table_times(ax, risk_times, break_time_by, origin)
    if risk_table:
        groups, counts = _risk_counts(result, times)
        draw_risk_table(ax, times, counts, groups, ["black"] * len(groups))
    else:
        ax.set_xticks(times)
    return ax


def _decorate(ax: Axes, title: str | None, xlabel: str, ylabel: str, percent: bool) -> None:
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if percent:
        from matplotlib.ticker import PercentFormatter

        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    if title is not None:
        ax.set_title(title)


def gray_p_text(pval: float | str | GrayTestResult, names: Mapping[object, str]) -> str:
    """The text of ``pval=``: Gray's p per cause, one p, or the text as given."""
    from ..report.plots import p_value_text as shown

    if isinstance(pval, str):
        return pval
    if isinstance(pval, int | float):
        return f"Gray's test p {shown(float(pval))}"
    lines = [
        f"{names.get(cause, str(cause))}: p {shown(float(p))}" for cause, p in pval.p_value.items()
    ]
    return "Gray's test\n" + "\n".join(lines)


def _annotate_gray(
    ax: Axes, pval: float | str | GrayTestResult, names: Mapping[object, str]
) -> None:
    ax.text(0.97, 0.96, gray_p_text(pval, names), transform=ax.transAxes, ha="right", va="top")


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
