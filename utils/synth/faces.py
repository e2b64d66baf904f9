"""Persons for Week 4 (face recognition): many identities, each photographed many times.

An identity is an integer. :func:`traits` draws what stays fixed about that person from
``default_rng([TRAIT_SEED, identity])``: head and jaw shape, skin tone, hair colour and style,
eyes (spacing, height, size, shape, colour), brows, nose, mouth and lips, ears, beard or
moustache, a mole, freckles, and whether (and which) glasses they wear. :func:`render_face`
draws one photo of the person, with what changes between photos drawn from
``default_rng([SHOT_SEED, identity, shot])``: head position, scale, tilt, turn and nod,
expression, how open the eyes are and where they look, glasses on or off, sometimes a hat,
shirt, background (wall, door, clutter) and the camera (lighting, white balance, exposure, blur,
sensor noise, from :mod:`utils.synth.scene`).

The face is drawn in its own frame (:class:`utils.synth.canvas.Frame`, ``v`` up, head about
1.6 units wide) scaled to fill most of a square picture, like the 96x96 face crops the original
course fed FaceNet. Identities ``TRAIN_IDENTITIES`` are for training an encoder;
``HELDOUT_IDENTITIES`` (disjoint) are the course's residents and strangers, never trained on.
:func:`describe_shot` tells what a photo shows (hat, glasses, blink, smile) without drawing it.

Speed: each part of the person is evaluated on a small patch of the picture around it, and
painted one colour plane at a time, so a 96x96 photo takes a few milliseconds on one core
(several times less than a 64x64 Happy House picture). The patches change no pixel: drawn on
the whole canvas instead, the photos come out byte for byte the same (tests/test_faces.py).
As in the rest of :mod:`utils.synth`, pixels are computed with elementwise IEEE arithmetic only,
so the bytes do not depend on the machine.
"""
from __future__ import annotations

import copy
import functools
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from utils.synth import scene
from utils.synth.canvas import Canvas, Frame

TRAIT_SEED = 4            # traits(i): default_rng([TRAIT_SEED, i])
SHOT_SEED = 5             # render_face(i, s): default_rng([SHOT_SEED, i, s])
TRAIN_IDENTITIES = range(0, 500)
HELDOUT_IDENTITIES = range(100_000, 100_200)
SUPERSAMPLE = 1           # the shapes' analytic coverage anti-aliases well enough at 96x96

# Natural hair colours (RGB in [0, 1]): black, dark brown, brown, light brown, blond, auburn,
# grey, white; with the odds of each.
HAIR_COLOURS = np.array([[0.06, 0.05, 0.05], [0.17, 0.10, 0.06], [0.33, 0.20, 0.10],
                         [0.52, 0.37, 0.21], [0.82, 0.68, 0.42], [0.55, 0.22, 0.09],
                         [0.52, 0.51, 0.50], [0.86, 0.85, 0.82]])
HAIR_ODDS = np.array([0.24, 0.2, 0.16, 0.1, 0.1, 0.07, 0.08, 0.05])
EYE_COLOURS = np.array([[0.16, 0.09, 0.05], [0.32, 0.18, 0.07], [0.42, 0.34, 0.14],
                        [0.22, 0.42, 0.24], [0.24, 0.44, 0.74], [0.45, 0.50, 0.56]])
EYE_ODDS = np.array([0.35, 0.25, 0.1, 0.08, 0.14, 0.08])
HAIR_STYLES = ("bald", "short", "side part", "fringe", "long", "curly", "bun", "buzz")
HAIR_STYLE_ODDS = np.array([0.08, 0.2, 0.15, 0.12, 0.18, 0.1, 0.07, 0.1])
BEARDS = ("none", "stubble", "full", "goatee", "moustache")
BEARD_ODDS = np.array([0.62, 0.12, 0.1, 0.08, 0.08])
GLASSES = ("none", "round", "square")
WHITE = np.array([0.93, 0.92, 0.88])


@dataclass(frozen=True)
class Traits:
    """What stays the same in every photo of one person (lengths in head units, v up).

    Colours are RGB tuples in [0, 1]; ``mole`` is (u, v, radius) or None; ``freckles`` a tuple
    of (u, v) spots; ``glasses_rate`` the chance a photo shows the person's glasses.
    """
    skin: tuple
    head_w: float
    head_h: float
    jaw_w: float
    jaw_square: float
    neck_w: float
    ear_size: float
    hair_style: str
    hair_colour: tuple
    hairline: float
    hair_part: float
    hair_volume: float
    hair_length: float
    eye_gap: float
    eye_v: float
    eye_size: float
    eye_open: float
    eye_colour: tuple
    brow_gap: float
    brow_thick: float
    brow_arch: float
    brow_slant: float
    brow_colour: tuple
    nose_tip_v: float
    nose_w: float
    mouth_v: float
    mouth_w: float
    lip_upper: float
    lip_lower: float
    lip_colour: tuple
    beard: str
    beard_colour: tuple
    mole: tuple | None
    freckles: tuple
    glasses: str
    glasses_rate: float
    glasses_colour: tuple


