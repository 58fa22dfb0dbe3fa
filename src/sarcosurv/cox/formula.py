"""Formula front end: ``Surv(...) ~ rhs`` into arrays, with complete-case bookkeeping.

The formula is split by formulaic's tokenizer and every Python term is checked
against an allow-list (:mod:`sarcosurv.cox._formula_safety`) before formulaic
evaluates anything. R habits are understood: ``Surv(time, status == 2)``,
``strata(x)``, ``cluster(id)`` and ``frailty(centre)`` terms, back-quoted
names such as ```ph.ecog```, and text columns used without ``C()`` (a
categorical with the first sorted level as reference, as R's factors).

The right-hand side goes through formulaic with an intercept, which is then
dropped, so that categorical terms get R's treatment coding
(``C(x, contr.treatment('Ref'))`` chooses the reference level).
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass, field
from keyword import iskeyword
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from formulaic import Formula, model_matrix
from formulaic.parser.algos.tokenize import tokenize
from formulaic.parser.types import Token

from .. import _validate as v
from ..errors import FormulaError, InvalidDataError
from ..surv import Surv
from ._formula_safety import check_python_term, function_name, parse_python_term

__all__ = [
    "Design",
    "FormulaResponse",
    "ParsedFormula",
    "Specials",
    "build_design",
    "build_response",
    "categorical_columns",
    "merge_specials",
    "parse_formula",
    "parse_surv",
]

_INTERCEPTS = [[(Token.Kind.VALUE, "0")], [(Token.Kind.VALUE, "1")]]
#: R terms read as keyword arguments of coxph.
_SPECIALS = ("strata", "cluster", "frailty")
_FORBIDDEN_OPERATORS = {
    "|": "'|' (random effects or multi-part formulas) is not supported; use frailty(x) "
    "for a shared frailty",
    ".": "'.' (all other columns) is not supported; list the terms",
    "in": "'%in%' (nesting) is not supported; write the interaction a:b",
    "~": "a formula has one '~' (Surv(...) ~ terms)",
}
_EVENT = "__event__"  # the checked event indicator, handed to Surv
_SHAPE = "formula {!r} must read 'Surv(time, event) ~ terms' or 'Surv(start, stop, event) ~ terms'"


@dataclass(frozen=True)
class Specials:
    """Grouping columns named by R terms (``strata(x)``, ``cluster(id)``, ``frailty(c)``)."""

    strata: list[str] = field(default_factory=list)
    cluster: list[str] = field(default_factory=list)
    frailty: list[str] = field(default_factory=list)
    theta: float | None = None


@dataclass(frozen=True)
class ParsedFormula:
    """A checked formula: response columns, the right-hand side for formulaic, R terms.

    ``rhs`` is rebuilt from checked tokens only (names back-quoted, Python terms
    in braces) with the ``strata()``/``cluster()``/``frailty()`` terms taken out.
    ``event_code`` is ``k`` for ``Surv(time, status == k)``.
    """

    surv_columns: list[str]
    event_code: float | str | None
    rhs: str
    columns: list[str]
    plain_names: list[str] | None
    specials: Specials


def _tokens(formula: str) -> list[Token]:
    if not isinstance(formula, str):
        raise FormulaError(f"the formula must be a string, not {type(formula).__name__}")
    try:
        return list(tokenize(formula))
    except Exception as exc:  # formulaic raises several parser error types
        raise FormulaError(f"cannot read the formula {formula!r}: {exc}") from exc


def _surv_call(token: Token, formula: str) -> tuple[list[str], float | str | None]:
    """Columns of ``Surv(a, b[, c])`` and the event code of ``Surv(t, status == k)``."""
    node, backticks = parse_python_term(str(token.token))
    if not (
        token.kind is Token.Kind.PYTHON
        and isinstance(node, ast.Call)
        and function_name(node.func) == "Surv"
    ):
        raise FormulaError(_SHAPE.format(formula))
    if node.keywords or len(node.args) not in (2, 3):
        raise FormulaError(f"Surv() takes 2 or 3 column names, got {token.token!r}")
    names, code = [], None
    for k, arg in enumerate(node.args):
        if k == len(node.args) - 1 and isinstance(arg, ast.Compare):
            if not (len(arg.ops) == 1 and isinstance(arg.ops[0], ast.Eq)):
                raise FormulaError(f"the event of {token.token!r} must read 'status == code'")
            code = _literal_code(arg.comparators[0], str(token.token))
            arg = arg.left
        if not isinstance(arg, ast.Name) or "__" in backticks.get(arg.id, "x" + arg.id):
            raise FormulaError(
                f"Surv() takes column names (and 'status == code' for the event), got "
                f"{ast.unparse(arg)!r} in {token.token!r}"
            )
        names.append(backticks.get(arg.id, arg.id))
    return names, code


def _literal_code(node: ast.expr, where: str) -> float | str:
    value = (
        node.operand.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant)
        else getattr(node, "value", None)
    )
    if isinstance(node, ast.UnaryOp) and isinstance(value, int | float):
        value = -value
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise FormulaError(f"the event code in {where!r} must be a number or a quoted text")
    return value


def _special(token: Token) -> tuple[str, list[str], float | None] | None:
    """``(kind, columns, theta)`` when the token is strata(...)/cluster(...)/frailty(...)."""
    if token.kind is not Token.Kind.PYTHON:
        return None
    node, backticks = parse_python_term(str(token.token))
    if not isinstance(node, ast.Call) or function_name(node.func) not in _SPECIALS:
        return None
    kind = str(function_name(node.func))
    columns = []
    for arg in node.args:
        if not isinstance(arg, ast.Name):
            raise FormulaError(f"{token.token!r}: {kind}() takes column names")
        columns.append(backticks.get(arg.id, arg.id))
    theta = None
    for keyword in node.keywords:
        if kind == "frailty" and keyword.arg == "theta":
            theta = float(_literal_code(keyword.value, str(token.token)))
        elif not (kind == "frailty" and keyword.arg == "distribution"):
            raise FormulaError(f"{token.token!r}: the argument {keyword.arg!r} is not supported")
    if not columns or (kind != "strata" and len(columns) != 1):
        need = "columns" if kind == "strata" else "one column"
        raise FormulaError(f"{token.token!r}: {kind}() needs {need}")
    return kind, columns, theta


def _segments(tokens: list[Token]) -> list[tuple[str, list[Token]]]:
    """Top-level terms of the right-hand side with the operator before each."""
    segments: list[tuple[str, list[Token]]] = [("+", [])]
    depth = 0
    for token in tokens:
        text = str(token.token)
        if token.kind is Token.Kind.CONTEXT:
            depth += 1 if text == "(" else -1
        if depth == 0 and token.kind is Token.Kind.OPERATOR and text in ("+", "-"):
            segments.append((text, []))
        else:
            segments[-1][1].append(token)
    return segments


def _render(token: Token) -> str:
    text = str(token.token)
    if token.kind is Token.Kind.NAME:
        return text if text.isidentifier() and not iskeyword(text) else f"`{text}`"
    if token.kind is Token.Kind.PYTHON:
        return "{" + text + "}"
    return text


def _check_token(token: Token, columns: list[str]) -> None:
    text = str(token.token)
    if token.kind is Token.Kind.OPERATOR and text in _FORBIDDEN_OPERATORS:
        raise FormulaError(f"formula operator {text!r}: {_FORBIDDEN_OPERATORS[text]}")
    if token.kind is Token.Kind.NAME:
        if "__" in text:
            raise FormulaError(f"formula term {text!r}: a name with double underscores")
        columns.append(text)
    elif token.kind is Token.Kind.VALUE and not _is_number(text):
        raise FormulaError(f"formula term {text!r}: only numbers may stand as literals")
    elif token.kind is Token.Kind.PYTHON:
        if _special(token) is not None:
            raise FormulaError(
                f"formula term {text!r} must be a term of its own, added with '+' "
                f"(e.g. '~ age + {text}')"
            )
        columns.extend(check_python_term(text).columns)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def parse_formula(formula: str) -> ParsedFormula:
    """Check and split ``"Surv(...) ~ terms"`` with formulaic's tokenizer and :mod:`ast`.

    Every Python term is checked against the allow-list of
    :mod:`sarcosurv.cox._formula_safety` before formulaic evaluates anything;
    R's ``strata()``, ``cluster()`` and ``frailty()`` terms are taken out as
    :class:`Specials`.

    Examples
    --------
    >>> p = parse_formula("Surv(time, status == 2) ~ age + `ph.ecog` + strata(inst)")
    >>> p.surv_columns, p.event_code, p.rhs, p.specials.strata
    (['time', 'status'], 2, 'age + `ph.ecog`', ['inst'])
    """
    tokens = _tokens(formula)
    tildes = [i for i, t in enumerate(tokens) if t.kind is Token.Kind.OPERATOR and t.token == "~"]
    if not tildes or tildes[0] != 1:
        raise FormulaError(_SHAPE.format(formula))
    surv_columns, event_code = _surv_call(tokens[0], formula)
    kept: list[list[Token]] = []
    operators: list[str] = []
    found: dict[str, list[str]] = {kind: [] for kind in _SPECIALS}
    theta = None
    columns: list[str] = []
    for operator, segment in _segments(tokens[2:]):
        if [(t.kind, t.token) for t in segment] in _INTERCEPTS:
            continue  # '+ 1', '- 1', '+ 0': the baseline hazard absorbs any intercept (as R)
        special = _special(segment[0]) if len(segment) == 1 else None
        if special is not None and operator == "+":
            found[special[0]].extend(special[1])
            theta = special[2] if special[2] is not None else theta
            continue
        for token in segment:
            _check_token(token, columns)
        kept.append(segment)
        operators.append(operator)
    rhs = " ".join(
        (f"{op} " if i or op != "+" else "") + " ".join(_render(t) for t in segment)
        for i, (op, segment) in enumerate(zip(operators, kept, strict=True))
    ).strip()
    plain = [str(s[0].token) for s in kept if len(s) == 1 and s[0].kind is Token.Kind.NAME]
    all_plus = all(op == "+" for op in operators) and len(plain) == len(kept)
    specials = Specials(found["strata"], found["cluster"], found["frailty"], theta)
    return ParsedFormula(
        surv_columns=surv_columns,
        event_code=event_code,
        rhs=rhs or "1",
        columns=list(dict.fromkeys(columns)),
        plain_names=plain if all_plus and plain else None,
        specials=specials,
    )


def categorical_columns(formula: str) -> set[str]:
    """Columns the formula's terms use as categories: the first argument of ``C(...)``.

    A numeric column written ``C(stage)`` enters the model as dummies, so code
    that imputes it must keep its observed levels.

    Examples
    --------
    >>> sorted(categorical_columns("Surv(t, e) ~ age + C(stage) + x:C(`ph ecog`, Sum)"))
    ['ph ecog', 'stage']
    """
    found: set[str] = set()
    for term in Formula(parse_formula(formula).rhs):
        for factor in term.factors:
            if factor.eval_method.name != "PYTHON":
                continue
            node, backticks = parse_python_term(str(factor.expr))
            for call in ast.walk(node):
                if (
                    isinstance(call, ast.Call)
                    and function_name(call.func) == "C"
                    and call.args
                    and isinstance(call.args[0], ast.Name)
                ):
                    found.add(backticks.get(call.args[0].id, call.args[0].id))
    return found


def parse_surv(formula: str) -> tuple[list[str], str]:
    """Split ``"Surv(a, b[, c]) ~ rhs"`` into the Surv column names and the checked rhs."""
    parsed = parse_formula(formula)
    return parsed.surv_columns, parsed.rhs


def merge_specials(
    formula: str,
    *,
    strata: str | Sequence[str] | None,
    cluster: str | Sequence[str] | None,
    frailty: str | Sequence[str] | None,
    theta: float | None = None,
    supports_theta: bool = False,
) -> Specials:
    """The grouping keywords of coxph merged with the formula's R terms.

    A term and a keyword that name different columns raise :class:`FormulaError`;
    naming the same column twice is fine. ``frailty(x, theta=...)`` needs a
    coxph with a fixed-theta option (``supports_theta``).
    """
    found = parse_formula(formula).specials
    merged = {}
    for kind, keyword, term in (
        ("strata", strata, found.strata),
        ("cluster", cluster, found.cluster),
        ("frailty", frailty, found.frailty),
    ):
        given = [] if keyword is None else [keyword] if isinstance(keyword, str) else list(keyword)
        if given and term and list(given) != list(term):
            raise FormulaError(
                f"{kind}= names {given} but the formula's {kind}() term names {term}: give "
                "one of them"
            )
        merged[kind] = list(given or term)
        if kind != "strata" and len(merged[kind]) > 1:
            raise FormulaError(
                f"{kind} takes one column, got {merged[kind]}: combine the columns into one "
                f"(e.g. data['{kind}_id'] = data[cols].astype(str).agg('/'.join, axis=1))"
            )
    if found.theta is not None and theta is not None and found.theta != theta:
        raise FormulaError(
            f"theta={theta} but the formula's frailty() term says theta={found.theta}"
        )
    fixed = theta if theta is not None else found.theta
    if fixed is not None and not supports_theta:
        raise FormulaError(
            "frailty(x, theta=...): a fixed theta needs coxph(..., theta=) support, which this "
            "version lacks; leave theta out to estimate it"
        )
    return Specials(merged["strata"], merged["cluster"], merged["frailty"], fixed)


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
    event_code: float | str | None = None  # Surv(time, status == code)
    column_kinds: dict[str, str] = field(default_factory=dict)  # data column -> numeric/categorical


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


def _plain_numeric_terms(plain: list[str] | None, data: pd.DataFrame) -> list[str] | None:
    """The column names when the rhs is a plain sum of numeric columns, else None."""
    if plain is None or len(set(plain)) != len(plain):
        return None
    for name in plain:
        dtype = data[name].dtype
        if not isinstance(dtype, np.dtype) or dtype.kind not in "iuf":
            return None
    return plain


def _design_matrix(
    rhs: str, complete: pd.DataFrame, plain_names: list[str] | None
) -> tuple[npt.NDArray[np.float64], list[str], object]:
    """Covariates (no intercept), formulaic's column names (with ``Intercept``) and spec.

    A plain sum of numeric columns (``x1 + x2 + ...``) skips formulaic's
    materialisation of all rows, which is slow for millions of rows: formulaic
    builds the spec and the names on the first rows and the columns are copied
    straight from the data into one array.
    """
    plain = _plain_numeric_terms(plain_names, complete)
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


def resolve_columns(data: pd.DataFrame, names: list[str], role: str) -> list[Any]:
    """Column labels of ``data`` named in a formula (a back-quoted 0 names an integer column 0).

    Raises :class:`ColumnNotFoundError` for a name not in the data and
    :class:`FormulaError` for a label that the data hold more than once.
    """
    by_text = {str(c): c for c in data.columns}
    labels = []
    for name in names:
        label = name if name in data.columns else by_text.get(name, name)
        v.require_columns(data, **{role: [label]})
        count = int((data.columns == label).sum())
        if count > 1:
            raise FormulaError(
                f"column {name!r} appears {count} times in the data: rename the duplicates"
            )
        labels.append(label)
    return labels


def formulaic_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with text column labels, as formulaic looks columns up by name."""
    if all(isinstance(c, str) for c in frame.columns):
        return frame
    return frame.rename(columns=str)


