"""The things in a road scene: vehicles, pedestrians, traffic lights, trees and lamp posts.

World coordinates are metres: X to the right of the camera, Y up from the road, Z ahead.
:class:`Camera` projects them into normalised image coordinates (x right, y down, 0 to 1). A
thing is built once, in normalised coordinates, as a list of drawing operations on shapes of
:mod:`utils.synth.road_raster`; the same list then draws the thing at any resolution.

Vehicles are a few blocks (body, cabin, cargo box...), each with 8 corners: the block is drawn
as the convex hull of the projected corners (its top and ends), then its visible side, then its
near end (front or rear), then details (windows, lights, plate, wheels). A pedestrian or a
traffic light is flat, in the plane at its depth.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from utils.synth.road_raster import Ellipse, Poly, Rect, Shape, convex_hull
from utils.synth.scene import SKIN_TONES

CAR, BUS, TRUCK, PEDESTRIAN, TRAFFIC_LIGHT = range(5)

GLASS = np.array([0.10, 0.13, 0.17])
TYRE = np.array([0.05, 0.05, 0.055])
PLATE = np.array([0.88, 0.88, 0.82])
TAIL_LIGHT = np.array([0.75, 0.06, 0.05])
HEAD_LIGHT = np.array([0.97, 0.96, 0.88])
# Common car paints, and how often they occur.
PAINTS = np.array([[0.92, 0.92, 0.90], [0.06, 0.06, 0.07], [0.66, 0.67, 0.69], [0.38, 0.39, 0.41],
                   [0.62, 0.06, 0.07], [0.10, 0.20, 0.48], [0.05, 0.10, 0.22], [0.10, 0.30, 0.17],
                   [0.72, 0.66, 0.52], [0.88, 0.72, 0.10], [0.85, 0.38, 0.08], [0.35, 0.22, 0.13],
                   [0.45, 0.62, 0.78]])
PAINT_WEIGHTS = np.array([20, 18, 15, 13, 10, 6, 4, 3, 3, 2, 2, 2, 2], dtype=np.float64)


@dataclass(frozen=True)
class Camera:
    """A level pinhole camera ``height`` metres above a flat road.

    fx, fy: focal length in units of the frame's width and height (fy = fx * 16 / 9 for the
    720x1280 frame, whose pixels are square); (cx, horizon): the vanishing point, normalised.
    """
    fx: float
    fy: float
    cx: float
    horizon: float
    height: float

    def project(self, X: float, Y: float, Z: float) -> tuple[float, float]:
        return self.cx + self.fx * X / Z, self.horizon + self.fy * (self.height - Y) / Z


@dataclass(frozen=True)
class Look:
    """Light and air: how a surface colour at some depth appears in the picture."""
    ambient: np.ndarray      # (3,) multiplies surface colours (brightness and tint)
    haze: np.ndarray         # (3,) colour of distant air
    visibility: float        # metres; the fraction of haze at depth Z is Z / (Z + visibility)
    sun: float               # +1: lit from the right (right-facing sides brighter), -1 left
    shadow: float            # opacity of contact shadows
    night: float             # 0 (day) to 1 (dusk): how much lamps glow

    def fog(self, colour, depth: float) -> np.ndarray:
        f = depth / (depth + self.visibility)
        return np.asarray(colour) * (1.0 - f) + self.haze * f

    def surface(self, colour, depth: float, shade: float = 1.0) -> np.ndarray:
        return self.fog(np.asarray(colour) * self.ambient * shade, depth)

    def lamp(self, colour, depth: float) -> np.ndarray:
        """A light source: not darkened at dusk, only hazed."""
        return self.fog(colour, depth)


@dataclass
class Thing:
    """One object's drawing operations, in painter's order, and what the label needs.

    ``solid`` shapes hide what lies behind (used to measure how much of a farther object is
    visible); ``parts`` are the shapes of the labelled object itself (all of ``solid`` unless
    given, e.g. a traffic light's head without its pole).
    """
    depth: float
    label: int | None = None
    ops: list = field(default_factory=list)      # (shape, colour (3,), alpha, additive)
    solid: list = field(default_factory=list)
    parts: list | None = None

    def draw(self, shape: Shape, colour, alpha: float = 1.0, add: bool = False,
             solid: bool = True) -> Shape:
        self.ops.append((shape, np.clip(np.asarray(colour, np.float64), 0.0, 4.0), alpha, add))
        if solid:
            self.solid.append(shape)
        return shape

    def label_shapes(self) -> list:
        return self.solid if self.parts is None else self.parts

    def box(self) -> tuple[float, float, float, float]:
        """The full (amodal) extent (x1, y1, x2, y2), normalised, of the labelled shapes."""
        boxes = np.array([s.bbox for s in self.label_shapes()])
        return (*boxes[:, :2].min(axis=0), *boxes[:, 2:].max(axis=0))


# ----------------------------------------------------------------------------- vehicles

@dataclass(frozen=True)
class Block:
    """A slab of a vehicle: half widths at bottom and top, heights, and lengthwise extents of its
    bottom and top edges measured from the vehicle's rear (so windscreens can slope)."""
    role: str
    wb: float
    wt: float
    y0: float
    y1: float
    rb: tuple
    rt: tuple


@dataclass(frozen=True)
class Body:
    kind: str
    label: int
    length: float
    width: float
    wheel: float           # wheel radius
    axles: tuple           # axle positions from the rear
    blocks: tuple          # drawn in this order (lower or farther first) ...
    by_depth: bool = False  # ... or farthest first (a truck's cab and box)


def body_shape(kind: str, rng: np.random.Generator) -> Body:
    """Dimensions (metres) of one vehicle of ``kind``, jittered."""
    sw, sl, sh = rng.uniform(0.95, 1.05), rng.uniform(0.93, 1.07), rng.uniform(0.95, 1.05)
    if kind == "sedan":
        L, W = 4.6 * sl, 1.80 * sw
        blocks = (Block("body", W / 2, W / 2 - 0.02, 0.28, 0.92 * sh, (0, L), (0.08, L - 0.1)),
                  Block("cabin", W / 2 - 0.06, W / 2 - 0.24, 0.92 * sh, 1.44 * sh,
                        (0.85 * sl, 3.0 * sl), (1.45 * sl, 2.45 * sl)))
        return Body(kind, CAR, L, W, 0.32, (0.9 * sl, L - 0.95 * sl), blocks)
    if kind == "hatchback":
        L, W = 4.0 * sl, 1.74 * sw
        blocks = (Block("body", W / 2, W / 2 - 0.02, 0.28, 0.93 * sh, (0, L), (0.05, L - 0.1)),
                  Block("cabin", W / 2 - 0.06, W / 2 - 0.22, 0.93 * sh, 1.5 * sh,
                        (0.1 * sl, 2.5 * sl), (0.35 * sl, 1.95 * sl)))
        return Body(kind, CAR, L, W, 0.31, (0.75 * sl, L - 0.85 * sl), blocks)
    if kind == "van":       # minivans and SUVs
        L, W = 4.8 * sl, 1.92 * sw
        blocks = (Block("body", W / 2, W / 2 - 0.02, 0.36, 1.02 * sh, (0, L), (0.03, L - 0.12)),
                  Block("cabin", W / 2 - 0.04, W / 2 - 0.16, 1.02 * sh, 1.85 * sh,
                        (0.05 * sl, 3.6 * sl), (0.15 * sl, 2.9 * sl)))
        return Body(kind, CAR, L, W, 0.36, (0.85 * sl, L - 1.0 * sl), blocks)
    if kind == "bus":
        L, W = rng.uniform(10.0, 12.5), 2.55
        H = 3.1 * sh
        blocks = (Block("bus", W / 2, W / 2 - 0.03, 0.32, H, (0, L), (0.05, L - 0.08)),)
        return Body(kind, BUS, L, W, 0.5, (2.6, L - 2.5), blocks)
    if kind == "box_truck":
        L, W = rng.uniform(7.0, 9.5), 2.5
        cab = 2.3
        blocks = (Block("cab", W / 2 - 0.05, W / 2 - 0.1, 0.45, 2.8 * sh, (L - cab, L),
                        (L - cab + 0.1, L - 0.3)),
                  Block("box", W / 2, W / 2, 0.85, rng.uniform(3.3, 3.8), (0, L - cab - 0.2),
                        (0, L - cab - 0.2)))
        return Body(kind, TRUCK, L, W, 0.5, (1.4, L - 1.3), blocks, by_depth=True)
    if kind == "pickup":
        L, W = 5.6 * sl, 2.0 * sw
        blocks = (Block("bed", W / 2, W / 2 - 0.02, 0.42, 1.12 * sh, (0, L), (0.02, L - 0.12)),
                  Block("cabin", W / 2 - 0.05, W / 2 - 0.16, 1.12 * sh, 1.9 * sh,
                        (2.2 * sl, 3.9 * sl), (2.3 * sl, 3.4 * sl)))
        return Body(kind, TRUCK, L, W, 0.4, (1.1 * sl, L - 1.2 * sl), blocks)
    raise ValueError(f"unknown vehicle kind {kind!r}")


class Face:
    """A quadrilateral in the world: corners ``c`` (4, 3) at (s, t) = (0, 0), (1, 0), (1, 1),
    (0, 1), t running from bottom to top. ``quad(s0, s1, t0, t1)`` is the projected sub-quad of
    the face's (s, t) unit square (perspective-correct: corners are projected, not the quad)."""

    def __init__(self, camera: Camera, bl, br, tr, tl):
        self.camera = camera
        self.c = np.array([bl, br, tr, tl], dtype=np.float64)

    def point(self, s: float, t: float) -> np.ndarray:
        bl, br, tr, tl = self.c
        return (bl * (1 - s) + br * s) * (1 - t) + (tl * (1 - s) + tr * s) * t

    def xy(self, s: float, t: float) -> tuple[float, float]:
        return self.camera.project(*self.point(s, t))

    def quad(self, s0: float, s1: float, t0: float, t1: float) -> Poly:
        return Poly([self.xy(s0, t0), self.xy(s1, t0), self.xy(s1, t1), self.xy(s0, t1)])


def vehicle(camera: Camera, look: Look, rng: np.random.Generator, body: Body, X: float, Z: float,
            facing: str, paint=None) -> Thing:
    """A vehicle of shape ``body`` whose centre line is at lateral X and nearest end at depth Z.

    ``facing`` is "away" (we see its rear: same direction as us) or "toward" (its front).
    """
    if paint is None:
        paint = random_paint(rng)
    thing = Thing(Z, body.label)
    depth = (lambda r: Z + r) if facing == "away" else (lambda r: Z + body.length - r)
    far_z = Z + body.length

    # contact shadow on the road, then the tyres that show under the near end
    w = body.width / 2 + 0.15
    foot = [camera.project(X + sx * w, 0.0, z) for sx in (-1, 1) for z in (Z - 0.25, far_z + 0.2)]
    thing.draw(Poly(convex_hull(foot)), np.zeros(3), alpha=look.shadow, solid=False)
    lowest = body.blocks[0] if not body.by_depth else min(body.blocks, key=lambda b: b.y0)
    tyre_z = Z + min(0.9, body.axles[0] if facing == "away" else body.length - body.axles[1])
    for sx in (-1, 1):
        inner, outer = X + sx * (body.width / 2 - 0.42), X + sx * (body.width / 2 - 0.1)
        x1, y1 = camera.project(min(inner, outer), lowest.y0 + 0.1, tyre_z)
        x2, y2 = camera.project(max(inner, outer), 0.0, tyre_z)
        thing.draw(Rect(x1, y1, x2, y2), look.surface(TYRE, tyre_z))

    blocks = list(body.blocks)
    if body.by_depth:
        blocks.sort(key=lambda b: -min(depth(b.rb[0]), depth(b.rb[1])))
    trim = np.array([0.08, 0.08, 0.09]) if rng.random() < 0.6 else paint * 0.7
    accent = random_paint(rng)
    brake = rng.random() < 0.3
    for block in blocks:
        zbn, zbf = sorted((depth(block.rb[0]), depth(block.rb[1])))
        ztn, ztf = sorted((depth(block.rt[0]), depth(block.rt[1])))
        colour = paint if block.role != "box" else (accent if rng.random() < 0.3 else
                                                    np.array([0.9, 0.9, 0.88]))
        corners = [(X + sx * block.wb, block.y0, z) for sx in (-1, 1) for z in (zbn, zbf)]
        corners += [(X + sx * block.wt, block.y1, z) for sx in (-1, 1) for z in (ztn, ztf)]
        hull = convex_hull([camera.project(*c) for c in corners])
        top = 0.55 if block.role == "bed" else 1.12 if block.y1 < camera.height else 0.9
        thing.draw(Poly(hull), look.surface(colour, zbn, top))      # top and ends
        side = None
        if X - block.wb > 0 or X + block.wb < 0:
            sx = -1 if X > 0 else 1           # the side that faces the camera's line of sight
            xb, xt = X + sx * block.wb, X + sx * block.wt
            side = Face(camera, (xb, block.y0, zbn), (xb, block.y0, zbf), (xt, block.y1, ztf),
                        (xt, block.y1, ztn))
            lit = 1.0 if sx * look.sun > 0 else 0.72
            thing.draw(side.quad(0, 1, 0, 1), look.surface(colour, zbn, 0.85 * lit))
        near = Face(camera, (X - block.wb, block.y0, zbn), (X + block.wb, block.y0, zbn),
                    (X + block.wt, block.y1, ztn), (X - block.wt, block.y1, ztn))
        thing.draw(near.quad(0, 1, 0, 1), look.surface(colour, zbn, 0.95))
        _details(thing, look, rng, block.role, facing, near, side, zbn, colour, trim, accent,
                 brake)
        if block is lowest and side is not None:
            _wheels(thing, camera, look, body, depth, side)
    return thing


def _wheels(thing: Thing, camera: Camera, look: Look, body: Body, depth, side: Face) -> None:
    xs = side.c[0, 0]
    for r in body.axles:
        z = depth(r)
        cx, cy = camera.project(xs, body.wheel, z)
        ry = camera.fy * body.wheel / z
        rx = max(camera.fx * abs(xs) * (1 / (z - body.wheel) - 1 / (z + body.wheel)) / 2,
                 camera.fx * 0.06 / z)
        thing.draw(Ellipse(cx, cy, rx, ry), look.surface(TYRE, z))
        thing.draw(Ellipse(cx, cy, rx * 0.55, ry * 0.55), look.surface([0.45, 0.46, 0.48], z),
                   solid=False)


def _lamp(thing: Thing, look: Look, shape: Poly, colour, z: float, bright: float = 0.0) -> None:
    """A light: the lamp itself, and a glow around it at dusk, in fog or when it is braking."""
    thing.draw(shape, look.lamp(colour, z) if look.night > 0 or bright else
               look.surface(colour, z, 1.15))
    glow = look.night + bright
    if glow > 0:
        x1, y1, x2, y2 = shape.bbox
        cx, cy, rx, ry = (x1 + x2) / 2, (y1 + y2) / 2, (x2 - x1) * 1.6, (y2 - y1) * 2.2
        thing.draw(Ellipse(cx, cy, rx, ry, soft=True), look.lamp(colour, z) * 0.5 * glow,
                   add=True, solid=False)


def _details(thing, look, rng, role, facing, near, side, z, colour, trim, accent, brake) -> None:
    """Windows, lights, plates and trim of one block (``side``: s = 0 at the near end)."""
    def paint(face, s0, s1, t0, t1, c, shade=1.0):
        thing.draw(face.quad(s0, s1, t0, t1), look.surface(c, z, shade), solid=False)

    rear = facing == "away"
    if role in ("body", "bed"):
        paint(near, 0.0, 1.0, 0.0, 0.28, trim if role == "body" else [0.62, 0.62, 0.64])
        if rear:
            tall = (0.4, 0.92) if role == "bed" else (0.55, 0.85)
            wide = 0.1 if role == "bed" else 0.2
            for s0 in (0.02, 0.98 - wide):
                _lamp(thing, look, near.quad(s0, s0 + wide, *tall),
                      TAIL_LIGHT * (1.3 if brake else 1), z, bright=0.6 if brake else 0.0)
            paint(near, 0.39, 0.61, 0.3, 0.52, PLATE)
        else:
            paint(near, 0.3, 0.7, 0.3, 0.62, [0.06, 0.06, 0.07])
            for s0 in (0.03, 0.76):
                _lamp(thing, look, near.quad(s0, s0 + 0.21, 0.58, 0.84), HEAD_LIGHT, z)
        if side is not None:
            paint(side, 0.0, 1.0, 0.0, 0.14, trim, 0.8)
    elif role == "cabin":
        glass = GLASS * (1.0 if rear else 1.35)
        paint(near, 0.07, 0.93, 0.1, 0.9, glass)
        if side is not None:
            paint(side, 0.05, 0.95, 0.12, 0.86, glass)
            s = rng.uniform(0.45, 0.55)
            paint(side, s - 0.025, s + 0.025, 0.12, 0.86, colour, 0.8)
    elif role == "bus":
        if rear:
            if rng.random() < 0.6:
                paint(near, 0.08, 0.92, 0.6, 0.88, GLASS)
            paint(near, 0.25, 0.75, 0.05, 0.35, [0.15, 0.15, 0.16])
            for s0 in (0.03, 0.87):
                _lamp(thing, look, near.quad(s0, s0 + 0.1, 0.14, 0.32), TAIL_LIGHT, z,
                      bright=0.6 if brake else 0.0)
        else:
            paint(near, 0.05, 0.95, 0.38, 0.85, GLASS * 1.3)
            paint(near, 0.15, 0.85, 0.87, 0.96, [0.05, 0.05, 0.05])
            paint(near, 0.2, 0.6, 0.895, 0.935, [0.95, 0.55, 0.1])
            for s0 in (0.04, 0.84):
                _lamp(thing, look, near.quad(s0, s0 + 0.12, 0.08, 0.17), HEAD_LIGHT, z)
        if side is not None:
            paint(side, 0.0, 1.0, 0.28, 0.36, accent)
            paint(side, 0.03, 0.97, 0.45, 0.86, GLASS)
            n = int(rng.integers(5, 8))
            for k in range(1, n):
                s = 0.03 + 0.94 * k / n
                paint(side, s - 0.006, s + 0.006, 0.45, 0.86, colour)
    elif role == "box":
        if rear:
            paint(near, 0.495, 0.505, 0.02, 0.98, [0.25, 0.25, 0.25])
            for s0 in (0.02, 0.9):
                _lamp(thing, look, near.quad(s0, s0 + 0.08, 0.02, 0.07), TAIL_LIGHT, z,
                      bright=0.6 if brake else 0.0)
        if side is not None and rng.random() < 0.5:
            paint(side, 0.1, 0.75, 0.35, 0.65, accent)
    elif role == "cab":
        if not rear:
            paint(near, 0.05, 0.95, 0.55, 0.92, GLASS * 1.3)
            paint(near, 0.22, 0.78, 0.12, 0.45, [0.1, 0.1, 0.11])
            for s0 in (0.03, 0.85):
                _lamp(thing, look, near.quad(s0, s0 + 0.12, 0.1, 0.2), HEAD_LIGHT, z)
        if side is not None:
            s0, s1 = (0.4, 0.92) if rear else (0.08, 0.6)      # the door window, at the front
            paint(side, s0, s1, 0.55, 0.9, GLASS)


def random_paint(rng: np.random.Generator) -> np.ndarray:
    base = PAINTS[rng.choice(len(PAINTS), p=PAINT_WEIGHTS / PAINT_WEIGHTS.sum())]
    return np.clip(base * rng.uniform(0.9, 1.1) + rng.normal(0.0, 0.025, size=3), 0.0, 1.0)


# ------------------------------------------------------------------ people, lights, trees

CLOTHES = np.array([[0.1, 0.1, 0.12], [0.2, 0.25, 0.45], [0.55, 0.1, 0.1], [0.85, 0.85, 0.82],
                    [0.35, 0.35, 0.35], [0.15, 0.35, 0.2], [0.75, 0.6, 0.3], [0.9, 0.5, 0.1],
                    [0.5, 0.3, 0.55], [0.25, 0.4, 0.6]])


def pedestrian(camera: Camera, look: Look, rng: np.random.Generator, X: float, Z: float) -> Thing:
    """A person standing or walking at (X, Z): legs, torso, arms, head, hair; about 1.7 m."""
    h = rng.uniform(1.55, 1.92) if rng.random() > 0.1 else rng.uniform(1.05, 1.35)
    sideways = rng.random() < 0.5
    stride = rng.uniform(0.0, 0.34) * h if sideways else 0.0
    half = (0.075 if sideways else 0.13) * h          # half the shoulder width as seen
    skin = SKIN_TONES[rng.integers(len(SKIN_TONES))] * rng.uniform(0.9, 1.05)
    top = CLOTHES[rng.integers(len(CLOTHES))] * rng.uniform(0.8, 1.15)
    legs = CLOTHES[rng.integers(len(CLOTHES))] * rng.uniform(0.6, 1.0)
    hair = np.array([0.07, 0.05, 0.04]) * rng.uniform(0.8, 4.0)
    thing = Thing(Z, PEDESTRIAN)

    def p(u, v):
        return camera.project(X + u, v, Z)

    def limb(u0, v0, u1, v1, width):
        return Poly([p(u0 - width, v0), p(u0 + width, v0), p(u1 + width, v1), p(u1 - width, v1)])

    thing.draw(Ellipse(*p(0, 0), camera.fx * 0.35 * h / Z, camera.fy * 0.04 * h / Z),
               np.zeros(3), alpha=look.shadow * 0.8, solid=False)
    hip, shoulder = 0.52 * h, 0.81 * h
    leg_w = (0.055 if sideways else 0.05) * h
    for k, sign in enumerate((-1, 1)):
        foot = sign * stride / 2 if sideways else sign * 0.055 * h
        knee_shade = 0.8 if k == 0 else 1.0
        thing.draw(limb(sign * (0 if sideways else 0.05 * h), hip, foot, 0.02 * h, leg_w),
                   look.surface(legs, Z, knee_shade))
        thing.draw(limb(foot, 0.05 * h, foot + 0.06 * h * (1 if sideways else sign * 0.3), 0.0,
                        0.035 * h), look.surface([0.08, 0.07, 0.07], Z))
    thing.draw(Poly([p(-half * 0.8, hip - 0.02 * h), p(half * 0.8, hip - 0.02 * h),
                     p(half, shoulder), p(-half, shoulder)]), look.surface(top, Z))
    swing = stride * 0.6
    for sign in (-1, 1):
        u0 = sign * (half - 0.03 * h) if not sideways else 0.0
        u1 = sign * (half + 0.01 * h) if not sideways else sign * swing
        thing.draw(limb(u0, shoulder - 0.02 * h, u1, hip - 0.04 * h, 0.03 * h),
                   look.surface(top, Z, 0.85))
        hand = p(u1, hip - 0.065 * h)
        thing.draw(Ellipse(*hand, camera.fx * 0.03 * h / Z, camera.fy * 0.035 * h / Z),
                   look.surface(skin, Z, 0.9))
    thing.draw(limb(0, shoulder - 0.01 * h, 0, shoulder + 0.05 * h, 0.025 * h),
               look.surface(skin, Z))
    head_c, rx, ry = p(0, 0.92 * h), camera.fx * 0.055 * h / Z, camera.fy * 0.068 * h / Z
    thing.draw(Ellipse(*head_c, rx, ry), look.surface(skin, Z))
    back = rng.random() < 0.4                           # seen from behind: hair covers the head
    thing.draw(Ellipse(head_c[0], head_c[1] - ry * (0.25 if not back else 0.05), rx * 1.03,
                       ry * (0.8 if not back else 1.02)), look.surface(hair, Z))
    if rng.random() < 0.3:                              # a bag or backpack
        bag = CLOTHES[rng.integers(len(CLOTHES))] * 0.7
        u = -half if sideways else half
        thing.draw(limb(u, hip, u, hip + 0.18 * h, 0.06 * h), look.surface(bag, Z))
    return thing


def traffic_lights(camera: Camera, look: Look, rng: np.random.Generator, X: float, Z: float,
                   heads_at: list, mast_height: float) -> list[Thing]:
    """A pole at (X, Z) and signal heads hung at lateral positions ``heads_at``.

    With one head at the pole's own X the head sits on the pole; otherwise a mast arm at
    ``mast_height`` carries them over the road. Returns [the pole and arm, head, head...]; only
    the heads are labelled (their box is the housing and its backplate).
    """
    metal = look.surface(np.array([0.3, 0.31, 0.3]) * rng.uniform(0.6, 1.3), Z)
    pole = Thing(Z + 0.01)
    top = mast_height + 0.3
    x1, y1 = camera.project(X - 0.1, top, Z)
    x2, y2 = camera.project(X + 0.1, 0.0, Z)
    pole.draw(Rect(x1, y1, x2, y2), metal)
    if any(abs(u - X) > 0.5 for u in heads_at):
        far = max(heads_at, key=lambda u: abs(u - X))
        x1, y1 = camera.project(min(X, far - 0.3), mast_height + 0.1, Z)
        x2, y2 = camera.project(max(X, far + 0.3), mast_height - 0.05, Z)
        pole.draw(Rect(x1, y1, x2, y2), metal)
    things = [pole]
    lit = int(rng.integers(3))
    housing = np.array([0.12, 0.12, 0.1]) if rng.random() < 0.7 else np.array([0.6, 0.5, 0.1])
    plate = rng.random() < 0.6
    for u in heads_at:
        head = Thing(Z, TRAFFIC_LIGHT)
        hw, hh = 0.2, 0.52                   # housing half sizes
        cy_world = mast_height - 0.05 - hh if abs(u - X) > 0.5 else mast_height - hh
        if plate:
            x1, y1 = camera.project(u - hw - 0.12, cy_world + hh + 0.1, Z)
            x2, y2 = camera.project(u + hw + 0.12, cy_world - hh - 0.1, Z)
            head.draw(Rect(x1, y1, x2, y2), look.surface([0.05, 0.05, 0.05], Z))
        x1, y1 = camera.project(u - hw, cy_world + hh, Z)
        x2, y2 = camera.project(u + hw, cy_world - hh, Z)
        head.draw(Rect(x1, y1, x2, y2), look.surface(housing, Z))
        for k, colour in enumerate(([1.0, 0.15, 0.1], [1.0, 0.7, 0.1], [0.2, 1.0, 0.45])):
            cx, cy = camera.project(u, cy_world + 0.32 - 0.32 * k, Z)
            r = Ellipse(cx, cy, camera.fx * 0.13 / Z, camera.fy * 0.13 / Z)
            if k == lit:
                head.draw(r, look.lamp(colour, Z), solid=False)
                head.draw(Ellipse(cx, cy, r.r[0] * 3, r.r[1] * 3, soft=True),
                          look.lamp(colour, Z) * (0.25 + 0.5 * look.night), add=True, solid=False)
            else:
                head.draw(r, look.surface(np.array(colour) * 0.15, Z), solid=False)
        things.append(head)
    return things


def tree(camera: Camera, look: Look, rng: np.random.Generator, X: float, Z: float) -> Thing:
    """A street tree: trunk and a crown of a few overlapping ellipses."""
    thing = Thing(Z)
    trunk_h = rng.uniform(1.8, 3.2)
    x1, y1 = camera.project(X - 0.14, trunk_h + 0.6, Z)
    x2, y2 = camera.project(X + 0.14, 0.0, Z)
    thing.draw(Rect(x1, y1, x2, y2), look.surface([0.22, 0.16, 0.1], Z))
    green = np.array([0.16, 0.32, 0.12]) * rng.uniform(0.7, 1.3)
    if rng.random() < 0.15:
        green = np.array([0.55, 0.38, 0.1]) * rng.uniform(0.8, 1.2)      # autumn
    size = rng.uniform(1.4, 2.6)
    for k in range(int(rng.integers(3, 6))):
        u, v = rng.normal(0, 0.45 * size), trunk_h + size + rng.normal(0, 0.35 * size)
        r = size * rng.uniform(0.55, 0.9)
        cx, cy = camera.project(X + u, v, Z)
        shade = 0.75 + 0.35 * k / 5
        thing.draw(Ellipse(cx, cy, camera.fx * r / Z, camera.fy * r * 0.9 / Z),
                   look.surface(green, Z, shade))
    return thing


def lamp_post(camera: Camera, look: Look, rng: np.random.Generator, X: float, Z: float) -> Thing:
    """A street lamp: a pole with an arm reaching over the road and a lamp head."""
    thing = Thing(Z)
    h = rng.uniform(6.5, 8.5)
    metal = look.surface([0.35, 0.36, 0.37], Z)
    x1, y1 = camera.project(X - 0.09, h, Z)
    x2, y2 = camera.project(X + 0.09, 0.0, Z)
    thing.draw(Rect(x1, y1, x2, y2), metal)
    reach = -np.sign(X) * rng.uniform(1.2, 2.2)
    x1, y1 = camera.project(min(X, X + reach), h, Z)
    x2, y2 = camera.project(max(X, X + reach), h - 0.12, Z)
    thing.draw(Rect(x1, y1, x2, y2), metal)
    x1, y1 = camera.project(X + reach - 0.35, h + 0.05, Z)
    x2, y2 = camera.project(X + reach + 0.35, h - 0.2, Z)
    thing.draw(Rect(x1, y1, x2, y2), look.surface([0.25, 0.25, 0.25], Z))
    if look.night > 0:
        cx, cy = camera.project(X + reach, h - 0.25, Z)
        thing.draw(Ellipse(cx, cy, camera.fx * 1.2 / Z, camera.fy * 1.0 / Z, soft=True),
                   np.array([1.0, 0.8, 0.45]) * 0.6 * look.night, add=True, solid=False)
    return thing
