"""One smoke test per optional extra (skipped without it), and the message without it.

Importing sarcosurv needs no extra; a feature that needs one names it.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sarcosurv as ss
from sarcosurv import registry
from sarcosurv.errors import SarcosurvError
from sarcosurv.report import plots, to_docx, word
from sarcosurv.studies import heilig2020


def small() -> pd.DataFrame:
    return pd.DataFrame(
        {"time": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "event": [1, 0, 1, 1, 0, 1], "g": list("ababab")}
    )


def test_plot_extra_draws_a_kaplan_meier_curve() -> None:
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = ss.kaplan_meier(small(), "time", "event", by="g").plot()
    buffer = io.BytesIO()
    ax.figure.savefig(buffer, format="png")
    plt.close(ax.figure)
    assert buffer.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(ax.get_lines()) >= 2  # one curve per group


def test_parquet_extra_reads_an_extract(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    extract = heilig2020.synthetic_cohort(seed=1).head(80)
    path = tmp_path / "extract.parquet"
    extract.to_parquet(path)
    cohort = registry.Cohort.from_parquet(path, strict=False)
    assert cohort.consort["n"].iloc[0] == 80


def test_docx_extra_writes_a_word_table(tmp_path: Path) -> None:
    docx = pytest.importorskip("docx")
    table = pd.DataFrame({"term": ["age10", "sex"], "hazard_ratio": [1.18, np.nan]})
    path = to_docx({"Table 3": table}, tmp_path / "t.docx")
    document = docx.Document(str(path))
    assert [p.text for p in document.paragraphs if p.text] == ["Table 3"]
    cells = [[c.text for c in row.cells] for row in document.tables[0].rows]
    assert cells == [["term", "hazard_ratio"], ["age10", "1.18"], ["sex", ""]]


@pytest.mark.parametrize(
    ("module", "call", "extra"),
    [
        ("matplotlib", plots.require_matplotlib, "sarcosurv[plot]"),
        ("docx", word.require_docx, "sarcosurv[docx]"),
    ],
)
def test_missing_extra_is_named(
    monkeypatch: pytest.MonkeyPatch, module: str, call: object, extra: str
) -> None:
    for name in [m for m in sys.modules if m == module or m.startswith(module + ".")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, module, None)  # import fails as if not installed
    with pytest.raises(ImportError, match=extra.replace("[", r"\[").replace("]", r"\]")):
        call()  # type: ignore[operator]


def test_missing_parquet_extra_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def no_engine(*args: object, **kwargs: object) -> None:
        raise ImportError("Unable to find a usable engine")

    monkeypatch.setattr(pd, "read_parquet", no_engine)
    with pytest.raises(SarcosurvError, match=r"sarcosurv\[parquet\]"):
        registry.Cohort.from_parquet(tmp_path / "x.parquet")
