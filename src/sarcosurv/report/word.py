"""Tables as Word documents, for journals and co-authors who edit in Word.

python-docx is the optional ``docx`` extra (``pip install "sarcosurv[docx]"``),
imported only when a document is written. It was chosen because it writes
native Word tables (editable cells, real table styles) from pure Python, with
no office suite or converter on the machine.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["require_docx", "to_docx"]


def require_docx() -> Any:
    """The ``docx`` module (python-docx), or an ImportError that names the extra."""
    try:
        import docx
    except ImportError as exc:
        raise ImportError(
            "writing Word documents needs python-docx: pip install 'sarcosurv[docx]'"
        ) from exc
    return docx


def _cell(value: object, float_format: str) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return float_format.format(value)
    return str(value)


def to_docx(
    tables: pd.DataFrame | Mapping[str, pd.DataFrame],
    path: str | Path,
    *,
    index: bool = False,
    float_format: str = "{:g}",
    style: str = "Table Grid",
    notes: Sequence[str] = (),
) -> Path:
    """Write one table, or several under headings, to a Word (.docx) document.

    Missing values are empty cells; floats go through ``float_format``. A
    mapping writes each table under its key as a heading, in order.

    Parameters
    ----------
    tables : DataFrame or mapping of str to DataFrame
        The table(s), e.g. :func:`sarcosurv.report.tables.cox_table` output.
    path : str or Path
        The ``.docx`` file to write.
    index : bool
        Write the index as the first column(s).
    float_format : str
        Format of float cells.
    style : str
        A table style of Word's default template.
    notes : sequence of str
        Footnotes, one paragraph each, after the last table.

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import pandas as pd
    >>> from sarcosurv.report import to_docx
    >>> table = pd.DataFrame({"term": ["age10"], "hazard_ratio": [1.18]})
    >>> to_docx({"Table 3": table}, "table3.docx").suffix  # doctest: +SKIP
    '.docx'
    """
    docx = require_docx()
    document = docx.Document()
    named = {"": tables} if isinstance(tables, pd.DataFrame) else dict(tables)
    for title, table in named.items():
        frame = table.reset_index() if index else table
        if title:
            document.add_heading(title, level=2)
        grid = document.add_table(rows=len(frame) + 1, cols=len(frame.columns))
        grid.style = style
        for j, column in enumerate(frame.columns):
            grid.cell(0, j).text = str(column)
        for i, row in enumerate(frame.itertuples(index=False), start=1):
            for j, value in enumerate(row):
                grid.cell(i, j).text = _cell(value, float_format)
    for note in notes:
        document.add_paragraph(note)
    out = Path(path)
    document.save(str(out))
    return out