def event_of_cause(data: pd.DataFrame, column: Any, code: float | str) -> npt.NDArray[np.bool_]:
    """Events of ``Surv(time, status == code)``: rows with that code; other codes are censored."""
    series = data[column]
    missing = series.isna().to_numpy()
    if missing.any():
        raise v.invalid(data, str(column), missing, "missing event indicator")
    if isinstance(code, str):
        return np.asarray(series.astype(str).to_numpy() == code, dtype=np.bool_)
    numbers = pd.to_numeric(series, errors="coerce")
    bad = numbers.isna().to_numpy()
    if bad.any():
        problem = f"event code is not a number (Surv(..., == {code}))"
        raise v.invalid(data, str(column), bad, problem)
    return np.asarray(numbers.to_numpy(dtype=np.float64) == float(code), dtype=np.bool_)


def _event_indicator(data: pd.DataFrame, column: Any) -> npt.NDArray[np.bool_]:
    """0/1 events; R's 1/2 coding (2 = event) gets a hint to write ``status == 2``."""
    try:
        return v.as_event(data, column)
    except InvalidDataError as exc:
        codes = set(pd.unique(data[column].dropna()).tolist())
        if codes <= {1, 2}:
            raise InvalidDataError(
                exc.column,
                exc.rows,
                f"{exc.problem} (coded 1/2 as R's lung data? write Surv(time, {column} == 2))",
            ) from exc
        raise


