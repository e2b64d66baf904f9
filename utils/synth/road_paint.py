"""Drawing a road scene's layout: sky, skyline, ground, buildings, things, camera finish.

Each pass works on whole rows or columns at once. The ground knows, for every pixel below the
horizon, the point (X, Z) of the road it shows, so markings, curbs and crosswalks are stripes in
road coordinates, box-filtered over each pixel's footprint (no aliasing far away). A wall of
buildings is a plane X = const: every column shows it at one depth, so windows are stripes in
(distance along the wall, height). See :mod:`utils.synth.road` for the scene itself.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from utils.synth.road_objects import Look
from utils.synth.road_raster import F32, Raster, interval_coverage, periodic_coverage

if TYPE_CHECKING:
    from utils.synth.road import Layout

FAR = 2000.0              # metres: the ground beyond this is drawn as if there


def draw(layout: Layout, height: int, width: int) -> np.ndarray:
    """The (height, width, 3) uint8 picture of a layout, before sensor noise."""
    raster = Raster(height, width)
    _draw_sky(raster, layout)
    _draw_skyline(raster, layout)
    _draw_ground(raster, layout)
    for facade in layout.facades:
        _draw_facades(raster, layout, facade)
    for thing in layout.things:
        for shape, colour, alpha, add in thing.ops:
            raster.paint(shape, colour, alpha, add)
    return _finish(raster, layout)


def _bilinear(grid: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Bilinear interpolation of a (gy + 1, gx + 1) grid spread over the unit square: (h, w)."""
    grid = np.asarray(grid, F32)
    gy, gx = grid.shape[0] - 1, grid.shape[1] - 1
    px = np.clip(x * F32(gx), F32(0), F32(gx - 1e-3))
    py = np.clip(y * F32(gy), F32(0), F32(gy - 1e-3))
    ix, iy = px.astype(np.intp), py.astype(np.intp)
    tx, ty = px - ix, py - iy
    rows = grid[iy] * (F32(1) - ty)[:, None] + grid[iy + 1] * ty[:, None]
    return rows[:, ix] * (F32(1) - tx)[None, :] + rows[:, ix + 1] * tx[None, :]


def _draw_sky(raster: Raster, layout: Layout) -> None:
    sky, horizon = layout.sky, F32(layout.camera.horizon)
    t = np.clip(raster.y / horizon, F32(0), F32(1))
    t = t * np.sqrt(t)
    zenith, low = np.asarray(sky["zenith"], F32), np.asarray(sky["horizon"], F32)
    raster.rgb[...] = (zenith + (low - zenith) * t[:, None])[:, None, :]
    rows = slice(0, min(raster.h, int(math.ceil(float(horizon) * raster.h)) + 1))
    if sky["clouds"] > 0:
        field = _bilinear(sky["grid"], raster.x, raster.y[rows] / horizon)
        a = np.clip((field - F32(0.55)) * F32(3.0), F32(0), F32(1)) * F32(sky["clouds"])
        raster.blend(rows, a, sky["cloud"])


def _draw_skyline(raster: Raster, layout: Layout) -> None:
    line, horizon = layout.skyline, layout.camera.horizon
    x = raster.x.astype(np.float64)
    if line["stepped"]:
        h = line["height"][np.clip(np.searchsorted(line["x"], x) - 1, 0, len(line["x"]) - 1)]
    else:
        h = np.interp(x, line["x"], line["height"])
    top = ((horizon - h) * raster.h).astype(F32)                 # (w,) pixel rows
    i0 = max(0, int(math.floor(float(top.min()))))
    i1 = min(raster.h, int(math.ceil(horizon * raster.h)) + 2)
    if i0 >= i1:
        return
    rows = slice(i0, i1)
    a = np.clip(raster.py[rows][:, None] - top[None, :] + F32(0.5), F32(0), F32(1))
    raster.blend(rows, a, line["colour"])


def _fogged(look: Look, colour, depth: np.ndarray, shade: float = 1.0) -> np.ndarray:
    """Surface colour seen through haze at depths (n,): (n, 3) float32."""
    f = (depth / (depth + F32(look.visibility)))[:, None]
    c = np.asarray(np.asarray(colour) * look.ambient * shade, F32)
    return c * (F32(1) - f) + np.asarray(look.haze, F32) * f


