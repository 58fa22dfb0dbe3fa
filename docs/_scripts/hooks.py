"""MkDocs hooks: computed tables and figures, and pages other engineers have yet to write.

* ``<!-- generated: NAME -->`` in a page becomes the Markdown of
  ``generated.markdown(NAME)``: the schema table, the tutorial's tables and the
  R agreement tables are computed at build time, so they cannot drift from
  the code.
* The tutorial's Kaplan–Meier figures are drawn (matplotlib, Agg) and added
  to the site as generated files.
* Every Python block of a page runs at build time and what it prints is shown
  under it (:mod:`run_blocks`), so the printed output cannot drift from the code.
* A page listed in ``nav`` that does not exist yet (another engineer's) is
  dropped from the navigation with a log message, and links to it are shown
  as plain text, instead of failing the strict build.
"""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generated
import run_blocks

log = logging.getLogger("mkdocs.hooks.sarcosurv")

MARKER = re.compile(r"<!--\s*generated:\s*([\w-]+)\s*-->")
#: Pages owned by other engineers: linked when present, announced when not.
PENDING_PAGES = ("validation/frailty-simulation.md",)
_missing: set[str] = set()


def _prune(nav: Any, docs_dir: Path) -> Any:
    if isinstance(nav, list):
        kept = [_prune(item, docs_dir) for item in nav]
        return [item for item in kept if item is not None]
    if isinstance(nav, dict):
        out = {key: _prune(value, docs_dir) for key, value in nav.items()}
        return out if all(value is not None for value in out.values()) else None
    if isinstance(nav, str) and nav in PENDING_PAGES and not (docs_dir / nav).exists():
        _missing.add(nav)
        return None
    return nav


def on_config(config: Any) -> Any:
    _missing.clear()
    config["nav"] = _prune(config["nav"], Path(config["docs_dir"]))
    for page in sorted(_missing):
        log.info("page %s does not exist yet: left out of the navigation", page)
    return config


def on_files(files: Any, config: Any) -> Any:
    from mkdocs.structure.files import File  # imported here so that tests need no MkDocs

    for path, content in generated.figures().items():
        files.append(File.generated(config, path, content=content))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    markdown = MARKER.sub(lambda m: "\n" + generated.markdown(m[1]) + "\n", markdown)
    markdown = run_blocks.with_outputs(markdown, page.file.src_uri)
    for pending in _missing:
        name = pending.rsplit("/", 1)[-1]
        # [text](../validation/frailty-simulation.md) -> text (page to come)
        pattern = re.compile(r"\[([^\]]+)\]\((?:[./]*validation/)?" + re.escape(name) + r"\)")
        markdown = pattern.sub(r"\1 (page in preparation)", markdown)
    return markdown
