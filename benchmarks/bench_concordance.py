"""Harrell's concordance of a Cox fit at 10^4-10^6 rows: sarcosurv against R's concordance().

Run: ``python benchmarks/bench_concordance.py [--sizes 10000 100000 1000000]``.
Continuous risk scores (every score distinct: 20 bits of rank at 10^6),
day-level ties in time, 70% events. Prints the CPU time and the wall time of
``harrell_c`` (the sweep behind ``fit.concordance``) and, when R is installed,
R survival's ``concordance(Surv(time, status) ~ score, reverse = TRUE)`` wall
time on the same data, and checks that the two values agree.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from sarcosurv.cox.concordance import harrell_c
from sarcosurv.cox.kernels import sort_cox_data


def make(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    score = rng.standard_normal(n)
    time_ = np.ceil(rng.exponential(1000.0 * np.exp(-0.5 * score)))
    event = rng.random(n) < 0.7
    return time_, event, score


def sarcosurv_c(
    time_: np.ndarray, event: np.ndarray, score: np.ndarray
) -> tuple[float, float, float]:
    data = sort_cox_data(time_, event, score[:, None])
    eta = score[data.order]
    cpu, wall = time.process_time(), time.perf_counter()
    value = harrell_c(data, eta)
    return value, time.process_time() - cpu, time.perf_counter() - wall


def r_c(time_: np.ndarray, event: np.ndarray, score: np.ndarray) -> tuple[float, float] | None:
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "d.csv"
        np.savetxt(path, np.column_stack([time_, event, score]), delimiter=",", fmt="%.17g")
        script = (
            "suppressMessages(library(survival));"
            f"d <- read.csv('{path}', header = FALSE, col.names = c('t', 'e', 's'));"
            "t0 <- proc.time()[['elapsed']];"
            "c <- concordance(Surv(t, e) ~ s, data = d, reverse = TRUE)$concordance;"
            "cat(sprintf('%.15f %.3f', c, proc.time()[['elapsed']] - t0))"
        )
        out = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True, check=True)
    value, seconds = out.stdout.split()
    return float(value), float(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    args = parser.parse_args()
    print(f"{'n':>9} {'C':>10} {'cpu s':>7} {'wall s':>7} {'R wall s':>9} {'|diff|':>9}")
    for n in args.sizes:
        data = make(n)
        value, cpu, wall = sarcosurv_c(*data)
        r = r_c(*data)
        r_wall = f"{r[1]:9.3f}" if r else "      n/a"
        diff = f"{abs(r[0] - value):9.1e}" if r else "      n/a"
        print(f"{n:>9} {value:10.6f} {cpu:7.3f} {wall:7.3f} {r_wall} {diff}")


if __name__ == "__main__":
    main()
