"""Training targets and the YOLOv2 loss for ``utils.detector`` (NumPy encoding, ``keras.ops`` loss).

Conventions. S is the grid side, A the number of anchors, C of classes, B the most boxes an image
may have. Anchors are (A, 2) (w, h) in grid cells. Ground-truth boxes arrive as the data sets give
them: corners (y1, x1, y2, x2) in pixels of a ``size`` x ``size`` image.

A box is assigned to the cell (i, j) holding its centre and, in that cell, to the anchor whose
shape has the highest IoU with the box's (its "responsible" anchor; if a second box wants the
same cell and anchor, it takes its next-best free anchor). The dense target of one anchor is

    [x_off, y_off, t_w, t_h, responsible, coord_weight, one-hot class (C)]          (6 + C values)

with x_off = cx - j and y_off = cy - i in [0, 1) (cx, cy the centre in grid cells),
t_w = log(w / anchor_w), t_h = log(h / anchor_h) (w, h in grid cells), and
coord_weight = 2 - w * h / S**2 (small boxes count more, as in YOLOv2/v3).

Keras gives a loss one ``y_true`` per output, so :func:`pack_targets` flattens the dense targets
and the image's truth boxes (B, 4) as (cx, cy, w, h) in grid cells, zero-padded, into one
(m, S*S*A*(6+C) + 4*B) array, which :class:`YoloLoss` splits again.
"""
from __future__ import annotations

import numpy as np

from graders.trainers.anchors import iou_wh

TARGET_FIELDS = 6          # x_off, y_off, t_w, t_h, responsible, coord_weight (then C classes)


# --------------------------------------------------------------------------- targets (NumPy)
def corners_to_grid(boxes, size: int, grid: int) -> np.ndarray:
    """(n, 4) corners (y1, x1, y2, x2) in pixels -> (n, 4) (cx, cy, w, h) in grid cells."""
    b = np.asarray(boxes, dtype=np.float64).reshape(-1, 4) * (grid / size)
    return np.stack([(b[:, 1] + b[:, 3]) / 2, (b[:, 0] + b[:, 2]) / 2,
                     b[:, 3] - b[:, 1], b[:, 2] - b[:, 0]], axis=1)


def encode_image(boxes, classes, anchors, size: int, grid: int, n_classes: int) -> np.ndarray:
    """Dense targets of one image: boxes (n, 4) corners in pixels, classes (n,) ints ->
    (grid, grid, A, 6 + n_classes) float32 (layout: module docstring). Boxes with a side <= 0
    are skipped."""
    anchors = np.asarray(anchors, dtype=np.float64)
    target = np.zeros((grid, grid, len(anchors), TARGET_FIELDS + n_classes), np.float32)
    for (cx, cy, w, h), c in zip(corners_to_grid(boxes, size, grid), np.asarray(classes)):
        if w <= 0 or h <= 0:
            continue
        j = min(max(int(np.floor(cx)), 0), grid - 1)
        i = min(max(int(np.floor(cy)), 0), grid - 1)
        ranked = np.argsort(-iou_wh(np.array([[w, h]]), anchors)[0], kind="stable")
        free = [a for a in ranked if target[i, j, a, 4] == 0]
        if not free:
            continue                                   # more boxes than anchors in this cell
        a = free[0]
        target[i, j, a, :TARGET_FIELDS] = (cx - j, cy - i, np.log(w / anchors[a, 0]),
                                           np.log(h / anchors[a, 1]), 1.0,
                                           2.0 - w * h / grid ** 2)
        target[i, j, a, TARGET_FIELDS + int(c)] = 1.0
    return target


def pack_targets(boxes_list, classes_list, anchors, size: int, grid: int, n_classes: int,
                 max_boxes: int) -> np.ndarray:
    """y_true for :class:`YoloLoss`: lists of m (n_i, 4) pixel corners and (n_i,) classes ->
    (m, grid*grid*A*(6+n_classes) + 4*max_boxes) float32. Extra boxes beyond ``max_boxes`` still
    get dense targets but are left out of the ignore test."""
    rows = []
    for boxes, classes in zip(boxes_list, classes_list):
        dense = encode_image(boxes, classes, anchors, size, grid, n_classes)
        truth = np.zeros((max_boxes, 4), np.float32)
        grid_boxes = corners_to_grid(boxes, size, grid)[:max_boxes]
        truth[:len(grid_boxes)] = grid_boxes
        rows.append(np.concatenate([dense.ravel(), truth.ravel()]))
    return np.stack(rows).astype(np.float32)