def _draw_ground(raster: Raster, layout: Layout) -> None:
    """Road, markings, curbs, sidewalks and verges: each ground pixel knows its (X, Z)."""
    cam, look, road = layout.camera, layout.look, layout.road
    i0 = min(raster.h, int(math.floor(cam.horizon * raster.h)))
    rows = slice(i0, raster.h)
    below = raster.y[rows] - F32(cam.horizon)
    ok = below > F32(1e-6)
    Z = np.where(ok, F32(cam.fy * cam.height) / np.where(ok, below, F32(1)), F32(FAR))
    Z = np.minimum(Z, F32(FAR))                                        # (h,) metres ahead
    dZ = np.minimum(Z * Z / F32(cam.fy * cam.height * raster.h), F32(FAR))  # per pixel row
    X = (raster.x - F32(cam.cx))[None, :] * (Z / F32(cam.fx))[:, None]   # (h, w) metres
    dX = (Z / F32(cam.fx * raster.w))[:, None]
    Zc = Z[:, None]
    dZc = dZ[:, None]

    def band(lo, hi):
        return interval_coverage(X, dX, F32(lo), F32(hi))

    def fill(a, colour, shade=1.0):
        raster.blend(rows, a, _fogged(look, colour, Z, shade)[:, None, :])

    left, right, walk = road["left"], road["right"], road["sidewalk"]
    sub = raster.rgb[rows]
    sub[...] = _fogged(look, road["verge"], Z)[:, None, :]
    crossing = road["crossing"]
    across = (interval_coverage(Zc, dZc, F32(crossing[0]), F32(crossing[1]))
              if crossing is not None else None)
    pave = band(left - walk, right + walk)
    fill(pave if across is None else pave * (F32(1) - across), road["walk"])
    curb = band(left - road["curb"], left) + band(right, right + road["curb"])
    fill(curb if across is None else curb * (F32(1) - across), road["walk"], 1.25)
    tar = band(left, right)
    if across is not None:
        tar = np.maximum(tar, across)
    fill(tar, road["asphalt"])
    # worn patches on the road, fixed to the ground (they fade out where a pixel spans many)
    P = road["patches"]
    ix = np.floor(X / F32(1.7)).astype(np.intp) % P.shape[1]
    iz = np.floor(Zc / F32(2.9)).astype(np.intp) % P.shape[0]
    fade = np.clip(F32(1) - dZc / F32(3.0), F32(0), F32(1))
    fill(tar * fade * F32(road["wear"]) * np.abs(P[iz, ix]).astype(F32),
         road["asphalt"] * 0.5 if road["wear"] > 0.06 else road["asphalt"] * 1.4)
    tracks = sum(band(x + side * 0.8 - 0.3, x + side * 0.8 + 0.3)       # tyre tracks
                 for x, _ in road["lanes"] for side in (-1, 1))
    fill(tracks * F32(0.12), road["asphalt"], 0.8)
    keep = F32(1)
    if crossing is not None:                     # no lane lines across the intersection
        keep = F32(1) - interval_coverage(Zc, dZc, F32(crossing[0] - 4.5), F32(crossing[1] + 4.5))
    dash, gap = road["dash"]
    paints = {}                                  # lines of one colour never overlap: one blend
    for x, half, colour, dashed in road["lines"]:
        a = band(x - half, x + half)
        if dashed:
            a = a * periodic_coverage(Zc, dZc, F32(dash + gap), F32(dash))
        key = tuple(colour)
        paints[key] = a if key not in paints else paints[key] + a
    for colour, a in paints.items():
        fill(np.minimum(a, F32(1)) * keep * F32(0.9), np.array(colour))
    if crossing is not None:
        stripes = periodic_coverage(X, dX, F32(1.2), F32(0.6)) * band(left + 0.3, right - 0.3)
        white = np.array([0.86, 0.86, 0.84])
        for z0 in (crossing[0] - 3.5, crossing[1] + 0.5):
            fill(stripes * interval_coverage(Zc, dZc, F32(z0), F32(z0 + 3.0)) * F32(0.9), white)
        away = [x for x, f in road["lanes"] if f == "away"]
        w = road["lane_width"] / 2
        stop = band(min(away) - w, max(away) + w) * interval_coverage(
            Zc, dZc, F32(crossing[0] - 4.4), F32(crossing[0] - 3.9))
        fill(stop * F32(0.9), white)


