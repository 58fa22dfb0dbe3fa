"""Imputation compatible with a Cox analysis model (SMC-FCS; Bartlett et al. 2015).

The chained equations of :mod:`.chained` approximate the distribution of a
covariate given the outcome by a regression on the event indicator and the
cumulative hazard (White & Royston 2009). That approximation shrinks large
hazard ratios of heavily missing covariates. Here each covariate of the Cox
model is drawn from the conditional distribution that the Cox model itself
implies,

.. math:: f(x_j \\mid x_{-j}, T, D) \\propto f(x_j \\mid x_{-j})\\,
          \\big[h_0(T)e^{\\eta}\\big]^{D} \\exp\\!\\big(-H_0(T)\\,e^{\\eta}\\big),
          \\quad \\eta = x^T\\beta,

with the parameters of both models drawn from their approximate posteriors
at every step. A category is drawn exactly (the product over its levels,
normalised); a number by rejection sampling from the normal linear model
:math:`f(x_j \\mid x_{-j})`, accepting a proposal with probability
:math:`\\exp(-u)` for a censored row and :math:`u\\,e^{1-u}` for an event,
:math:`u = H_0(T)e^{\\eta}` (both at most 1). With delayed entry,
:math:`H_0` is the increment over the row's ``(entry, exit]``.

References
----------
Bartlett JW, Seaman SR, White IR, Carpenter JR. Multiple imputation of
covariates by fully conditional specification: accommodating the substantive
model. Stat Methods Med Res 2015;24:462-487.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special

from ..cox import fit_cox
from ..cox.formula import Design, build_design, formulaic_frame, parse_formula
from ..cox.kernels import baseline_cumulative_hazard_per_row
from ..errors import ImputationError
from .columns import ImputedColumn
from .methods import (
    draw_normal,
    normal_proposal,
    ordered_probabilities,
    polytomous_probabilities,
    sample_categories,
)

__all__ = [
    "REJECTION_LIMIT",
    "ColumnMap",
    "CompatibleChain",
    "CompatibleModel",
    "CompatibleSetup",
    "compatible_model",
    "compatible_setup",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

#: Proposal rounds per missing value before rejection sampling keeps the
#: previous value (smcfcs's ``rjlimit``); each failure is counted and reported.
REJECTION_LIMIT = 1000


@dataclass(frozen=True, eq=False)
class CompatibleModel:
    """The Cox model the imputations are compatible with.

    ``columns``: the imputed columns that are covariates of the model (drawn
    compatibly); ``frame_columns``: every data column the model reads.
    """

    formula: str
    strata: tuple[str, ...]
    columns: frozenset[str]
    frame_columns: tuple[str, ...]
    ties: str = "efron"


def compatible_model(
    formula: str, data: pd.DataFrame, imputed: list[ImputedColumn], ties: str = "efron"
) -> CompatibleModel:
    """Check the analysis formula against the imputed columns.

    Every covariate and stratum column of the formula must be complete or
    among the imputed columns; a missing stratum is imputed by the chained
    equations with the outcome (not compatibly: it changes the risk sets).
    """
    parsed = parse_formula(formula)
    names = {c.name for c in imputed}
    strata = tuple(parsed.specials.strata)
    used = list(dict.fromkeys([*parsed.columns, *strata]))
    for name in used:
        if name in data.columns and name not in names and bool(data[name].isna().any()):
            raise ImputationError(
                "used by the analysis model but not among the imputed columns, and has "
                f"{int(data[name].isna().sum())} missing value(s); add it to the columns",
                column=name,
            )
    columns = frozenset(c.name for c in imputed if c.name in parsed.columns and c.missing.any())
    frame_columns = tuple(dict.fromkeys([*parsed.surv_columns, *used]))
    return CompatibleModel(formula, strata, columns, frame_columns, ties)


@dataclass(frozen=True, eq=False)
class ColumnMap:
    """How the model's design matrix depends on one compatibly imputed column.

    ``own``: the design columns that change with it. When no other imputed
    column enters them, they are a fixed function of the column's value (the
    other inputs are complete): ``levels`` (L, n, own) holds them at each level
    of a category, ``at_zero`` and ``slope`` (n, own) for a number entering
    affinely (plain terms, products with complete columns). Otherwise (an
    interaction of two imputed columns, ``np.log(x)``, splines) every
    evaluation goes through formulaic, for values within ``bounds`` (the
    observed range: a spline basis, or a logarithm, is defined from the
    observed values, and proposals outside it are rejected).
    """

    own: IntArray
    levels: FloatArray | None = None
    at_zero: FloatArray | None = None
    slope: FloatArray | None = None
    bounds: tuple[float, float] = (-np.inf, np.inf)


@dataclass(frozen=True, eq=False)
class CompatibleSetup:
    """The model's response, design specification and column maps, shared by all chains."""

    model: CompatibleModel
    design: Design
    maps: dict[str, ColumnMap]


