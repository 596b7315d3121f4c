#!/usr/bin/env python3
"""Generate the SYNTHETIC 30 m demo terrain of the Kunlun foothills south of Golmud.

No real 30 m elevation model of the Qaidam Basin is available offline (see terrain/PROVENANCE.md),
so the default mission ("herder overdue", IPP 36.10 N 94.85 E WGS84) runs on a synthetic grid made
from the REAL coarse grid plus fractal detail:

1. The real 5-arc-minute grid (``terrain/qaidam_mapzen_5arcmin_pvlib.tif``, EPSG:4326) is
   interpolated with a cubic B-spline (``scipy.ndimage.map_coordinates``, order 3, which passes
   through the cell centres) onto a 30 m grid in WGS 84 / UTM zone 46N (EPSG:32646).
2. Fractal detail is made by spectral synthesis: Gaussian white noise from a fixed seed is shaped
   in the Fourier domain to a power-law amplitude spectrum ``|k|**-(H + 1)`` (a fractional Brownian
   surface with Hurst exponent ``H``; Saupe 1988, "Algorithms for random fractals", in Peitgen &
   Saupe, *The Science of Fractal Images*, ch. 2), with wavelengths longer than a coarse cell taken
   out (the coarse grid already holds those), then folded at zero so that it forms crests and
   V-shaped valleys. Its amplitude grows with the local relief, the height above the lowest ground
   within 8 km, so the basin floor and the fans at the mountain foot stay smooth and the mountain
   front is rough.
3. Drainage is carved in one pass: flow is routed over a 90 m copy of the surface by a priority
   flood from the edges (Barnes, Lehman & Mulla 2014), and where more than 0.4 km2 drains through
   a cell a channel is cut, deeper for larger areas and rougher ground, then widened into
   V-shaped valleys. It is a picture of drainage, not a landscape-evolution model.
4. The sum is corrected so that its mean over every 5' cell equals that cell's real value
   (Tobler's pycnophylactic, i.e. volume-preserving, idea: Tobler 1979, JASA 74(367), 519-530):
   repeatedly the cell residuals are spread smoothly with the same cubic spline and added back.
5. The 24 km x 24 km box centred on the IPP is cut out, rounded to int16 metres and written as a
   tiled, DEFLATE-compressed GeoTIFF with internal overviews, labelled SYNTHETIC in its tags.

The result is reproducible byte for byte with the same library versions (fixed seed, no time stamps);
tests/terrain/test_geo_terrain_demo.py regenerates it and compares. It is NOT for flight: real ridges,
gullies, cliffs and roads are not in it. Replace it with real tiles wherever the unit has them.

Usage::

    python3 scripts/make_demo_terrain.py [--coarse terrain/qaidam_mapzen_5arcmin_pvlib.tif]
                                         [--out terrain/kunlun_golmud_demo_30m_SYNTHETIC.tif]
"""

from __future__ import annotations

import argparse
import heapq
import hashlib
from pathlib import Path

import numpy as np
import rasterio
from affine import Affine
from pyproj import CRS, Transformer
from rasterio.enums import Resampling
from rasterio.windows import Window
from scipy import ndimage

__all__ = [
    "SEED",
    "IPP_LAT",
    "IPP_LON",
    "CELL_M",
    "SIZE_CELLS",
    "DEMO_CRS",
    "DESCRIPTION",
    "demo_transform",
    "build_demo",
    "write_demo",
    "main",
]

REPO = Path(__file__).resolve().parent.parent
COARSE_DEFAULT = REPO / "terrain" / "qaidam_mapzen_5arcmin_pvlib.tif"
OUT_DEFAULT = REPO / "terrain" / "kunlun_golmud_demo_30m_SYNTHETIC.tif"

#: Seed of the noise generator (numpy PCG64): change it and the terrain changes.
SEED = 20260736
#: Centre of the box: IPP of the "herder overdue" scenario (degrees, WGS84).
IPP_LAT, IPP_LON = 36.10, 94.85
#: Cell size (metres) and box size (cells a side): 800 x 30 m = 24 km.
CELL_M = 30.0
SIZE_CELLS = 800
#: WGS 84 / UTM zone 46N.
DEMO_CRS = CRS.from_epsg(32646)

