"""Shapes in normalised image coordinates, and an RGB raster that draws them at any size.

A shape is described once in normalised coordinates: x to the right and y down, both 0 to 1
across the frame. Drawing it on an ``H x W`` raster scales x by W and y by H, so a (256, 256)
picture of a scene is its (720, 1280) picture squeezed sideways. Coverage is anti-aliased
analytically, without supersampling: axis-aligned rectangles exactly (a box filter), convex
polygons and ellipses through a signed distance in output pixels. A shape is evaluated only
on the pixels its bounding box touches, so small, far objects cost little.

Determinism: pixel values come from elementwise float32 arithmetic, ``sqrt``, ``floor`` and
comparisons (no transcendental functions on arrays, no reductions), so the bytes do not depend
on the CPU's vector width.
"""
from __future__ import annotations

import math

import numpy as np

F32 = np.float32


class Shape:
    """A region of the frame: ``bbox`` (x1, y1, x2, y2) normalised, an inside test, a coverage."""

    bbox: tuple[float, float, float, float]

    def inside(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Boolean mask, same shape as x and y (normalised coordinates)."""
        raise NotImplementedError

    def coverage(self, xs: np.ndarray, ys: np.ndarray, width: int, height: int) -> np.ndarray:
        """Fraction (h, w) float32 of each pixel covered; xs (w,), ys (h,) are pixel centres."""
        raise NotImplementedError


class Rect(Shape):
    """An axis-aligned rectangle; its coverage is the exact box filter."""

    def __init__(self, x1: float, y1: float, x2: float, y2: float):
        self.bbox = (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))

    def inside(self, x, y):
        x1, y1, x2, y2 = self.bbox
        return (x >= x1) & (x <= x2) & (y >= y1) & (y <= y2)

    def coverage(self, xs, ys, width, height):
        x1, y1, x2, y2 = self.bbox
        cx = _interval(xs, F32(x1 * width), F32(x2 * width))
        cy = _interval(ys, F32(y1 * height), F32(y2 * height))
        return cy[:, None] * cx[None, :]


class Poly(Shape):
    """A convex polygon, vertices (k, 2) as (x, y) in either winding order (kept as floats)."""

    def __init__(self, vertices):
        self.v = [(float(x), float(y)) for x, y in np.asarray(vertices, np.float64).reshape(-1, 2)]
        xs, ys = [x for x, _ in self.v], [y for _, y in self.v]
        self.bbox = (min(xs), min(ys), max(xs), max(ys))
        self.area = abs(_signed_area(self.v))
        self._unit = None

    def _edges(self, sx: float, sy: float):
        """(a, b, c) per edge with a*x + b*y + c the signed distance (negative inside)."""
        p = [(x * sx, y * sy) for x, y in self.v]
        mx = sum(x for x, _ in p) / len(p)
        my = sum(y for _, y in p) / len(p)
        out = []
        for (x0, y0), (x1, y1) in zip(p, p[1:] + p[:1]):
            dx, dy = x1 - x0, y1 - y0
            length = math.hypot(dx, dy)
            if length < 1e-12:
                continue
            a, b = dy / length, -dx / length
            c = -(a * x0 + b * y0)
            if a * mx + b * my + c > 0:
                a, b, c = -a, -b, -c
            out.append((a, b, c))
        return out

    def inside(self, x, y):
        if self._unit is None:
            self._unit = self._edges(1.0, 1.0)
        mask = np.ones(np.broadcast(x, y).shape, dtype=bool)
        for a, b, c in self._unit:
            mask &= a * x + b * y + c <= 0
        return mask

    def coverage(self, xs, ys, width, height):
        if self.area * width * height < 1e-6:
            return np.zeros((len(ys), len(xs)), F32)
        d = None
        for a, b, c in self._edges(width, height):
            e = (F32(b) * ys + F32(c))[:, None] + (F32(a) * xs)[None, :]
            d = e if d is None else np.maximum(d, e)
        cov = np.clip(F32(0.5) - d, F32(0), F32(1))
        return cov * F32(min(1.0, self.area * width * height))  # sub-pixel shapes stay faint


class Ellipse(Shape):
    """An axis-aligned ellipse; ``soft`` makes it a glow, (1 - r^2)^2 from centre to rim."""

    def __init__(self, cx: float, cy: float, rx: float, ry: float, soft: bool = False):
        self.c = (cx, cy)
        self.r = (max(rx, 1e-9), max(ry, 1e-9))
        self.soft = soft
        self.bbox = (cx - rx, cy - ry, cx + rx, cy + ry)

    def inside(self, x, y):
        u, v = (x - self.c[0]) / self.r[0], (y - self.c[1]) / self.r[1]
        return u * u + v * v <= 1.0

    def coverage(self, xs, ys, width, height):
        rx, ry = F32(self.r[0] * width), F32(self.r[1] * height)
        u = (xs - F32(self.c[0] * width)) / rx
        v = (ys - F32(self.c[1] * height)) / ry
        q = (v * v)[:, None] + (u * u)[None, :]
        if self.soft:
            a = np.clip(F32(1) - q, F32(0), F32(1))
            return a * a
        # distance ~ (q - 1) / |grad q|, in pixels: exact at the rim, very negative at the centre
        gu, gv = u / rx, v / ry
        g = np.sqrt((gv * gv)[:, None] + (gu * gu)[None, :] + F32(1e-12))
        cov = np.clip(F32(0.5) - (q - F32(1)) / (F32(2) * g), F32(0), F32(1))
        return cov * F32(min(1.0, math.pi * float(rx) * float(ry)))


def _interval(t: np.ndarray, lo, hi) -> np.ndarray:
    """Length of [t - 1/2, t + 1/2] inside [lo, hi]: exact 1-D box-filter coverage."""
    return np.clip(t + F32(0.5), lo, hi) - np.clip(t - F32(0.5), lo, hi)


def _signed_area(pts: list) -> float:
    """Shoelace formula in plain Python (no BLAS: the same bits on every CPU)."""
    return 0.5 * sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1]))


def convex_hull(points) -> np.ndarray:
    """Convex hull (k, 2) of points (n, 2), counter-clockwise in (x, y) (monotone chain)."""
    pts = sorted(set(map(tuple, np.asarray(points, dtype=np.float64).tolist())))
    if len(pts) < 3:
        return np.asarray(pts)

    def half(seq):
        out = []
        for p in seq:
            while len(out) >= 2 and ((out[-1][0] - out[-2][0]) * (p[1] - out[-2][1])
                                     - (out[-1][1] - out[-2][1]) * (p[0] - out[-2][0])) <= 0:
                out.pop()
            out.append(p)
        return out

    lower, upper = half(pts), half(reversed(pts))
    return np.asarray(lower[:-1] + upper[:-1])


def periodic_coverage(t: np.ndarray, dt: np.ndarray, period, duty) -> np.ndarray:
    """Fraction of [t - dt/2, t + dt/2] inside the union of [k*period, k*period + duty].

    Box-filtered stripes (dashed lines, rows of windows) that fade to their mean density where
    a pixel spans several periods instead of aliasing. All arguments broadcast.
    """
    def integral(s):
        k = np.floor(s / period)
        return k * duty + np.clip(s - k * period, F32(0), duty)

    half = dt * F32(0.5)
    return (integral(t + half) - integral(t - half)) / dt


def interval_coverage(t: np.ndarray, dt: np.ndarray, lo, hi) -> np.ndarray:
    """Fraction of [t - dt/2, t + dt/2] inside [lo, hi] (all broadcast)."""
    half = dt * F32(0.5)
    return (np.clip(t + half, lo, hi) - np.clip(t - half, lo, hi)) / dt


class Raster:
    """An (H, W, 3) float32 RGB image in [0, 1] (values may leave that range until the end)."""

    def __init__(self, height: int, width: int):
        self.h, self.w = int(height), int(width)
        self.rgb = np.zeros((self.h, self.w, 3), F32)
        self.px = np.arange(self.w, dtype=F32) + F32(0.5)      # pixel centres
        self.py = np.arange(self.h, dtype=F32) + F32(0.5)
        self.x = self.px / F32(self.w)                          # ... normalised
        self.y = self.py / F32(self.h)

    def window(self, bbox, margin: int = 1):
        """Row and column slices of the pixels a normalised bbox touches (or None)."""
        x1, y1, x2, y2 = bbox
        j0 = max(0, int(math.floor(x1 * self.w)) - margin)
        j1 = min(self.w, int(math.ceil(x2 * self.w)) + margin)
        i0 = max(0, int(math.floor(y1 * self.h)) - margin)
        i1 = min(self.h, int(math.ceil(y2 * self.h)) + margin)
        if j0 >= j1 or i0 >= i1:
            return None
        return slice(i0, i1), slice(j0, j1)

    def paint(self, shape: Shape, colour, alpha: float = 1.0, add: bool = False) -> None:
        """Composite ``colour`` (3,) over the shape; ``add`` adds it instead (light, glow)."""
        win = self.window(shape.bbox)
        if win is None or alpha <= 0:
            return
        rows, cols = win
        a = shape.coverage(self.px[cols], self.py[rows], self.w, self.h)
        if alpha != 1.0:
            a = a * F32(alpha)
        colour = np.asarray(colour, dtype=F32)
        sub = self.rgb[rows, cols]
        if add:
            sub += a[..., None] * colour
        else:
            sub += a[..., None] * (colour - sub)

    def blend(self, rows: slice, alpha: np.ndarray, colour) -> None:
        """Composite per-pixel ``colour`` ((h, w, 3) or (3,)) with coverage (h, w) over rows."""
        sub = self.rgb[rows]
        sub += alpha[..., None] * (np.asarray(colour, dtype=F32) - sub)
