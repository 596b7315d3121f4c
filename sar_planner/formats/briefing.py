"""Printable sortie briefing: one self-contained HTML page (the browser prints it), zh or en.

Holds a map of the track drawn as inline SVG on the mission's metric grid (``plan.crs``, so
distances on paper are true; a 1 km scale bar), the segment outline, the home point, per-sortie
times and lengths, each sortie's return-to-home height with the ground it clears and where (the
height the DJI route file carries; :mod:`sar_planner.return_height`), the waypoint table with
sea-level heights, the radio frequencies and notes the crew typed, and any warnings. No script, no
remote resource: it prints offline. Every text from
the user is HTML-escaped.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

from pyproj import Transformer

from sar_planner.errors import FormatError
from sar_planner.formats._common import check_exportable, select_sorties, waypoint_label
from sar_planner.formats.dji_wpml import RTH_MIN_M
from sar_planner.geo import format_ddm
from sar_planner.i18n import t
from sar_planner.plan import SortiePlan

__all__ = ["write_briefing"]

_SVG_W, _SVG_H, _PAD = 760.0, 520.0, 24.0
_COLOURS = ("#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")


def _svg_map(plan: SortiePlan, sorties: Sequence, lang: str) -> str:
    tr = Transformer.from_crs("EPSG:4326", plan.crs, always_xy=True)
    pts = [(w.lon, w.lat) for s in sorties for w in s.waypoints] + [(plan.home.lon, plan.home.lat)]
    if plan.area_wgs84:
        pts += list(plan.area_wgs84)
    xs, ys = tr.transform([p[0] for p in pts], [p[1] for p in pts])
    minx, maxx, miny, maxy = min(xs), max(xs), min(ys), max(ys)
    # one scale for x and y (metres stay square), fitting the drawing inside the margins
    scale = min((_SVG_W - 2 * _PAD) / max(maxx - minx, 1.0),
                (_SVG_H - 2 * _PAD) / max(maxy - miny, 1.0))

    def xy(lon: float, lat: float) -> tuple[float, float]:
        x, y = tr.transform(lon, lat)
        return _PAD + (x - minx) * scale, _SVG_H - _PAD - (y - miny) * scale

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_SVG_W:.0f} {_SVG_H:.0f}" '
             f'class="map" role="img" aria-label="{html.escape(t("formats.brief_map", lang))}">',
             f'<rect width="{_SVG_W:.0f}" height="{_SVG_H:.0f}" fill="#fff" stroke="#999"/>']
    if plan.area_wgs84:
        ring = " ".join(f"{a:.1f},{b:.1f}" for a, b in (xy(lon, lat) for lon, lat in
                                                          plan.area_wgs84))
        parts.append(f'<polygon points="{ring}" fill="#ffee0040" stroke="#b8a000" '
                     'stroke-width="1.5"/>')
    for k, s in enumerate(sorties):
        colour = _COLOURS[k % len(_COLOURS)]
        line = " ".join(f"{a:.1f},{b:.1f}" for a, b in (xy(w.lon, w.lat) for w in s.waypoints))
        parts.append(f'<polyline points="{line}" fill="none" stroke="{colour}" '
                     'stroke-width="1.6"/>')
        for i, w in enumerate(s.waypoints):
            a, b = xy(w.lon, w.lat)
            parts.append(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="2.2" fill="{colour}"/>')
            if (i % 5 == 0 or i == len(s.waypoints) - 2) and w.role not in ("takeoff", "land"):
                parts.append(f'<text x="{a + 3:.1f}" y="{b - 3:.1f}" font-size="9">'
                             f"{html.escape(waypoint_label(s, i))}</text>")
    hx, hy = xy(plan.home.lon, plan.home.lat)
    parts.append(f'<rect x="{hx - 5:.1f}" y="{hy - 5:.1f}" width="10" height="10" fill="#000"/>')
    parts.append(f'<text x="{hx + 7:.1f}" y="{hy + 4:.1f}" font-size="11" font-weight="bold">'
                 f'{html.escape(t("formats.brief_home", lang))}</text>')
    bar = 1000.0 * scale
    km = 1.0
    while bar > (_SVG_W - 2 * _PAD) / 2:
        bar /= 10
        km /= 10
    parts.append(f'<line x1="{_PAD:.0f}" y1="{_SVG_H - 10:.0f}" x2="{_PAD + bar:.1f}" '
                 f'y2="{_SVG_H - 10:.0f}" stroke="#000" stroke-width="3"/>')
    parts.append(f'<text x="{_PAD + bar + 4:.1f}" y="{_SVG_H - 6:.0f}" font-size="10">'
                 f"{km:g} km</text>")
    parts.append(f'<text x="{_SVG_W - _PAD:.0f}" y="{_PAD + 4:.0f}" font-size="14" '
                 'text-anchor="end">N ↑</text>')
    parts.append("</svg>")
    return "".join(parts)


def _rth_text(plan: SortiePlan, sorties: Sequence, lang: str) -> str:
    """The return-to-home height of each sortie and why (escaped HTML)."""
    lines = []
    for s in sorties:
        if s.rth is None:
            # not planned over a DEM: only the waypoints are known, say what is not checked
            highest = max(w.alt_amsl_m for w in s.waypoints)
            lines.append(html.escape(t("formats.brief_rth_value", lang,
                                       rth=f"{max(highest - plan.home.alt_amsl_m, 0):.0f}",
                                       alt=f"{highest:.0f}")))
            continue
        rth_m = max(RTH_MIN_M, math.ceil(s.rth.above_home_m - 1e-6))
        lines.append(html.escape(t(
            "formats.brief_rth_sortie", lang, sortie=s.index, rth=f"{rth_m:.0f}",
            alt=f"{plan.home.alt_amsl_m + rth_m:.0f}", top=f"{s.rth.terrain_max_amsl_m:.0f}",
            where=format_ddm(s.rth.terrain_max_lat, s.rth.terrain_max_lon),
            clearance=f"{s.rth.clearance_m:.0f}")))
    return "<br>".join(lines)


def write_briefing(plan: SortiePlan, *, sortie: int | None = None, lang: str = "zh",
                   frequencies: Sequence[str] = (), notes: str = "", crew: str = "",
                   asset_label: str | None = None) -> bytes:
    """The sortie briefing as one HTML page (UTF-8) for the browser to print.

    Parameters
    ----------
    plan:
        The 3D plan (degrees WGS84, metres AMSL; drawn on ``plan.crs``).
    sortie:
        1-based sortie number, or None for all sorties.
    lang:
        ``"zh"`` or ``"en"``.
    frequencies:
        Radio frequencies and channels as the crew writes them (e.g. ``"123.450 MHz tower"``).
    notes, crew:
        Free text printed as given (escaped).
    asset_label:
        Human name of the aircraft; defaults to ``plan.asset_id``.
    """
    check_exportable(plan)
    if lang not in ("zh", "en"):
        raise FormatError("formats.err_bad_option", name="lang", value=lang, allowed="zh, en")
    sorties = select_sorties(plan, sortie, one_flight=False, fmt=".html")
    esc = html.escape

    def L(key: str, **kw: object) -> str:
        return esc(t(f"formats.{key}", lang, **kw))

    rows = []
    for s in sorties:
        rows.append(f"<tr><td>{s.index}</td><td>{len(s.waypoints)}</td>"
                    f"<td>{s.length_m / 1000:.2f}</td><td>{s.search_length_m / 1000:.2f}</td>"
                    f"<td>{s.duration_s / 60:.0f}</td></tr>")
    wp_rows = []
    for s in sorties:
        for i, w in enumerate(s.waypoints):
            role = esc(t("formats.role_" + w.role, lang))
            wp_rows.append(
                f"<tr><td>{esc(waypoint_label(s, i))}</td><td>{role}</td><td>{w.lat:.6f}</td>"
                f"<td>{w.lon:.6f}</td><td>{esc(format_ddm(w.lat, w.lon))}</td>"
                f"<td>{w.alt_amsl_m:.0f}</td><td>{w.agl_m:.0f}</td>"
                f"<td>{w.speed_m_s:.1f}</td></tr>")
    notices = "".join(f"<li>{esc(t(n.code, lang, **dict(n.params)))}</li>" for n in plan.notices)
    freq = "".join(f"<li>{esc(f)}</li>" for f in frequencies) or f"<li>{L('brief_none')}</li>"
    total_min = sum(s.duration_s for s in sorties) / 60
    rth = _rth_text(plan, sorties, lang)
    doc = f"""<!DOCTYPE html>
