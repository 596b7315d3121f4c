"""Review test: saves of a mission's map features racing each other from several planners'
pages, all based on the same revision. Exactly one may win; every other is refused with
``logbook.err_inputs_changed`` (never a silent overwrite, never a database error reaching the
crew), and the audit holds exactly the saves that happened. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading

from sar_planner.errors import LogbookError
from sar_planner.logbook.audit import audit_log
from sar_planner.logbook.mission_inputs import (mission_id_for, mission_inputs,
                                                save_mission_features, save_mission_inputs)
from tests.logbook.test_mission_inputs import INCIDENT, _inputs, _segment


def test_racing_feature_saves_on_one_revision_let_exactly_one_through(db, unit):
    mid = mission_id_for(db, INCIDENT)
    save_mission_inputs(db, unit.crew, mid, _inputs())
    n = 6
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def planner(i: int) -> None:
        seg = _segment(f"S{i}", 96.40 + 0.02 * i, 36.40, 96.41 + 0.02 * i, 36.41, fid=f"id-{i}")
        barrier.wait()
        try:
            results[i] = save_mission_features(db, unit.crew, mid, [seg], base_revision=1)
        except LogbookError as err:
            results[i] = err.code
        except Exception as err:  # noqa: BLE001 - anything else is the defect under test
            results[i] = repr(err)

    threads = [threading.Thread(target=planner, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    won = [r for r in results if isinstance(r, dict)]
    assert len(won) == 1, results
    assert all(r == "logbook.err_inputs_changed" for r in results if not isinstance(r, dict))
    stored = mission_inputs(db, mid)
    assert stored["revision"] == 2 and stored["features"] == won[0]["features"]
    audit = [a for a in audit_log(db, entity="mission", entity_id=mid) if a.action == "set_inputs"]
    assert len(audit) == 2
