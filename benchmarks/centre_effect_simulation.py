"""Size and power of the four centre-effect tests (not part of the default tests).

Designs (issue 13), each with a shared gamma frailty of variance theta by
centre, exponential baseline (rate 1), four covariates (x1 ~ N(0, 1), beta 0.3;
x2 ~ Bernoulli(0.4), beta -0.4; x3 ~ Bernoulli(0.3), beta 0.5; x4 ~ N(0, 1),
beta 0.2) and uniform censoring on (0, 4) (about 75% events):

* ``a`` (like the paper): 340 patients in 50-80 centres (uniform), centre
  sizes skewed (multinomial with log-normal(0, 1) weights);
* ``b`` (like Andersen, Klein & Zhang 1999): 400 patients in 10 centres of
  similar size;
* ``c``: 340 patients in 150 centres of very skewed, mostly tiny sizes
  (log-normal(0, 1.5) weights).

Each replicate runs ``ss.centre_effect_tests(...)`` (score, fixed, frailty);
the bootstrap column uses fewer replicates with few bootstrap samples
(``--bootstrap-datasets``, ``--bootstrap-b``; B = 39 makes ``p <= 0.05`` an
exact 5% test: at most one of 39 replicates at or above the observed value)
because each one refits the frailty model B times. Rejection rates at 5% with Monte Carlo SEs
``sqrt(p (1 - p) / R)``.

Usage::

    python benchmarks/centre_effect_simulation.py --replicates 1000 \\
        --power-replicates 250 --bootstrap-datasets 0 --processes 2 \\
        --output benchmarks/results/centre_effect_simulation.json
    python benchmarks/centre_effect_simulation.py --replicates 0 --power-replicates 0 \\
        --bootstrap-datasets 50 --bootstrap-b 39 --bootstrap-thetas 0,0.2 \\
        --output benchmarks/results/centre_effect_bootstrap.json
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import json
import platform
import time
import warnings
from multiprocessing import Pool
from pathlib import Path

import numpy as np
import pandas as pd

import sarcosurv as ss

BETA = np.array([0.3, -0.4, 0.5, 0.2])
FORMULA = "Surv(time, status) ~ x1 + x2 + x3 + x4"
THETAS = (0.0, 0.05, 0.1, 0.2)
TESTS = ("score", "fixed", "frailty", "bootstrap")


def _centres(design: str, rng: np.random.Generator) -> np.ndarray:
    if design == "a":
        k, n, spread = int(rng.integers(50, 81)), 340, 1.0
    elif design == "b":
        k, n, spread = 10, 400, 0.2
    else:
        k, n, spread = 150, 340, 1.5
    weights = rng.lognormal(0.0, spread, k)
    return rng.choice(k, size=n, p=weights / weights.sum())


def simulate(design: str, theta: float, seed: int) -> pd.DataFrame:
    """One cohort of ``design`` with frailty variance ``theta``."""
    rng = np.random.default_rng(seed)
    centre = _centres(design, rng)
    n = centre.size
    k = int(centre.max()) + 1
    frailty = rng.gamma(1.0 / theta, theta, k) if theta > 0 else np.ones(k)
    x = np.column_stack(
        [
            rng.normal(size=n),
            rng.binomial(1, 0.4, n),
            rng.binomial(1, 0.3, n),
            rng.normal(size=n),
        ]
    ).astype(float)
    rate = frailty[centre] * np.exp(x @ BETA)
    event_time = rng.exponential(1.0 / rate)
    censor = rng.uniform(0.0, 4.0, n)
    return pd.DataFrame(
        {
            "time": np.minimum(event_time, censor),
            "status": (event_time <= censor).astype(int),
            "centre": centre,
            "x1": x[:, 0],
            "x2": x[:, 1],
            "x3": x[:, 2],
            "x4": x[:, 3],
        }
    )


def one_replicate(task: tuple[str, float, int, int]) -> dict[str, float]:
    """p-values of the tests on one simulated cohort (bootstrap when ``b > 0``)."""
    design, theta, seed, b = task
    data = simulate(design, theta, seed)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            result = ss.centre_effect_tests(
                FORMULA, data, "centre", bootstrap=b, seed=seed, progress=False
            )
        except ss.errors.SarcosurvError:
            return {"failed": 1.0}
    out = {
        "score": result.score.p_value,
        "fixed": result.fixed.p_value,
        "frailty": result.frailty.p_value,
        "events": float(data["status"].mean()),
        "centres": float(result.n_centres),
        "failed": 0.0,
    }
    if result.bootstrap is not None:
        out["bootstrap"] = result.bootstrap.p_value
    return out


def _with_task(
    task: tuple[str, float, int, int],
) -> tuple[tuple[str, float, int, int], dict[str, float]]:
    return task, one_replicate(task)


def _tasks(args: argparse.Namespace) -> list[tuple[str, float, int, int]]:
    """Every replicate, interleaved so that a run stopped early covers all cells evenly."""
    keyed = []
    for d, design in enumerate(args.designs):
        for t, theta in enumerate(THETAS):
            count = args.replicates if theta == 0 else args.power_replicates
            boot = args.bootstrap_datasets if design in args.bootstrap_designs else 0
            boot = boot if theta in args.bootstrap_thetas else 0
            for r in range(count + boot):
                seed = int(np.random.SeedSequence([args.seed, d, t, r]).generate_state(1)[0])
                b = args.bootstrap_b if r >= count else 0
                share = (r - count) / boot if b else r / count
                keyed.append((share, (design, theta, seed, b)))
    keyed.sort(key=lambda item: item[0])
    return [task for _, task in keyed]


def summarise(
    tasks: list[tuple[str, float, int, int]], results: list[dict[str, float]]
) -> list[dict[str, object]]:
    """Rejection rate at 5% and its Monte Carlo SE per design, theta and test."""
    rows: list[dict[str, object]] = []
    frame = pd.DataFrame(results)
    frame["design"] = [t[0] for t in tasks]
    frame["theta"] = [t[1] for t in tasks]
    frame["boot"] = [t[3] > 0 for t in tasks]
    for (design, theta), part in frame.groupby(["design", "theta"]):
        for test in TESTS:
            sub = part[part["boot"]] if test == "bootstrap" else part[~part["boot"]]
            values = sub[test].dropna() if test in sub else pd.Series(dtype=float)
            if values.empty:
                continue
            rate = float(np.mean(values <= 0.05))
            rows.append(
                {
                    "design": design,
                    "theta": theta,
                    "test": test,
                    "replicates": int(values.size),
                    "rejection_rate": rate,
                    "mc_se": float(np.sqrt(rate * (1 - rate) / values.size)),
                    "events": float(sub["events"].mean()),
                    "centres": float(sub["centres"].mean()),
                    "failed": int(sub["failed"].sum()),
                }
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=1000, help="per design at theta = 0")
    parser.add_argument("--power-replicates", type=int, default=300)
    parser.add_argument("--bootstrap-datasets", type=int, default=100)
    parser.add_argument("--bootstrap-b", type=int, default=39, help="39: an exact 5%% test")
    parser.add_argument(
        "--bootstrap-thetas", type=lambda v: [float(x) for x in v.split(",")], default=[0.0]
    )
    parser.add_argument("--bootstrap-designs", default="a")
    parser.add_argument("--designs", default="abc")
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument(
        "--minutes", type=float, default=0.0, help="stop after this wall time (0: no limit)"
    )
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    tasks = _tasks(args)
    start = time.perf_counter()
    done: list[tuple[str, float, int, int]] = []
    results: list[dict[str, float]] = []
    deadline = start + 60 * args.minutes if args.minutes else None
    if args.output is not None:
        args.output.parent.mkdir(parents=True, exist_ok=True)
    log = args.output.with_suffix(".jsonl").open("w") if args.output else None
    with Pool(args.processes) as pool:
        for task, out in pool.imap_unordered(_with_task, tasks, chunksize=1):
            done.append(task)
            results.append(out)
            if log is not None:
                log.write(json.dumps({"task": task, "result": out}) + "\n")
                log.flush()
            if deadline is not None and time.perf_counter() > deadline:
                pool.terminate()
                break
    seconds = time.perf_counter() - start
    if log is not None:
        log.close()
    tasks = done
    rows = summarise(tasks, results)
    table = pd.DataFrame(rows)
    print(table.to_string(index=False))
    print(f"{len(tasks)} tasks in {seconds / 60:.1f} min")
    if args.output is not None:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        meta = {
            "command": "python benchmarks/centre_effect_simulation.py "
            + " ".join(
                f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items() if k != "output"
            ),
            "minutes": seconds / 60,
            "tasks_done": len(tasks),
            "processes": args.processes,
            "python": platform.python_version(),
            "sarcosurv": ss.__version__,
        }
        args.output.write_text(json.dumps({"meta": meta, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
