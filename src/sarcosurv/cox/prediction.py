"""Predictions of a fitted Cox model for new rows: survival curves and linear predictors.

``predict_survival`` follows R's ``survfit(coxph_fit, newdata)`` (baseline
hazard with Efron's tie correction for ``ties="efron"``, variance including the
uncertainty of the coefficients, ``conf.type="log"`` by default) and
``predict`` R's ``predict.coxph(type = "lp" | "risk")``. New rows are checked
first: a missing column, a missing value, text in a numeric column, a level
never seen in fitting or an unknown stratum is a typed error naming the
column, the rows and the values.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from formulaic.errors import DataMismatchWarning
from scipy import special

from .. import _validate as v
from ..errors import FormulaError, SarcosurvError, SarcosurvWarning
from ._formula_safety import function_name, parse_python_term
from ._prediction_kernel import baseline_paths, curves_at
from .formula import formulaic_frame, resolve_columns

if TYPE_CHECKING:
    from .result import CoxResult

__all__ = ["predict", "predict_survival"]

FloatArray = npt.NDArray[np.float64]
ConfType = Literal["log", "log-log", "plain"]


def _require_frame(newdata: object) -> pd.DataFrame:
    if not isinstance(newdata, pd.DataFrame):
        raise SarcosurvError(
            f"newdata must be a pandas DataFrame with the model's columns, not "
            f"{type(newdata).__name__} (e.g. pd.DataFrame([{{'age': 60, 'sex': 1}}]))"
        )
    if len(newdata) == 0:
        raise SarcosurvError("newdata has no rows")
    return newdata


def _values_in(problem: str, values: pd.Series) -> str:
    shown = ", ".join(repr(x) for x in pd.Series(pd.unique(values)[:5]).tolist())
    return f"{problem} ({shown})"


def _factor_columns(result: CoxResult) -> list[tuple[str, list[Any]]]:
    """(data column, levels seen in fitting) of every categorical factor of the design."""
    spec: Any = result.fit.design.model_spec
    found = []
    for factor, state in spec.factor_contrasts.items():
        expr = str(factor.expr)
        if str(factor.eval_method.value) == "lookup":
            found.append((expr, list(state.levels)))
            continue
        node, backticks = parse_python_term(expr)
        if isinstance(node, ast.Call) and function_name(node.func) == "C" and node.args:
            first = node.args[0]
            if isinstance(first, ast.Name):
                found.append((backticks.get(first.id, first.id), list(state.levels)))
    return found


def _checked_newdata(result: CoxResult, newdata: pd.DataFrame) -> pd.DataFrame:
    """The model's columns of ``newdata``, numeric ones as numbers, every value known."""
    design = result.fit.design
    names = [*design.column_kinds, *result.fit.strata_columns]
    labels = resolve_columns(newdata, [str(n) for n in dict.fromkeys(names)], "newdata")
    frame = newdata[labels].copy()
    for name, label in zip(dict.fromkeys(names), labels, strict=True):
        missing = frame[label].isna().to_numpy()
        if missing.any():
            raise v.invalid(newdata, str(label), missing, "missing value in newdata")
        if design.column_kinds.get(str(name)) == "numeric":
            numbers = pd.to_numeric(frame[label], errors="coerce")
            bad = numbers.isna().to_numpy()
            if bad.any():
                problem = "value is not a number (the model was fitted with numbers)"
                raise v.invalid(newdata, str(label), bad, _values_in(problem, frame[label][bad]))
            frame[label] = numbers.astype(np.float64)
    for column, levels in _factor_columns(result):
        label = resolve_columns(newdata, [column], "newdata")[0]
        unknown = ~frame[label].isin(levels).to_numpy()
        if unknown.any():
            seen = ", ".join(repr(level) for level in levels)
            problem = _values_in("level never seen in fitting", frame[label][unknown])
            raise v.invalid(newdata, str(label), unknown, f"{problem}; known levels: {seen}")
    return frame


