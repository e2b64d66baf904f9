"""What surrounds the subject of an image: backgrounds, clutter, occluders, lighting, palette."""
from __future__ import annotations

import numpy as np

from utils.synth.canvas import Canvas

# Skin tones (RGB in [0, 1]) from light to dark; each image jitters the one it picks.
SKIN_TONES = np.array([
    [0.96, 0.80, 0.69], [0.92, 0.72, 0.58], [0.87, 0.67, 0.52], [0.78, 0.57, 0.42],
    [0.66, 0.46, 0.32], [0.55, 0.37, 0.25], [0.42, 0.28, 0.19], [0.33, 0.22, 0.15],
])


def random_colour(rng: np.random.Generator, low: float = 0.0, high: float = 1.0) -> np.ndarray:
    return rng.uniform(low, high, size=3)


def skin_colour(rng: np.random.Generator) -> np.ndarray:
    base = SKIN_TONES[rng.integers(len(SKIN_TONES))]
    return np.clip(base * rng.uniform(0.92, 1.06) + rng.normal(0.0, 0.02, size=3), 0.0, 1.0)


def background(canvas: Canvas, rng: np.random.Generator, light_bias: float = 0.5) -> None:
    """A wall: mostly light, sometimes any colour, with a soft texture and a gradient."""
    if rng.random() < light_bias:
        colour = rng.uniform(0.65, 0.95) * np.ones(3) + rng.normal(0.0, 0.04, size=3)
    else:
        colour = random_colour(rng, 0.15, 0.9)
    canvas.fill(np.clip(colour, 0.0, 1.0))
    canvas.shade(canvas.smooth_field(rng, cells=int(rng.integers(2, 6)),
                                     amplitude=rng.uniform(0.02, 0.15)))
    canvas.shade(canvas.linear_light(rng.uniform(0, 360), rng.uniform(0.0, 0.4)))


def clutter(canvas: Canvas, rng: np.random.Generator, count: int, alpha=(0.5, 1.0)) -> None:
    """``count`` random boxes, discs and strokes: furniture, posters, cables, shadows."""
    size = canvas.size
    whole = canvas.frame(0.0, 0.0, 1.0)  # pixel units, upright (v points up: v = -y)
    for _ in range(count):
        kind = rng.integers(3)
        colour = random_colour(rng, 0.05, 0.95)
        u, v = rng.uniform(0, size), -rng.uniform(0, size)
        if kind == 0:
            d = whole.box(u, v, rng.uniform(2, 14), rng.uniform(2, 14), rng.uniform(0, 2))
        elif kind == 1:
            d = whole.circle(u, v, rng.uniform(2, 10))
        else:
            d = whole.capsule(u, v, u + rng.uniform(-25, 25), v + rng.uniform(-25, 25),
                              rng.uniform(0.5, 2.5))
        canvas.paint(None, d, colour, alpha=rng.uniform(*alpha))


def occluder(canvas: Canvas, rng: np.random.Generator, near=(32.0, 32.0), reach: float = 20.0) -> None:
    """One object in front of the subject (a cup, a sleeve, a blurred foreground thing)."""
    whole = canvas.frame(0.0, 0.0, 1.0)
    u = near[0] + rng.uniform(-reach, reach)
    v = -(near[1] + rng.uniform(-reach, reach))
    colour = random_colour(rng, 0.05, 0.95)
    if rng.random() < 0.5:
        d = whole.box(u, v, rng.uniform(3, 9), rng.uniform(3, 9), rng.uniform(0, 3))
    else:
        d = whole.circle(u, v, rng.uniform(3, 8))
    canvas.paint(None, d, colour, alpha=rng.uniform(0.7, 1.0), softness=rng.uniform(1.0, 3.0))


def camera(canvas: Canvas, rng: np.random.Generator, noise=(1.0, 6.0)) -> np.ndarray:
    """Lighting, colour cast, exposure, blur and sensor noise; returns the uint8 image."""
    canvas.shade(canvas.linear_light(rng.uniform(0, 360), rng.uniform(0.0, 0.5)))
    canvas.shade(1.0 + rng.normal(0.0, 0.05, size=3))                 # white balance
    canvas.rgb = (canvas.rgb - 0.5) * rng.uniform(0.8, 1.15) + 0.5 + rng.uniform(-0.08, 0.08)
    return canvas.to_uint8(rng, noise_sigma=rng.uniform(*noise), blur=rng.random() < 0.3)