def _rows_matrix(
    design: Design, frame: pd.DataFrame, rows: IntArray, column: ImputedColumn, values: FloatArray
) -> FloatArray:
    """Design rows with ``column`` set to ``values`` on ``rows`` (formulaic evaluation)."""
    sub = frame.iloc[rows].copy()
    sub[column.name] = column.to_series(values, sub.index)
    built = design.model_spec.get_model_matrix(formulaic_frame(sub))  # type: ignore[attr-defined]
    return np.asarray(built[design.column_names].to_numpy(np.float64), np.float64)


def _column_map(design: Design, frame: pd.DataFrame, column: ImputedColumn) -> ColumnMap:
    """Evaluate the design with the column at each level, or at four observed values.

    A number is probed inside its observed range (a spline basis refuses to
    extrapolate): at its minimum and maximum, which give the affine map, and
    at its quartiles, which check it.
    """
    rows = np.arange(len(frame))
    if column.levels is not None:
        points = [float(k) for k in range(column.n_levels)]
    else:
        observed = column.values[~column.missing]
        quartiles = np.quantile(observed, [0.25, 0.75])
        points = [float(observed.min()), float(observed.max()), *map(float, quartiles)]
    with np.errstate(all="ignore"):
        built = np.stack(
            [_rows_matrix(design, frame, rows, column, np.full(len(rows), p)) for p in points]
        )
    changes = np.any(built != built[:1], axis=(0, 1)) | ~np.isfinite(built).all(axis=(0, 1))
    own = np.flatnonzero(changes)
    if column.levels is not None:
        return ColumnMap(own, levels=built[:, :, own])
    bounds = (points[0], points[1])
    if points[1] <= points[0] or not np.isfinite(built).all():
        return ColumnMap(own, bounds=bounds)
    with np.errstate(all="ignore"):
        slope = (built[1][:, own] - built[0][:, own]) / (points[1] - points[0])
        at_zero = built[0][:, own] - points[0] * slope
        for point, matrix in zip(points[2:], built[2:], strict=True):  # two checks of affinity
            expected = at_zero + point * slope
            scale = np.abs(expected).max(initial=1.0)
            if not np.allclose(matrix[:, own], expected, rtol=1e-9, atol=1e-9 * scale):
                return ColumnMap(own, bounds=bounds)
    return ColumnMap(own, at_zero=at_zero, slope=slope, bounds=bounds)