def _new_covariates(result: CoxResult, frame: pd.DataFrame) -> FloatArray:
    """Design rows of ``frame`` for the kept terms, centred as in the fit."""
    spec: Any = result.fit.design.model_spec
    with warnings.catch_warnings():
        # A level outside the fitted ones is an error; NaN from np.log(-1) is named below.
        warnings.simplefilter("error", DataMismatchWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            matrix = spec.get_model_matrix(formulaic_frame(frame), na_action="ignore")
        except Exception as exc:  # formulaic's errors and DataMismatchWarning
            raise FormulaError(f"cannot build the model terms for newdata: {exc}") from exc
    columns = [str(c) for c in matrix.columns]
    x = matrix.to_numpy(dtype=np.float64)[:, [columns.index(n) for n in result.params.index]]
    bad = ~np.isfinite(x)
    if bad.any():
        j = int(np.flatnonzero(bad.any(axis=0))[0])
        problem = "the model term is NaN or infinite here (e.g. log of zero or a negative number)"
        raise v.invalid(frame, str(result.params.index[j]), bad[:, j], problem)
    return np.asarray(x - result.fit.data.centre, np.float64)


def _stratum_codes(
    result: CoxResult, frame: pd.DataFrame, newdata: pd.DataFrame
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.object_]]:
    """Stratum code and label of each new row (labels as the fit wrote them)."""
    columns = result.fit.strata_columns
    labels = pd.Index(result.fit.strata_labels)
    if len(columns) == 1:
        values = frame[columns[0]]
        keys = (f"{columns[0]}=" + values.astype(str)).to_numpy(dtype=object)
        if pd.api.types.is_float_dtype(values.dtype):
            # 2.0 in newdata names the stratum 'x=2' of an integer column.
            number = values.to_numpy(dtype=np.float64)
            whole = number == np.round(number)
            as_int = np.where(whole, number, 0).astype(np.int64).astype(str).astype(object)
            integral = f"{columns[0]}=" + as_int
            known_int = labels.get_indexer(pd.Index(integral)) >= 0
            swap = whole & known_int & (labels.get_indexer(pd.Index(keys)) < 0)
            keys = np.where(swap, integral, keys)
    else:
        keys = frame[columns].astype(str).agg(", ".join, axis=1).to_numpy(dtype=object)
    codes = labels.get_indexer(pd.Index(keys))
    unknown = codes < 0
    if unknown.any():
        problem = _values_in("stratum never seen in fitting", pd.Series(keys[unknown]))
        raise v.invalid(newdata, ", ".join(map(str, columns)), unknown, problem)
    return codes.astype(np.int64), keys


def _times(times: float | Sequence[float]) -> FloatArray:
    try:
        at = np.atleast_1d(np.asarray(times, dtype=np.float64))
    except (TypeError, ValueError) as exc:
        raise SarcosurvError(f"times must be numbers, got {times!r}") from exc
    bad = ~np.isfinite(at) | (at < 0)
    if at.ndim != 1 or at.size == 0 or bad.any():
        raise SarcosurvError(
            f"times must be finite, non-negative numbers; got {list(at.ravel()[bad.ravel()])}"
            if bad.any()
            else f"times must be a number or a non-empty list of numbers, got {times!r}"
        )
    return at


