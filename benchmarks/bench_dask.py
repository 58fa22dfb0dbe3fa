"""Out-of-core benchmark: Cox and Kaplan–Meier on Dask DataFrames (issue 16).

* Cox with 10 covariates on ``--cox-rows`` rows written as Parquet partitions
  (integer-day times over ten years, Efron ties), fitted on a ``LocalCluster``
  of two single-threaded worker processes with a 2 GiB memory limit each: time
  per pass over the data (one per Newton step or step halving), total time,
  rows per second, peak RSS of the client and of every worker.
* Kaplan–Meier on ``--km-rows`` rows generated partition by partition (never
  stored): total time, rows per second, peak RSS.
* For the ratio, the in-memory ``coxph`` and ``kaplan_meier`` on the first
  ``--compare-rows`` rows (same data), and the largest difference between the
  two fits on those rows.

Run ``python benchmarks/bench_dask.py`` (the issue's sizes: ``--cox-rows 1e8
--km-rows 1e9``) or ``nox -s bench_dask``. Results go to
``benchmarks/results/bench_dask.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import sarcosurv as ss
from sarcosurv.distributed import cox as dask_cox

P = 10
BETA = np.linspace(-0.5, 0.5, P)
FORMULA = "Surv(time, event) ~ " + " + ".join(f"x{j}" for j in range(P))


def cox_partition(index: int, rows: int) -> pd.DataFrame:
    """One partition of the Cox data: exponential times in days, uniform censoring."""
    rng = np.random.default_rng([16, index])
    x = rng.standard_normal((rows, P)).astype(np.float32)
    survival = rng.exponential(1000.0 / np.exp(x.astype(np.float64) @ BETA))
    censor = rng.uniform(1.0, 3650.0, rows)
    frame = pd.DataFrame(x, columns=[f"x{j}" for j in range(P)])
    frame["time"] = np.ceil(np.minimum(survival, censor))
    frame["event"] = (survival <= censor).astype(np.int8)
    return frame


def km_partition(index: int, rows: int) -> pd.DataFrame:
    """One partition of the Kaplan–Meier data (two arms, integer days)."""
    rng = np.random.default_rng([61, index])
    arm = rng.integers(0, 2, rows).astype(np.int8)
    survival = rng.exponential(np.where(arm == 1, 1400.0, 1000.0))
    censor = rng.uniform(1.0, 3650.0, rows)
    return pd.DataFrame(
        {
            "time": np.ceil(np.minimum(survival, censor)),
            "event": (survival <= censor).astype(np.int8),
            "arm": arm,
        }
    )


def write_parquet(client: Any, folder: Path, n_rows: int, per_partition: int) -> int:
    """Write the Cox data as one Parquet file per partition, on the workers."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    counts = [min(per_partition, n_rows - lo) for lo in range(0, n_rows, per_partition)]

    def write(index: int, rows: int) -> int:
        cox_partition(index, rows).to_parquet(folder / f"part-{index:05d}.parquet", index=False)
        return rows

    futures = client.map(write, range(len(counts)), counts)
    return int(sum(client.gather(futures)))


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def worker_cpu_seconds(client: Any) -> float:
    """CPU seconds used so far by all worker processes (independent of other load)."""
    return float(sum(client.run(time.process_time).values()))


class PassTimer:
    """Times every map-reduce pass of the Cox fit (wraps the module's map_reduce).

    Records wall-clock seconds and the CPU seconds of the workers: on a shared
    machine the wall clock includes waiting for other processes, the CPU time
    does not.
    """

    def __init__(self, client: Any) -> None:
        self.client = client
        self.passes: list[tuple[str, float, float]] = []
        self.original: Callable[..., Any] = dask_cox.map_reduce

    def __enter__(self) -> PassTimer:
        def timed(data: Any, per_partition: Callable[..., Any], *args: Any) -> Any:
            cpu = worker_cpu_seconds(self.client)
            start = time.perf_counter()
            out = self.original(data, per_partition, *args)
            wall = time.perf_counter() - start
            cpu = worker_cpu_seconds(self.client) - cpu
            self.passes.append((per_partition.__name__, wall, cpu))
            return out

        dask_cox.map_reduce = timed  # type: ignore[assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        dask_cox.map_reduce = self.original  # type: ignore[assignment]


def bench_cox(client: Any, folder: Path, n_rows: int, per_partition: int) -> dict[str, Any]:
    import dask.dataframe as dd

    start = time.perf_counter()
    written = write_parquet(client, folder, n_rows, per_partition)
    write_seconds = time.perf_counter() - start
    data = dd.read_parquet(str(folder))
    with PassTimer(client) as timer:
        start = time.perf_counter()
        fit = ss.coxph(FORMULA, data)
        total = time.perf_counter() - start
    newton = [wall for name, wall, _ in timer.passes if name == "_sums"]
    newton_cpu = [cpu for name, _, cpu in timer.passes if name == "_sums"]
    cpu_total = sum(cpu for _, _, cpu in timer.passes)
    return {
        "rows": written,
        "partitions": data.npartitions,
        "parquet_gib": sum(f.stat().st_size for f in folder.iterdir()) / 2**30,
        "write_seconds": write_seconds,
        "total_seconds": total,
        "newton_iterations": fit.n_iter,
        "passes": [
            {"pass": name, "seconds": wall, "worker_cpu_seconds": cpu}
            for name, wall, cpu in timer.passes
        ],
        "seconds_per_likelihood_pass": float(np.mean(newton)),
        "worker_cpu_seconds_per_likelihood_pass": float(np.mean(newton_cpu)),
        "worker_cpu_seconds_total": cpu_total,
        "rows_per_second_per_pass": written / float(np.mean(newton)),
        "rows_per_second_total": written / total,
        "rows_per_worker_cpu_second_per_pass": written / float(np.mean(newton_cpu)),
        "max_abs_coef_error_vs_truth": float(np.max(np.abs(fit.params.to_numpy() - BETA))),
        "coef": fit.params.tolist(),
        "std_err": fit.std_err.tolist(),
    }


def bench_km(client: Any, n_rows: int, per_partition: int) -> dict[str, Any]:
    import dask.dataframe as dd

    counts = [min(per_partition, n_rows - lo) for lo in range(0, n_rows, per_partition)]
    meta = km_partition(0, 0)
    data = dd.from_map(km_partition, range(len(counts)), counts, meta=meta)
    cpu = worker_cpu_seconds(client)
    start = time.perf_counter()
    fit = ss.kaplan_meier(data, "time", "event", by="arm")
    total = time.perf_counter() - start
    cpu = worker_cpu_seconds(client) - cpu
    return {
        "rows": n_rows,
        "partitions": len(counts),
        "total_seconds": total,
        "worker_cpu_seconds": cpu,
        "rows_per_second": n_rows / total,
        "rows_per_worker_cpu_second": n_rows / cpu,
        "n_event": fit.groups["n_event"].tolist(),
        "median": fit.median()["median"].tolist(),
    }


def compare_in_memory(client: Any, n_rows: int) -> dict[str, Any]:
    """In-memory fits on n_rows and the Dask fits of the same rows: ratio and differences."""
    import dask.dataframe as dd

    cox_data = cox_partition(0, n_rows)
    km_data = km_partition(0, n_rows)
    start = time.perf_counter()
    memory_cox = ss.coxph(FORMULA, cox_data)
    cox_memory_seconds = time.perf_counter() - start
    parts = max(2, n_rows // 1_000_000)
    start = time.perf_counter()
    dask_fit = ss.coxph(FORMULA, dd.from_pandas(cox_data, npartitions=parts).persist())
    cox_dask_seconds = time.perf_counter() - start
    start = time.perf_counter()
    memory_km = ss.kaplan_meier(km_data, "time", "event", by="arm")
    km_memory_seconds = time.perf_counter() - start
    start = time.perf_counter()
    dask_km = ss.kaplan_meier(
        dd.from_pandas(km_data, npartitions=parts).persist(), "time", "event", by="arm"
    )
    km_dask_seconds = time.perf_counter() - start
    km_columns = ["survival", "std_err", "lower", "upper"]
    return {
        "rows": n_rows,
        "cox_in_memory_seconds": cox_memory_seconds,
        "cox_dask_seconds": cox_dask_seconds,
        "cox_ratio_dask_over_memory": cox_dask_seconds / cox_memory_seconds,
        "cox_max_abs_coef_diff": float(np.max(np.abs(dask_fit.params - memory_cox.params))),
        "cox_max_abs_se_diff": float(np.max(np.abs(dask_fit.std_err - memory_cox.std_err))),
        "km_in_memory_seconds": km_memory_seconds,
        "km_dask_seconds": km_dask_seconds,
        "km_ratio_dask_over_memory": km_dask_seconds / km_memory_seconds,
        "km_max_abs_diff": float(
            np.nanmax(np.abs(dask_km.table[km_columns].to_numpy() - memory_km.table[km_columns]))
        ),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cox-rows", type=float, default=1e7)
    parser.add_argument("--km-rows", type=float, default=1e8)
    parser.add_argument("--compare-rows", type=float, default=2e6)
    parser.add_argument("--cox-partition-rows", type=float, default=2e6)
    parser.add_argument("--km-partition-rows", type=float, default=5e6)
    parser.add_argument("--folder", default="/tmp/sarcosurv-bench-dask")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results/bench_dask.json"))
    args = parser.parse_args(argv)
    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, memory_limit="2GiB",
        dashboard_address=None,
    )  # fmt: skip
    results: dict[str, Any] = {"workers": 2, "worker_memory_limit_gib": 2}
    results["load_average_at_start"] = list(os.getloadavg())
    with Client(cluster) as client:
        results["cox"] = bench_cox(
            client, Path(args.folder), int(args.cox_rows), int(args.cox_partition_rows)
        )
        results["km"] = bench_km(client, int(args.km_rows), int(args.km_partition_rows))
        workers = client.run(peak_rss_mib)
        results["peak_rss_mib"] = {"client": peak_rss_mib(), "workers": sorted(workers.values())}
        results["compare"] = compare_in_memory(client, int(args.compare_rows))
    cluster.close()
    shutil.rmtree(args.folder, ignore_errors=True)
    print(json.dumps(results, indent=2))
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
