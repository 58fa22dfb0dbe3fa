"""Run a page's Python code blocks at build time and show what they print under each block.

Every top-level fenced ``python`` block of a page runs, in page order, the
blocks of one page sharing a namespace (as ``tests/test_docs.py`` runs them),
in a temporary working directory with matplotlib's Agg backend. What a block
prints is inserted right after it as a ``text`` block titled "Output", so the
output on the site is the output of the code at build time and cannot drift
from it. A block that raises fails the build, naming the page and block.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import tempfile
import warnings
from typing import Any

#: A top-level ```python fence (not indented, so not inside tabs or admonitions).
FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)


class DocsBlockError(RuntimeError):
    """A code block of a page failed at build time."""


def _output_block(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"`{3,}", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f'\n\n{fence}text title="Output"\n{text.rstrip()}\n{fence}'


def _run(code: str, label: str, namespace: dict[str, Any]) -> str:
    import matplotlib.pyplot as plt
    import pandas as pd

    buffer = io.StringIO()
    wide = pd.option_context("display.width", 110, "display.max_columns", 30)
    try:
        with contextlib.redirect_stdout(buffer), warnings.catch_warnings(), wide:
            warnings.simplefilter("ignore")
            exec(compile(code, label, "exec"), namespace)
    except Exception as exc:
        raise DocsBlockError(f"{label} failed at build time: {exc!r}") from exc
    finally:
        plt.close("all")
    return buffer.getvalue()


def with_outputs(markdown: str, page: str) -> str:
    """``markdown`` with the printed output of each Python block inserted after it."""
    if not FENCE.search(markdown):
        return markdown
    import matplotlib

    matplotlib.use("Agg")
    namespace: dict[str, Any] = {"__name__": f"docs:{page}"}
    pieces, end, number = [], 0, 0
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as scratch:
        os.chdir(scratch)
        try:
            for match in FENCE.finditer(markdown):
                number += 1
                printed = _run(match[1], f"{page} [block {number}]", namespace)
                pieces.append(markdown[end : match.end()])
                if printed.strip():
                    pieces.append(_output_block(printed))
                end = match.end()
        finally:
            os.chdir(here)
    pieces.append(markdown[end:])
    return "".join(pieces)
