"""Draw a Keras model as a column of boxes, one per step, with output shapes and parameters.

Keras's own ``keras.utils.plot_model`` needs the Graphviz program, which a classroom machine
often lacks; this drawing needs only matplotlib. Branching models (ResNet) are drawn in layer
order, with ``Add`` steps marked where two paths join.
"""
from __future__ import annotations

import matplotlib.patches as patches
import matplotlib.pyplot as plt

from utils.modelcheck import describe

COLOURS = {
    "Conv2D": "#8ecae6", "Dense": "#ffb703", "BatchNormalization": "#d9ed92",
    "MaxPool2D": "#f4a261", "AveragePool2D": "#f4a261", "ZeroPadding2D": "#e9ecef",
    "Flatten": "#e9ecef", "Add": "#cdb4db", "ReLU": "#bde0fe", "Sigmoid": "#bde0fe",
    "Softmax": "#bde0fe",
}


def _settings(step: dict) -> str:
    kind = step["kind"]
    if kind == "Conv2D":
        k, s = step["kernel_size"], step["strides"]
        return f"{step['filters']} @ {k[0]}x{k[1]}, stride {s[0]}, {step['padding']}"
    if kind in ("MaxPool2D", "AveragePool2D"):
        k, s = step["pool_size"], step["strides"]
        return f"{k[0]}x{k[1]}, stride {s[0]}, {step['padding']}"
    if kind == "Dense":
        return f"{step['units']} units"
    if kind == "ZeroPadding2D":
        return f"pad {step['padding'][0][0]}"
    if kind == "BatchNormalization":
        return f"axis {step['axis']}"
    return ""


def draw_model(model, title: str | None = None, width: float = 5.5):
    """One box per step, top to bottom: kind, settings, output shape, parameter count."""
    info = describe(model)
    steps = info["steps"]
    height = 0.42 * (len(steps) + 1) + 0.4
    fig, ax = plt.subplots(figsize=(width, height))
    ax.set_xlim(0, 1)
    ax.set_ylim(-len(steps) - 0.6, 0.8)
    ax.axis("off")
    ax.text(0.5, 0.35, f"input {tuple(info['input_shape'])}", ha="center", va="center", fontsize=9)
    for i, step in enumerate(steps, start=1):
        y = -i + 0.5
        box = patches.FancyBboxPatch((0.05, y - 0.36), 0.9, 0.72, boxstyle="round,pad=0.01",
                                     facecolor=COLOURS.get(step["kind"], "#f8f9fa"),
                                     edgecolor="#555555", linewidth=0.8)
        ax.add_patch(box)
        ax.text(0.08, y, step["kind"], va="center", fontsize=9, weight="bold")
        ax.text(0.40, y, _settings(step), va="center", fontsize=8)
        shape = "x".join(str(d) for d in step["output_shape"][1:])
        ax.text(0.92, y, f"{shape}" + (f"  ({step['params']:,})" if step["params"] else ""),
                va="center", ha="right", fontsize=8, color="#333333")
    ax.set_title(title or f"{len(steps)} steps, {info['params']:,} parameters", fontsize=10)
    fig.tight_layout()
    return fig
