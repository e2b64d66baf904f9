"""YOLOv2 helpers the Week 3 "Car detection" notebook is given: files, decoding, drawing, predict.

Written for this course after the helpers of the original assignment (which came from Allan
Zelener's YAD2K); nothing here solves a graded function (``yolo_filter_boxes``, ``iou``,
``yolo_non_max_suppression``, ``yolo_eval``): :func:`predict` takes the learner's ``yolo_eval``
as its ``evaluate`` argument.

Conventions used throughout:

- a network's raw output is (m, S_h, S_w, A * (5 + C)) (or already (m, S_h, S_w, A, 5 + C)):
  per anchor ``a`` the entries ``[t_x, t_y, t_w, t_h, t_o, class logits (C)]`` (YOLOv2's region
  layer layout);
- anchors are (A, 2) as (width, height) in grid-cell units (``yolo_anchors.txt``);
- box centres and sizes are (x, y) and (w, h) as fractions of the image;
- box corners are (y1, x1, y2, x2), the order ``tf.image.non_max_suppression`` expects;
- ``image_shape`` is (height, width) in pixels.

Decoding uses ``keras.ops`` only, so it runs on every Keras backend.
"""
from __future__ import annotations

import colorsys
import os
import re
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from keras import ops  # noqa: E402
from PIL import Image, ImageDraw, ImageFont  # noqa: E402

DEFAULT_OUT_DIR = "out"      # predict() saves drawn images here, relative to the working directory


