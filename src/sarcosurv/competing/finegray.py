"""Fine–Gray regression: proportional subdistribution hazards for one competing cause."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special

from .. import _validate as v
from .._grouping import as_columns, group_codes
from .._results import TestResult, hazard_ratio_table
from ..cox.formula import Design, build_design, parse_surv
from ..errors import ConvergenceWarning, FormulaError, SarcosurvError
from ._events import event_codes
from ._finegray import (
    FineGrayData,
    FineGrayTerms,
    censoring_correction,
    finegray_terms,
    prepare_rows,
    score_residuals,
)

__all__ = ["FineGrayResult", "finegray"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


@dataclass(frozen=True, eq=False)
class FineGrayResult:
    """A fitted Fine–Gray model for the cumulative incidence of one cause.

    Attributes
    ----------
    params, std_err : pandas.Series
        Coefficients (log subdistribution hazard ratios) and their Fine & Gray
        sandwich standard errors (cluster-robust with ``cluster``), by term.
    naive_std_err : pandas.Series
        Model-based standard errors (inverse information).
    vcov : pandas.DataFrame
    loglik : tuple of float
        Weighted partial log-likelihood at beta = 0 and at the estimate.
    tests : dict of TestResult
        ``likelihood_ratio`` and ``score`` (model-based) and ``wald`` (sandwich).
    cause : object
        The cause whose cumulative incidence is modelled.
    n, n_event, n_competing : int
        Rows used, events of the cause and competing events among them.
    excluded : pandas.DataFrame
    cluster : str or None
    strata : tuple of str
        Columns with separate baselines (empty when unstratified).
    """

    formula: str
    cause: object
    params: pd.Series
    std_err: pd.Series
    naive_std_err: pd.Series
    vcov: pd.DataFrame
    loglik: tuple[float, float]
    tests: dict[str, TestResult]
    n: int
    n_event: int
    n_competing: int
    excluded: pd.DataFrame
    cluster: str | None
    strata: tuple[str, ...]
    conf_level: float
    converged: bool
    n_iter: int
    baseline: pd.DataFrame = field(repr=False)
    design: Design = field(repr=False)
    #: Events of the modelled cause among the used rows (in the design's row order).
    cause_event: npt.NDArray[np.bool_] | None = field(default=None, repr=False)

    @property
    def hazard_ratios(self) -> pd.DataFrame:
        """Per term: coef, hazard_ratio (subdistribution HR), std_err, z, p_value, lower, upper."""
        return hazard_ratio_table(self.params, self.std_err, self.conf_level)

    def plot_forest(self, ax: Any = None, **kwargs: Any) -> Any:
        """Forest plot of the subdistribution hazard ratios (reference rows at 1.00).

        See :func:`sarcosurv.report.forest.plot_forest` (needs the ``plot`` extra).
        """
        from ..report.plots import plot_forest

        return plot_forest(self, ax, **kwargs)

    def summary(self) -> pd.DataFrame:
        """The coefficient table, with the model-based SE next to the sandwich one."""
        table = self.hazard_ratios
        table.insert(2, "naive_std_err", self.naive_std_err)
        return table

    def to_frame(self) -> pd.DataFrame:
        """The coefficient table with the term as a column."""
        return self.summary().reset_index()

    def baseline_cumulative_hazard(self) -> pd.DataFrame:
        """Breslow baseline cumulative subdistribution hazard: ``stratum, [strata,] time,
        cumulative_hazard`` (``stratum`` is ``"all"`` without strata)."""
        hidden = [c for c in self.baseline.columns if str(c).startswith("_")]
        return self.baseline.drop(columns=hidden)

    def predict_cumulative_incidence(
        self, newdata: pd.DataFrame, times: float | Sequence[float]
    ) -> pd.DataFrame:
        """Cumulative incidence ``1 - exp(-Λ0(t) exp(x'β))`` of new rows at ``times``.

        Returns ``row, time, cif, std_err, lower, upper`` (one row per new row
        and time); the interval is built on the cumulative subdistribution
        hazard (log scale of ``1 - F``, as R ``survfit.coxph``'s default), with
        the variance of R ``survfit`` for a Cox model, using :attr:`vcov`.
        """
        from .finegray_predict import predict_cumulative_incidence

        return predict_cumulative_incidence(self, newdata, times)

    def __repr__(self) -> str:
        return (
            f"<FineGrayResult n={self.n} events={self.n_event} competing={self.n_competing} "
            f"terms={len(self.params)}>"
        )

    def __str__(self) -> str:
        table = self.summary()
        shown = pd.DataFrame(
            {
                "sHR": table["hazard_ratio"].map("{:.2f}".format),
                f"{self.conf_level:.0%} CI": [
                    f"{lo:.2f}-{hi:.2f}"
                    for lo, hi in zip(table["lower"], table["upper"], strict=True)
                ],
                "coef": table["coef"].map("{:.4f}".format),
                "SE": table["std_err"].map("{:.4f}".format),
                "p": table["p_value"].map(lambda p: f"{p:.3g}" if p >= 1e-4 else "<0.0001"),
            }
        )
        robust = f", SE robust by {self.cluster}" if self.cluster else ", Fine & Gray sandwich SE"
        head = (
            f"Fine–Gray subdistribution hazards model for cause {self.cause!r}: {self.formula}\n"
            f"n = {self.n}, events = {self.n_event}, competing events = {self.n_competing}"
            f"{robust}"
        )
        wald = self.tests["wald"]
        test = f"Wald test = {wald.statistic:.2f} on {wald.df:.0f} df, p = {wald.p_value:.3g}"
        return f"{head}\n{shown.to_string()}\n{test}"

    def _repr_html_(self) -> str:
        return str(self.summary().to_html())


@dataclass(frozen=True)
class _Fit:
    """Terms summed over strata at one ``beta``, and those of each stratum."""

    loglik: float
    score: FloatArray
    information: FloatArray
    strata: list[FineGrayTerms]


def _evaluate(datas: list[FineGrayData], beta: FloatArray) -> _Fit:
    per = [finegray_terms(d, beta) for d in datas]
    return _Fit(
        loglik=float(sum(t.loglik for t in per)),
        score=np.sum([t.score for t in per], axis=0),
        information=np.sum([t.information for t in per], axis=0),
        strata=per,
    )


def _newton(
    datas: list[FineGrayData], max_iter: int, eps: float
) -> tuple[FloatArray, _Fit, bool, int]:
    """Maximise the (stratified) partial likelihood: Newton–Raphson with step halving."""
    beta = np.zeros(datas[0].x.shape[1])
    terms = _evaluate(datas, beta)
    for iteration in range(1, max_iter + 1):
        step = np.linalg.solve(terms.information, terms.score)
        candidate = _evaluate(datas, beta + step)
        halvings = 0
        while (
            not np.isfinite(candidate.loglik)
            or candidate.loglik < terms.loglik - 1e-12 * abs(terms.loglik)
        ) and halvings < 30:
            step = step / 2.0
            halvings += 1
            candidate = _evaluate(datas, beta + step)
        old = terms.loglik
        beta, terms = beta + step, candidate
        if abs(old - terms.loglik) <= eps * max(abs(terms.loglik), 1.0) and np.abs(
            step
        ).max() <= 1e-7 * max(1.0, float(np.abs(beta).max())):
            return beta, terms, True, iteration
    return beta, terms, False, max_iter


def _codes_and_design(
    formula: str, data: pd.DataFrame, cause: object, censored: object, extra: list[str]
) -> tuple[Design, npt.NDArray[np.intp], int, object]:
    """The design matrix of the formula's covariates and the event codes of its rows."""
    surv, _ = parse_surv(formula)
    if len(surv) != 2:
        raise FormulaError(
            f"finegray does not support delayed entry (left truncation): {formula!r} has "
            f"Surv() with {len(surv)} columns; give 'Surv(time, event) ~ terms'. For left-"
            "truncated data, R's survival::finegray on (start, stop] data is the alternative"
        )
    v.require_columns(data, time=surv[0], event=surv[1], model=extra)
    parsed = event_codes(data, surv[1], censored)
    if cause not in parsed.causes:
        raise SarcosurvError(f"cause {cause!r} is not among the event codes {list(parsed.causes)}")
    # The formula front end checks a 0/1 event; the causes are handled here.
    placeholder = np.where(parsed.codes < 0, np.nan, (parsed.codes > 0).astype(np.float64))
    frame = data.assign(**{surv[1]: placeholder})
    design = build_design(formula, frame, extra)
    codes = parsed.codes[design.used]
    return design, codes, parsed.causes.index(cause) + 1, cause


def _residuals(
    datas: list[FineGrayData], fit: _Fit, rows: list[IntArray], n: int, corrected: bool
) -> FloatArray:
    """Score residuals (plus the censoring correction) of every used row, in row order."""
    out = np.zeros((n, datas[0].x.shape[1]))
    for data, terms, positions in zip(datas, fit.strata, rows, strict=True):
        residual = score_residuals(data, terms)
        if corrected:
            residual = residual + censoring_correction(data, terms)
        out[positions[data.order]] = residual
    return out


def _row_weights(datas: list[FineGrayData], rows: list[IntArray], n: int) -> FloatArray:
    """Case weights of the used rows, in row order."""
    out = np.ones(n)
    for data, positions in zip(datas, rows, strict=True):
        out[positions[data.order]] = data.weight
    return out


def _variance(
    datas: list[FineGrayData],
    fit: _Fit,
    rows: list[IntArray],
    cluster_codes: IntArray | None,
) -> tuple[FloatArray, FloatArray]:
    """Sandwich variance (Fine & Gray; or by cluster, as coxph's) and the model-based one.

    With case weights ``w``, the Fine & Gray meat is ``sum_i w_i u_i u_i'`` (a
    weight of 2 counts as a duplicated row) and the cluster meat sums
    ``w_i u_i`` within clusters (as ``coxph``).
    """
    inverse = np.linalg.inv(fit.information)
    n = int(sum(r.size for r in rows))
    residual = _residuals(datas, fit, rows, n, corrected=cluster_codes is None)
    w = _row_weights(datas, rows, n)
    if cluster_codes is not None:
        residual = np.stack(
            [
                np.bincount(cluster_codes, weights=w * residual[:, j])
                for j in range(residual.shape[1])
            ],
            axis=1,
        )
        meat = residual.T @ residual
    else:
        meat = (residual * w[:, None]).T @ residual
    sandwich: FloatArray = inverse @ meat @ inverse
    return sandwich, np.asarray(inverse, dtype=np.float64)


def _tests(
    beta: FloatArray, vcov: FloatArray, null: _Fit, loglik: tuple[float, float]
) -> dict[str, TestResult]:
    p = beta.size
    score = float(null.score @ np.linalg.solve(null.information, null.score))
    wald = float(beta @ np.linalg.solve(vcov, beta))
    lr = 2.0 * (loglik[1] - loglik[0])
    return {
        name: TestResult(value, p, float(special.chdtrc(p, value)), name)
        for name, value in (("likelihood_ratio", lr), ("wald", wald), ("score", score))
    }


def _strata_rows(
    data: pd.DataFrame, design: Design, strata: tuple[str, ...]
) -> tuple[list[IntArray], pd.DataFrame]:
    """Positions (among the used rows) of each stratum, and the strata labels."""
    n = int(design.used.sum())
    if not strata:
        return [np.arange(n, dtype=np.intp)], pd.DataFrame({"stratum": ["all"]})
    grouping = group_codes(data.loc[design.used], strata)
    order = np.argsort(grouping.codes, kind="stable")
    bounds = np.concatenate(([0], np.cumsum(np.bincount(grouping.codes))))
    rows = [order[bounds[s] : bounds[s + 1]] for s in range(grouping.n_groups)]
    labels = grouping.labels.rename(columns={"group": "stratum"})
    if len(strata) == 1 and strata[0] != "stratum":
        labels[strata[0]] = labels["stratum"]
    return rows, labels


def finegray(
    formula: str,
    data: pd.DataFrame,
    cause: object = 1,
    strata: str | Sequence[str] | None = None,
    cluster: str | None = None,
    weights: str | None = None,
    *,
    censored: object = None,
    weighting: str = "crr",
    conf_level: float = 0.95,
    max_iter: int = 50,
    eps: float = 1e-12,
) -> FineGrayResult:
    """Fine & Gray (1999) proportional subdistribution hazards regression.

    Models the cumulative incidence of ``cause`` through its subdistribution
    hazard ``λ_1(t | x) = λ_10(t) exp(x'β)``. The partial likelihood keeps
    patients who failed from a competing cause in the risk set with weight
    ``G(t-) / G(T_i-)`` (``G``: Kaplan–Meier of the censoring times); the
    standard errors are Fine & Gray's sandwich, with the term for estimating
    ``G``. Coefficients and standard errors equal ``cmprsk::crr``.

    Parameters
    ----------
    formula : str
        ``"Surv(time, event) ~ terms"``, terms as in :func:`sarcosurv.coxph`
        (same front end); ``event`` holds 0 = censored and cause codes (or
        labels with ``censored=``).
    data : pandas.DataFrame
    cause : object
        The cause of interest (default 1).
    strata : str or sequence of str, optional
        Columns whose combinations get their own baseline subdistribution
        hazard and their own censoring distribution ``G`` (as
        ``survival::finegray`` with ``strata()`` followed by ``coxph(...,
        strata())``).
    cluster : str, optional
        Cluster (e.g. centre) column: the standard errors are then robust by
        cluster, summing each cluster's score residuals as R ``coxph(...,
        cluster(centre))`` does on ``survival::finegray`` data (without the
        term for estimating ``G``).
    weights : str, optional
        Column of case weights (finite, non-negative). They enter the
        likelihood, the Kaplan–Meier estimate ``G`` of the censoring
        distribution and the sandwich, so a weight of 2 is the same as a
        duplicated row. (``survival::finegray`` multiplies its ``fgwt`` by the
        weights but estimates ``G`` unweighted, so with fractional weights
        and censoring the two differ.)
    censored : object, optional
        The censoring label of a label-valued event column.
    weighting : {"crr", "survival"}
        How events and censorings at the same time enter ``G``: ``"crr"``
        (events still at risk of censoring, as ``cmprsk::crr``) or
        ``"survival"`` (events first, as ``survival::finegray``; with it the
        fit equals ``coxph(Surv(fgstart, fgstop, fgstatus) ~ ..., weights =
        fgwt, ties = "breslow")``).
    conf_level : float
    max_iter, eps : int, float
        Newton–Raphson controls (relative change of the log-likelihood).

    Returns
    -------
    FineGrayResult

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import sarcosurv as ss
    >>> rng = np.random.default_rng(1)
    >>> d = pd.DataFrame({"t": rng.exponential(1, 200), "e": rng.integers(0, 3, 200),
    ...                   "x": rng.normal(size=200)})
    >>> fit = ss.finegray("Surv(t, e) ~ x", d, cause=1)
    >>> list(fit.hazard_ratios.columns)[:2]
    ['coef', 'hazard_ratio']
    """
    data = v.as_pandas(data)
    if weighting not in ("crr", "survival"):
        raise SarcosurvError(f"weighting must be 'crr' or 'survival', not {weighting!r}")
    strata_columns = as_columns(strata)
    extra = [
        *strata_columns,
        *([] if cluster is None else [cluster]),
        *([] if weights is None else [weights]),
    ]
    design, codes, code, cause = _codes_and_design(formula, data, cause, censored, extra)
    if design.covariates.shape[1] == 0:
        raise FormulaError("finegray needs at least one covariate")
    case_weights = v.as_weights(data.loc[design.used], weights) if weights is not None else None
    rows, strata_labels = _strata_rows(data, design, strata_columns)
    datas = _stratum_data(design, codes, code, rows, case_weights, weighting == "survival")
    n_event = int(sum(d.target.sum() for d in datas))
    if n_event == 0 or sum(float(d.d.sum()) for d in datas) <= 0:
        raise SarcosurvError(
            f"no events of cause {cause!r} (with positive weight) among the rows used"
        )
    beta, fit, converged, n_iter = _newton(datas, max_iter, eps)
    if not converged:
        warnings.warn(
            f"finegray did not converge in {max_iter} iterations", ConvergenceWarning, stacklevel=2
        )
    cluster_codes = None
    if cluster is not None:
        cluster_codes = np.asarray(pd.factorize(data.loc[design.used, cluster])[0], np.intp)
    vcov, naive = _variance(datas, fit, rows, cluster_codes)
    null = _evaluate(datas, np.zeros(beta.size))
    loglik = (null.loglik, fit.loglik)
    index = pd.Index(design.column_names, name="term")
    return FineGrayResult(
        formula=formula,
        cause=cause,
        params=pd.Series(beta, index=index, name="coef"),
        std_err=pd.Series(np.sqrt(np.diag(vcov)), index=index, name="std_err"),
        naive_std_err=pd.Series(np.sqrt(np.diag(naive)), index=index, name="std_err"),
        vcov=pd.DataFrame(vcov, index=index, columns=index),
        loglik=loglik,
        tests=_tests(beta, vcov, null, loglik),
        n=int(codes.size),
        n_event=n_event,
        n_competing=int(sum(d.competing.sum() for d in datas)),
        excluded=design.excluded,
        cluster=cluster,
        strata=strata_columns,
        conf_level=conf_level,
        converged=converged,
        n_iter=n_iter,
        baseline=_baseline(datas, fit, beta, strata_labels),
        design=design,
        cause_event=np.asarray(codes == code, dtype=np.bool_),
    )


def _stratum_data(
    design: Design,
    codes: npt.NDArray[Any],
    code: int,
    rows: list[IntArray],
    case_weights: FloatArray | None,
    events_first: bool,
) -> list[FineGrayData]:
    """The weighted risk-set data of each stratum's rows."""
    return [
        prepare_rows(
            design.stop[r],
            codes[r],
            code,
            design.covariates[r],
            events_first=events_first,
            weights=None if case_weights is None else case_weights[r],
        )
        for r in rows  # loop over strata
    ]


def _baseline(
    datas: list[FineGrayData],
    fit: _Fit,
    beta: FloatArray,
    labels: pd.DataFrame,
) -> pd.DataFrame:
    """Breslow cumulative subdistribution hazard at covariates 0 (uncentred), per stratum.

    Hidden columns carry the pieces of its variance for prediction (R
    ``survfit.coxph``): ``_variance`` = cumulative ``sum_k d_k / S0_k^2`` and
    ``_mean_j`` = cumulative ``sum_k h_k xbar_kj`` (uncentred means).
    """
    frames = []
    for index, (data, terms) in enumerate(zip(datas, fit.strata, strict=True)):
        # Each stratum's covariates were centred at its own mean (data.x = x - centre).
        eta_shift = float((data.x @ beta).max())
        jumps = data.d / terms.s0 * np.exp(-eta_shift - data.centre @ beta)
        with np.errstate(divide="ignore", invalid="ignore"):
            variance = np.where(data.d > 0, jumps**2 / data.d, 0.0)
        frame = pd.DataFrame(
            {
                "time": data.event_time,
                "cumulative_hazard": np.cumsum(jumps),
                "_variance": np.cumsum(variance),
            }
        )
        means = np.cumsum(jumps[:, None] * (terms.mean + data.centre), axis=0)
        for j in range(means.shape[1]):
            frame[f"_mean_{j}"] = means[:, j]
        for column in labels.columns[::-1]:
            frame.insert(0, column, labels[column].iloc[index])
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)
