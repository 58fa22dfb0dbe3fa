"""Competing risks: Aalen–Johansen, Gray's test and Fine–Gray against sarcosurv's KM and R.

Targets (issue 12), scale "large":

* Aalen–Johansen on 10^7 rows with 3 causes in at most 2× sarcosurv's own
  Kaplan–Meier on the same rows (ratio KM / AJ >= 0.5);
* Gray's test on 10^6 rows in at most 0.2× ``cmprsk::cuminc`` (ratio >= 5);
* Fine–Gray on 10^5 rows × 10 covariates in at most 0.2× ``cmprsk::crr``.
  ``crr`` grows like n^3 (its variance loops over pairs of rows inside a loop
  over rows: 9.5 s at n = 2000, 64 s at 4000, 495 s at 8000 here), so it cannot
  run at 10^5; the Fine–Gray case times crr at n = 2000 and sarcosurv at the
  same n, and sarcosurv alone at 10^5.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from harness import Case, Contender, r_or_unavailable

import sarcosurv as ss


def make_data(n: int, *, covariates: int = 0, seed: int = 2020) -> pd.DataFrame:
    """Integer-day times, causes 1-3 with 25% censoring, three groups, normal covariates."""
    rng = np.random.default_rng(seed)
    latent = rng.exponential(1000.0, n)
    censor = rng.uniform(0.0, 3650.0, n)
    cause = rng.choice([1, 2, 3], size=n, p=[0.5, 0.3, 0.2])
    data = pd.DataFrame(
        {
            "time": np.ceil(np.minimum(latent, censor)),
            "event": np.where(latent <= censor, cause, 0),
            "group": rng.integers(0, 3, n),
        }
    )
    for j in range(covariates):
        data[f"x{j}"] = rng.normal(size=n)
    data["any"] = (data["event"] > 0).astype(np.int64)
    return data


def _aalen_johansen(n: int) -> Case:
    data = make_data(n)
    return Case(
        "Aalen-Johansen (3 causes) vs own KM",
        n,
        [
            Contender(
                "sarcosurv cumulative_incidence",
                lambda: ss.cumulative_incidence(data, "time", "event"),
            ),
            Contender(
                "sarcosurv kaplan_meier (same rows)", lambda: ss.kaplan_meier(data, "time", "any")
            ),
        ],
    )


def _gray(n: int) -> Case:
    data = make_data(n)
    return Case(
        "Gray's test, 3 groups x 3 causes",
        n,
        [
            Contender(
                "sarcosurv gray_test", lambda: ss.gray_test(data, "time", "event", by="group")
            ),
            r_or_unavailable(
                "R cmprsk::cuminc",
                data[["time", "event", "group"]],
                "ci <- cuminc(d$time, d$event, d$group)",
                setup="suppressMessages(library(cmprsk))",
            ),
        ],
        repeat=1,
    )


def _fine_gray(n: int, with_r: bool) -> Case:
    data = make_data(n, covariates=10)
    formula = "Surv(time, event) ~ " + " + ".join(f"x{j}" for j in range(10))
    contenders = [Contender("sarcosurv finegray", lambda: ss.finegray(formula, data, cause=1))]
    if with_r:
        columns = ["time", "event", *(f"x{j}" for j in range(10))]
        contenders.append(
            r_or_unavailable(
                "R cmprsk::crr",
                data[columns],
                "fit <- crr(d$time, d$event, as.matrix(d[, 3:12]), failcode = 1)",
                setup="suppressMessages(library(cmprsk))",
            )
        )
    return Case("Fine-Gray, 10 covariates", n, contenders, repeat=1)


def cases(scale: str) -> list[Case]:
    if scale == "large":
        return [
            _aalen_johansen(10**7),
            _gray(10**6),
            _fine_gray(2000, with_r=True),
            _fine_gray(10**5, with_r=False),
        ]
    return [_aalen_johansen(10**5), _gray(10**5), _fine_gray(1000, with_r=True)]