def _colour(rgb) -> tuple:
    return tuple(round(float(c), 4) for c in np.clip(rgb, 0.0, 1.0))


def _pick(rng: np.random.Generator, options, odds):
    return options[int(rng.choice(len(options), p=odds / odds.sum()))]


def _skin(rng: np.random.Generator) -> np.ndarray:
    """A skin tone anywhere along scene.SKIN_TONES (light to dark), with a slight cast."""
    t = rng.uniform(0.0, len(scene.SKIN_TONES) - 1.0)
    i = min(int(t), len(scene.SKIN_TONES) - 2)
    base = scene.SKIN_TONES[i] * (1.0 - (t - i)) + scene.SKIN_TONES[i + 1] * (t - i)
    return base * (1.0 + rng.normal(0.0, 0.025, size=3))


@functools.lru_cache(maxsize=4096)
def traits(identity: int) -> Traits:
    """The fixed traits of ``identity`` (an int >= 0), drawn from its own generator."""
    identity = _check_identity(identity)
    rng = np.random.default_rng([TRAIT_SEED, identity])
    skin = _skin(rng)
    head_w, head_h = rng.uniform(0.70, 0.86), rng.uniform(0.92, 1.08)
    hair = _pick(rng, HAIR_COLOURS, HAIR_ODDS) * rng.uniform(0.85, 1.15) \
        + rng.normal(0.0, 0.02, size=3)
    style = _pick(rng, HAIR_STYLES, HAIR_STYLE_ODDS)
    eye_v, mouth_v = rng.uniform(0.04, 0.2), rng.uniform(-0.62, -0.44)
    eye_size = rng.uniform(0.105, 0.145)
    # Brows stay dark for blond, grey and white hair more often than not.
    brow = hair if hair.mean() < 0.4 else hair * rng.uniform(0.4, 0.8)
    redness = rng.uniform(0.25, 0.55)
    lip = skin * (1.0 - redness) + np.array([0.62, 0.24, 0.26]) * redness
    beard = _pick(rng, BEARDS, BEARD_ODDS)
    mole = None
    if rng.random() < 0.3:
        side = rng.choice([-1.0, 1.0])
        mole = (round(side * rng.uniform(0.15, 0.5), 4), round(rng.uniform(-0.6, 0.05), 4),
                round(rng.uniform(0.025, 0.04), 4))
    freckles = ()
    if rng.random() < 0.15:
        spots = rng.uniform([-0.45, -0.25], [0.45, 0.0], size=(int(rng.integers(10, 20)), 2))
        freckles = tuple((round(u, 4), round(v, 4)) for u, v in spots.tolist())
    glasses = _pick(rng, GLASSES, np.array([0.6, 0.2, 0.2]))
    return Traits(
        skin=_colour(skin), head_w=head_w, head_h=head_h,
        jaw_w=head_w * rng.uniform(0.7, 0.97), jaw_square=rng.uniform(0.0, 0.8),
        neck_w=rng.uniform(0.28, 0.4), ear_size=rng.uniform(0.8, 1.25),
        hair_style=style, hair_colour=_colour(hair), hairline=rng.uniform(0.42, 0.62),
        hair_part=rng.uniform(-1.0, 1.0), hair_volume=rng.uniform(0.04, 0.14),
        hair_length=rng.uniform(0.4, 1.1),
        eye_gap=rng.uniform(0.27, 0.37), eye_v=eye_v, eye_size=eye_size,
        eye_open=rng.uniform(0.42, 0.62), eye_colour=_colour(_pick(rng, EYE_COLOURS, EYE_ODDS)),
        brow_gap=rng.uniform(0.11, 0.2), brow_thick=rng.uniform(0.018, 0.045),
        brow_arch=rng.uniform(0.0, 0.06), brow_slant=rng.uniform(-0.05, 0.06),
        brow_colour=_colour(brow),
        nose_tip_v=eye_v - (eye_v - mouth_v) * rng.uniform(0.55, 0.78),
        nose_w=rng.uniform(0.07, 0.13),
        mouth_v=mouth_v, mouth_w=rng.uniform(0.22, 0.36),
        lip_upper=rng.uniform(0.025, 0.055), lip_lower=rng.uniform(0.035, 0.075),
        lip_colour=_colour(lip),
        beard=beard, beard_colour=_colour(hair * rng.uniform(0.75, 1.0)),
        mole=mole, freckles=freckles,
        glasses=glasses, glasses_rate=0.0 if glasses == "none" else rng.uniform(0.35, 0.9),
        glasses_colour=_colour(scene.random_colour(rng, 0.02, 0.5)),
    )


