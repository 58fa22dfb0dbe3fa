"""Generic tables, figures and formatting for survival analyses of a registry cohort.

A study's own tables and figures live in its package under
:mod:`sarcosurv.studies`.

Importing this package imports neither matplotlib nor python-docx: the plotting
functions in :mod:`sarcosurv.report.plots` (extra ``plot``) and :func:`to_docx`
(extra ``docx``) import them when they are called.

:func:`table1` (any cohort's characteristics) and :func:`hr_table` (a model's
hazard ratios with reference rows) return results that render as Markdown,
LaTeX, HTML and Word. The old module path ``sarcosurv.report.table1.table1``
still works, with a ``DeprecationWarning``, until sarcosurv 0.3.
"""

from __future__ import annotations

from . import table1 as _table1_module  # the deprecated module path, loaded first
from .characteristics import Characteristic, Table1
from .characteristics import table1 as _table1_function
from .format import (
    format_estimate,
    format_hazard_ratio,
    format_p_value,
    to_html,
    to_latex,
    to_markdown,
)
from .hr_table import HRTable, hr_table
from .plots import plot_kaplan_meier
from .tables import (
    Endpoint,
    Factor,
    cox_table,
    followup_summary,
    landmark_table,
    median_table,
    overall_landmarks,
)
from .word import to_docx

__all__ = [
    "Characteristic",
    "Endpoint",
    "Factor",
    "HRTable",
    "Table1",
    "cox_table",
    "followup_summary",
    "format_estimate",
    "format_hazard_ratio",
    "format_p_value",
    "hr_table",
    "landmark_table",
    "median_table",
    "overall_landmarks",
    "plot_kaplan_meier",
    "table1",
    "to_docx",
    "to_html",
    "to_latex",
    "to_markdown",
]

# ``import sarcosurv.report.table1`` bound the submodule to this name; the public
# name is the function (the submodule stays importable under its path).
table1 = _table1_function
del _table1_module
