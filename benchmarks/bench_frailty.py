"""Shared gamma frailty by centre: sarcosurv against R ``coxph(... + frailty(centre))``.

The issue's targets: n = 10^5 rows in 500 centres with p = 10 covariates in at
most 0.2 x R's time (R survival 3.5 default gamma frailty, method "em"), and
n = 10^6 rows in 5,000 centres within 60 s (R is not run at that size: it
takes many minutes). Scale "small" runs only the first case.

sarcosurv's time is the whole ``ss.coxph(..., frailty="centre")`` call: the
profile maximisation over theta, the profile-likelihood CI, the LRT and the
adjusted standard errors.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from harness import Case, Contender, r_or_unavailable

import sarcosurv as ss

N_COVARIATES = 10
FORMULA_TERMS = " + ".join(f"x{j}" for j in range(1, N_COVARIATES + 1))


def make_data(n: int, n_centres: int, *, theta: float = 0.5, seed: int = 2020) -> pd.DataFrame:
    """Exponential times with a gamma centre frailty (variance ``theta``).

    Ten covariates: five standard normal, five binary (p = 0.3); coefficients
    alternate in sign between 0.1 and 0.5. Uniform censoring on (0, 15) leaves
    about 40% of rows with an event.
    """
    rng = np.random.default_rng(seed)
    centre = rng.integers(0, n_centres, n)
    frailty = rng.gamma(1.0 / theta, theta, n_centres)
    x = np.column_stack(
        [rng.normal(size=(n, N_COVARIATES // 2)), rng.binomial(1, 0.3, (n, N_COVARIATES // 2))]
    ).astype(np.float64)
    beta = np.linspace(0.1, 0.5, N_COVARIATES) * np.where(np.arange(N_COVARIATES) % 2, -1, 1)
    rate = 0.1 * frailty[centre] * np.exp(x @ beta)
    survival = rng.exponential(1.0 / rate)
    censor = rng.uniform(0.0, 15.0, n)
    data = pd.DataFrame(x, columns=[f"x{j}" for j in range(1, N_COVARIATES + 1)])
    data["time"] = np.minimum(survival, censor)
    data["status"] = (survival <= censor).astype(np.int64)
    data["centre"] = centre
    return data


def _sarcosurv(data: pd.DataFrame) -> Contender:
    formula = f"Surv(time, status) ~ {FORMULA_TERMS}"
    return Contender("sarcosurv", lambda: ss.coxph(formula, data, frailty="centre"))


def _r(data: pd.DataFrame) -> Contender:
    timed = f"fit <- coxph(Surv(time, status) ~ {FORMULA_TERMS} + frailty(centre), data = d)"
    return r_or_unavailable("R coxph + frailty(centre)", data, timed)


def cases(scale: str) -> list[Case]:
    medium = make_data(10**5, 500)
    out = [Case("gamma frailty, 500 centres, p=10", len(medium), [_sarcosurv(medium), _r(medium)])]
    if scale == "large":
        big = make_data(10**6, 5000)
        out.append(Case("gamma frailty, 5000 centres, p=10", len(big), [_sarcosurv(big)], repeat=1))
    return out
