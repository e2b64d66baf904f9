"""A tiny anti-aliased rasteriser: signed-distance shapes composited onto an RGB canvas.

Coordinates are in output pixels: x to the right, y down, (0, 0) the top-left corner of a
``size x size`` image. The canvas is drawn at ``supersample`` times that resolution and
box-filtered down, which anti-aliases edges. Shapes are given by signed distance functions
(negative inside, in output pixels); ``Frame`` maps pixels into a rotated, scaled local frame
whose ``v`` axis points "up" the object, so a hand or a face can be drawn in its own units.
"""
from __future__ import annotations

import math

import numpy as np


class Frame:
    """Local coordinates (u right, v up) of a rotated, scaled object centred at (cx, cy).

    ``angle`` is in degrees, clockwise tilt of the object's up axis; ``scale`` is how many output
    pixels one local unit spans. ``mirror`` flips u (a left hand instead of a right hand).
    """

    def __init__(self, canvas: "Canvas", cx: float, cy: float, scale: float, angle: float = 0.0,
                 mirror: bool = False):
        c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
        dx, dy = canvas.x - cx, canvas.y - cy
        self.u = (dx * c + dy * s) / scale
        self.v = (dx * s - dy * c) / scale
        if mirror:
            self.u = -self.u
        self.scale = scale
        self._pose = (cx, cy, c, s, mirror)

    def to_pixels(self, u, v) -> tuple[float, float]:
        """The canvas position (x, y) in pixels of the local point (u, v)."""
        cx, cy, c, s, mirror = self._pose
        u = -u if mirror else u
        return (cx + self.scale * (u * c + v * s), cy + self.scale * (u * s - v * c))

    # Signed distances in *local* units; multiply by ``scale`` for pixels (``paint`` does it).
    def circle(self, cu, cv, r):
        du, dv = self.u - cu, self.v - cv
        return np.sqrt(du * du + dv * dv) - r

    def ellipse(self, cu, cv, ru, rv):
        """Approximate distance to an axis-aligned ellipse (exact on the axes)."""
        du, dv = (self.u - cu) / ru, (self.v - cv) / rv
        return (np.sqrt(du * du + dv * dv) - 1.0) * min(ru, rv)

    def capsule(self, u0, v0, u1, v1, r):
        """A segment from (u0, v0) to (u1, v1) thickened to radius r (a finger, a stroke)."""
        eu, ev = u1 - u0, v1 - v0
        length2 = eu * eu + ev * ev or 1e-12
        pu, pv = self.u - u0, self.v - v0
        t = np.clip((pu * eu + pv * ev) / length2, 0.0, 1.0)
        du, dv = pu - t * eu, pv - t * ev
        return np.sqrt(du * du + dv * dv) - r

    def box(self, cu, cv, hu, hv, radius=0.0):
        """A box with half-sizes (hu, hv) and rounded corners of the given radius."""
        qu = np.abs(self.u - cu) - (hu - radius)
        qv = np.abs(self.v - cv) - (hv - radius)
        outside_u, outside_v = np.maximum(qu, 0.0), np.maximum(qv, 0.0)
        outside = np.sqrt(outside_u * outside_u + outside_v * outside_v)
        inside = np.minimum(np.maximum(qu, qv), 0.0)
        return outside + inside - radius

    def polyline(self, points, r):
        """Union of capsules through consecutive points (a curve such as a mouth)."""
        d = None
        for (u0, v0), (u1, v1) in zip(points[:-1], points[1:]):
            seg = self.capsule(u0, v0, u1, v1, r)
            d = seg if d is None else np.minimum(d, seg)
        return d


class Canvas:
    """An RGB float image in [0, 1] at ``supersample`` x the output resolution."""

    def __init__(self, size: int = 64, supersample: int = 2):
        self.size, self.ss = size, supersample
        n = size * supersample
        centres = (np.arange(n, dtype=np.float64) + 0.5) / supersample
        self.x = np.broadcast_to(centres[None, :], (n, n))
        self.y = np.broadcast_to(centres[:, None], (n, n))
        self.rgb = np.zeros((n, n, 3))

    def frame(self, cx, cy, scale, angle=0.0, mirror=False) -> Frame:
        return Frame(self, cx, cy, scale, angle, mirror)

    def fill(self, colour) -> None:
        self.rgb[...] = np.asarray(colour, dtype=np.float64)

    def coverage(self, distance_px, softness: float = 1.0):
        """Fraction of each sub-pixel inside a shape whose signed distance (pixels) is given."""
        return np.clip(0.5 - distance_px * (self.ss / softness), 0.0, 1.0)

    def paint(self, frame_or_none, distance, colour, alpha: float = 1.0, softness: float = 1.0):
        """Composite ``colour`` over the canvas where ``distance`` < 0 (local units if a frame)."""
        scale = frame_or_none.scale if frame_or_none is not None else 1.0
        a = self.coverage(distance * scale, softness) * alpha
        colour = np.asarray(colour, dtype=np.float64)
        a3 = a[..., None]
        self.rgb = self.rgb * (1.0 - a3) + colour * a3
        return a

    def shade(self, factor) -> None:
        """Multiply the image by a per-pixel (n, n) or per-channel (3,) factor (lighting)."""
        factor = np.asarray(factor, dtype=np.float64)
        self.rgb = self.rgb * (factor[..., None] if factor.ndim == 2 else factor)

    def linear_light(self, direction_deg: float, strength: float, centre=None):
        """A (n, n) brightness field rising linearly along ``direction`` (1 at ``centre``)."""
        c = self.size / 2 if centre is None else centre
        dx, dy = math.cos(math.radians(direction_deg)), math.sin(math.radians(direction_deg))
        return 1.0 + strength * ((self.x - c) * dx + (self.y - c) * dy) / self.size

    def smooth_field(self, rng: np.random.Generator, cells: int, amplitude: float):
        """Low-frequency random field (n, n) around 1: bilinear interpolation of a coarse grid."""
        n = self.x.shape[0]
        grid = 1.0 + amplitude * rng.uniform(-1.0, 1.0, size=(cells + 1, cells + 1))
        pos = (np.arange(n, dtype=np.float64) + 0.5) / n * cells
        i0 = np.minimum(pos.astype(int), cells - 1)
        t = pos - i0
        rows = grid[i0] * (1.0 - t)[:, None] + grid[i0 + 1] * t[:, None]      # (n, cells+1)
        return rows[:, i0] * (1.0 - t)[None, :] + rows[:, i0 + 1] * t[None, :]

    def to_uint8(self, rng: np.random.Generator, noise_sigma: float, blur: bool = False):
        """Box-filter down to (size, size, 3), optionally blur, add Gaussian noise, round."""
        s, n = self.ss, self.size
        acc = np.zeros((n, n, 3))
        for i in range(s):            # explicit sum in a fixed order (bit-reproducible)
            for j in range(s):
                acc = acc + self.rgb[i::s, j::s]
        img = acc / (s * s)
        if blur:
            padded = np.pad(img, ((1, 1), (1, 1), (0, 0)), mode="edge")
            img = (padded[1:-1, 1:-1] * 4.0 + padded[:-2, 1:-1] + padded[2:, 1:-1]
                   + padded[1:-1, :-2] + padded[1:-1, 2:]) / 8.0
        img = img * 255.0 + rng.normal(0.0, noise_sigma, size=img.shape)
        return np.clip(np.floor(img + 0.5), 0, 255).astype(np.uint8)
