"""Kaplan–Meier plots with censor ticks, confidence bands and a numbers-at-risk table.

The numbers at risk are drawn in their own axes under the plot
(:mod:`sarcosurv.report._risk_table`), taken from the slot of the plot's axes, so
they survive ``ax=``, subplots, ``tight_layout`` and a plain ``savefig``.
Forest plots and the proportional-hazards diagnostic live in
:mod:`sarcosurv.report.forest` and :mod:`sarcosurv.report.ph_plot` and are
re-exported here.

matplotlib is an optional dependency (``pip install "sarcosurv[plot]"``); it is
imported only when a plot is drawn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ..errors import SarcosurvError
from ._mpl import new_axes, pad_layout, require_matplotlib
from ._risk_table import draw_risk_table
from .forest import plot_forest
from .format import format_p_value
from .ph_plot import plot_proportional_hazards

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..km import KaplanMeierResult
    from ..logrank import LogrankResult

__all__ = [
    "draw_risk_table",
    "new_axes",
    "p_value_text",
    "pad_layout",
    "plot_forest",
    "plot_kaplan_meier",
    "plot_proportional_hazards",
    "require_matplotlib",
]

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


def _draw_curves(
    ax: Axes,
    km: KaplanMeierResult,
    names: list[str],
    colors: Sequence[Any] | None,
    options: dict[str, Any],
) -> list[Any]:
    """Steps, bands and censor ticks of every curve; ``1 - S`` when ``fun="event"``."""
    flip = options["fun"] == "event"

    def shown(values: Any) -> Any:
        return 1.0 - values if flip else values

    drawn = []
    for index, name in enumerate(names):
        rows = km.table.iloc[km.offsets[index] : km.offsets[index + 1]]
        color = colors[index] if colors is not None else None
        times, surv = _step_with_origin(rows, "survival", options["origin"])
        (line,) = ax.step(times, shown(surv), where="post", label=name, color=color)
        drawn.append(line.get_color())
        if options["conf_int"]:
            _, low = _step_with_origin(rows, "lower", options["origin"])
            _, high = _step_with_origin(rows, "upper", options["origin"])
            ax.fill_between(
                times, shown(low), shown(high), step="post", alpha=0.15, color=drawn[-1], lw=0
            )
        if options["censor_ticks"]:
            censored = rows["n_censor"].to_numpy(dtype=float) > 0
            ax.plot(
                rows["time"].to_numpy(dtype=float)[censored],
                shown(rows["survival"].to_numpy(dtype=float)[censored]),
                linestyle="none",
                marker="+",
                markersize=7,
                color=drawn[-1],
            )
    return drawn


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
    ylabel: str | None = None,
    censor_ticks: bool = True,
    colors: Sequence[Any] | None = None,
    fun: Literal["survival", "event"] = "survival",
    percent: bool = False,
    pval: bool | float | str | LogrankResult = False,
    median_lines: bool = False,
    break_time_by: float | None = None,
    xlim: tuple[float, float] | None = None,
    risk_table_labels: Literal["auto", "names", "bars"] = "auto",
) -> Axes:
    """Draw Kaplan–Meier curves as right-continuous steps, with survminer's options.

    Parameters
    ----------
    km_result : KaplanMeierResult
        From :func:`sarcosurv.kaplan_meier`.
    ax : matplotlib Axes, optional
        Axes to draw on; a new figure (constrained layout) when omitted. The
        numbers-at-risk table takes its room from this axes' own slot.
    risk_table : bool
        Numbers at risk (R ``summary(survfit, times =)$n.risk``) in an axes under
        the plot, one row per curve, at ``risk_times``.
    conf_int : bool
        Shade the pointwise confidence band of the result's ``conf_type``.
    risk_times : sequence of float, optional
        Times of the table (and the x ticks); default every ``break_time_by``,
        else matplotlib's x ticks inside the data range.
    labels : sequence or mapping, optional
        Curve labels in group order, or a mapping from group value to label.
    title, xlabel, ylabel : str
        Texts of the plot (``ylabel`` defaults to the quantity drawn).
    censor_ticks : bool
        Mark censoring times with a "+" on the curve.
    colors : sequence, optional
        One matplotlib colour per curve.
    fun : {"survival", "event"}
        ``"event"`` draws the cumulative event probability ``1 - S(t)``
        (survminer ``fun = "event"``).
    percent : bool
        Label the y axis in percent.
    pval : bool, float, str or LogrankResult
        Print the log-rank p-value on the plot: ``True`` computes the unweighted
        log-rank test from the curves' own risk sets (no case weights, no delayed
        entry — otherwise pass the result of :func:`sarcosurv.logrank_test`); a
        number or a text is printed as given.
    median_lines : bool
        Dashed lines at the median survival of each curve (survminer
        ``surv.median.line = "hv"``).
    break_time_by : float, optional
        Spacing of the x ticks and the numbers-at-risk columns.
    xlim : (float, float), optional
        x limits of the plot and the table.
    risk_table_labels : {"auto", "names", "bars"}
        Rows of the table named by the curve labels, or by a bar in the
        curve's colour; ``"auto"`` falls back to bars when the names would not
        fit left of the table (a figure without a layout engine and narrow
        margins), see :func:`sarcosurv.report._risk_table.draw_risk_table`.

    Returns
    -------
    matplotlib.axes.Axes
        The plot axes (the table axes is the next axes of its figure).

    Examples
    --------
    >>> import sarcosurv as ss
    >>> lung = ss.datasets.lung() if hasattr(ss, "datasets") else None  # doctest: +SKIP
    >>> fit = ss.kaplan_meier(lung, "time", "status", by="sex")  # doctest: +SKIP
    >>> ax = fit.plot(pval=True, median_lines=True, break_time_by=180)  # doctest: +SKIP
    """
    if fun not in ("survival", "event"):
        raise SarcosurvError(f"fun must be 'survival' or 'event', not {fun!r}")
    if ax is None:
        ax = new_axes()
    names = _group_labels(km_result, labels)
    if colors is not None and (isinstance(colors, str) or len(colors) < len(names)):
        given = 1 if isinstance(colors, str) else len(colors)
        raise SarcosurvError(
            f"colors gives {given} colour(s) for {len(names)} curves: give one per curve"
        )
    origin = min(0.0, float(km_result.table["time"].min())) if len(km_result.table) else 0.0
    options = {"fun": fun, "origin": origin, "conf_int": conf_int, "censor_ticks": censor_ticks}
    drawn_colors = _draw_curves(ax, km_result, names, colors, options)
    if median_lines:
        _median_lines(ax, km_result, origin)
    _decorate(ax, fun, percent, title, xlabel, ylabel, len(names))
    ax.set_xlim(*(xlim if xlim is not None else (origin, None)))
    times = _tick_times(ax, risk_times, break_time_by, origin)
    if pval is not False:
        annotate_p_value(ax, pval if not isinstance(pval, bool) else km_result, fun)
    if risk_table:
        at = km_result.survival_at(times, extend=True)
        groups = list(km_result.groups["group"]) if km_result.by else [None]
        counts = [
            (at if g is None else at[at["group"] == g])["n_risk"].to_numpy(float) for g in groups
        ]
        draw_risk_table(ax, times, counts, names, drawn_colors, row_labels=risk_table_labels)
    else:
        ax.set_xticks(times)
    return ax


def _decorate(
    ax: Axes,
    fun: str,
    percent: bool,
    title: str | None,
    xlabel: str,
    ylabel: str | None,
    n_curves: int,
) -> None:
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(xlabel)
    default = "Survival probability" if fun == "survival" else "Cumulative event probability"
    ax.set_ylabel(ylabel if ylabel is not None else default)
    if percent:
        from matplotlib.ticker import PercentFormatter

        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    if title is not None:
        ax.set_title(title)
    if n_curves > 1:
        ax.legend(frameon=False, loc="upper right" if fun == "survival" else "lower right")


def _tick_times(
    ax: Axes, risk_times: Sequence[float] | None, step: float | None, origin: float
) -> list[float]:
    """Times of the x ticks and the table: given, every ``step``, or matplotlib's choice."""
    lo, hi = ax.get_xlim()
    if risk_times is not None:
        return [float(t) for t in risk_times]
    if step is not None:
        if step <= 0:
            raise SarcosurvError(f"break_time_by must be positive, not {step!r}")
        start = origin if lo <= origin else lo
        return [float(t) for t in np.arange(start, hi + 1e-9 * max(1.0, abs(hi)), step)]
    return [float(t) for t in ax.get_xticks() if lo - 1e-12 <= t <= hi + 1e-12]