def _column_kinds(data: pd.DataFrame, labels: list[Any]) -> dict[str, str]:
    kinds = {}
    for label in labels:
        dtype = data[label].dtype
        numeric = pd.api.types.is_numeric_dtype(dtype)  # booleans enter as 0/1
        kinds[str(label)] = "numeric" if numeric else "categorical"
    return kinds


def _response_times(
    complete: pd.DataFrame,
    surv_columns: list[Any],
    event: npt.NDArray[np.bool_],
    timefix: bool,
    time_unit: str | None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64] | None]:
    """Exit and entry times through :class:`~sarcosurv.surv.Surv` (checks, units, timefix).

    With ``timefix`` times equal up to rounding are merged by
    :func:`~sarcosurv.surv.aeq_times` on the complete cases, as R ``coxph``
    applies ``aeqSurv`` after its ``na.action``.
    """
    stop_column = surv_columns[-2]
    entry_column = surv_columns[0] if len(surv_columns) == 3 else None
    keep = [c for c in dict.fromkeys([stop_column, entry_column]) if c is not None]
    if v.PATIENT_ID_COLUMN in complete.columns and v.PATIENT_ID_COLUMN not in keep:
        keep.append(v.PATIENT_ID_COLUMN)
    # Names with double underscores never stand in a formula, so _EVENT is free.
    frame = complete[keep].rename(columns=str).assign(**{_EVENT: event})
    response = Surv.from_frame(
        frame,
        str(stop_column),
        _EVENT,
        None if entry_column is None else str(entry_column),
        timefix=timefix,
        time_unit=time_unit,
    )
    response.require_single_event("the Cox model")
    return response.time, response.entry