#: Hurst exponent of the fractal detail (0.8: rough but not spiky, usual for mountain DEMs).
HURST = 0.9
#: Share of the ridged (folded) field in the detail, 0..1.
RIDGE_WEIGHT = 1.0
#: Wavelength (metres) above which the detail is suppressed: about a coarse cell.
HIGHPASS_M = 4000.0
#: Window (metres) in which the local base level (lowest ground) is taken.
RELIEF_WINDOW_M = 8000.0
#: Detail amplitude (RMS, metres) = FLOOR + GAIN x (local relief - FLAT), local relief being metres
#: above the local base level; below FLAT (the gently sloping fans at the mountain foot) only FLOOR.
DETAIL_FLOOR_M = 2.0
FLAT_RELIEF_M = 150.0
DETAIL_GAIN = 0.3
#: Drainage: grid coarsening for flow routing, area (m2) where channels start, channel depth in
#: units of the local detail amplitude, and the valley-widening blur (coarse cells).
COARSEN = 3
CHANNEL_AREA_M2 = 400_000.0
CHANNEL_DEPTH = 8.0
CHANNEL_BLUR = 1.5
#: Margin (cells) worked around the box so that every 5' cell touching it is wholly computed.
WORK_CELLS = 1536
#: Volume-preserving correction passes.
PYCNO_ITERATIONS = 12

DESCRIPTION = (
    f"synthetic: real 5-arc-minute Qaidam grid + fractal detail, seed {SEED}; not for flight. "
    "Kunlun foothills south of Golmud, 24 km x 24 km around 36.10N 94.85E, 30 m cells, "
    "EPSG:32646, metres above sea level. Made by scripts/make_demo_terrain.py."
)


def demo_transform() -> Affine:
    """Affine of the demo grid (EPSG:32646 metres): 800 x 800 cells of 30 m centred on the IPP.

    The corner is snapped to whole 30 m so that the grid is the same on every machine.
    """
    to_utm = Transformer.from_crs(4326, DEMO_CRS, always_xy=True)
    x, y = to_utm.transform(IPP_LON, IPP_LAT)
    half = SIZE_CELLS * CELL_M / 2.0
    west = round((x - half) / CELL_M) * CELL_M
    north = round((y + half) / CELL_M) * CELL_M
    return Affine(CELL_M, 0.0, west, 0.0, -CELL_M, north)


def _work_grid() -> tuple[Affine, int]:
    """The larger working grid (same cells, a margin all round) and the box's offset in it."""
    off = (WORK_CELLS - SIZE_CELLS) // 2
    t = demo_transform()
    return Affine(CELL_M, 0.0, t.c - off * CELL_M, 0.0, -CELL_M, t.f + off * CELL_M), off


def _coarse_indices(transform: Affine, n: int, coarse_transform: Affine) -> tuple[np.ndarray, np.ndarray]:
    """Fractional (row, col) in the coarse grid of every cell centre of an n x n UTM grid."""
    cols, rows = np.meshgrid(np.arange(n) + 0.5, np.arange(n) + 0.5)
    x = transform.c + cols * transform.a
    y = transform.f + rows * transform.e
    to_ll = Transformer.from_crs(DEMO_CRS, 4326, always_xy=True)
    lon, lat = to_ll.transform(x, y)
    inv = ~coarse_transform
    ccol, crow = inv @ (lon, lat)
    return np.asarray(crow), np.asarray(ccol)


def _fractal_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    """Unit-RMS fractional Brownian surface on n x n cells of CELL_M, long wavelengths removed."""
    white = rng.standard_normal((n, n))
    kx = np.fft.fftfreq(n, d=CELL_M)
    ky = np.fft.rfftfreq(n, d=CELL_M)
    k = np.hypot(kx[:, None], ky[None, :])
    k[0, 0] = 1.0  # avoid 0**negative; the mean term is zeroed just below
    shape = k ** -(HURST + 1.0) * (1.0 - np.exp(-((k * HIGHPASS_M) ** 2)))
    shape[0, 0] = 0.0
    field = np.fft.irfft2(np.fft.rfft2(white) * shape, s=(n, n))
    field /= field.std()
    # Ridged transform (Musgrave's "ridged multifractal" idea, in Ebert et al., Texturing and
    # Modeling, 1994): folding the field at zero turns its zero lines into sharp crests, so the
    # detail has ridges and V-shaped valleys rather than round blobs.
    ridged = RIDGE_WEIGHT * (-np.abs(field)) + (1.0 - RIDGE_WEIGHT) * field
    ridged -= ridged.mean()
    return ridged / ridged.std()