def _median_lines(ax: Axes, km: KaplanMeierResult, origin: float) -> None:
    """Horizontal line at 0.5 up to the last median, vertical lines down from each median."""
    medians = km.median()["median"].to_numpy(dtype=float)
    finite = medians[np.isfinite(medians)]
    if finite.size == 0:
        return
    ax.hlines(0.5, origin, float(finite.max()), color="grey", linestyle="--", linewidth=0.8)
    ax.vlines(finite, 0.0, 0.5, color="grey", linestyle="--", linewidth=0.8)


def logrank_p_from_curves(km: KaplanMeierResult) -> float:
    """Log-rank p-value from the risk sets recorded in the Kaplan–Meier table.

    At each distinct time the group sizes at risk are those of the group's next
    table row (0 after its last), which is exact when no subject enters late
    (refused when the data had entry times; the table is also checked:
    ``n_risk`` of the first row equals the group size and falls by exactly the
    events and censorings from row to row).
    """
    from scipy import stats

    from ..logrank import _generalised_inverse, _score_and_variance

    if not km.by:
        raise SarcosurvError("pval needs two or more curves (fit with by=)")
    table = km.table
    if not pd.api.types.is_integer_dtype(table["n_risk"]):
        raise SarcosurvError(
            "pval=True needs unweighted curves; pass pval=ss.logrank_test(...) instead"
        )
    times = np.unique(table["time"].to_numpy(dtype=float))
    k = len(km.groups)
    at_risk, events = np.zeros((times.size, k)), np.zeros((times.size, k))
    for g in range(k):
        rows = table.iloc[km.offsets[g] : km.offsets[g + 1]]
        t = rows["time"].to_numpy(dtype=float)
        n = rows["n_risk"].to_numpy(dtype=float)
        out = (rows["n_event"] + rows["n_censor"]).to_numpy(dtype=float)
        steps_ok = n[0] == float(km.groups["n"].iloc[g]) and np.all(n[1:] == n[:-1] - out[:-1])
        if km.late_entry or not steps_ok:
            raise SarcosurvError(
                "pval=True cannot see late entries in the curves; "
                "pass pval=ss.logrank_test(...) instead"
            )
        nxt = np.searchsorted(t, times, side="left")
        at_risk[:, g] = np.append(n, 0.0)[nxt]
        hit = np.isin(times, t)
        events[hit, g] = rows["n_event"].to_numpy(dtype=float)[np.searchsorted(t, times[hit])]
    keep = events.sum(axis=1) > 0
    observed, expected, variance = _score_and_variance(
        at_risk[keep], events[keep], np.ones(int(keep.sum()))
    )
    inverse, df = _generalised_inverse(variance)
    score = observed - expected
    return float(stats.chi2.sf(float(score @ inverse @ score), df))


def annotate_p_value(ax: Axes, pval: Any, fun: str = "survival") -> None:
    """Write "Log-rank p = ..." in a corner of the plot away from the curves."""
    if isinstance(pval, str):
        text = pval
    elif isinstance(pval, int | float):
        text = f"Log-rank p {_p_text(float(pval))}"
    elif hasattr(pval, "p_value"):
        text = f"Log-rank p {_p_text(float(pval.p_value))}"
    else:
        text = f"Log-rank p {_p_text(logrank_p_from_curves(pval))}"
    y, va = (0.04, "bottom") if fun == "survival" else (0.96, "top")
    ax.text(0.03, y, text, transform=ax.transAxes, ha="left", va=va)


def p_value_text(p: float) -> str:
    """A p-value after "p" on a plot: ``= 0.012`` or ``<0.001`` (one rounding rule)."""
    shown = format_p_value(p)
    return shown if shown.startswith("<") else f"= {shown}"


_p_text = p_value_text
