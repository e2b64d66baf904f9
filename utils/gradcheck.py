"""Numerical gradient checking with centred differences.

Typical use, for a layer whose backward pass returns dX for an input X::

    G = np.random.randn(*out.shape)                     # fixed random weights
    loss = lambda: np.sum(forward(X)[0] * G)            # scalar loss; dloss/dout == G
    report("dX", backward(G, cache), numerical_gradient(loss, X))
"""
from __future__ import annotations

import numpy as np


def numerical_gradient(f, x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """d f() / dx for a scalar function f of no arguments that reads the array x.

    Each entry gets (f(x + h) - f(x - h)) / 2h; the error is O(h^2). x (any shape, float) is
    modified in place during the computation and restored afterwards. Returns x's shape.
    """
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        plus = f()
        x[i] = old - h
        minus = f()
        x[i] = old
        grad[i] = (plus - minus) / (2 * h)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """max |a - b| / max(|a| + |b|, tiny): about 1e-7 or less when two gradients agree."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(a) + np.abs(b)), 1e-12))


def report(name: str, analytic: np.ndarray, numeric: np.ndarray, tol: float = 1e-6) -> bool:
    """Print one line comparing an analytic gradient with a numerical one; True if they agree."""
    if np.shape(analytic) != np.shape(numeric):
        print(f"{name:<14} FAIL: shape {np.shape(analytic)}, expected {np.shape(numeric)}")
        return False
    error = relative_error(analytic, numeric)
    verdict = "PASS" if error < tol else "FAIL: the analytic gradient is wrong"
    print(f"{name:<14} relative error {error:.1e} (threshold {tol:.0e})  {verdict}")
    return error < tol
