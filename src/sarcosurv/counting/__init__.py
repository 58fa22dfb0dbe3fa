"""The counting layer: risk-set sums shared by every estimator.

Kaplan–Meier, the log-rank family, median follow-up, Cox, the shared gamma
frailty, ``cox.zph`` and concordance all need sums over risk sets. They are
computed here, once, on the arrays of a parsed survival response
(:class:`sarcosurv.surv.Surv`); estimators never rebuild them.
"""

from __future__ import annotations
