"""MobileNetV2 with its ImageNet weights for Week 2's transfer learning, when the learner has them.

The original course's assignment builds ``tf.keras.applications.MobileNetV2(include_top=False,
weights="imagenet")``, which downloads Keras' published ImageNet weights. This course never
downloads anything: a learner who has one of those files copies it by hand into
``data/mobilenet_v2/`` (or ``mobilenet_v2/`` in the folder ``CNN_COURSE_DATA`` names), under its
published name (:data:`FILE_PATTERN`)::

    mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{alpha}_{rows}_no_top.h5

with ``alpha`` (the width multiplier) one of 1.0, 0.75, 0.5, 0.35, 1.3, 1.4 and ``rows`` (the
picture size it was trained at) one of 96, 128, 160, 192, 224; the original course uses
``..._1.0_160_no_top.h5``. They are the files that
``keras.applications.MobileNetV2(include_top=False, weights="imagenet", alpha=..., input_shape=...)``
stores in ``~/.keras/models/`` on a machine with internet (Keras fetches them from
``https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/``). They are in
Keras 2's HDF5 layout, the only layout Keras 3 reads from a file whose name ends in ``.h5`` but not
in ``.weights.h5`` (a file written by Keras 3's ``model.save_weights`` does not load under such a
name; :func:`load_mobilenet_v2` says so when it meets one).

:func:`load_mobilenet_v2` gives the network without its classifier, ending in a global average
pooling: pictures (m, n_H, n_W, 3) with values in [-1, 1] (:func:`mobilenet_preprocess` maps
[0, 1] there) -> features (m, n_C), n_C = 1280 for alpha <= 1.0 (the last convolution is not
narrowed) and 1664 / 1792 for alpha 1.3 / 1.4. Without the file the notebook falls back to the
course's own SIGNS ResNet-50 (:mod:`utils.resnet_weights`).
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")    # TensorFlow's C++ logging goes to stderr

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
MOBILENET_FOLDER = "mobilenet_v2"
MOBILENET_DIR = Path(os.environ.get("CNN_COURSE_DATA", DATA_DIR)) / MOBILENET_FOLDER

ALPHAS = ("1.0", "0.75", "0.5", "0.35", "1.3", "1.4")   # as Keras writes them: f"{float(alpha)}"
ROWS = (96, 128, 160, 192, 224)
FILE_PATTERN = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{alpha}_{rows}_no_top.h5"
ORIGINAL_FILE_NAME = FILE_PATTERN.format(alpha="1.0", rows=160)   # what the original course uses
_NAME_RE = re.compile(r"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_"
                      r"(?P<alpha>\d+\.\d+)_(?P<rows>\d+)_no_top\.h5")

FALLBACK = ("the notebook falls back to the course's own SIGNS ResNet-50 "
            "(utils.resnet_weights, data/weights/resnet50_signs.npz)")


class MobileNetWeightsMissing(FileNotFoundError):
    """No MobileNetV2 ImageNet weight file where one was looked for; the message says where and
    which names count."""


class MobileNetWeightsError(RuntimeError):
    """A MobileNetV2 weight file is there but does not load; the message names it and Keras'
    error."""


# --------------------------------------------------------------------------- finding the file
def parse_weights_name(name) -> tuple[float, int] | None:
    """(alpha, rows) of a published no-top file name (a str or a path; only its last part
    counts), e.g. ``..._kernels_0.35_96_no_top.h5`` -> (0.35, 96); None for any other name
    (the files with the classifier, alphas or sizes Keras does not publish, other spellings)."""
    match = _NAME_RE.fullmatch(Path(str(name)).name)
    if not match or match["alpha"] not in ALPHAS or int(match["rows"]) not in ROWS:
        return None
    return float(match["alpha"]), int(match["rows"])


def mobilenet_dir(data_dir=None) -> Path:
    """The folder the weights are looked for in: ``<data_dir>/mobilenet_v2``; ``data_dir``
    defaults to ``CNN_COURSE_DATA`` if set, else the repository's ``data/``."""
    return Path(data_dir or os.environ.get("CNN_COURSE_DATA", DATA_DIR)) / MOBILENET_FOLDER


def _preference(path: Path) -> tuple[int, int, str]:
    alpha, rows = parse_weights_name(path.name)
    return ALPHAS.index(f"{alpha}"), rows, path.name


def find_mobilenet_weights(data_dir=None) -> Path | None:
    """The weight file to use from :func:`mobilenet_dir`, or None when it holds none.

    Only files named as Keras publishes them count (:func:`parse_weights_name`). With several,
    the order is fixed: by alpha in :data:`ALPHAS` order (1.0, the full network, first), then by
    size, smallest first (so 1.0 at 160, the original course's choice, comes before 1.0 at 224).
    """
    folder = mobilenet_dir(data_dir)
    if not folder.is_dir():
        return None
    found = [path for path in folder.iterdir()
             if path.is_file() and parse_weights_name(path.name) is not None]
    return min(found, key=_preference) if found else None


