"""matplotlib, imported when a plot is drawn (the optional ``plot`` extra), and figure helpers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["new_axes", "pad_layout", "require_matplotlib"]


def require_matplotlib() -> Any:
    """``matplotlib.pyplot``, or an ImportError that names the ``plot`` extra."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "plotting needs matplotlib: pip install sarcosurv[plot] (or pip install matplotlib)"
        ) from exc
    return plt


def pad_layout(fig: Any) -> None:
    """Wider constrained-layout margins: texts are measured again at the savefig dpi."""
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    engine = fig.get_layout_engine()
    if isinstance(engine, ConstrainedLayoutEngine):
        engine.set(w_pad=0.1, h_pad=0.08)


def new_axes(figsize: tuple[float, float] = (7.0, 5.0)) -> Axes:
    """One axes on a new figure with the constrained layout (room for every text)."""
    plt = require_matplotlib()
    fig = plt.figure(figsize=figsize, layout="constrained")
    pad_layout(fig)
    ax: Axes = fig.add_subplot()
    return ax