def compatible_setup(
    model: CompatibleModel, completed: pd.DataFrame, columns: list[ImputedColumn]
) -> CompatibleSetup:
    """Response and design of the model on a completed dataset, and each column's map.

    A map stays tabulated only if no other compatibly imputed column changes
    its design columns.
    """
    frame = completed[list(model.frame_columns)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the analysis fits report problems, not this one
        design = build_design(model.formula, frame, list(model.strata))
    if not design.used.all():  # cannot happen once every model column is complete
        raise ImputationError("the completed data leave rows out of the analysis model")
    if not design.event.any():
        raise ImputationError(
            f"no events among the {len(frame)} rows with a known outcome: the analysis "
            f"model {model.formula!r} cannot be fitted, so nothing is compatible with it"
        )
    imputed = [c for c in columns if c.name in model.columns]
    maps = {c.name: _column_map(design, frame, c) for c in imputed}
    for name, mapped in maps.items():  # loop over columns: shared design columns
        others = [m.own for other, m in maps.items() if other != name]
        if others and np.intersect1d(mapped.own, np.concatenate(others)).size:
            maps[name] = ColumnMap(mapped.own, bounds=mapped.bounds)
    return CompatibleSetup(model, design, maps)


@dataclass(eq=False)
class CompatibleChain:
    """One chain's completed data as the Cox model sees it, updated after every draw.

    Mutable on purpose: a Gibbs chain's state. Each sweep starts with
    :meth:`draw_outcome` (the Cox parameters given the current data);
    ``rejected`` counts values kept because no proposal was accepted,
    ``not_converged`` the Cox fits that hit their iteration cap.
    """

    setup: CompatibleSetup
    frame: pd.DataFrame
    x: FloatArray
    beta: FloatArray
    hazard: FloatArray
    eta: FloatArray
    fitted: FloatArray | None = None
    rejected: int = 0
    not_converged: int = 0

    @classmethod
    def start(cls, setup: CompatibleSetup, completed: pd.DataFrame) -> CompatibleChain:
        """The chain at its initial state (``completed``: the initially completed data)."""
        frame = completed[list(setup.model.frame_columns)].copy()
        built = setup.design.model_spec.get_model_matrix(formulaic_frame(frame))  # type: ignore[attr-defined]
        x = np.array(built[setup.design.column_names].to_numpy(np.float64), dtype=np.float64)
        empty = np.zeros(x.shape[1])
        return cls(setup, frame, x, empty, np.zeros(len(frame)), np.zeros(len(frame)))

    @property
    def event(self) -> BoolArray:
        return self.setup.design.event

    def update(self, column: ImputedColumn, current: FloatArray) -> None:
        """Write a column's new values into the frame (and the design, for a covariate)."""
        if column.name not in self.frame.columns:
            return
        self.frame[column.name] = column.to_series(current, self.frame.index)
        mapped = self.setup.maps.get(column.name)
        if mapped is None:
            return
        rows = np.flatnonzero(column.missing)
        values = current[rows]
        if mapped.levels is not None:
            self.x[np.ix_(rows, mapped.own)] = mapped.levels[values.astype(np.intp), rows]
        elif mapped.slope is not None and mapped.at_zero is not None:
            own = np.ix_(rows, mapped.own)
            self.x[own] = mapped.at_zero[rows] + values[:, None] * mapped.slope[rows]
        else:
            self.x[rows] = _rows_matrix(self.setup.design, self.frame, rows, column, values)
        self.eta[rows] = self.x[rows] @ self.beta

    def draw_outcome(self, rng: np.random.Generator) -> None:
        """Cox coefficients drawn from :math:`N(\\hat\\beta, \\hat V)` on the current data,
        and each row's baseline cumulative hazard (Breslow/Efron) at the drawn value.

        The fit starts from the previous sweep's estimate (one or two Newton steps).
        """
        design, model = self.setup.design, self.setup.model
        strata = None
        if model.strata:
            strata = pd.MultiIndex.from_frame(self.frame[list(model.strata)]).factorize()[0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = fit_cox(
                self.x,
                design.stop,
                design.event,
                entry=design.start,
                strata=strata,
                ties=model.ties,  # type: ignore[arg-type]
                init=self.fitted,
            )
        self.not_converged += not fit.converged
        self.fitted = fit.beta if np.isfinite(fit.beta).all() else None
        self.beta = draw_normal(fit.beta, fit.vcov_naive, rng)
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging fit: inf, rejected
            self.hazard = baseline_cumulative_hazard_per_row(fit.data, self.beta, ties=model.ties)  # type: ignore[arg-type]
            self.eta = self.x @ self.beta

    def draw(
        self,
        column: ImputedColumn,
        current: FloatArray,
        predictors: FloatArray,
        rng: np.random.Generator,
        warm: dict[str, FloatArray],
    ) -> FloatArray:
        """New values of ``column``'s missing rows, compatible with the Cox model.

        The covariate model (given the other covariates, ``predictors``) is
        fitted on every row at the chain's current values, not on the observed
        rows alone: it does not condition on the outcome, so the observed rows
        are a biased sample of it when missingness depends on the outcome
        (Bartlett et al. 2015, sec. 3).
        """
        varying = predictors.max(axis=0) > predictors.min(axis=0)
        x_all = predictors[:, varying]
        x_missing = x_all[column.missing]
        rows = np.flatnonzero(column.missing)
        if column.levels is None:
            return self._draw_number(
                column, current, rows, normal_proposal(current, x_all, x_missing, rng), rng
            )
        codes = current.astype(np.intp)
        if column.method == "polr":
            prior = ordered_probabilities(codes, column.n_levels, x_all, x_missing, rng)
        else:
            prior, warm[column.name] = polytomous_probabilities(
                codes, column.n_levels, x_all, x_missing, rng, warm.get(column.name)
            )
        posterior = level_posterior(
            prior, self._level_eta(column, rows), self.hazard[rows], self.event[rows]
        )
        return sample_categories(posterior, rng).astype(np.float64)

    def _others(self, rows: IntArray, own: IntArray) -> FloatArray:
        """Linear predictors of ``rows`` without the design columns ``own``."""
        return np.asarray(self.eta[rows] - self.x[np.ix_(rows, own)] @ self.beta[own], np.float64)

    def _level_eta(self, column: ImputedColumn, rows: IntArray) -> FloatArray:
        """(rows, levels) linear predictors with the column at each level."""
        mapped = self.setup.maps[column.name]
        if mapped.levels is not None:
            own = mapped.own
            return self._others(rows, own)[:, None] + (mapped.levels[:, rows] @ self.beta[own]).T
        design, beta = self.setup.design, self.beta
        return np.column_stack(
            [
                _rows_matrix(design, self.frame, rows, column, np.full(rows.size, float(k))) @ beta
                for k in range(column.n_levels)
            ]
        )  # loop over the levels

    def _draw_number(
        self,
        column: ImputedColumn,
        current: FloatArray,
        rows: IntArray,
        proposal: tuple[FloatArray, float],
        rng: np.random.Generator,
    ) -> FloatArray:
        """Rejection sampling from the normal proposal: exact tangent envelope when the
        linear predictor is affine in the value, the generic bound otherwise."""
        mean, sigma = proposal
        event, hazard = self.event[rows], self.hazard[rows]
        mapped = self.setup.maps[column.name]
        if mapped.slope is not None and mapped.at_zero is not None:
            own = mapped.own
            intercept = self._others(rows, own) + mapped.at_zero[rows] @ self.beta[own]
            slope = np.asarray(mapped.slope[rows] @ self.beta[own], np.float64)
            mean, accept = tangent_envelope(mean, sigma, intercept, slope, hazard, event)
            batch = 4  # acceptance is high: few rounds
        else:
            accept = self._generic_acceptance(column, rows, event, hazard)
            batch = 50  # each round evaluates the design through formulaic: few, large rounds
        values, failed = rejection_sample(current[rows], mean, sigma, accept, rng, batch=batch)
        self.rejected += failed
        return values

    def _generic_acceptance(
        self, column: ImputedColumn, rows: IntArray, event: BoolArray, hazard: FloatArray
    ) -> Callable[[IntArray, FloatArray], FloatArray]:
        """Acceptance of proposals for ``rows[which]`` through formulaic evaluations."""
        design, frame, beta = self.setup.design, self.frame, self.beta
        lower, upper = self.setup.maps[column.name].bounds

        def accept(which: IntArray, values: FloatArray) -> FloatArray:
            inside = (values >= lower) & (values <= upper)
            eta = np.full(values.size, np.nan)  # outside the observed range: rejected
            if inside.any():
                with np.errstate(all="ignore"):
                    built = _rows_matrix(design, frame, rows[which[inside]], column, values[inside])
                    eta[inside] = built @ beta
            return acceptance(eta, hazard[which], event[which])

        return accept


def acceptance(eta: FloatArray, hazard: FloatArray, event: BoolArray) -> FloatArray:
    r"""Probability of accepting a proposal: :math:`u e^{1-u}` (event), :math:`e^{-u}` (censored).

    :math:`u = H_0 e^{\eta}`; the Cox likelihood of the row divided by its
    maximum over :math:`\eta` (both at most 1). Invalid linear predictors (NaN)
    are never accepted.

    Examples
    --------
    >>> import numpy as np
    >>> acceptance(np.zeros(2), np.array([1.0, 1.0]), np.array([True, False])).round(4)
    array([1.    , 0.3679])
    """
    with np.errstate(all="ignore"):
        u = hazard * np.exp(eta)
        probability = np.where(event, u * np.exp(1.0 - u), np.exp(-u))
    return np.asarray(np.nan_to_num(probability, nan=0.0), dtype=np.float64)


def tangent_envelope(
    mean: FloatArray,
    sigma: float,
    intercept: FloatArray,
    slope: FloatArray,
    hazard: FloatArray,
    event: BoolArray,
) -> tuple[FloatArray, Callable[[IntArray, FloatArray], FloatArray]]:
    r"""Exact proposal and acceptance for :math:`\eta = a + bx` (Gilks & Wild 1992's tangent).

    The target of a row is
    :math:`\phi(x; \mu, \sigma)\, e^{D b x} \exp(-u(x))`, :math:`u(x) = H_0 e^{a + bx}`.
    The event's factor :math:`e^{bx}` shifts the normal to :math:`\mu + Db\sigma^2`
    exactly. :math:`u` is convex, so it lies above its tangent at any
    :math:`x_0`: :math:`\exp(-u(x)) \le \exp(-u_0 - b u_0 (x - x_0))`, whose
    exponential factor shifts the normal again, to
    :math:`m = \mu + Db\sigma^2 - b u_0 \sigma^2`. Proposals from
    :math:`N(m, \sigma^2)` are accepted with probability
    :math:`\exp(-[u(x) - u_0 - b u_0 (x - x_0)]) \le 1`. With :math:`x_0` at the
    target's mode (:func:`target_mode`) almost every proposal is accepted,
    where the generic bound :func:`acceptance` would need hundreds of rounds
    for a long-censored row with a large hazard.

    Returns the proposal means and ``accept(which, values)``.
    """
    shifted = mean + event * slope * sigma**2
    mode = target_mode(shifted, sigma, intercept, slope, hazard)
    with np.errstate(over="ignore", invalid="ignore"):
        u0 = hazard * np.exp(intercept + slope * mode)
    centre = shifted - slope * u0 * sigma**2

    def accept(which: IntArray, values: FloatArray) -> FloatArray:
        with np.errstate(over="ignore", invalid="ignore"):
            u = hazard[which] * np.exp(intercept[which] + slope[which] * values)
            gap = u - u0[which] - slope[which] * u0[which] * (values - mode[which])
            return np.asarray(np.nan_to_num(np.exp(-np.maximum(gap, 0.0))), np.float64)

    return centre, accept


def target_mode(
    shifted: FloatArray, sigma: float, intercept: FloatArray, slope: FloatArray, hazard: FloatArray
) -> FloatArray:
    r"""Mode of :math:`-(x - s)^2 / 2\sigma^2 - H e^{a + bx}`, by Lambert's W.

    Setting the derivative to zero gives :math:`z e^z = c` for
    :math:`z = b(s - x)`, :math:`c = b^2\sigma^2 H e^{a + bs}`, so
    :math:`x = s - W_0(c)/b` (and :math:`x = s` where :math:`bH = 0`). ``c`` is
    handled on the log scale: beyond the float range :math:`W` solves
    :math:`w + \log w = \log c` by Newton's method.

    Examples
    --------
    >>> import numpy as np
    >>> x = target_mode(np.array([0.0]), 1.0, np.array([0.0]), np.array([1.0]), np.array([1.0]))
    >>> bool(abs(-x[0] - np.exp(x[0])) < 1e-12)  # the mode solves -x = exp(x)
    True
    """
    active = (slope != 0) & (hazard > 0)
    safe_slope = np.where(active, slope, 1.0)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        log_c = (
            2 * np.log(np.abs(safe_slope))
            + 2 * np.log(sigma)
            + np.log(np.where(active, hazard, 1.0))
            + intercept
            + safe_slope * shifted
        )
        w = np.asarray(special.lambertw(np.exp(np.minimum(log_c, 700.0))).real, np.float64)
        large = log_c > 700.0
        if large.any():
            big = log_c[large]
            estimate = big - np.log(big)
            for _ in range(8):  # Newton on w + log w = log c
                estimate -= (estimate + np.log(estimate) - big) / (1 + 1 / estimate)
            w[large] = estimate
    return np.asarray(np.where(active, shifted - w / safe_slope, shifted), dtype=np.float64)


def rejection_sample(
    current: FloatArray,
    mean: FloatArray,
    sigma: float,
    accept: Callable[[IntArray, FloatArray], FloatArray],
    rng: np.random.Generator,
    limit: int = REJECTION_LIMIT,
    batch: int = 1,
) -> tuple[FloatArray, int]:
    r"""Draw each value from :math:`N(\text{mean}, \sigma^2)` thinned by ``accept``.

    Rounds of ``batch`` proposals per row not yet accepted (a loop over
    rounds, not rows); ``accept(which, values)`` gives the acceptance
    probabilities of proposals for rows ``which``. A row takes its first
    accepted proposal (the first success of an i.i.d. sequence, so batching
    does not change the distribution; it only saves evaluations of ``accept``,
    which may be costly). After ``limit`` proposals the remaining rows keep
    ``current``. Returns the values and the number of rows that kept theirs.
    """
    values = current.copy()
    pending = np.arange(current.size)
    for _ in range(-(-limit // batch)):  # proposal rounds
        if pending.size == 0:
            break
        which = np.repeat(pending, batch)
        proposal = mean[which] + sigma * rng.standard_normal(which.size)
        accepted = (rng.random(which.size) < accept(which, proposal)).reshape(-1, batch)
        hit = accepted.any(axis=1)
        first = accepted.argmax(axis=1)
        values[pending[hit]] = proposal.reshape(-1, batch)[hit, first[hit]]
        pending = pending[~hit]
    return values, int(pending.size)


def level_posterior(
    prior: FloatArray, eta: FloatArray, hazard: FloatArray, event: BoolArray
) -> FloatArray:
    """Level probabilities given the outcome: prior times the row's Cox likelihood per level.

    .. math:: p_{ik} \\propto \\pi_{ik}\\, e^{D_i \\eta_{ik}} \\exp(-H_0(T_i) e^{\\eta_{ik}})

    Examples
    --------
    >>> import numpy as np
    >>> level_posterior(np.array([[0.5, 0.5]]), np.array([[0.0, np.log(2)]]),
    ...                 np.array([0.0]), np.array([True])).round(4)
    array([[0.3333, 0.6667]])
    """
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        log_weight = (
            np.log(prior) + np.where(event[:, None], eta, 0.0) - hazard[:, None] * np.exp(eta)
        )
    log_weight = np.where(np.isfinite(log_weight), log_weight, -np.inf)
    top = log_weight.max(axis=1, keepdims=True)
    weight = np.exp(log_weight - np.where(np.isfinite(top), top, 0.0))
    total = weight.sum(axis=1, keepdims=True)
    fallback = np.where(total > 0, weight / np.where(total > 0, total, 1.0), prior)
    return np.asarray(fallback, dtype=np.float64)
