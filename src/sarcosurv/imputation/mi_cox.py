"""``mi_coxph``: impute the covariates of a Cox model, fit it on each dataset, pool."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import pandas as pd
from formulaic import Formula

from ..cox import coxph
from ..errors import FormulaError
from .chained import impute
from .pool import PooledResult, pool

__all__ = ["mi_coxph"]

_TIME, _EVENT = "__mi_time", "__mi_event"


def _split_arguments(text: str) -> list[str]:
    """Top-level comma-separated arguments of ``Surv(...)``."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):  # loop over characters of one short string
        depth += (char in "([") - (char in ")]")
        if char == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return parts


def _numeric(data: pd.DataFrame, expression: str) -> pd.Series:
    """A ``Surv()`` argument evaluated on the data, as numbers (NaN where not numeric)."""
    value = pd.Series(data.eval(expression), index=data.index)
    return pd.Series(pd.to_numeric(value, errors="coerce"), index=data.index, dtype="float64")


def _outcome_frame(formula: str, data: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The survival time (stop time) and event of the formula's ``Surv(...)``, and the RHS."""
    lhs, sep, rhs = formula.partition("~")
    match = re.fullmatch(r"\s*Surv\((.*)\)\s*", lhs)
    if not sep or match is None:
        raise FormulaError(f"formula {formula!r} must read 'Surv(time, event) ~ terms'")
    arguments = _split_arguments(match.group(1))
    if len(arguments) not in (2, 3):
        raise FormulaError(f"Surv() takes (time, event) or (start, stop, event), got {arguments}")
    try:
        values = [_numeric(data, a) for a in arguments[-2:]]
    except Exception as error:  # pandas raises many types for a bad expression
        raise FormulaError(
            f"cannot evaluate Surv({match.group(1)}) on the data: {error}"
        ) from error
    outcome = pd.DataFrame({_TIME: values[0], _EVENT: values[1]}, index=data.index)
    if len(arguments) == 3:
        start = _numeric(data, arguments[0])
        outcome.loc[start.isna(), _TIME] = float("nan")
    return outcome, rhs


def _covariates(
    rhs: str, data: pd.DataFrame, strata: Sequence[str], outcome: set[str]
) -> list[str]:
    """Data columns the right-hand side uses, in data order (plus strata columns)."""
    try:
        needed = set(Formula(rhs).required_variables) | set(strata)
    except Exception as error:  # formulaic's parse errors
        raise FormulaError(f"cannot parse the terms {rhs!r}: {error}") from error
    return [str(c) for c in data.columns if c in needed and c not in outcome]


def mi_coxph(
    formula: str,
    data: pd.DataFrame,
    m: int = 20,
    seed: int | None = None,
    frailty: str | None = None,
    strata: str | Sequence[str] | None = None,
    *,
    auxiliary: Sequence[str] = (),
    cox_options: Mapping[str, Any] | None = None,
    **impute_options: Any,
) -> PooledResult:
    """Cox model with covariates multiply imputed: impute, fit each dataset, pool.

    The covariates of ``formula`` (and ``strata``, and the ``auxiliary`` columns)
    are imputed by :func:`~sarcosurv.impute` with the event indicator and the
    Nelson–Aalen cumulative hazard in every imputation model (White & Royston
    2009); :func:`~sarcosurv.coxph` is fitted on each of the m datasets and the
    fits are pooled by Rubin's rules (:func:`~sarcosurv.pool`). Rows whose
    outcome is missing are left out and listed in ``excluded``; they are never
    imputed. Valid when the covariates are missing at random given the
    variables of the imputation model.

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
    cox_options : dict, optional
        Further keywords of :func:`~sarcosurv.coxph` (``ties``, ``cluster``...).
    **impute_options
        ``method``, ``iterations``, ``donors`` of :func:`~sarcosurv.impute`.

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
    outcome, rhs = _outcome_frame(formula, data)
    names = _covariates(rhs, data, strata_list, set())
    columns = names + [c for c in auxiliary if c not in names]
    work = pd.concat([data, outcome], axis=1)
    imputation = impute(work, columns, m=m, seed=seed, survival=(_TIME, _EVENT), **impute_options)
    datasets = tuple(d.drop(columns=[_TIME, _EVENT]) for d in imputation.datasets)
    imputation = replace(
        imputation,
        datasets=datasets,
        predictors=tuple(p for p in imputation.predictors if p not in (_TIME, _EVENT)),
    )
    options = dict(cox_options or {})
    fits = [
        coxph(formula, d, frailty=frailty, strata=strata_list or None, **options) for d in datasets
    ]
    return pool(fits, excluded=imputation.excluded, imputation=imputation)