def _check_identity(identity) -> int:
    identity = int(identity)
    if identity < 0:
        raise ValueError(f"identities are integers >= 0, not {identity}")
    return identity


# ----------------------------------------------------------------------------- the pose

@dataclass
class _Shot:
    """What one photo changes about the person (lengths in head units)."""
    cx: float          # the head's centre, scale (pixels per unit) and tilt (degrees)
    cy: float
    scale: float
    tilt: float
    turn: float        # the features shift sideways by this much (the nose by 1.5x)
    nod: float         # ... and up or down by this much
    smile: float       # the mouth corners' bend: < 0.5 neutral, > 0.9 smiling
    open_mouth: bool
    eyes_open: float   # fraction of the person's usual eye opening
    gaze: float        # sideways shift of the irises
    brow_raise: float
    light: float       # in [-1, 1]: which half of the face is in shadow, and how deep
    glasses: bool
    hat: bool


def _pose(size: int, rng: np.random.Generator, t: Traits) -> _Shot:
    scale = size * 0.33 * rng.uniform(0.94, 1.06)
    cx = size * (0.5 + float(np.clip(rng.normal(0.0, 0.025), -0.06, 0.06)))
    cy = size * (0.45 + float(np.clip(rng.normal(0.0, 0.02), -0.05, 0.05)))
    tilt = float(np.clip(rng.normal(0.0, 4.0), -10.0, 10.0))
    turn = float(np.clip(rng.normal(0.0, 0.05), -0.12, 0.12))
    nod = float(np.clip(rng.normal(0.0, 0.025), -0.06, 0.06))
    smiling = rng.random() < 0.45
    smile = rng.uniform(0.9, 2.0) if smiling else rng.uniform(-0.4, 0.4)
    open_mouth = bool(smiling and rng.random() < 0.5)
    eyes = 0.1 if rng.random() < 0.04 else rng.uniform(0.75, 1.1) * (0.8 if smiling else 1.0)
    gaze = rng.normal(0.0, 0.012) + 0.3 * turn
    brow_raise = rng.uniform(-0.02, 0.03)
    light = rng.uniform(-1.0, 1.0)
    glasses = t.glasses != "none" and rng.random() < t.glasses_rate
    hat = rng.random() < 0.05
    return _Shot(cx, cy, scale, tilt, turn, nod, smile, open_mouth, eyes, gaze, brow_raise,
                 light, glasses, hat)


def _shifted(frame: Frame, du: float, dv: float) -> Frame:
    moved = copy.copy(frame)
    moved.u, moved.v = frame.u - du, frame.v - dv
    return moved


class _Sheet:
    """The canvas's pixels as three contiguous planes (3, N, N), for patches to paint in place.

    Compositing one plane at a time is several times faster than broadcasting an (N, N, 1)
    coverage over (N, N, 3) pixels; ``close`` hands the pixels back to the canvas.
    """

    def __init__(self, canvas: Canvas):
        self.canvas = canvas
        self.planes = np.ascontiguousarray(canvas.rgb.transpose(2, 0, 1))

    def close(self) -> None:
        self.canvas.rgb = np.ascontiguousarray(self.planes.transpose(1, 2, 0))


class _Patch:
    """A rectangle of a sheet around part of the person: frames on it, and painting in it.

    Shapes are evaluated on the patch's pixels only, which keeps a detailed face cheap. ``box``
    must cover every pixel the patch's shapes touch: (u0, v0, u1, v1) in the head's units of
    shot ``s``, or without a shot (x0, y0, x1, y1) in pixels; without a box the patch is the
    whole picture. With a shot, ``head`` is the head's frame, ``face`` the same shifted by the
    turn and nod (where the features sit), and ``nose`` shifted further by the turn.
    """

    def __init__(self, sheet: _Sheet, s: _Shot | None = None, box=None):
        canvas = sheet.canvas
        n = canvas.x.shape[0]
        rows = cols = slice(0, n)
        if box is not None:
            if s is None:
                xs, ys = box[0::2], box[1::2]
            else:
                u0, v0, u1, v1 = box
                anchor = Frame(_ORIGIN, s.cx, s.cy, s.scale, s.tilt)
                xs, ys = zip(*(anchor.to_pixels(u, v) for u in (u0, u1) for v in (v0, v1)))
            rows, cols = (slice(max(int((min(p) - 1.0) * canvas.ss), 0),
                                min(int((max(p) + 1.0) * canvas.ss) + 1, n)) for p in (ys, xs))
        self.grid = _Grid(canvas.x[rows, cols], canvas.y[rows, cols])
        self.window = sheet.planes[:, rows, cols]
        self.coverage = canvas.coverage
        self.shot = s

    @functools.cached_property
    def head(self) -> Frame:
        s = self.shot
        return Frame(self.grid, s.cx, s.cy, s.scale, s.tilt)

    @functools.cached_property
    def face(self) -> Frame:
        return _shifted(self.head, self.shot.turn, self.shot.nod)

    @functools.cached_property
    def nose(self) -> Frame:
        return _shifted(self.head, 1.5 * self.shot.turn, self.shot.nod)

    def paint(self, frame: Frame, distance, colour, alpha: float = 1.0,
              softness: float = 1.0) -> None:
        """Canvas.paint on the patch (the same arithmetic, so the same pixels)."""
        a = self.coverage(distance * frame.scale, softness)
        if alpha != 1.0:
            a *= alpha
        keep = 1.0 - a
        for k in range(3):
            plane = self.window[k]
            plane *= keep
            plane += colour[k] * a


