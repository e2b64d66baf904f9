"""Helpers for the Keras notebooks: quick mode under autograding, learning curves, prediction grids.

Under nbgrader (``NBGRADER_EXECUTION`` set) or while recording references (``CNN_COURSE_RECORD``),
:func:`quick_mode` is True and notebooks train for a token number of steps: graded cells test
functions, not training outcomes, and a class of notebooks must grade in minutes.
"""
from __future__ import annotations

import os

import matplotlib.pyplot as plt
import numpy as np


def quick_mode() -> bool:
    """True while a notebook is being autograded or recorded (train briefly, not fully)."""
    return bool(os.environ.get("NBGRADER_EXECUTION") or os.environ.get("CNN_COURSE_RECORD"))


def epochs(full: int, quick: int = 1) -> int:
    """``full`` epochs when a person runs the notebook, ``quick`` under autograding."""
    return quick if quick_mode() else full


def show_history(history, title: str = "", metrics=("loss", "accuracy")):
    """Learning curves from ``model.fit(...)``'s History (or its ``.history`` dict).

    One panel per metric: training in solid lines, validation (``val_<metric>``) dashed.
    """
    logs = getattr(history, "history", history)
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.5 * len(metrics), 3.2))
    for ax, metric in zip(np.atleast_1d(axes), metrics):
        if metric not in logs:
            ax.set_visible(False)
            continue
        epochs_run = np.arange(1, len(logs[metric]) + 1)
        ax.plot(epochs_run, logs[metric], label="train")
        if f"val_{metric}" in logs:
            ax.plot(epochs_run, logs[f"val_{metric}"], "--", label="validation")
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def show_predictions(images, y_true, y_pred, class_names=None, columns: int = 8, rows: int = 3,
                     misclassified_first: bool = True):
    """A grid of images titled "pred / true"; wrong predictions framed and titled in red.

    images: (m, H, W, 3) uint8 or floats in [0, 1]; y_true, y_pred: (m,) integer labels.
    With ``misclassified_first`` the wrong ones are shown before the right ones.
    """
    images = np.asarray(images)
    y_true, y_pred = np.asarray(y_true).ravel(), np.asarray(y_pred).ravel()
    order = np.arange(len(images))
    if misclassified_first:
        order = np.concatenate([order[y_true != y_pred], order[y_true == y_pred]])
    order = order[:columns * rows]
    name = (lambda k: str(class_names[k])) if class_names is not None else str
    fig, axes = plt.subplots(rows, columns, figsize=(1.35 * columns, 1.55 * rows))
    for ax in np.atleast_1d(axes).ravel():
        ax.axis("off")
    for ax, i in zip(np.atleast_1d(axes).ravel(), order):
        wrong = y_true[i] != y_pred[i]
        ax.imshow(images[i])
        ax.set_title(f"{name(y_pred[i])} / {name(y_true[i])}", fontsize=8,
                     color="tab:red" if wrong else "black")
        if wrong:
            ax.axis("on")
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_edgecolor("tab:red")
                spine.set_linewidth(3)
    wrong_total = int((y_true != y_pred).sum())
    fig.suptitle(f"predicted / true label: {wrong_total} of {len(y_true)} wrong (red)", fontsize=10)
    fig.tight_layout()
    return fig


def contact_sheet(images, labels, per_class: int = 8, class_names=None):
    """``per_class`` examples of every class, one row per class. images: (m, H, W, 3)."""
    labels = np.asarray(labels).ravel()
    classes = np.unique(labels)
    fig, axes = plt.subplots(len(classes), per_class, figsize=(1.1 * per_class, 1.15 * len(classes)))
    axes = np.atleast_2d(axes)
    for row, c in zip(axes, classes):
        picks = np.flatnonzero(labels == c)[:per_class]
        for ax in row:
            ax.axis("off")
        for ax, i in zip(row, picks):
            ax.imshow(images[i])
        row[0].text(-8, 32, str(class_names[c]) if class_names is not None else str(c),
                    ha="right", va="center", fontsize=11)
    fig.subplots_adjust(wspace=0.05, hspace=0.05, left=0.08)
    return fig