# --------------------------------------------------------------------------- loss (keras.ops)
def _keras():
    import keras
    return keras


def grid_boxes(raw, anchors):
    """Decode raw predictions (m, S, S, A, 5 + C) -> boxes (m, S, S, A, 4) as (cx, cy, w, h) in
    grid cells (cx = j + sigmoid(t_x), w = anchor_w * exp(t_w))."""
    ops = _keras().ops
    shape = ops.shape(raw)
    s_rows, s_cols = shape[1], shape[2]
    cols = ops.cast(ops.arange(s_cols), raw.dtype)
    rows = ops.cast(ops.arange(s_rows), raw.dtype)
    cx = ops.sigmoid(raw[..., 0]) + ops.reshape(cols, (1, 1, -1, 1))
    cy = ops.sigmoid(raw[..., 1]) + ops.reshape(rows, (1, -1, 1, 1))
    anchors = ops.convert_to_tensor(np.asarray(anchors, np.float32), dtype=raw.dtype)
    w = anchors[:, 0] * ops.exp(ops.clip(raw[..., 2], -8.0, 8.0))
    h = anchors[:, 1] * ops.exp(ops.clip(raw[..., 3], -8.0, 8.0))
    return ops.stack([cx, cy, w, h], axis=-1)


def pairwise_iou(pred, truth):
    """IoU of every prediction with every truth box: pred (m, S, S, A, 4), truth (m, B, 4), both
    (cx, cy, w, h) -> (m, S, S, A, B). All-zero (padding) truths give 0."""
    ops = _keras().ops
    p = ops.expand_dims(pred, -2)                                   # (m, S, S, A, 1, 4)
    t = ops.reshape(truth, (ops.shape(truth)[0], 1, 1, 1, -1, 4))    # (m, 1, 1, 1, B, 4)
    p_lo, p_hi = p[..., :2] - p[..., 2:] / 2, p[..., :2] + p[..., 2:] / 2
    t_lo, t_hi = t[..., :2] - t[..., 2:] / 2, t[..., :2] + t[..., 2:] / 2
    sides = ops.maximum(ops.minimum(p_hi, t_hi) - ops.maximum(p_lo, t_lo), 0.0)
    inter = sides[..., 0] * sides[..., 1]
    union = p[..., 2] * p[..., 3] + t[..., 2] * t[..., 3] - inter
    return inter / ops.maximum(union, 1e-9)


def matched_iou(raw, target, anchors):
    """IoU of each anchor's decoded box with the truth box it is responsible for (from the dense
    target): raw (m, S, S, A, 5 + C), target (m, S, S, A, 6 + C) -> (m, S, S, A)."""
    ops = _keras().ops
    pred = grid_boxes(raw, anchors)
    anchors = ops.convert_to_tensor(np.asarray(anchors, np.float32), dtype=raw.dtype)
    shape = ops.shape(raw)
    cols = ops.reshape(ops.cast(ops.arange(shape[2]), raw.dtype), (1, 1, -1, 1))
    rows = ops.reshape(ops.cast(ops.arange(shape[1]), raw.dtype), (1, -1, 1, 1))
    truth = ops.stack([target[..., 0] + cols, target[..., 1] + rows,
                       anchors[:, 0] * ops.exp(target[..., 2]),
                       anchors[:, 1] * ops.exp(target[..., 3])], axis=-1)
    lo = ops.maximum(pred[..., :2] - pred[..., 2:] / 2, truth[..., :2] - truth[..., 2:] / 2)
    hi = ops.minimum(pred[..., :2] + pred[..., 2:] / 2, truth[..., :2] + truth[..., 2:] / 2)
    sides = ops.maximum(hi - lo, 0.0)
    inter = sides[..., 0] * sides[..., 1]
    union = pred[..., 2] * pred[..., 3] + truth[..., 2] * truth[..., 3] - inter
    return inter / ops.maximum(union, 1e-9)


