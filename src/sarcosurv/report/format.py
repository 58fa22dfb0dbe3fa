"""Formatting of estimates, intervals and p-values as clinical papers print them.

One p-value rule (:func:`format_p_value`) serves every table of the package.
Tables render through pandas' own writers: Markdown by a small renderer (pandas'
needs the optional ``tabulate``), LaTeX by ``Styler.to_latex`` and HTML by
``DataFrame.to_html``, so that escaping is pandas' and never hand-written.
"""

from __future__ import annotations

import math

import pandas as pd

__all__ = [
    "CLIPPED_NOTE",
    "clip_time_interval",
    "format_estimate",
    "format_hazard_ratio",
    "format_p_value",
    "to_html",
    "to_latex",
    "to_markdown",
]

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


#: The significance threshold a printed p-value must never be rounded across.
ALPHA = 0.05

#: The note under a table whose time intervals were clipped at 0.
CLIPPED_NOTE = (
    "* Lower limit clipped at 0: the symmetric interval (estimate ± 1.96 SE) "
    "extends below zero, and a time cannot be negative."
)


def _same_side(p_value: float, text: str) -> bool:
    return (float(text) < ALPHA) == (p_value < ALPHA)


def format_p_value(p_value: float, *, floor: float = 0.001) -> str:
    """A p-value as journals print it, by one rule for every table of the package.

    The rule:

    * below ``floor`` (default 0.001) it prints ``<0.001``;
    * from 0.001 to 0.01, three decimals (``0.006``);
    * from 0.01 to 0.1, two significant digits, i.e. three decimals (``0.059``);
    * from 0.1, two decimals (``0.38``); above 0.99, ``>0.99``;
    * a value is **never rounded across 0.05**: when the rounded text falls on
      the other side of 0.05 than the p-value itself (0.0496 would print
      ``0.050``), decimals are added until it does not (``0.0496``).

    Missing values print as an empty string.

    Examples
    --------
    >>> [format_p_value(p) for p in (0.38, 0.0594, 0.0496, 0.006, 0.000986, 3e-7)]
    ['0.38', '0.059', '0.0496', '0.006', '<0.001', '<0.001']
    """
    if _is_missing(p_value):
        return ""
    if p_value < floor:
        return f"<{floor:.{max(0, -math.floor(math.log10(floor)))}f}"
    if p_value > 0.99:
        return ">0.99"
    decimals = 2 if p_value >= 0.1 else 3
    text = f"{p_value:.{decimals}f}"
    while not _same_side(p_value, text) and decimals < 8:
        decimals += 1
        text = f"{p_value:.{decimals}f}"
    return text


def clip_time_interval(lower: float, upper: float) -> tuple[float, float, bool]:
    """A time interval with its lower limit clipped at 0, and whether it was clipped.

    Symmetric (Wald) intervals of a median time can reach below zero; a table
    prints ``0.0`` and a footnote (:data:`CLIPPED_NOTE`) instead.

    Examples
    --------
    >>> clip_time_interval(-6.0, 109.5)
    (0.0, 109.5, True)
    """
    if _is_missing(lower) or lower >= 0:
        return lower, upper, False
    return 0.0, upper, True


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


def to_latex(table: pd.DataFrame, *, index: bool = False, float_format: str = "{:g}") -> str:
    """Render a DataFrame as a booktabs ``tabular`` through pandas' Styler.

    Escaping of LaTeX's special characters is left to ``Styler.format(escape="latex")``
    rather than written here: pandas maintains the list of characters and their
    replacements, so a text cell can never break the document. Interval dashes
    stay as the Unicode en dash, which LaTeX (UTF-8 input, the default since
    2018) typesets as ``--``. Missing values are empty cells. Needs Jinja2
    (extra ``latex``) and ``\\usepackage{booktabs}`` in the document.
    """
    require_jinja2()
    frame = table.reset_index() if index else table
    align = "".join("r" if pd.api.types.is_numeric_dtype(frame[c]) else "l" for c in frame.columns)
    styler = frame.style.hide(axis="index").format(
        lambda v: float_format.format(v) if isinstance(v, float) else str(v),
        escape="latex",
        na_rep="",
    )
    styler = styler.format_index(escape="latex", axis=1)
    return str(styler.to_latex(hrules=True, column_format=align))


def require_jinja2() -> None:
    """Raise an ImportError naming the ``latex`` extra when Jinja2 is missing."""
    try:
        import jinja2  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            "LaTeX tables use pandas' Styler, which needs Jinja2: pip install 'sarcosurv[latex]'"
        ) from exc


def to_html(table: pd.DataFrame, *, index: bool = False, float_format: str = "{:g}") -> str:
    """Render a DataFrame as an HTML ``<table>`` (pandas' writer, text cells escaped)."""
    frame = table.reset_index() if index else table
    return str(
        frame.to_html(
            index=False,
            na_rep="",
            escape=True,
            float_format=lambda v: float_format.format(v),
            classes="sarcosurv-table",
            border=0,
        )
    )
