"""``coxph``: fit a Cox proportional hazards model from a formula and a DataFrame."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.linalg
from scipy import stats

from .. import _validate as v
from .._results import TestResult
from ..errors import (
    CollinearityWarning,
    ConvergenceWarning,
    EmptyDataError,
    MonotoneLikelihoodWarning,
    SarcosurvError,
    SarcosurvWarning,
)
from .formula import Design, build_design, complete_rows, merge_specials
from .kernels import (
    NewtonResult,
    SortedCoxData,
    fit_cox_newton,
    select_columns,
    sort_cox_data,
)
from .residuals import robust_variance, score_residuals
from .result import CoxFit, CoxResult, CoxTests

if TYPE_CHECKING:
    from ..frailty import GammaFrailtyFit

__all__ = ["coxph"]

FloatArray = npt.NDArray[np.float64]


def _as_list(columns: str | Sequence[str] | None) -> list[str]:
    if columns is None:
        return []
    return [columns] if isinstance(columns, str) else list(columns)


def _codes(frame: pd.DataFrame) -> tuple[npt.NDArray[np.intp], list[str]]:
    """Integer codes of the combinations of ``frame``'s columns, labels in sorted order."""
    if frame.shape[1] == 0:
        return np.zeros(len(frame), dtype=np.intp), []
    keys = frame.astype(str).agg(", ".join, axis=1) if frame.shape[1] > 1 else frame.iloc[:, 0]
    codes, uniques = pd.factorize(keys, sort=True)
    if frame.shape[1] == 1:
        name = str(frame.columns[0])
        labels = [f"{name}={u}" for u in uniques]
    else:
        labels = [str(u) for u in uniques]
    return codes.astype(np.intp), labels


def _centred_gram(x: FloatArray, block: int = 1 << 16) -> FloatArray:
    """:math:`X^T X` of already centred covariates, by blocks of rows (symmetric updates)."""
    gram = np.zeros((x.shape[1], x.shape[1]))
    for lo in range(0, x.shape[0], block):  # loop over blocks of rows
        chunk = x[lo : lo + block]
        gram += chunk.T @ chunk
    return gram


def _raise_overflow(data: SortedCoxData, names: list[str], used: pd.DataFrame) -> None:
    """Raise for covariates so large that their sums of squares overflow."""
    x = data.covariates
    largest = np.abs(x).max(axis=0)
    j = int(np.argmax(largest))
    huge = np.abs(x[:, j]) >= min(1e100, float(largest[j]))
    mask = np.zeros(data.n, dtype=bool)
    mask[data.order[huge]] = True
    raise v.invalid(
        used,
        names[j],
        mask,
        "value too large for the partial likelihood (its square overflows); rescale the covariate",
    )


def _independent_columns(data: SortedCoxData, names: list[str], used: pd.DataFrame) -> list[int]:
    """Columns kept after dropping constant or collinear ones.

    A column is constant when its standard deviation is below ``1e-12`` of
    ``max(1, |mean|)``. The others enter a Cholesky factorisation of their
    correlation matrix in formula order, and a column whose residual variance
    given the columns before it is below ``1e-12`` of its own is dropped: as
    R's ``coxph``, whose ``cholesky2`` of the information matrix
    (``toler.chol``) reports such later terms as NA (Therneau & Grambsch
    2000, sec. 3.2).
    """
    x = data.covariates  # centred
    if x.shape[1] == 0:
        return []
    with np.errstate(over="ignore", invalid="ignore"):
        gram = _centred_gram(x)
    if not np.isfinite(gram).all():
        _raise_overflow(data, names, used)
    scale = np.sqrt(np.maximum(np.diag(gram), 0.0))
    floor = 1e-12 * np.sqrt(max(x.shape[0], 1)) * np.maximum(1.0, np.abs(data.centre))
    candidates = np.flatnonzero(scale > floor)
    safe = np.where(scale > 0, scale, 1.0)
    corr = gram / np.outer(safe, safe)
    keep: list[int] = []
    factor = np.zeros((0, 0))
    for j in candidates:  # loop over columns, not rows
        z = scipy.linalg.solve_triangular(factor, corr[keep, j], lower=True) if keep else None
        residual = corr[j, j] - (float(z @ z) if z is not None else 0.0)
        if residual > 1e-12:
            size = len(keep)
            grown = np.zeros((size + 1, size + 1))
            grown[:size, :size] = factor
            if z is not None:
                grown[size, :size] = z
            grown[size, size] = np.sqrt(residual)
            factor = grown
            keep.append(int(j))
    dropped = [names[j] for j in range(x.shape[1]) if j not in keep]
    if dropped:
        warnings.warn(
            f"dropped term(s) {', '.join(map(repr, dropped))}: constant or collinear with "
            "other terms in the complete cases (R reports NA for them)",
            CollinearityWarning,
            stacklevel=4,
        )
    return keep


