"""The counting layer: risk-set sums shared by every estimator.

Kaplan–Meier, the log-rank family, median follow-up, Cox, the shared gamma
frailty, ``cox.zph`` and concordance all need sums over risk sets. They are
computed here, once, on the arrays of a parsed survival response
(:class:`sarcosurv.surv.Surv`); estimators never rebuild them.

:func:`tabulate` and :func:`tabulate_blocks` count, per cell (group, or
stratum × group) and distinct time, the rows at risk, the exits and the events,
per cause when the event column codes several (:class:`RiskTable`). Unweighted
counts come from value sorts of the times (:mod:`~sarcosurv.counting.valuesort`),
weighted ones from an index sort or hash codes (:mod:`~sarcosurv.counting.tabulate`).
"""

from __future__ import annotations

from .merge import tables_from_counts
from .tabulate import RiskTable, tabulate, tabulate_blocks

__all__ = ["RiskTable", "tables_from_counts", "tabulate", "tabulate_blocks"]
