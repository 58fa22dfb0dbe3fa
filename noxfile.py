"""Development sessions: tests, lint, typecheck, docs, bench and conformance."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True

ROOT = Path(__file__).parent


@nox.session
def tests(session: nox.Session) -> None:
    """The default test suite: reference JSON, hand cases, properties, the example smoke test."""
    session.install("-e", ".[test]")
    session.run(
        "pytest",
        "-n",
        "auto",
        "-m",
        "not slow",
        *session.posargs,
        env={"HYPOTHESIS_PROFILE": "ci"},
    )


#: Extras whose lower bounds the ``minimum`` session proves beside the runtime dependencies.
MINIMUM_EXTRAS = ("plot", "parquet", "docx")


def lower_bounds(extras: tuple[str, ...] = MINIMUM_EXTRAS) -> list[str]:
    """``name==version`` for every ``name>=version`` of the runtime dependencies and ``extras``."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in extras:
        requirements += project["optional-dependencies"][extra]
    pins = []
    for requirement in requirements:
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)(\[[^]]*\])?\s*>=\s*([^,;\s]+).*", requirement)
        if match is None:
            raise ValueError(f"{requirement!r} declares no lower bound (name>=version)")
        pins.append(f"{match.group(1)}=={match.group(3)}")
    return pins


@nox.session(python="3.11")
def minimum(session: nox.Session) -> None:
    """The suite at the declared lower bound of every dependency, on the oldest Python.

    The bounds in ``pyproject.toml`` are the ones this session proves: lower one
    only after this session passes with it.
    """
    pins = lower_bounds()
    constraints = Path(session.create_tmp()) / "minimum-constraints.txt"
    constraints.write_text("\n".join(pins) + "\n", encoding="utf-8")
    extras = ",".join(("test", *MINIMUM_EXTRAS))
    session.install("-c", str(constraints), "-e", f".[{extras}]")
    session.run("python", "-m", "pip", "list")
    session.run("pytest", "-n", "auto", "-m", "not slow", "-p", "no:randomly", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff, and the import-linter layer contract of ``[tool.importlinter]``."""
    session.install("ruff>=0.6", "import-linter>=2.1")
    paths = ("src", "tests", "examples", "benchmarks", "tools", "noxfile.py")
    session.run("ruff", "check", *paths)
    session.run("ruff", "format", "--check", *paths)
    # Both read the package from src/ (no install needed).
    session.run("lint-imports", env={"PYTHONPATH": str(ROOT / "src")})
    session.run("python", "tools/check_import_cycles.py")


@nox.session
def typecheck(session: nox.Session) -> None:
    session.install("-e", ".[dev]")
    session.run("mypy", "--strict", "src")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation in strict mode (warnings are errors)."""
    session.install("-e", ".[docs]")
    session.run("mkdocs", "build", "--strict", "--site-dir", "site")


@nox.session
def bench(session: nox.Session) -> None:
    """Time sarcosurv against lifelines, statsmodels and R (when Rscript is on PATH)."""
    session.install("-e", ".[bench]")
    session.run("python", "benchmarks/run.py", *session.posargs)


@nox.session
def bench_dask(session: nox.Session) -> None:
    """Out of core: Cox (10 covariates, Parquet) and Kaplan–Meier on Dask, two workers of 2 GiB.

    Not in the default sessions. Pass sizes after ``--``, e.g. the issue's
    ``nox -s bench_dask -- --cox-rows 1e8 --km-rows 1e9``.
    """
    session.install("-e", ".[dask,parquet]")
    session.run("python", "benchmarks/bench_dask.py", *session.posargs)


def _r_has(package: str) -> bool:
    lib = "c(Sys.getenv('FRAILTYEM_LIB', '/opt/rlib'), .libPaths())"
    found = f"requireNamespace('{package}', lib.loc = {lib}, quietly = TRUE)"
    check = f"quit(status = as.integer(!{found}))"
    return subprocess.run(["Rscript", "-e", check], check=False).returncode == 0


@nox.session
def conformance(session: nox.Session) -> None:
    """Regenerate the R reference JSON (needs Rscript with survival), then run the tests.

    The regenerated files replace the committed ones; ``git diff`` shows any drift.
    """
    if shutil.which("Rscript") is None:
        session.error("Rscript is not on PATH: install r-base-core and r-cran-survival")
    for script in sorted((ROOT / "tests" / "reference").glob("*.R")):
        needs = [pkg for pkg in ("frailtyEM",) if f"library({pkg}" in script.read_text()]
        missing = [pkg for pkg in needs if not _r_has(pkg)]
        if missing:
            # frailtyEM is not packaged for Debian; its committed JSON stays in use.
            session.warn(f"skipping {script.name}: R package(s) {', '.join(missing)} missing")
            continue
        session.run("Rscript", str(script), external=True)
    session.install("-e", ".[test]")
    session.run("pytest", "-n", "auto", *session.posargs)
