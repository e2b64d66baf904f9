"""Happy House: a person at the front door, smiling (label 1) or not (label 0), 64x64 RGB.

A face is drawn in its own frame (head about 1.6 units wide, ``v`` up): shoulders, neck, head,
hair, eyes, brows, nose and a mouth. The label is carried by the expression: a smile curves the
mouth's corners up (sometimes open, showing teeth) and narrows the eyes; a neutral, frowning or
surprised face does not. The curvatures of the two classes leave a small gap, so every label is
decidable from the picture, but mild smiles and flat mouths are close.
"""
from __future__ import annotations

import copy

import numpy as np

from utils.synth import scene
from utils.synth.canvas import Canvas

CLASSES = np.arange(2)
HAIR_COLOURS = np.array([[0.08, 0.06, 0.05], [0.25, 0.15, 0.08], [0.45, 0.30, 0.15],
                         [0.75, 0.60, 0.35], [0.55, 0.20, 0.08], [0.6, 0.6, 0.6]])


def _door(canvas: Canvas, rng: np.random.Generator) -> None:
    """The front door and its frame behind the visitor."""
    whole = canvas.frame(0.0, 0.0, 1.0)
    left, width = rng.uniform(-10, 20), rng.uniform(30, 60)
    wood = scene.random_colour(rng, 0.2, 0.8)
    canvas.paint(None, whole.box(left + width / 2, -40, width / 2, 40), wood)
    frame_colour = wood * rng.uniform(0.5, 0.8)
    for edge in (left, left + width):
        canvas.paint(None, whole.box(edge, -40, rng.uniform(1.0, 2.5), 40), frame_colour)


def _mouth(canvas: Canvas, frame, rng: np.random.Generator, happy: bool,
           to_pixels=None, landmarks: list | None = None) -> None:
    width = rng.uniform(0.32, 0.44)
    v0 = rng.uniform(-0.50, -0.40)
    lip = np.array([0.55, 0.2, 0.22]) * rng.uniform(0.5, 1.1)
    thickness = rng.uniform(0.05, 0.075)
    if happy:
        bend = rng.uniform(1.2, 2.4)          # corners up: v = v0 + bend * u^2
    else:
        style = rng.random()
        if style < 0.15:                      # surprised: a small open "o"
            ru, rv = rng.uniform(0.06, 0.11), rng.uniform(0.07, 0.13)
            canvas.paint(frame, frame.ellipse(0.0, v0, ru, rv), lip * 0.4)
            if landmarks is not None:
                landmarks += [to_pixels(-ru, v0), to_pixels(0.0, v0 + rv), to_pixels(0.0, v0),
                              to_pixels(0.0, v0 - rv), to_pixels(ru, v0)]
            return
        bend = rng.uniform(-1.8, 0.2)         # flat to frowning
    us = np.linspace(-width, width, 9)
    points = [(u, v0 + bend * u * u) for u in us]
    if happy and rng.random() < 0.75:         # open smile: dark mouth and a row of teeth
        top = v0 + bend * width * width
        canvas.paint(frame, np.maximum(frame.ellipse(0.0, top, width, top - v0 + 0.12),
                                       frame.v - top), lip * 0.35)
        canvas.paint(frame, np.maximum(frame.box(0.0, top - 0.04, width * 0.8, 0.04),
                                       frame.v - top), np.array([0.95, 0.94, 0.9]))
    canvas.paint(frame, frame.polyline(points, thickness), lip)
    if landmarks is not None:   # the two corners, the middle, and the points halfway
        landmarks += [to_pixels(u, v) for u, v in points[::2]]


