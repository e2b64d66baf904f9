"""Anchor boxes by k-means on box shapes with YOLOv2's distance d(box, centroid) = 1 - IoU.

Boxes and anchors are (w, h) pairs, all placed at the same centre, so IoU depends on the shapes
only. Units are whatever the caller uses (the detector's are grid cells).
"""
from __future__ import annotations

import numpy as np


def iou_wh(boxes: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """IoU of centred boxes: boxes (n, 2) and anchors (k, 2) as (w, h) -> (n, k)."""
    boxes = np.asarray(boxes, dtype=np.float64)[:, None, :]
    anchors = np.asarray(anchors, dtype=np.float64)[None, :, :]
    inter = np.minimum(boxes[..., 0], anchors[..., 0]) * np.minimum(boxes[..., 1], anchors[..., 1])
    union = boxes[..., 0] * boxes[..., 1] + anchors[..., 0] * anchors[..., 1] - inter
    return inter / np.maximum(union, 1e-12)


def _seed_centroids(wh: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k-means++ seeding with the 1 - IoU distance: (k, 2) distinct boxes of ``wh``."""
    centroids = [wh[rng.integers(len(wh))]]
    for _ in range(1, k):
        distance = 1.0 - iou_wh(wh, np.array(centroids)).max(axis=1)
        weights = distance ** 2
        total = weights.sum()
        index = rng.integers(len(wh)) if total <= 0 else rng.choice(len(wh), p=weights / total)
        centroids.append(wh[index])
    return np.array(centroids, dtype=np.float64)


def kmeans_anchors(wh, k: int = 5, seed: int = 0, n_init: int = 5,
                   max_iter: int = 300) -> tuple[np.ndarray, float]:
    """Cluster box shapes into ``k`` anchors.

    wh: (n, 2) positive widths and heights, n >= k. Runs Lloyd's algorithm (assign each box to
    the centroid of highest IoU, move each centroid to the mean of its boxes) from ``n_init``
    seeded k-means++ starts and keeps the best.
    Returns (anchors (k, 2) sorted by area, smallest first; mean IoU of each box with its anchor).
    """
    wh = np.asarray(wh, dtype=np.float64).reshape(-1, 2)
    wh = wh[(wh > 0).all(axis=1)]
    if len(wh) < k:
        raise ValueError(f"k-means needs at least k={k} boxes with positive sides, got {len(wh)}")
    rng = np.random.default_rng(seed)
    best, best_iou = None, -1.0
    for _ in range(n_init):
        centroids = _seed_centroids(wh, k, rng)
        assignment = None
        for _ in range(max_iter):
            new = iou_wh(wh, centroids).argmax(axis=1)
            if assignment is not None and np.array_equal(new, assignment):
                break
            assignment = new
            for c in range(k):
                members = wh[assignment == c]
                if len(members):                    # an empty cluster keeps its centroid
                    centroids[c] = members.mean(axis=0)
        mean_iou = float(iou_wh(wh, centroids).max(axis=1).mean())
        if mean_iou > best_iou:
            best, best_iou = centroids.copy(), mean_iou
    order = np.argsort(best[:, 0] * best[:, 1], kind="stable")
    return best[order], best_iou


def format_anchors(anchors) -> str:
    """One line "w1,h1, w2,h2, ..." (the layout of YOLOv2's yolo_anchors.txt), newline-ended."""
    return ", ".join(f"{w:.5f},{h:.5f}" for w, h in np.asarray(anchors)) + "\n"
