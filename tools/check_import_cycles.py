"""Fail when any two modules of src/sarcosurv import each other, directly or through others.

Every import statement counts, including those inside functions (grimp reads
them all); imports under ``if TYPE_CHECKING:`` do not, since they never run.
Run from the repository root: ``python tools/check_import_cycles.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]


def strongly_connected(graph: grimp.ImportGraph) -> list[list[str]]:
    """Tarjan's algorithm over the module graph; components of more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    sys.setrecursionlimit(10_000)

    def visit(module: str) -> None:
        nonlocal counter
        index[module] = low[module] = counter
        counter += 1
        stack.append(module)
        on_stack.add(module)
        for target in sorted(graph.find_modules_directly_imported_by(module)):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def main(argv: list[str]) -> int:
    source = Path(argv[0]) if argv else ROOT / "src"  # another checkout's src/, to compare
    sys.path.insert(0, str(source.resolve()))
    graph = grimp.build_graph("sarcosurv", exclude_type_checking_imports=True)
    # A package's __init__ re-exporting its submodules is no cycle of its own:
    # only edges between distinct modules that are not parent and child count.
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            if imported.startswith(importer + ".") or importer.startswith(imported + "."):
                graph.remove_import(importer=importer, imported=imported)
    cycles = strongly_connected(graph)
    for component in cycles:
        print("import cycle among:", ", ".join(component))
        for importer in component:
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                if imported in component:
                    lines = graph.get_import_details(importer=importer, imported=imported)
                    where = ", ".join(f"l.{d['line_number']}" for d in lines)
                    print(f"    {importer} -> {imported} ({where})")
    print(f"{len(graph.modules)} modules, {len(cycles)} import cycle(s)")
    return 1 if cycles else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
