"""Shared timing harness for the benchmark modules.

A benchmark module (``benchmarks/bench_*.py``) defines ``cases(scale)``
returning :class:`Case` objects. Each case names one task at one size and the
contenders that perform it: sarcosurv first, then peers (lifelines,
statsmodels, scipy, R). The runner times every contender on the same data in
one process and prints each peer's time as a ratio to sarcosurv's.

A contender whose library is missing raises :class:`Unavailable` from its
setup and is reported as such rather than failing the run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd


class Unavailable(Exception):
    """The contender's library or tool is not installed here."""


@dataclass
class Contender:
    """One implementation of a task.

    ``run`` does the timed work. When ``self_timed`` is true, ``run`` returns
    the seconds it measured itself (used for R, whose start-up and data loading
    must not count).
    """

    name: str
    run: Callable[[], object]
    self_timed: bool = False


@dataclass
class Case:
    task: str
    n: int
    contenders: list[Contender] = field(default_factory=list)
    repeat: int = 3


def require(module: str) -> None:
    """Raise :class:`Unavailable` unless ``module`` imports."""
    try:
        __import__(module)
    except ImportError as exc:  # pragma: no cover - depends on the machine
        raise Unavailable(module) from exc


def r_available() -> bool:
    return shutil.which("Rscript") is not None


def r_contender(name: str, data: pd.DataFrame, setup: str, timed: str) -> Contender:
    """A contender that runs R code on ``data`` and reports R's own timing.

    ``data`` is written to a CSV read into ``d`` before ``setup`` runs; only
    ``timed`` is timed (best of three inside one R process).
    """
    if not r_available():
        raise Unavailable("Rscript")
    workdir = Path(tempfile.mkdtemp(prefix="sarcosurv-bench-"))
    csv = workdir / "data.csv"
    data.to_csv(csv, index=False)
    script = workdir / "bench.R"
    script.write_text(
        "suppressMessages(library(survival))\n"
        f"d <- read.csv({json.dumps(str(csv))})\n"
        f"{setup}\n"
        "best <- Inf\n"
        "for (i in 1:3) { t0 <- proc.time()[['elapsed']]\n"
        f"  {timed}\n"
        "  best <- min(best, proc.time()[['elapsed']] - t0) }\n"
        "cat(best, '\\n')\n"
    )

    def run() -> float:
        out = subprocess.run(["Rscript", str(script)], capture_output=True, text=True, check=True)
        return float(out.stdout.strip().splitlines()[-1])

    return Contender(name, run, self_timed=True)


def time_contender(contender: Contender, repeat: int) -> float:
    """Best wall time of ``repeat`` runs, in seconds."""
    if contender.self_timed:
        return float(contender.run())  # type: ignore[arg-type]
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        contender.run()
        best = min(best, time.perf_counter() - t0)
    return best


def cpu_note() -> str:
    return f"{os.cpu_count()} cores"


def r_or_unavailable(name: str, data: pd.DataFrame, timed: str, setup: str = "") -> Contender:
    """:func:`r_contender` when Rscript is installed; otherwise one reported as unavailable."""
    try:
        return r_contender(name, data, setup, timed)
    except Unavailable:

        def missing() -> object:
            raise Unavailable("Rscript")

        return Contender(name, missing)
