"""Proportional-hazards plot: scaled Schoenfeld residuals against time, as R ``plot(cox.zph)``.

Under proportional hazards the scaled Schoenfeld residuals of a coefficient
scatter around a horizontal line at the fitted coefficient: their expected
value at time ``t`` is approximately ``beta(t)``, the coefficient if it were
allowed to change over time (Grambsch & Therneau 1994). A smoother through them
shows how ``beta(t)`` moves. As R's ``plot.cox.zph``, the smoother is the least
squares fit of a natural cubic spline with ``df`` degrees of freedom (knots at
the tertiles for ``df = 4``) on the transformed time ``g(t)``, and the band is
``± 2`` standard errors of the fitted curve,

.. math::

    \\widehat{\\beta}(x) \\pm 2 \\sqrt{d \\, V_{jj}\\; b(x)^\\top (B^\\top B)^{-1} b(x)},

with ``B`` the spline basis at the event times, ``d`` the number of events and
``V_{jj}`` the model-based variance of the coefficient (``d V_{jj}`` is the
variance of one scaled residual).

References
----------
Grambsch, P. M. and Therneau, T. M. (1994). Proportional hazards tests and
diagnostics based on weighted residuals. *Biometrika* 81, 515–526.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..errors import SarcosurvError
from .format import format_p_value

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "PHSmooth",
    "natural_spline_basis",
    "plot_proportional_hazards",
    "zph_points",
    "zph_smooth",
]

FloatArray = npt.NDArray[np.float64]


def zph_points(result: Any, transform: str = "km") -> pd.DataFrame:
    """The points of R ``plot(cox.zph(fit, transform))``: one row per event.

    Returns ``time``, ``x`` (the transformed time ``g(t)``: ``1 - S(t-)`` of
    the pooled Kaplan–Meier curve for ``"km"``, the rank or the time itself)
    and one column of scaled Schoenfeld residuals per coefficient.
    """
    from ..cox.zph import event_time_transform

    if transform not in ("km", "rank", "identity"):
        raise SarcosurvError(f"transform must be 'km', 'rank' or 'identity', not {transform!r}")
    if getattr(result, "frailty", None) is not None or not hasattr(result, "residuals"):
        raise SarcosurvError("the proportional-hazards plot needs a Cox fit without frailty")
    residuals = result.residuals("scaled_schoenfeld")
    data = result.fit.data
    x = event_time_transform(data, transform)
    times = data.stop[data.event_rows]
    if not np.array_equal(times, residuals["time"].to_numpy(dtype=np.float64)):
        raise SarcosurvError("internal: residual rows are not in event order")  # pragma: no cover
    frame: pd.DataFrame = residuals.reset_index(drop=True)
    frame.insert(1, "x", x)
    return frame


def natural_spline_basis(x: FloatArray, knots: FloatArray) -> FloatArray:
    """Natural cubic spline basis (linear beyond the boundary knots), with intercept.

    The truncated-power form of Hastie, Tibshirani & Friedman (2009, eq. 5.4–5.5):
    ``1, x, d_k(x) - d_{K-1}(x)`` with
    ``d_k(x) = ((x - ξ_k)_+^3 - (x - ξ_K)_+^3) / (ξ_K - ξ_k)``; it spans the same
    space as R ``splines::ns(x, knots, intercept = TRUE)``, so least-squares fits
    agree.
    """
    lo, hi = float(knots[0]), float(knots[-1])
    scale = hi - lo if hi > lo else 1.0
    u, xi = (x - lo) / scale, (knots - lo) / scale

    def d(k: int) -> FloatArray:
        cube = np.maximum(u - xi[k], 0.0) ** 3 - np.maximum(u - xi[-1], 0.0) ** 3
        return np.asarray(cube / (xi[-1] - xi[k]), np.float64)

    columns = [np.ones_like(u), u] + [d(k) - d(len(xi) - 2) for k in range(len(xi) - 2)]
    return np.column_stack(columns)


@dataclass(frozen=True)
class PHSmooth:
    """Smoother of one coefficient's residuals: ``x`` grid, ``fit``, ``lower``, ``upper``."""

    x: FloatArray
    fit: FloatArray
    lower: FloatArray
    upper: FloatArray


def zph_smooth(
    x: FloatArray, y: FloatArray, variance: float, df: int = 4, n_points: int = 40
) -> PHSmooth:
    """Spline smoother and ``± 2`` SE band of R ``plot.cox.zph`` (``variance = d V_jj``)."""
    if df < 2:
        raise SarcosurvError(f"df must be at least 2, not {df}")
    grid = np.linspace(float(x.min()), float(x.max()), n_points)
    both = np.concatenate([grid, x])
    # R: ns(df, intercept = TRUE) has df - 2 interior knots at equally spaced quantiles.
    probs = np.linspace(0.0, 1.0, df)
    knots = np.quantile(both, probs)
    basis = natural_spline_basis(x, knots)
    at_grid = natural_spline_basis(grid, knots)
    coef, _, rank, _ = np.linalg.lstsq(basis, y, rcond=None)
    if rank < df:
        raise SarcosurvError("the spline smoother is singular: too few distinct event times")
    inverse = np.linalg.inv(basis.T @ basis)
    se = np.sqrt(variance * np.einsum("ij,jk,ik->i", at_grid, inverse, at_grid))
    fit = at_grid @ coef
    return PHSmooth(grid, fit, fit - 2.0 * se, fit + 2.0 * se)


