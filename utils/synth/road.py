"""Dash-camera road scenes with exact boxes: Week 3's stand-in for the drive.ai photographs.

``render_scene(seed, height, width)`` draws one scene: sky and clouds, a distant skyline, a
straight road in perspective (lanes, dashed and solid markings, curbs, sidewalks, sometimes a
parking lane and an intersection with crosswalks), buildings with windows or trees at the sides,
lamp posts, and the labelled objects: cars (sedans, hatchbacks, vans/SUVs in common paints),
buses, trucks (box trucks and pickups), pedestrians and traffic lights. Time of day (day,
overcast, dusk, fog) sets the sky, the light, the haze and whether lamps glow; the camera adds an
uneven exposure, vignetting, a colour cast and sensor noise.

**One scene, any size.** A seed fixes the whole scene in metres and, through a pinhole camera
(:class:`~utils.synth.road_objects.Camera`), in normalised image coordinates (x, y in [0, 1]).
Only then is it drawn, with x scaled by the width and y by the height: rendering a seed at
(256, 256) gives the (720, 1280) picture squeezed sideways, with the same boxes scaled by
256/720 and 256/1280. Sensor noise is drawn at the output size (weaker at smaller sizes, as if
the picture had been resized).

**Boxes.** Objects are drawn far to near (painter's order), so nearer ones hide farther ones.
A box is the *full* extent of its object (as a labeller who sees a half-hidden car marks all of
it), clipped to the frame: (y1, x1, y2, x2) in pixels. An object less than ``MIN_VISIBLE`` (40%)
visible, hidden by nearer things or cut by the frame's edge, gets no box, nor does one whose
clipped box is under ``MIN_BOX_PX`` (10) pixels wide or tall in the 720x1280 frame. Visibility is
measured on the scene's shapes at 16x16 points of the box, not on pixels, so it does not depend
on the output size. A traffic light's box is its signal head (housing and backplate), not the
pole.

**Modules.** This one describes the scene and its labels; :mod:`utils.synth.road_objects` builds
the things, :mod:`utils.synth.road_paint` draws the background and composes the picture on the
rasteriser of :mod:`utils.synth.road_raster`; :mod:`utils.synth.road_data` makes the sets.

**Determinism.** Each scene draws from ``np.random.default_rng([3, seed])`` and its noise from
``np.random.default_rng([3, seed, 1])``; pixels come from elementwise float32 arithmetic only
(see :mod:`utils.synth.road_raster`), so the bytes repeat on any machine. The noise is added in
whole grey levels after quantisation (:func:`render_clean`, :func:`add_noise`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from utils.synth.road_objects import (Camera, Look, Thing, body_shape, lamp_post, pedestrian,
                                      tree, traffic_lights, vehicle)
from utils.synth.road_paint import draw
from utils.synth.road_raster import F32, Ellipse

CLASSES: tuple[str, ...] = ("car", "bus", "truck", "pedestrian", "traffic light")
DATASET_ID = 3            # after SIGNS (1) and Happy House (2), see utils.synth.build
REFERENCE = (720, 1280)   # the frame the scene is designed for (drive.ai's size)
MIN_VISIBLE = 0.4
MIN_BOX_PX = 10.0
MAX_OBJECTS = 12


@dataclass(frozen=True)
class Scene:
    image: np.ndarray    # (H, W, 3) uint8
    boxes: np.ndarray    # (n, 4) float32, corners (y1, x1, y2, x2) in pixels of this image
    classes: np.ndarray  # (n,) int64, indices into CLASSES


@dataclass
class Layout:
    """Everything about one scene except its pixels (resolution-independent)."""
    camera: Camera
    look: Look
    sky: dict
    skyline: dict
    road: dict
    facades: list
    things: list          # Thing, farthest first
    labels: list          # (class index, (x1, y1, x2, y2) normalised, clipped), nearest first
    finish: dict


def render_scene(seed: int, height: int = 720, width: int = 1280) -> Scene:
    """Draw scene ``seed`` (>= 0) at (height, width); boxes (n, 4) are (y1, x1, y2, x2) pixels."""
    clean, sigma = render_clean(seed, height, width)
    return Scene(add_noise(clean.image, seed, sigma), clean.boxes, clean.classes)


def render_clean(seed: int, height: int = 720, width: int = 1280) -> tuple[Scene, float]:
    """The scene before sensor noise, and the noise's standard deviation (grey levels).

    ``add_noise(scene.image, seed, sigma)`` is ``render_scene(seed, height, width).image``: the
    noise is whole grey levels added after quantisation, so a cache can store the clean picture
    (which compresses about three times better) and add the noise back when it is read.
    """
    layout = describe(seed)
    image = draw(layout, height, width)
    boxes = np.array([[y1 * height, x1 * width, y2 * height, x2 * width]
                      for _, (x1, y1, x2, y2) in layout.labels], dtype=np.float32).reshape(-1, 4)
    classes = np.array([c for c, _ in layout.labels], dtype=np.int64)
    # weaker at smaller sizes, as if the 720x1280 picture had been resized (averaging pixels)
    sigma = layout.finish["noise"] * math.sqrt(height * width / (REFERENCE[0] * REFERENCE[1]))
    return Scene(image, boxes, classes), sigma


def add_noise(image: np.ndarray, seed: int, sigma: float) -> np.ndarray:
    """``image`` (H, W, 3) uint8 plus Gaussian sensor noise of scene ``seed``, rounded, clipped."""
    rng = np.random.default_rng([DATASET_ID, seed, 1])
    noise = np.floor(rng.standard_normal(image.shape, dtype=F32) * F32(sigma) + F32(0.5))
    return np.clip(image + noise.astype(np.int16), 0, 255).astype(np.uint8)


# ----------------------------------------------------------------------------- the scene

def describe(seed: int) -> Layout:
    """The scene of ``seed``: camera, light, road, buildings, things and their labels."""
    rng = np.random.default_rng([DATASET_ID, seed])
    fx = 0.5 / math.tan(math.radians(rng.uniform(55.0, 70.0)) / 2)
    camera = Camera(fx=fx, fy=fx * REFERENCE[1] / REFERENCE[0], cx=0.5 + rng.uniform(-0.05, 0.05),
                    horizon=rng.uniform(0.40, 0.52), height=rng.uniform(1.25, 1.6))
    look, sky = _weather(rng)
    road = _road(rng)
    facades = [_facade_row(rng, road, side, look) for side in (-1, 1)]
    things = _things(rng, camera, look, road, facades)
    things.sort(key=lambda t: -t.depth)                    # painter's order, stable
    labels = _labels(things)
    skyline = _skyline(rng, camera, look)
    finish = {"gain": rng.uniform(0.9, 1.1), "contrast": rng.uniform(0.9, 1.12),
              "offset": rng.uniform(-0.03, 0.03),
              "cast": 1.0 + rng.normal(0.0, 0.025, size=3),
              "field": 1.0 + rng.uniform(0.0, 0.12) * rng.uniform(-1, 1, size=(4, 4)),
              "vignette": rng.uniform(0.0, 0.45),
              "noise": rng.uniform(1.5, 4.0) * (1.6 if look.night > 0.5 else 1.0)}
    return Layout(camera, look, sky, skyline, road, facades, things, labels, finish)


def _weather(rng: np.random.Generator) -> tuple[Look, dict]:
    """Time of day and air: the light on surfaces, the haze, and the sky's colours."""
    mode = rng.choice(["day", "overcast", "dusk", "fog"], p=[0.5, 0.25, 0.13, 0.12])
    j = rng.uniform(0.92, 1.08)
    if mode == "day":
        look = Look(np.array([1.0, 1.0, 0.98]) * j, np.array([0.74, 0.8, 0.88]),
                    rng.uniform(300, 1500), rng.choice([-1.0, 1.0]), 0.55, 0.0)
        sky = {"zenith": np.array([0.22, 0.42, 0.78]) * j, "horizon": np.array([0.7, 0.8, 0.9]),
               "clouds": rng.uniform(0.0, 0.8), "cloud": np.array([0.95, 0.95, 0.96])}
    elif mode == "overcast":
        look = Look(np.array([0.82, 0.83, 0.85]) * j, np.array([0.76, 0.77, 0.79]),
                    rng.uniform(150, 500), rng.choice([-1.0, 1.0]), 0.35, 0.0)
        sky = {"zenith": np.array([0.6, 0.62, 0.66]) * j, "horizon": np.array([0.8, 0.81, 0.83]),
               "clouds": 1.0, "cloud": np.array([0.7, 0.7, 0.72])}
    elif mode == "dusk":
        look = Look(np.array([0.5, 0.42, 0.4]) * j, np.array([0.5, 0.38, 0.34]),
                    rng.uniform(250, 900), rng.choice([-1.0, 1.0]), 0.25, rng.uniform(0.6, 1.0))
        sky = {"zenith": np.array([0.1, 0.12, 0.3]) * j, "horizon": np.array([0.95, 0.55, 0.3]),
               "clouds": rng.uniform(0.0, 0.6), "cloud": np.array([0.55, 0.35, 0.35])}
    else:
        look = Look(np.array([0.85, 0.85, 0.86]) * j, np.array([0.8, 0.81, 0.82]),
                    rng.uniform(35, 100), rng.choice([-1.0, 1.0]), 0.2, 0.3)
        sky = {"zenith": np.array([0.72, 0.73, 0.75]), "horizon": np.array([0.8, 0.81, 0.82]),
               "clouds": 0.5, "cloud": np.array([0.85, 0.85, 0.86])}
    sky["grid"] = rng.uniform(0.0, 1.0, size=(5, 9))
    sky["mode"] = str(mode)
    return look, sky


