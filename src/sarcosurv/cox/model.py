"""``coxph``: fit a Cox proportional hazards model from a formula and a DataFrame."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.linalg

from .. import _validate as v
from .._grouping import check_distinct_labels
from .._inputs import dask_backend, is_dask_frame
from ..counting.linalg import blocked_gram
from ..errors import (
    CollinearityWarning,
    EmptyDataError,
    GroupError,
    SarcosurvError,
    SarcosurvWarning,
)
from .control import CoxControl, check_conf_level
from .fitters import (
    CoxModelFit,
    fit_cox_sorted,
    fit_gamma_frailty_scaled,
    has_fractional_weights,
)
from .formula import Design, build_design, complete_rows, merge_specials
from .frailty import GammaFrailtyFit
from .kernels import NewtonResult, SortedCoxData, select_columns, sort_cox_data
from .result import CoxFit, CoxResult

__all__ = ["coxph"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
Ties = Literal["efron", "breslow"]


def _as_list(columns: str | Sequence[str] | None) -> list[str]:
    if columns is None:
        return []
    return [columns] if isinstance(columns, str) else list(columns)


def _codes(frame: pd.DataFrame) -> tuple[npt.NDArray[np.intp], list[str]]:
    """Integer codes of the combinations of ``frame``'s columns, labels in sorted order."""
    if frame.shape[1] == 0:
        return np.zeros(len(frame), dtype=np.intp), []
    for column in frame.columns:
        check_distinct_labels(str(column), frame[column].drop_duplicates().to_numpy())
    keys = frame.astype(str).agg(", ".join, axis=1) if frame.shape[1] > 1 else frame.iloc[:, 0]
    try:
        codes, uniques = pd.factorize(keys, sort=True)
    except TypeError:  # values that do not sort together (1 and "a")
        codes, uniques = pd.factorize(keys.astype(str), sort=True)
    if frame.shape[1] == 1:
        name = str(frame.columns[0])
        labels = [f"{name}={u}" for u in uniques]
    else:
        labels = [str(u) for u in uniques]
    return codes.astype(np.intp), labels


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


def _within_strata(data: SortedCoxData) -> FloatArray:
    """The covariates centred within each stratum (a stratum's own baseline absorbs its mean).

    A covariate constant within every stratum carries no information in a
    stratified Cox model; neither does one collinear with others once the
    stratum means are removed.
    """
    x = data.covariates
    if data.stratum_bounds.size <= 2 or x.shape[1] == 0:
        return x
    sizes = np.diff(data.stratum_bounds).astype(np.float64)
    sums = np.add.reduceat(x, data.stratum_bounds[:-1], axis=0) if x.shape[0] else x
    means = np.where(sizes[:, None] > 0, sums, 0.0) / np.maximum(sizes, 1.0)[:, None]
    return np.asarray(x - np.repeat(means, np.diff(data.stratum_bounds), axis=0), np.float64)


def _independent_columns(data: SortedCoxData, names: list[str], used: pd.DataFrame) -> list[int]:
    """Columns kept after dropping constant or collinear ones (see :func:`independent_columns`)."""
    x = _within_strata(data)  # centred within each stratum
    if x.shape[1] == 0:
        return []
    with np.errstate(over="ignore", invalid="ignore"):
        gram = blocked_gram(x)
    if not np.isfinite(gram).all():
        _raise_overflow(data, names, used)
    stratified = bool(data.stratum_bounds.size > 2)
    return independent_columns(gram, data.centre, x.shape[0], names, within_strata=stratified)


def independent_columns(
    gram: FloatArray,
    centre: FloatArray,
    n: int,
    names: list[str],
    stacklevel: int = 5,
    *,
    within_strata: bool = False,
) -> list[int]:
    """Columns kept after dropping constant or collinear ones, from the centred Gram matrix.

    A column is constant when its standard deviation is below ``1e-12`` of
    ``max(1, |mean|)``. The others enter a Cholesky factorisation of their
    correlation matrix in formula order, and a column whose residual variance
    given the columns before it is below ``1e-12`` of its own is dropped: as
    R's ``coxph``, whose ``cholesky2`` of the information matrix
    (``toler.chol``) reports such later terms as NA (Therneau & Grambsch
    2000, sec. 3.2).
    """
    p = gram.shape[0]
    scale = np.sqrt(np.maximum(np.diag(gram), 0.0))
    floor = 1e-12 * np.sqrt(max(n, 1)) * np.maximum(1.0, np.abs(centre))
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
    dropped = [names[j] for j in range(p) if j not in keep]
    if dropped:
        where = "within strata " if within_strata else ""
        warnings.warn(
            f"dropped term(s) {', '.join(map(repr, dropped))}: constant or collinear with "
            f"other terms {where}in the complete cases (R reports NA for them)",
            CollinearityWarning,
            stacklevel=stacklevel,
        )
    return keep


