"""Forest plots of Cox and Fine–Gray fits: hazard ratios on a log scale, reference rows.

One row per coefficient, grouped under a header per variable; each categorical
variable of treatment contrasts gets its reference level as a row at 1.00,
marked "reference", so that "Liposarcoma 1.60" reads as compared with what.
Labels are the data's own level values, not the formula's internals
(``C(sex, contr.treatment('Male'))[T.Female]`` is shown as "Female" under
"sex"), and can be renamed with ``labels=``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import SarcosurvError
from ._blocks import REFERENCE_TEXT, VariableBlock, variable_blocks
from .format import format_p_value

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["coefficient_labels", "forest_rows", "plot_forest"]

_ROW_COLUMNS = [
    "variable",
    "label",
    "kind",
    "coefficient",
    "hazard_ratio",
    "lower",
    "upper",
    "p_value",
]


def _design(result: Any) -> Any:
    design = getattr(result, "design", None)
    if design is None and hasattr(result, "fit"):
        design = getattr(result.fit, "design", None)
    if design is None or not hasattr(result, "hazard_ratios"):
        raise SarcosurvError(
            f"a forest plot needs a Cox or Fine–Gray result, not {type(result).__name__}"
        )
    return design


def _label(labels: Mapping[Any, str], *keys: Any) -> str:
    for key in keys:
        if key in labels:
            return str(labels[key])
    return str(keys[-1])


def _block_rows(
    block: VariableBlock, table: pd.DataFrame, labels: Mapping[Any, str]
) -> list[dict[str, Any]]:
    """Header, reference and estimate rows of one variable (columns the fit estimated)."""
    variable = block.variable
    header = _label(labels, variable)
    columns = [c for c in block.columns if c in table.index]
    if block.kind != "categorical":
        single = len(block.columns) == 1
        return [
            _estimate(variable, header if single else _label(labels, column), column, table)
            for column in columns
        ]
    reference = str(block.reference)
    rows: list[dict[str, Any]] = [
        {"variable": variable, "label": header, "kind": "header"},
        {
            "variable": variable,
            "label": _label(labels, (variable, reference), reference),
            "kind": "reference",
            "hazard_ratio": 1.0,
        },
    ]
    for column, level in zip(block.columns, block.levels, strict=True):
        if column in table.index:
            name = _label(labels, column, (variable, level), level)
            rows.append(_estimate(variable, name, column, table))
    return rows


def forest_rows(result: Any, labels: Mapping[Any, str] | None = None) -> pd.DataFrame:
    """The rows of a forest plot: headers, reference levels and coefficients.

    The variables, levels and references are those of
    :func:`sarcosurv.report._blocks.variable_blocks`, the rows of the
    hazard-ratio table, so a forest plot and its table list the same lines.

    Parameters
    ----------
    result : CoxResult or FineGrayResult
        A fitted model (Cox, with or without frailty, or Fine–Gray).
    labels : mapping, optional
        Display names: a variable name maps to its header, a level value (or the
        pair ``(variable, level)``, or the coefficient name) to its row label.

    Returns
    -------
    pandas.DataFrame
        ``variable, label, kind, coefficient, hazard_ratio, lower, upper,
        p_value`` with ``kind`` one of ``"header"``, ``"reference"`` (hazard
        ratio 1, no CI) and ``"estimate"``; ``coefficient`` is the model's
        name of the estimate's column.
    """
    design = _design(result)
    table = result.hazard_ratios
    given = dict(labels or {})
    rows = [
        row
        for block in variable_blocks(design)
        if any(c in table.index for c in block.columns)
        for row in _block_rows(block, table, given)
    ]
    return pd.DataFrame(rows, columns=_ROW_COLUMNS)


def coefficient_labels(result: Any, labels: Mapping[Any, str] | None = None) -> dict[str, str]:
    """Readable name of every coefficient: "Sex: Female" for a level, the header otherwise."""
    rows = forest_rows(result, labels)
    headers = dict(
        zip(
            rows.loc[rows["kind"] == "header", "variable"],
            rows.loc[rows["kind"] == "header", "label"],
            strict=True,
        )
    )
    out = {}
    for _, row in rows[rows["kind"] == "estimate"].iterrows():
        header = headers.get(row["variable"])
        out[row["coefficient"]] = (
            str(row["label"]) if header is None else f"{header}: {row['label']}"
        )
    return out


def _estimate(variable: str, label: str, column: str, table: pd.DataFrame) -> dict[str, Any]:
    keys = ["hazard_ratio", "lower", "upper", "p_value"]
    values = table.loc[[column], keys].to_numpy(dtype=np.float64)[0]
    row = {"variable": variable, "label": label, "kind": "estimate", "coefficient": column}
    return row | {k: float(v) for k, v in zip(keys, values, strict=True)}


def _right_text(row: pd.Series) -> str:
    if row["kind"] == "header":
        return ""
    if row["kind"] == "reference":
        return REFERENCE_TEXT
    return (
        f"{row['hazard_ratio']:.2f} ({row['lower']:.2f}–{row['upper']:.2f})"
        f"   p {_p(row['p_value'])}"
    )


def _p(p: float) -> str:
    shown = format_p_value(p)
    return shown if shown.startswith("<") else f"= {shown}"


def plot_forest(
    result: Any,
    ax: Axes | None = None,
    *,
    labels: Mapping[Any, str] | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    color: Any = "black",
) -> Axes:
    """Forest plot: hazard ratio and confidence interval per row, log scale, line at 1.

    Parameters
    ----------
    result : CoxResult or FineGrayResult
        The fitted model; the rows are :func:`forest_rows`.
    ax : matplotlib Axes, optional
        Axes to draw on; a new figure sized to the number of rows when omitted.
    labels : mapping, optional
        Display names of variables and levels (see :func:`forest_rows`).
    title, xlabel : str, optional
        Texts of the plot; ``xlabel`` defaults to "Hazard ratio (95% CI, log
        scale)" ("Subdistribution hazard ratio" for a Fine–Gray fit).
    color : matplotlib colour
        Of the points and whiskers.

    Returns
    -------
    matplotlib.axes.Axes
        The plot; row labels are its y tick labels, the estimates in text the
        tick labels of a twin axis on the right, so layout engines make room.

    Examples
    --------
    >>> import pandas as pd, sarcosurv as ss  # doctest: +SKIP
    >>> fit = ss.coxph("Surv(time, status) ~ age + C(sex)", lung)  # doctest: +SKIP
    >>> ax = fit.plot_forest(labels={"sex": "Sex", "1": "Male", "2": "Female"})  # doctest: +SKIP
    """
    from ._mpl import pad_layout, require_matplotlib

    rows = forest_rows(result, labels)
    if ax is None:
        plt = require_matplotlib()
        fig = plt.figure(figsize=(9.0, 1.4 + 0.32 * len(rows)), layout="constrained")
        pad_layout(fig)
        ax = fig.add_subplot()
    y = np.arange(len(rows), dtype=float)
    estimates = rows["kind"] == "estimate"
    hr = rows["hazard_ratio"].to_numpy(dtype=float)
    low, high = rows["lower"].to_numpy(dtype=float), rows["upper"].to_numpy(dtype=float)
    mask = estimates.to_numpy()
    ax.hlines(y[mask], low[mask], high[mask], color=color, linewidth=1.2)
    ax.plot(hr[mask], y[mask], "s", color=color, markersize=5)
    reference = (rows["kind"] == "reference").to_numpy()
    ax.plot(hr[reference], y[reference], "D", mfc="white", color=color, markersize=5)
    ax.axvline(1.0, color="grey", linewidth=0.8, linestyle="--")
    ax.set_xscale("log")
    name = "Subdistribution hazard ratio" if hasattr(result, "n_competing") else "Hazard ratio"
    level = round(100 * float(result.conf_level))
    short = "SHR" if hasattr(result, "n_competing") else "HR"
    _limits_and_labels(ax, rows, low, high, hr, f"{short} ({level}% CI)")
    ax.set_xlabel(xlabel if xlabel is not None else f"{name} ({level}% CI, log scale)")
    if title is not None:
        ax.set_title(title)
    return ax


def _ticks_between(candidates: list[float], lo: float, hi: float) -> Any:
    values = np.asarray(candidates, dtype=np.float64)
    return values[(values >= lo) & (values <= hi)]


def _limits_and_labels(
    ax: Axes, rows: pd.DataFrame, low: Any, high: Any, hr: Any, header: str
) -> None:
    from matplotlib.ticker import FixedLocator, NullLocator, StrMethodFormatter

    values = np.concatenate([low, high, hr, [1.0]])
    values = values[np.isfinite(values) & (values > 0)]
    lo, hi = float(values.min()), float(values.max())
    ax.set_xlim(lo / 1.25, hi * 1.25)
    inside = (lo / 1.25, hi * 1.25)
    ticks = _ticks_between([0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100], *inside)
    if ticks.size < 3:  # a narrow range: finer steps
        ticks = _ticks_between([0.25, 0.33, 0.5, 0.67, 0.8, 1, 1.25, 1.5, 2, 3, 4], *inside)
    ax.xaxis.set_major_locator(FixedLocator([float(t) for t in ticks]))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(StrMethodFormatter("{x:g}"))
    n = len(rows)
    ax.set_ylim(n - 0.4, -1.4)  # row -1 holds the column header of the estimates
    # Levels are indented under their variable's header.
    grouped = set(rows.loc[rows["kind"] == "header", "variable"])
    left = [
        ("    " if kind != "header" and variable in grouped else "") + str(label)
        for kind, variable, label in zip(rows["kind"], rows["variable"], rows["label"], strict=True)
    ]
    ax.set_yticks(range(n), labels=left)
    for tick, (_, row) in zip(ax.get_yticklabels(), rows.iterrows(), strict=True):
        if row["kind"] == "header":
            tick.set_fontweight("bold")
    ax.tick_params(axis="y", length=0)
    right = ax.twinx()
    right.set_ylim(ax.get_ylim())
    right.set_yticks(
        range(-1, n), labels=[f"{header}, p"] + [_right_text(r) for _, r in rows.iterrows()]
    )
    right.get_yticklabels()[0].set_fontweight("bold")
    right.tick_params(axis="y", length=0)
    for axes in (ax, right):
        for side in ("top", "right", "left"):
            axes.spines[side].set_visible(False)
    ax.grid(axis="x", color="0.9", linewidth=0.6)
