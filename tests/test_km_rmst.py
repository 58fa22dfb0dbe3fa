"""``KaplanMeierResult.rmst``: equal to R's survmean and to ``sarcosurv.rmst.rmst``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sarcosurv as ss
from conftest import load_dataset, load_reference
from reference_inputs import RMST_CASES
from sarcosurv.rmst import rmst

REFERENCE = load_reference("competing_reference")["rmst"]
CASES = {
    name: RMST_CASES[name]
    for name in ("lung_all_365", "lung_sex_730", "pbc_trt_1800", "heart_entry_500")
}


def _data(name: str) -> pd.DataFrame:
    data = load_dataset(name)
    if name == "lung":
        data["status01"] = data["status"] - 1
    if name == "pbc":
        data["dead"] = (data["status"] == 2).astype(int)
    return data


@pytest.mark.parametrize("name", list(CASES))
def test_km_rmst_method_matches_survmean(name: str) -> None:
    r = REFERENCE[name]
    args = dict(CASES[name])
    km = ss.kaplan_meier(_data(args.pop("data")), **args)
    out = km.rmst(r["tau"])
    np.testing.assert_allclose(out["rmst"].to_numpy(), np.atleast_1d(r["rmst"]), rtol=1e-8)
    np.testing.assert_allclose(out["std_err"].to_numpy(), np.atleast_1d(r["std_err"]), rtol=1e-8)


def test_km_rmst_method_equals_function_for_several_taus() -> None:
    km = ss.kaplan_meier(_data("lung"), "time", "status01", by="sex")
    pd.testing.assert_frame_equal(km.rmst([200, 400, 600]), rmst(km, [200, 400, 600]))


def test_km_rmst_hand_worked() -> None:
    # S = 1 on [0, 1), 2/3 on [1, 2), 1/3 on [2, 3): area to 2.5 = 1 + 2/3 + 0.5/3.
    km = ss.kaplan_meier(pd.DataFrame({"t": [1, 2, 3], "e": [1, 1, 1]}), "t", "e")
    assert km.rmst(2.5)["rmst"].iloc[0] == pytest.approx(1 + 2 / 3 + 0.5 / 3, rel=1e-12)
