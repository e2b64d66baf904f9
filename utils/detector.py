"""The course's small YOLOv2-style road-scene detector, and the loader Week 3's notebook uses.

The original course loads YOLOv2 (608x608 input, 50M parameters, 80 COCO classes), which cannot
be downloaded here. This course ships a compact network of the same kind instead, trained by
``graders/trainers/road_detector.py`` on generated road scenes (``utils/synth/road.py``).

Architecture (:func:`build_detector`; Darknet-style, fully convolutional, 1.1M parameters):

- four blocks ``Conv2D 3x3 (no bias) -> BatchNormalization -> LeakyReLU(0.1) -> MaxPool 2x2``
  with 16, 32, 64, 128 filters: the input is downsampled by 16, so a 256x256 picture gives a
  16x16 grid (S = input_size // 16; YOLOv2 downsamples its 608x608 input by 32 to 19x19, but at
  256x256 a 32-pixel cell is too coarse for the many cars under 16 pixels: in this course's
  trials a stride-32 variant, 2.5M parameters, trained on the same data for the same time
  but without IoU rescoring, reached car AP@0.5 0.66, this network 0.91);
- two more 3x3 blocks of 192 filters on the S x S grid;
- a passthrough like YOLOv2's: the 2S x 2S features before the last pooling are reduced by a
  1x1 block to 16 channels and reorganised (space-to-depth, 2x2 -> channels, ``Reorg``)
  to S x S x 64, then concatenated with the deep features and mixed by one more 3x3 block of
  192 filters;
- a final 1x1 ``Conv2D`` (with bias, linear) with ``A * (5 + C)`` channels.

Input: (m, input_size, input_size, 3) float32 RGB in [0, 1] (``utils.yolo.preprocess_image``).

Output layout, (m, S, S, A * (5 + C)), the layout of YOLOv2's region layer that
``utils.yolo.yolo_head`` reshapes to (m, S, S, A, 5 + C): channel ``a * (5 + C) + k`` of cell
(row i, column j) is, for anchor ``a``,

    k = 0, 1   t_x, t_y    box centre x = (j + sigmoid(t_x)) / S,  y = (i + sigmoid(t_y)) / S
    k = 2, 3   t_w, t_h    box width    = anchor_w * exp(t_w) / S, height = anchor_h * exp(t_h) / S
    k = 4      t_o         objectness   = sigmoid(t_o)
    k = 5..    class logits (softmax over the C classes)

with anchors (A, 2) as (w, h) in grid-cell units (``data/road_anchors.txt``).

Only backend-agnostic Keras is used (``keras.ops``), so the model also runs on JAX or PyTorch.
"""
from __future__ import annotations

import os
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DETECTOR_WEIGHTS = DATA_DIR / "weights" / "road_detector.npz"
ANCHORS_FILE = DATA_DIR / "road_anchors.txt"
CLASSES_FILE = DATA_DIR / "road_classes.txt"
INPUT_SIZE = 256          # the size the shipped weights were trained at
STRIDE = 16               # input pixels per grid cell: 2 ** len(BACKBONE_FILTERS)
TRAIN_HINT = ("`python -m graders.trainers.road_detector` trains the detector and writes it "
              "(see that script's header)")

BACKBONE_FILTERS = (16, 32, 64, 128)          # one 3x3 block, then a 2x2 max-pool, each
HEAD_LAYERS = ((192, 3), (192, 3))            # (filters, kernel size) blocks on the grid
PASSTHROUGH_FILTERS = 16
FINAL_FILTERS = 192                           # the 3x3 block after the concatenation


def _keras():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    return keras