def missing_message(folder: Path) -> str:
    return (f"MobileNetV2's ImageNet weights are not in {folder}: put one of Keras' published "
            f"no-top weight files there, named {FILE_PATTERN} with alpha one of "
            f"{', '.join(ALPHAS)} and rows one of {', '.join(map(str, ROWS))} (the original "
            f"course uses {ORIGINAL_FILE_NAME}). They are the files "
            f"keras.applications.MobileNetV2(include_top=False, weights=\"imagenet\") stores in "
            f"~/.keras/models/ on a machine with internet; copy one over by hand (this course "
            f"never downloads). Set CNN_COURSE_DATA to use another data folder (its "
            f"{MOBILENET_FOLDER}/ subfolder). Without them {FALLBACK}.")


def _layout_hint(path: Path) -> str:
    """A sentence for a file that failed to load, when its HDF5 layout explains why."""
    try:
        import h5py

        with h5py.File(path, "r") as root:
            keras2 = "layer_names" in root.attrs or "model_weights" in root
            keras3 = "layers" in root or "vars" in root
    except Exception:
        return ""
    if keras3 and not keras2:
        return (" It is in Keras 3's `model.save_weights` layout, which Keras reads only from a "
                "file named *.weights.h5; under this name Keras expects the Keras 2 layout of "
                "the published file, so put the published file here.")
    return ""


# --------------------------------------------------------------------------- loading
def _check_input_shape(input_shape) -> tuple:
    shape = tuple(input_shape)
    if (len(shape) != 3 or shape[2] != 3
            or any(size is not None and (int(size) != size or size < 32) for size in shape[:2])):
        raise ValueError(f"input_shape must be (n_H, n_W, 3) with n_H, n_W at least 32 (or None), "
                         f"got {input_shape}")
    return shape


def load_mobilenet_v2(path=None, input_shape=None, data_dir=None, verbose: bool = True):
    """MobileNetV2 without its classifier, with Keras' published ImageNet weights.

    ``path``: the weight file; default :func:`find_mobilenet_weights` (``data_dir`` as there).
    Its name gives alpha (and the default ``input_shape``, (rows, rows, 3)); any
    ``input_shape`` (n_H, n_W, 3) with n_H, n_W >= 32 takes the same weights.

    Returns a ``keras.Model``: pictures (m, n_H, n_W, 3) in [-1, 1] (see
    :func:`mobilenet_preprocess`) -> features (m, 1280) (alpha <= 1.0; 1664 for 1.3, 1792 for
    1.4), the output of ``keras.applications.MobileNetV2(include_top=False, pooling="avg")``.
    Its layers are trainable; freeze them (``model.trainable = False``) to use it as a fixed
    feature extractor.

    Raises :class:`MobileNetWeightsMissing` (a ``FileNotFoundError``) when there is no file,
    :class:`MobileNetWeightsError` (a ``RuntimeError``) when the file does not load (its name
    is not a published one, it is for another alpha, it is corrupt or in another layout).
    """
    if path is None:
        path = find_mobilenet_weights(data_dir)
        if path is None:
            raise MobileNetWeightsMissing(missing_message(mobilenet_dir(data_dir)))
    path = Path(path)
    if not path.is_file():
        raise MobileNetWeightsMissing(f"no MobileNetV2 weight file at {path}. "
                                      f"{missing_message(path.parent)}")
    parsed = parse_weights_name(path.name)
    if parsed is None:
        raise MobileNetWeightsError(
            f"{path}: the name is not one of Keras' published MobileNetV2 no-top file names "
            f"({FILE_PATTERN}, alpha one of {', '.join(ALPHAS)}, rows one of "
            f"{', '.join(map(str, ROWS))}), so its alpha is unknown; keep the published name")
    alpha, rows = parsed
    shape = _check_input_shape(input_shape if input_shape is not None else (rows, rows, 3))

    import keras

    try:
        model = keras.applications.MobileNetV2(input_shape=shape, alpha=alpha, include_top=False,
                                               weights=str(path), pooling="avg")
    except Exception as error:
        raise MobileNetWeightsError(
            f"{path} exists but does not load as MobileNetV2 (alpha {alpha}) ImageNet weights: "
            f"{type(error).__name__}: {error}.{_layout_hint(path)} Replace it with the published "
            f"file, or remove it and {FALLBACK}.") from error
    if verbose:
        print(f"loaded MobileNetV2 (alpha {alpha}) ImageNet weights from {path}")
    return model


def mobilenet_preprocess(images) -> np.ndarray:
    """Pictures in [0, 1] -> [-1, 1], the scale MobileNetV2 was trained on.

    images: (m, n_H, n_W, 3) floats in [0, 1] (any shape works) -> float32 of the same shape,
    ``2 * images - 1``; what ``keras.applications.mobilenet_v2.preprocess_input`` does to
    pictures in [0, 255] (``x / 127.5 - 1``).
    """
    return np.asarray(images, dtype=np.float32) * np.float32(2.0) - np.float32(1.0)
