"""The original course's FaceNet encoder ("faceRecoModel", OpenFace nn4.small2) and its weights.

The original Week 4 assignment encoded faces with a pretrained Inception network: Victor Sy
Wang's Keras port (Keras-OpenFace) of OpenFace's Torch model ``nn4.small2.v1``, itself a smaller
variant of the network in Schroff et al., "FaceNet" (2015). The course cannot download it, so it
ships its own encoder (:mod:`utils.face_encoder`); this module lets users who have the original
weights use them instead.

Model (:func:`build_facenet`, 3,743,280 parameters of which 3,733,968 trainable; channels-last):
float32 (m, 96, 96, 3) RGB in [0, 1] -> (m, 128), every row of unit L2 norm. The same input as
:func:`utils.face_encoder.preprocess` makes, so ``face_encoder.img_to_encoding(path, model)``
works with either model. Layers (every convolution is followed by a batch normalisation and a
ReLU; "pad p" is a ``ZeroPadding2D`` before a "valid" convolution or pooling):

- stem: pad 3, ``conv1`` 7x7/2 (64), ``bn1``; pad 1, max-pool 3x3/2; ``conv2`` 1x1 (64),
  ``bn2``; pad 1, ``conv3`` 3x3 (192), ``bn3``; pad 1, max-pool 3x3/2: 96x96 -> 12x12x192;
- seven Inception blocks (:data:`INCEPTION_BLOCKS`); a block concatenates, on channels and in
  this order, the branches it has: ``3x3`` (1x1 reduction ``_conv1``/``_bn1``, pad 1, 3x3
  ``_conv2``/``_bn2``), ``5x5`` (the same with 5x5 and pad 2), ``pool`` (3x3 max- or
  average-pooling, an optional 1x1 ``_conv``/``_bn``, then zero padding back to the block's
  output size) and ``1x1`` (``_conv``/``_bn``). Sizes: 3a 12x12x256, 3b 12x12x320, 3c 6x6x640,
  4a 6x6x640, 4e 3x3x1024, 5a 3x3x736, 5b 3x3x736;
- average-pool 3x3/1 -> 1x1x736, ``Flatten``, ``dense_layer`` (128), L2 normalisation.

This is the original course's ``faceRecoModel`` (its ``inception_blocks_v2.py``), which differs
from OpenFace's Torch network in three places, as the course did: no local response
normalisation after ``conv1``/``conv3``; average pooling where OpenFace uses L2 pooling (3b, 4a,
5a); and ``bn1`` with Keras' default epsilon 1e-3 (every other batch normalisation uses Torch's
1e-5). :data:`BN1_EPSILON` holds that value.

Weight layout (Keras-OpenFace's ``weights/`` folder, written by its ``exportWeight.lua``; the
original course shipped the same folder): one CSV file per array, named ``<layer>_<suffix>.csv``,
the numbers separated by commas (one line, or several; line breaks count as separators),
in Torch's order, flattened in C (row-major) order:

- convolution ``<conv>_w``: (out, in, h, w), stored by Keras as (h, w, in, out), i.e.
  ``keras[h, w, i, o] = torch[o, i, h, w]`` (``transpose(2, 3, 1, 0)``); ``<conv>_b``: (out,);
- batch normalisation ``<bn>_w`` (gamma), ``_b`` (beta), ``_m`` (running mean), ``_v`` (running
  variance): (channels,) each, Keras' order gamma, beta, moving mean, moving variance;
- the dense layer ``dense_w``: (128, 736) = (out, in), stored by Keras as (736, 128);
  ``dense_b``: (128,). ``dense_layer_w.csv``/``dense_layer_b.csv`` are accepted as well.

Batch normalisation names follow their convolution's: ``conv1`` -> ``bn1``,
``inception_3a_3x3_conv2`` -> ``inception_3a_3x3_bn2``. :data:`FACENET_WEIGHT_SHAPES` lists all
224 files (stem -> shape in the file's order); other files in the folder are ignored
(Keras-OpenFace's folder has two stray ones).

Where to put them (:func:`find_original_facenet`): the CSV files in ``data/facenet_weights/``
(or, as the original course's ``weights/`` folder, in ``data/weights/``), or a Keras HDF5 weights
file for this architecture, ``data/facenet_weights/*.h5``: a Keras 2 ``.h5`` (from
``save_weights`` or ``save``; matched by layer name) or a Keras 3 ``.weights.h5`` saved from
:func:`build_facenet` (matched by layer order). ``CNN_COURSE_DATA=/some/dir`` looks there instead
of ``data/``. :func:`load_original_facenet` returns the loaded model, or None without the files.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import NamedTuple

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
from keras import layers  # noqa: E402

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
FOLDERS = ("facenet_weights", "weights")       # under data/: where the CSV files may be
H5_FOLDER = "facenet_weights"                   # under data/: where an .h5 file may be
INPUT_SHAPE = (96, 96, 3)
EMBEDDING = 128
STEM_CHANNELS = 3
BN_EPSILON = 1e-5        # Torch's default, as Keras-OpenFace and the course used
BN1_EPSILON = 1e-3       # the course's bn1 kept Keras' default
DENSE_ALIASES = {"dense_w": "dense_layer_w", "dense_b": "dense_layer_b"}
BN_SUFFIXES = ("w", "b", "m", "v")               # gamma, beta, running mean, running variance


class FaceNetWeightsError(RuntimeError):
    """A FaceNet weight file is missing, unreadable or of the wrong size; the message names it."""


# --------------------------------------------------------------------------- architecture spec
class Reduce(NamedTuple):
    """A 1x1 reduction then a k x k convolution: ``reduce`` and ``filters`` channels."""
    reduce: int
    filters: int
    stride: int


class Pool(NamedTuple):
    """3x3 pooling (``"max"`` or ``"avg"``) with ``stride``, an optional 1x1 convolution
    (``filters``, None for none), then ``ZeroPadding2D(padding)``."""
    kind: str
    stride: int
    filters: int | None
    padding: object


class Inception(NamedTuple):
    """One Inception block; a branch set to None is absent."""
    name: str
    b3x3: Reduce | None
    b5x5: Reduce | None
    pool: Pool
    b1x1: int | None


INCEPTION_BLOCKS = (
    Inception("inception_3a", Reduce(96, 128, 1), Reduce(16, 32, 1),
              Pool("max", 2, 32, ((3, 4), (3, 4))), 64),
    Inception("inception_3b", Reduce(96, 128, 1), Reduce(32, 64, 1), Pool("avg", 3, 64, 4), 64),
    Inception("inception_3c", Reduce(128, 256, 2), Reduce(32, 64, 2),
              Pool("max", 2, None, ((0, 1), (0, 1))), None),
    Inception("inception_4a", Reduce(96, 192, 1), Reduce(32, 64, 1), Pool("avg", 3, 128, 2), 256),
    Inception("inception_4e", Reduce(160, 256, 2), Reduce(64, 128, 2),
              Pool("max", 2, None, ((0, 1), (0, 1))), None),
    Inception("inception_5a", Reduce(96, 384, 1), None, Pool("avg", 3, 96, 1), 256),
    Inception("inception_5b", Reduce(96, 384, 1), None, Pool("max", 2, 96, 1), 256),
)
STEM = (("conv1", 64, 7), ("conv2", 64, 1), ("conv3", 192, 3))   # (name, filters, kernel)


def bn_name(conv: str) -> str:
    """The batch normalisation that follows a convolution: conv1 -> bn1, x_conv2 -> x_bn2."""
    return conv.replace("conv", "bn")


def _block_convs(block: Inception, channels: int) -> tuple[list[tuple[str, tuple]], int]:
    """([(conv name, Torch shape (out, in, h, w))], output channels) of one block."""
    convs, out = [], 0
    for branch, size in (("3x3", 3), ("5x5", 5)):
        spec = getattr(block, f"b{branch}")
        if spec is not None:
            convs.append((f"{block.name}_{branch}_conv1", (spec.reduce, channels, 1, 1)))
            convs.append((f"{block.name}_{branch}_conv2", (spec.filters, spec.reduce, size, size)))
            out += spec.filters
    if block.pool.filters is None:
        out += channels
    else:
        convs.append((f"{block.name}_pool_conv", (block.pool.filters, channels, 1, 1)))
        out += block.pool.filters
    if block.b1x1 is not None:
        convs.append((f"{block.name}_1x1_conv", (block.b1x1, channels, 1, 1)))
        out += block.b1x1
    return convs, out


def conv_shapes() -> dict[str, tuple[int, int, int, int]]:
    """Every convolution, in model order: name -> Torch kernel shape (out, in, h, w)."""
    shapes, channels = {}, STEM_CHANNELS
    for name, filters, kernel in STEM:
        shapes[name] = (filters, channels, kernel, kernel)
        channels = filters
    for block in INCEPTION_BLOCKS:
        convs, channels = _block_convs(block, channels)
        shapes.update(convs)
    return shapes


def final_channels() -> int:
    """Channels of the last block (736), the dense layer's input size."""
    channels = STEM[-1][1]
    for block in INCEPTION_BLOCKS:
        channels = _block_convs(block, channels)[1]
    return channels


