"""SIGNS: a hand showing 0-5 raised fingers, 64x64 RGB.

The hand is drawn in its own frame (palm width about 1 unit, ``v`` pointing to the fingertips):
a forearm, a palm, four fingers and a thumb, each finger either raised (long) or folded (a short
knuckle stub). Which fingers are raised for a digit varies the way people's signs do (three can
be index-middle-ring or thumb-index-middle).
"""
from __future__ import annotations

import numpy as np

from utils.synth import scene
from utils.synth.canvas import Canvas

CLASSES = np.arange(6)

# Raised fingers per digit: thumb, index, middle, ring, pinky. Alternatives are equally likely.
RAISED = {
    0: [(0, 0, 0, 0, 0)],
    1: [(0, 1, 0, 0, 0)],
    2: [(0, 1, 1, 0, 0)],
    3: [(0, 1, 1, 1, 0), (1, 1, 1, 0, 0)],
    4: [(0, 1, 1, 1, 1)],
    5: [(1, 1, 1, 1, 1)],
}
# Finger bases along the top of the palm (u), their lengths and their usual splay (degrees).
FINGERS = [(-0.36, 0.80, -9.0), (-0.12, 0.92, -3.0), (0.12, 0.86, 3.0), (0.35, 0.66, 10.0)]


def draw_hand(canvas: Canvas, rng: np.random.Generator, digit: int,
              table: dict = RAISED) -> tuple[float, float]:
    """Draw one hand showing ``digit``; return its palm centre in pixels.

    ``table`` maps each label to its raised-finger patterns (``RAISED`` for digits; Week 2's
    transfer-learning gestures use their own, see ``utils.synth.gestures``).
    """
    scale = rng.uniform(16.0, 21.0)
    cx = rng.uniform(27.0, 37.0)
    cy = rng.uniform(34.0, 42.0)
    frame = canvas.frame(cx, cy, scale, angle=rng.normal(0.0, 8.0), mirror=rng.random() < 0.5)
    skin = scene.skin_colour(rng)
    edge = skin * rng.uniform(0.55, 0.75)
    thickness = rng.uniform(0.12, 0.15)
    spread = rng.uniform(0.8, 1.8)
    raised = table[digit][rng.integers(len(table[digit]))]

    # forearm and palm
    sleeve = rng.random() < 0.6
    arm = frame.capsule(0.0, -0.3, rng.normal(0.0, 0.2), -4.0, rng.uniform(0.34, 0.42))
    canvas.paint(frame, arm, scene.random_colour(rng, 0.05, 0.9) if sleeve else skin * 0.95)
    palm = frame.box(0.0, 0.0, rng.uniform(0.46, 0.54), rng.uniform(0.46, 0.56), radius=0.22)
    canvas.paint(frame, palm, edge)
    canvas.paint(frame, palm + 0.04, skin)

    # four fingers, back to front so the outlines separate them
    for (base_u, length, splay), up in zip(FINGERS, raised[1:]):
        angle = np.radians(splay * spread + rng.normal(0.0, 3.0))
        if up:
            length = length * rng.uniform(0.9, 1.1)
        else:
            length = rng.uniform(0.08, 0.16)   # folded: only the knuckle shows
        u0, v0 = base_u, 0.38
        u1, v1 = u0 + length * np.sin(angle), v0 + length * np.cos(angle)
        finger = frame.capsule(u0, v0, u1, v1, thickness)
        tone = skin * rng.uniform(0.9, 1.05) if up else skin * rng.uniform(0.8, 0.92)
        canvas.paint(frame, finger, edge)
        canvas.paint(frame, finger + 0.035, tone)

    # thumb: out to the side when raised, across the palm when folded
    if raised[0]:
        angle = np.radians(rng.uniform(-70.0, -35.0))
        u0, v0 = -0.42, -0.15
        length = rng.uniform(0.55, 0.72)
        u1, v1 = u0 + length * np.sin(angle), v0 + length * np.cos(angle)
    else:
        u0, v0, u1, v1 = -0.40, -0.18, rng.uniform(-0.05, 0.15), rng.uniform(-0.02, 0.12)
    thumb = frame.capsule(u0, v0, u1, v1, thickness * 1.15)
    canvas.paint(frame, thumb, edge)
    canvas.paint(frame, thumb + 0.035, skin * rng.uniform(0.88, 1.0))
    return cx, cy


def render(rng: np.random.Generator, digit: int, table: dict = RAISED) -> np.ndarray:
    """One (64, 64, 3) uint8 image of a hand showing ``digit`` (0-5, or a label of ``table``)."""
    canvas = Canvas(64)
    scene.background(canvas, rng, light_bias=0.8)
    scene.clutter(canvas, rng, count=int(rng.integers(0, 4)), alpha=(0.15, 0.5))
    centre = draw_hand(canvas, rng, digit, table)
    if rng.random() < 0.1:
        scene.occluder(canvas, rng, near=centre, reach=24.0)
    return scene.camera(canvas, rng)
