"""Small plotting helpers for the Week 1 lesson (filters, edge maps, padding, pooling windows).

Every function draws with ``matplotlib.pyplot`` and returns the ``Figure``; the notebook calls
``plt.show()`` afterwards. Inputs are 2-D arrays (one channel); shapes are given per function.
"""
from __future__ import annotations

import matplotlib.patches as patches
import matplotlib.pyplot as plt
import numpy as np


def _annotate(ax, data: np.ndarray, fmt: str = "{:g}", color: str = "tab:red",
              fontsize: int = 9) -> None:
    """Write every value of a small 2-D array on top of its pixel."""
    for (row, col), value in np.ndenumerate(data):
        ax.text(col, row, fmt.format(value), ha="center", va="center", color=color,
                fontsize=fontsize)


def show_matrices(matrices, titles, annotate: bool = True, vmin=None, vmax=None,
                  size: float = 2.8):
    """Draw small 2-D arrays side by side as gray images, values written on top.

    matrices: sequence of 2-D arrays (any shapes); titles: one string per array.
    vmin/vmax: shared colour range (default: each array its own range).
    """
    fig, axes = plt.subplots(1, len(matrices), figsize=(size * len(matrices), size))
    axes = np.atleast_1d(axes)
    for ax, data, title in zip(axes, matrices, titles):
        data = np.asarray(data)
        ax.imshow(data, cmap="gray", vmin=vmin, vmax=vmax)
        if annotate:
            _annotate(ax, data)
        ax.set_title(title)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return fig


def show_images(images, titles, clip_percentile: float = 99.0, size: float = 3.2):
    """Draw photographs or edge maps side by side.

    images: sequence of 2-D arrays (n_H, n_W); titles: one string per image.
    Each image is scaled to [its minimum, its ``clip_percentile`` percentile], so a few very
    strong edges do not make the rest of an edge map look black.
    """
    fig, axes = plt.subplots(1, len(images), figsize=(size * len(images), size * 1.2))
    axes = np.atleast_1d(axes)
    for ax, data, title in zip(axes, images, titles):
        data = np.asarray(data, dtype=float)
        ax.imshow(data, cmap="gray", vmin=data.min(), vmax=np.percentile(data, clip_percentile))
        ax.set_title(title)
        ax.axis("off")
    fig.tight_layout()
    return fig


def show_padding(x: np.ndarray, x_pad: np.ndarray, pad: int):
    """One channel before and after zero padding, the original region outlined.

    x: (n_H, n_W); x_pad: (n_H + 2*pad, n_W + 2*pad).
    """
    vmin, vmax = min(x.min(), 0.0), max(x.max(), 0.0)
    fig, axes = plt.subplots(1, 2, figsize=(7, 3.5))
    for ax, data, title in zip(axes, (x, x_pad), (f"x {x.shape}", f"x_pad {x_pad.shape}")):
        ax.imshow(data, cmap="gray", vmin=vmin, vmax=vmax)
        ax.set_title(title)
        ax.set_xticks([])
        ax.set_yticks([])
    axes[1].add_patch(patches.Rectangle((pad - 0.5, pad - 0.5), x.shape[1], x.shape[0],
                                        fill=False, edgecolor="tab:orange", linewidth=2))
    fig.tight_layout()
    return fig


def show_pooling(x: np.ndarray, f: int, stride: int, mode: str = "max"):
    """The pooling windows on a small input and the pooled output, window by window.

    x: (n_H, n_W) one channel. Each output value gets a colour; the windows that produced the
    first row of outputs are outlined in that colour on the input (with stride < f they overlap).
    In ``"max"`` mode the winning entry of each outlined window is circled.
    """
    reduce = np.max if mode == "max" else np.mean
    n_H = (x.shape[0] - f) // stride + 1
    n_W = (x.shape[1] - f) // stride + 1
    out = np.array([[reduce(x[h * stride:h * stride + f, w * stride:w * stride + f])
                     for w in range(n_W)] for h in range(n_H)])
    colours = plt.cm.tab10(np.arange(n_W) % 10)
    fig, axes = plt.subplots(1, 2, figsize=(7.5, 3.5),
                             gridspec_kw={"width_ratios": [x.shape[1], max(n_W, 2)]})
    axes[0].imshow(x, cmap="Greys", alpha=0.25)
    _annotate(axes[0], x, color="black")
    for w in range(n_W):
        corner = (w * stride - 0.5 + 0.06 * w, -0.5 + 0.06 * w)
        axes[0].add_patch(patches.Rectangle(corner, f - 0.12, f - 0.12, fill=False,
                                            edgecolor=colours[w], linewidth=2.5))
        if mode == "max":
            window = x[0:f, w * stride:w * stride + f]
            r, c = np.unravel_index(np.argmax(window), window.shape)
            axes[0].add_patch(patches.Circle((w * stride + c, r), 0.25 + 0.08 * w, fill=False,
                                             edgecolor=colours[w], linewidth=2))
    axes[0].set_title(f"input {x.shape}, f={f}, s={stride}")
    axes[1].imshow(out, cmap="Greys", alpha=0.25)
    _annotate(axes[1], out, color="black")
    for w in range(n_W):
        axes[1].add_patch(patches.Rectangle((w - 0.45, -0.45), 0.9, 0.9, fill=False,
                                            edgecolor=colours[w], linewidth=2.5))
    axes[1].set_title(f"{mode} pooling {out.shape}")
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return fig