def draw_person(canvas: Canvas, rng: np.random.Generator, happy: bool,
                landmarks: list | None = None) -> tuple[float, float]:
    """Draw the visitor; returns the head's centre (x, y) in pixels.

    ``landmarks``, when given a list, receives the pixel positions (x, y) of the face's
    landmarks in a fixed order: chin, the two ears, for each eye its outer corner, inner corner
    and pupil, the two ends of each brow, the nose tip, then points along the mouth.
    """
    scale = rng.uniform(18.0, 21.0)
    cx, cy = rng.uniform(30.0, 34.0), rng.uniform(29.0, 33.0)
    tilt = rng.normal(0.0, 5.0)
    frame = canvas.frame(cx, cy, scale, angle=tilt, mirror=rng.random() < 0.5)
    skin = scene.skin_colour(rng)
    hair = HAIR_COLOURS[rng.integers(len(HAIR_COLOURS))] * rng.uniform(0.8, 1.2)
    turn = rng.normal(0.0, 0.08)              # head turned: features shift sideways

    canvas.paint(frame, frame.ellipse(0.0, -2.3, rng.uniform(1.5, 2.0), 1.2),
                 scene.random_colour(rng, 0.05, 0.95))                         # shoulders
    canvas.paint(frame, frame.box(0.0, -1.2, 0.32, 0.4), skin * 0.85)          # neck
    head_w, head_h = rng.uniform(0.72, 0.85), rng.uniform(0.92, 1.05)
    style = rng.integers(4)
    if style == 1:   # long hair, falls behind the head
        canvas.paint(frame, frame.ellipse(0.0, -0.2, head_w + 0.18, head_h + 0.35), hair)
    canvas.paint(frame, frame.ellipse(0.0, 0.0, head_w, head_h), skin)
    if landmarks is not None:
        landmarks += [frame.to_pixels(0.0, -head_h), frame.to_pixels(-head_w, 0.05),
                      frame.to_pixels(head_w, 0.05)]
    for side in (-1, 1):                                                        # ears
        canvas.paint(frame, frame.ellipse(side * head_w, 0.05, 0.12, 0.2), skin * 0.92)
    if style in (1, 2):   # a cap of hair on top
        cap = np.maximum(frame.ellipse(0.0, 0.08, head_w + 0.05, head_h + 0.06),
                         rng.uniform(0.35, 0.55) - frame.v)
        canvas.paint(frame, cap, hair)
    elif style == 3:      # a hat
        canvas.paint(frame, frame.box(0.0, head_h * 0.8, head_w * 0.85, 0.35, 0.1),
                     scene.random_colour(rng))
        canvas.paint(frame, frame.box(0.0, head_h * 0.55, head_w * 1.25, 0.06, 0.03),
                     scene.random_colour(rng))

    eye_v, eye_gap = rng.uniform(0.12, 0.24), rng.uniform(0.28, 0.36)
    open_eye = rng.uniform(0.05, 0.075) * (0.6 if happy else 1.0)
    brow_raise = rng.uniform(0.14, 0.22) + (0.0 if happy else rng.uniform(-0.04, 0.05))
    for side in (-1, 1):
        eu = turn + side * eye_gap
        canvas.paint(frame, frame.ellipse(eu, eye_v, 0.11, open_eye + 0.02), np.array([0.95, 0.95, 0.93]))
        canvas.paint(frame, frame.ellipse(eu + turn * 0.3, eye_v, 0.055, open_eye), np.array([0.1, 0.08, 0.06]))
        slant = rng.normal(0.0, 0.03)
        canvas.paint(frame, frame.capsule(eu - 0.12, eye_v + brow_raise - side * slant,
                                          eu + 0.12, eye_v + brow_raise + side * slant,
                                          rng.uniform(0.025, 0.045)), hair * 0.9)
        if landmarks is not None:
            landmarks += [frame.to_pixels(eu + side * 0.11, eye_v),
                          frame.to_pixels(eu - side * 0.11, eye_v),
                          frame.to_pixels(eu + turn * 0.3, eye_v),
                          frame.to_pixels(eu - 0.12, eye_v + brow_raise - side * slant),
                          frame.to_pixels(eu + 0.12, eye_v + brow_raise + side * slant)]
    if rng.random() < 0.2:   # glasses
        for side in (-1, 1):
            ring = np.abs(frame.circle(turn + side * eye_gap, eye_v, 0.17)) - 0.02
            canvas.paint(frame, ring, np.array([0.1, 0.1, 0.1]))
    canvas.paint(frame, frame.capsule(turn, eye_v - 0.08, turn * 1.5 + 0.04, -0.18, 0.05),
                 skin * 0.8)                                                   # nose
    if landmarks is not None:
        landmarks.append(frame.to_pixels(turn * 1.5 + 0.04, -0.18))
    if rng.random() < 0.15:   # beard
        beard = np.maximum(frame.ellipse(0.0, -0.35, head_w * 0.95, 0.62), frame.v + 0.3)
        canvas.paint(frame, beard, hair, alpha=0.9)
    shifted = copy.copy(frame)   # the head's frame, shifted sideways by the turn (for the mouth)
    shifted.u = frame.u - turn
    _mouth(canvas, shifted, rng, happy, lambda u, v: frame.to_pixels(u + turn, v), landmarks)
    return cx, cy


def render(rng: np.random.Generator, happy: int, landmarks: list | None = None) -> np.ndarray:
    """One (64, 64, 3) uint8 image of a visitor; ``happy`` is 1 (smiling) or 0.

    ``landmarks``: an optional list that receives the face's landmarks (see draw_person).
    """
    canvas = Canvas(64)
    scene.background(canvas, rng, light_bias=0.4)
    if rng.random() < 0.7:
        _door(canvas, rng)
    scene.clutter(canvas, rng, count=int(rng.integers(0, 4)))
    centre = draw_person(canvas, rng, bool(happy), landmarks)
    if rng.random() < 0.15:
        scene.occluder(canvas, rng, near=(centre[0], centre[1] + 10), reach=14.0)
    return scene.camera(canvas, rng)


def render_landmarks(seed: int, happy: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """A visitor's picture (64, 64, 3) uint8 and its face landmarks (n, 2) as pixel (x, y).

    The same seed gives the same picture, landmarks or not: they are computed, not drawn.
    """
    points: list = []
    image = render(np.random.default_rng(seed), happy, points)
    return image, np.array(points, dtype=float)
