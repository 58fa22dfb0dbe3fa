"""Export of a printed table (Markdown, LaTeX, HTML, Word) shared by the table results."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from .format import to_html, to_latex, to_markdown
from .word import to_docx

__all__ = ["TableExport"]


class TableExport:
    """Mixin: a result with ``summary()`` (the printed cells) and ``notes`` (footnotes)."""

    notes: tuple[str, ...]

    def summary(self) -> pd.DataFrame:
        raise NotImplementedError

    def to_markdown(self) -> str:
        """GitHub-flavoured Markdown, the notes as paragraphs under the table."""
        return to_markdown(self.summary()) + "".join(f"\n{note}\n" for note in self.notes)

    def to_latex(self) -> str:
        """A booktabs ``tabular`` (pandas ``Styler.to_latex``; pandas escapes the text).

        The notes follow as LaTeX comments, to be set as the table's footnotes.
        """
        notes = "".join(f"% {note}\n" for note in self.notes)
        return to_latex(self.summary()) + notes

    def to_html(self) -> str:
        """An HTML ``<table>`` (pandas ``DataFrame.to_html``, escaped), notes as paragraphs."""
        notes = "".join(f"<p>{html.escape(note)}</p>" for note in self.notes)
        return to_html(self.summary()) + notes

    def to_docx(self, path: str | Path, title: str = "") -> Path:
        """Write a Word document with the table and its notes (python-docx, extra ``docx``)."""
        return to_docx({title: self.summary()}, path, notes=self.notes)

    def __str__(self) -> str:
        return self.summary().to_string(index=False) + "".join(f"\n{n}" for n in self.notes)

    def _repr_html_(self) -> str:
        return self.to_html()
