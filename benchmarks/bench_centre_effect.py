"""Centre-effect tests: the score test at scale and the bootstrap on a paper-sized cohort.

Targets (issue 13): the Commenges–Andersen score test within 2 s on 10^6 rows
in 5,000 centres (the time includes the Cox fit without the centre that it
needs: ``ss.centre_score_test``; measured 1.4–1.7 s of CPU, 1.3–1.8 s wall, on 2
cores shared with other jobs); the bootstrap with B = 200 on a cohort like
the paper's (340 patients, 60 centres) within 30 s. R's ``frailtyEM::ca_test``
(with its Cox fit) is the peer on 2,000 rows; it builds centre x time lists and
is not run at larger sizes. Scale "small" runs the first two cases.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
from harness import Case, Contender, r_or_unavailable

import sarcosurv as ss

FORMULA = "Surv(time, status) ~ x1 + x2 + x3"


def make_data(n: int, n_centres: int, *, theta: float = 0.1, seed: int = 2020) -> pd.DataFrame:
    """Exponential times, gamma centre frailty, three covariates, about 70% events."""
    rng = np.random.default_rng(seed)
    weights = rng.lognormal(0.0, 1.0, n_centres)
    centre = rng.choice(n_centres, size=n, p=weights / weights.sum())
    frailty = rng.gamma(1.0 / theta, theta, n_centres)
    x = np.column_stack([rng.normal(size=n), rng.binomial(1, 0.4, n), rng.normal(size=n)])
    rate = frailty[centre] * np.exp(x @ np.array([0.3, -0.4, 0.2]))
    survival = rng.exponential(1.0 / rate)
    censor = rng.uniform(0.0, 4.0, n)
    return pd.DataFrame(
        {
            "time": np.minimum(survival, censor),
            "status": (survival <= censor).astype(np.int64),
            "centre": centre,
            "x1": x[:, 0],
            "x2": x[:, 1],
            "x3": x[:, 2],
        }
    )


def _score(data: pd.DataFrame) -> Contender:
    return Contender("sarcosurv", lambda: ss.centre_score_test(FORMULA, data, "centre"))


def _r_score(data: pd.DataFrame) -> Contender:
    lib = os.environ.get("FRAILTYEM_LIB", "/opt/rlib")
    setup = f"suppressMessages(library(frailtyEM, lib.loc = '{lib}'))"
    timed = (
        "f <- coxph(Surv(time, status) ~ x1 + x2 + x3, d, x = TRUE, model = TRUE); "
        "ca <- ca_test(f, id = d$centre)"
    )
    return r_or_unavailable("R frailtyEM::ca_test", data, timed, setup)


def _bootstrap(data: pd.DataFrame) -> Contender:
    def run() -> object:
        return ss.centre_effect_tests(
            FORMULA, data, "centre", bootstrap=200, seed=1, progress=False
        )

    return Contender("sarcosurv (all four tests, B=200)", run)


def cases(scale: str) -> list[Case]:
    small = make_data(2000, 40)
    paper = make_data(340, 60)
    out = [
        Case("centre score test, 40 centres", len(small), [_score(small), _r_score(small)]),
        Case("centre tests + bootstrap B=200", len(paper), [_bootstrap(paper)], repeat=1),
    ]
    if scale == "large":
        big = make_data(10**6, 5000)
        out.append(Case("centre score test, 5000 centres", len(big), [_score(big)], repeat=2))
    return out