@dataclass(frozen=True)
class _Prepared:
    """Everything ``coxph`` derives from the formula and the frame before fitting."""

    design: Design
    used: pd.DataFrame
    weights: FloatArray
    has_weights: bool
    strata_codes: IntArray
    strata_labels: list[str]
    strata_columns: list[str]
    cluster_codes: IntArray | None
    data: SortedCoxData  # constant and collinear columns dropped
    keep: list[int]
    names: list[str]


def _check_events(design: Design, used: pd.DataFrame, weights: str | None, w: FloatArray) -> None:
    """No events, or all event weights 0: an error; a single event: a warning."""
    if not design.event.any():
        raise EmptyDataError(
            f"column {design.surv_columns[-1]!r} has no events among the {len(used)} rows "
            "used: a Cox model needs at least one event"
        )
    if design.event.sum() == 1:
        warnings.warn(
            "only one event: the estimates rest on a single risk set",
            SarcosurvWarning,
            stacklevel=4,
        )
    if weights and not (w[design.event] > 0).any():
        raise EmptyDataError(
            f"column {weights!r}: every event row has weight 0, so the {len(used)} rows used "
            "carry no event"
        )


def _warn_empty_terms(design: Design) -> None:
    for term, columns in design.term_columns.items():
        if not columns:
            warnings.warn(
                f"term {term!r} has no columns in the complete cases (a single category?) "
                "and was dropped",
                CollinearityWarning,
                stacklevel=4,
            )


def _prepare(
    formula: str,
    data: pd.DataFrame,
    strata: str | Sequence[str] | None,
    cluster: str | None,
    frailty: str | None,
    weights: str | None,
    timefix: bool = True,
    time_unit: str | None = None,
) -> _Prepared:
    """Validate, build the design, sort the rows and drop constant or collinear columns."""
    v.require_columns(data, strata=strata, cluster=cluster, frailty=frailty, weights=weights)
    v.require_nonempty(data)
    extra = [*_as_list(strata), *_as_list(cluster), *_as_list(frailty), *_as_list(weights)]
    design = build_design(formula, data, extra, timefix=timefix, time_unit=time_unit)
    used = complete_rows(data, design.used, extra)
    case_weights = v.as_weights(used, weights) if weights else np.ones(len(used))
    _check_events(design, used, weights, case_weights)
    _warn_empty_terms(design)
    strata_codes, strata_labels = _codes(used[_as_list(strata)])
    sorted_data = sort_cox_data(
        design.stop,
        design.event,
        design.covariates,
        start=design.start,
        strata=strata_codes if strata else None,
        weights=case_weights,
    )
    keep = _independent_columns(sorted_data, design.column_names, used)
    if len(keep) < len(design.column_names):
        sorted_data = select_columns(sorted_data, keep)
    return _Prepared(
        design=design,
        used=used,
        weights=case_weights,
        has_weights=weights is not None,
        strata_codes=strata_codes,
        strata_labels=strata_labels,
        strata_columns=_as_list(strata),
        cluster_codes=pd.factorize(used[cluster])[0].astype(np.intp) if cluster else None,
        data=sorted_data,
        keep=keep,
        names=[design.column_names[j] for j in keep],
    )


def _check_options(
    ties: str,
    conf_level: float,
    max_iter: int,
    eps: float,
    control: CoxControl | None,
    frailty: str | None,
    theta: float | None,
    cluster: str | None,
) -> CoxControl:
    """Validate the options; warn about those that do not apply."""
    if ties not in ("efron", "breslow"):
        raise SarcosurvError(f"ties must be 'efron' or 'breslow', not {ties!r}")
    check_conf_level(conf_level)
    chosen = CoxControl(max_iter=max_iter, eps=eps) if control is None else control
    if theta is not None:
        if frailty is None:
            warnings.warn(
                "theta applies only to a frailty model (frailty=...); it is ignored",
                SarcosurvWarning,
                stacklevel=3,
            )
        elif isinstance(theta, bool) or not (np.isfinite(theta) and theta >= 0):
            raise SarcosurvError(f"theta must be a finite number >= 0, not {theta!r}")
    if cluster is not None and frailty is not None:
        warnings.warn(
            "cluster= with frailty=: a robust (sandwich) variance is not defined for the "
            "frailty fit (as in R); the standard errors are the model-based ones",
            SarcosurvWarning,
            stacklevel=3,
        )
    return chosen


