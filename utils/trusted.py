"""Trusted stand-ins for the small helper functions that other graded functions call.

Tests use them through ``utils.checks.trusted_helpers`` so that, say, a bug in ``zero_pad``
costs only ``zero_pad``'s points and not also ``conv_forward``'s. Each one is the textbook
one-liner the lesson itself spells out.
"""
import numpy as np


def zero_pad(X, pad):
    """X: (m, n_H, n_W, n_C) -> (m, n_H + 2*pad, n_W + 2*pad, n_C), zeros on H and W only."""
    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="constant")


def conv_single_step(a_slice_prev, W, b):
    """a_slice_prev, W: (f, f, n_C_prev); b: (1, 1, 1) -> float sum(a * W) + b."""
    return float(np.sum(a_slice_prev * W) + np.asarray(b).item())


def create_mask_from_window(x):
    """x: (f, f) -> boolean (f, f), True where x equals its maximum."""
    return x == np.max(x)


def distribute_value(dz, shape):
    """dz: scalar, shape: (n_H, n_W) -> array of that shape, every entry dz / (n_H * n_W)."""
    n_H, n_W = shape
    return np.full((n_H, n_W), dz / (n_H * n_W))
