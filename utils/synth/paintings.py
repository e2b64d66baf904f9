"""Procedural "paintings": the style images of Week 4's neural style transfer notebook.

Style transfer copies texture statistics (the Gram matrices of a network's feature maps), so a
style image is only useful if it has strong, characteristic texture at several scales. No
paintings can be downloaded here, so the course paints four itself. ``render_style(name, size,
seed)`` returns an RGB uint8 array; the same (name, size, seed) always gives the same bytes, and
each seed gives another painting of the same kind.

Every painting is laid out in *units*: 256 units span the shorter side of the image, so a
painting looks the same at any size, only sharper (at 256x256 a unit is a pixel). Shapes are
drawn with Pillow on a canvas twice the output size and reduced with a Lanczos filter, which
smooths their edges.

A *brush stroke* ("starry" and "strokes") follows a short curved path. It is drawn as five
filled outlines with round ends: a darker copy of the stroke shifted a little to one side (its
shadow), then three or four thin parallel "bristle" streaks in slightly different shades of the
stroke's colour, then a thin light ridge on the other side. Shadow, streaks and ridge together
make the stroke read as raised oil paint.

"starry" (after Van Gogh's The Starry Night). The sky, the top 70% or so, is a vertical gradient
from deep ultramarine to a lighter blue at the horizon, covered by two layers of short curved
strokes (about 20 units long and 6 wide, then 13 by 4) that follow a flow field: a gentle drift
to the right with a wavy up-and-down motion, turned by two or three vortices in the middle of
the sky, with alternating spin. Near a vortex the field turns round its centre and slightly
inwards, so strokes there become spiral arcs, and each vortex gets extra rings of strokes, pale
blue-white alternating with mid blue. A sky stroke's colour comes from an eight-step palette,
deep ultramarine to pale blue-white, picked by a smooth noise field plus how close the stroke is
to a vortex plus how near it is to the horizon. Stars are yellow-white discs inside two or three
concentric rings of short arc strokes (yellow, cream, pale blue); the moon, in a top corner, is a
yellow crescent on an orange disc inside four rings. Below the sky lie two bands of dark blue
hills painted with strokes along their ridge lines, then the village: a dark green-blue ground of
rolling strokes with two staggered rows of small houses (a grey-blue or ochre wall rectangle, a
darker triangular roof, a few yellow square windows) and a church spire. In front, near one side,
stands a cypress: a dark flame shape (a pointed top, widening towards the ground, swaying, with
lobes along both edges) filled with upward strokes that sway and lean outwards, in near-black
green, brown, olive and dark blue.

"mosaic". First a design is chosen: a background split into three large colour regions by a
smooth noise field (three of cobalt, ultramarine, turquoise, emerald, purple and ochre); a wavy
ribbon about 25 units wide crossing the picture (terracotta, gold or crimson with white
borders); and one or two rosettes with radii of 45-75 units, four concentric rings of gold,
crimson, white, cobalt, turquoise or green whose edges are scalloped into petals. Tile centres come from
a quadtree: cells 24 units wide are split into 12- and then 6-unit cells, always where the design
changes inside a cell and otherwise at random, so tiles are small along the design's edges and
large inside its regions. Each cell gets one centre placed at random inside it, and every pixel
belongs to the tile whose centre is nearest (a Voronoi diagram). A tile takes the design's colour
at its centre, varied a little, and is shaded darker towards its edges, lighter on its upper
left, as glazed tiles are. Pixels within about one unit of the line halfway between a pixel's two
nearest centres become dark grout, so tiles are separated by lines about two units wide.

"waves" (after Hokusai's Great Wave). A cream paper sky with a fine grain, two or three long flat
cloud bands pointed at both ends, and a small blue-grey Mount Fuji with a jagged snow cap on the
horizon, about a third of the way down. Then seven rows of waves: seen from above, each nearer
row lies lower in the picture and is taller and longer. A row's outline is a trochoid (the curve
of a deep-water wave: sharp crests, round troughs), each crest with its own height, leaning
forward so the fronts are steep; in one of the near rows one crest towers over the rest. Each row
is filled with Prussian blue (the far rows paler, as in haze) and striped with thin lines
parallel to its outline, alternating dark and light blue, closer together in the troughs. The top
and front of every crest carry a white foam band with round lumps on a light blue border, and
from the front hang white "claws": fingers outlined in dark blue that curl forward and down and
end in round knobs. On the nearer rows most crests also throw a lip forward: a tapering tube
that curls over and down, white on its back and blue inside, with claws along its outer edge,
and white spray dots fly above them.

"strokes" (an expressionist field). A dark umber ground under three layers of strokes: large
(about 44 units long and 14-23 wide, everywhere), medium (26 long, 8-13 wide) and small (14 long,
4-7 wide); the medium and small ones only where a smooth "detail" noise field is high, so the
large strokes show between them. Every stroke bends along a smooth direction field whose angle is
another noise field. Its colour comes from a warm palette ordered deep red, red, vermilion,
orange, light orange, yellow, pale yellow, olive, green, dark green: a third noise field picks
the place, give or take a step or two, so colours gather into patches while neighbouring
strokes still differ.
"""
from __future__ import annotations

import zlib

import numpy as np
from PIL import Image, ImageDraw

STYLES = ("starry", "mosaic", "waves", "strokes")

SUPERSAMPLE = 2     # canvas pixels per output pixel along each axis
UNITS = 256         # units across the shorter side of every painting

Colour = tuple[int, int, int]


def render_style(name: str, size: tuple[int, int] = (256, 256), seed: int = 0) -> np.ndarray:
    """The painting ``name`` as a uint8 array of shape (H, W, 3), where ``size`` is (H, W).

    Deterministic: the same (name, size, seed) gives the same bytes; another seed gives another
    painting of the same kind.
    """
    if name not in _PAINTERS:
        raise ValueError(f"unknown style {name!r}; the styles are: {', '.join(STYLES)}")
    height, width = _checked_size(size)
    rng = np.random.default_rng([zlib.crc32(name.encode()), int(seed)])
    return _PAINTERS[name](rng, height, width)


def _checked_size(size) -> tuple[int, int]:
    if len(size) != 2 or any(int(s) != s or s < 8 for s in size):
        raise ValueError(f"size must be (height, width) with whole numbers >= 8, got {size!r}")
    return int(size[0]), int(size[1])


# --------------------------------------------------------------------------------------------
# Shared tools


