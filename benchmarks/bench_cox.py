"""Cox model, Efron ties, p = 10: sarcosurv against lifelines, statsmodels and R coxph.

The data are simulated with day-level ties (integer days): ten standard normal
covariates with log hazard ratios from -0.5 to 0.5, exponential survival
(baseline median ~ 2 years) and uniform censoring over ten years. Every
contender does the fit only (coefficients, information, standard errors).

Scale "large" is the issue's target: 10^4 and 10^6 rows; "small" uses 10^4 and
10^5 rows. The peak memory of a sarcosurv fit at the largest size of the scale
is measured in a fresh subprocess (tracemalloc, numpy's allocations included)
and printed before the timings.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from harness import Case, Contender, r_or_unavailable, require

import sarcosurv as ss

P = 10
COVARIATES = [f"x{j}" for j in range(P)]
FORMULA = "Surv(time, event) ~ " + " + ".join(COVARIATES)

#: The issue's ceiling for a fit at 10^6 rows and 10 covariates.
MEMORY_LIMIT_BYTES = 1 << 30


def make_data(n: int, seed: int = 2020) -> pd.DataFrame:
    """``n`` rows: ``x0..x9``, integer-day ``time`` and 0/1 ``event``."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, P))
    beta = np.linspace(-0.5, 0.5, P)
    survival = rng.exponential(1000.0 * np.exp(-(x @ beta)))
    censor = rng.uniform(0.0, 3650.0, n)
    data = pd.DataFrame(x, columns=COVARIATES)
    data["time"] = np.ceil(np.minimum(survival, censor))
    data["event"] = (survival <= censor).astype(np.int64)
    return data


def _sarcosurv(data: pd.DataFrame) -> Contender:
    return Contender("sarcosurv", lambda: ss.coxph(FORMULA, data, ties="efron"))


def _lifelines(data: pd.DataFrame) -> Contender:
    def run() -> object:
        require("lifelines")
        from lifelines import CoxPHFitter

        return CoxPHFitter().fit(data, duration_col="time", event_col="event")

    return Contender("lifelines", run)


def _statsmodels(data: pd.DataFrame) -> Contender:
    def run() -> object:
        require("statsmodels")
        from statsmodels.duration.hazard_regression import PHReg

        model = PHReg(
            data["time"].to_numpy(),
            data[COVARIATES].to_numpy(),
            status=data["event"].to_numpy(),
            ties="efron",
        )
        return model.fit()

    return Contender("statsmodels", run)


def _r(data: pd.DataFrame) -> Contender:
    """R coxph when Rscript is installed; only the fit is timed."""
    timed = f"fit <- coxph({FORMULA.replace(' ', '')}, data = d, ties = 'efron')"
    return r_or_unavailable("R coxph", data, timed)


def _case(n: int) -> Case:
    data = make_data(n)
    return Case(
        "coxph Efron, p=10, integer days",
        n,
        [_sarcosurv(data), _lifelines(data), _statsmodels(data), _r(data)],
    )


_MEMORY_SCRIPT = """
import sys, tracemalloc
sys.path.insert(0, {bench_dir!r})
import sarcosurv as ss
from bench_cox import FORMULA, make_data
data = make_data({n})
ss.coxph(FORMULA, make_data(1000))  # imports and first-call caches outside the measurement
tracemalloc.start()
ss.coxph(FORMULA, data, ties="efron")
print(tracemalloc.get_traced_memory()[1])
"""


def peak_memory(n: int) -> int:
    """Peak bytes allocated during one sarcosurv fit on ``n`` rows (fresh subprocess).

    The input DataFrame itself is allocated before the measurement starts.
    """
    script = _MEMORY_SCRIPT.format(bench_dir=str(Path(__file__).resolve().parent), n=n)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1])


def cases(scale: str) -> list[Case]:
    sizes = [10**4, 10**6] if scale == "large" else [10**4, 10**5]
    peak = peak_memory(sizes[-1])
    verdict = "under" if peak < MEMORY_LIMIT_BYTES else "OVER"
    print(
        f"coxph peak memory at n={sizes[-1]}, p={P}: {peak / 2**20:.0f} MiB "
        f"({verdict} the 1 GiB limit)",
        flush=True,
    )
    return [_case(n) for n in sizes]