# --------------------------------------------------------------------------- files
def read_classes(path) -> list[str]:
    """Class names, one per non-empty line of a text file (e.g. ``coco_classes.txt``)."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip()]


def read_anchors(path) -> np.ndarray:
    """Anchor boxes from a file holding ``w1,h1, w2,h2, ...`` (grid-cell units): (A, 2) float64.

    Commas and any whitespace (including new lines) separate the numbers.
    """
    text = Path(path).read_text(encoding="utf-8").strip()
    numbers = [float(token) for token in re.split(r"[,\s]+", text) if token]
    if not numbers or len(numbers) % 2:
        raise ValueError(f"{path} must hold pairs 'w,h' of anchor sizes; found {len(numbers)} "
                         "numbers")
    return np.array(numbers, dtype=np.float64).reshape(-1, 2)


# --------------------------------------------------------------------------- decoding
def _grid_offsets(grid_h: int, grid_w: int) -> np.ndarray:
    """(1, S_h, S_w, 1, 2) float32: the (column, row) = (x, y) index of every grid cell."""
    cols, rows = np.meshgrid(np.arange(grid_w), np.arange(grid_h))
    return np.stack([cols, rows], axis=-1).reshape(1, grid_h, grid_w, 1, 2).astype(np.float32)


def _per_anchor(feats, n_anchors: int, n_entries: int):
    """Raw output as (m, S_h, S_w, A, 5 + C), reshaping the flat (m, S_h, S_w, A*(5+C)) form."""
    shape = tuple(feats.shape)
    if len(shape) == 5 and shape[-2:] == (n_anchors, n_entries):
        return feats
    if len(shape) == 4 and shape[-1] == n_anchors * n_entries:
        if shape[1] is None or shape[2] is None:
            raise ValueError(f"yolo_head needs a known grid size; got features of shape {shape}")
        return ops.reshape(feats, (-1, shape[1], shape[2], n_anchors, n_entries))
    raise ValueError(
        f"features of shape {shape} do not fit {n_anchors} anchors and {n_entries - 5} classes: "
        f"expected (m, S_h, S_w, {n_anchors * n_entries}) or (m, S_h, S_w, {n_anchors}, "
        f"{n_entries})")


def yolo_head(feats, anchors, num_classes: int):
    """Decode YOLOv2's raw output into box confidences, centres, sizes and class probabilities.

    feats: (m, S_h, S_w, A * (5 + C)) or (m, S_h, S_w, A, 5 + C), the network's raw output.
    anchors: (A, 2) anchor (width, height) in grid cells. num_classes: C.

    Returns four float32 tensors:

    - box_confidence (m, S_h, S_w, A, 1) = sigmoid(t_o);
    - box_xy (m, S_h, S_w, A, 2) = ((sigmoid(t_x) + column) / S_w, (sigmoid(t_y) + row) / S_h),
      the box centre (x, y) as fractions of the image;
    - box_wh (m, S_h, S_w, A, 2) = (anchor_w * exp(t_w) / S_w, anchor_h * exp(t_h) / S_h);
    - box_class_probs (m, S_h, S_w, A, C) = softmax of the class logits.
    """
    anchors = np.asarray(anchors, dtype=np.float32).reshape(-1, 2)
    feats = _per_anchor(ops.cast(feats, "float32"), len(anchors), 5 + num_classes)
    grid_h, grid_w = int(feats.shape[1]), int(feats.shape[2])
    grid_size = np.array([grid_w, grid_h], dtype=np.float32)        # divides (x, y) and (w, h)
    box_xy = (ops.sigmoid(feats[..., 0:2]) + _grid_offsets(grid_h, grid_w)) / grid_size
    box_wh = ops.exp(feats[..., 2:4]) * anchors.reshape(1, 1, 1, -1, 2) / grid_size
    box_confidence = ops.sigmoid(feats[..., 4:5])
    box_class_probs = ops.softmax(feats[..., 5:], axis=-1)
    return box_confidence, box_xy, box_wh, box_class_probs


def yolo_boxes_to_corners(box_xy, box_wh):
    """Centres and sizes to corners.

    box_xy, box_wh: (..., 2) as (x, y) and (w, h). Returns (..., 4) as (y1, x1, y2, x2), where
    (y1, x1) is the top-left corner and (y2, x2) the bottom-right one.
    """
    half = ops.cast(box_wh, "float32") / 2.0
    box_xy = ops.cast(box_xy, "float32")
    mins, maxes = box_xy - half, box_xy + half
    return ops.concatenate([mins[..., 1:2], mins[..., 0:1], maxes[..., 1:2], maxes[..., 0:1]],
                           axis=-1)


def scale_boxes(boxes, image_shape):
    """Corners (..., 4) as fractions of the image -> pixels of an image of (height, width).

    boxes: (..., 4) as (y1, x1, y2, x2); image_shape: (height, width), numbers or scalars.
    """
    boxes = ops.cast(boxes, "float32")
    height = ops.cast(image_shape[0], "float32")
    width = ops.cast(image_shape[1], "float32")
    return boxes * ops.stack([height, width, height, width])


# --------------------------------------------------------------------------- images
def preprocess_image(img_path, model_image_size):
    """Open an image and make the network's input from it.

    model_image_size: (height, width) the model expects.
    Returns (image, image_data): the original image as an RGB ``PIL.Image``, and
    (1, height, width, 3) float32 in [0, 1], resized with bicubic interpolation.
    """
    with Image.open(img_path) as opened:
        image = opened.convert("RGB")
    height, width = (int(size) for size in model_image_size)
    resized = image.resize((width, height), Image.Resampling.BICUBIC)
    image_data = np.asarray(resized, dtype=np.float32) / 255.0
    return image, image_data[np.newaxis]


def class_colors(n_classes: int) -> list[tuple[int, int, int]]:
    """One distinct RGB colour per class, always the same: hues spaced by the golden ratio,
    brightness alternating between odd and even classes (so near hues still differ)."""
    golden = 0.6180339887498949
    colors = []
    for index in range(n_classes):
        value = 0.95 if index % 2 == 0 else 0.7
        r, g, b = colorsys.hsv_to_rgb((index * golden) % 1.0, 0.85, value)
        colors.append((round(r * 255), round(g * 255), round(b * 255)))
    return colors


def box_pixels(box, image_size) -> tuple[int, int, int, int]:
    """A (y1, x1, y2, x2) box in pixels -> integer (left, top, right, bottom) inside the image.

    image_size: (width, height) as ``PIL.Image.size`` gives it.
    """
    width, height = image_size
    y1, x1, y2, x2 = (float(v) for v in box)
    top = max(0, int(np.floor(y1 + 0.5)))
    left = max(0, int(np.floor(x1 + 0.5)))
    bottom = min(height - 1, int(np.floor(y2 + 0.5)))
    right = min(width - 1, int(np.floor(x2 + 0.5)))
    return left, top, right, bottom


def _label_font(image_height: int):
    """Pillow's built-in font (no font file needed), about 3% of the image height."""
    size = max(10, int(round(0.03 * image_height)))
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, ValueError, OSError):      # Pillow without FreeType: bitmap font
        return ImageFont.load_default()


def box_label(class_name: str, score=None) -> str:
    """The text drawn on a box: ``"car 0.87"``, or the class name alone without a score."""
    return class_name if score is None else f"{class_name} {float(score):.2f}"