class _Canvas:
    """A Pillow canvas at SUPERSAMPLE times the output size, addressed in units."""

    def __init__(self, height: int, width: int, ground: Colour):
        self.out_size = (width, height)
        self.scale = SUPERSAMPLE * min(height, width) / UNITS     # canvas pixels per unit
        self.width = UNITS * width / min(height, width)            # in units
        self.height = UNITS * height / min(height, width)
        self.image = Image.new("RGB", (width * SUPERSAMPLE, height * SUPERSAMPLE), ground)
        self.draw = ImageDraw.Draw(self.image)

    def pixel_grid(self) -> tuple[np.ndarray, np.ndarray]:
        """Unit coordinates (x of shape (1, w), y of shape (h, 1)) of the canvas pixel centres."""
        w, h = self.image.size
        x = (np.arange(w, dtype=np.float32) + 0.5) / self.scale
        y = (np.arange(h, dtype=np.float32) + 0.5) / self.scale
        return x[None, :], y[:, None]

    def paste_array(self, rgb: np.ndarray) -> None:
        """Replace the canvas with ``rgb``, floats in [0, 255] of the canvas's shape."""
        self.image.paste(Image.fromarray(np.clip(rgb + 0.5, 0, 255).astype(np.uint8)))

    def _xy(self, points) -> list[float]:
        return (np.asarray(points, dtype=np.float64) * self.scale).ravel().tolist()

    def line(self, points, colour: Colour, width: float, joint: str | None = "curve") -> None:
        self.draw.line(self._xy(points), fill=colour, width=max(1, round(width * self.scale)),
                       joint=joint)

    def polygon(self, points, colour: Colour) -> None:
        self.draw.polygon(self._xy(points), fill=colour)

    def polygons(self, outlines: np.ndarray, colours: np.ndarray) -> None:
        """Fill many polygons in order: outlines (n, points, 2), colours (n, 3)."""
        flat = (outlines * self.scale).reshape(len(outlines), -1).tolist()
        for xy, colour in zip(flat, np.asarray(colours).astype(int).tolist()):
            self.draw.polygon(xy, fill=tuple(colour))

    def disc(self, cx: float, cy: float, radius: float, colour: Colour) -> None:
        self.draw.ellipse(self._xy([cx - radius, cy - radius, cx + radius, cy + radius]),
                          fill=colour)

    def result(self) -> np.ndarray:
        return np.array(self.image.resize(self.out_size, Image.LANCZOS))


def _smooth_noise(rng: np.random.Generator, cells: int, width: float, height: float,
                  resolution: int = 128) -> "_Field":
    """A smooth random field in [0, 1]: a grid of random values about ``cells`` per 256 units,
    interpolated bicubically, stretched to between roughly 0 and 1."""
    nx = max(2, round(cells * width / UNITS) + 2)
    ny = max(2, round(cells * height / UNITS) + 2)
    grid = Image.fromarray(rng.random((ny, nx), dtype=np.float32), mode="F")
    rx, ry = round(resolution * width / UNITS), round(resolution * height / UNITS)
    values = np.asarray(grid.resize((rx, ry), Image.BICUBIC))
    values = (values - values.min()) / max(float(np.ptp(values)), 1e-6)
    return _Field(values, width, height)


class _Field:
    """Values on a grid covering width x height units; ``at`` reads the nearest grid value."""

    def __init__(self, values: np.ndarray, width: float, height: float):
        self.values, self.width, self.height = values, width, height

    def at(self, x, y) -> np.ndarray:
        ny, nx = self.values.shape
        col = np.clip((np.asarray(x) / self.width * nx).astype(int), 0, nx - 1)
        row = np.clip((np.asarray(y) / self.height * ny).astype(int), 0, ny - 1)
        return self.values[row, col]


def _jittered_grid(rng, spacing: float, x0: float, x1: float, y0: float, y1: float) -> np.ndarray:
    """About one point per spacing x spacing cell of the box, shuffled: (n, 2)."""
    xs = np.arange(x0, x1, spacing)
    ys = np.arange(y0, y1, spacing)
    gx, gy = np.meshgrid(xs, ys)
    points = np.stack([gx.ravel(), gy.ravel()], axis=1)
    points += rng.uniform(0, spacing, points.shape)
    return points[rng.permutation(len(points))]


def _trace(direction, starts: np.ndarray, lengths: np.ndarray, steps: int) -> np.ndarray:
    """Paths that follow a unit direction field: (n, steps + 1, 2), each ``lengths[i]`` long.

    ``direction(points)`` maps (n, 2) positions to (n, 2) unit vectors; a midpoint step keeps
    the paths on circles round a vortex instead of spiralling out.
    """
    step = (lengths / steps)[:, None]
    paths = np.empty((len(starts), steps + 1, 2))
    paths[:, 0] = starts
    for k in range(steps):
        half = paths[:, k] + 0.5 * step * direction(paths[:, k])
        paths[:, k + 1] = paths[:, k] + step * direction(half)
    return paths