<html lang="{'zh-CN' if lang == 'zh' else 'en'}"><head><meta charset="utf-8">
<title>{L('brief_title')} - {esc(plan.name)}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "Noto Sans", sans-serif; margin: 12mm; font-size: 11pt; }}
h1 {{ font-size: 16pt; margin: 0 0 4mm; }} h2 {{ font-size: 12pt; margin: 5mm 0 2mm; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ border: 1px solid #888; padding: 1mm 2mm; text-align: right; }}
th {{ background: #eee; }} td:first-child, th:first-child {{ text-align: left; }}
.map {{ width: 100%; max-height: 150mm; }} .warn {{ color: #b00; font-weight: bold; }}
dl {{ display: grid; grid-template-columns: max-content auto; gap: 1mm 6mm; }} dt {{ font-weight: bold; }}
@media print {{ .pagebreak {{ page-break-before: always; }} }}
</style></head><body>
<h1>{L('brief_title')}: {esc(plan.name)}</h1>
<dl>
<dt>{L('brief_asset')}</dt><dd>{esc(asset_label or plan.asset_id)}</dd>
<dt>{L('brief_crew')}</dt><dd>{esc(crew) or '-'}</dd>
<dt>{L('brief_pattern')}</dt><dd>{esc(plan.pattern)}</dd>
<dt>{L('brief_spacing')}</dt><dd>{plan.spacing_m:.0f} m / {plan.sweep_width_m:.0f} m</dd>
<dt>{L('brief_height')}</dt><dd>{plan.agl_m:.0f} m ({L('brief_min_clearance')} {plan.min_clearance_m:.0f} m)</dd>
<dt>{L('brief_home')}</dt><dd>{plan.home.lat:.6f}, {plan.home.lon:.6f}, {plan.home.alt_amsl_m:.0f} m</dd>
<dt>{L('brief_total')}</dt><dd>{len(sorties)} / {total_min:.0f} min</dd>
<dt>{L('brief_rth')}</dt><dd>{rth}</dd>
</dl>
{('<h2 class="warn">' + L('brief_warnings') + '</h2><ul class="warn">' + notices + '</ul>') if notices else ''}
{_svg_map(plan, sorties, lang)}
<h2>{L('brief_sorties')}</h2>
<table><tr><th>{L('brief_sortie')}</th><th>{L('brief_waypoints')}</th><th>{L('brief_length_km')}</th>
<th>{L('brief_search_km')}</th><th>{L('brief_minutes')}</th></tr>{''.join(rows)}</table>
<h2>{L('brief_frequencies')}</h2><ul>{freq}</ul>
<h2>{L('brief_notes')}</h2><p>{esc(notes).replace(chr(10), '<br>') or '-'}</p>
<h2 class="pagebreak">{L('brief_waypoint_table')}</h2>
<p>{L('brief_heights_note')}</p>
<table><tr><th>{L('brief_wp')}</th><th>{L('brief_role')}</th><th>{L('brief_lat')}</th><th>{L('brief_lon')}</th>
<th>{L('brief_ddm')}</th><th>{L('brief_alt')}</th><th>{L('brief_agl')}</th><th>{L('brief_speed')}</th></tr>{''.join(wp_rows)}</table>
</body></html>
"""
    return doc.encode("utf-8")