def build_demo(coarse_path: Path | str = COARSE_DEFAULT) -> tuple[np.ndarray, Affine]:
    """Build the demo elevation grid.

    Parameters
    ----------
    coarse_path:
        The real 5-arc-minute Qaidam GeoTIFF (EPSG:4326, metres).

    Returns
    -------
    (elevation, transform):
        ``elevation`` is an 800 x 800 int16 array of metres above sea level; ``transform`` maps
        (col, row) to EPSG:32646 metres (upper-left cell corner).
    """
    work_t, off = _work_grid()
    n = WORK_CELLS
    with rasterio.open(coarse_path) as src:
        crow, ccol = _coarse_indices(work_t, n, src.transform)
        r0 = max(int(np.floor(crow.min())) - 3, 0)
        c0 = max(int(np.floor(ccol.min())) - 3, 0)
        r1 = min(int(np.ceil(crow.max())) + 3, src.height)
        c1 = min(int(np.ceil(ccol.max())) + 3, src.width)
        window = Window(c0, r0, c1 - c0, r1 - r0)
        coarse = src.read(1, window=window).astype(np.float64)
        coarse_t = src.window_transform(window)
    crow = crow - r0
    ccol = ccol - c0
    # spline coordinates: cell centres of the coarse grid sit at integer + 0.5 in (row, col)
    coords = np.stack([crow - 0.5, ccol - 0.5])

    def spline(values: np.ndarray) -> np.ndarray:
        return ndimage.map_coordinates(values, coords, order=3, mode="nearest")

    base = spline(coarse)

    size = int(round(RELIEF_WINDOW_M / CELL_M)) | 1
    relief = base - ndimage.minimum_filter(base, size=size, mode="nearest")
    relief = ndimage.uniform_filter(relief, size=size // 4, mode="nearest")
    amplitude = DETAIL_FLOOR_M + DETAIL_GAIN * np.maximum(relief - FLAT_RELIEF_M, 0.0)
    rng = np.random.Generator(np.random.PCG64(SEED))
    z = base + amplitude * _fractal_noise(n, rng)
    z = z - _channel_depth(z, amplitude)

    # Volume-preserving correction over every coarse cell lying wholly inside the working grid.
    irow = np.floor(crow).astype(np.int64)
    icol = np.floor(ccol).astype(np.int64)
    region = (irow * coarse.shape[1] + icol).ravel()
    nreg = coarse.size
    counts = np.bincount(region, minlength=nreg)
    whole = _whole_cells(coarse_t, coarse.shape, work_t, n)
    for _ in range(PYCNO_ITERATIONS):
        means = np.bincount(region, weights=z.ravel(), minlength=nreg) / np.maximum(counts, 1)
        resid = np.where(whole.ravel(), coarse.ravel() - means, 0.0).reshape(coarse.shape)
        z = z + spline(resid)

    box = z[off:off + SIZE_CELLS, off:off + SIZE_CELLS]
    return np.rint(box).astype(np.int16), demo_transform()


def _drainage_area(z: np.ndarray) -> np.ndarray:
    """Upstream area (in cells, including the cell) of every cell of ``z``.

    Flow directions come from a priority flood from the grid's edge (Barnes, Lehman & Mulla 2014,
    Computers & Geosciences 62, 117-127): cells are reached in order of rising (depression-filled)
    elevation and each drains to the cell it was reached from, so pits spill over their lowest rim.
    """
    rows, cols = z.shape
    flat = z.ravel().tolist()
    closed = bytearray(rows * cols)
    receiver = [-1] * (rows * cols)
    order: list[int] = []
    heap: list[tuple[float, int]] = []
    for r in range(rows):
        for c in (0, cols - 1):
            i = r * cols + c
            closed[i] = 1
            heap.append((flat[i], i))
    for c in range(1, cols - 1):
        for r in (0, rows - 1):
            i = r * cols + c
            closed[i] = 1
            heap.append((flat[i], i))
    heapq.heapify(heap)
    steps = ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1))
    while heap:
        level, i = heapq.heappop(heap)
        order.append(i)
        r, c = divmod(i, cols)
        for dr, dc in steps:
            rr, cc = r + dr, c + dc
            if 0 <= rr < rows and 0 <= cc < cols:
                j = rr * cols + cc
                if not closed[j]:
                    closed[j] = 1
                    receiver[j] = i
                    heapq.heappush(heap, (max(flat[j], level), j))
    area = [1.0] * (rows * cols)
    for i in reversed(order):
        k = receiver[i]
        if k >= 0:
            area[k] += area[i]
    return np.array(area).reshape(rows, cols)


