"""Reproduce Heilig et al., ESMO Open 2020 (ASCT in adult soft-tissue sarcoma).

Usage::

    python examples/reproduce_heilig2020.py                      # synthetic registry, seed 2020
    python examples/reproduce_heilig2020.py --seed 7             # another synthetic draw
    python examples/reproduce_heilig2020.py --data extract.csv   # a real extract (CSV or Parquet)
    python examples/reproduce_heilig2020.py --out results/       # output directory
    python examples/reproduce_heilig2020.py --overwrite          # replace an earlier run's output

Writes ``report.md``, one CSV per table and the figures (PNG) into ``--out``
(default ``./heilig2020_output``). A non-empty ``--out`` is refused unless
``--overwrite`` is given, which first removes the earlier run's outputs (so
that no stale ``problems.csv`` or figure is left beside the new report). A
real extract must follow the registry schema (see the documentation,
"Registry schema"); rows with problems are left out and listed in
``problems.csv`` unless ``--strict`` is given, in which case any problem stops
the run. The exit status is 0 on success, 2 with a line
``error: ...`` when the arguments, the output directory or the data cannot be
used.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import pandas as pd

import sarcosurv as ss
from sarcosurv.errors import SarcosurvError, ValidationError
from sarcosurv.registry import Cohort
from sarcosurv.studies import heilig2020
from sarcosurv.studies.heilig2020 import DataSource, mi_section

#: Files an earlier run may have left in --out (removed by --overwrite).
OUTPUT_PATTERNS = ("*.md", "*.csv", "*.png", "*.svg", "*.pdf", "*.docx", "*.tex", "*.html")


class UsageError(Exception):
    """The arguments or the output directory cannot be used (exit status 2)."""


def seed(text: str) -> int:
    """A seed of numpy's generator: a whole number from 0 to 2**32 - 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"{value} is not between 0 and 2**32 - 1")
    return value


def count(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number of at least ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is below the minimum {minimum}")
        return value

    return parse


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, help="registry extract (.csv or .parquet)")
    parser.add_argument("--out", type=Path, default=Path("heilig2020_output"))
    parser.add_argument("--seed", type=seed, default=2020, help="seed of the synthetic registry")
    parser.add_argument("--strict", action="store_true", help="stop at any data problem")
    parser.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    parser.add_argument(
        "--overwrite", action="store_true", help="replace the outputs of an earlier run in --out"
    )
    parser.add_argument(
        "--imputations", type=count(2), default=20, help="m for Table 3 by multiple imputation"
    )
    parser.add_argument(
        "--bootstrap", type=count(0), default=199,
        help="replicates of the centre-effect bootstrap (0 leaves that test out)",
    )  # fmt: skip
    return parser.parse_args(argv)  # bad arguments: "error: ..." and exit status 2


def prepare_out(out: Path, overwrite: bool) -> None:
    """Create ``out`` (or empty it of an earlier run's outputs); refuse what cannot work."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file, not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # under a file, no permission, read-only file system
        reason = exc.strerror or exc
        raise UsageError(f"cannot create the output directory {out}: {reason}") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise UsageError(f"the output directory {out} is not writable")
    earlier = list(out.iterdir())
    # A folder holding only an earlier run's outputs (its report.md among them) is
    # rewritten fresh, so the README command can be run again; anything else in
    # it needs --overwrite, which still removes only this script's kinds of file.
    ours = (out / "report.md").is_file() and all(
        path.is_file() and any(path.match(pattern) for pattern in OUTPUT_PATTERNS)
        for path in earlier
    )
    if earlier and not ours and not overwrite:
        raise UsageError(
            f"--out {out} is not empty ({len(earlier)} entries, e.g. {earlier[0].name}); "
            "pass --overwrite to replace an earlier run's outputs, or choose another --out"
        )
    for pattern in OUTPUT_PATTERNS:
        for path in out.glob(pattern):
            if path.is_file():
                path.unlink()


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
    parquet = args.data.suffix.lower() in (".parquet", ".pq")
    reader = Cohort.from_parquet if parquet else Cohort.from_csv
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
    write: Callable[..., Path],
    endpoints: pd.DataFrame,
    competing: heilig2020.CompetingSection,
    out: Path,
    progress: Progress,
) -> Path:
    """Figure 1, the supplementary curves and the CIF figure, linked in the report.

    Without matplotlib the report says so in one line; the tables are already written.
    """
    progress("Figure 1, supplementary Kaplan-Meier curves and the cumulative incidence figure")
    try:
        figures = heilig2020.save_figures(endpoints, out)
        cif = competing.save_figure(endpoints, out).name
    except ImportError:
        progress(f"  {heilig2020.FIGURES_NEED_PLOT}")
        return write(figures_note=heilig2020.FIGURES_NEED_PLOT)
    return write(figures=figures, cif_figure=cif)


def sections(
    endpoints: pd.DataFrame, args: argparse.Namespace, progress: Progress
) -> tuple[pd.DataFrame, heilig2020.CompetingSection, heilig2020.CentreSection]:
    """Table 3 by multiple imputation, relapse incidence / NRM and the four centre-effect tests."""
    m = args.imputations
    progress(f"Table 3 by multiple imputation (m = {m}, chained equations, Rubin's rules)")
    mi_table3 = mi_section.mi_table3(mi_section.mi_fits(endpoints, m=m, seed=args.seed))
    progress("relapse incidence and NRM (competing risks); the four centre-effect tests")
    competing = heilig2020.competing_section(endpoints)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the sections list their warnings as notes
        centre = heilig2020.centre_section(endpoints, bootstrap=args.bootstrap, seed=args.seed)
    return mi_table3, competing, centre


def run(args: argparse.Namespace) -> int:
    progress = Progress()
    try:
        prepare_out(args.out, args.overwrite)
        cohort, source = load_cohort(args, progress)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ValidationError as exc:
        problems = args.out / "problems.csv"
        exc.problems.to_csv(problems, index=False)
        print(f"error: the extract failed validation ({problems} lists every problem)\n{exc}")
        return 2
    except (SarcosurvError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    report_exclusions(cohort, args.out, progress)
    if cohort.n == 0:
        print(
            f"error: no patient is left to analyse: all {cohort.consort['n'].iloc[0]} rows were "
            f"excluded ({args.out / 'problems.csv'} lists why)",
            file=sys.stderr,
        )
        return 2
    try:
        return analyse(args, cohort, source, progress)
    except SarcosurvError as exc:  # e.g. a cohort too small for a model
        print(f"error: the analysis cannot run on these data: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot write the outputs: {exc}", file=sys.stderr)
        return 2


def analyse(
    args: argparse.Namespace, cohort: Cohort, source: DataSource, progress: Progress
) -> int:
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
    mi_table3, competing, centre = sections(endpoints, args, progress)

    def write(
        figures: dict[str, Path] | None = None,
        figures_note: str | None = None,
        cif_figure: str | None = None,
    ) -> Path:
        extra = [competing.markdown(cif_figure), centre.markdown()]
        return heilig2020.write_report(
            analysis, args.out, source, figures, figures_note,
            mi_table3=mi_table3, extra_sections=extra,
        )  # fmt: skip

    # Tables first: a failure while drawing cannot cost the tables.
    report = write()
    progress(f"tables written: {report} and one CSV per table")
    if not args.no_figures:
        report = write_figures(write, endpoints, competing, args.out, progress)
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
