"""Development sessions: tests, lint, typecheck, docs, bench and conformance."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True

ROOT = Path(__file__).parent


@nox.session
def tests(session: nox.Session) -> None:
    """The default test suite: reference JSON, hand cases, properties, the example smoke test."""
    session.install("-e", ".[test]")
    session.run("pytest", "-n", "auto", "-m", "not slow", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff>=0.6")
    session.run("ruff", "check", "src", "tests", "examples", "benchmarks", "noxfile.py")
    session.run("ruff", "format", "--check", "src", "tests", "examples", "benchmarks", "noxfile.py")


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