def draw_boxes(image, boxes, classes, class_names, scores=None):
    """Draw labelled boxes on an image, one colour per class (:func:`class_colors`).

    image: a ``PIL.Image`` (drawn on in place, converted to RGB first if it is not) or an array
    (H, W, 3), uint8 or floats in [0, 1] (a new image is made).
    boxes: (n, 4) as (y1, x1, y2, x2) in pixels; classes: (n,) class indices;
    class_names: list of C names; scores: (n,) or None (labels then show names only).
    Returns the ``PIL.Image`` drawn on.
    """
    if not isinstance(image, Image.Image):
        array = np.asarray(image)
        if array.dtype != np.uint8:
            array = np.clip(np.rint(array * 255.0), 0, 255).astype(np.uint8)
        image = Image.fromarray(array).convert("RGB")
    elif image.mode != "RGB":
        image = image.convert("RGB")
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    classes = np.asarray(classes).reshape(-1).astype(int)
    scores = None if scores is None else np.asarray(scores, dtype=np.float64).reshape(-1)
    colors = class_colors(len(class_names))
    thickness = max(1, (image.size[0] + image.size[1]) // 600)
    font = _label_font(image.size[1])
    draw = ImageDraw.Draw(image)
    for i, (box, class_index) in enumerate(zip(boxes, classes)):
        color = colors[class_index]
        left, top, right, bottom = box_pixels(box, image.size)
        draw.rectangle([left, top, right, bottom], outline=color, width=thickness)
        label = box_label(class_names[class_index], None if scores is None else scores[i])
        _draw_label(draw, label, (left, top), color, font)
    del draw
    return image


def _draw_label(draw, label: str, corner, color, font) -> None:
    """The label on a filled background, just above the box's top-left corner (inside the box
    when there is no room above)."""
    left, top = corner
    x0, y0, x1, y1 = draw.textbbox((0, 0), label, font=font)
    text_w, text_h = x1 - x0, y1 - y0
    pad = 2
    box_top = top - text_h - 2 * pad if top - text_h - 2 * pad >= 0 else top + 1
    draw.rectangle([left, box_top, left + text_w + 2 * pad, box_top + text_h + 2 * pad],
                   fill=color)
    luminance = 0.299 * color[0] + 0.587 * color[1] + 0.114 * color[2]
    text_color = (0, 0, 0) if luminance > 140 else (255, 255, 255)
    draw.text((left + pad - x0, box_top + pad - y0), label, fill=text_color, font=font)


def show_image(image, title: str | None = None, size: float = 9.0):
    """Display a ``PIL.Image`` (e.g. one :func:`predict` drew) with matplotlib.

    Returns the Figure.
    """
    import matplotlib.pyplot as plt

    width, height = image.size
    fig, ax = plt.subplots(figsize=(size, size * height / width))
    ax.imshow(np.asarray(image))
    ax.axis("off")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- the whole pipeline
def model_input_size(model) -> tuple[int, int]:
    """(height, width) of a Keras model's image input, from ``model.input_shape``."""
    shape = model.input_shape
    if isinstance(shape, list):
        shape = shape[0]
    height, width = shape[1], shape[2]
    if height is None or width is None:
        raise ValueError(f"the model's input shape {tuple(shape)} has no fixed image size; pass "
                         "model_image_size=(height, width) to predict")
    return int(height), int(width)


def predict(model, image_file, evaluate, class_names, anchors, out_dir=None, show: bool = False,
            model_image_size=None, **eval_kwargs):
    """Detect objects in one image and draw them.

    Steps: resize the image to the model's input size (``model.input_shape``, or
    ``model_image_size`` = (height, width)), run the model, decode its output with
    :func:`yolo_head` (a batch of one: every tensor has a leading axis of 1), then call
    ``evaluate(yolo_outputs, image_shape=(height, width) of the original image, **eval_kwargs)``:
    the learner's ``yolo_eval``, which returns (scores (n,), boxes (n, 4) as (y1, x1, y2, x2)
    pixels, classes (n,)). Prints how many boxes were found and each one, draws them
    (:func:`draw_boxes`) and saves the drawing to ``out_dir`` (default ``out/`` in the working
    directory) under the image's file name; ``show=True`` also displays it.

    Returns (out_scores (n,), out_boxes (n, 4), out_classes (n,)) as NumPy arrays.
    """
    size = tuple(model_image_size) if model_image_size is not None else model_input_size(model)
    image, image_data = preprocess_image(image_file, size)
    features = model(image_data, training=False)
    yolo_outputs = yolo_head(features, anchors, len(class_names))
    image_shape = (float(image.size[1]), float(image.size[0]))
    out_scores, out_boxes, out_classes = evaluate(yolo_outputs, image_shape=image_shape,
                                                  **eval_kwargs)
    out_scores = np.asarray(ops.convert_to_numpy(out_scores)).reshape(-1)
    out_boxes = np.asarray(ops.convert_to_numpy(out_boxes)).reshape(-1, 4)
    out_classes = np.asarray(ops.convert_to_numpy(out_classes)).reshape(-1).astype(np.int64)

    print(f"Found {len(out_boxes)} boxes for {image_file}")
    for score, box, class_index in zip(out_scores, out_boxes, out_classes):
        left, top, right, bottom = box_pixels(box, image.size)
        print(f"{box_label(class_names[class_index], score)} ({left}, {top}) ({right}, {bottom})")
    draw_boxes(image, out_boxes, out_classes, class_names, out_scores)

    out_path = Path(out_dir if out_dir is not None else DEFAULT_OUT_DIR) / Path(image_file).name
    out_path.parent.mkdir(parents=True, exist_ok=True)
    if out_path.suffix.lower() in (".jpg", ".jpeg"):
        image.save(out_path, quality=90)
    else:
        image.save(out_path)
    if show:
        import matplotlib.pyplot as plt

        show_image(image, title=Path(image_file).name)
        plt.show()
    return out_scores, out_boxes, out_classes


__all__ = ["read_classes", "read_anchors", "yolo_head", "yolo_boxes_to_corners", "scale_boxes",
           "preprocess_image", "class_colors", "box_pixels", "box_label", "draw_boxes",
           "show_image", "model_input_size", "predict"]