def _time_ticks(points: pd.DataFrame, transform: str) -> tuple[list[float], list[str]] | None:
    """Eight time labels on the transformed axis, as R (``signif(time, 2)``)."""
    if transform == "identity":
        return None
    x, t = points["x"].to_numpy(dtype=float), points["time"].to_numpy(dtype=float)
    _, first = np.unique(x, return_index=True)
    x, t = x[first], t[first]
    wanted = np.linspace(x.min(), x.max(), 17)[1::2][:8]
    times = np.interp(wanted, x, t)
    rounded = np.array([float(f"{v:.2g}") for v in times])
    return [float(v) for v in np.interp(rounded, t, x)], [f"{v:g}" for v in rounded]


def plot_proportional_hazards(
    result: Any,
    *,
    transform: str = "km",
    terms: Sequence[str] | None = None,
    df: int = 4,
    ncols: int | None = None,
    points: bool = True,
    labels: Mapping[Any, str] | None = None,
) -> Figure:
    """Scaled Schoenfeld residuals against time, one panel per coefficient, as ``plot(cox.zph)``.

    Parameters
    ----------
    result : CoxResult
        A Cox fit without frailty.
    transform : {"km", "rank", "identity"}
        Time scale of the x axis (R's default ``"km"``); the axis is labelled
        in the original time units.
    terms : sequence of str, optional
        Coefficients to draw (default all).
    df : int
        Degrees of freedom of the natural-spline smoother (R's default 4).
    ncols : int, optional
        Panels per row (default up to 3).
    points : bool
        Draw the residuals themselves.
    labels : mapping, optional
        Display names of variables and levels, as for
        :func:`sarcosurv.report.forest.plot_forest`; by default "sex: Female"
        rather than the formula's column name.

    Returns
    -------
    matplotlib.figure.Figure
        Each panel's title carries the Grambsch–Therneau test of its term.

    Examples
    --------
    >>> fit = ss.coxph("Surv(time, status) ~ age + sex", lung)  # doctest: +SKIP
    >>> fig = fit.plot_proportional_hazards()  # doctest: +SKIP
    """
    from ._mpl import pad_layout, require_matplotlib
    from .forest import coefficient_labels

    frame = zph_points(result, transform)
    names = list(result.params.index) if terms is None else list(terms)
    unknown = [n for n in names if n not in result.params.index]
    if unknown:
        raise SarcosurvError(
            f"no coefficient {unknown[0]!r}; the fit has {list(result.params.index)}"
        )
    tests = result.test_proportional_hazards(transform)
    plt = require_matplotlib()
    columns = ncols or min(3, len(names))
    rows = -(-len(names) // columns)
    fig: Figure
    fig, axes = plt.subplots(
        rows, columns, figsize=(4.3 * columns, 3.6 * rows), squeeze=False, layout="constrained"
    )
    pad_layout(fig)
    ticks = _time_ticks(frame, transform)
    variance = len(frame) * np.asarray(result.naive_std_err, dtype=float) ** 2
    position = {n: i for i, n in enumerate(result.params.index)}
    shown = coefficient_labels(result, labels)
    for ax, name in zip(axes.flat, names, strict=False):
        _panel(ax, frame, name, variance[position[name]], float(result.params[name]), df, points)
        label = shown.get(name, name)
        ax.set_ylabel(f"Beta(t) for {label}")
        p = _term_p(result, tests, name)
        ax.set_title(label if p is None else f"{label}   (PH test p {p})", fontsize="medium")
        if ticks is not None:
            ax.set_xticks(ticks[0], labels=ticks[1])
    for ax in list(axes.flat)[len(names) :]:
        ax.set_visible(False)
    return fig


def _panel(
    ax: Axes, frame: pd.DataFrame, name: str, variance: float, beta: float, df: int, points: bool
) -> None:
    x = frame["x"].to_numpy(dtype=float)
    y = frame[name].to_numpy(dtype=float)
    smooth = zph_smooth(x, y, variance, df)
    if points:
        ax.plot(x, y, "o", markersize=2.5, color="0.55", alpha=0.7)
    ax.plot(smooth.x, smooth.fit, color="C0", linewidth=1.6)
    ax.plot(smooth.x, smooth.lower, color="C0", linestyle="--", linewidth=1.0)
    ax.plot(smooth.x, smooth.upper, color="C0", linestyle="--", linewidth=1.0)
    ax.fill_between(smooth.x, smooth.lower, smooth.upper, color="C0", alpha=0.1, linewidth=0)
    ax.axhline(beta, color="firebrick", linestyle=":", linewidth=1.0)
    ax.set_xlabel("Time")


def _term_p(result: Any, tests: pd.DataFrame, name: str) -> str | None:
    """The formatted p-value of the term a coefficient belongs to."""
    design = result.fit.design
    for term, positions in design.term_columns.items():
        if name in [design.column_names[i] for i in positions] and term in tests.index:
            shown = format_p_value(float(tests.loc[term, "p_value"]))
            return shown if shown.startswith("<") else f"= {shown}"
    return None
