"""The course's face encoder for Week 4 (face verification and recognition), and its loader.

The original course loads FaceNet (an Inception network, 96x96 input, 3.7M parameters, trained
on millions of photographs), which cannot be downloaded here. This course ships a small encoder
of the same kind instead, trained with the triplet loss by ``graders/trainers/face_encoder.py`` on
generated faces (``utils/synth/faces.py``).

Architecture (:func:`build_encoder`; ResNet-style, 712,480 parameters, about 67M multiply-adds
for one 96x96 picture):

- a stem ``Conv2D 5x5 stride 2 (32) -> BatchNormalization -> ReLU -> MaxPool 3x3 stride 2``:
  96x96 -> 24x24;
- residual stages of basic blocks (two 3x3 ``Conv -> BN`` with ReLUs, identity shortcut, or a
  1x1 projection where the shape changes): 48 filters at 24x24, 96 at 12x12, 192 at 6x6;
- global average pooling, ``Dense(embedding)`` and ``UnitNormalization``: the encoding has
  length 1 along its last axis, so distances between encodings lie in [0, 2].

Shapes:

- :func:`preprocess`: uint8 images (m, 96, 96, 3) RGB -> float32 (m, 96, 96, 3) in [0, 1];
- the model: float32 (m, 96, 96, 3) -> (m, 128), each row of unit L2 norm;
- :func:`encode_images`: uint8 images (m, 96, 96, 3) -> (m, 128) NumPy array, the average of
  each picture's and its mirror image's encodings, scaled to length 1;
- :func:`img_to_encoding`: an image file -> (1, 128) NumPy array, the same for one file.

Two pictures show the same person when the L2 distance of their encodings is under 0.7 (the
threshold of the notebook's ``verify``).

Only backend-agnostic Keras is used, so the model also runs on JAX or PyTorch.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
FACE_ENCODER_WEIGHTS = DATA_DIR / "weights" / "face_encoder.npz"
INPUT_SHAPE = (96, 96, 3)
EMBEDDING = 128
THRESHOLD = 0.7                       # the notebook's verify(): same person when distance < 0.7
STAGES = ((48, 1, 1), (96, 2, 1), (192, 2, 1))     # (filters, first stride, blocks)
STEM_FILTERS = 32
TRAIN_HINT = ("`python -m graders.trainers.face_encoder` trains the encoder and writes it "
              "(see that script's header)")


def _keras():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    return keras


def _conv_bn(x, filters: int, size: int, stride: int, name: str, relu: bool = True):
    """Conv2D (same padding, no bias) -> BatchNormalization [-> ReLU]."""
    layers = _keras().layers
    x = layers.Conv2D(filters, size, strides=stride, padding="same", use_bias=False,
                      name=f"{name}_conv")(x)
    x = layers.BatchNormalization(name=f"{name}_bn")(x)
    return layers.ReLU(name=f"{name}_relu")(x) if relu else x


def _basic_block(x, filters: int, stride: int, name: str):
    """ResNet basic block: (m, H, W, C) -> (m, H/stride, W/stride, filters)."""
    layers = _keras().layers
    shortcut = x
    if stride != 1 or x.shape[-1] != filters:
        shortcut = _conv_bn(x, filters, 1, stride, f"{name}_proj", relu=False)
    y = _conv_bn(x, filters, 3, stride, f"{name}_a")
    y = _conv_bn(y, filters, 3, 1, f"{name}_b", relu=False)
    y = layers.Add(name=f"{name}_add")([shortcut, y])
    return layers.ReLU(name=f"{name}_out")(y)


def build_encoder(input_shape=INPUT_SHAPE, embedding: int = EMBEDDING):
    """The encoder as a ``keras.Model``, freshly initialised.

    input_shape: (H, W, 3), H and W multiples of 16 (96x96 for the shipped weights).
    Returns a model mapping float32 (m, H, W, 3) in [0, 1] (:func:`preprocess`) to
    (m, embedding) encodings of unit L2 norm.
    """
    keras = _keras()
    layers = keras.layers
    inputs = keras.Input(tuple(input_shape), name="image")
    x = _conv_bn(inputs, STEM_FILTERS, 5, 2, "stem")
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="stem_pool")(x)
    for stage, (filters, stride, blocks) in enumerate(STAGES, start=1):
        for block in range(blocks):
            x = _basic_block(x, filters, stride if block == 0 else 1, f"stage{stage}_{block + 1}")
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    # float32 even under a mixed-precision policy: the distances need the precision
    x = layers.Dense(embedding, name="embedding", dtype="float32")(x)
    outputs = layers.UnitNormalization(axis=-1, name="l2_normalize", dtype="float32")(x)
    return keras.Model(inputs, outputs, name="face_encoder")


def preprocess(images) -> np.ndarray:
    """uint8 RGB images (m, H, W, 3) (or one (H, W, 3)) -> float32 of the same shape in [0, 1]."""
    return np.asarray(images, dtype=np.float32) / 255.0


class FaceEncoderError(RuntimeError):
    """The encoder's weight file is missing or does not fit; the message says what to do."""


