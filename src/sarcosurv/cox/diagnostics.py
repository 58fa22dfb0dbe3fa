"""Baseline hazard, prediction and residuals of a fitted Cox model (pandas edge)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

from .. import _validate as v
from ..counting.linalg import inverse_or_pinv
from ..errors import SarcosurvError
from . import residuals as r
from .concordance import harrell_c
from .kernels import cox_terms
from .prediction import predict, predict_survival
from .zph import zph_table

if TYPE_CHECKING:
    from .result import CoxResult

FloatArray = npt.NDArray[np.float64]


def _offset(result: CoxResult) -> FloatArray | None:
    frailty = result.fit.frailty_fit
    return None if frailty is None else np.asarray(frailty.log_frailty, np.float64)


def _used_index(result: CoxResult) -> pd.Index:
    return result.fit.design.excluded.index[:0].append(
        pd.Index(np.flatnonzero(result.fit.design.used))
    )


def concordance(result: CoxResult) -> float:
    data = result.fit.data
    eta = data.covariates @ result.beta if data.n_covariates else np.zeros(data.n)
    return harrell_c(data, eta)


def _cumulative_by_group(result: CoxResult) -> FloatArray:
    data = result.fit.data
    terms = cox_terms(
        data, result.beta, offset=_offset(result), ties=result.fit.ties, information=False
    )
    scale = float(np.exp(-data.centre @ result.beta)) if data.n_covariates else 1.0
    increment = terms.hazard_increment * scale
    # Cumulative sums restart in each stratum.
    total = np.cumsum(increment)
    first = np.searchsorted(data.group_stratum, data.group_stratum, side="left")
    before = np.concatenate([[0.0], total])[first]
    return np.asarray(total - before, np.float64)


def baseline_hazard(result: CoxResult) -> pd.DataFrame:
    """Breslow/Efron cumulative baseline hazard at every distinct time of each stratum."""
    data = result.fit.data
    cumulative = _cumulative_by_group(result)
    frames = []
    for s in range(data.n_strata):
        lo, hi = data.stratum_bounds[s], data.stratum_bounds[s + 1]
        times = np.unique(data.stop[lo:hi])
        in_s = np.flatnonzero(data.group_stratum == s)
        position = np.searchsorted(data.group_time[in_s], times, side="right")
        values = np.concatenate([[0.0], cumulative[in_s]])[position]
        frame = pd.DataFrame({"time": times, "cumulative_hazard": values})
        if result.fit.strata_columns:
            frame.insert(0, "stratum", result.fit.strata_labels[s])
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def residuals(result: CoxResult, kind: str) -> pd.DataFrame | pd.Series:
    data, fit = result.fit.data, result.fit
    beta, ties, offset = result.beta, fit.ties, _offset(result)
    used_rows = np.flatnonzero(fit.design.used)
    # Indexed by the data's own index labels, as ``fit.excluded["row"]`` is.
    labels = pd.Index(used_rows) if fit.row_labels is None else fit.row_labels
    index = pd.Index(labels, name="row")
    columns = result.params.index
    if kind == "martingale":
        return pd.Series(r.martingale_residuals(data, beta, ties, offset), index=index, name=kind)
    if kind == "deviance":
        return pd.Series(r.deviance_residuals(data, beta, ties, offset), index=index, name=kind)
    if kind in ("score", "dfbeta"):
        score = r.score_residuals(data, beta, ties, offset)
        if kind == "dfbeta":
            variance = inverse_or_pinv(fit.newton.information) if fit.newton else np.zeros((0, 0))
            score = (score * fit.weights[:, None]) @ variance
        return pd.DataFrame(score, index=index, columns=columns)
    if kind in ("schoenfeld", "scaled_schoenfeld"):
        resid, times, rows = r.schoenfeld_residuals(data, beta, ties, offset)
        if kind == "scaled_schoenfeld":
            variance = inverse_or_pinv(fit.newton.information) if fit.newton else np.zeros((0, 0))
            resid = resid @ variance * data.n_event + beta
        frame = pd.DataFrame(resid, columns=columns)
        frame.insert(0, "time", times)
        frame.index = pd.Index(labels[rows], name="row")
        return frame
    raise SarcosurvError(
        f"unknown residual kind {kind!r}; use martingale, deviance, score, schoenfeld, "
        "scaled_schoenfeld or dfbeta"
    )


def test_proportional_hazards(result: CoxResult, transform: str) -> pd.DataFrame:
    if transform not in ("km", "rank", "identity"):
        raise SarcosurvError(f"transform must be 'km', 'rank' or 'identity', not {transform!r}")
    fit = result.fit
    positions = {name: i for i, name in enumerate(result.params.index)}
    terms: dict[str, list[int]] = {}
    for term, cols in fit.design.term_columns.items():
        kept = [
            positions[fit.design.column_names[c]]
            for c in cols
            if fit.design.column_names[c] in positions
        ]
        if kept:
            terms[term] = kept
    return zph_table(fit.data, result.beta, fit.ties, transform, terms)


__all__ = [
    "baseline_hazard",
    "concordance",
    "predict",
    "predict_survival",
    "residuals",
    "test_proportional_hazards",
    "v",
]