def loss_terms(y_true, y_pred, anchors, grid: int, n_classes: int, max_boxes: int,
               ignore_iou: float = 0.6, noobj_scale: float = 0.5, obj_scale: float = 1.0,
               coord_scale: float = 1.0, class_scale: float = 1.0, rescore: bool = True) -> dict:
    """The YOLOv2 loss's parts, each (m,) summed over the image's anchors.

    y_true: (m, S*S*A*(6+C) + 4*B) from :func:`pack_targets`; y_pred: the detector's output
    (m, S, S, A*(5+C)). Returns {"coord", "obj", "noobj", "class"}:

    - coord: responsible anchors, coord_weight * (|sigmoid(t_xy) - xy_off|^2 + |t_wh - t_wh*|^2);
    - obj: responsible anchors, logistic loss of the objectness towards 1, or with ``rescore``
      (YOLOv2's default) towards the IoU of the anchor's decoded box with its truth box (held
      constant), so that the confidence ranks boxes by how well they fit;
    - noobj: the other anchors, logistic loss towards 0, times ``noobj_scale``, except those
      whose decoded box has IoU > ``ignore_iou`` with some truth box (neither pushed up nor down);
    - class: responsible anchors, softmax cross-entropy of the class logits.
    """
    ops = _keras().ops
    n_anchors = len(anchors)
    fields = TARGET_FIELDS + n_classes
    dense_size = grid * grid * n_anchors * fields
    y_true = ops.cast(y_true, y_pred.dtype)
    target = ops.reshape(y_true[:, :dense_size], (-1, grid, grid, n_anchors, fields))
    truth = ops.reshape(y_true[:, dense_size:dense_size + 4 * max_boxes], (-1, max_boxes, 4))
    raw = ops.reshape(y_pred, (-1, grid, grid, n_anchors, 5 + n_classes))

    responsible = target[..., 4]
    xy_error = ops.sum(ops.square(ops.sigmoid(raw[..., 0:2]) - target[..., 0:2]), axis=-1)
    wh_error = ops.sum(ops.square(raw[..., 2:4] - target[..., 2:4]), axis=-1)
    coord = coord_scale * responsible * target[..., 5] * (xy_error + wh_error)

    logit = raw[..., 4]
    best_iou = ops.max(pairwise_iou(grid_boxes(raw, anchors), truth), axis=-1)
    ignore = ops.stop_gradient(ops.cast(best_iou > ignore_iou, y_pred.dtype))
    if rescore:
        goal = ops.stop_gradient(ops.clip(matched_iou(raw, target, anchors), 0.0, 1.0))
        obj = obj_scale * responsible * (goal * ops.softplus(-logit)
                                         + (1.0 - goal) * ops.softplus(logit))
    else:
        obj = obj_scale * responsible * ops.softplus(-logit)
    noobj = noobj_scale * (1.0 - responsible) * (1.0 - ignore) * ops.softplus(logit)

    log_probs = ops.log_softmax(raw[..., 5:], axis=-1)
    cls = -class_scale * responsible * ops.sum(target[..., TARGET_FIELDS:] * log_probs, axis=-1)

    def per_image(x):
        return ops.sum(ops.reshape(x, (ops.shape(x)[0], -1)), axis=1)

    return {"coord": per_image(coord), "obj": per_image(obj), "noobj": per_image(noobj),
            "class": per_image(cls)}


def _loss_base():
    keras = _keras()

    class YoloLoss(keras.losses.Loss):
        """The YOLOv2 loss (sum of :func:`loss_terms`), averaged over the batch."""

        def __init__(self, anchors, grid: int, n_classes: int, max_boxes: int,
                     name: str = "yolo_loss", **scales):
            super().__init__(name=name)
            self.anchors = np.asarray(anchors, np.float32)
            self.grid, self.n_classes, self.max_boxes = grid, n_classes, max_boxes
            self.scales = scales

        def call(self, y_true, y_pred):
            terms = loss_terms(y_true, y_pred, self.anchors, self.grid, self.n_classes,
                               self.max_boxes, **self.scales)
            return terms["coord"] + terms["obj"] + terms["noobj"] + terms["class"]

        def get_config(self):
            return {"anchors": self.anchors.tolist(), "grid": self.grid,
                    "n_classes": self.n_classes, "max_boxes": self.max_boxes,
                    "name": self.name, **self.scales}

    return YoloLoss


def YoloLoss(anchors, grid: int, n_classes: int, max_boxes: int, **scales):
    """A ``keras.losses.Loss`` for ``model.compile``; ``scales``: the keyword arguments of
    :func:`loss_terms` (ignore_iou, noobj_scale, obj_scale, coord_scale, class_scale,
    rescore)."""
    return _loss_base()(anchors, grid, n_classes, max_boxes, **scales)
