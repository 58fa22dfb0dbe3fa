"""The numbers-at-risk table as its own axes, carved out of the plot's own slot.

The table is not text drawn under the axes (which a plain ``savefig`` cuts off
whenever the figure has no room there): the slot the plot axes occupies (its
``SubplotSpec``) is split into the plot and a table axes below it, sharing the
x axis. Layout engines (``tight_layout``, ``layout="constrained"``) then see
both axes; without one, the table still lies inside the slot the caller gave.
Axes placed by hand (``fig.add_axes``) get the table through
``make_axes_locatable`` instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["attach_table_axes", "draw_risk_table"]

#: Height of one table row and the gap above the table, in lines of the font size.
_ROW_LINES = 1.45
_GAP_LINES = 4.2


def _line_inches() -> float:
    import matplotlib as mpl

    return float(mpl.rcParams["font.size"]) / 72.0


def attach_table_axes(ax: Axes, n_rows: int) -> Axes:
    """A new axes under ``ax`` (shared x axis) with room for ``n_rows`` rows of text.

    The new axes takes its height from the slot of ``ax``: the figure and the
    caller's layout keep their size, and the table stays inside the figure.
    """
    fig = cast("Figure", ax.get_figure(root=True))
    line = _line_inches()
    want_table = line * (_ROW_LINES * n_rows + 0.4)
    want_gap = line * _GAP_LINES
    spec = ax.get_subplotspec()
    if spec is None:  # an axes placed with add_axes: borrow from its own height
        from mpl_toolkits.axes_grid1 import make_axes_locatable  # type: ignore[import-untyped]

        divider = make_axes_locatable(ax)
        table: Axes = divider.append_axes("bottom", size=want_table, pad=want_gap, sharex=ax)
        return table
    slot_height = spec.get_position(fig).height * float(fig.get_size_inches()[1])
    table_height = min(want_table, 0.45 * slot_height)
    gap = min(want_gap, 0.3 * slot_height)
    main_height = max(slot_height - table_height - gap, 0.1 * slot_height)
    mean_height = (main_height + table_height) / 2.0
    # A layout engine makes room for the texts between the axes itself.
    engine = fig.get_layout_engine()
    hspace = 0.0 if engine is not None and engine.adjust_compatible is False else gap / mean_height
    sub = spec.subgridspec(2, 1, height_ratios=[main_height, table_height], hspace=hspace)
    ax.set_subplotspec(sub[0])
    table = fig.add_subplot(sub[1], sharex=ax)
    return table


def _names_fit(ax: Axes, table: Axes, names: Sequence[str], pad: float) -> bool:
    """Whether the row names fit left of the table without a layout engine to make room.

    The room is the distance (in points) from the table's left edge to the
    figure's edge or to the nearest other axes on its left at the same height.
    """
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    fig = cast("Figure", table.get_figure(root=True))
    if fig.get_layout_engine() is not None:
        return True
    prop = FontProperties(size="small")
    widest = max(TextPath((0, 0), name, prop=prop).get_extents().width for name in names)
    width = float(fig.get_size_inches()[0]) * 72.0
    box = table.get_position()
    room = box.x0 * width
    for other in fig.axes:
        if other is table or other is ax or not other.get_visible():
            continue
        theirs = other.get_position()
        if theirs.x1 <= box.x0 and theirs.y0 < box.y1 and theirs.y1 > box.y0:
            room = min(room, (box.x0 - theirs.x1) * width)
    return bool(widest + pad + 2.0 <= room)


#: Clear space between a row name and the first count, in ems of the table's font.
_LABEL_GAP_EMS = 0.8


def _label_pad(firsts: Sequence[str]) -> float:
    """Tick pad (points) that keeps the row names clear of the first column.

    The first column is centred on the table's left edge, so half the width
    of its widest count lies left of the edge; the names sit that far out,
    plus a gap of :data:`_LABEL_GAP_EMS` ems.
    """
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    prop = FontProperties(size="small")
    font = prop.get_size_in_points()
    widths = [TextPath((0, 0), text, prop=prop).get_extents().width for text in firsts if text]
    return 0.5 * max(widths, default=0.0) + _LABEL_GAP_EMS * font


def _format_count(value: float) -> str:
    return "" if np.isnan(value) else f"{value:g}"


def draw_risk_table(
    ax: Axes,
    times: Sequence[float],
    counts: Sequence[npt.ArrayLike],
    names: Sequence[str],
    colors: Sequence[Any],
    title: str = "Number at risk",
    row_labels: str = "auto",
) -> Axes:
    """Draw the table (one row per curve, one column per time) in an axes under ``ax``.

    Parameters
    ----------
    ax : matplotlib Axes
        The plot; its x axis is shared with the table, so the numbers stay
        under their times when the x limits change.
    times : sequence of float
        The columns of the table, in data units of the x axis; they become the
        major x ticks of the plot.
    counts : sequence of array-like
        One array per row, a count per time (NaN prints nothing).
    names, colors : sequence
        Row labels (drawn as y tick labels, so layout engines make room for
        them) and their colours.
    title : str
        Header of the table, above its left edge.
    row_labels : {"auto", "names", "bars"}
        Rows named by ``names``, or by a bar in the curve's colour (survminer's
        ``risk.table.y.text = FALSE``; the legend names the colours).
        ``"auto"`` uses the names when the figure has a layout engine or the
        names fit in the room left of the table, bars otherwise, so that no
        name is cut off at the figure's edge or drawn over a neighbouring plot.

    Returns
    -------
    matplotlib.axes.Axes
        The table axes.
    """
    if row_labels not in ("auto", "names", "bars"):
        raise ValueError(f"row_labels must be 'auto', 'names' or 'bars', not {row_labels!r}")
    table = attach_table_axes(ax, len(names))
    ax.set_xticks([float(t) for t in times])
    n_rows = len(names)
    pad = _label_pad(
        [_format_count(float(np.asarray(c, dtype=np.float64)[0])) for c in counts if np.size(c)]
    )
    bars = row_labels == "bars" or (row_labels == "auto" and not _names_fit(ax, table, names, pad))
    if bars:
        names = ["\u2014\u2014"] * n_rows
    table.set_ylim(n_rows - 0.5, -0.5)
    table.set_yticks(range(n_rows), labels=list(names))
    for label, color in zip(table.get_yticklabels(), colors, strict=True):
        label.set_color(color)
        label.set_fontweight("heavy" if bars else "normal")
    table.tick_params(axis="y", length=0, labelsize="small", pad=pad)
    table.tick_params(axis="x", bottom=False, labelbottom=False)
    for spine in table.spines.values():
        spine.set_visible(False)
    table.patch.set_visible(False)
    table.set_title(title, loc="left", fontsize="small", fontweight="bold")
    for row, (values, color) in enumerate(zip(counts, colors, strict=True)):
        numbers = np.asarray(values, dtype=np.float64)
        for t, n in zip(times, numbers, strict=True):
            table.text(
                float(t),
                row,
                _format_count(float(n)),
                ha="center",
                va="center",
                fontsize="small",
                color=color,
            )
    return table