def _road(rng: np.random.Generator) -> dict:
    """Lanes (centre X, facing), edges, markings, sidewalks and an optional intersection."""
    w = rng.uniform(3.1, 3.7)
    n_same = int(rng.choice([1, 2, 3], p=[0.25, 0.45, 0.3]))
    n_on = int(rng.choice([0, 1, 2], p=[0.25, 0.45, 0.3]))
    ego = n_on + int(rng.integers(n_same))
    offset = rng.uniform(-0.35, 0.35)
    centres = [(k - ego) * w + offset for k in range(n_on + n_same)]
    lanes = [(x, "toward" if k < n_on else "away") for k, x in enumerate(centres)]
    left, right = centres[0] - w / 2, centres[-1] + w / 2
    lines = []                              # (X, half width, colour, dashed)
    white, yellow = np.array([0.86, 0.86, 0.84]), np.array([0.85, 0.68, 0.18])
    for k in range(1, n_on + n_same):
        x = centres[k] - w / 2
        if k == n_on:                       # between the two directions
            if rng.random() < 0.7:
                lines += [(x - 0.12, 0.06, yellow, False), (x + 0.12, 0.06, yellow, False)]
            else:
                lines.append((x, 0.07, yellow, True))
        else:
            lines.append((x, 0.07, white, True))
    parking = {"right": rng.random() < 0.5, "left": n_on == 0 and rng.random() < 0.4}
    if parking["right"]:
        lines.append((right, 0.06, white, False))
        right += 2.4
    else:
        lines.append((right - 0.3, 0.07, white, False))
    if parking["left"]:
        lines.append((left, 0.06, white, False))
        left -= 2.4
    elif n_on == 0:
        lines.append((left + 0.3, 0.07, yellow, False))
    crossing = None
    if rng.random() < 0.45:
        start = rng.uniform(14.0, 40.0)
        crossing = (start, start + rng.uniform(10.0, 16.0))
    return {"lanes": lanes, "lane_width": w, "left": left, "right": right, "lines": lines,
            "parking": parking, "sidewalk": rng.uniform(2.0, 4.5), "curb": 0.25,
            "crossing": crossing, "dash": (rng.uniform(2.5, 3.5), rng.uniform(9.0, 13.0)),
            "asphalt": np.array([0.3, 0.3, 0.31]) * rng.uniform(0.75, 1.3),
            "walk": np.array([0.62, 0.6, 0.57]) * rng.uniform(0.8, 1.15),
            "verge": np.array([0.3, 0.42, 0.2] if rng.random() < 0.5 else [0.5, 0.48, 0.45]),
            "patches": rng.uniform(-1.0, 1.0, size=(61, 67)), "wear": rng.uniform(0.03, 0.1)}


