"""Measure how large the gradient is at each layer of a network (the vanishing-gradient plot)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def gradient_norms(model, x, y) -> np.ndarray:
    """Norm of d(cost)/d(bias) of every Conv2D and Dense layer, from the input to the output.

    A bias gradient is the backpropagated signal d(cost)/dZ summed over the batch and the
    positions, so it shows how much error signal reaches each layer, without the layer's input
    mixed in (a kernel's gradient is that signal times the layer's input). x: (m, n_H, n_W, n_C);
    y: (m, classes) one-hot labels; the cost is the mean categorical cross-entropy.
    Returns (n_layers,) float64.
    """
    import keras
    import tensorflow as tf

    biases = [layer.bias for layer in model.layers
              if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense)) and layer.use_bias]
    with tf.GradientTape() as tape:
        prediction = model(np.asarray(x, dtype="float32"), training=True)
        cost = tf.reduce_mean(keras.losses.categorical_crossentropy(y, prediction))
    return np.array([float(tf.norm(g)) for g in tape.gradient(cost, biases)])


def plot_gradient_norms(norms: dict, title: str = ""):
    """One line per network: gradient norm (log scale) against layer number, 1 = first layer.

    norms: {label: (n_layers,) array from :func:`gradient_norms`}.
    """
    fig, ax = plt.subplots(figsize=(7, 3.4))
    for label, values in norms.items():
        ax.semilogy(np.arange(1, len(values) + 1), values, marker=".", label=label)
    ax.set_xlabel("layer (1 = nearest the input)")
    ax.set_ylabel("‖∂J/∂b‖ (log scale)")
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig
