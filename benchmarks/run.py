"""Run the benchmarks and print each peer's time as a ratio to sarcosurv's.

Usage::

    python benchmarks/run.py                 # every module, scale "small"
    python benchmarks/run.py --scale large   # the sizes the issues set targets at
    python benchmarks/run.py --only km cox   # some modules

Ratios read "peer time / sarcosurv time": above 1 means sarcosurv is faster.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Case, Unavailable, cpu_note, time_contender

MODULES = ["km", "logrank", "cox", "frailty", "competing", "centre_effect"]


def run_case(case: Case) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    reference: float | None = None
    for contender in case.contenders:
        try:
            seconds = time_contender(contender, case.repeat)
        except Unavailable as exc:
            rows.append(
                {
                    "task": case.task,
                    "n": case.n,
                    "contender": contender.name,
                    "seconds": float("nan"),
                    "note": f"unavailable: {exc}",
                }
            )
            continue
        if reference is None:
            reference = seconds
        rows.append(
            {
                "task": case.task,
                "n": case.n,
                "contender": contender.name,
                "seconds": seconds,
                "note": "",
            }
        )
    for row in rows:
        row["ratio_to_sarcosurv"] = (
            float(row["seconds"]) / reference if reference else float("nan")  # type: ignore[arg-type]
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["small", "large"], default="small")
    parser.add_argument("--only", nargs="*", default=MODULES)
    parser.add_argument("--csv", type=Path, help="also write the table here")
    args = parser.parse_args(argv)
    print(f"sarcosurv benchmarks, scale={args.scale}, {cpu_note()}", flush=True)
    rows: list[dict[str, object]] = []
    for name in args.only:
        module = importlib.import_module(f"bench_{name}")
        for case in module.cases(args.scale):
            case_rows = run_case(case)
            rows.extend(case_rows)
            print(pd.DataFrame(case_rows).to_string(index=False, float_format="%.3f"), flush=True)
            print(flush=True)
    if args.csv:
        pd.DataFrame(rows).to_csv(args.csv, index=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