FACADES = np.array([[0.55, 0.3, 0.22], [0.7, 0.68, 0.63], [0.8, 0.72, 0.58], [0.5, 0.52, 0.55],
                    [0.3, 0.38, 0.46], [0.85, 0.85, 0.82], [0.62, 0.45, 0.35], [0.4, 0.33, 0.3]])


def _facade_row(rng: np.random.Generator, road: dict, side: int, look: Look) -> dict:
    """The buildings along one side: a wall plane at lateral X, split into segments along Z."""
    edge = road["right"] if side > 0 else road["left"]
    X = edge + side * (road["sidewalk"] + rng.uniform(0.0, 4.0))
    built = rng.random() < 0.65
    bounds, z = [], 1.0
    while z < 260.0:
        bounds.append(z)
        z += rng.uniform(7.0, 25.0)
    bounds.append(z)
    n = len(bounds) - 1
    heights = rng.uniform(4.0, 24.0, size=n) * (rng.random(n) > 0.1) * built
    crossing = road["crossing"]
    if crossing is not None:
        starts, ends = np.array(bounds[:-1]), np.array(bounds[1:])
        heights[(ends > crossing[0] - 1.5) & (starts < crossing[1] + 1.5)] = 0.0
    colours = FACADES[rng.integers(len(FACADES), size=n)] * rng.uniform(0.8, 1.15, size=(n, 1))
    dark = np.array([0.13, 0.16, 0.2])
    windows = np.where(rng.random((n, 1)) < 0.7, dark, np.array([0.42, 0.52, 0.62]))
    lit = look.night > 0
    return {"X": X, "side": side, "bounds": np.array(bounds), "heights": heights,
            "colours": colours * rng.uniform(0.9, 1.1, size=(n, 3)), "windows": windows,
            "floor": rng.uniform(3.0, 3.6, size=n), "pitch": rng.uniform(1.8, 3.5, size=n),
            "duty": rng.uniform(0.35, 0.7, size=n), "tall": rng.uniform(0.4, 0.65, size=n),
            "shop": rng.random(n) < 0.5, "lit": rng.random(97) < (0.35 if lit else 0.0),
            "shade": 1.0 if side * look.sun < 0 else 0.8}


