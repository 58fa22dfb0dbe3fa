"""Allow-list check of the Python code inside a model formula, before formulaic runs it.

formulaic evaluates every Python term of a formula (``np.log(x)``, ``I(...)``,
``C(...)``) with Python's evaluator, builtins included, so a formula such as
``I(__import__('os').system('...'))`` would run a shell command while the
design matrix is built. :func:`check_python_term` parses the term with
:mod:`ast` and accepts only a small language: data columns, numeric (and, as
arguments of the categorical helpers, text) literals, arithmetic and
comparisons, and calls of the documented transforms. Everything else —
attribute access other than ``np.<function>`` and ``contr.<coding>``, names
with double underscores, calls of anything else, lambdas, subscripts,
comprehensions, starred arguments — raises :class:`~sarcosurv.errors.FormulaError`
naming the offending piece.

The check narrows what a formula can do; it is not a sandbox. Formulas must
still never come from untrusted users.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from ..errors import FormulaError

__all__ = [
    "CATEGORICAL_FUNCTIONS",
    "NUMPY_FUNCTIONS",
    "TRANSFORMS",
    "TermNames",
    "check_python_term",
    "parse_python_term",
]

#: ``np.<name>`` functions a term may call.
NUMPY_FUNCTIONS = frozenset(
    {"log", "log1p", "log2", "log10", "exp", "expm1", "sqrt", "abs", "square"}
)
#: formulaic's transforms a term may call (``C`` and ``Q`` are checked separately).
TRANSFORMS = frozenset({"I", "bs", "cr", "cs", "cc", "center", "scale", "standardize", "poly"})
#: Contrast codings allowed as the second argument of ``C``.
CATEGORICAL_FUNCTIONS = frozenset({"Treatment", "Sum", "Helmert", "Diff", "Poly"})
_CONTR_ATTRIBUTES = frozenset({"treatment", "sum", "helmert", "diff", "poly"})

#: R formula functions that sarcosurv does not implement, with what to use instead.
R_UNSUPPORTED = {
    "tt": "time-transform terms are not supported; split the follow-up into "
    "Surv(start, stop, event) rows with the time-varying value in a column",
    "pspline": "penalised splines are not supported; use bs(x, df=...) or cr(x, df=...)",
    "ns": "R's natural splines are not available; use cr(x, df=...) (natural cubic "
    "regression spline) or bs(x, df=...)",
    "ridge": "ridge-penalised terms are not supported; fit the unpenalised terms",
    "offset": "offset() terms are not supported; subtract the known part of the linear "
    "predictor from the model instead",
    "frailty.gamma": "use frailty(x) (shared gamma frailty) or the frailty= argument",
    "frailty.gaussian": "only the shared gamma frailty is available: frailty(x)",
    "Surv": "Surv() belongs on the left of '~' only",
    "log": "write np.log(x)",
    "exp": "write np.exp(x)",
    "sqrt": "write np.sqrt(x)",
    "factor": "text columns are categorical already; write C(x) for a numeric column",
    "as.factor": "text columns are categorical already; write C(x) for a numeric column",
    "relevel": "write C(x, contr.treatment('reference level'))",
}

_ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.FloorDiv, ast.Mod)
_COMPARISON = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE)
_BACKTICK = re.compile(r"`([^`]*)`")
_PLACEHOLDER = "_sarcosurv_backtick_{}_"


@dataclass
class TermNames:
    """What a checked term refers to: data columns and the outer call's name."""

    columns: list[str] = field(default_factory=list)
    call: str | None = None


def _hide_backticks(code: str) -> tuple[str, dict[str, str]]:
    """Replace each ```name``` by a Python identifier; return the code and the map back."""
    names: dict[str, str] = {}

    def swap(match: re.Match[str]) -> str:
        key = _PLACEHOLDER.format(len(names))
        names[key] = match[1]
        return key

    return _BACKTICK.sub(swap, code), names


def parse_python_term(code: str) -> tuple[ast.expr, dict[str, str]]:
    """Parse one Python term of a formula (backticked names allowed) into an expression."""
    hidden, names = _hide_backticks(code)
    try:
        tree = ast.parse(hidden.strip(), mode="eval")
    except SyntaxError as exc:
        raise FormulaError(f"cannot read the formula term {code!r}: {exc.msg}") from exc
    return tree.body, names