def _warn_monotone(newton: NewtonResult, names: list[str], eps: float) -> None:
    """R's rule: the next Newton step stays large for a coefficient heading to infinity."""
    if newton.beta.size == 0:
        return
    try:
        variance = np.linalg.inv(newton.information)
    except np.linalg.LinAlgError:
        variance = np.linalg.pinv(newton.information)
    step = np.abs(variance @ newton.score)
    tolerance = np.sqrt(eps)
    infinite = (step > tolerance) & (step > tolerance * np.abs(newton.beta))
    for j in np.flatnonzero(infinite | ~np.isfinite(newton.beta)):
        warnings.warn(
            f"log-likelihood converged before term {names[j]!r}: its coefficient may be "
            "infinite (monotone likelihood, e.g. no events in one category)",
            MonotoneLikelihoodWarning,
            stacklevel=4,
        )


def _score_test(newton: NewtonResult) -> float:
    info = newton.information_init
    if info.size == 0:
        return 0.0
    solved = np.linalg.lstsq(info, newton.score_init, rcond=None)[0]
    return float(newton.score_init @ solved)


def _tests(newton: NewtonResult, vcov: FloatArray, robust_score: float | None) -> CoxTests:
    p = newton.beta.size
    lr = 2.0 * (newton.loglik - newton.loglik_init)
    wald = float(newton.beta @ np.linalg.lstsq(vcov, newton.beta, rcond=None)[0]) if p else 0.0
    score = _score_test(newton)

    def test(value: float, name: str) -> TestResult:
        return TestResult(value, float(p), float(stats.chi2.sf(value, p)) if p else 1.0, name)

    return CoxTests(
        likelihood_ratio=test(lr, "likelihood_ratio"),
        wald=test(wald, "wald"),
        score=test(score, "score"),
        robust_score=None if robust_score is None else test(robust_score, "robust_score"),
    )


def _robust_score_test(
    data: SortedCoxData,
    ties: Literal["efron", "breslow"],
    newton: NewtonResult,
    weights: FloatArray,
    cluster: npt.NDArray[np.intp],
) -> float:
    """R's robust score test: the score at beta = 0 against its sandwich variance."""
    p = newton.beta.size
    zero = np.zeros(p)
    inv0 = np.asarray(np.linalg.pinv(newton.information_init), np.float64)
    resid0 = score_residuals(data, zero, ties)
    rvar0 = robust_variance(resid0, inv0, weights, cluster)
    u = inv0 @ newton.score_init
    return float(u @ np.linalg.lstsq(rvar0, u, rcond=None)[0])


