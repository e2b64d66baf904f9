"""Hand gestures for Week 2's transfer learning: the SIGNS hands showing three new signs, 64x64 RGB.

A smart-home panel answers to three gestures the SIGNS network never saw: "L" (thumb and index
raised: lights), "horns" (index and little finger: music) and "call me" (thumb and little
finger: phone). The hands, backgrounds and camera are drawn exactly as in ``utils.synth.signs``;
only which fingers are raised differs, so a network trained on SIGNS has learnt useful features
(fingers, their positions) but not these classes.
"""
from __future__ import annotations

import numpy as np

from utils.synth import signs

CLASSES = np.arange(3)
NAMES = ["L (lights)", "horns (music)", "call me (phone)"]

# Raised fingers per gesture: thumb, index, middle, ring, pinky.
RAISED = {
    0: [(1, 1, 0, 0, 0)],
    1: [(0, 1, 0, 0, 1)],
    2: [(1, 0, 0, 0, 1)],
}


def render(rng: np.random.Generator, gesture: int) -> np.ndarray:
    """One (64, 64, 3) uint8 image of a hand making ``gesture`` (0-2)."""
    return signs.render(rng, gesture, RAISED)
