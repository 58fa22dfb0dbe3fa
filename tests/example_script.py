"""The reproduction example as the test files run it: in a child process, output captured."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "examples" / "reproduce_heilig2020.py"


def run_script(*args: str, cwd: Path, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    """``python examples/reproduce_heilig2020.py *args`` in ``cwd`` (exit status not checked)."""
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