def facenet_weight_shapes() -> dict[str, tuple[int, ...]]:
    """Every CSV file the loader reads: stem (file name without ``.csv``) -> shape in the file's
    (Torch) order. Convolution ``_w`` (out, in, h, w), ``_b`` (out,); batch normalisation
    ``_w/_b/_m/_v`` (channels,); ``dense_w`` (128, 736), ``dense_b`` (128,)."""
    shapes: dict[str, tuple[int, ...]] = {}
    for conv, shape in conv_shapes().items():
        shapes[f"{conv}_w"] = shape
        shapes[f"{conv}_b"] = (shape[0],)
        for suffix in BN_SUFFIXES:
            shapes[f"{bn_name(conv)}_{suffix}"] = (shape[0],)
    shapes["dense_w"] = (EMBEDDING, final_channels())
    shapes["dense_b"] = (EMBEDDING,)
    return shapes


FACENET_WEIGHT_SHAPES = facenet_weight_shapes()


# --------------------------------------------------------------------------- the Keras model
def _conv_bn(x, conv: str, filters: int, kernel: int, stride: int = 1, padding=0,
             epsilon: float = BN_EPSILON):
    """[ZeroPadding2D(padding)] -> Conv2D ``conv`` (valid) -> BatchNormalization -> ReLU."""
    if padding:
        x = layers.ZeroPadding2D(padding, name=f"{conv}_pad")(x)
    x = layers.Conv2D(filters, kernel, strides=stride, name=conv)(x)
    x = layers.BatchNormalization(axis=-1, epsilon=epsilon, name=bn_name(conv))(x)
    return layers.ReLU(name=conv.replace("conv", "relu"))(x)