def _skyline(rng: np.random.Generator, camera: Camera, look: Look) -> dict:
    """The far background over the horizon: hills and tree lines, or a city's roofs."""
    xs = [-0.05]
    while xs[-1] < 1.05:
        xs.append(xs[-1] + rng.uniform(0.01, 0.05))
    city = rng.random() < 0.5
    metres = rng.uniform(0.0, 30.0 if city else 18.0, size=len(xs))
    if not city:
        metres = np.convolve(metres, np.ones(3) / 3, mode="same")
    distance = 400.0
    colour = look.surface(np.array([0.35, 0.4, 0.35]) if not city else np.array([0.45, 0.45, 0.5]),
                          distance)
    return {"x": np.array(xs), "height": camera.fy * metres / distance, "stepped": city,
            "colour": colour}


def _things(rng, camera: Camera, look: Look, road: dict, facades: list) -> list[Thing]:
    """Vehicles, pedestrians, traffic lights, trees and lamp posts; at most MAX_OBJECTS labelled."""
    n_cars = int(rng.integers(2, 8))
    n_parked = int(rng.integers(1, 4)) if road["parking"]["right"] or road["parking"]["left"] else 0
    n_bus = int(rng.random() < 0.22)
    n_truck = int(rng.random() < 0.3)
    n_people = int(rng.choice([0, 1, 2, 3], p=[0.35, 0.3, 0.2, 0.15]))
    crossing = road["crossing"]
    while n_cars + n_parked + n_bus + n_truck + n_people + 3 * (crossing is not None) > MAX_OBJECTS:
        if n_people:
            n_people -= 1
        else:
            n_parked -= 1

    things: list[Thing] = []
    occupied: dict[float, list] = {}       # lane X -> [(near, far)]

    def place(X: float, facing: str, body, z_range, power=1.2, tries=12) -> Thing | None:
        spans = occupied.setdefault(X, [])
        for _ in range(tries):
            Z = z_range[0] + (z_range[1] - z_range[0]) * rng.random() ** power
            if all(Z + body.length + 3.0 < a or Z > b + 3.0 for a, b in spans):
                spans.append((Z, Z + body.length))
                x = X + rng.normal(0.0, 0.15)
                thing = vehicle(camera, look, rng, body, x, Z, facing)
                things.append(thing)
                return thing
        return None

    lanes = road["lanes"]
    ego_x = min((x for x, f in lanes if f == "away"), key=abs)
    kinds = ["bus"] * n_bus + ["truck"] * n_truck + ["car"] * n_cars
    for i, kind in enumerate(kinds):
        if kind == "car":
            body = body_shape(rng.choice(["sedan", "hatchback", "van"], p=[0.45, 0.25, 0.3]), rng)
        elif kind == "truck":
            body = body_shape(rng.choice(["box_truck", "pickup"], p=[0.55, 0.45]), rng)
        else:
            body = body_shape("bus", rng)
        # the first car goes into our own lane or next to it, so most scenes show a clear car
        if i == n_bus + n_truck:
            near = [lane for lane in lanes if abs(lane[0] - ego_x) < road["lane_width"] * 1.5]
            X, facing = near[int(rng.integers(len(near)))]
        else:
            X, facing = lanes[int(rng.integers(len(lanes)))]
        z0 = 7.0 if abs(X - ego_x) < 0.5 else max(5.0, camera.fx * abs(X) / 0.45)
        place(X, facing, body, (z0, 55.0 if kind == "car" else 48.0))

    for side in ("right", "left"):
        if road["parking"][side] and n_parked > 0:
            X = road[side] - 1.2 if side == "right" else road[side] + 1.2
            count = n_parked if side == "right" or not road["parking"]["right"] else n_parked // 2
            for _ in range(count):
                kind = rng.choice(["sedan", "hatchback", "van", "pickup"], p=[0.4, 0.25, 0.25, 0.1])
                place(X, "away" if rng.random() < 0.75 else "toward", body_shape(kind, rng),
                      (max(4.0, camera.fx * abs(X) / 0.5), 40.0), power=1.0)

    for _ in range(n_people):
        if crossing is not None and rng.random() < 0.5:
            X = rng.uniform(road["left"] + 0.5, road["right"] - 0.5)
            Z = crossing[0] - 3.5 + rng.uniform(0.3, 2.7)
        else:
            side = 1 if rng.random() < 0.6 else -1
            edge = road["right"] if side > 0 else road["left"]
            X = edge + side * rng.uniform(0.5, road["sidewalk"] - 0.4)
            z0 = max(5.0, camera.fx * abs(X) / 0.42)          # near enough to be in the frame
            Z = rng.uniform(z0, max(z0 + 3.0, 28.0))
        things.append(pedestrian(camera, look, rng, X, Z))

    if crossing is not None:
        things += _signals(rng, camera, look, road)

    for facade in facades:                  # trees and lamp posts along the sidewalks
        side = facade["side"]
        edge = road["right"] if side > 0 else road["left"]
        dense = facade["heights"].max() == 0.0
        if dense or rng.random() < 0.5:
            z = rng.uniform(2.0, 10.0)
            X = edge + side * (road["sidewalk"] - 0.7)
            while z < 110.0:
                if crossing is None or not crossing[0] - 2 < z < crossing[1] + 2:
                    things.append(tree(camera, look, rng, X + rng.normal(0, 0.2), z))
                z += rng.uniform(6.0, 11.0) if dense else rng.uniform(9.0, 20.0)
        if rng.random() < 0.6:
            z = rng.uniform(5.0, 25.0)
            while z < 120.0:
                things.append(lamp_post(camera, look, rng, edge + side * 0.5, z))
                z += rng.uniform(25.0, 40.0)
    if rng.random() < 0.3:                  # our own car's bonnet at the bottom of the picture
        hood = Thing(0.5)
        top = 1.0 - rng.uniform(0.03, 0.08)
        hood.draw(Ellipse(0.5 + rng.uniform(-0.05, 0.05), top + 0.5, 0.9, 0.5),
                  look.surface(np.array([0.1, 0.1, 0.11]) * rng.uniform(0.5, 3.0), 1.0))
        things.append(hood)
    return things