def coxph(
    formula: str,
    data: pd.DataFrame,
    *,
    ties: Literal["efron", "breslow"] = "efron",
    strata: str | Sequence[str] | None = None,
    cluster: str | None = None,
    frailty: str | None = None,
    frailty_left_truncation: bool = True,
    weights: str | None = None,
    max_iter: int = 30,
    eps: float = 1e-9,
    conf_level: float = 0.95,
) -> CoxResult:
    """Fit a Cox proportional hazards model by maximum partial likelihood.

    .. math:: \\ell(\\beta) = \\sum_k \\Big[ \\sum_{i \\in D_k} w_i \\eta_i
              - \\sum_{j=0}^{m_k - 1} \\bar w_k
              \\log\\big(S_0(t_k) - \\tfrac{j}{m_k} D_0(t_k)\\big) \\Big]

    with Efron's (1977) handling of ties (Breslow's drops the ``j/m_k`` term).
    Newton–Raphson with step halving, converged when the relative change of
    the log-likelihood is below ``eps`` (R ``coxph``'s rule; Therneau &
    Grambsch 2000, ch. 3).

    Parameters
    ----------
    formula : str
        ``"Surv(time, event) ~ terms"`` or ``"Surv(start, stop, event) ~ terms"``;
        terms in formulaic syntax, e.g. ``C(histology, contr.treatment('Leiomyosarcoma'))``,
        ``np.log(x)``, ``a:b``. R habits work: ``Surv(time, status == 2)`` (events of
        that code, others censored), text columns without ``C()`` (first sorted level
        as reference), ``strata(x)``, ``cluster(id)`` and ``frailty(centre)`` terms
        (the keywords below), back-quoted names such as ```ph.ecog```. Python terms
        are checked against an allow-list before formulaic evaluates them (see
        :mod:`sarcosurv.cox._formula_safety`); this is not a sandbox: formulas must
        never come from untrusted users.
    data : pandas.DataFrame
    ties : {"efron", "breslow"}
    strata : str or list of str, optional
        Columns whose combinations get separate baseline hazards.
    cluster : str, optional
        Column of cluster ids: the reported variance is the robust sandwich
        variance summed within clusters (R's ``cluster()``, Lin & Wei 1989).
    frailty : str, optional
        Column of cluster ids for a shared gamma frailty (see
        :mod:`sarcosurv.frailty`).
    frailty_left_truncation : bool
        With ``Surv(start, stop, event)`` and a frailty: true (default) when
        ``start`` is a delayed entry, so that the frailty is conditioned on
        survival to it; false when the rows split each subject's follow-up
        (time-varying covariates), so that rows only add their interval's hazard.
    weights : str, optional
        Case weights.

    Returns
    -------
    CoxResult
        Rows with a missing value in any model variable are left out and listed
        in ``excluded``; ``n`` counts the rows used.
    """
    if ties not in ("efron", "breslow"):
        raise SarcosurvError(f"ties must be 'efron' or 'breslow', not {ties!r}")
    # formula: strata(x), cluster(id), frailty(c) terms stand for the keywords.
    specials = merge_specials(formula, strata=strata, cluster=cluster, frailty=frailty)
    strata = specials.strata or None
    cluster = specials.cluster[0] if specials.cluster else None
    frailty = specials.frailty[0] if specials.frailty else None
    v.require_columns(data, strata=strata, cluster=cluster, frailty=frailty, weights=weights)
    v.require_nonempty(data)
    extra = [*_as_list(strata), *_as_list(cluster), *_as_list(frailty), *_as_list(weights)]
    design = build_design(formula, data, extra)
    used = complete_rows(data, design.used, extra)
    if not design.event.any():
        raise EmptyDataError(
            f"column {design.surv_columns[-1]!r} has no events among the {len(used)} rows "
            "used: a Cox model needs at least one event"
        )
    if design.event.sum() == 1:
        warnings.warn(
            "only one event: the estimates rest on a single risk set",
            SarcosurvWarning,
            stacklevel=2,
        )
    case_weights = v.as_weights(used, weights) if weights else np.ones(len(used))
    if weights and not (case_weights[design.event] > 0).any():
        raise EmptyDataError(
            f"column {weights!r}: every event row has weight 0, so the {len(used)} rows used "
            "carry no event"
        )
    for term, columns in design.term_columns.items():
        if not columns:
            warnings.warn(
                f"term {term!r} has no columns in the complete cases (a single category?) "
                "and was dropped",
                CollinearityWarning,
                stacklevel=2,
            )
    strata_codes, strata_labels = _codes(used[_as_list(strata)])
    names_all = design.column_names
    sorted_data = sort_cox_data(
        design.stop,
        design.event,
        design.covariates,
        start=design.start,
        strata=strata_codes if strata else None,
        weights=case_weights,
    )
    keep = _independent_columns(sorted_data, names_all, used)
    if len(keep) < len(names_all):
        sorted_data = select_columns(sorted_data, keep)
    names = [names_all[j] for j in keep]
    cluster_codes = pd.factorize(used[cluster])[0].astype(np.intp) if cluster else None
    frailty_fit = None
    if frailty is not None:
        frailty_fit = _fit_frailty(sorted_data, used[frailty], names, ties, frailty_left_truncation)
        beta = frailty_fit.beta
        vcov = frailty_fit.vcov
        naive = frailty_fit.vcov_conditional
        newton = None
        loglik = frailty_fit.loglik
    else:
        newton = fit_cox_newton(sorted_data, ties=ties, max_iter=max_iter, eps=eps)
        if not newton.converged:
            warnings.warn(
                f"Newton-Raphson stopped after {newton.n_iter} iterations without meeting "
                f"the tolerance {eps:g}",
                ConvergenceWarning,
                stacklevel=2,
            )
        _warn_monotone(newton, names, eps)
        beta = newton.beta
        naive = np.asarray(np.linalg.pinv(newton.information), np.float64)
        vcov = naive
        loglik = (newton.loglik_init, newton.loglik)
    robust_score = None
    if cluster_codes is not None and newton is not None and names:
        resid = score_residuals(sorted_data, beta, ties)
        vcov = robust_variance(resid, naive, case_weights, cluster_codes)
        robust_score = _robust_score_test(sorted_data, ties, newton, case_weights, cluster_codes)
    tests = _tests(newton, vcov, robust_score) if newton is not None else None
    fit = CoxFit(
        data=sorted_data,
        design=design,
        kept_columns=keep,
        ties=ties,
        weights=case_weights,
        strata_codes=strata_codes,
        strata_labels=strata_labels,
        strata_columns=_as_list(strata),
        cluster_codes=cluster_codes,
        newton=newton,
        frailty_fit=frailty_fit,
    )
    return CoxResult.build(
        formula=formula,
        names=names,
        beta=beta,
        vcov=vcov,
        naive_vcov=naive,
        loglik=loglik,
        tests=tests,
        fit=fit,
        conf_level=conf_level,
        robust=cluster_codes is not None,
    )


def _fit_frailty(
    data: SortedCoxData,
    column: pd.Series,
    names: list[str],
    ties: Literal["efron", "breslow"],
    left_truncation: bool,
) -> GammaFrailtyFit:
    try:
        from ..frailty import fit_gamma_frailty
    except ImportError as exc:  # pragma: no cover - only before the frailty module exists
        raise SarcosurvError("shared frailty models need sarcosurv.frailty") from exc
    codes, labels = pd.factorize(column, sort=True)
    return fit_gamma_frailty(
        data, codes.astype(np.intp), list(labels), names, ties=ties, left_truncation=left_truncation
    )


def design_of(fit: CoxFit) -> Design:
    """The design a result was fitted on (for diagnostics)."""
    return fit.design
