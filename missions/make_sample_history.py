"""Write sample_sortie_history.csv: a SAMPLE historical sortie list of a Qaidam Basin police
aviation unit (350 sorties, 2019-2026), for the demo and tests. Fixed seed: the same file every run.

It is invented, not the unit's real record. Places are real (Golmud, Nuomuhong, Da Qaidam,
Mangnai, Dulan, Delingha, Chaka, Kunlun Pass, Xidatan, Qarhan salt lake); aircraft types are
ones flown at these altitudes (AC311A and H125 helicopters, DJI Matrice 350 RTK and Matrice 30T
multirotors, a CW-15 VTOL fixed wing). Run: python3 missions/make_sample_history.py
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

OUT = Path(__file__).with_name("sample_sortie_history.csv")
N = 350
SEED = 20190101

AIRCRAFT = [  # registration, type, kind, typical hours (min, max), share of sorties
    ("B-7185", "AC311A", "helicopter", (0.8, 3.2), 0.22),
    ("B-7361", "H125", "helicopter", (0.8, 3.5), 0.20),
    ("QHJ-UAV-01", "DJI Matrice 350 RTK", "drone", (0.3, 0.7), 0.22),
    ("QHJ-UAV-02", "DJI Matrice 30T", "drone", (0.3, 0.6), 0.21),
    ("QHJ-UAV-03", "CW-15 VTOL", "fixed_wing", (1.0, 2.5), 0.15),
]
HELI_PILOTS = ["马建国", "李海军", "孙立民", "赵德林"]
DRONE_PILOTS = ["韩永红", "才让东智", "冶成林", "张晓燕", "祁生文"]
OBSERVERS = ["星卫东", "白玛措", "马福山", "刘振华", "李桂兰", "索南扎西"]
SITES = ["格尔木机场", "诺木洪", "大柴旦", "茫崖", "都兰", "德令哈", "茶卡", "昆仑山口", "西大滩", "察尔汗盐湖"]
TASKS = [("search", 0.45), ("rescue", 0.10), ("training", 0.25), ("patrol", 0.15), ("transfer", 0.03),
         ("test", 0.02)]
OUTCOMES = [("found_alive", 0.55), ("found_deceased", 0.12), ("self_rescued", 0.15), ("not_found", 0.18)]
REMARKS = {"search": ["枸杞采摘人员走失", "自驾游车辆陷沙", "牧民走失", "徒步者失联", "登山者失联"],
           "rescue": ["盐湖区域伤员转运", "昆仑山口高原反应人员后送", "车辆事故伤员转运"],
           "training": ["高原起降训练", "夜航训练", "热成像搜索训练", "吊挂训练"],
           "patrol": ["国道109线巡逻", "盐湖景区巡逻", "边远牧区巡查"],
           "transfer": ["转场格尔木", "转场德令哈"], "test": ["维修后试飞", "新电池测试"]}


def _pick(rng: random.Random, table: list) -> object:
    return rng.choices([t[0] for t in table], weights=[t[-1] for t in table])[0]


def main() -> None:
    rng = random.Random(SEED)
    start, end = dt.date(2019, 3, 1), dt.date(2026, 10, 31)
    days = sorted(rng.sample(range((end - start).days), 260))
    day_list = sorted(days + rng.sample(days, N - len(days)))  # some days have two or more sorties
    rows = []
    last_landing: dt.datetime | None = None
    mission_no: dict[int, int] = {}
    current_mission: tuple[str, dt.date, str] | None = None
    for i, offset in enumerate(day_list, start=1):
        day = start + dt.timedelta(days=offset)
        reg, type_name, kind, (h_lo, h_hi), _ = AIRCRAFT[
            rng.choices(range(len(AIRCRAFT)), weights=[a[-1] for a in AIRCRAFT])[0]]
        takeoff = dt.datetime.combine(day, dt.time(8, 0)) + dt.timedelta(minutes=rng.randrange(0, 120, 5))
        if last_landing is not None and takeoff < last_landing + dt.timedelta(minutes=30):
            takeoff = last_landing + dt.timedelta(minutes=30 + rng.randrange(0, 60, 5))
        hours = round(rng.uniform(h_lo, h_hi), 1)
        last_landing = takeoff + dt.timedelta(hours=hours)
        task = _pick(rng, TASKS)
        pilot = rng.choice(HELI_PILOTS if kind == "helicopter" else DRONE_PILOTS)
        crew = rng.sample(OBSERVERS, rng.choice([1, 2]) if kind == "helicopter" else rng.choice([0, 1]))
        mission, outcome = "", ""
        if task in ("search", "rescue"):
            if current_mission and (day - current_mission[1]).days <= 2 and rng.random() < 0.5:
                mission, outcome = current_mission[0], current_mission[2]
            else:
                mission_no[day.year] = mission_no.get(day.year, 0) + 1
                mission = f"QH-GEM-{day.year}-{mission_no[day.year]:03d}"
                outcome = str(_pick(rng, OUTCOMES))
            current_mission = (mission, day, outcome)
        rows.append({
            "sortie_no": i, "date": day.isoformat(), "takeoff": takeoff.strftime("%H:%M"),
            "flight_hours": f"{hours:.1f}", "aircraft": reg, "aircraft_type": type_name,
            "aircraft_kind": kind, "task_type": task, "pilot": pilot, "crew": ";".join(crew),
            "mission": mission, "outcome": outcome, "takeoff_site": rng.choice(SITES),
            "remarks": rng.choice(REMARKS[task]),
        })
    with OUT.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows to {OUT}")


if __name__ == "__main__":
    main()
