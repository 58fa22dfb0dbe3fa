"""Formula front end: ``Surv(...) ~ rhs`` into arrays, with complete-case bookkeeping.

The right-hand side goes through formulaic with an intercept, which is then
dropped, so that categorical terms get R's treatment coding
(``C(x, contr.treatment('Ref'))`` chooses the reference level).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from formulaic import Formula, model_matrix

from .. import _validate as v
from ..errors import FormulaError

__all__ = ["Design", "build_design", "parse_surv"]

_SURV = re.compile(r"^\s*Surv\s*\((?P<args>[^()]*)\)\s*~\s*(?P<rhs>.+)$", re.DOTALL)


def parse_surv(formula: str) -> tuple[list[str], str]:
    """Split ``"Surv(a, b[, c]) ~ rhs"`` into the Surv column names and the rhs."""
    match = _SURV.match(formula)
    if match is None:
        raise FormulaError(
            f"formula {formula!r} must read 'Surv(time, event) ~ terms' "
            "or 'Surv(start, stop, event) ~ terms'"
        )
    names = [a.strip().strip("`") for a in match["args"].split(",")]
    if len(names) not in (2, 3) or not all(names):
        raise FormulaError(f"Surv() takes 2 or 3 column names, got {match['args']!r}")
    return names, match["rhs"].strip()


def _strip_c_calls(rhs: str) -> str:
    """The rhs with every ``C(...)`` call removed (balanced parentheses)."""
    out, i = [], 0
    while i < len(rhs):
        m = re.compile(r"\bC\s*\(").search(rhs, i)
        if m is None:
            out.append(rhs[i:])
            break
        out.append(rhs[i : m.start()])
        depth, j = 1, m.end()
        while j < len(rhs) and depth:
            depth += {"(": 1, ")": -1}.get(rhs[j], 0)
            j += 1
        i = j
    return "".join(out)


def _check_text_columns(data: pd.DataFrame, rhs: str, variables: list[str]) -> None:
    bare = _strip_c_calls(rhs)
    for name in variables:
        dtype = data[name].dtype
        is_text = pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)
        if is_text and re.search(rf"(?<![\w.]){re.escape(name)}(?![\w.])", bare):
            raise FormulaError(
                f"column {name!r} holds text; wrap it as C({name}) (or "
                f"C({name}, contr.treatment('reference level'))) to use it as a categorical term"
            )


@dataclass(frozen=True)
class Design:
    """Arrays for the partial-likelihood kernels, in the order of the used rows."""

    surv_columns: list[str]
    stop: npt.NDArray[np.float64]
    event: npt.NDArray[np.bool_]
    start: npt.NDArray[np.float64] | None
    covariates: npt.NDArray[np.float64]
    column_names: list[str]
    term_columns: dict[str, list[int]]
    used: npt.NDArray[np.bool_]  # over the input rows
    excluded: pd.DataFrame
    model_spec: object


def _exclusions(data: pd.DataFrame, columns: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Complete-case mask and the table of excluded rows with the first missing column."""
    first_missing = np.full(len(data), -1, dtype=np.intp)
    for k, name in enumerate(columns):
        missing = data[name].isna().to_numpy()
        if missing.any():
            first_missing[missing & (first_missing < 0)] = k
    used = first_missing < 0
    positions = np.flatnonzero(~used)
    excluded = pd.DataFrame({"row": data.index[positions]})
    if v.PATIENT_ID_COLUMN in data.columns:
        excluded["patient_id"] = data[v.PATIENT_ID_COLUMN].to_numpy()[positions]
    messages = np.array([f"missing value in column {name!r}" for name in columns], dtype=object)
    excluded["reason"] = messages[first_missing[positions]] if positions.size else []
    return used, excluded


def complete_rows(data: pd.DataFrame, used: np.ndarray, columns: list[str]) -> pd.DataFrame:
    """The used rows of ``columns`` (plus ``patient_id`` when present, to name rows in errors).

    When every row is used the data are returned as they are, without a copy.
    """
    if used.all():
        return data
    keep = list(dict.fromkeys(columns))
    if v.PATIENT_ID_COLUMN in data.columns and v.PATIENT_ID_COLUMN not in keep:
        keep.append(v.PATIENT_ID_COLUMN)
    return data.loc[used, keep]


_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")


def _plain_numeric_terms(rhs: str, data: pd.DataFrame) -> list[str] | None:
    """The column names when ``rhs`` is a plain sum of numeric columns, else None."""
    names = [term.strip() for term in rhs.split("+")]
    if len(set(names)) != len(names):
        return None
    for name in names:
        if not _NAME.match(name) or name not in data.columns:
            return None
        dtype = data[name].dtype
        if not isinstance(dtype, np.dtype) or dtype.kind not in "iuf":
            return None
    return names


