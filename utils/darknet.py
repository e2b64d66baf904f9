"""Build a Keras model from a Darknet YOLOv2 ``.cfg`` and load its ``.weights`` file.

For users who have the original YOLOv2 files (``yolo.cfg``/``yolo.weights`` or
``yolov2.cfg``/``yolov2.weights`` from pjreddie.com, 608x608 input, 80 COCO classes); the course
itself never downloads them. :func:`find_original_yolo` tells the notebook whether they are
there; :func:`load_darknet` returns ``(model, anchors, class_count)``.

Supported sections (what YOLOv2 and YOLOv2-tiny use):

- ``[net]``: ``height``, ``width``, ``channels`` (default 3); the model's input is
  (m, height, width, channels), RGB in [0, 1] (``utils.yolo.preprocess_image``).
- ``[convolutional]``: ``filters``, ``size``, ``stride`` (1), ``pad`` (0) or ``padding``,
  ``batch_normalize`` (0), ``activation`` (Darknet's default ``logistic``; ``leaky`` has slope
  0.1, ``linear``, ``relu``). Padding: Darknet pads ``size // 2`` pixels on every side when
  ``pad=1`` and computes ``out = (in + 2 * padding - size) // stride + 1``. For stride 1 and an
  odd size that is Keras ``"same"``; otherwise the model uses ``ZeroPadding2D(padding)`` and
  ``"valid"``, which is exactly Darknet's arithmetic. (YAD2K pads ((1, 0), (1, 0)) before a
  3x3 stride-2 convolution; on an even input that reads the same pixels, because Darknet's
  bottom/right padding row is never reached, and on an odd input Darknet gives one more output,
  which the symmetric padding reproduces.)
- ``[maxpool]``: ``size``, ``stride``, ``padding`` (default ``size - 1``). Darknet's windows
  start ``padding // 2`` pixels before the input and ``out = (in + padding - size) // stride + 1``;
  pixels outside the input are ignored. That is Keras ``"same"`` pooling for YOLOv2's
  size 2 / stride 2 and for tiny-YOLO's size 2 / stride 1 (the model checks which Keras padding
  matches and refuses a combination neither matches).
- ``[route]``: ``layers`` (one index: that layer's output; several: concatenated on channels in
  the order given); negative indices count back from the route itself.
- ``[reorg]``: ``stride`` (see :class:`DarknetReorg` for the element order) and ``[reorg3d]``.
- ``[region]``: ``anchors``, ``classes``, ``num``, ``coords`` (4); an identity in the model
  (decoding is :func:`utils.yolo.yolo_head`), it gives the anchors and the class count.

Weights file: a header of int32 ``major, minor, revision``, then ``seen``, the number of training
images, as int64 when ``major * 10 + minor >= 2`` (and both are below 1000, as Darknet checks),
else as int32; then float32 values, for each ``[convolutional]`` in cfg order: the biases
(batch normalisation's beta when ``batch_normalize=1``), then, with batch normalisation, the
scales (gamma), rolling means and rolling variances; then the kernel, (filters, channels, size,
size), which Keras stores as (size, size, channels, filters).

Batch normalisation: Darknet divides by ``sqrt(variance) + 1e-6``; Keras divides by
``sqrt(variance + epsilon)``. The model uses ``epsilon = 1e-6`` and the file's variances as they
are, so the two differ by a relative 1e-6 / (2 * sqrt(variance)) at most, e.g. 5e-6 for a
variance of 0.01; the stored weights stay exactly the file's.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
from keras import layers, ops  # noqa: E402

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
ORIGINAL_FILES = (("yolo.cfg", "yolo.weights"), ("yolov2.cfg", "yolov2.weights"))
LEAKY_SLOPE = 0.1
BN_EPSILON = 1e-6
REORG_MODES = ("darknet", "space_to_depth")


# --------------------------------------------------------------------------- finding the files
def find_original_yolo(data_dir=None) -> tuple[Path, Path] | None:
    """``(cfg, weights)`` paths of the original YOLOv2 if both files are there, else None.

    Looks for ``yolo.cfg`` + ``yolo.weights``, then ``yolov2.cfg`` + ``yolov2.weights``, in
    ``data_dir`` (default: data/, or ``CNN_COURSE_DATA``) and in its ``model_data/`` folder (the
    original assignment's).
    """
    directory = Path(data_dir or os.environ.get("CNN_COURSE_DATA", DATA_DIR))
    for folder in (directory, directory / "model_data"):
        for cfg_name, weights_name in ORIGINAL_FILES:
            cfg, weights = folder / cfg_name, folder / weights_name
            if cfg.is_file() and weights.is_file():
                return cfg, weights
    return None


# --------------------------------------------------------------------------- the cfg file
def parse_cfg(path) -> list[tuple[str, dict[str, str]]]:
    """The sections of a Darknet cfg in order: ``[(name, {option: value})]``, names without
    brackets (``"convolutional"``). Comments start with ``#`` or ``;``."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Darknet cfg file not found: {path}")
    sections: list[tuple[str, dict[str, str]]] = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.split("#", 1)[0].split(";", 1)[0].strip()
        if not line:
            continue
        if line.startswith("["):
            if not line.endswith("]"):
                raise ValueError(f"{path}, line {number}: a section header must end with ']': "
                                 f"{raw!r}")
            sections.append((line[1:-1].strip().lower(), {}))
        elif "=" in line and sections:
            key, value = line.split("=", 1)
            sections[-1][1][key.strip()] = value.strip()
        else:
            raise ValueError(f"{path}, line {number}: expected '[section]' or 'key=value', got "
                             f"{raw!r}")
    if not sections or sections[0][0] not in ("net", "network"):
        raise ValueError(f"{path} is not a Darknet network cfg: it must start with [net]")
    return sections


def _int(options: dict, key: str, default=None, where: str = "") -> int:
    if key not in options:
        if default is None:
            raise ValueError(f"{where} needs '{key}='")
        return default
    try:
        return int(options[key])
    except ValueError:
        raise ValueError(f"{where}: '{key}={options[key]}' is not an integer") from None


def _floats(text: str) -> list[float]:
    return [float(token) for token in text.replace(",", " ").split()]


# --------------------------------------------------------------------------- the weights file
@dataclass
class WeightsHeader:
    """The header of a Darknet ``.weights`` file."""
    major: int
    minor: int
    revision: int
    seen: int          # images seen in training
    size: int          # bytes: 20 with an int64 ``seen``, else 16


def read_weights_header(path) -> WeightsHeader:
    """Read the header of a Darknet weights file (see the module docstring)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Darknet weights file not found: {path}")
    with open(path, "rb") as handle:
        start = handle.read(20)
    if len(start) < 16:
        raise ValueError(f"{path} is too short ({len(start)} bytes) to be a Darknet weights file")
    major, minor, revision = (int(v) for v in np.frombuffer(start[:12], dtype="<i4"))
    if major * 10 + minor >= 2 and major < 1000 and minor < 1000:
        if len(start) < 20:
            raise ValueError(f"{path} is too short ({len(start)} bytes) for a version "
                             f"{major}.{minor} header of 20 bytes")
        seen, size = int(np.frombuffer(start[12:20], dtype="<i8")[0]), 20
    else:
        seen, size = int(np.frombuffer(start[12:16], dtype="<i4")[0]), 16
    return WeightsHeader(major, minor, revision, seen, size)


def read_darknet_weights(path) -> tuple[WeightsHeader, np.ndarray]:
    """(header, every float32 value after the header as a flat array)."""
    header = read_weights_header(path)
    body = Path(path).stat().st_size - header.size
    if body % 4:
        raise ValueError(f"{path}: the {body} bytes after the {header.size}-byte header are not a "
                         "whole number of float32 values; the file is damaged or not Darknet's")
    return header, np.fromfile(path, dtype="<f4", offset=header.size)


# --------------------------------------------------------------------------- reorg
@keras.saving.register_keras_serializable(package="darknet")
class DarknetReorg(keras.layers.Layer):
    """YOLOv2's ``[reorg]``: (m, H, W, C) -> (m, H/s, W/s, s*s*C), for stride s.

    ``mode="space_to_depth"`` (``tf.nn.space_to_depth``, what YAD2K used, and Darknet's later
    ``[reorg3d]``): output channel ``(dy * s + dx) * C + c`` of cell (i, j) is input channel c at
    pixel (i*s + dy, j*s + dx).

    ``mode="darknet"`` (default; what ``[reorg]`` computes in pjreddie's Darknet, and what the
    original YOLOv2 weights were trained with): Darknet works on one image's C x H x W buffer
    (channel-major). Its reorg reads that buffer as a (C/s², s*H, s*W) array X, writes
    ``Y[(dy*s + dx) * C/s² + c, j, i] = X[c, j*s + dy, i*s + dx]`` into a (C, H, W) array, and
    the next layer reads Y's buffer as (s*s*C, H/s, W/s). This is not a space-to-depth of the
    feature map (rows of different channels get mixed), but the following convolution was
    trained on exactly this order; with ``space_to_depth`` the original weights give slightly
    different detections (as YAD2K's did).
    """

    def __init__(self, stride: int = 2, mode: str = "darknet", **kwargs):
        super().__init__(**kwargs)
        if mode not in REORG_MODES:
            raise ValueError(f"reorg mode must be one of {REORG_MODES}, got {mode!r}")
        self.stride = int(stride)
        self.mode = mode

    def call(self, x):
        s = self.stride
        h, w, c = x.shape[1], x.shape[2], x.shape[3]
        if self.mode == "space_to_depth":
            x = ops.reshape(x, (-1, h // s, s, w // s, s, c))
            x = ops.transpose(x, (0, 1, 3, 2, 4, 5))              # (m, i, j, dy, dx, c)
            return ops.reshape(x, (-1, h // s, w // s, s * s * c))
        x = ops.transpose(x, (0, 3, 1, 2))                        # Darknet's (m, C, H, W)
        x = ops.reshape(x, (-1, c // (s * s), h, s, w, s))        # X[c2, j*s + dy, i*s + dx]
        x = ops.transpose(x, (0, 3, 5, 1, 2, 4))                  # (m, dy, dx, c2, j, i) = Y
        x = ops.reshape(x, (-1, s * s * c, h // s, w // s))  # Y's buffer as the next layer reads it
        return ops.transpose(x, (0, 2, 3, 1))

    def compute_output_shape(self, input_shape):
        m, h, w, c = input_shape
        s = self.stride
        return (m, None if h is None else h // s, None if w is None else w // s, c * s * s)

    def get_config(self):
        return {**super().get_config(), "stride": self.stride, "mode": self.mode}


# --------------------------------------------------------------------------- building the model
@dataclass
class ConvUnit:
    """One ``[convolutional]`` section's Keras layers, in weight-file order."""
    index: int                      # Darknet layer index (0 = the first section after [net])
    conv: keras.layers.Conv2D
    batch_norm: keras.layers.BatchNormalization | None
    in_channels: int

    @property
    def filters(self) -> int:
        return self.conv.filters

    @property
    def size(self) -> int:
        return self.conv.kernel_size[0]

    def weight_count(self) -> int:
        """float32 values this layer takes from the weights file."""
        per_filter = 4 if self.batch_norm is not None else 1
        return self.filters * (per_filter + self.in_channels * self.size * self.size)


@dataclass
class DarknetNetwork:
    """What :func:`build_darknet_model` makes from a cfg (weights not loaded)."""
    model: keras.Model
    convs: list[ConvUnit] = field(default_factory=list)
    anchors: np.ndarray | None = None      # (A, 2) in grid cells, from [region]
    classes: int | None = None

    def weight_count(self) -> int:
        return sum(unit.weight_count() for unit in self.convs)


def _activation(x, name: str, index: int, where: str):
    if name == "linear":
        return x
    if name == "leaky":
        return layers.LeakyReLU(negative_slope=LEAKY_SLOPE, name=f"leaky_{index}")(x)
    if name == "relu":
        return layers.ReLU(name=f"relu_{index}")(x)
    if name == "logistic":
        return layers.Activation("sigmoid", name=f"logistic_{index}")(x)
    raise ValueError(f"{where}: activation '{name}' is not supported (leaky, linear, relu, "
                     "logistic)")


def _convolutional(x, options: dict, index: int, where: str):
    filters = _int(options, "filters", where=where)
    size = _int(options, "size", 1, where)
    stride = _int(options, "stride", 1, where)
    padding = size // 2 if _int(options, "pad", 0, where) else _int(options, "padding", 0, where)
    batch_normalize = bool(_int(options, "batch_normalize", 0, where))
    if _int(options, "groups", 1, where) != 1 or _int(options, "dilation", 1, where) != 1:
        raise ValueError(f"{where}: grouped or dilated convolutions are not supported")
    in_channels = int(x.shape[-1])
    if stride == 1 and 2 * padding == size - 1:
        keras_padding = "same"
    else:
        if padding:
            x = layers.ZeroPadding2D(padding, name=f"pad_{index}")(x)
        keras_padding = "valid"
    conv = layers.Conv2D(filters, size, strides=stride, padding=keras_padding,
                         use_bias=not batch_normalize, name=f"conv_{index}")
    x = conv(x)
    batch_norm = None
    if batch_normalize:
        batch_norm = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"bn_{index}")
        x = batch_norm(x)
    x = _activation(x, options.get("activation", "logistic"), index, where)
    return x, ConvUnit(index, conv, batch_norm, in_channels)


def _darknet_pool_geometry(length: int, size: int, stride: int, padding: int) -> tuple[int, int]:
    """(outputs, offset of the first window) of Darknet's max-pool along one axis."""
    return (length + padding - size) // stride + 1, padding // 2


def _keras_pool_geometry(length: int, size: int, stride: int, mode: str) -> tuple[int, int]:
    """(outputs, offset of the first window) of Keras' max-pool along one axis."""
    if mode == "valid":
        return (length - size) // stride + 1, 0
    outputs = -(-length // stride)
    return outputs, max((outputs - 1) * stride + size - length, 0) // 2


def _maxpool(x, options: dict, index: int, where: str):
    stride = _int(options, "stride", 1, where)
    size = _int(options, "size", stride, where)
    padding = _int(options, "padding", size - 1, where)
    height, width = int(x.shape[1]), int(x.shape[2])
    wanted = [_darknet_pool_geometry(n, size, stride, padding) for n in (height, width)]
    for mode in ("same", "valid"):
        if [_keras_pool_geometry(n, size, stride, mode) for n in (height, width)] == wanted:
            return layers.MaxPooling2D(size, strides=stride, padding=mode,
                                       name=f"maxpool_{index}")(x)
    raise ValueError(f"{where}: Darknet's max-pool (size={size}, stride={stride}, "
                     f"padding={padding}) on a {height}x{width} input matches neither Keras "
                     "'same' nor 'valid' pooling; this loader does not support it")


def _route(outputs: list, options: dict, index: int, where: str):
    if "layers" not in options:
        raise ValueError(f"{where} needs 'layers='")
    if _int(options, "groups", 1, where) != 1:
        raise ValueError(f"{where}: 'groups' in [route] is not supported")
    sources = []
    for token in options["layers"].replace(",", " ").split():
        offset = int(token)
        source = index + offset if offset < 0 else offset
        if not 0 <= source < index:
            raise ValueError(f"{where}: layers={options['layers']} points at layer {source}, "
                             f"outside the {index} layers before it")
        sources.append(source)
    tensors = [outputs[source] for source in sources]
    if len(tensors) == 1:
        return tensors[0]
    shapes = {tuple(t.shape[1:3]) for t in tensors}
    if len(shapes) != 1:
        raise ValueError(f"{where}: layers {sources} have different grid sizes {sorted(shapes)} "
                         "and cannot be concatenated")
    return layers.Concatenate(axis=-1, name=f"route_{index}")(tensors)


def _reorg(x, options: dict, index: int, where: str, mode: str):
    stride = _int(options, "stride", 1, where)
    for flag in ("reverse", "flatten", "extra"):
        if _int(options, flag, 0, where):
            raise ValueError(f"{where}: '{flag}' in [reorg] is not supported")
    height, width, channels = (int(n) for n in x.shape[1:])
    if height % stride or width % stride or channels % (stride * stride):
        raise ValueError(f"{where}: a {height}x{width}x{channels} input cannot be reorganised "
                         f"with stride {stride}")
    return DarknetReorg(stride, mode, name=f"reorg_{index}")(x)


def _region(options: dict, where: str) -> tuple[np.ndarray, int, int]:
    """(anchors (A, 2), classes, values per anchor) of a [region] section."""
    classes = _int(options, "classes", where=where)
    num = _int(options, "num", 1, where)
    coords = _int(options, "coords", 4, where)
    anchors = np.array(_floats(options.get("anchors", "")), dtype=np.float64)
    if anchors.size != 2 * num:
        raise ValueError(f"{where}: num={num} needs {2 * num} anchor values, found {anchors.size}")
    return anchors.reshape(num, 2), classes, coords + 1 + classes


def build_darknet_model(sections, reorg: str = "darknet", input_shape=None,
                        name: str = "darknet") -> DarknetNetwork:
    """A Keras model (weights not loaded) for parsed cfg ``sections`` (:func:`parse_cfg`).

    reorg: ``"darknet"`` or ``"space_to_depth"`` for ``[reorg]`` (:class:`DarknetReorg`).
    input_shape: (height, width) instead of the cfg's (e.g. 416x416; multiples of 32 for YOLO).
    """
    if reorg not in REORG_MODES:
        raise ValueError(f"reorg must be one of {REORG_MODES}, got {reorg!r}")
    net = sections[0][1]
    height = _int(net, "height", 0, "[net]")
    width = _int(net, "width", 0, "[net]")
    if input_shape is not None:
        height, width = (int(n) for n in input_shape)
    channels = _int(net, "channels", 3, "[net]")
    if height <= 0 or width <= 0:
        raise ValueError("[net] needs height= and width= (the input image size)")
    inputs = keras.Input((height, width, channels), name="image")
    x, outputs, network = inputs, [], DarknetNetwork(model=None)
    last_conv_filters = None
    for index, (kind, options) in enumerate(sections[1:]):
        where = f"[{kind}] (layer {index})"
        if kind == "convolutional":
            x, unit = _convolutional(x, options, index, where)
            network.convs.append(unit)
            last_conv_filters = unit.filters
        elif kind in ("maxpool", "max"):
            x = _maxpool(x, options, index, where)
        elif kind == "route":
            x = _route(outputs, options, index, where)
        elif kind in ("reorg", "reorg3d"):
            x = _reorg(x, options, index, where, reorg if kind == "reorg" else "space_to_depth")
        elif kind == "region":
            network.anchors, network.classes, per_anchor = _region(options, where)
            expected = len(network.anchors) * per_anchor
            if int(x.shape[-1]) != expected:
                raise ValueError(f"{where}: {len(network.anchors)} anchors x {per_anchor} values "
                                 f"need {expected} channels, but the layer before gives "
                                 f"{int(x.shape[-1])} (last convolution: {last_conv_filters} "
                                 "filters)")
        else:
            raise ValueError(f"{where}: section [{kind}] is not supported by this YOLOv2 loader "
                             "(net, convolutional, maxpool, route, reorg, reorg3d, region)")
        outputs.append(x)
    network.model = keras.Model(inputs, x, name=name)
    return network


# --------------------------------------------------------------------------- loading
def assign_darknet_weights(network: DarknetNetwork, values: np.ndarray) -> None:
    """Copy flat Darknet values (after the header) into the network's layers, in cfg order.

    ``values`` must hold exactly :meth:`DarknetNetwork.weight_count` float32 numbers.
    """
    position = 0

    def take(count: int) -> np.ndarray:
        nonlocal position
        chunk = values[position:position + count]
        position += count
        return chunk

    for unit in network.convs:
        n, c, k = unit.filters, unit.in_channels, unit.size
        biases = take(n)
        if unit.batch_norm is not None:
            scales, means, variances = take(n), take(n), take(n)
        kernel = take(n * c * k * k).reshape(n, c, k, k).transpose(2, 3, 1, 0)
        if unit.batch_norm is not None:
            unit.conv.set_weights([kernel])
            unit.batch_norm.set_weights([scales, biases, means, variances])
        else:
            unit.conv.set_weights([kernel, biases])


def load_darknet(cfg_path, weights_path, reorg: str = "darknet", input_shape=None,
                 verbose: bool = False):
    """Build the network a Darknet cfg describes and load a Darknet weights file into it.

    cfg_path: e.g. ``yolo.cfg``; weights_path: e.g. ``yolo.weights``.
    reorg, input_shape: as :func:`build_darknet_model`.
    Returns (model, anchors, class_count): a ``keras.Model`` mapping (m, height, width, 3) RGB
    in [0, 1] to (m, S_h, S_w, A * (5 + C)) raw outputs (:func:`utils.yolo.yolo_head` decodes
    them), the (A, 2) anchors in grid cells and C, both from ``[region]``.
    Raises FileNotFoundError for a missing file and ValueError (naming the file) for a cfg this
    loader cannot build or a weights file whose size does not fit the cfg.
    """
    cfg_path, weights_path = Path(cfg_path), Path(weights_path)
    sections = parse_cfg(cfg_path)
    header = read_weights_header(weights_path)
    network = build_darknet_model(sections, reorg=reorg, input_shape=input_shape,
                                  name=cfg_path.stem.replace(".", "_") or "darknet")
    if network.anchors is None:
        raise ValueError(f"{cfg_path} has no [region] section: it is not a YOLOv2 detector cfg")
    expected = network.weight_count()
    _, values = read_darknet_weights(weights_path)
    if values.size != expected:
        hint = ("the file is truncated or was saved for a smaller network"
                if values.size < expected else "the file was saved for a bigger network")
        raise ValueError(
            f"{weights_path} holds {values.size:,} float32 weights after its {header.size}-byte "
            f"header (version {header.major}.{header.minor}.{header.revision}), but {cfg_path} "
            f"expects {expected:,} for its {len(network.convs)} convolutional layers "
            f"({'missing' if values.size < expected else 'extra'}: "
            f"{abs(values.size - expected):,}); {hint}, or the cfg and weights do not belong "
            "together")
    assign_darknet_weights(network, values)
    if verbose:
        print(f"loaded {cfg_path.name} + {weights_path.name}: {len(network.convs)} convolutions, "
              f"{expected:,} weights, {len(network.anchors)} anchors, {network.classes} classes, "
              f"input {tuple(network.model.input_shape[1:])}")
    return network.model, network.anchors, network.classes


__all__ = ["find_original_yolo", "parse_cfg", "read_weights_header", "read_darknet_weights",
           "DarknetReorg", "build_darknet_model", "assign_darknet_weights", "load_darknet",
           "WeightsHeader", "DarknetNetwork", "ConvUnit"]
