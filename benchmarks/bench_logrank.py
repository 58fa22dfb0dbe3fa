"""Log-rank test, 3 groups: sarcosurv against lifelines, statsmodels and R survdiff.

Scale "large" is the issue's target (10^7 rows, integer-day times); "small" uses 10^5.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from harness import Case, Contender, r_or_unavailable, require

import sarcosurv as ss


def make_data(n: int, seed: int = 2020) -> pd.DataFrame:
    """Three groups with hazard ratios 1, 1.2, 1.5; uniform censoring; integer days."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 3, n)
    survival = rng.exponential(1000.0, n) / np.array([1.0, 1.2, 1.5])[group]
    censor = rng.uniform(0.0, 3650.0, n)
    return pd.DataFrame(
        {
            "time": np.ceil(np.minimum(survival, censor)),
            "event": (survival <= censor).astype(np.int64),
            "group": group,
        }
    )


def _lifelines(data: pd.DataFrame) -> Contender:
    def run() -> object:
        require("lifelines")
        from lifelines.statistics import multivariate_logrank_test

        return multivariate_logrank_test(data["time"], data["group"], data["event"])

    return Contender("lifelines", run)


def _statsmodels(data: pd.DataFrame) -> Contender:
    def run() -> object:
        require("statsmodels")
        from statsmodels.duration.survfunc import survdiff

        return survdiff(data["time"], data["event"], data["group"])

    return Contender("statsmodels", run)


def _r_contender(name: str, data: pd.DataFrame, timed: str) -> Contender:
    return r_or_unavailable(name, data, timed)


def cases(scale: str) -> list[Case]:
    n = 10**7 if scale == "large" else 10**5
    data = make_data(n)
    contenders = [
        Contender("sarcosurv", lambda: ss.logrank_test(data, "time", "event", "group")),
        _lifelines(data),
        _statsmodels(data),
    ]
    contenders.append(
        _r_contender("R survdiff", data, "t <- survdiff(Surv(time, event) ~ group, data = d)")
    )
    return [Case("log-rank, 3 groups", n, contenders)]