def _channel_depth(z: np.ndarray, amplitude: np.ndarray) -> np.ndarray:
    """Depth (metres) to carve drainage channels into ``z`` (a simple, one-pass incision).

    Drainage area is found on a 90 m copy of the grid; where more than CHANNEL_AREA_M2 drains
    through a cell, a channel is cut whose depth grows with the logarithm of the area, up to
    CHANNEL_DEPTH x the local detail amplitude (so the flat basin floor is hardly touched), then
    widened into V-shaped valleys by a Gaussian blur.
    """
    f = COARSEN
    n = z.shape[0] // f
    zc = z[: n * f, : n * f].reshape(n, f, n, f).mean(axis=(1, 3))
    ac = amplitude[: n * f, : n * f].reshape(n, f, n, f).mean(axis=(1, 3))
    area_m2 = _drainage_area(zc) * (CELL_M * f) ** 2
    a0 = CHANNEL_AREA_M2
    amax = area_m2.max()
    share = np.clip(np.log(np.maximum(area_m2, a0) / a0) / np.log(amax / a0), 0.0, 1.0)
    depth = ndimage.gaussian_filter(CHANNEL_DEPTH * ac * np.sqrt(share), sigma=CHANNEL_BLUR, mode="nearest")
    pos = (np.arange(z.shape[0]) + 0.5) / f - 0.5
    rr, cc = np.meshgrid(pos, pos, indexing="ij")
    return ndimage.map_coordinates(depth, [rr, cc], order=1, mode="nearest")


def _whole_cells(coarse_t: Affine, shape: tuple[int, int], work_t: Affine, n: int) -> np.ndarray:
    """Boolean (coarse rows, cols): True where the coarse cell lies wholly inside the working grid.

    ``coarse_t`` is the affine of the coarse window (EPSG:4326 degrees); a cell is whole when its
    four corners, projected to EPSG:32646, fall inside the working grid's bounds.
    """
    rows, cols = np.meshgrid(np.arange(shape[0] + 1), np.arange(shape[1] + 1), indexing="ij")
    lon, lat = coarse_t @ (cols, rows)
    x, y = Transformer.from_crs(4326, DEMO_CRS, always_xy=True).transform(lon, lat)
    west, north = work_t.c, work_t.f
    east, south = west + n * CELL_M, north - n * CELL_M
    x, y = np.asarray(x), np.asarray(y)
    inside = (x >= west) & (x <= east) & (y >= south) & (y <= north)
    return inside[:-1, :-1] & inside[1:, :-1] & inside[:-1, 1:] & inside[1:, 1:]


def write_demo(out_path: Path | str = OUT_DEFAULT, coarse_path: Path | str = COARSE_DEFAULT) -> str:
    """Build the demo grid and write it as a tiled DEFLATE GeoTIFF with overviews.

    Returns the file's sha256 (hex).
    """
    elevation, transform = build_demo(coarse_path)
    out_path = Path(out_path)
    profile = {
        "driver": "GTiff",
        "dtype": "int16",
        "count": 1,
        "width": SIZE_CELLS,
        "height": SIZE_CELLS,
        "crs": DEMO_CRS,
        "transform": transform,
        "nodata": -32768,
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
        "compress": "deflate",
        "predictor": 2,
        "zlevel": 9,
    }
    with rasterio.open(out_path, "w", **profile) as dst:
        dst.write(elevation, 1)
        dst.update_tags(
            SYNTHETIC="yes",
            DESCRIPTION=DESCRIPTION,
            TIFFTAG_IMAGEDESCRIPTION=DESCRIPTION,
            SEED=str(SEED),
            UNITS="metres",
            AREA_OR_POINT="Area",
            SOURCE=("qaidam_mapzen_5arcmin_pvlib.tif (real, 5 arc-minutes; USGS SRTM/GMTED2010, "
                    "NOAA ETOPO1 via Mapzen and pvlib) + spectral fractal detail"),
        )
        dst.set_band_description(1, "elevation (m, SYNTHETIC: not for flight)")
        dst.build_overviews([2, 4, 8], Resampling.average)
        dst.update_tags(ns="rio_overview", resampling="average")
    return hashlib.sha256(out_path.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    """Command line: write the demo terrain and print its path, size and sha256."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--coarse", type=Path, default=COARSE_DEFAULT, help="real 5' Qaidam GeoTIFF")
    parser.add_argument("--out", type=Path, default=OUT_DEFAULT, help="output GeoTIFF")
    args = parser.parse_args(argv)
    digest = write_demo(args.out, args.coarse)
    print(f"{args.out}  {args.out.stat().st_size} bytes  sha256 {digest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
