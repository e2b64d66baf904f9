"""Pictures for Week 3 (object detection): boxes, grids, midpoints and anchor shapes on an image.

Boxes everywhere here are corners ``(y1, x1, y2, x2)`` in pixels of the image they are drawn
on, the order ``tf.image.non_max_suppression`` and ``utils.yolo`` use.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

PALETTE = ("tab:red", "tab:blue", "tab:green", "tab:orange", "tab:purple", "tab:cyan",
           "tab:pink", "tab:olive")


def draw_boxes_on(ax, image: np.ndarray, boxes, labels=None, colors=None, linewidth: float = 2.0,
                  title: str | None = None) -> None:
    """Show ``image`` (H, W, 3) on ``ax`` with ``boxes`` (n, 4) as (y1, x1, y2, x2) pixels and an
    optional text label per box."""
    ax.imshow(image)
    boxes = np.asarray(boxes, dtype=float).reshape(-1, 4)
    for i, (y1, x1, y2, x2) in enumerate(boxes):
        color = colors[i] if colors is not None else PALETTE[i % len(PALETTE)]
        ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, color=color,
                               linewidth=linewidth))
        if labels is not None:
            ax.text(x1, y1 - 2, str(labels[i]), color="white", fontsize=8, va="bottom",
                    bbox={"facecolor": color, "edgecolor": "none", "pad": 1.5})
    ax.set_xlim(0, image.shape[1])
    ax.set_ylim(image.shape[0], 0)
    ax.axis("off")
    if title:
        ax.set_title(title)


def draw_grid(ax, shape: tuple[int, int], n_rows: int, n_cols: int | None = None,
              color: str = "white") -> None:
    """Lines splitting an image of ``shape`` (H, W) into an n_rows × n_cols grid of cells."""
    n_cols = n_rows if n_cols is None else n_cols
    height, width = shape[:2]
    for r in range(1, n_rows):
        ax.axhline(r * height / n_rows, color=color, linewidth=1, alpha=0.8)
    for c in range(1, n_cols):
        ax.axvline(c * width / n_cols, color=color, linewidth=1, alpha=0.8)


def midpoints(boxes) -> np.ndarray:
    """Centres (y, x) of boxes (n, 4) given as (y1, x1, y2, x2): (n, 2)."""
    boxes = np.asarray(boxes, dtype=float).reshape(-1, 4)
    return np.stack([(boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2], axis=1)


def show_anchor_shapes(anchors: np.ndarray, cell_size: float = 1.0, title: str = "anchor boxes"):
    """Draw anchors (A, 2) given as (width, height) in grid cells, centred on one cell."""
    fig, ax = plt.subplots(figsize=(4, 4))
    half = max(1.5, float(np.max(anchors)) / 2 + 0.5)
    ax.add_patch(Rectangle((-0.5, -0.5), 1, 1, fill=True, color="0.85", label="one grid cell"))
    for i, (w, h) in enumerate(np.asarray(anchors, dtype=float)):
        ax.add_patch(Rectangle((-w / 2, -h / 2), w, h, fill=False, linewidth=2,
                               color=PALETTE[i % len(PALETTE)], label=f"anchor {i + 1}: {w:.2f}×{h:.2f}"))
    ax.set_xlim(-half, half)
    ax.set_ylim(half, -half)
    ax.set_aspect("equal")
    ax.legend(fontsize=7, loc="upper right")
    ax.set_title(title)
    return fig