@dataclass
class _Grid:
    """Pixel centres (x, y) of a patch: what a Frame needs from a canvas."""
    x: np.ndarray
    y: np.ndarray


_ORIGIN = _Grid(np.zeros((1, 1)), np.zeros((1, 1)))


# ----------------------------------------------------------------------------- the person

def _bent(frame: Frame, v0: float, bend: float):
    """Coordinates (u, w) in which the curve v = v0 + bend * u**2 (a mouth) is the line w = 0."""
    return frame.u, frame.v - (v0 + bend * frame.u * frame.u)


def _oval(du, dv, ru: float, rv: float):
    """Distance to an ellipse with half-axes (ru, rv) at offsets (du, dv) from its centre.

    First-order correct near the outline even for a thin ellipse (an eye, a lip), where
    ``Frame.ellipse`` stretches the anti-aliased edge along the long axis; ``eps`` makes the
    centre come out as -min(ru, rv) instead of 0 / 0.
    """
    a, b = du / ru, dv / rv
    k0 = np.sqrt(a * a + b * b)
    a, b = a / ru, b / rv
    k1 = np.sqrt(a * a + b * b)
    eps = 1e-9
    return (k0 - 1.0) * ((k0 + eps) / (k1 + eps / min(ru, rv)))


def _ellipse(f: Frame, cu: float, cv: float, ru: float, rv: float):
    """Frame.ellipse with the distance of :func:`_oval` (for small and thin ellipses)."""
    return _oval(f.u - cu, f.v - cv, ru, rv)


def _half_ellipse(u, w, ru: float, rw: float, upper: bool):
    """Distance to the upper (w > 0) or lower half of an ellipse in bent coordinates."""
    return np.maximum(_oval(u, w, ru, rw), -w if upper else w)


def _face_shape(f: Frame, t: Traits):
    """Distance to the outline of the face: a cranium and a jaw (oval to square)."""
    cranium = f.ellipse(0.0, 0.1, t.head_w, t.head_h * 0.9)
    jaw_h = t.head_h - 0.15
    oval = f.ellipse(0.0, -0.15, t.jaw_w, jaw_h)
    square = f.box(0.0, -0.15, t.jaw_w, jaw_h, radius=0.3)
    return np.minimum(cranium, oval * (1.0 - t.jaw_square) + square * t.jaw_square)


def _long_hair(f: Frame, t: Traits):
    """Distance to the outline of long hair (behind the head, down past the chin)."""
    w = t.head_w + 0.1 + t.hair_volume
    down = 0.3 + 0.5 * t.hair_length
    return np.minimum(f.ellipse(0.0, 0.1, w, t.head_h * 0.9 + 0.08 + t.hair_volume),
                      f.box(0.0, -down, w, down, 0.3))