def function_name(node: ast.expr) -> str | None:
    """``f`` for ``f(...)`` and ``a.b`` for ``a.b(...)``; None for other callees."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"{node.value.id}.{node.attr}"
    return None


class _Checker:
    """Walks one term; raises FormulaError at the first construct outside the allow-list."""

    def __init__(self, code: str, backticks: dict[str, str]) -> None:
        self.code = code
        self.backticks = backticks
        self.names = TermNames()

    def fail(self, node: ast.AST, what: str) -> FormulaError:
        piece = ast.unparse(node)
        for key, name in self.backticks.items():
            piece = piece.replace(key, f"`{name}`")
        return FormulaError(
            f"formula term {self.code!r}: {what} ({piece!r}) is not allowed; formulas may "
            "use column names, numbers, arithmetic and comparisons, C(), I(), Q(), "
            "np.log/np.log1p/np.exp/np.sqrt, bs(), cr(), poly(), center(), scale() "
            "and standardize()"
        )

    def column(self, node: ast.Name) -> None:
        name = self.backticks.get(node.id, node.id)
        if node.id not in self.backticks and ("__" in name or name in ("np", "contr")):
            raise self.fail(node, f"the name {name!r}")
        self.names.columns.append(name)

    def value(self, node: ast.expr) -> None:
        """An arithmetic expression of columns, numbers and allowed calls."""
        if isinstance(node, ast.Name):
            self.column(node)
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int | float):
                raise self.fail(node, "a literal other than a number")
        elif isinstance(node, ast.BinOp) and isinstance(node.op, _ARITHMETIC):
            self.value(node.left)
            self.value(node.right)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd | ast.USub):
            self.value(node.operand)
        elif isinstance(node, ast.Compare) and all(isinstance(o, _COMPARISON) for o in node.ops):
            for part in [node.left, *node.comparators]:
                self.value(part)
        elif isinstance(node, ast.Call):
            self.call(node)
        else:
            raise self.fail(node, f"the construct {type(node).__name__}")

    def literal(self, node: ast.expr) -> None:
        """A number, a text or a list/tuple of them (levels, knots)."""
        if isinstance(node, ast.List | ast.Tuple):
            for item in node.elts:
                self.literal(item)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            self.literal(node.operand)
        elif not (isinstance(node, ast.Constant) and isinstance(node.value, int | float | str)):
            raise self.fail(node, "an argument that is not a literal")

    def call(self, node: ast.Call) -> None:
        name = function_name(node.func)
        if name is None:
            raise self.fail(node.func, "a call of something other than a named function")
        if "__" in name:
            raise self.fail(node.func, "a name with double underscores")
        if any(isinstance(a, ast.Starred) for a in node.args) or any(
            k.arg is None for k in node.keywords
        ):
            raise self.fail(node, "unpacking (* or **) in a call")
        if name in R_UNSUPPORTED:
            raise FormulaError(f"formula term {self.code!r}: {name}(): {R_UNSUPPORTED[name]}")
        if name.startswith("np.") and name[3:] in NUMPY_FUNCTIONS:
            if node.keywords or len(node.args) != 1:
                raise self.fail(node, f"{name}() with other than one argument")
            self.value(node.args[0])
        elif name in TRANSFORMS:
            self.transform(node, name)
        elif name == "C":
            self.categorical(node)
        elif name == "Q":
            self.quoted(node)
        else:
            raise self.fail(node.func, f"a call of {name!r}")

    def transform(self, node: ast.Call, name: str) -> None:
        if not node.args:
            raise self.fail(node, f"{name}() without an argument")
        if name == "I" and (len(node.args) != 1 or node.keywords):
            raise self.fail(node, "I() with other than one argument")
        self.value(node.args[0])
        for extra in node.args[1:]:
            self.literal(extra)
        for keyword in node.keywords:
            self.literal(keyword.value)

    def categorical(self, node: ast.Call) -> None:
        """``C(x[, contr.treatment('ref') | Treatment('ref')][, levels=[...]])``."""
        if not 1 <= len(node.args) <= 2:
            raise self.fail(node, "C() with other than one or two arguments")
        self.value(node.args[0])
        contrasts = [*node.args[1:], *(k.value for k in node.keywords if k.arg == "contr")]
        for keyword in node.keywords:
            if keyword.arg == "levels":
                self.literal(keyword.value)
            elif keyword.arg != "contr":
                raise self.fail(keyword.value, f"the C() argument {keyword.arg!r}")
        for contrast in contrasts:
            self.contrast(contrast)

    def contrast(self, node: ast.expr) -> None:
        target = node.func if isinstance(node, ast.Call) else node
        name = function_name(target)
        allowed = name in CATEGORICAL_FUNCTIONS or (
            name is not None
            and name.startswith("contr.")
            and name.split(".", 1)[1] in _CONTR_ATTRIBUTES
        )
        if not allowed:
            raise self.fail(node, "a contrast other than contr.treatment(...) or Treatment(...)")
        if isinstance(node, ast.Call):
            for argument in [*node.args, *(k.value for k in node.keywords)]:
                self.literal(argument)

    def quoted(self, node: ast.Call) -> None:
        argument = node.args[0] if len(node.args) == 1 and not node.keywords else None
        if not (isinstance(argument, ast.Constant) and isinstance(argument.value, str)):
            raise self.fail(node, "Q() with other than one quoted column name")
        self.names.columns.append(argument.value)


def check_python_term(code: str) -> TermNames:
    """Check one Python term of a formula against the allow-list.

    Parameters
    ----------
    code : str
        The term as written, e.g. ``"np.log(size_cm)"`` or
        ``"C(histology, contr.treatment('LMS'))"``; backticked names allowed.

    Returns
    -------
    TermNames
        The data columns the term reads and the name of its outer call.

    Raises
    ------
    FormulaError
        Naming the first construct outside the allow-list.

    Examples
    --------
    >>> check_python_term("np.log(`size cm`) + 1").columns
    ['size cm']
    >>> check_python_term("I(__import__('os'))")
    Traceback (most recent call last):
    ...
    sarcosurv.errors.FormulaError: formula term "I(__import__('os'))": a name with ...
    """
    node, backticks = parse_python_term(code)
    checker = _Checker(code, backticks)
    for part in ast.walk(node):
        name = part.id if isinstance(part, ast.Name) else getattr(part, "attr", None)
        if isinstance(name, str) and "__" in name and name not in backticks:
            raise checker.fail(part, f"the name {name!r} with double underscores")
    checker.value(node)
    if isinstance(node, ast.Call):
        checker.names.call = function_name(node.func)
    return checker.names
