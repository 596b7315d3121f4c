"""Statistics page: "Model quality on closed cases (MapScore)" scores on a click and shows the
table, the summary per model and a CSV, in English and Chinese (AppTest).

The logbook (tests/casescore_cases.py): 010 found in the IPP's cell, whose MapScore is
1 - 2/N with N = 334 x 334 cells (Sava, Twardy, Koester & Sonwalkar 2016: r = 1/N, score =
(0.5 - r) / 0.5); 020 found outside the map; 030 without planning inputs; 040 closed without a
find location.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from sar_planner.logbook.db import reset_database_cache
from tests.casescore_cases import IPP_SCORE, make_logbook
from tests.signin import sign_in_apptest

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGE = "sar_planner/ui/pages/statistics.py"


@pytest.fixture
def logbook(tmp_path):
    yield make_logbook(tmp_path)
    reset_database_cache()


def _open(lang: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["lang"] = lang
    sign_in_apptest(at, "analyst")
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _frame(at: AppTest, column: str):
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def test_scores_only_on_click_then_table_summary_and_csv(logbook, monkeypatch):
    import sar_planner.probability.casescore as casescore

    calls = []
    real = casescore.score_cases

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(casescore, "score_cases", counting)
    at = _open("en")
    assert any("Model quality on closed cases" in h.value for h in at.subheader)
    assert any("1 closed missions matching the filters had no find location" in c.value
               for c in at.caption)
    # nothing is scored before the click
    assert not [d for d in at.dataframe if "Incident" in d.value.columns] and calls == []
    at.button(key="st_casescore_go").click().run()
    assert not at.exception, at.exception
    assert len(calls) == 1
    table = _frame(at, "Incident")
    assert list(table["Incident"]) == ["QH-GEM-2025-010", "QH-GEM-2025-020", "QH-GEM-2025-030"]
    row = table.iloc[0]
    assert row["MapScore, distance rings"] == pytest.approx(round(IPP_SCORE, 4))  # 1.0 at 4 dp
    assert row["MapScore, walking effort"] == pytest.approx(round(IPP_SCORE, 4))
    assert row["Find distance (km)"] == 0.0 and row["Outcome"] == "found alive"
    assert "outside the map" in table.iloc[1]["Not scored (rings): why"]
    assert "No planning inputs" in table.iloc[2]["Not scored (walking effort): why"]
    summary = _frame(at, "Cases scored")
    rings = summary.iloc[0]
    assert rings["Model"] == "Distance rings" and rings["Cases scored"] == 1
    assert rings["Mean MapScore"] == pytest.approx(round(IPP_SCORE, 3))
    assert rings["Share better than chance"] == "100.0 %"
    assert rings["Not scored (why: cases)"] == "find outside the map: 1; no planning inputs: 1"
    assert any("published figures" in c.value and "0.78" in c.value for c in at.caption)
    assert at.get("download_button")
    # a rerun keeps the result without a new click (cached by the cases' content)
    at.run()
    assert _frame(at, "Incident").shape[0] == 3 and len(calls) == 1


def test_section_reads_in_chinese(logbook):
    at = _open("zh")
    assert any("已结案案例上的模型质量" in h.value for h in at.subheader)
    at.button(key="st_casescore_go").click().run()
    assert not at.exception, at.exception
    table = _frame(at, "任务编号")
    assert "未评分原因（距离环）" in table.columns
    assert "图外" in table.iloc[1]["未评分原因（距离环）"]
    assert "没有保存规划输入" in table.iloc[2]["未评分原因（步行代价）"]
    summary = _frame(at, "已评分案例数")
    assert summary.iloc[0]["模型"] == "距离环"
    assert any("已发表数据" in c.value for c in at.caption)
