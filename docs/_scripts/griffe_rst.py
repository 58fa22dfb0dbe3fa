"""Griffe extension: docstrings' reStructuredText roles and math as Markdown (see rst.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import griffe

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rst import rst_to_markdown


class RstToMarkdown(griffe.Extension):
    """Rewrite every docstring once it is loaded."""

    def on_object(self, *, obj: Any, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = rst_to_markdown(obj.docstring.value)

    def on_instance(self, *, obj: Any, **kwargs: Any) -> None:
        self.on_object(obj=obj)
