"""Reproduce Heilig et al., ESMO Open 2020 (ASCT in adult soft-tissue sarcoma).

Usage::

    python examples/reproduce_heilig2020.py                      # synthetic registry, seed 2020
    python examples/reproduce_heilig2020.py --seed 7             # another synthetic draw
    python examples/reproduce_heilig2020.py --data extract.csv   # a real extract (CSV or Parquet)
    python examples/reproduce_heilig2020.py --out results/       # output directory

Writes ``report.md``, one CSV per table and the figures (PNG) into ``--out``
(default ``./heilig2020_output``). A real extract must follow the registry
schema (see the documentation, "Registry schema"); rows with problems are left
out and listed in ``problems.csv`` unless ``--strict`` is given, in which case
any problem stops the run. The exit status is 0 on success, 2 when the data
cannot be used.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

import sarcosurv as ss
from sarcosurv.errors import SarcosurvError, ValidationError
from sarcosurv.registry import Cohort
from sarcosurv.studies import heilig2020
from sarcosurv.studies.heilig2020 import DataSource


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, help="registry extract (.csv or .parquet)")
    parser.add_argument("--out", type=Path, default=Path("heilig2020_output"))
    parser.add_argument("--seed", type=int, default=2020, help="seed of the synthetic registry")
    parser.add_argument("--strict", action="store_true", help="stop at any data problem")
    parser.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    return parser.parse_args(argv)


class Progress:
    """One line per stage with the elapsed time."""

    def __init__(self) -> None:
        self.start = time.perf_counter()

    def __call__(self, message: str) -> None:
        print(f"[{time.perf_counter() - self.start:6.1f} s] {message}", flush=True)


def load_cohort(args: argparse.Namespace, progress: Progress) -> tuple[Cohort, DataSource]:
    if args.data is None:
        progress(f"simulating the synthetic registry (seed {args.seed})")
        extract = heilig2020.synthetic_cohort(seed=args.seed)
        cohort = Cohort.from_frame(extract, strict=True, eligibility=heilig2020.ELIGIBILITY)
        description = f"`sarcosurv.studies.heilig2020.synthetic_cohort(seed={args.seed})`"
        return cohort, DataSource(True, description, cohort.consort)
    progress(f"reading and validating {args.data}")
    reader = Cohort.from_parquet if args.data.suffix == ".parquet" else Cohort.from_csv
    cohort = reader(args.data, strict=args.strict, eligibility=heilig2020.ELIGIBILITY)
    return cohort, DataSource(False, f"registry extract `{args.data.name}`", cohort.consort)


def report_exclusions(cohort: Cohort, out: Path, progress: Progress) -> None:
    for step, n in zip(cohort.consort["step"], cohort.consort["n"], strict=True):
        progress(f"  {step}: {n}")
    if len(cohort.exclusions):
        path = out / "problems.csv"
        cohort.exclusions.to_csv(path, index=False)
        progress(f"  {len(cohort.exclusions)} problem(s) listed in {path}")


def write_figures(
    analysis: heilig2020.Heilig2020Analysis,
    endpoints: pd.DataFrame,
    source: DataSource,
    out: Path,
    progress: Progress,
) -> Path:
    """Figure 1 and the supplementary curves, linked in the report; one line without matplotlib."""
    progress("Figure 1 and supplementary Kaplan-Meier curves")
    try:
        figures = heilig2020.save_figures(endpoints, out)
    except ImportError:
        progress(f"  {heilig2020.FIGURES_NEED_PLOT}")
        return heilig2020.write_report(
            analysis, out, source, figures_note=heilig2020.FIGURES_NEED_PLOT
        )
    return heilig2020.write_report(analysis, out, source, figures)


def run(args: argparse.Namespace) -> int:
    progress = Progress()
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        cohort, source = load_cohort(args, progress)
    except ValidationError as exc:
        problems = args.out / "problems.csv"
        exc.problems.to_csv(problems, index=False)
        print(f"error: the extract failed validation ({problems} lists every problem)\n{exc}")
        return 2
    except (SarcosurvError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    report_exclusions(cohort, args.out, progress)
    progress("deriving endpoints (months since first ASCT)")
    endpoints = heilig2020.endpoints(cohort, unit="months")
    progress("Tables 1-3, centre frailty, medians and the published comparison")
    with warnings.catch_warnings(record=True) as caught:
        # Small subgroups of a real extract can trip convergence warnings; they
        # are listed after the stage rather than interleaved with progress lines.
        warnings.simplefilter("always")
        analysis = heilig2020.analyse(endpoints, heilig2020.published())
    for message in sorted({f"{w.category.__name__}: {w.message}" for w in caught}):
        progress(f"  warning: {message}")
    # Tables first: a failure while drawing cannot cost the tables.
    report = heilig2020.write_report(analysis, args.out, source)
    progress(f"tables written: {report} and one CSV per table")
    if not args.no_figures:
        report = write_figures(analysis, endpoints, source, args.out, progress)
    reversed_ = heilig2020.direction_reversals(analysis.comparison)
    progress(
        f"published estimates inside reproduced 95% CIs: Table 2 {analysis.inside_table2:.0%},"
        f" Table 3 {analysis.inside_table3:.0%}; Table 3 hazard ratios pointing the other way:"
        f" {len(reversed_)}"
    )
    progress(f"done: {report} (sarcosurv {ss.__version__})")
    return 0


def main(argv: list[str] | None = None) -> int:
    return run(parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