def _reorg_class():
    keras = _keras()
    ops = keras.ops

    class Reorg(keras.layers.Layer):
        """Space-to-depth (YOLOv2's reorg): (m, H, W, C) -> (m, H/s, W/s, s*s*C).

        Channel ``(dy * s + dx) * C + c`` of output cell (i, j) is input channel c at pixel
        (i*s + dy, j*s + dx). H and W must be multiples of s.
        """

        def __init__(self, stride: int = 2, **kwargs):
            super().__init__(**kwargs)
            self.stride = stride

        def call(self, x):
            s = self.stride
            shape = ops.shape(x)
            h, w, c = shape[1], shape[2], shape[3]
            x = ops.reshape(x, (-1, h // s, s, w // s, s, c))
            x = ops.transpose(x, (0, 1, 3, 2, 4, 5))
            return ops.reshape(x, (-1, h // s, w // s, s * s * c))

        def compute_output_shape(self, input_shape):
            m, h, w, c = input_shape
            s = self.stride
            return (m, None if h is None else h // s, None if w is None else w // s, c * s * s)

        def get_config(self):
            return {**super().get_config(), "stride": self.stride}

    return Reorg


def _block(x, filters: int, size: int, name: str):
    """Conv2D (same padding, no bias) -> BatchNormalization -> LeakyReLU(0.1)."""
    layers = _keras().layers
    x = layers.Conv2D(filters, size, padding="same", use_bias=False, name=f"{name}_conv")(x)
    x = layers.BatchNormalization(name=f"{name}_bn")(x)
    return layers.LeakyReLU(negative_slope=0.1, name=f"{name}_leaky")(x)


def build_detector(input_size: int | None = INPUT_SIZE, n_anchors: int = 5, n_classes: int = 5):
    """The detector as a ``keras.Model``, freshly initialised.

    input_size: side of the square input, a multiple of 16 (None: any multiple of 16).
    Returns a model mapping (m, input_size, input_size, 3) in [0, 1] to
    (m, S, S, n_anchors * (5 + n_classes)), S = input_size // 16 (layout: module docstring).
    """
    keras = _keras()
    layers = keras.layers
    if input_size is not None and (input_size <= 0 or input_size % STRIDE):
        raise ValueError(f"input_size must be a positive multiple of {STRIDE}, got {input_size}")
    inputs = keras.Input((input_size, input_size, 3), name="image")
    x = inputs
    for index, filters in enumerate(BACKBONE_FILTERS, start=1):
        x = _block(x, filters, 3, f"block{index}")
        if index == len(BACKBONE_FILTERS):
            skip = x                                      # 2S x 2S, before the last pooling
        x = layers.MaxPooling2D(2, name=f"pool{index}")(x)
    for index, (filters, size) in enumerate(HEAD_LAYERS, start=1):
        x = _block(x, filters, size, f"head{index}")
    skip = _block(skip, PASSTHROUGH_FILTERS, 1, "passthrough")
    skip = _reorg_class()(2, name="reorg")(skip)
    x = layers.Concatenate(name="concat")([skip, x])
    x = _block(x, FINAL_FILTERS, 3, f"head{len(HEAD_LAYERS) + 1}")
    # float32 even under a mixed-precision policy: the loss and the decoding need the range
    outputs = layers.Conv2D(n_anchors * (5 + n_classes), 1, name="detections",
                            dtype="float32")(x)
    return keras.Model(inputs, outputs, name="road_detector")


class DetectorError(RuntimeError):
    """A file the detector needs is missing or does not fit; the message says what to do."""


def load_course_detector(data_dir=None, verbose: bool = True):
    """The trained detector and its files: (model, anchors (A, 2) in grid cells, class_names).

    Reads ``road_anchors.txt``, ``road_classes.txt`` and ``weights/road_detector.npz`` from
    data/ (or ``CNN_COURSE_DATA``); the model takes (m, 256, 256, 3) images in [0, 1].
    """
    from utils.resnet_weights import WeightsError, load_compact
    from utils.yolo import read_anchors, read_classes

    directory = Path(data_dir or os.environ.get("CNN_COURSE_DATA", DATA_DIR))
    paths = {"anchors": directory / ANCHORS_FILE.name, "classes": directory / CLASSES_FILE.name,
             "weights": directory / "weights" / DETECTOR_WEIGHTS.name}
    missing = [str(p) for p in paths.values() if not p.exists()]
    if missing:
        raise DetectorError(f"the course's detector is incomplete: {', '.join(missing)} "
                            f"missing; restore with `git checkout -- data` or regenerate: "
                            f"{TRAIN_HINT}")
    class_names = list(read_classes(str(paths["classes"])))
    anchors = read_anchors(str(paths["anchors"]))
    model = build_detector(INPUT_SIZE, n_anchors=len(anchors), n_classes=len(class_names))
    try:
        load_compact(model, paths["weights"])
    except WeightsError as error:
        raise DetectorError(f"{error} ({TRAIN_HINT})") from error
    if verbose:
        print(f"loaded the road detector from {paths['weights']}: {len(class_names)} classes, "
              f"{len(anchors)} anchors, {model.count_params():,} parameters")
    return model, anchors, class_names