def _body(sheet: _Sheet, rng: np.random.Generator, s: _Shot, t: Traits) -> None:
    """Shoulders in a shirt, long or curly hair behind the head, and the neck."""
    skin, hair, hh = np.array(t.skin), np.array(t.hair_colour), t.head_h
    p = _Patch(sheet, s, (-2.0, -hh - 1.7, 2.0, -hh - 0.2))
    p.paint(p.head, p.head.ellipse(0.0, -hh - 0.95, 1.8, 0.7), scene.random_colour(rng, 0.05, 0.9))
    if t.hair_style == "long":
        w, down = t.head_w + 0.1 + t.hair_volume, 0.6 + t.hair_length
        p = _Patch(sheet, s, (-w, -down, w, hh + 0.1 + t.hair_volume))
        p.paint(p.head, _long_hair(p.head, t), hair * 0.85)
    elif t.hair_style == "curly":
        r = 0.2 + t.hair_volume
        reach = t.head_w + 0.02 + r
        p = _Patch(sheet, s, (-reach, 0.1 - r, reach, 0.12 + hh * 0.9 + r))
        f = p.head
        puffs = [f.circle((t.head_w + 0.02) * c, 0.1 + (hh * 0.9 + 0.02) * sn, r)
                 for c, sn in ((-1.0, 0.0), (-0.87, 0.5), (-0.5, 0.87), (0.0, 1.0),
                               (0.5, 0.87), (0.87, 0.5), (1.0, 0.0))]
        p.paint(f, functools.reduce(np.minimum, puffs), hair)
    p = _Patch(sheet, s, (-t.jaw_w - 0.2, -hh - 0.85, t.jaw_w + 0.2, -hh + 0.35))
    f = p.head
    p.paint(f, f.box(0.0, -hh - 0.2, t.neck_w, 0.5, 0.1), skin * 0.8)
    p.paint(f, _ellipse(f, 0.0, -hh + 0.05, t.jaw_w * 0.8, 0.2), skin * 0.6, alpha=0.5,
            softness=0.15 * f.scale)                                # under the chin
    collar = np.maximum(f.ellipse(0.0, -hh - 0.6, t.neck_w + 0.1, 0.2), f.v + hh + 0.6)
    p.paint(f, collar, skin * 0.7)


def _head(p: _Patch, s: _Shot, t: Traits):
    """Ears and the face, rounded by shading and lit from one side; returns its distance."""
    f, skin, ev = p.head, np.array(t.skin), t.eye_v - 0.08

    def ear(side, inner):       # the ear the head turns away from shows more
        grow = (1.0 - side * s.turn * 3.0) * t.ear_size
        eu = side * (t.head_w * 0.97 - s.turn * 0.3 + 0.02 * inner)
        return _ellipse(f, eu, ev, (0.1 - 0.06 * inner) * grow,
                        (0.19 - 0.08 * inner) * t.ear_size)

    p.paint(f, _pair(ear, 0), skin * 0.9)
    p.paint(f, _pair(ear, 1), skin * 0.7, alpha=0.6)
    face = _face_shape(f, t)
    p.paint(f, face, skin * 0.84)
    p.paint(f, face + 0.15, skin, softness=0.3 * f.scale)     # zero at the outline
    side = 1.0 if s.light > 0 else -1.0
    # A soft shadow across half the face: ``face * sharp`` keeps it off the background.
    sharp = 0.35 * f.scale
    p.paint(f, np.maximum(face * sharp, 0.05 - side * f.u), skin * 0.75,
            alpha=abs(s.light) * 0.45, softness=0.35 * f.scale)
    return face


def _marks(sheet: _Sheet, s: _Shot, t: Traits) -> None:
    """The mole, freckles and a little colour in the cheeks."""
    p = _Patch(sheet, s, (-0.8, -0.85, 0.8, 0.3))
    f, skin = p.face, np.array(t.skin)
    cheeks = _pair(lambda side: _ellipse(f, side * (t.eye_gap + 0.06), t.nose_tip_v, 0.15, 0.1))
    p.paint(f, cheeks, np.array([0.85, 0.35, 0.35]), alpha=0.1, softness=0.1 * f.scale)
    if t.freckles:
        dots = functools.reduce(np.minimum, [f.circle(u, v, 0.018) for u, v in t.freckles])
        p.paint(f, dots, skin * 0.7, alpha=0.75)
    if t.mole is not None:
        p.paint(f, f.circle(*t.mole), skin * 0.4)


def _beard(p: _Patch, t: Traits) -> None:
    f, colour = p.face, np.array(t.beard_colour)
    over_lip = t.mouth_v + t.lip_upper + 0.035
    if t.beard in ("stubble", "full"):
        top = t.nose_tip_v - 0.06 + 0.25 * f.u * f.u / (t.head_w * t.head_w)
        region = np.maximum(_face_shape(f, t) + 0.01, f.v - top)
        p.paint(f, region, colour, alpha=0.35 if t.beard == "stubble" else 0.95,
                softness=0.04 * f.scale)
    if t.beard in ("moustache", "full"):
        u, w = _bent(f, over_lip, 0.4)
        p.paint(f, _half_ellipse(u, w + 0.03, t.mouth_w * 1.05, 0.075, upper=True), colour)
    if t.beard == "goatee":
        p.paint(f, _ellipse(f, 0.0, t.mouth_v - 0.2, t.mouth_w * 0.5, 0.17), colour, alpha=0.85,
                softness=0.03 * f.scale)
        u, w = _bent(f, over_lip, 0.4)
        p.paint(f, _half_ellipse(u, w + 0.03, t.mouth_w * 0.95, 0.06, upper=True), colour)


