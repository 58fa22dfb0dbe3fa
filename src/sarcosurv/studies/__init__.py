"""Published studies reproduced with sarcosurv, one subpackage each.

A study package holds everything specific to one paper: its grouping of the
registry codes, its table definitions and models, the published numbers, a
synthetic cohort standing in for confidential data, the comparison and the
report. It builds on :mod:`sarcosurv.registry` and :mod:`sarcosurv.report`;
nothing below imports it.
"""

from __future__ import annotations

__all__: list[str] = []