def _check_identifiable(prep: _Prepared, name: str, codes: IntArray) -> None:
    """Refuse a frailty whose variance the data cannot identify.

    With one cluster the frailty is a constant factor of the baseline hazard;
    when every stratum holds a single cluster (e.g. the frailty on the strata
    column), each stratum's own baseline absorbs its cluster's frailty.
    """
    n_cluster = int(codes.max()) + 1 if codes.size else 0
    if n_cluster < 2:
        raise GroupError(
            f"frailty column {name!r} has {n_cluster} cluster(s) among the {len(codes)} rows "
            "used: the frailty variance needs at least two clusters (not identifiable)"
        )
    if not prep.strata_columns:
        return
    pairs = np.unique(prep.strata_codes.astype(np.int64) * n_cluster + codes)
    if np.unique(pairs // n_cluster).size == pairs.size:
        raise GroupError(
            f"frailty column {name!r} is constant within every stratum of "
            f"{', '.join(map(repr, prep.strata_columns))}: each stratum's baseline hazard absorbs "
            "its cluster's frailty, so the frailty variance is not identifiable; drop the "
            "frailty or the strata"
        )


def _fit_frailty(
    prep: _Prepared,
    column: pd.Series,
    ties: Ties,
    left_truncation: bool,
    theta: float | None,
    control: CoxControl,
    conf_level: float,
) -> GammaFrailtyFit:
    codes, labels = pd.factorize(column, sort=True)
    _check_identifiable(prep, str(column.name), codes.astype(np.intp))
    return fit_gamma_frailty_scaled(
        prep.data,
        codes.astype(np.intp),
        list(labels),
        prep.names,
        ties=ties,
        left_truncation=left_truncation,
        theta=theta,
        control=control,
        conf_level=conf_level,
    )


def _cox_fit(
    prep: _Prepared,
    ties: Ties,
    frailty: GammaFrailtyFit | None,
    newton: NewtonResult | None = None,
) -> CoxFit:
    return CoxFit(
        data=prep.data,
        design=prep.design,
        kept_columns=prep.keep,
        ties=ties,
        weights=prep.weights,
        strata_codes=prep.strata_codes,
        strata_labels=prep.strata_labels,
        strata_columns=prep.strata_columns,
        cluster_codes=prep.cluster_codes if frailty is None else None,
        newton=newton,
        frailty_fit=frailty,
        row_labels=prep.used.index,
    )


def _result(
    formula: str,
    prep: _Prepared,
    ties: Ties,
    fit: CoxModelFit | GammaFrailtyFit,
    conf_level: float,
) -> CoxResult:
    """Assemble the CoxResult of a Cox or a frailty fit."""
    if isinstance(fit, GammaFrailtyFit):
        cox_fit = _cox_fit(prep, ties, fit)
        naive, tests, robust, note = fit.vcov_conditional, None, False, None
    else:
        cox_fit = _cox_fit(prep, ties, None, fit.newton)
        naive, tests, robust, note = fit.vcov_naive, fit.tests, fit.variance == "robust", None
        if robust and prep.cluster_codes is None:
            note = "robust (sandwich) standard errors: non-integer case weights (as R's default)"
    return CoxResult.build(
        formula=formula,
        names=prep.names,
        beta=fit.beta,
        vcov=fit.vcov,
        naive_vcov=naive,
        loglik=fit.loglik,
        tests=tests,
        fit=cox_fit,
        conf_level=conf_level,
        robust=robust,
        converged=fit.converged,
        n_iter=fit.n_iter,
        variance_note=note,
    )


def coxph(
    formula: str,
    data: pd.DataFrame,
    *,
    ties: Ties = "efron",
    strata: str | Sequence[str] | None = None,
    cluster: str | None = None,
    frailty: str | None = None,
    frailty_left_truncation: bool = True,
    weights: str | None = None,
    max_iter: int = 30,
    eps: float = 1e-9,
    conf_level: float = 0.95,
    theta: float | None = None,
    control: CoxControl | None = None,
    timefix: bool = True,
    time_unit: str | None = None,
) -> CoxResult:
    """Fit a Cox proportional hazards model by maximum partial likelihood.

    .. math:: \\ell(\\beta) = \\sum_k \\Big[ \\sum_{i \\in D_k} w_i \\eta_i
              - \\sum_{j=0}^{m_k - 1} \\bar w_k
              \\log\\big(S_0(t_k) - \\tfrac{j}{m_k} D_0(t_k)\\big) \\Big]

    with Efron's (1977) handling of ties (Breslow's drops the ``j/m_k`` term).
    Newton–Raphson with step halving, converged when the relative change of
    the log-likelihood is below ``eps`` (R ``coxph``'s rule; Therneau &
    Grambsch 2000, ch. 3). The formula and frame are turned into arrays
    (prepare), fitted by :func:`sarcosurv.cox.fit_cox` or
    :func:`sarcosurv.cox.fit_gamma_frailty` (fit) and assembled (result).

    Parameters
    ----------
    formula : str
        ``"Surv(time, event) ~ terms"`` or ``"Surv(start, stop, event) ~ terms"``;
        terms in formulaic syntax, e.g. ``C(histology, contr.treatment('Leiomyosarcoma'))``,
        ``np.log(x)``, ``a:b``.
    data : pandas.DataFrame
    ties : {"efron", "breslow"}
    strata : str or list of str, optional
        Columns whose combinations get separate baseline hazards.
    cluster : str, optional
        Column of cluster ids: the reported variance is the robust sandwich
        variance summed within clusters (R's ``cluster()``, Lin & Wei 1989).
        Not defined with ``frailty`` (a warning says so; the SEs stay model-based).
    frailty : str, optional
        Column of cluster ids for a shared gamma frailty (see
        :mod:`sarcosurv.cox.frailty`).
    frailty_left_truncation : bool
        With ``Surv(start, stop, event)`` and a frailty: true (default) when
        ``start`` is a delayed entry, so that the frailty is conditioned on
        survival to it; false when the rows split each subject's follow-up
        (time-varying covariates), so that rows only add their interval's hazard.
    weights : str, optional
        Case weights. With non-integer weights the reported standard errors
        are the robust (sandwich) ones, as R's default; the model-based ones
        are in ``naive_std_err``.
    max_iter : int
        Newton–Raphson iteration cap (also scales the frailty fit's caps).
    eps : float
        Convergence tolerance (relative change of the log-likelihood).
    conf_level : float
        Level of the hazard-ratio intervals, of theta's profile CI and of the
        frailty posterior intervals.
    theta : float, optional
        With ``frailty``: fix the frailty variance (R's ``frailty(x, theta=)``)
        instead of estimating it.
    control : CoxControl, optional
        All iteration caps and tolerances; overrides ``max_iter`` and ``eps``.
    timefix : bool
        Merge times equal up to floating-point rounding before fitting, with
        R's rule (:func:`sarcosurv.surv.aeq_times`, R ``aeqSurv``; on by default
        in R ``coxph`` as here). ``False`` keeps every distinct double.
    time_unit : {"days", "weeks", "months", "years"}, optional
        Unit of duration (``timedelta64``) time columns; required for them.

    Returns
    -------
    CoxResult
        Rows with a missing value in any model variable are left out and listed
        in ``excluded``; ``n`` counts the rows used.

    Examples
    --------
    >>> import sarcosurv as ss
    >>> import pandas as pd
    >>> d = pd.DataFrame({"t": [1, 2, 3, 4, 5, 6], "e": [1, 1, 0, 1, 1, 0],
    ...                   "x": [0, 1, 0, 1, 1, 0]})
    >>> ss.coxph("Surv(t, e) ~ x", d)
    <CoxResult n=6 events=4 terms=1>
    """
    if is_dask_frame(data):
        return dask_backend("coxph")(  # type: ignore[no-any-return]
            formula, data, ties=ties, strata=strata, cluster=cluster, frailty=frailty,
            weights=weights, max_iter=max_iter, eps=eps, conf_level=conf_level, theta=theta,
            control=control, timefix=timefix, time_unit=time_unit,
        )  # fmt: skip
    data = v.as_pandas(data)
    # formula: strata(x), cluster(id), frailty(c) terms stand for the keywords.
    specials = merge_specials(
        formula, strata=strata, cluster=cluster, frailty=frailty, theta=theta, supports_theta=True
    )
    theta = specials.theta
    strata = specials.strata or None
    cluster = specials.cluster[0] if specials.cluster else None
    frailty = specials.frailty[0] if specials.frailty else None
    chosen = _check_options(ties, conf_level, max_iter, eps, control, frailty, theta, cluster)
    prep = _prepare(formula, data, strata, cluster, frailty, weights, timefix, time_unit)
    if frailty is not None:
        frailty_fit = _fit_frailty(
            prep, prep.used[frailty], ties, frailty_left_truncation, theta, chosen, conf_level
        )
        return _result(formula, prep, ties, frailty_fit, conf_level)
    fit = fit_cox_sorted(
        prep.data,
        ties=ties,
        weights=prep.weights if prep.has_weights else None,
        cluster=prep.cluster_codes,
        robust=prep.cluster_codes is not None or has_fractional_weights(prep.weights),
        control=chosen,
        names=prep.names,
    )
    return _result(formula, prep, ties, fit, conf_level)


def design_of(fit: CoxFit) -> Design:
    """The design a result was fitted on (for diagnostics)."""
    return fit.design