def _hair(p: _Patch, t: Traits) -> None:
    """The hair on top of the head, in front of the face (a cap above the hairline)."""
    f, hair = p.head, np.array(t.hair_colour)
    outline = f.ellipse(0.0, 0.1, t.head_w + 0.02 + t.hair_volume * 0.4,
                        t.head_h * 0.9 + 0.06 + t.hair_volume)
    ru = f.u / t.head_w
    ru4 = ru * ru * ru * ru
    if t.hair_style == "bald":             # a fringe of short hair around the back and sides
        ring = np.maximum(outline, -f.ellipse(0.0, 0.2, t.head_w - 0.08, t.head_h))
        band = np.maximum(np.maximum(ring, f.v - t.eye_v - 0.32), t.eye_v - 0.12 - f.v)
        p.paint(f, band, hair, alpha=0.85)
        p.paint(f, _ellipse(f, -0.25, 0.62, 0.2, 0.1), np.ones(3), alpha=0.15,
                softness=0.15 * f.scale)                            # shine on the scalp
        return
    if t.hair_style == "fringe":
        line = t.eye_v + t.brow_gap + 0.09 + 0.05 * ru * ru - 0.4 * ru4
    else:                                  # higher in the middle, down to the ears at the sides
        line = t.hairline + 0.12 * t.hair_part * ru - 0.35 * ru4
    p.paint(f, np.maximum(outline, line - f.v), hair, alpha=0.6 if t.hair_style == "buzz" else 1.0)
    if t.hair_style == "long":             # strands framing the face
        sides = np.maximum(_long_hair(f, t), t.head_w * 0.8 - np.abs(f.u))
        p.paint(f, np.maximum(sides, t.eye_v - 0.35 - 0.5 * t.hair_length - f.v), hair)
    elif t.hair_style == "side part":      # the parting, a thin line of scalp
        pu = 0.35 * t.hair_part
        p.paint(f, f.capsule(pu, t.head_h * 0.95, pu, t.hairline + 0.25, 0.018),
                np.array(t.skin) * 0.9, alpha=0.7)
    elif t.hair_style == "bun":
        p.paint(f, f.circle(0.0, t.head_h + 0.1 + t.hair_volume, 0.26), hair * 0.9)
    if t.hair_style != "buzz":             # sheen
        p.paint(f, _ellipse(f, -0.2, t.head_h * 0.8, 0.3, 0.1), np.ones(3), alpha=0.1,
                softness=0.15 * f.scale)


def _pair(shape, *args):
    """The union of a shape at u = -gap and its mirror at u = +gap: shape(side, *args)."""
    return np.minimum(shape(-1, *args), shape(1, *args))


def _eyes(sheet: _Sheet, s: _Shot, t: Traits) -> None:
    """Sockets, whites, irises, pupils, lids and lashes, and the brows (both sides at once)."""
    reach = t.eye_gap + t.eye_size * 1.6 + 0.25
    p = _Patch(sheet, s, (-reach, t.eye_v - 0.3, reach, t.eye_v + t.brow_gap + 0.3))
    f, skin, ev, ew = p.face, np.array(t.skin), t.eye_v, t.eye_size
    eh = max(ew * t.eye_open * s.eyes_open, 0.006)
    dark = np.array([0.09, 0.06, 0.05])
    p.paint(f, _pair(lambda side: _ellipse(f, side * t.eye_gap, ev + 0.02, ew * 1.5, ew * 1.05)),
            skin * 0.8, alpha=0.5, softness=0.12 * f.scale)        # the sockets' shadow
    eye = _pair(lambda side: _ellipse(f, side * t.eye_gap, ev, ew, eh))
    if eh > 0.02:
        def disc(side, r, du=0.0, dv=0.0):
            return f.circle(side * t.eye_gap + s.gaze + du, ev + dv, r)

        p.paint(f, eye, WHITE)
        p.paint(f, np.maximum(_pair(disc, ew * 0.52), eye), np.array(t.eye_colour))
        p.paint(f, np.maximum(_pair(disc, ew * 0.22), eye), dark * 0.5)
        p.paint(f, _pair(disc, 0.012, 0.02, 0.015), WHITE, alpha=0.8)     # catchlights
        lower = _pair(lambda side: _ellipse(f, side * t.eye_gap, ev, ew + 0.006, eh + 0.01))
        p.paint(f, np.maximum(np.maximum(lower, -eye), f.v - ev + 0.3 * eh), skin * 0.6,
                alpha=0.5)                                                 # lower lids
    # The lashes: a crescent between the eye and a slightly larger ellipse (not |eye| < r,
    # whose approximate distance stretches far past the corners of a narrow eye).
    outer = _pair(lambda side: _ellipse(f, side * t.eye_gap, ev, ew + 0.012, eh + 0.018))
    p.paint(f, np.maximum(np.maximum(outer, -eye), ev - 0.2 * eh - f.v), dark)
    bv = ev + t.brow_gap + s.brow_raise

    def brow(side):
        eu = side * t.eye_gap
        return f.polyline([(eu - side * ew * 0.95, bv), (eu + side * ew * 0.3, bv + t.brow_arch),
                           (eu + side * ew * 1.35, bv + t.brow_slant)], t.brow_thick)

    p.paint(f, _pair(brow), np.array(t.brow_colour), alpha=0.92)


