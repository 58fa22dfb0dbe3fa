"""The few reStructuredText constructs of sarcosurv's docstrings, rewritten as Markdown.

The docstrings are numpydoc and read well in ``help()``; they use Sphinx roles
(``:func:`x```, ``:class:`x```, ``:math:`x```) and ``.. math::`` blocks, which
MkDocs would print literally. Roles become code spans (or MathJax for
``:math:``) and ``.. math::`` blocks become display math. The source files are
untouched: ``griffe_rst.py`` applies this when mkdocstrings loads them.
"""

from __future__ import annotations

import re
import textwrap

_MATH_ROLE = re.compile(r":math:`([^`]+)`")
_CODE_ROLE = re.compile(r":(?:func|meth|class|mod|attr|data|exc|obj):`~?([^`]+)`")
_MATH_BLOCK_START = re.compile(r"^(\s*)\.\. math::\s*(.*)$")


def _math_blocks(text: str) -> str:
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        match = _MATH_BLOCK_START.match(lines[i])
        if match is None:
            out.append(lines[i])
            i += 1
            continue
        indent = len(match[1])
        body = [match[2]] if match[2].strip() else []
        i += 1
        while i < len(lines) and (
            not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent
        ):
            body.append(lines[i])
            i += 1
        formula = textwrap.dedent("\n".join(body)).strip()
        # A first line given after "math::" keeps its own indentation: strip each line.
        formula = "\n".join(line.strip() for line in formula.splitlines())
        pad = " " * indent
        out.extend(["", f"{pad}\\[", *(pad + line for line in formula.splitlines())])
        out.extend([f"{pad}\\]", ""])
    return "\n".join(out)


def rst_to_markdown(text: str) -> str:
    """Sphinx roles and math blocks of a docstring, rewritten for MkDocs."""
    text = _math_blocks(text)
    text = _MATH_ROLE.sub(lambda m: f"\\({m[1]}\\)", text)
    return _CODE_ROLE.sub(lambda m: f"`{m[1]}`", text)
