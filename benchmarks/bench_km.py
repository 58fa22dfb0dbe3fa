"""Kaplan–Meier with confidence intervals: sarcosurv against lifelines, statsmodels, scipy, R.

Scale "large" is the issue's target: 10^7 rows with integer-day times and 10^6
rows with continuous times; "small" uses 10^5 rows of each.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from harness import Case, Contender, r_or_unavailable, require

import sarcosurv as ss


def make_data(n: int, *, integer_days: bool, seed: int = 2020) -> pd.DataFrame:
    """Exponential survival (median ~ 2 years) with uniform censoring, in days."""
    rng = np.random.default_rng(seed)
    survival = rng.exponential(1000.0, n)
    censor = rng.uniform(0.0, 3650.0, n)
    time = np.minimum(survival, censor)
    if integer_days:
        time = np.ceil(time)
    return pd.DataFrame({"time": time, "event": (survival <= censor).astype(np.int64)})


def _lifelines(data: pd.DataFrame) -> Contender:
    def run() -> object:
        require("lifelines")
        from lifelines import KaplanMeierFitter

        return KaplanMeierFitter().fit(data["time"], data["event"])

    return Contender("lifelines", run)


def _statsmodels(data: pd.DataFrame) -> Contender:
    def run() -> object:
        require("statsmodels")
        from statsmodels.duration.survfunc import SurvfuncRight

        # Survival and its standard error are computed on construction.
        return SurvfuncRight(data["time"].to_numpy(), data["event"].to_numpy())

    return Contender("statsmodels", run)


def _scipy(data: pd.DataFrame) -> Contender:
    def run() -> object:
        from scipy import stats

        sample = stats.CensoredData.right_censored(
            data["time"].to_numpy(), data["event"].to_numpy() == 0
        )
        result = stats.ecdf(sample)
        return result.sf.confidence_interval()

    return Contender("scipy.stats.ecdf", run)


def _r_contender(name: str, data: pd.DataFrame, timed: str) -> Contender:
    return r_or_unavailable(name, data, timed)


def _case(task: str, data: pd.DataFrame, with_r: bool) -> Case:
    contenders = [
        Contender("sarcosurv", lambda: ss.kaplan_meier(data, "time", "event")),
        _lifelines(data),
        _statsmodels(data),
        _scipy(data),
    ]
    if with_r:
        contenders.append(
            _r_contender(
                "R survfit",
                data,
                "fit <- survfit(Surv(time, event) ~ 1, data = d, conf.type = 'log-log')",
            )
        )
    return Case(task, len(data), contenders)


def _many_groups_case(n: int, n_groups: int) -> Case:
    """Medians and landmark survival of 10^4 groups (issue 17: once 8 s, target <= 0.5 s).

    The curves are fitted once, outside the timing; the timed work is
    ``median()`` and ``survival_at()`` over every group.
    """
    data = make_data(n, integer_days=True)
    data["group"] = np.random.default_rng(17).integers(0, n_groups, n)
    km = ss.kaplan_meier(data, "time", "event", by="group")

    def run() -> object:
        return km.median(), km.survival_at([365.0, 730.0, 1825.0])

    return Case(f"KM median + survival_at, {n_groups} groups", n, [Contender("sarcosurv", run)])


def cases(scale: str) -> list[Case]:
    n_days, n_continuous = (10**7, 10**6) if scale == "large" else (10**5, 10**5)
    return [
        _case("KM + CI, integer days", make_data(n_days, integer_days=True), with_r=True),
        _case("KM + CI, continuous", make_data(n_continuous, integer_days=False), with_r=True),
        _many_groups_case(2 * 10**5, 10**4),
    ]