def _nose(sheet: _Sheet, s: _Shot, t: Traits) -> None:
    """The shadowed side of the bridge, the tip and the nostrils."""
    p = _Patch(sheet, s, (-0.45, t.nose_tip_v - 0.25, 0.45, t.eye_v + 0.1))
    f, skin, w, tip = p.nose, np.array(t.skin), t.nose_w, t.nose_tip_v
    side = -1.0 if s.light > 0 else 1.0
    p.paint(f, f.capsule(side * w * 0.45, t.eye_v - 0.06, side * w * 0.8, tip + 0.06, 0.025),
            skin * 0.75, alpha=0.5, softness=0.06 * f.scale)
    p.paint(f, _ellipse(f, 0.0, tip - 0.02, w * 1.05, w * 0.55), skin * 0.8, alpha=0.5,
            softness=0.05 * f.scale)
    p.paint(f, _ellipse(f, 0.0, tip, w * 0.65, w * 0.5), skin * 1.03)
    p.paint(f, _pair(lambda side: _ellipse(f, side * w * 0.5, tip - w * 0.38, w * 0.28, w * 0.16)),
            skin * 0.4)                                                    # nostrils


def _mouth(sheet: _Sheet, s: _Shot, t: Traits) -> None:
    """Lips around a line bent by the smile; a big smile may open on a row of teeth."""
    width = t.mouth_w * (1.1 if s.smile > 0.8 else 1.0)
    reach = width * 1.1 + 0.2
    p = _Patch(sheet, s, (-reach, t.mouth_v - 0.3, reach,
                           t.mouth_v + 0.2 + max(s.smile, 0.0) * reach * reach))
    f, lip = p.face, np.array(t.lip_colour)
    u, w = _bent(f, t.mouth_v, s.smile)
    gap = 0.0
    if s.open_mouth:
        gap = 0.07 + 0.04 * (s.smile - 0.9)
        inside = _half_ellipse(u, w, width * 0.92, gap, upper=False)
        p.paint(f, inside, lip * 0.3)
        p.paint(f, np.maximum(inside, -w - gap * 0.45), WHITE * 0.95)
    p.paint(f, _half_ellipse(u, w, width, t.lip_upper, upper=True), lip)
    p.paint(f, _half_ellipse(u, w + gap, width * 0.85, t.lip_lower, upper=False), lip * 1.08)
    p.paint(f, np.maximum(np.abs(w) - 0.012, np.abs(u) - width * 1.02), lip * 0.4)


def _glasses(p: _Patch, t: Traits) -> None:
    """Rims (round or square), the bridge and the temple arms, in one colour."""
    f, r, ev = p.face, t.eye_size * 1.55, t.eye_v

    def half(side):
        eu = side * t.eye_gap
        if t.glasses == "round":
            rim = np.abs(f.circle(eu, ev, r)) - 0.018
        else:
            rim = np.abs(f.box(eu, ev - 0.01, r * 1.1, r * 0.8, 0.04)) - 0.018
        return np.minimum(rim, f.capsule(eu + side * r, ev + 0.04, side * t.head_w, ev, 0.016))

    bridge = f.capsule(-t.eye_gap + r, ev + 0.02, t.eye_gap - r, ev + 0.02, 0.016)
    p.paint(f, np.minimum(_pair(half), bridge), np.array(t.glasses_colour))


def _hat(p: _Patch, rng: np.random.Generator, t: Traits) -> None:
    f = p.head
    colour = scene.random_colour(rng, 0.05, 0.9)
    low = t.eye_v + t.brow_gap + rng.uniform(0.14, 0.25)
    crown = np.maximum(f.ellipse(0.0, 0.1, t.head_w + 0.1, t.head_h * 0.9 + 0.14), low - f.v)
    p.paint(f, crown, colour)
    if rng.random() < 0.5:                # a brim or a cuff
        p.paint(f, f.box(0.0, low + 0.04, t.head_w + 0.18, 0.05, 0.03), colour * 0.7)