def load_course_encoder(data_dir=None, verbose: bool = True):
    """The trained encoder: a ``keras.Model`` (m, 96, 96, 3) in [0, 1] -> (m, 128), unit norm.

    Reads ``weights/face_encoder.npz`` from data/ (or ``CNN_COURSE_DATA``).
    """
    from utils.resnet_weights import WeightsError, load_compact

    directory = Path(data_dir or os.environ.get("CNN_COURSE_DATA", DATA_DIR))
    path = directory / "weights" / FACE_ENCODER_WEIGHTS.name
    if not path.exists():
        raise FaceEncoderError(f"the course's face encoder is missing: {path}; restore it with "
                               f"`git checkout -- data/weights` or regenerate it: {TRAIN_HINT}")
    model = build_encoder()
    try:
        load_compact(model, path)
    except WeightsError as error:
        raise FaceEncoderError(f"{error} ({TRAIN_HINT})") from error
    if verbose:
        print(f"loaded the face encoder from {path}: {model.count_params():,} parameters, "
              f"{model.output.shape[-1]}-d encodings")
    return model


def read_image(image_path, size=INPUT_SHAPE[:2]) -> np.ndarray:
    """An image file as uint8 RGB (H, W, 3), resized (bilinear) to ``size`` (H, W) if it differs."""
    from PIL import Image

    with Image.open(image_path) as picture:
        picture = picture.convert("RGB")
        if picture.size != (size[1], size[0]):
            picture = picture.resize((size[1], size[0]), Image.Resampling.BILINEAR)
        return np.asarray(picture, dtype=np.uint8)


def encode_images(model, images, mirror: bool = True, batch: int = 128) -> np.ndarray:
    """Encodings (m, d) float32, each of unit L2 norm, of uint8 RGB images (m, H, W, 3).

    With ``mirror`` (the default) each picture is encoded twice, as it is and flipped left to
    right, and the two encodings are averaged and scaled back to length 1. A face and its
    mirror image are the same person, so averaging removes part of the encoder's sensitivity
    to pose and lighting from the left or right: on the 2000 + 2000 held-out pairs of
    ``bench/face_verify.py`` accuracy at distance < 0.7 goes from 0.967 to 0.972.
    """
    images = np.asarray(images)
    parts = []
    for start in range(0, len(images), batch):
        x = preprocess(images[start:start + batch])
        if mirror:                       # one call on (2m, ...) costs less than two on (m, ...)
            both = np.asarray(model(np.concatenate([x, x[:, :, ::-1]]), training=False),
                              dtype=np.float64)
            encoding = both[:len(x)] + both[len(x):]
            encoding /= np.maximum(np.linalg.norm(encoding, axis=1, keepdims=True), 1e-12)
        else:
            encoding = np.asarray(model(x, training=False), dtype=np.float64)
        parts.append(encoding)
    return np.concatenate(parts).astype(np.float32)


def img_to_encoding(image_path, model, mirror: bool = True) -> np.ndarray:
    """The encoding (1, 128) of the picture in ``image_path`` (read as RGB, resized to the
    model's input, scaled by :func:`preprocess`), as the original course's helper returns it;
    by default the average of the picture's and its mirror image's (:func:`encode_images`)."""
    image = read_image(image_path, model.input_shape[1:3])
    return encode_images(model, image[None], mirror=mirror)