def _centred(paths: np.ndarray) -> np.ndarray:
    """Shift each path so its middle point is where it started (strokes grow both ways)."""
    middle = paths[:, paths.shape[1] // 2]
    return paths - (middle - paths[:, 0])[:, None, :]


def _normals(paths: np.ndarray) -> np.ndarray:
    """Unit normals (left of the direction of travel) at every point of every path."""
    tangents = np.gradient(paths, axis=1)
    tangents /= np.maximum(np.linalg.norm(tangents, axis=2, keepdims=True), 1e-9)
    return np.stack([tangents[..., 1], -tangents[..., 0]], axis=2)


def _shade(colour, factor) -> Colour:
    """Darker (factor < 1) or lighter towards white (factor > 1)."""
    return tuple(int(v) for v in _shades(np.asarray(colour, dtype=float)[None], factor)[0])


def _shades(colours: np.ndarray, factors) -> np.ndarray:
    """Many colours (..., 3) made darker or lighter by ``factors`` (broadcast over ...)."""
    f = np.asarray(factors, dtype=float)[..., None] + 0 * colours
    return np.clip(np.where(f <= 1, colours * f, colours + (255 - colours) * (f - 1)), 0, 255)


def _ribbons(paths: np.ndarray, normals: np.ndarray, offsets: np.ndarray,
             half_widths: np.ndarray, cap_points: int = 3) -> np.ndarray:
    """Outlines of thick curves with round ends: (n, 2 * (points + cap_points), 2).

    Each curve runs alongside its path at ``offsets`` (along the normal); a polygon per stroke
    is much faster to draw than a wide polyline with rounded joints.
    """
    centres = paths + normals * offsets[:, None, None]
    half = half_widths[:, None, None]
    left, right = centres + normals * half, centres - normals * half
    phi = np.linspace(0, np.pi, cap_points + 2)[1:-1][None, :, None]
    end_normal, start_normal = normals[:, -1:, :], normals[:, :1, :]

    def forward(normal):       # the tangent, turned back from the (left-pointing) normal
        return np.concatenate([-normal[..., 1:], normal[..., :1]], axis=-1)

    end_cap = centres[:, -1:] + half * (np.cos(phi) * end_normal
                                        + np.sin(phi) * forward(end_normal))
    start_cap = centres[:, :1] - half * (np.cos(phi) * start_normal
                                         + np.sin(phi) * forward(start_normal))
    return np.concatenate([left, end_cap, right[:, ::-1], start_cap], axis=1)


def _paint_strokes(canvas: _Canvas, rng, paths: np.ndarray, widths: np.ndarray,
                   colours: np.ndarray, bristles: int = 3, rim: float = 0.6,
                   ridge: float = 1.35) -> None:
    """Brush strokes: a dark shadow, ``bristles`` streaks of jittered shades and a light ridge.

    The shadow sits a little to one side and the ridge on the other, as on raised paint.
    """
    count = len(paths)
    normals = _normals(paths)
    side = rng.choice([-1.0, 1.0], count)
    streak = widths / bristles * 1.35
    layers = [(-side * 0.2 * widths, widths / 2, _shades(colours, rim))]
    streak_shades = 1 + rng.normal(0, 0.09, (count, bristles))
    for j in range(bristles):
        offsets = ((j + 0.5) / bristles - 0.5) * (widths - streak)
        layers.append((offsets, streak / 2, _shades(colours, streak_shades[:, j])))
    layers.append((side * 0.3 * widths, np.maximum(0.3, 0.08 * widths), _shades(colours, ridge)))
    outlines = np.stack([_ribbons(paths, normals, o, h) for o, h, _ in layers], axis=1)
    fills = np.stack([c for _, _, c in layers], axis=1)
    canvas.polygons(outlines.reshape(-1, *outlines.shape[2:]), fills.reshape(-1, 3))


def _pick(palette: np.ndarray, t: np.ndarray, rng, spread: float = 0.6) -> np.ndarray:
    """Colours from an ordered palette at positions t in [0, 1], give or take ``spread`` steps."""
    index = np.rint(t * (len(palette) - 1) + rng.normal(0, spread, len(t)))
    return palette[np.clip(index, 0, len(palette) - 1).astype(int)]


def _jitter(colours: np.ndarray, rng, amount: float) -> np.ndarray:
    return np.clip(colours * (1 + rng.normal(0, amount, (len(colours), 1))), 0, 255)


# --------------------------------------------------------------------------------------------
# "starry"

_SKY = np.array([(16, 30, 92), (26, 48, 128), (38, 72, 162), (56, 98, 184), (84, 128, 198),
                 (122, 162, 210), (168, 196, 220), (214, 226, 226)], dtype=float)
_STAR = np.array([(250, 232, 120), (246, 210, 70), (250, 244, 200), (170, 200, 220),
                  (236, 190, 60)], dtype=float)
_CYPRESS = np.array([(14, 22, 18), (28, 40, 26), (48, 44, 28), (24, 46, 44), (74, 78, 40),
                     (20, 30, 52)], dtype=float)


class _Vortices:
    """A drift to the right with wavy up-and-down motion, turned round by a few vortices."""

    def __init__(self, centres, radii, spins, wave_phase: float):
        self.centres = np.asarray(centres, dtype=float)
        self.radii = np.asarray(radii, dtype=float)
        self.spins = np.asarray(spins, dtype=float)
        self.wave_phase = wave_phase

    def __call__(self, points: np.ndarray) -> np.ndarray:
        x, y = points[:, 0], points[:, 1]
        flow = np.stack([np.ones_like(x),
                         0.35 * np.sin(x / 40 + self.wave_phase + y / 60)], axis=1)
        for (cx, cy), radius, spin in zip(self.centres, self.radii, self.spins):
            dx, dy = x - cx, y - cy
            r = np.maximum(np.hypot(dx, dy), 1e-6)
            weight = np.exp(-(r / (1.25 * radius)) ** 4)[:, None]
            around = np.stack([-dy, dx], axis=1) / r[:, None]
            inwards = -np.stack([dx, dy], axis=1) / r[:, None]     # makes circles into spirals
            flow = (1 - weight) * flow + weight * 1.6 * (spin * around + 0.18 * inwards)
        return flow / np.maximum(np.linalg.norm(flow, axis=1, keepdims=True), 1e-9)

    def closeness(self, points: np.ndarray) -> np.ndarray:
        """1 on a vortex's ring, falling to 0 far from every vortex."""
        best = np.zeros(len(points))
        for (cx, cy), radius in zip(self.centres, self.radii):
            r = np.hypot(points[:, 0] - cx, points[:, 1] - cy)
            best = np.maximum(best, np.exp(-((r - 0.6 * radius) / (0.7 * radius)) ** 2))
        return best


def _paint_starry(rng, height: int, width: int) -> np.ndarray:
    canvas = _Canvas(height, width, (16, 30, 92))
    W, H = canvas.width, canvas.height
    horizon = H * rng.uniform(0.68, 0.74)
    _sky_gradient(canvas, horizon)
    vortices = _choose_vortices(rng, W, horizon)
    _paint_sky(canvas, rng, vortices, horizon)
    _paint_swirls(canvas, rng, vortices)
    cypress_left = rng.random() < 0.7
    moon = (W * (0.86 if cypress_left else 0.14), H * 0.13)
    _paint_star(canvas, rng, moon, radius=9, rings=4, moon=True)
    for star in _choose_stars(rng, W, horizon, vortices, moon):
        _paint_star(canvas, rng, star, radius=rng.uniform(2.5, 4.2), rings=rng.integers(2, 4))
    _paint_hills(canvas, rng, horizon)
    _paint_village(canvas, rng, horizon)
    _paint_cypress(canvas, rng, cypress_left)
    return canvas.result()


def _sky_gradient(canvas: _Canvas, horizon: float) -> None:
    x, y = canvas.pixel_grid()
    t = np.clip(y / horizon, 0, 1)[..., None]
    top, bottom = np.array([18, 32, 100.0]), np.array([70, 110, 170.0])
    rows = top + (bottom - top) * t ** 1.5
    canvas.paste_array(np.broadcast_to(rows, (y.shape[0], x.shape[1], 3)))


def _choose_vortices(rng, W: float, horizon: float) -> _Vortices:
    count = rng.integers(2, 4)
    centres, radii = [], []
    x = W * rng.uniform(0.28, 0.4)
    for _ in range(count):
        radius = rng.uniform(26, 42) * min(1.0, W / UNITS + 0.2)
        centres.append((x, horizon * rng.uniform(0.3, 0.55)))
        radii.append(radius)
        x += radius * rng.uniform(1.7, 2.3)
        if x > W * 0.85:
            x = W * rng.uniform(0.15, 0.3)
    spins = [1.0 if i % 2 == 0 else -1.0 for i in range(count)]
    return _Vortices(centres, radii, spins, rng.uniform(0, 2 * np.pi))


def _sky_colours(rng, noise: _Field, vortices: _Vortices, points: np.ndarray,
                 horizon: float) -> np.ndarray:
    low = np.clip(points[:, 1] / horizon, 0, 1) ** 4      # a paler band over the hills
    t = 0.5 * noise.at(points[:, 0], points[:, 1]) + 0.5 * vortices.closeness(points) + 0.3 * low
    return _jitter(_pick(_SKY, np.clip(t, 0, 1), rng, spread=0.7), rng, 0.05)


def _paint_sky(canvas: _Canvas, rng, vortices: _Vortices, horizon: float) -> None:
    noise = _smooth_noise(rng, 5, canvas.width, canvas.height)
    for spacing, length, width in ((7.0, 20.0, 6.0), (5.0, 13.0, 4.0)):
        starts = _jittered_grid(rng, spacing, -4, canvas.width, -4, horizon + 6)
        paths = _centred(_trace(vortices, starts, length * rng.uniform(0.7, 1.3, len(starts)), 5))
        widths = width * rng.uniform(0.75, 1.25, len(starts))
        colours = _sky_colours(rng, noise, vortices, starts, horizon)
        _paint_strokes(canvas, rng, paths, widths, colours)


def _paint_swirls(canvas: _Canvas, rng, vortices: _Vortices) -> None:
    """Rings of strokes round each vortex, light and dark bands alternating."""
    for (cx, cy), radius in zip(vortices.centres, vortices.radii):
        for ring, fraction in enumerate(np.arange(0.2, 1.15, 0.16)):
            r = radius * fraction
            count = max(3, int(2 * np.pi * r / 9))
            angles = rng.uniform(0, 2 * np.pi) + np.arange(count) * 2 * np.pi / count
            starts = np.stack([cx + r * np.cos(angles), cy + r * np.sin(angles)], axis=1)
            paths = _centred(_trace(vortices, starts, rng.uniform(11, 17, count), 5))
            light = ring % 2 == 0
            t = rng.uniform(0.72, 1.0, count) if light else rng.uniform(0.3, 0.5, count)
            colours = _jitter(_pick(_SKY, t, rng, spread=0.4), rng, 0.04)
            _paint_strokes(canvas, rng, paths, rng.uniform(3.5, 5.5, count), colours)


def _choose_stars(rng, W: float, horizon: float, vortices: _Vortices, moon) -> list:
    stars = []
    avoid = [(moon[0], moon[1], 40.0)] + [(cx, cy, r * 0.9) for (cx, cy), r in
                                          zip(vortices.centres, vortices.radii)]
    for _ in range(200):
        if len(stars) >= 6 + W // 128:
            break
        x, y = rng.uniform(8, W - 8), rng.uniform(8, horizon - 22)
        if all(np.hypot(x - ax, y - ay) > ar + 10 for ax, ay, ar in avoid):
            stars.append((x, y))
            avoid.append((x, y, 22.0))
    return stars


def _paint_star(canvas: _Canvas, rng, centre, radius: float, rings: int,
                moon: bool = False) -> None:
    """A bright disc inside rings of short arc strokes, yellow nearest, pale blue outermost."""
    cx, cy = centre
    halo = _STAR[[4, 1, 0, 2, 3]] if moon else _STAR[[1, 0, 2, 3]]
    for ring in range(rings, 0, -1):
        r = radius + 0.6 + ring * 3.4
        count = max(5, int(2 * np.pi * r / 7))
        angles = rng.uniform(0, 2 * np.pi) + np.arange(count) * 2 * np.pi / count
        arc = np.linspace(-0.5, 0.5, 5) * (2 * np.pi / count) * rng.uniform(0.8, 1.1)
        theta = angles[:, None] + arc[None, :]
        wobble = r + rng.normal(0, 0.5, (count, 1))
        paths = np.stack([cx + wobble * np.cos(theta), cy + wobble * np.sin(theta)], axis=2)
        colour = halo[min(ring - 1, len(halo) - 1)]
        colours = _jitter(np.repeat(colour[None], count, axis=0), rng, 0.05)
        _paint_strokes(canvas, rng, paths, rng.uniform(2.4, 3.2, count), colours)
    if moon:    # a yellow crescent on an orange disc
        canvas.disc(cx, cy, radius, (236, 168, 50))
        canvas.disc(cx, cy, radius * 0.8, (252, 232, 120))
        canvas.disc(cx + radius * 0.38, cy - radius * 0.22, radius * 0.66, (236, 168, 50))
    else:
        canvas.disc(cx, cy, radius, (252, 246, 214))
        canvas.disc(cx - radius * 0.15, cy - radius * 0.15, radius * 0.5, (255, 255, 245))


def _hill_line(rng, W: float, base: float, amplitude: float) -> np.ndarray:
    x = np.linspace(-10, W + 10, 60)
    phases = rng.uniform(0, 2 * np.pi, 3)
    y = base - amplitude * (0.6 * np.sin(x / 45 + phases[0]) + 0.3 * np.sin(x / 19 + phases[1])
                            + 0.2 * np.sin(x / 9 + phases[2]))
    return np.stack([x, y], axis=1)


def _paint_hills(canvas: _Canvas, rng, horizon: float) -> None:
    W, H = canvas.width, canvas.height
    for depth, (colour, dark) in enumerate((((46, 72, 120), (30, 50, 96)),
                                            ((30, 52, 86), (20, 36, 64)))):
        ridge = _hill_line(rng, W, horizon + 4 + depth * 10, 7 - 2 * depth)
        canvas.polygon(np.vstack([ridge, [(W + 10, H + 10), (-10, H + 10)]]), dark)
        starts = _jittered_grid(rng, 6, -5, W + 5, 0, 16)
        starts[:, 1] += np.interp(starts[:, 0], ridge[:, 0], ridge[:, 1]) + 1
        slope = np.gradient(ridge[:, 1], ridge[:, 0])

        def along_ridge(points, slope=slope, ridge=ridge):
            s = np.interp(points[:, 0], ridge[:, 0], slope)
            d = np.stack([np.ones_like(s), s], axis=1)
            return d / np.linalg.norm(d, axis=1, keepdims=True)

        paths = _centred(_trace(along_ridge, starts, rng.uniform(9, 16, len(starts)), 4))
        colours = _jitter(np.repeat(np.array([colour], dtype=float), len(starts), 0), rng, 0.15)
        _paint_strokes(canvas, rng, paths, rng.uniform(3, 5, len(starts)), colours)


def _paint_village(canvas: _Canvas, rng, horizon: float) -> None:
    W, H = canvas.width, canvas.height
    ground = horizon + 24
    canvas.polygon([(-5, ground), (W + 5, ground), (W + 5, H + 5), (-5, H + 5)], (22, 40, 58))
    starts = _jittered_grid(rng, 6, -5, W + 5, ground, H + 5)
    phase = rng.uniform(0, 2 * np.pi)

    def rolling(points):
        slope = 0.35 * np.sin(points[:, 0] / 23 + phase) + 0.2 * np.sin(points[:, 1] / 5)
        d = np.stack([np.ones_like(slope), slope], axis=1)
        return d / np.linalg.norm(d, axis=1, keepdims=True)

    paths = _centred(_trace(rolling, starts, rng.uniform(7, 14, len(starts)), 3))
    greens = np.array([(26, 48, 60), (34, 66, 70), (20, 34, 50), (50, 70, 60), (40, 58, 96),
                       (84, 90, 60)], dtype=float)
    colours = _jitter(greens[rng.choice(6, len(starts), p=[.25, .2, .2, .15, .12, .08])], rng, .1)
    _paint_strokes(canvas, rng, paths, rng.uniform(3, 5, len(starts)), colours)
    spire_at = W * rng.uniform(0.4, 0.6)
    for row, y in enumerate((ground - 4, ground + 3)):
        x = rng.uniform(0, 10)
        while x < W:
            wide = rng.uniform(5, 10)
            _paint_house(canvas, rng, x, y + rng.uniform(-2, 2), wide, with_spire=(
                row == 0 and x <= spire_at < x + wide + 6))
            x += wide + rng.uniform(2, 9)


_WALLS = np.array([(62, 86, 120), (92, 110, 130), (120, 116, 96), (48, 70, 110)], dtype=float)


def _paint_house(canvas: _Canvas, rng, x: float, bottom: float, wide: float,
                 with_spire: bool) -> None:
    """A wall rectangle, a triangular roof, sometimes a lit window; the church has a spire."""
    tall = wide * rng.uniform(0.6, 0.9)
    top = bottom - tall
    wall = _jitter(_WALLS[rng.integers(0, len(_WALLS))][None], rng, 0.08)[0]
    canvas.polygon([(x, top), (x + wide, top), (x + wide, bottom + 4), (x, bottom + 4)],
                   _shade(wall, 1.0))
    roof = [(x - 1, top + 0.5), (x + wide / 2, top - tall * 0.55), (x + wide + 1, top + 0.5)]
    canvas.polygon(roof, _shade(wall, 0.45))
    for _ in range(rng.integers(0, 3)):
        wx, wy = x + rng.uniform(1, wide - 2.8), top + rng.uniform(1.2, max(1.3, tall - 2.5))
        canvas.polygon([(wx, wy), (wx + 1.8, wy), (wx + 1.8, wy + 1.8), (wx, wy + 1.8)],
                       (252, 216, 96))
    if with_spire:
        middle = x + wide / 2
        spire = [(middle - 1.8, top - tall * 0.4), (middle, top - 30),
                 (middle + 1.8, top - tall * 0.4)]
        canvas.polygon(spire, (30, 46, 84))


def _cypress_outline(rng, cypress_left: bool, W: float, H: float):
    """Half-width and centre of the flame shape as functions of height (y in units)."""
    centre = W * (rng.uniform(0.12, 0.2) if cypress_left else rng.uniform(0.8, 0.88))
    top = H * rng.uniform(0.04, 0.12)
    widest = rng.uniform(17, 21)
    phase = rng.uniform(0, 2 * np.pi)

    def half_width(y):     # a pointed top, widening downwards, with flame-like lobes
        t = np.clip((y - top) / (H - top), 0, 1)
        return widest * t ** 0.7 * (1 + 0.3 * np.sin(y / 6 + phase))

    def middle(y):
        return centre + 6 * np.sin(y / 37 + phase) * (1 - (y - top) / (H - top))

    return top, half_width, middle


def _paint_cypress(canvas: _Canvas, rng, cypress_left: bool) -> None:
    W, H = canvas.width, canvas.height
    top, half_width, middle = _cypress_outline(rng, cypress_left, W, H)
    ys = np.linspace(top, H + 5, 50)
    left = np.stack([middle(ys) - half_width(ys), ys], axis=1)
    right = np.stack([middle(ys) + half_width(ys), ys], axis=1)
    canvas.polygon(np.vstack([left, right[::-1]]), (14, 22, 18))
    count = int((H - top) * 3)
    ys = rng.uniform(top + 6, H + 5, count)
    xs = middle(ys) + rng.uniform(-1, 1, count) * half_width(ys) * 0.95
    starts = np.stack([xs, ys], axis=1)
    phase = rng.uniform(0, 2 * np.pi)

    def flame(points):
        x, y = points[:, 0], points[:, 1]
        # Sway with height, and lean outwards on each side of the trunk, like a flame.
        bend = 0.5 * np.sin(y / 11 + phase) + 0.45 * (x - middle(y)) / np.maximum(half_width(y), 1)
        d = np.stack([bend, -np.ones_like(bend)], axis=1)
        return d / np.linalg.norm(d, axis=1, keepdims=True)

    # Shorter strokes near the narrow top, so the tree ends in a point.
    lengths = rng.uniform(12, 22, count) * np.clip(half_width(ys) / 10, 0.35, 1)
    paths = _centred(_trace(flame, starts, lengths, 5))
    colours = _jitter(_CYPRESS[rng.choice(len(_CYPRESS), count, p=[.3, .22, .14, .14, .1, .1])],
                      rng, 0.12)
    widths = rng.uniform(3, 5.5, count) * np.clip(half_width(ys) / 8, 0.5, 1)
    _paint_strokes(canvas, rng, paths, widths, colours, ridge=1.6)


# --------------------------------------------------------------------------------------------
# "mosaic"


_TESSERAE = {
    "cobalt": (28, 70, 168), "ultramarine": (44, 44, 146), "turquoise": (24, 152, 162),
    "emerald": (22, 122, 74), "leaf": (112, 162, 48), "gold": (236, 180, 34),
    "ochre": (206, 124, 30), "terracotta": (198, 72, 38), "crimson": (172, 28, 52),
    "white": (238, 232, 214), "purple": (104, 48, 134),
}
_GROUT = np.array([46, 40, 36], dtype=np.float32)
_TILE = 24.0          # the largest tiles' cell, in units; cells are split to 12 and 6


class _MosaicDesign:
    """The picture the tiles are laid to: background regions, rosettes and a wavy ribbon."""

    def __init__(self, rng, width: float, height: float):
        ground = rng.choice(["cobalt", "ultramarine", "turquoise", "emerald", "purple", "ochre"],
                            3, replace=False)
        self.ground = np.array([_TESSERAE[n] for n in ground], dtype=float)
        self.noise = _smooth_noise(rng, 3, width, height)
        rings = rng.permutation(["gold", "crimson", "white", "cobalt", "turquoise", "leaf"])[:4]
        self.rings = np.array([_TESSERAE[n] for n in rings], dtype=float)
        self.rosettes = [(rng.uniform(0.15, 0.85) * width, rng.uniform(0.15, 0.85) * height,
                          rng.uniform(45, 75), rng.integers(5, 9), rng.uniform(0, 2 * np.pi))
                         for _ in range(rng.integers(1, 3))]
        body = rng.choice(["terracotta", "gold", "crimson"])
        self.ribbon_colours = np.array([_TESSERAE[body], _TESSERAE["white"]], dtype=float)
        self.ribbon = (rng.uniform(0.2, 0.8) * height, rng.uniform(18, 32), rng.uniform(45, 70),
                       rng.uniform(0, 2 * np.pi), rng.uniform(10, 14))

    def colours_at(self, points: np.ndarray) -> np.ndarray:
        x, y = points[:, 0], points[:, 1]
        band = np.minimum((self.noise.at(x, y) * 3).astype(int), 2)
        colours = self.ground[band]
        middle, amplitude, wavelength, phase, half = self.ribbon
        across = np.abs(y - (middle + amplitude * np.sin(x / wavelength + phase)))
        colours = np.where((across < half)[:, None], self.ribbon_colours[1], colours)
        colours = np.where((across < half - 3.5)[:, None], self.ribbon_colours[0], colours)
        for cx, cy, radius, petals, turn in self.rosettes:
            r = np.hypot(x - cx, y - cy)
            scalloped = r + 4.5 * np.cos(petals * np.arctan2(y - cy, x - cx) + turn) * r / radius
            ring = (scalloped / (radius / len(self.rings))).astype(int)
            inside = (scalloped < radius)[:, None]
            colours = np.where(inside, self.rings[np.minimum(ring, len(self.rings) - 1)], colours)
        return colours


def _quadtree_seeds(rng, design: _MosaicDesign, width: float, height: float):
    """Tile centres and cell sizes: cells split where the design changes, else at random."""
    corners = np.stack(np.meshgrid(np.arange(-_TILE, width + _TILE, _TILE),
                                   np.arange(-_TILE, height + _TILE, _TILE)), -1).reshape(-1, 2)
    size, seeds, sizes = _TILE, [], []
    for split_chance in (0.3, 0.35, None):
        if split_chance is None:
            split = np.zeros(len(corners), bool)
        else:
            probes = [(0.5, 0.5), (0.1, 0.1), (0.9, 0.1), (0.1, 0.9), (0.9, 0.9)]
            looks = np.stack([design.colours_at(corners + size * np.array(p)) for p in probes])
            uniform = np.all(looks == looks[0], axis=(0, 2))
            split = ~uniform | (rng.random(len(corners)) < split_chance)
        leaves = corners[~split]
        seeds.append(leaves + size * rng.uniform(0.15, 0.85, leaves.shape))
        sizes.append(np.full(len(leaves), size))
        half = size / 2
        corners = (corners[split][:, None, :]
                   + np.array([(0, 0), (half, 0), (0, half), (half, half)])).reshape(-1, 2)
        size = half
    return np.concatenate(seeds), np.concatenate(sizes)


def _paint_mosaic(rng, height: int, width: int) -> np.ndarray:
    per_unit = min(height, width) / UNITS      # output pixels per unit
    W, H = width / per_unit, height / per_unit
    design = _MosaicDesign(rng, W, H)
    seeds, sizes = _quadtree_seeds(rng, design, W, H)
    colours = design.colours_at(seeds)
    colours = np.clip(colours * rng.normal(1, 0.07, (len(seeds), 1))
                      + rng.normal(0, 8, colours.shape), 0, 255).astype(np.float32)
    image = np.empty((height, width, 3), np.float32)
    block = 32
    # A pixel's own cell holds a centre at most 0.85 * sqrt(2) * _TILE away; the next nearest
    # centre matters only when it is about as close.
    reach = _TILE * 1.25 + 2
    for top in range(0, height, block):
        for left in range(0, width, block):
            ys = (np.arange(top, min(top + block, height)) + 0.5) / per_unit
            xs = (np.arange(left, min(left + block, width)) + 0.5) / per_unit
            near = ((seeds[:, 0] > xs[0] - reach) & (seeds[:, 0] < xs[-1] + reach)
                    & (seeds[:, 1] > ys[0] - reach) & (seeds[:, 1] < ys[-1] + reach))
            image[top:top + len(ys), left:left + len(xs)] = _tile_pixels(
                xs, ys, seeds[near], sizes[near], colours[near], per_unit)
    image *= rng.normal(1, 0.03, (height, width, 1)).astype(np.float32)     # tile surfaces
    return np.clip(image + 0.5, 0, 255).astype(np.uint8)


def _tile_pixels(xs, ys, seeds, sizes, colours, per_unit: float) -> np.ndarray:
    """Colours of a block of pixels from their two nearest tile centres (a Voronoi diagram)."""
    px = np.repeat(xs[None, :], len(ys), 0).ravel()[:, None]
    py = np.repeat(ys[:, None], len(xs), 1).ravel()[:, None]
    centres = seeds.astype(np.float32)
    squared = (px - centres[:, 0]) ** 2 + (py - centres[:, 1]) ** 2
    rows = np.arange(len(squared))
    first = np.argmin(squared, axis=1)
    nearest = squared[rows, first]
    squared[rows, first] = np.inf
    second = np.argmin(squared, axis=1)
    gap = np.linalg.norm(seeds[second] - seeds[first], axis=1)
    # The distance from the pixel to the line halfway between the two centres: the tile's edge.
    to_edge = (squared[rows, second] - nearest) / (2 * np.maximum(gap, 1e-6))
    offset = np.stack([px[:, 0] - seeds[first, 0], py[:, 0] - seeds[first, 1]], 1)
    lit = -(offset[:, 0] + offset[:, 1]) / (sizes[first] * 0.7)          # light from upper left
    bevel = np.clip(to_edge / 2.5, 0, 1)
    shade = 0.8 + 0.2 * bevel + 0.07 * np.clip(lit, -1, 1)
    tile = colours[first] * shade[:, None]
    grout = np.clip((to_edge - 0.9) * per_unit + 0.5, 0, 1)[:, None]     # anti-aliased edge
    pixels = grout * tile + (1 - grout) * _GROUT
    return pixels.reshape(len(ys), len(xs), 3)


# --------------------------------------------------------------------------------------------
# "waves"


_PAPER = np.array([244, 233, 204], dtype=np.float32)
_PRUSSIAN = np.array([22, 58, 104], dtype=float)
_DEEP = (10, 34, 68)
_LIGHT_BLUE = (76, 126, 168)
_FOAM = (248, 245, 234)


def _paint_waves(rng, height: int, width: int) -> np.ndarray:
    canvas = _Canvas(height, width, tuple(int(c) for c in _PAPER))
    horizon = canvas.height * rng.uniform(0.3, 0.36)
    _paper_sky(canvas, rng, horizon)
    _paint_clouds(canvas, rng, horizon)
    _paint_mountain(canvas, rng, horizon)
    rows = 7
    hero_row = rng.integers(3, rows)
    for row in range(rows):
        _paint_wave_row(canvas, rng, horizon, row / (rows - 1), hero=row == hero_row)
    return canvas.result()


def _paper_sky(canvas: _Canvas, rng, horizon: float) -> None:
    """Cream paper with a fine grain, darkening to a grey band along the top edge."""
    x, y = canvas.pixel_grid()
    shade = 0.8 + 0.2 * np.clip(y / (0.6 * horizon), 0, 1)[..., None] ** 0.6
    fibres = rng.normal(0, 4, (y.shape[0], x.shape[1], 1)).astype(np.float32)
    canvas.paste_array(_PAPER * shade + fibres)


def _wavy_line(rng, x0: float, x1: float, y: float, amplitude: float, points: int = 40):
    x = np.linspace(x0, x1, points)
    phase = rng.uniform(0, 2 * np.pi, 2)
    y = y + amplitude * (np.sin(x / 13 + phase[0]) + 0.5 * np.sin(x / 5 + phase[1]))
    return np.stack([x, y], axis=1)


def _paint_clouds(canvas: _Canvas, rng, horizon: float) -> None:
    """Long flat cloud bands, pointed at both ends, a shade darker than the paper."""
    for _ in range(rng.integers(2, 4)):
        middle, thick = rng.uniform(0.12, 0.75) * horizon, rng.uniform(4, 8)
        x0 = rng.uniform(-40, canvas.width * 0.6)
        centre = _wavy_line(rng, x0, x0 + rng.uniform(60, 140), middle, 0.8)
        half = thick / 2 * np.sin(np.linspace(0, np.pi, len(centre))) ** 0.5
        outline = np.vstack([centre - np.stack([0 * half, half], 1),
                             (centre + np.stack([0 * half, half], 1))[::-1]])
        canvas.polygon(outline, (222, 206, 174))
        canvas.line(centre[4:-4] + [0, 0.3 * thick], (204, 188, 156), 0.6)


def _paint_mountain(canvas: _Canvas, rng, horizon: float) -> None:
    """A small Fuji: a blue-grey cone with a flat top and a snow cap with a jagged edge."""
    x = canvas.width * rng.uniform(0.35, 0.75)
    tall, half = rng.uniform(22, 30), rng.uniform(50, 70)
    foot = horizon + 8
    peak = foot - tall
    canvas.polygon([(x - half, foot), (x - 4, peak), (x + 4, peak), (x + half, foot)],
                   (70, 88, 118))
    snow = 0.4
    edge_x = np.linspace(x - 4 - snow * (half - 4), x + 4 + snow * (half - 4), 9)
    edge_y = peak + snow * tall - np.where(np.arange(9) % 2 == 1, rng.uniform(3, 6, 9), 0)
    cap = [(x - 4, peak), (x + 4, peak)] + list(zip(edge_x[::-1], edge_y[::-1]))
    canvas.polygon(cap, (248, 245, 234))


def _wave_profile(rng, canvas: _Canvas, base: float, amplitude: float, wavelength: float,
                  lean: float, hero: bool = False):
    """A row's outline, a leaning trochoid: points (n, 2), their phases and their heights.

    Crests are at phases that are multiples of 2 pi, each with its own height (the ``hero`` row
    has one crest 1.8 times the usual height); ``lean`` moves a crest forward by up to that
    fraction of its height, which steepens the wave's front.
    """
    crests = int(canvas.width / wavelength) + 3
    theta = np.linspace(-2 * np.pi, 2 * np.pi * crests, 40 * (crests + 1))
    heights = amplitude * rng.uniform(0.55, 1.2, crests + 3)
    start = -rng.uniform(0.6, 1.4) * wavelength
    if hero:           # one crest in the left half towers over the rest
        crest_x = start + wavelength * (np.arange(crests + 3) - 1)
        in_left_half = (crest_x > 0.12 * canvas.width) & (crest_x < 0.55 * canvas.width)
        candidates = np.flatnonzero(in_left_half)
        if len(candidates):
            heights[rng.choice(candidates)] = amplitude * 1.8
    position = theta / (2 * np.pi) + 1                 # crest k is at position k
    k = np.floor(position).astype(int)
    blend = (1 - np.cos(np.pi * (position - k))) / 2
    a = heights[k] * (1 - blend) + heights[k + 1] * blend
    x = start + wavelength / (2 * np.pi) * (theta - 0.7 * np.sin(theta))
    forward = a * (1 + np.cos(theta)) ** 2 / 4
    # Lean as far as asked but never so far that the outline doubles back (an overhang).
    dx, dforward = np.diff(x), np.diff(forward)
    backwards = dforward < 0
    if backwards.any():
        lean = min(lean, 0.8 * float(np.min(-dx[backwards] / dforward[backwards])))
    y = base - a * np.cos(theta)
    return np.stack([x + lean * forward, y], axis=1), theta, a


def _paint_wave_row(canvas: _Canvas, rng, horizon: float, nearness: float,
                    hero: bool = False) -> None:
    """One row of waves; nearness runs from 0 (at the horizon) to 1 (the front row).

    Seen from above, nearer rows are lower in the picture, taller and longer.
    """
    H = canvas.height
    crest_line = horizon + (0.6 * H - horizon) * nearness
    amplitude = 2.5 + 0.16 * H * nearness ** 1.4
    wavelength = 26 + 110 * nearness
    outline, theta, a = _wave_profile(rng, canvas, crest_line + amplitude, amplitude, wavelength,
                                      0.9 * nearness, hero)
    haze = 0.3 * (1 - nearness)
    body = tuple(int(c) for c in _PRUSSIAN * (1 - haze) + _PAPER * haze)
    canvas.polygon(np.vstack([outline, [(outline[-1, 0], H + 40), (outline[0, 0], H + 40)]]), body)
    # Stripes parallel to the face, closer together in the troughs, down to the bottom edge
    # (the rows in front hide most of them).
    gap = 1.6 + 2.4 * nearness
    squeeze = 1 + np.cos(theta) * a / (2.2 * a.max())
    for k in range(1, int((H - crest_line) / gap * 0.7) + 1):
        stripe = outline + np.stack([np.zeros_like(a), k * gap * squeeze], 1)
        light = k % 2 == 0 or rng.random() < 0.2
        shade = _LIGHT_BLUE if light else _DEEP
        canvas.line(stripe, shade, (0.35 + 0.75 * nearness) * rng.uniform(0.7, 1.3), joint=None)
    wrapped = (theta + np.pi) % (2 * np.pi) - np.pi       # the phase from the nearest crest
    near_crest = (wrapped > -0.35) & (wrapped < 0.8)        # the top and the breaking front
    _paint_foam_edge(canvas, rng, outline, near_crest, 0.6 + 3.2 * nearness)
    if nearness > 0.2:
        for m in np.unique(np.round(theta[near_crest] / (2 * np.pi))):
            index = np.argmin(np.abs(theta - 2 * np.pi * m))
            tallest = a[index] > 1.5 * amplitude
            _paint_claws(canvas, rng, outline, theta, 2 * np.pi * m, a[index], nearness, tallest)


def _runs(mask: np.ndarray) -> list[slice]:
    """Slices of the consecutive True stretches of a boolean array."""
    padded = np.concatenate([[0], mask.astype(int), [0]])
    edges = np.flatnonzero(np.diff(padded))
    return [slice(b, e) for b, e in zip(edges[::2], edges[1::2])]


def _paint_foam_edge(canvas: _Canvas, rng, outline: np.ndarray, near_crest: np.ndarray,
                     width: float) -> None:
    """A white band along every crest, with lumps, on a pale blue border."""
    for run in _runs(near_crest):
        edge = outline[run] + np.array([0, width * 0.4])
        if len(edge) < 2:
            continue
        canvas.line(edge, _LIGHT_BLUE, width * 2.2)
        canvas.line(edge, _FOAM, width)
        lumps = edge[rng.random(len(edge)) < 0.35]
        for x, y in lumps:
            canvas.disc(x, y - width * 0.3, width * rng.uniform(0.4, 0.8), _FOAM)


def _paint_claws(canvas: _Canvas, rng, outline, theta, crest_phase, height, nearness,
                 tallest: bool = False):
    """A curling lip on the nearest crests, white fingers down the front of every crest, spray."""
    thickness = 0.8 + 1.8 * nearness
    index = int(np.argmin(np.abs(theta - crest_phase)))
    if tallest or (nearness > 0.5 and rng.random() < 0.8):
        _paint_lip(canvas, rng, outline[index], height, thickness)
    count = int(3 + height / 4)
    phases = crest_phase + np.sort(rng.uniform(-0.1, 0.8, count))
    roots = np.stack([np.interp(phases, theta, outline[:, 0]),
                      np.interp(phases, theta, outline[:, 1])], axis=1)
    _paint_fingers(canvas, roots, rng.uniform(-0.6, 0.1, count),
                   height * rng.uniform(0.18, 0.32, count) + 2, rng.uniform(0.35, 0.6, count),
                   thickness)
    if nearness > 0.6:
        spread = np.array([height * 0.5, height * 0.3])
        spray = outline[index] + rng.normal(0, 1, (int(16 * nearness), 2)) * spread \
            - [0, height * 0.3]
        for x, y in spray:
            canvas.disc(x, y, rng.uniform(0.4, 1.1) * (0.5 + nearness), _FOAM)


def _paint_fingers(canvas: _Canvas, roots, headings, lengths, turns, thickness: float,
                   steps: int = 6) -> None:
    """Foam claws: from each root a white finger that bends clockwise and ends in a knob."""
    angles = headings[:, None] + turns[:, None] * np.arange(steps)[None, :]
    moves = np.stack([np.cos(angles), np.sin(angles)], axis=2) * (lengths / steps)[:, None, None]
    fingers = roots[:, None, :] + np.concatenate([np.zeros((len(roots), 1, 2)),
                                                  np.cumsum(moves, 1)], 1)
    for finger in fingers:
        canvas.line(finger, _DEEP, thickness * 1.9)
        canvas.disc(finger[-1, 0], finger[-1, 1], thickness * 1.25, _DEEP)
    for finger in fingers:
        canvas.line(finger, _FOAM, thickness)
        canvas.disc(finger[-1, 0], finger[-1, 1], thickness * 0.85, _FOAM)


def _paint_lip(canvas: _Canvas, rng, crest, height: float, thickness: float) -> None:
    """The crest thrown forward and curling down: a tapering blue tube with foam on its back."""
    steps = 16
    headings = rng.uniform(-0.7, -0.4) + np.arange(steps) * rng.uniform(0.2, 0.26)
    step = 0.085 * height
    centres = crest + np.cumsum(np.stack([np.cos(headings), np.sin(headings)], 1) * step, 0)
    radii = np.linspace(0.17, 0.05, steps) * height
    outer = np.stack([np.sin(headings), -np.cos(headings)], 1)     # away from the curl's centre
    body = tuple(int(c) for c in _PRUSSIAN)
    for (x, y), r, n in zip(centres, radii, outer):
        canvas.disc(x + n[0] * r * 0.3, y + n[1] * r * 0.3, r * 1.05, _LIGHT_BLUE)
    for (x, y), r, n in zip(centres, radii, outer):
        canvas.disc(x + n[0] * r * 0.25, y + n[1] * r * 0.25, r * 0.85, _FOAM)
    for (x, y), r, n in zip(centres, radii, outer):
        canvas.disc(x - n[0] * r * 0.25, y - n[1] * r * 0.25, r * 0.7, body)
    for k in (0.1, 0.45):
        canvas.line(centres - outer * (radii * k)[:, None], _LIGHT_BLUE, thickness * 0.35)
    roots = centres[steps // 3:] + outer[steps // 3:] * radii[steps // 3:, None]
    headings = headings[steps // 3:] - np.pi / 2
    _paint_fingers(canvas, roots, headings, 0.22 * height * rng.uniform(0.7, 1.2, len(roots)),
                   rng.uniform(0.3, 0.5, len(roots)), thickness)


# --------------------------------------------------------------------------------------------
# "strokes"


# Ordered so that neighbours are close: a noise value picks a place, jitter a neighbour.
_WARM = np.array([(118, 22, 22), (176, 34, 30), (212, 66, 34), (234, 118, 36), (244, 162, 50),
                  (248, 204, 72), (250, 232, 150), (182, 172, 58), (104, 142, 52), (46, 98, 50)],
                 dtype=float)


def _paint_field_of_strokes(rng, height: int, width: int) -> np.ndarray:
    canvas = _Canvas(height, width, (72, 40, 26))
    W, H = canvas.width, canvas.height
    turning = _smooth_noise(rng, 3, W, H)
    colour_map = _smooth_noise(rng, 4, W, H)
    base_angle = rng.uniform(0, 2 * np.pi)

    def direction(points):
        angle = base_angle + 1.4 * np.pi * turning.at(points[:, 0], points[:, 1])
        return np.stack([np.cos(angle), np.sin(angle)], axis=1)

    detail = _smooth_noise(rng, 4, W, H)
    # Smaller strokes only where the detail field is high, so the larger ones show elsewhere.
    for spacing, length, width_, above in ((12.0, 44.0, 19.0, -1.0), (9.0, 26.0, 11.0, 0.3),
                                           (6.5, 14.0, 5.5, 0.55)):
        starts = _jittered_grid(rng, spacing, -8, W + 8, -8, H + 8)
        starts = starts[detail.at(starts[:, 0], starts[:, 1]) > above]
        lengths = length * rng.uniform(0.7, 1.3, len(starts))
        paths = _centred(_trace(direction, starts, lengths, 4))
        t = colour_map.at(starts[:, 0], starts[:, 1])
        colours = _jitter(_pick(_WARM, t, rng, spread=1.0), rng, 0.06)
        widths = width_ * rng.uniform(0.75, 1.2, len(starts))
        _paint_strokes(canvas, rng, paths, widths, colours, bristles=4 if width_ > 8 else 3,
                       rim=0.62, ridge=1.45)
    return canvas.result()


_PAINTERS = {"starry": _paint_starry, "mosaic": _paint_mosaic, "waves": _paint_waves,
             "strokes": _paint_field_of_strokes}
