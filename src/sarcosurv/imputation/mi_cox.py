"""``mi_coxph``: impute the covariates of a Cox model, fit it on each dataset, pool."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from ..cox import coxph
from ..cox.formula import ParsedFormula, build_response, parse_formula
from .chained import impute
from .pool import PooledResult, pool

__all__ = ["mi_coxph"]

_TIME, _EVENT = "__mi_time", "__mi_event"


def _outcome_frame(formula: str, data: pd.DataFrame) -> pd.DataFrame:
    """The formula's exit time and event indicator as two columns (NaN where unknown)."""
    response = build_response(formula, data)
    outcome = pd.DataFrame({_TIME: np.nan, _EVENT: np.nan}, index=data.index)
    outcome.loc[response.known, _TIME] = response.stop
    outcome.loc[response.known, _EVENT] = response.event.astype(np.float64)
    return outcome


def _imputed_columns(
    parsed: ParsedFormula, data: pd.DataFrame, strata: Sequence[str], auxiliary: Sequence[str]
) -> list[str]:
    """Data columns the terms and strata use, in data order, then the auxiliary ones."""
    needed = set(parsed.columns) | set(strata) | set(parsed.specials.strata)
    names = [str(c) for c in data.columns if str(c) in needed]
    return names + [c for c in auxiliary if c not in names]


def _with_strata(formula: str, strata: Sequence[str]) -> str:
    """The formula with ``strata(`name`)`` terms for the ``strata=`` argument."""
    return formula + "".join(f" + strata(`{name}`)" for name in strata)


def mi_coxph(
    formula: str,
    data: pd.DataFrame,
    m: int = 20,
    seed: int | None = None,
    frailty: str | None = None,
    strata: str | Sequence[str] | None = None,
    *,
    auxiliary: Sequence[str] = (),
    compatible: bool = True,
    cox_options: Mapping[str, Any] | None = None,
    **impute_options: Any,
) -> PooledResult:
    """Cox model with covariates multiply imputed: impute, fit each dataset, pool.

    The covariates of ``formula`` (and ``strata``, and the ``auxiliary`` columns)
    are imputed by :func:`~sarcosurv.impute`; :func:`~sarcosurv.coxph` is
    fitted on each of the m datasets and the fits are pooled by Rubin's rules
    (:func:`~sarcosurv.pool`). Rows whose outcome is missing are left out and
    listed in ``excluded``; they are never imputed. Valid when the covariates
    are missing at random given the variables of the imputation model.

    By default the covariates of the model are imputed *compatibly* with it
    (``impute(..., substantive=formula)``, SMC-FCS; Bartlett et al. 2015): each
    is drawn from the distribution the Cox model implies given the other
    covariates and the outcome, which keeps large hazard ratios of heavily
    missing covariates unbiased. ``compatible=False`` puts the event indicator
    and the Nelson–Aalen cumulative hazard (and their products with the other
    covariates) in every imputation model instead (White & Royston 2009), as R
    ``mice`` users do. A ``frailty`` is not part of the imputation model (the
    fixed effects are); missing strata are imputed with the outcome as
    predictors, not compatibly.

    Parameters
    ----------
    formula : str
        ``"Surv(time, event) ~ terms"`` as for :func:`~sarcosurv.coxph`.
    data : pandas.DataFrame
    m : int
        Number of imputations (>= 2; 20 or more for stable p-values).
    seed : int, optional
        Same seed, same result.
    frailty, strata
        Passed to :func:`~sarcosurv.coxph` (strata columns are also imputed).
    auxiliary : sequence of str
        Extra columns used as predictors in the imputation models only.
    compatible : bool
        Impute the model's covariates compatibly with it (default); see above.
    cox_options : dict, optional
        Further keywords of :func:`~sarcosurv.coxph` (``ties``, ``cluster``...).
    **impute_options
        ``method``, ``iterations``, ``donors``, ``interactions`` of
        :func:`~sarcosurv.impute`.

    Returns
    -------
    PooledResult
        ``n`` (rows used: every row with a known outcome), ``m``, the pooled table
        (``summary()``, ``to_frame()``), ``fmi`` per term, ``excluded``,
        ``imputation`` (the datasets and chain diagnostics).

    Examples
    --------
    >>> import sarcosurv as ss
    >>> from sarcosurv.studies import heilig2020
    >>> data = heilig2020.endpoints(ss.registry.Cohort.from_frame(heilig2020.synthetic_cohort()))
    >>> fit = ss.mi_coxph("Surv(os_time, os_event) ~ age10 + regimen_group", data, m=3, seed=1)
    >>> fit.n, fit.m
    (338, 3)
    """
    strata_list = [strata] if isinstance(strata, str) else list(strata or [])
    columns = _imputed_columns(parse_formula(formula), data, strata_list, auxiliary)
    if compatible:
        imputation = impute(
            data,
            columns,
            m=m,
            seed=seed,
            substantive=_with_strata(formula, strata_list),
            **impute_options,
        )
    else:
        work = pd.concat([data, _outcome_frame(formula, data)], axis=1)
        imputation = impute(
            work, columns, m=m, seed=seed, survival=(_TIME, _EVENT), **impute_options
        )
        imputation = replace(
            imputation,
            datasets=tuple(d.drop(columns=[_TIME, _EVENT]) for d in imputation.datasets),
            predictors=tuple(p for p in imputation.predictors if p not in (_TIME, _EVENT)),
        )
    options = dict(cox_options or {})
    fits = [
        coxph(formula, d, frailty=frailty, strata=strata_list or None, **options)
        for d in imputation.datasets
    ]
    return pool(fits, excluded=imputation.excluded, imputation=imputation)
