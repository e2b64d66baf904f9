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


def layer_costs(model) -> list[dict]:
    """One row per layer with weights: name, kind, output shape, parameters and multiplications.

    Multiplications are those of one forward pass on one example, counted as in the lecture:
    a convolution does (output height x width x channels) x (one filter's f x f x n_C_prev)
    of them, a depthwise convolution (output height x width x channels) x (f x f), a dense
    layer (inputs x units). Additions (about as many) and batch normalisation are left out.
    """
    import keras

    L = keras.layers
    rows = []
    for layer in model.layers:
        params = layer.count_params()
        if not params:
            continue
        out = [int(d) for d in layer.output.shape[1:]]
        cells = 1
        for d in out:
            cells *= d
        if isinstance(layer, L.DepthwiseConv2D):
            kh, kw = layer.kernel_size
            kind, mults = "DepthwiseConv2D", cells * kh * kw
        elif isinstance(layer, L.Conv2D):
            kh, kw = layer.kernel_size
            n_C_prev = int(layer.input.shape[-1]) // int(getattr(layer, "groups", 1) or 1)
            kind, mults = "Conv2D", cells * kh * kw * n_C_prev
        elif isinstance(layer, L.Dense):
            kind, mults = "Dense", cells * int(layer.input.shape[-1])
        else:
            kind, mults = type(layer).__name__, 0
        rows.append({"name": layer.name, "kind": kind, "output_shape": tuple(out),
                     "params": int(params), "mults": int(mults)})
    return rows


def print_costs(model, title: str = "") -> dict:
    """Print ``layer_costs`` as a table with totals and the conv / dense shares; return the
    totals ``{"params", "mults", "conv_params", "dense_params", "conv_mults", "dense_mults"}``."""
    rows = layer_costs(model)
    if title:
        print(title)
    print(f"{'layer':<16} {'output shape':<16} {'parameters':>12} {'multiplications':>16}")
    for row in rows:
        shape = "x".join(str(d) for d in row["output_shape"])
        print(f"{row['name'][:16]:<16} {shape:<16} {row['params']:>12,} {row['mults']:>16,}")
    totals = {"params": sum(r["params"] for r in rows), "mults": sum(r["mults"] for r in rows)}
    for part, kinds in (("conv", ("Conv2D", "DepthwiseConv2D")), ("dense", ("Dense",))):
        totals[f"{part}_params"] = sum(r["params"] for r in rows if r["kind"] in kinds)
        totals[f"{part}_mults"] = sum(r["mults"] for r in rows if r["kind"] in kinds)
    print(f"{'total':<16} {'':<16} {totals['params']:>12,} {totals['mults']:>16,}")
    for part in ("conv", "dense"):
        print(f"  {part} layers: {totals[part + '_params'] / max(totals['params'], 1):6.1%} of the "
              f"parameters, {totals[part + '_mults'] / max(totals['mults'], 1):6.1%} of the "
              "multiplications")
    return totals