@dataclass(frozen=True)
class FormulaResponse:
    """The survival response of a formula on the rows where it is known."""

    known: npt.NDArray[np.bool_]  # over the input rows: every Surv() column present
    stop: npt.NDArray[np.float64]  # on the known rows
    event: npt.NDArray[np.bool_]
    start: npt.NDArray[np.float64] | None
    parsed: ParsedFormula


def build_response(formula: str, data: pd.DataFrame, *, timefix: bool = True) -> FormulaResponse:
    """The formula's ``Surv(...)`` on the rows where its columns are known, whatever the terms.

    The same checks, event coding (``status == k``) and ``timefix`` as
    :func:`build_design`, without the covariates: for code that needs the
    outcome of rows whose covariates are still missing (multiple imputation).
    """
    parsed = parse_formula(formula)
    surv_columns = resolve_columns(data, parsed.surv_columns, "survival")
    known = data[surv_columns].notna().all(axis=1).to_numpy()
    complete = data.loc[known]
    v.require_nonempty(complete, "the rows with a known survival outcome")
    event, stop, start = _response(complete, parsed, surv_columns, timefix, None)
    return FormulaResponse(known, stop, event, start, parsed)


def _response(
    complete: pd.DataFrame,
    parsed: ParsedFormula,
    surv_columns: list[Any],
    timefix: bool,
    time_unit: str | None,
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.float64], npt.NDArray[np.float64] | None]:
    """Event indicator (``status == k`` when coded), exit and entry times of the rows."""
    if parsed.event_code is None:
        event = _event_indicator(complete, surv_columns[-1])
    else:
        event = event_of_cause(complete, surv_columns[-1], parsed.event_code)
    stop, start = _response_times(complete, surv_columns, event, timefix, time_unit)
    return event, stop, start