def _confidence(
    survival: FloatArray, se_hazard: FloatArray, conf_type: str, conf_level: float
) -> tuple[FloatArray, FloatArray]:
    """R's ``survfit_confint`` with the standard error of the cumulative hazard."""
    z = float(special.ndtri(0.5 + conf_level / 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        if conf_type == "log":
            s = np.where(survival == 0, np.nan, survival)
            return s * np.exp(-z * se_hazard), np.minimum(s * np.exp(z * se_hazard), 1.0)
        if conf_type == "log-log":
            s = np.where((survival == 0) | (survival == 1), np.nan, survival)
            shift = z * se_hazard / np.log(s)
            loglog = np.log(-np.log(s))
            return np.exp(-np.exp(loglog - shift)), np.exp(-np.exp(loglog + shift))
        half = z * se_hazard * survival
        return np.maximum(survival - half, 0.0), np.minimum(survival + half, 1.0)


def _warn_beyond(
    last: FloatArray, at: FloatArray, labels: list[str], codes: npt.NDArray[np.int64]
) -> None:
    late = at[None, :] > last[:, None]
    if late.any():
        row = int(np.flatnonzero(late.any(axis=1))[0])
        where = f" of stratum {labels[int(codes[row])]}" if labels else ""
        warnings.warn(
            f"time(s) {sorted(set(at[late[row]].tolist()))} lie after the last follow-up time "
            f"{last[row]:g}{where}: survival is held at its last value there (R's "
            "summary(survfit, times, extend=TRUE); its default leaves such times out)",
            SarcosurvWarning,
            stacklevel=4,
        )


def _require_predictable(result: CoxResult) -> None:
    if result.fit.frailty_fit is not None:
        raise SarcosurvError(
            "prediction for new rows is not available for frailty models (as in R): the "
            "frailty of a new row is unknown; fit without frailty to predict"
        )


def predict_survival(
    result: CoxResult,
    newdata: pd.DataFrame,
    times: float | Sequence[float],
    conf_type: ConfType = "log",
    conf_level: float | None = None,
) -> pd.DataFrame:
    """Survival of each new row at ``times``, as R ``summary(survfit(fit, newdata), times)``.

    :math:`\\hat S(t\\mid z) = \\exp(-\\hat\\Lambda_0(t) e^{z\\hat\\beta})` with the
    variance of :math:`\\hat\\Lambda(t\\mid z)` from
    :mod:`sarcosurv.cox._prediction_kernel` (Tsiatis 1981).
    """
    _require_predictable(result)
    if conf_type not in ("log", "log-log", "plain"):
        raise SarcosurvError(f"conf_type must be 'log', 'log-log' or 'plain', not {conf_type!r}")
    level = result.conf_level if conf_level is None else conf_level
    if not (isinstance(level, float | int) and 0 < level < 1):
        raise SarcosurvError(f"conf_level must lie strictly between 0 and 1, got {level!r}")
    at = _times(times)
    frame = _checked_newdata(result, _require_frame(newdata))
    x = _new_covariates(result, frame)
    fit = result.fit
    codes = np.zeros(len(frame), dtype=np.int64)
    if fit.strata_columns:
        codes, keys = _stratum_codes(result, frame, newdata)
    data = fit.data
    paths = baseline_paths(
        data.stop, data.start, data.event, data.weights, data.covariates,
        data.stratum.astype(np.int64), result.beta, fit.ties == "efron",
    )  # fmt: skip
    _warn_beyond(paths.last_time[codes], at, fit.strata_labels, codes)
    vcov = result.vcov.to_numpy(dtype=np.float64)
    hazard, se_hazard = curves_at(paths, x, codes, at, result.beta, vcov)
    survival = np.exp(-hazard)
    lower, upper = _confidence(survival, se_hazard, conf_type, float(level))
    table = pd.DataFrame({"row": np.repeat(newdata.index.to_numpy(), at.size)})
    if fit.strata_columns:
        table["stratum"] = np.repeat(keys, at.size)
    table["time"] = np.tile(at, len(frame))
    table["survival"] = survival
    table["std_err"] = survival * se_hazard
    table["lower"] = lower
    table["upper"] = upper
    return table


def _reference_means(result: CoxResult, codes: npt.NDArray[np.int64], reference: str) -> Any:
    """Centred covariate means subtracted from new rows (R ``predict.coxph``'s reference)."""
    data = result.fit.data
    p = data.covariates.shape[1]
    if reference == "zero":
        return -data.centre
    if reference == "sample" or not result.fit.strata_columns:
        # R's coxph means: weighted, but 0 for columns whose values all lie in {-1, 0, 1}
        # (its nocenter rule, which leaves indicator columns uncentred).
        raw = data.covariates + data.centre
        indicator = ((np.abs(raw - np.round(raw)) < 1e-9) & (np.abs(raw) < 1.5)).all(axis=0)
        means = (data.weights @ raw) / data.weights.sum()
        return np.where(indicator, 0.0, means) - data.centre
    stratum = data.stratum.astype(np.int64)
    total = np.bincount(stratum, weights=data.weights)
    sums = np.column_stack(
        [np.bincount(stratum, weights=data.weights * data.covariates[:, j]) for j in range(p)]
    ).reshape(total.shape[0], p)
    return (sums / total[:, None])[codes]


def predict(
    result: CoxResult,
    newdata: pd.DataFrame,
    kind: Literal["lp", "risk"] = "lp",
    reference: Literal["strata", "sample", "zero"] = "strata",
) -> pd.Series:
    """Linear predictor or relative risk of new rows, as R ``predict.coxph``.

    ``lp`` is :math:`(z - \\bar z)\\hat\\beta` where :math:`\\bar z` is R's
    default reference: the weighted mean of the fitted rows of the new row's
    stratum (``"strata"``; the overall weighted mean, ``"sample"``, when the
    model has no strata), or zero (``"zero"``). ``risk`` is ``exp(lp)``.
    """
    _require_predictable(result)
    if kind not in ("lp", "risk"):
        raise SarcosurvError(f"kind must be 'lp' or 'risk', not {kind!r}")
    if reference not in ("strata", "sample", "zero"):
        raise SarcosurvError(f"reference must be 'strata', 'sample' or 'zero', not {reference!r}")
    frame = _checked_newdata(result, _require_frame(newdata))
    x = _new_covariates(result, frame)
    codes = np.zeros(len(frame), dtype=np.int64)
    if result.fit.strata_columns and reference == "strata":
        codes = _stratum_codes(result, frame, newdata)[0]
    lp = (x - _reference_means(result, codes, reference)) @ result.beta
    values = lp if kind == "lp" else np.exp(lp)
    return pd.Series(values, index=newdata.index, name=kind)
