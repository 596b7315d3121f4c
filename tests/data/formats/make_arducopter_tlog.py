"""Writes arducopter_before_origin.tlog: a telemetry log shaped like ArduCopter's before and
after its EKF origin is set (issue 13, item 4). Run: python3 tests/data/formats/make_arducopter_tlog.py

Shape (as QGroundControl and MAVProxy record it: each MAVLink 2 packet after an 8-byte big-endian
microsecond UTC time stamp). Site: ArduPilot's SITL home "CMAC", -35.363261, 149.165230, 584 m
above sea level (Tools/autotest/locations.txt in ArduPilot).

- t = 0-19.5 s, on the ground: GLOBAL_POSITION_INT every 0.5 s with alt == relative_alt, drifting
  190-1800 mm (what ArduCopter sends before the EKF origin: the height above home where the MSL
  height belongs); GPS_RAW_INT (3D fix, alt = MSL) every 1.0 s from t = 1.0 s, 584.00-584.95 m.
  The first GPS fix is logged 1 ms after the position at t = 1.0 s, so the fixes at t = 0, 0.5
  and 1.0 s have no GPS height yet and the other 37 take one (584.05 m at t = 1.5 s).
- t = 20-59.5 s: origin set; GLOBAL_POSITION_INT alt = 584 m + relative_alt, climbing 1 m/s to
  30 m, then level, moving north 2 m/s.
"""

from __future__ import annotations

import struct
from pathlib import Path

from pymavlink.dialects.v20 import ardupilotmega as mavlink

LAT, LON, SITE_MSL_MM = -35.363261, 149.165230, 584_000
T0_US = 1_714_528_800_000_000          # 2024-05-01 02:00:00 UTC
OUT = Path(__file__).with_name("arducopter_before_origin.tlog")


def main() -> None:
    mav = mavlink.MAVLink(None, srcSystem=1, srcComponent=1)
    records: list[tuple[int, bytes]] = []
    for k in range(120):                                  # 0.5 s steps, 60 s
        t_s = 0.5 * k
        boot_ms = int(t_s * 1000) + 60_000
        lat_e7 = int(round(LAT * 1e7))
        if t_s < 20.0:
            rel = 190 + int((1800 - 190) * t_s / 19.5)     # drifting "height" on the ground
            alt = rel                                      # before the EKF origin
            north_m = 0.0
        else:
            rel = int(min(30.0, t_s - 20.0) * 1000)
            alt = SITE_MSL_MM + rel
            north_m = 2.0 * (t_s - 20.0)
        lat_e7 += int(round(north_m / 111_320.0 * 1e7))
        msg = mav.global_position_int_encode(boot_ms, lat_e7, int(round(LON * 1e7)), alt, rel,
                                             0, 0, 0, 0)
        records.append((T0_US + int(t_s * 1e6), msg.pack(mav)))
        if t_s >= 1.0 and k % 2 == 0:
            gps_alt = SITE_MSL_MM + (int(t_s) * 50 % 1000) + (rel if t_s >= 20.0 else 0)
            raw = mav.gps_raw_int_encode(int(t_s * 1e6), 3, lat_e7, int(round(LON * 1e7)),
                                         gps_alt, 80, 120, 0, 0, 14)
            records.append((T0_US + int(t_s * 1e6) + 1000, raw.pack(mav)))
    OUT.write_bytes(b"".join(struct.pack(">Q", t) + b for t, b in records))


if __name__ == "__main__":
    main()
