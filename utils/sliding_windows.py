"""The small window classifier of the lecture's sliding-windows example (Week 3).

It classifies one 14×14×3 window into 4 classes (pedestrian, car, motorcycle, background):
CONV 16@5×5 → MAXPOOL 2×2 → FC 400 → FC 400 → softmax 4. Its weights come from a NumPy seed
(the example is about shapes and arithmetic, not accuracy), so every machine builds the same one.
"""
from __future__ import annotations

import numpy as np

WINDOW = 14
CLASS_NAMES = ("pedestrian", "car", "motorcycle", "background")


def window_classifier(seed: int = 0):
    """A keras.Model (m, 14, 14, 3) → (m, 4) softmax, with layers named "conv", "pool", "fc1",
    "fc2" and "classes", and He-scaled normal weights from ``np.random.default_rng(seed)``."""
    import keras
    from keras import layers

    inputs = keras.Input(shape=(WINDOW, WINDOW, 3))
    X = layers.Conv2D(16, (5, 5), activation="relu", name="conv")(inputs)
    X = layers.MaxPool2D((2, 2), name="pool")(X)
    X = layers.Flatten(name="flatten")(X)
    X = layers.Dense(400, activation="relu", name="fc1")(X)
    X = layers.Dense(400, activation="relu", name="fc2")(X)
    outputs = layers.Dense(len(CLASS_NAMES), activation="softmax", name="classes")(X)
    model = keras.Model(inputs, outputs, name="window_classifier")
    rng = np.random.default_rng(seed)
    weights = []
    for w in model.get_weights():
        if w.ndim == 1:     # biases: small, so the ReLUs are not all off
            weights.append(rng.normal(0.0, 0.05, w.shape).astype("float32"))
        else:
            fan_in = int(np.prod(w.shape[:-1]))
            weights.append(rng.normal(0.0, np.sqrt(2.0 / fan_in), w.shape).astype("float32"))
    model.set_weights(weights)
    return model


def crops(images: np.ndarray, window: int = WINDOW, stride: int = 2) -> tuple[np.ndarray, tuple[int, int]]:
    """Every window × window crop of ``images`` (m, n_H, n_W, n_C) at ``stride``, row by row.

    Returns (m * n_rows * n_cols, window, window, n_C) and (n_rows, n_cols).
    """
    m, n_H, n_W, n_C = images.shape
    n_rows, n_cols = (n_H - window) // stride + 1, (n_W - window) // stride + 1
    out = [images[:, r * stride:r * stride + window, c * stride:c * stride + window, :]
           for r in range(n_rows) for c in range(n_cols)]
    return np.stack(out, axis=1).reshape(m * n_rows * n_cols, window, window, n_C), (n_rows, n_cols)