def _draw_person(sheet: _Sheet, rng: np.random.Generator, t: Traits, s: _Shot) -> None:
    """Paint the person with traits ``t`` in pose ``s`` onto ``sheet`` (over the background)."""
    _body(sheet, rng, s, t)
    hw, hh = t.head_w, t.head_h
    top = hh * 0.9 + 0.2 + t.hair_volume + (0.4 if t.hair_style == "bun" else 0.0)
    head = _Patch(sheet, s, (-hw - 0.25, -hh - 0.05, hw + 0.25, top))
    _head(head, s, t)
    _marks(sheet, s, t)
    if t.beard != "none":
        _beard(_Patch(sheet, s, (-hw - 0.2, -hh - 0.1, hw + 0.2, t.nose_tip_v + 0.35)), t)
    if not s.hat:
        _hair(head, t)
    _nose(sheet, s, t)
    _eyes(sheet, s, t)
    _mouth(sheet, s, t)
    if s.glasses:
        _glasses(_Patch(sheet, s, (-hw - 0.2, t.eye_v - 0.4, hw + 0.2, t.eye_v + 0.4)), t)
    if s.hat:
        _hat(head, rng, t)


# ----------------------------------------------------------------------------- the photo

def _door(sheet: _Sheet, rng: np.random.Generator) -> None:
    """A door, its frame and handle somewhere behind the person (sizes relative to the photo)."""
    n = sheet.canvas.size
    left, width = n * rng.uniform(-0.3, 0.6), n * rng.uniform(0.45, 0.8)
    wood = scene.random_colour(rng, 0.2, 0.8)
    edges = n * rng.uniform(0.015, 0.04, size=2)
    p = _Patch(sheet, None, (left - edges[0], 0.0, left + width + edges[1], n))
    whole = Frame(p.grid, 0.0, 0.0, 1.0)            # pixel units, v = -y
    p.paint(whole, whole.box(left + width / 2, -n / 2, width / 2, n), wood)
    for x, w in zip((left, left + width), edges):
        p.paint(whole, whole.box(x, -n / 2, w, n), wood * 0.6)
    brass = np.array([0.8, 0.7, 0.3])
    p.paint(whole, whole.circle(left + width * 0.85, -n * 0.6, n * 0.025), brass)


def render_face(identity: int, shot: int, size: int = 96) -> np.ndarray:
    """One photo (size, size, 3) uint8 of ``identity``; ``shot`` (an int >= 0) picks which."""
    t, rng = traits(identity), _shot_rng(identity, shot)
    s = _pose(int(size), rng, t)
    canvas = Canvas(int(size), SUPERSAMPLE)
    scene.background(canvas, rng, light_bias=0.5)
    if rng.random() < 0.4:
        sheet = _Sheet(canvas)
        _door(sheet, rng)
        sheet.close()
    scene.clutter(canvas, rng, count=int(rng.integers(0, 3)))
    sheet = _Sheet(canvas)
    _draw_person(sheet, rng, t, s)
    sheet.close()
    return scene.camera(canvas, rng, noise=(1.0, 5.0))


def describe_shot(identity: int, shot: int) -> dict:
    """What a photo shows besides the person's traits: pose, expression, glasses, hat.

    Cheap (nothing is drawn): the pose is the first thing a shot's generator draws. Lengths are
    in head units (the head is about 1.6 wide), ``tilt`` in degrees.
    """
    s = _pose(96, _shot_rng(identity, shot), traits(identity))
    return {"tilt": s.tilt, "turn": s.turn, "nod": s.nod, "smiling": s.smile > 0.8,
            "open_mouth": s.open_mouth, "eyes_open": s.eyes_open, "glasses": s.glasses,
            "hat": s.hat}


def _shot_rng(identity: int, shot: int) -> np.random.Generator:
    identity, shot = _check_identity(identity), int(shot)
    if shot < 0:
        raise ValueError(f"shots are integers >= 0, not {shot}")
    return np.random.default_rng([SHOT_SEED, identity, shot])


def _render_chunk(args) -> np.ndarray:
    identities, shots, size = args
    return np.stack([render_face(i, s, size) for i, s in zip(identities, shots)])


def render_batch(identities, shots, size: int = 96, workers: int = 1) -> np.ndarray:
    """Photos (n, size, size, 3) uint8: photo k is ``render_face(identities[k], shots[k], size)``.

    ``workers`` > 1 renders in that many processes.
    """
    identities, shots = [int(i) for i in identities], [int(s) for s in shots]
    if len(identities) != len(shots):
        raise ValueError(f"{len(identities)} identities but {len(shots)} shots")
    if not identities:
        return np.zeros((0, size, size, 3), np.uint8)
    chunk = min(64, -(-len(identities) // max(int(workers), 1)))
    jobs = [(identities[k:k + chunk], shots[k:k + chunk], size)
            for k in range(0, len(identities), chunk)]
    if workers > 1 and len(jobs) > 1:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            parts = list(pool.map(_render_chunk, jobs))
    else:
        parts = [_render_chunk(job) for job in jobs]
    return np.concatenate(parts)
