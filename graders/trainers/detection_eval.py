"""Evaluate the road detector: decode its output, keep the best boxes, and score mAP@0.5.

Everything here is NumPy, so it runs the same whichever Keras backend made the predictions.
It lives under graders/ on purpose: the Week 3 notebook asks learners to write the score
filter, IoU and non-max suppression themselves, so utils/ (importable from the lab) holds none.

Boxes are corners (y1, x1, y2, x2), in whatever units the caller uses (the same for truth and
detections).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Detections:
    """One image's detections: boxes (n, 4) corners, scores (n,), classes (n,) int."""
    boxes: np.ndarray
    scores: np.ndarray
    classes: np.ndarray


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def decode(raw, anchors, n_classes: int):
    """YOLOv2 decoding of the detector's output, as ``utils.yolo.yolo_head`` then
    ``yolo_boxes_to_corners`` do it.

    raw: (m, S, S, A*(5+C)) output; anchors (A, 2) (w, h) in grid cells.
    Returns (boxes (m, S*S*A, 4) corners as fractions of the image, scores (m, S*S*A, C) =
    objectness * class probability).
    """
    raw = np.asarray(raw, dtype=np.float64)
    m, s_rows, s_cols, _ = raw.shape
    anchors = np.asarray(anchors, dtype=np.float64)
    raw = raw.reshape(m, s_rows, s_cols, len(anchors), 5 + n_classes)
    cx = (_sigmoid(raw[..., 0]) + np.arange(s_cols)[None, None, :, None]) / s_cols
    cy = (_sigmoid(raw[..., 1]) + np.arange(s_rows)[None, :, None, None]) / s_rows
    w = anchors[:, 0] * np.exp(np.clip(raw[..., 2], -8, 8)) / s_cols
    h = anchors[:, 1] * np.exp(np.clip(raw[..., 3], -8, 8)) / s_rows
    boxes = np.stack([cy - h / 2, cx - w / 2, cy + h / 2, cx + w / 2], axis=-1)
    logits = raw[..., 5:] - raw[..., 5:].max(axis=-1, keepdims=True)
    probs = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
    scores = _sigmoid(raw[..., 4:5]) * probs
    return boxes.reshape(m, -1, 4), scores.reshape(m, -1, n_classes)


