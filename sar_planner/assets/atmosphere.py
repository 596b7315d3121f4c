"""The ISA atmosphere and an aircraft's performance at altitude (density derating).

Density altitude (ISA troposphere, ICAO Doc 7488): the density ratio at pressure altitude h metres
with outside air temperature T is ``sigma = (1 - 2.25577e-5 h)^5.25588 * 288.15 / (T + 273.15)``;
with the ISA temperature it is ``(1 - 2.25577e-5 h)^4.25588`` (0.742 at 3,000 m). The planner takes
the altitude above mean sea level as the pressure altitude (no QNH correction).

Derating model (stated so the unit can judge it):

* endurance scales with ``sqrt(sigma)``: momentum theory gives hover (induced) power ``P ~ W^1.5 /
  sqrt(2 rho A)``, so the same battery lasts ``sqrt(sigma)`` as long; for a fixed wing at its
  best-endurance lift coefficient ``P = D V`` also grows as ``1 / sqrt(sigma)``. For a turbine
  helicopter this is conservative (fuel flow falls with altitude);
* climb rate scales with ``sigma`` (the thrust margin above hover shrinks with density at a fixed
  maximum rotor speed); descent rate is not derated;
* an altitude above the asset's maximum operating altitude cannot be flown at all.
"""

from __future__ import annotations

import math

from sar_planner.assets.model import Asset, Performance
from sar_planner.errors import PlanningError

_ISA_T0_K = 288.15
_ISA_LAPSE_K_PER_M = 0.0065
_ISA_K = 2.25577e-5  # lapse / T0, per metre
_ISA_EXP_P = 5.25588  # g M / (R L)
_TROPOPAUSE_M = 11000.0

#: Usable endurance (the derated endurance minus the reserve) at or below which an aircraft cannot
#: fly a search at all, seconds: a sortie must take off, reach the pattern, search and come back,
#: and within a minute nothing is left to search with. A rule of this planner, not a published
#: figure: :func:`sar_planner.flightpath.build_plan` refuses such a plan and
#: :mod:`sar_planner.allocation` leaves such an option out of the effort split.
MIN_USABLE_ENDURANCE_S = 60.0


def isa_density_ratio(altitude_m: float, temperature_c: float | None = None) -> float:
    """Air density relative to ISA sea level (ICAO standard atmosphere, troposphere).

    Parameters
    ----------
    altitude_m:
        Pressure altitude, metres (taken as the altitude above mean sea level), below 11,000 m.
    temperature_c:
        Outside air temperature, degrees Celsius; None = ISA temperature at that altitude.

    Returns
    -------
    float
        rho / rho0.

    >>> round(isa_density_ratio(3000.0), 3)   # ISA tables: 0.7422
    0.742
    """
    if not math.isfinite(altitude_m) or altitude_m < -500 or altitude_m > _TROPOPAUSE_M:
        raise PlanningError("planning.err_altitude_range", value=f"{altitude_m:.0f}")
    theta = 1.0 - _ISA_K * altitude_m
    pressure_ratio = theta ** _ISA_EXP_P
    if temperature_c is None:
        temp_k = _ISA_T0_K * theta
    else:
        if not math.isfinite(temperature_c) or not -80 <= temperature_c <= 60:
            raise PlanningError("planning.err_temperature", value=f"{temperature_c}")
        temp_k = temperature_c + 273.15
    return pressure_ratio * _ISA_T0_K / temp_k


def density_altitude(altitude_m: float, temperature_c: float | None = None) -> float:
    """The ISA altitude (metres) with the same air density; equals ``altitude_m`` at ISA.

    >>> round(density_altitude(3000.0, 25.0))   # a hot afternoon on the basin floor
    4000
    """
    sigma = isa_density_ratio(altitude_m, temperature_c)
    return (1.0 - sigma ** (1.0 / (_ISA_EXP_P - 1.0))) / _ISA_K


def performance_at(asset: Asset, altitude_m: float,
                   temperature_c: float | None = None) -> Performance:
    """The asset's endurance and vertical speeds derated to ``altitude_m`` (see module docstring).

    Parameters
    ----------
    asset:
        Catalogue entry.
    altitude_m:
        Planned altitude above mean sea level, metres (the highest of the sortie is the safe
        choice for endurance).
    temperature_c:
        Outside air temperature there, degrees Celsius; None = ISA.

    Raises
    ------
    PlanningError
        If ``altitude_m`` is above the asset's maximum operating altitude.
    """
    if altitude_m > asset.max_altitude_amsl_m:
        raise PlanningError("planning.err_above_ceiling", asset=asset.name_en,
                            altitude=f"{altitude_m:.0f}",
                            ceiling=f"{asset.max_altitude_amsl_m:.0f}")
    sigma = isa_density_ratio(altitude_m, temperature_c)
    sigma_ref = isa_density_ratio(asset.endurance_ref_altitude_m)
    endurance = asset.endurance_s * math.sqrt(sigma / sigma_ref)
    return Performance(
        altitude_m=float(altitude_m), density_ratio=sigma,
        density_altitude_m=density_altitude(altitude_m, temperature_c), endurance_s=endurance,
        usable_s=max(0.0, endurance - asset.reserve_s),
        climb_rate_m_s=asset.climb_rate_m_s * sigma, descent_rate_m_s=asset.descent_rate_m_s)
