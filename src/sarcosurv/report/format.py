"""Formatting of estimates, intervals and p-values as clinical papers print them."""

from __future__ import annotations

import math

import pandas as pd

__all__ = ["format_estimate", "format_hazard_ratio", "format_p_value", "to_latex", "to_markdown"]

#: The dash between interval limits, as journals typeset ranges.
EN_DASH = "\u2013"


def _is_missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_estimate(
    estimate: float | None,
    lower: float | None = None,
    upper: float | None = None,
    *,
    percent: bool = False,
    digits: int = 1,
    missing: str = "NR",
) -> str:
    """An estimate with its confidence interval, e.g. ``21.6% (15.1–28.8)``.

    Parameters
    ----------
    estimate, lower, upper : float or None
        The point estimate and its limits; proportions when ``percent`` is true.
        A missing limit prints as ``missing`` (a median CI that is not reached
        prints ``NR``, "not reached", as clinical tables do).
    percent : bool
        Multiply by 100 and put a ``%`` after the estimate.
    digits : int
        Decimal places.

    Examples
    --------
    >>> format_estimate(0.216, 0.151, 0.288, percent=True)
    '21.6% (15.1–28.8)'
    >>> format_estimate(8.3, 7.1, None)
    '8.3 (7.1–NR)'
    """

    def one(value: float | None) -> str:
        if _is_missing(value):
            return missing
        assert value is not None
        return f"{value * 100 if percent else value:.{digits}f}"

    head = one(estimate) + ("%" if percent and not _is_missing(estimate) else "")
    if lower is None and upper is None:
        return head
    return f"{head} ({one(lower)}{EN_DASH}{one(upper)})"


def format_hazard_ratio(hazard_ratio: float, lower: float, upper: float, digits: int = 2) -> str:
    """A hazard ratio with its confidence interval, e.g. ``1.10 (0.93–1.31)``."""
    return format_estimate(hazard_ratio, lower, upper, digits=digits)


def format_p_value(p_value: float, *, significant: int = 2, floor: float = 1e-4) -> str:
    """A p-value the way the paper prints them: two significant digits, ``<0.0001`` below the floor.

    Examples
    --------
    >>> [format_p_value(p) for p in (0.38, 0.0594, 0.006, 0.00021, 3e-7)]
    ['0.38', '0.059', '0.006', '0.0002', '<0.0001']
    """
    if _is_missing(p_value):
        return ""
    if p_value < floor:
        return f"<{floor:.{-math.floor(math.log10(floor))}f}"
    if p_value >= 0.995:
        return "1.00"
    magnitude = -math.floor(math.log10(p_value))
    # Below 0.01 a second significant digit is spurious precision for a p-value.
    decimals = magnitude if p_value < 0.01 else magnitude + significant - 1
    return f"{p_value:.{decimals}f}"


def to_markdown(table: pd.DataFrame, *, index: bool = False, float_format: str = "{:g}") -> str:
    """Render a DataFrame as a GitHub-flavoured Markdown table (no extra dependency).

    pandas' own ``to_markdown`` needs the optional ``tabulate`` package; this
    small renderer covers what reports need: text cells, numbers through
    ``float_format`` and empty cells for missing values.
    """
    frame = table.reset_index() if index else table

    def cell(value: object) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return ""
        if isinstance(value, float):
            return float_format.format(value)
        return str(value).replace("|", "\\|").replace("\n", " ")

    header = [str(c) for c in frame.columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(cell(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


#: LaTeX's special characters and their escaped forms (backslash first).
_LATEX_ESCAPES = (
    ("\\", r"\textbackslash{}"),
    ("&", r"\&"),
    ("%", r"\%"),
    ("$", r"\$"),
    ("#", r"\#"),
    ("_", r"\_"),
    ("{", r"\{"),
    ("}", r"\}"),
    ("~", r"\textasciitilde{}"),
    ("^", r"\textasciicircum{}"),
    (EN_DASH, "--"),
)


def _latex_text(text: str) -> str:
    out = []
    for char in text:
        for raw, escaped in _LATEX_ESCAPES:
            if char == raw:
                out.append(escaped)
                break
        else:
            out.append(char)
    return "".join(out)


def to_latex(table: pd.DataFrame, *, index: bool = False, float_format: str = "{:g}") -> str:
    """Render a DataFrame as a booktabs ``tabular`` (no extra dependency).

    pandas' ``DataFrame.to_latex`` needs the optional Jinja2 package; this
    renderer escapes LaTeX's special characters, typesets the en dash of
    intervals as ``--`` and leaves missing values empty. Needs
    ``\\usepackage{booktabs}`` in the document.
    """
    frame = table.reset_index() if index else table

    def cell(value: object) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return ""
        if isinstance(value, float):
            return _latex_text(float_format.format(value))
        return _latex_text(str(value).replace("\n", " "))

    align = "".join("r" if pd.api.types.is_numeric_dtype(frame[c]) else "l" for c in frame.columns)
    lines = [
        f"\\begin{{tabular}}{{{align}}}",
        "\\toprule",
        " & ".join(_latex_text(str(c)) for c in frame.columns) + " \\\\",
        "\\midrule",
    ]
    lines += [" & ".join(cell(v) for v in row) + " \\\\" for row in frame.itertuples(index=False)]
    lines += ["\\bottomrule", "\\end{tabular}"]
    return "\n".join(lines) + "\n"