def box_iou(box, boxes) -> np.ndarray:
    """IoU of one box (4,) with boxes (n, 4), corners -> (n,)."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    y1 = np.maximum(box[0], boxes[:, 0])
    x1 = np.maximum(box[1], boxes[:, 1])
    y2 = np.minimum(box[2], boxes[:, 2])
    x2 = np.minimum(box[3], boxes[:, 3])
    inter = np.maximum(y2 - y1, 0) * np.maximum(x2 - x1, 0)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return inter / np.maximum(area + areas - inter, 1e-12)


def nms(boxes, scores, iou_threshold: float, max_boxes: int) -> np.ndarray:
    """Greedy non-max suppression: indices (k,) of the kept boxes, best score first."""
    order = np.argsort(-np.asarray(scores), kind="stable")
    keep = []
    while order.size and len(keep) < max_boxes:
        best = order[0]
        keep.append(best)
        rest = order[1:]
        order = rest[box_iou(boxes[best], boxes[rest]) <= iou_threshold]
    return np.array(keep, dtype=np.int64)


def select(boxes, scores, score_threshold: float = 0.01, iou_threshold: float = 0.5,
           max_boxes: int = 100) -> Detections:
    """One image's boxes (n, 4) and class scores (n, C) -> its detections: each box keeps its
    best class (as the course's ``yolo_filter_boxes``), boxes under ``score_threshold`` go, then
    non-max suppression per class; at most ``max_boxes`` in all, best first."""
    classes = scores.argmax(axis=-1)
    best = scores.max(axis=-1)
    keep = best >= score_threshold
    boxes, best, classes = boxes[keep], best[keep], classes[keep]
    kept = []
    for c in np.unique(classes):
        idx = np.flatnonzero(classes == c)
        kept.extend(idx[nms(boxes[idx], best[idx], iou_threshold, max_boxes)])
    kept = np.array(kept, dtype=np.int64)
    kept = kept[np.argsort(-best[kept], kind="stable")][:max_boxes]
    return Detections(boxes[kept], best[kept], classes[kept])


def detect(raw, anchors, n_classes: int, image_size, **select_args) -> list[Detections]:
    """Detections of a batch, boxes in pixels of (height, width) ``image_size`` images."""
    boxes, scores = decode(raw, anchors, n_classes)
    height, width = image_size
    scale = np.array([height, width, height, width], dtype=np.float64)
    return [select(b * scale, s, **select_args) for b, s in zip(boxes, scores)]


# --------------------------------------------------------------------------- average precision
def match(detections: list[Detections], truth_boxes, truth_classes, cls: int,
          iou_threshold: float = 0.5):
    """VOC-style matching of one class over a set of images.

    Detections of class ``cls`` from all images are taken by decreasing score; each is a true
    positive if its highest-IoU truth box of that class (same image) has IoU >= ``iou_threshold``
    and was not matched before, else a false positive (so a duplicate is a false positive).
    Returns (scores (k,) sorted decreasing, is_true_positive (k,) bool, number of truths).
    """
    entries = []
    for image, det in enumerate(detections):
        for box, score in zip(det.boxes[det.classes == cls], det.scores[det.classes == cls]):
            entries.append((-float(score), image, box))
    entries.sort(key=lambda e: (e[0], e[1]))
    truths = [np.asarray(b, dtype=np.float64).reshape(-1, 4)[np.asarray(c) == cls]
              for b, c in zip(truth_boxes, truth_classes)]
    taken = [np.zeros(len(t), dtype=bool) for t in truths]
    positive = np.zeros(len(entries), dtype=bool)
    for k, (_, image, box) in enumerate(entries):
        if len(truths[image]) == 0:
            continue
        overlaps = box_iou(box, truths[image])
        best = int(overlaps.argmax())
        if overlaps[best] >= iou_threshold and not taken[image][best]:
            taken[image][best] = True
            positive[k] = True
    scores = np.array([-e[0] for e in entries])
    return scores, positive, sum(len(t) for t in truths)


def average_precision(positive, n_truth: int) -> float:
    """VOC 2010+ AP, all points interpolated: the area under the precision-recall curve whose
    precision at recall r is the best precision at any recall >= r.

    positive: (k,) bool, detections in decreasing score order. NaN if there is no truth.
    """
    if n_truth == 0:
        return float("nan")
    positive = np.asarray(positive, dtype=bool)
    tp = np.cumsum(positive)
    fp = np.cumsum(~positive)
    recall = np.concatenate([[0.0], tp / n_truth, [1.0]])
    precision = np.concatenate([[0.0], tp / np.maximum(tp + fp, 1), [0.0]])
    precision = np.maximum.accumulate(precision[::-1])[::-1]
    steps = np.flatnonzero(recall[1:] != recall[:-1])
    return float(np.sum((recall[steps + 1] - recall[steps]) * precision[steps + 1]))


def mean_average_precision(detections, truth_boxes, truth_classes, n_classes: int,
                           iou_threshold: float = 0.5) -> tuple[np.ndarray, float]:
    """(AP per class (C,), NaN for a class with no truth; their mean over the other classes)."""
    aps = np.array([average_precision(*match(detections, truth_boxes, truth_classes, c,
                                             iou_threshold)[1:])
                    for c in range(n_classes)])
    valid = aps[~np.isnan(aps)]
    return aps, float(valid.mean()) if valid.size else float("nan")


def evaluate(model, images, truth_boxes, truth_classes, anchors, n_classes: int,
             batch_size: int = 32, **select_args) -> tuple[np.ndarray, float]:
    """mAP@0.5 of ``model`` on uint8 images (m, H, W, 3) with truths in pixels of those images."""
    detections = []
    for start in range(0, len(images), batch_size):
        batch = images[start:start + batch_size].astype(np.float32) / 255.0
        raw = np.asarray(model(batch, training=False))
        detections += detect(raw, anchors, n_classes, images.shape[1:3], **select_args)
    return mean_average_precision(detections, truth_boxes, truth_classes, n_classes)