def _draw_facades(raster: Raster, layout: Layout, facade: dict) -> None:
    """A row of buildings: a wall in the plane X = facade["X"], seen column by column."""
    cam, look = layout.camera, layout.look
    Xw, side = facade["X"], facade["side"]
    if facade["heights"].max() <= 0:
        return
    dx = (raster.x - F32(cam.cx)) * F32(side)
    cols = np.flatnonzero(dx > F32(1e-4))
    if cols.size == 0:
        return
    Z = F32(cam.fx * abs(Xw)) / dx[cols]                           # depth of the wall per column
    bounds = facade["bounds"].astype(F32)
    seg = np.searchsorted(bounds, Z, side="right") - 1
    valid = (seg >= 0) & (seg < len(bounds) - 1) & (Z > F32(1.0))
    cols, Z, seg = cols[valid], Z[valid], seg[valid]
    if cols.size == 0:
        return
    height = facade["heights"].astype(F32)[seg]
    tops = F32(cam.horizon) + F32(cam.fy) * (F32(cam.height) - height) / Z
    bottom = F32(cam.horizon) + F32(cam.fy * cam.height) / Z
    i0 = max(0, int(math.floor(float(tops.min()) * raster.h)) - 1)
    i1 = min(raster.h, int(math.ceil(float(bottom.max()) * raster.h)) + 1)
    if i0 >= i1:
        return
    y = raster.y[i0:i1][:, None]
    yy = F32(cam.height) - (y - F32(cam.horizon)) * (Z / F32(cam.fy))[None, :]   # height on wall
    dyy = (Z / F32(cam.fy * raster.h))[None, :]
    s = (Z - bounds[seg])[None, :]                                 # metres along the segment
    ds = (Z * Z / F32(cam.fx * abs(Xw) * raster.w))[None, :]
    h = height[None, :]
    wall = interval_coverage(yy, dyy, F32(0), h)
    base = _fogged(look, facade["colours"][seg], Z, facade["shade"])          # (n, 3)
    glass = _fogged(look, facade["windows"][seg], Z)
    floor = facade["floor"].astype(F32)[seg][None, :]
    pitch = facade["pitch"].astype(F32)[seg][None, :]
    win = (periodic_coverage(s - F32(0.6), ds, pitch, pitch * facade["duty"].astype(F32)[seg])
           * periodic_coverage(yy - F32(0.8), dyy, floor, floor * facade["tall"].astype(F32)[seg])
           * interval_coverage(yy, dyy, F32(3.6), h - F32(0.9)))
    shop = facade["shop"][seg][None, :] * (
        periodic_coverage(s, ds, F32(6.0), F32(4.6)) * interval_coverage(yy, dyy, F32(0.3),
                                                                            F32(2.8)))
    cornice = interval_coverage(yy, dyy, h - F32(0.5), h) * F32(0.5)
    colour = base[None, :, :] * (F32(1) - F32(0.4) * cornice)[..., None]    # darker under the roof
    panes = np.maximum(win, shop.astype(F32))[..., None]
    colour = colour + (glass[None] - colour) * panes
    if facade["lit"].any():
        key = (np.floor(s / pitch) * F32(7) + np.floor(yy / floor) * F32(13)).astype(np.intp) % 97
        lamp = facade["lit"][key][..., None] * win[..., None] * F32(look.night)
        colour = colour + (np.array([0.95, 0.8, 0.5], F32) - colour) * lamp
    sub = raster.rgb[i0:i1, cols]
    sub += wall[..., None] * (colour - sub)
    raster.rgb[i0:i1, cols] = sub


def _finish(raster: Raster, layout: Layout) -> np.ndarray:
    """Exposure, uneven light, vignetting and colour cast; to uint8."""
    f = layout.finish
    xc, yc = raster.x - F32(0.5), raster.y - F32(0.5)
    light = _bilinear(f["field"], raster.x, raster.y)
    light = light * (F32(1) - F32(f["vignette"]) * ((yc * yc)[:, None] + (xc * xc)[None, :]))
    rgb = raster.rgb * (light * F32(f["gain"]))[..., None] * np.asarray(f["cast"], F32)
    rgb = (rgb - F32(0.5)) * F32(f["contrast"]) + F32(0.5 + f["offset"])
    return np.clip(np.floor(rgb * F32(255) + F32(0.5)), 0, 255).astype(np.uint8)