def _reduce_branch(x, prefix: str, spec: Reduce, size: int):
    """1x1 reduction then a ``size`` x ``size`` convolution (padded by size // 2):
    (m, H, W, C) -> (m, H', W', spec.filters), H' = (H - 1) // stride + 1."""
    x = _conv_bn(x, f"{prefix}_conv1", spec.reduce, 1)
    return _conv_bn(x, f"{prefix}_conv2", spec.filters, size, spec.stride, padding=size // 2)


def _pool_branch(x, prefix: str, spec: Pool):
    """3x3 pooling, optional 1x1 convolution, zero padding to the block's output size."""
    pool = layers.MaxPooling2D if spec.kind == "max" else layers.AveragePooling2D
    x = pool(pool_size=3, strides=spec.stride, name=f"{prefix}_{spec.kind}pool")(x)
    if spec.filters is not None:
        x = _conv_bn(x, f"{prefix}_conv", spec.filters, 1)
    return layers.ZeroPadding2D(spec.padding, name=f"{prefix}_pad")(x)


def _inception(x, block: Inception):
    """One Inception block: (m, H, W, C) -> concatenation of its branches on channels."""
    branches = []
    if block.b3x3 is not None:
        branches.append(_reduce_branch(x, f"{block.name}_3x3", block.b3x3, 3))
    if block.b5x5 is not None:
        branches.append(_reduce_branch(x, f"{block.name}_5x5", block.b5x5, 5))
    branches.append(_pool_branch(x, f"{block.name}_pool", block.pool))
    if block.b1x1 is not None:
        branches.append(_conv_bn(x, f"{block.name}_1x1_conv", block.b1x1, 1))
    return layers.Concatenate(axis=-1, name=block.name)(branches)


def build_facenet(input_shape=INPUT_SHAPE) -> keras.Model:
    """The faceRecoModel Inception network, freshly initialised (see the module docstring).

    input_shape: (96, 96, 3), the only size its fixed paddings fit.
    Returns a model float32 (m, 96, 96, 3) RGB in [0, 1] -> (m, 128), rows of unit L2 norm,
    whose weighted layers carry the names of :data:`FACENET_WEIGHT_SHAPES`' files.
    """
    if tuple(input_shape) != INPUT_SHAPE:
        raise ValueError(f"FaceNet (nn4.small2) takes {INPUT_SHAPE} images, got {input_shape}")
    inputs = keras.Input(INPUT_SHAPE, name="image")
    x = _conv_bn(inputs, "conv1", 64, 7, stride=2, padding=3, epsilon=BN1_EPSILON)
    x = layers.ZeroPadding2D(1, name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    x = _conv_bn(x, "conv2", 64, 1)
    x = _conv_bn(x, "conv3", 192, 3, padding=1)
    x = layers.ZeroPadding2D(1, name="pool3_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool3")(x)
    for block in INCEPTION_BLOCKS:
        x = _inception(x, block)
    x = layers.AveragePooling2D(3, strides=1, name="avgpool")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(EMBEDDING, name="dense_layer", dtype="float32")(x)
    outputs = layers.UnitNormalization(axis=-1, name="l2_normalize", dtype="float32")(x)
    return keras.Model(inputs, outputs, name="FaceRecoModel")


# --------------------------------------------------------------------------- reading CSV files
def _parse_numbers(text: str) -> np.ndarray | None:
    """Numbers separated by commas and/or whitespace (line breaks included) -> float64 (n,), or
    None if some token is not a number. Runs of separators are first collapsed to one comma:
    ``np.fromstring`` alone reads an empty or blank field as -1."""
    try:
        return np.fromstring(re.sub(r"[\s,]+", ",", text).strip(","), dtype=np.float64, sep=",")
    except ValueError:
        return None


def read_csv_values(path: Path, shape: tuple[int, ...]) -> np.ndarray:
    """The numbers of one CSV file as float32 ``shape`` (C order), checking their count.

    Raises FaceNetWeightsError naming the file when it is missing, holds something that is not
    a number, or holds another number of values than ``prod(shape)``.
    """
    expected = int(np.prod(shape))
    if not path.is_file():
        raise FaceNetWeightsError(f"{path.name} is missing from {path.parent} (expected "
                                  f"{expected} values, shape {shape})")
    values = _parse_numbers(path.read_text())
    if values is None:
        raise FaceNetWeightsError(f"{path.name}: not a list of numbers separated by commas")
    if values.size != expected:
        raise FaceNetWeightsError(f"{path.name}: expected {expected} values (shape {shape}) but "
                                  f"found {values.size}")
    return values.astype(np.float32).reshape(shape)


def _csv_path(folder: Path, stem: str) -> Path:
    """``folder/stem.csv``, or the dense layer's alternative name when only that exists."""
    path = folder / f"{stem}.csv"
    alias = DENSE_ALIASES.get(stem)
    if not path.is_file() and alias and (folder / f"{alias}.csv").is_file():
        return folder / f"{alias}.csv"
    return path


def read_facenet_csvs(folder) -> dict[str, np.ndarray]:
    """Every array of :data:`FACENET_WEIGHT_SHAPES` from ``folder``: stem -> Torch-order array."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FaceNetWeightsError(f"no FaceNet weights folder at {folder}")
    missing = [stem for stem in FACENET_WEIGHT_SHAPES if not _csv_path(folder, stem).is_file()]
    if missing:
        shape = FACENET_WEIGHT_SHAPES[missing[0]]
        raise FaceNetWeightsError(
            f"{missing[0]}.csv is missing from {folder} (expected {int(np.prod(shape))} values, "
            f"shape {shape}); {len(missing)} of the {len(FACENET_WEIGHT_SHAPES)} files are "
            f"missing: {', '.join(m + '.csv' for m in missing[:5])}"
            f"{', ...' if len(missing) > 5 else ''}")
    return {stem: read_csv_values(_csv_path(folder, stem), shape)
            for stem, shape in FACENET_WEIGHT_SHAPES.items()}


def keras_layer_weights(arrays: dict[str, np.ndarray]) -> dict[str, list[np.ndarray]]:
    """Torch-order arrays -> {layer name: weights in Keras' order and layout}.

    Conv2D: [kernel (h, w, in, out) = w.transpose(2, 3, 1, 0), bias (out,)];
    BatchNormalization: [gamma, beta, moving mean, moving variance];
    Dense ``dense_layer``: [kernel (736, 128) = dense_w.T, bias (128,)].
    """
    weights = {}
    for conv in conv_shapes():
        weights[conv] = [arrays[f"{conv}_w"].transpose(2, 3, 1, 0), arrays[f"{conv}_b"]]
        bn = bn_name(conv)
        weights[bn] = [arrays[f"{bn}_{suffix}"] for suffix in BN_SUFFIXES]
    weights["dense_layer"] = [arrays["dense_w"].T, arrays["dense_b"]]
    return weights


def _set_layer_weights(model: keras.Model, weights: dict[str, list[np.ndarray]]) -> None:
    """Check every layer's shapes first, then assign (a mismatch leaves the model untouched)."""
    for name, values in weights.items():
        try:
            layer = model.get_layer(name)
        except ValueError:
            raise FaceNetWeightsError(f"the model has no layer {name!r}; build it with "
                                      f"build_facenet()") from None
        have = [tuple(w.shape) for w in layer.get_weights()]
        want = [tuple(v.shape) for v in values]
        if have != want:
            raise FaceNetWeightsError(f"layer {name!r} holds weights of shapes {have}, the files "
                                      f"give {want}; build the model with build_facenet()")
    for name, values in weights.items():
        model.get_layer(name).set_weights(values)


# --------------------------------------------------------------------------- HDF5 files
def keras_layer_weights_names() -> list[str]:
    """Names of the model's weighted layers: every convolution, its batch normalisation, and
    ``dense_layer`` (73 layers)."""
    return [name for conv in conv_shapes() for name in (conv, bn_name(conv))] + ["dense_layer"]


def _h5_layer_names(path: Path) -> set[str]:
    """Layer names stored in a Keras 2 (legacy) HDF5 weights or model file."""
    import h5py

    with h5py.File(path, "r") as f:
        group = f["model_weights"] if "layer_names" not in f.attrs and "model_weights" in f else f
        names = group.attrs.get("layer_names", [])
        return {n.decode("utf8") if isinstance(n, bytes) else str(n) for n in names}


def load_facenet_h5(model: keras.Model, path) -> keras.Model:
    """Load a Keras HDF5 file: a Keras 3 ``.weights.h5`` saved from :func:`build_facenet` (by
    layer order), or a Keras 2 ``.h5`` weights/model file (by layer name; every weighted layer
    of :data:`FACENET_WEIGHT_SHAPES` must be in it)."""
    path = Path(path)
    if not path.is_file():
        raise FaceNetWeightsError(f"no FaceNet weights file at {path}")
    try:
        if path.name.endswith(".weights.h5"):
            model.load_weights(path)
            return model
        needed = set(keras_layer_weights_names())
        missing = sorted(needed - _h5_layer_names(path))
        if missing:
            raise FaceNetWeightsError(f"{path.name} lacks {len(missing)} of the model's "
                                      f"{len(needed)} weighted layers, e.g. {missing[:3]}")
        model.load_weights(path, by_name=True)
    except (ValueError, OSError, KeyError) as error:
        raise FaceNetWeightsError(f"{path.name} does not fit the FaceNet model: {error}") from None
    return model


# --------------------------------------------------------------------------- public loaders
def load_facenet_weights(model: keras.Model, folder) -> keras.Model:
    """Load Keras-OpenFace weights into ``model`` (built by :func:`build_facenet`) and return it.

    folder: the folder of CSV files (:data:`FACENET_WEIGHT_SHAPES`), or an ``.h5`` file
    (:func:`load_facenet_h5`). Every file is read and checked before any weight is set.
    Raises FaceNetWeightsError naming the missing or mis-sized file.
    """
    source = Path(folder)
    if source.suffix == ".h5":
        return load_facenet_h5(model, source)
    _set_layer_weights(model, keras_layer_weights(read_facenet_csvs(source)))
    return model


def _data_dir(data_dir) -> Path:
    return Path(data_dir or os.environ.get("CNN_COURSE_DATA", DATA_DIR))


def find_original_facenet(data_dir=None) -> Path | None:
    """Where the original FaceNet weights are, or None.

    Looks in ``data_dir`` (default: data/, or ``CNN_COURSE_DATA``) for a folder holding
    ``conv1_w.csv`` (``facenet_weights/``, then ``weights/``) and returns that folder; else for
    ``facenet_weights/*.h5`` (the first by name) and returns that file.
    """
    directory = _data_dir(data_dir)
    for name in FOLDERS:
        if (directory / name / "conv1_w.csv").is_file():
            return directory / name
    h5_files = sorted((directory / H5_FOLDER).glob("*.h5"))
    return h5_files[0] if h5_files else None


def load_original_facenet(data_dir=None, verbose: bool = True) -> keras.Model | None:
    """The original course's FaceNet with its pretrained weights, or None when they are absent.

    Returns a model (m, 96, 96, 3) RGB in [0, 1] -> (m, 128), unit norm. Raises
    FaceNetWeightsError when the files are there but incomplete or of the wrong size.
    """
    source = find_original_facenet(data_dir)
    if source is None:
        return None
    model = load_facenet_weights(build_facenet(), source)
    if verbose:
        print(f"loaded the original FaceNet (nn4.small2) from {source}: "
              f"{model.count_params():,} parameters, {EMBEDDING}-d encodings")
    return model