def _design_matrix(
    rhs: str, complete: pd.DataFrame
) -> tuple[npt.NDArray[np.float64], list[str], object]:
    """Covariates (no intercept), formulaic's column names (with ``Intercept``) and spec.

    A plain sum of numeric columns (``x1 + x2 + ...``) skips formulaic's
    materialisation of all rows, which is slow for millions of rows: formulaic
    builds the spec and the names on the first rows and the columns are copied
    straight from the data into one array.
    """
    plain = _plain_numeric_terms(rhs, complete)
    matrix = _formulaic(rhs, complete.iloc[: min(len(complete), 8)] if plain else complete)
    names = [str(c) for c in matrix.columns]
    keep = [name for name in names if name != "Intercept"]
    if plain and sorted(keep) != sorted(plain):
        matrix = _formulaic(rhs, complete)
        names = [str(c) for c in matrix.columns]
        keep = [name for name in names if name != "Intercept"]
        plain = None
    if plain:
        # One block copy (a transposition at worst) instead of column-by-column writes.
        values = np.ascontiguousarray(complete[keep].to_numpy(dtype=np.float64))
    else:
        positions = [names.index(name) for name in keep]
        values = np.asarray(matrix.to_numpy(dtype=np.float64)[:, positions], np.float64)
    return values, names, matrix.model_spec


def _formulaic(rhs: str, frame: pd.DataFrame) -> Any:
    try:
        # Missing values of the raw columns are excluded before; a term that evaluates to
        # NaN (np.log of a negative number) is reported by _require_finite by row.
        return model_matrix(rhs, frame, ensure_full_rank=True, na_action="ignore")
    except Exception as exc:
        raise FormulaError(f"cannot build the design of {rhs!r}: {exc}") from exc


def _require_finite(
    complete: pd.DataFrame, covariates: npt.NDArray[np.float64], names: list[str]
) -> None:
    """Raise :class:`InvalidDataError` naming the design column and rows of any NaN or inf.

    One sum over the matrix detects them (NaN and inf propagate); only then is
    the matrix searched.
    """
    if covariates.size == 0 or np.isfinite(covariates.sum()):
        return
    bad = ~np.isfinite(covariates)
    for j in np.flatnonzero(bad.any(axis=0)):
        values = covariates[bad[:, j], j]
        what = "NaN" if np.isnan(values).all() else "infinite or NaN"
        raise v.invalid(
            complete,
            names[j],
            bad[:, j],
            f"{what} value of the model term (e.g. log of zero or of a negative number, "
            "or an infinite value in the data)",
        )


def build_design(formula: str, data: pd.DataFrame, extra_columns: list[str]) -> Design:
    """Parse the formula, exclude incomplete rows and build the design matrix.

    ``extra_columns`` (strata, cluster, weights, frailty) count towards
    complete cases as well.
    """
    surv_columns, rhs = parse_surv(formula)
    v.require_columns(data, survival=surv_columns)
    try:
        variables = sorted(Formula(rhs).required_variables)
    except Exception as exc:  # formulaic raises several parser error types
        raise FormulaError(f"cannot parse the right-hand side {rhs!r}: {exc}") from exc
    known = [name for name in variables if name in data.columns]
    unknown = [name for name in variables if name not in data.columns and name != "np"]
    if unknown:
        v.require_columns(data, covariate=unknown)
    v.require_columns(data, model=extra_columns)
    _check_text_columns(data, rhs, known)
    used, excluded = _exclusions(data, [*surv_columns, *known, *extra_columns])
    complete = complete_rows(data, used, [*surv_columns, *known])
    v.require_nonempty(complete, "the complete cases of the model variables")
    stop = v.as_time(complete, surv_columns[-2])
    event = v.as_event(complete, surv_columns[-1])
    start = v.as_entry(complete, surv_columns[0], stop) if len(surv_columns) == 3 else None
    covariates, names, spec = _design_matrix(rhs, complete)
    keep = [i for i, name in enumerate(names) if name != "Intercept"]
    _require_finite(complete, covariates, [names[i] for i in keep])
    term_columns: dict[str, list[int]] = {}
    for term, indices in spec.term_indices.items():  # type: ignore[attr-defined]
        label = str(term)
        if label == "1":
            continue
        term_columns[label] = [names.index(names[i]) - 1 for i in indices]
    return Design(
        surv_columns=surv_columns,
        stop=stop,
        event=event,
        start=start,
        covariates=covariates.reshape(len(complete), len(keep)),
        column_names=[names[i] for i in keep],
        term_columns=term_columns,
        used=used,
        excluded=excluded,
        model_spec=spec,
    )
