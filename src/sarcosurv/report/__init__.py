"""Generic tables, figures and formatting for survival analyses of a registry cohort.

A study's own tables and figures live in its package under
:mod:`sarcosurv.studies`.

Importing this package imports neither matplotlib nor python-docx: the plotting
functions in :mod:`sarcosurv.report.plots` (extra ``plot``) and :func:`to_docx`
(extra ``docx``) import them when they are called. Table 1 is
:func:`sarcosurv.report.table1.table1` (the module keeps its name here, so that
``sarcosurv.report.table1.table1`` goes on working).
"""

from __future__ import annotations

from .format import format_estimate, format_hazard_ratio, format_p_value, to_latex, to_markdown
from .plots import plot_kaplan_meier
from .table1 import Characteristic
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
    "cox_table",
    "followup_summary",
    "format_estimate",
    "format_hazard_ratio",
    "format_p_value",
    "landmark_table",
    "median_table",
    "overall_landmarks",
    "plot_kaplan_meier",
    "to_docx",
    "to_latex",
    "to_markdown",
]