def _signals(rng, camera: Camera, look: Look, road: dict) -> list[Thing]:
    """Traffic lights at the near corners of the intersection (1 to 3 heads)."""
    start, end = road["crossing"]
    out = []
    away = [x for x, f in road["lanes"] if f == "away"]
    X = road["right"] + 0.7
    if rng.random() < 0.6:                   # a mast arm over our lanes
        heads = sorted(away, key=lambda x: -x)[:int(rng.integers(1, 3))]
        out += traffic_lights(camera, look, rng, X, start - 1.0, heads, rng.uniform(5.2, 6.2))
    else:
        out += traffic_lights(camera, look, rng, X, start - 1.0, [X], rng.uniform(3.2, 4.2))
    n_heads = len(out) - 1
    if n_heads < 3 and rng.random() < 0.5:
        X = road["left"] - 0.7
        out += traffic_lights(camera, look, rng, X, start - 1.0, [X], rng.uniform(3.2, 4.2))
    elif n_heads < 3 and rng.random() < 0.5 and end < 38.0:     # farther ones would be tiny
        X = road["right"] + 0.7
        out += traffic_lights(camera, look, rng, X, end + 1.0, [X], rng.uniform(3.2, 4.2))
    return out


def _labels(things: list[Thing]) -> list:
    """(class, clipped normalised box) of each labelled thing visible enough, nearest first."""
    labels = []
    k = 16
    grid = (np.arange(k) + 0.5) / k
    for i, thing in enumerate(things):
        if thing.label is None:
            continue
        x1, y1, x2, y2 = thing.box()
        gx = x1 + (x2 - x1) * grid[None, :]
        gy = y1 + (y2 - y1) * grid[:, None]
        gx, gy = np.broadcast_arrays(gx, gy)
        own = np.zeros(gx.shape, bool)
        for shape in thing.label_shapes():
            own |= shape.inside(gx, gy)
        seen = own & (gx >= 0) & (gx <= 1) & (gy >= 0) & (gy <= 1)
        for nearer in things[i + 1:]:
            for shape in nearer.solid:
                b = shape.bbox
                if b[0] < x2 and b[2] > x1 and b[1] < y2 and b[3] > y1:
                    seen &= ~shape.inside(gx, gy)
        if own.sum() == 0 or seen.sum() < MIN_VISIBLE * own.sum():
            continue
        box = (max(x1, 0.0), max(y1, 0.0), min(x2, 1.0), min(y2, 1.0))
        if ((box[2] - box[0]) * REFERENCE[1] < MIN_BOX_PX
                or (box[3] - box[1]) * REFERENCE[0] < MIN_BOX_PX):
            continue
        labels.append((thing.label, box))
    return labels[::-1]