def build_design(
    formula: str,
    data: pd.DataFrame,
    extra_columns: list[str],
    *,
    timefix: bool = True,
    time_unit: str | None = None,
) -> Design:
    """Parse the formula, exclude incomplete rows and build the design matrix.

    ``extra_columns`` (strata, cluster, weights, frailty) count towards
    complete cases as well. The formula's ``strata()``, ``cluster()`` and
    ``frailty()`` terms are not part of the design (see :func:`merge_specials`).
    The response is built by :class:`~sarcosurv.surv.Surv`: times equal up to
    rounding are merged unless ``timefix`` is false (R's ``aeqSurv``), and
    duration columns need ``time_unit``.
    """
    parsed = parse_formula(formula)
    surv_columns = resolve_columns(data, parsed.surv_columns, "survival")
    known = resolve_columns(data, parsed.columns, "covariate")
    v.require_columns(data, model=extra_columns)
    resolve_columns(data, [str(c) for c in extra_columns], "model")
    try:
        Formula(parsed.rhs)
    except Exception as exc:  # formulaic raises several parser error types
        raise FormulaError(f"cannot parse the right-hand side {parsed.rhs!r}: {exc}") from exc
    used, excluded = _exclusions(data, [*surv_columns, *known, *extra_columns])
    complete = complete_rows(data, used, [*surv_columns, *known])
    v.require_nonempty(complete, "the complete cases of the model variables")
    event, stop, start = _response(complete, parsed, surv_columns, timefix, time_unit)
    covariates, names, spec = _design_matrix(
        parsed.rhs, formulaic_frame(complete), parsed.plain_names
    )
    keep = [i for i, name in enumerate(names) if name != "Intercept"]
    _require_finite(complete, covariates, [names[i] for i in keep])
    term_columns: dict[str, list[int]] = {}
    for term, indices in spec.term_indices.items():  # type: ignore[attr-defined]
        label = str(term)
        if label == "1":
            continue
        term_columns[label] = [names.index(names[i]) - 1 for i in indices]
    return Design(
        surv_columns=[str(c) for c in surv_columns],
        stop=stop,
        event=event,
        start=start,
        covariates=covariates.reshape(len(complete), len(keep)),
        column_names=[names[i] for i in keep],
        term_columns=term_columns,
        used=used,
        excluded=excluded,
        model_spec=spec,
        event_code=parsed.event_code,
        column_kinds=_column_kinds(complete, known),
    )
