"""What a ConvNet's units respond to: receptive fields and each unit's strongest image patches.

Week 4 (neural style transfer) opens with Zeiler & Fergus's picture of "what ConvNets learn
layer by layer": for a few units (channels) of several layers, the nine image patches that
activate the unit most, each cropped to the part of the picture the unit can see (its
receptive field). Shallow units see a few pixels and answer edges and colour blobs; deeper
units see more of the picture and answer larger, more complex patterns.

- :func:`receptive_field` works out a layer's receptive field (size, stride, offset) by walking
  the model's layers from the input to that layer.
- :func:`strongest_units` picks the units with the largest peak activations over a set of
  pictures, so that a plot shows active units rather than dead ones.
- :func:`top_patches` finds, for chosen units, the k strongest activations over the pictures
  (at most one per picture) and crops the receptive field around each.
- :func:`layer_top_patches` does both for several layers in one pass over the pictures.
- :func:`plot_top_patches` draws one row per layer and a 3x3 mosaic per unit.

Pictures are (n, H, W, 3) uint8 RGB (or float on the same 0..255 scale); by default the model
is fed ``images / 255`` as float32, the input convention of the course's detector
(``utils.detector``). The model must accept the pictures' size: the detector that
``load_course_detector`` returns is built for 256x256; for other sizes (multiples of 16) build
one with ``build_detector(None, ...)`` and load the weights with
``utils.resnet_weights.load_compact(model, utils.detector.DETECTOR_WEIGHTS)``.

Only NumPy, Keras (any backend) and matplotlib are used.
"""
from __future__ import annotations

import math
import os
from typing import Callable, Sequence

import numpy as np

GREY_UINT8 = 128        # fill for the parts of a patch outside the picture (uint8 pictures)
GREY_FLOAT = 127.5      # the same for float pictures on the 0..255 scale


def _keras():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    return keras


def default_preprocess(images: np.ndarray) -> np.ndarray:
    """(m, H, W, 3) uint8 (or float 0..255) -> (m, H, W, 3) float32 in [0, 1]: ``images / 255``."""
    return np.asarray(images, dtype=np.float32) / np.float32(255.0)


# --------------------------------------------------------------------------- receptive fields
def _pair(value) -> tuple[int, int]:
    if isinstance(value, int):
        return value, value
    value = tuple(int(v) for v in value)
    return (value[0], value[0]) if len(value) == 1 else (value[0], value[1])


def _spatial(shape, data_format: str | None) -> tuple:
    """The (height, width) of a 4-D tensor shape (entries may be None)."""
    if shape is None or len(shape) != 4:
        return None, None
    return tuple(shape[2:4]) if data_format == "channels_first" else tuple(shape[1:3])


def _same_padding_before(n, k_eff: int, s: int) -> int:
    """Padding Keras ('same', TensorFlow convention) adds before position 0 of an axis of size n.

    Total padding is ``max((ceil(n / s) - 1) * s + k_eff - n, 0)``, the smaller half of it goes
    before. When n is unknown (None) it is taken to be a multiple of s.
    """
    if n is None:
        total = max(k_eff - s, 0)
    else:
        total = max((math.ceil(n / s) - 1) * s + k_eff - n, 0)
    return total // 2


def _chain(tensor) -> list:
    """The layers from the model's input to ``tensor``, first to last, as (layer, input_shape).

    Nested models are expanded. Raises ValueError where the path is not a plain chain.
    """
    keras = _keras()
    backward = []
    while True:
        history = tensor._keras_history
        op = history.operation if hasattr(history, "operation") else history[0]
        node_index = history.node_index if hasattr(history, "node_index") else history[1]
        tensor_index = history.tensor_index if hasattr(history, "tensor_index") else history[2]
        if isinstance(op, keras.layers.InputLayer):
            break
        node = op._inbound_nodes[node_index]
        inputs = list(node.input_tensors)
        if len(inputs) != 1:
            raise ValueError(
                f"layer {op.name!r} ({type(op).__name__}) takes {len(inputs)} inputs: "
                "receptive_field follows a plain chain of layers from the input, without "
                "merges (Add, Concatenate, ...)")
        if isinstance(op, keras.Model):
            inner_outputs = list(op.outputs)
            backward.extend(reversed(_chain(inner_outputs[tensor_index])))
        else:
            backward.append((op, tuple(inputs[0].shape)))
        tensor = inputs[0]
    return list(reversed(backward))


_ELEMENTWISE = ("BatchNormalization", "Activation", "ReLU", "LeakyReLU", "ELU", "PReLU",
                "Softmax", "Dropout", "SpatialDropout2D", "GaussianNoise", "GaussianDropout",
                "AlphaDropout", "ActivityRegularization", "Identity", "Rescaling")


def _step(layer, in_shape, geometry):
    """Apply one layer to per-axis geometry [(r, j, start), (r, j, start)] (rows, columns)."""
    keras = _keras()
    layers = keras.layers
    kind = type(layer).__name__
    data_format = getattr(layer, "data_format", "channels_last")
    sizes = _spatial(in_shape, data_format)
    conv = (layers.Conv2D, layers.DepthwiseConv2D, layers.SeparableConv2D)
    pool = (layers.MaxPooling2D, layers.AveragePooling2D)
    if isinstance(layer, conv) or isinstance(layer, pool):
        if isinstance(layer, conv):
            kernel, strides = _pair(layer.kernel_size), _pair(layer.strides)
            dilation = _pair(layer.dilation_rate)
        else:
            kernel, strides, dilation = _pair(layer.pool_size), _pair(layer.strides), (1, 1)
        padding = layer.padding.lower()
        if padding not in ("same", "valid"):
            raise ValueError(f"layer {layer.name!r} ({kind}) has padding {padding!r}; "
                             "receptive_field handles 'same' and 'valid'")
        out = []
        for (r, j, start), k, s, d, n in zip(geometry, kernel, strides, dilation, sizes):
            k_eff = d * (k - 1) + 1
            before = _same_padding_before(n, k_eff, s) if padding == "same" else 0
            out.append((r + (k_eff - 1) * j, j * s, start - before * j))
        return out
    if isinstance(layer, layers.ZeroPadding2D):
        (top, _), (left, _) = layer.padding
        return [(r, j, start - p * j) for (r, j, start), p in zip(geometry, (top, left))]
    if isinstance(layer, layers.Cropping2D):
        (top, _), (left, _) = layer.cropping
        return [(r, j, start + c * j) for (r, j, start), c in zip(geometry, (top, left))]
    if isinstance(layer, layers.LayerNormalization):
        axes = [a % 4 for a in np.atleast_1d(layer.axis)]
        if axes == [3] or (data_format == "channels_first" and axes == [1]):
            return geometry
        raise ValueError(f"layer {layer.name!r} (LayerNormalization over axes {axes}) mixes "
                         "positions; receptive_field cannot follow it")
    if isinstance(layer, layers.Dense) and in_shape is not None and len(in_shape) == 4:
        return geometry                     # acts on the channels of each position: a 1x1 conv
    if kind in _ELEMENTWISE:
        return geometry
    raise ValueError(f"receptive_field cannot handle layer {layer.name!r} of kind {kind}: it "
                     "follows Conv2D, DepthwiseConv2D, SeparableConv2D, MaxPooling2D, "
                     "AveragePooling2D, ZeroPadding2D, Cropping2D and element-wise layers "
                     f"({', '.join(_ELEMENTWISE)})")


def receptive_field(model, layer_name: str) -> tuple[int, int, float]:
    """The receptive field of one unit of ``layer_name``: (size, stride, offset), in input pixels.

    Output position i (a row or a column index of the layer's output) sees input pixels
    ``start + i * stride`` to ``start + i * stride + size - 1`` and is centred at
    ``offset + i * stride``, with ``offset = start + (size - 1) / 2`` (pixel centres at integer
    coordinates; a window that begins before pixel 0 reaches into the padding). ``offset`` is
    a float: x.5 when the size is even.

    Computed by walking the layers from the model's input to ``layer_name`` (which must be a
    plain chain; nested models are followed), starting from r = 1, j = 1, start = 0 (one input
    pixel) and applying, for a layer with kernel (or pool) size k, stride s, dilation d and
    padding p added before position 0 (0 for 'valid'; for 'same' TensorFlow's convention,
    the smaller half of ``max((ceil(n / s) - 1) * s + k_eff - n, 0)`` for an axis of size n,
    n taken as a multiple of s when the model's input size is not fixed):

        k_eff     = d * (k - 1) + 1
        r_out     = r_in + (k_eff - 1) * j_in        (receptive-field size)
        j_out     = j_in * s                         (stride, the "jump" between positions)
        start_out = start_in - p * j_in              (first input pixel of position 0)
        offset    = start + (r - 1) / 2              (centre of position 0)

    Conv2D / DepthwiseConv2D / SeparableConv2D: kernel, strides, dilation, 'same'/'valid';
    MaxPooling2D / AveragePooling2D: pool size and strides; ZeroPadding2D / Cropping2D shift
    ``start``; element-wise layers (BatchNormalization, activations, dropout, Rescaling,
    LayerNormalization over channels, Dense on 4-D tensors) change nothing. Any other layer
    (a merge, upsampling, global pooling, Lambda, ...) raises ValueError naming its kind, as do
    rows and columns whose receptive fields differ.

    The course's detector (``utils.detector``): block1_leaky (3, 1, 0.0), block2_leaky
    (8, 2, 0.5), block3_leaky (18, 4, 1.5), block4_leaky (38, 8, 3.5), head1_leaky (78, 16, 7.5).
    """
    layer = model.get_layer(layer_name)
    geometry = [(1, 1, 0), (1, 1, 0)]
    for item, in_shape in _chain(layer.output):
        geometry = _step(item, in_shape, geometry)
    if geometry[0] != geometry[1]:
        raise ValueError(f"the receptive field of {layer_name!r} differs between rows and "
                         f"columns ((size, stride, start) = {geometry[0]} and {geometry[1]}); "
                         "receptive_field handles square ones")
    size, stride, start = geometry[0]
    return int(size), int(stride), float(start + (size - 1) / 2)


# --------------------------------------------------------------------------- activations
def _check_images(model, images) -> np.ndarray:
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"images must be (n, H, W, 3), got shape {images.shape}")
    if len(images) == 0:
        raise ValueError("images is empty")
    expected = tuple(model.inputs[0].shape[1:3])
    for want, got in zip(expected, images.shape[1:3]):
        if want is not None and want != got:
            raise ValueError(
                f"the model takes {expected[0]}x{expected[1]} pictures, these are "
                f"{images.shape[1]}x{images.shape[2]}; resize them, or build a model for any "
                "size (for the course's detector: utils.detector.build_detector(None, ...) and "
                "utils.resnet_weights.load_compact(model, utils.detector.DETECTOR_WEIGHTS))")
    return images


def _layer_peaks(model, layer_names: Sequence[str], images: np.ndarray, per_image: int,
                 batch: int, preprocess: Callable) -> dict:
    """Each layer's ``per_image`` strongest positions per picture and unit, in one pass.

    Returns {name: (values (n, p, C) float32, rows (n, p, C) int, cols (n, p, C) int)} with
    p = min(per_image, positions), best first (ties: the earlier position in row-major order).
    """
    keras = _keras()
    outputs = [model.get_layer(name).output for name in layer_names]
    inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
    features = keras.Model(inputs, outputs)
    parts = {name: ([], [], []) for name in layer_names}
    for first in range(0, len(images), batch):
        x = preprocess(images[first:first + batch])
        maps = features(x, training=False)
        if len(layer_names) == 1 and not isinstance(maps, (list, tuple)):
            maps = [maps]
        for name, a in zip(layer_names, maps):
            a = np.asarray(keras.ops.convert_to_numpy(a), dtype=np.float32)
            m, h, w, c = a.shape
            # (m, C, h*w): reducing over the last, contiguous axis is several times faster
            flat = np.ascontiguousarray(a.reshape(m, h * w, c).transpose(0, 2, 1))
            p = min(per_image, h * w)
            if p == 1:
                index = np.argmax(flat, axis=2)[:, :, None]
            else:
                if p < h * w:
                    index = np.argpartition(-flat, p - 1, axis=2)[:, :, :p]
                else:
                    index = np.broadcast_to(np.arange(h * w), flat.shape).copy()
                index.sort(axis=2)                       # row-major order for stable ties
                values = np.take_along_axis(flat, index, axis=2)
                order = np.argsort(-values, axis=2, kind="stable")
                index = np.take_along_axis(index, order, axis=2)
            values = np.take_along_axis(flat, index, axis=2).transpose(0, 2, 1)
            index = index.transpose(0, 2, 1)
            parts[name][0].append(values)
            parts[name][1].append(index // w)
            parts[name][2].append(index % w)
    return {name: tuple(np.concatenate(p) for p in parts[name]) for name in layer_names}


def _select(values: np.ndarray, unit: int, k: int) -> list[tuple[int, int]]:
    """The k best (image, rank) pairs of one unit: per-image maxima first, repeats only if needed.

    values: (n, p, C). With n >= k, the k pictures whose best activation is highest; with fewer
    pictures, every picture's best and then the next-best positions of any picture. The result
    is ordered by activation, strongest first.
    """
    v = values[:, :, unit]
    n, p = v.shape
    if n * p < k:
        raise ValueError(f"k = {k} patches asked for, but the pictures have only {n * p} "
                         "positions in this layer")
    best = np.argsort(-v[:, 0], kind="stable")
    chosen = [(int(i), 0) for i in best[:k]]
    if len(chosen) < k:
        rest = [(float(v[i, r]), i, r) for i in range(n) for r in range(1, p)]
        rest.sort(key=lambda t: (-t[0], t[1], t[2]))
        chosen += [(i, r) for _, i, r in rest[:k - len(chosen)]]
    chosen.sort(key=lambda ir: -v[ir[0], ir[1]])             # stable: ties keep their order
    return chosen


def _crop(image: np.ndarray, top: int, left: int, size: int, fill) -> np.ndarray:
    """image[top:top+size, left:left+size], filled with ``fill`` where it leaves the picture."""
    h, w = image.shape[:2]
    patch = np.full((size, size) + image.shape[2:], fill, dtype=image.dtype)
    y0, y1 = max(top, 0), min(top + size, h)
    x0, x1 = max(left, 0), min(left + size, w)
    if y0 < y1 and x0 < x1:
        patch[y0 - top:y1 - top, x0 - left:x1 - left] = image[y0:y1, x0:x1]
    return patch


def _patches(images, peaks, field, units, k, fill):
    size, stride, offset = field
    start = int(round(offset - (size - 1) / 2))
    values, rows, cols = peaks
    if fill is None:
        fill = GREY_UINT8 if images.dtype == np.uint8 else GREY_FLOAT
    out_dtype = np.uint8 if images.dtype == np.uint8 else np.result_type(images.dtype, np.float32)
    result = np.empty((len(units), k, size, size, 3), dtype=out_dtype)
    where = np.empty((len(units), k, 4), dtype=np.float64)
    for u, unit in enumerate(units):
        if not 0 <= unit < values.shape[2]:
            raise ValueError(f"unit {unit} out of range: the layer has {values.shape[2]} units")
        for slot, (i, r) in enumerate(_select(values, unit, k)):
            row, col = int(rows[i, r, unit]), int(cols[i, r, unit])
            result[u, slot] = _crop(images[i], start + row * stride, start + col * stride,
                                    size, fill)
            where[u, slot] = (i, row, col, values[i, r, unit])
    return result, where


def top_patches(model, layer_name: str, images, units: Sequence[int], k: int = 9,
                batch: int = 16, preprocess: Callable | None = None, fill=None,
                return_where: bool = False):
    """For each unit, the picture patches that activate it most: (len(units), k, size, size, 3).

    model: a Keras model taking the preprocessed pictures; layer_name: one of its layers with
    a 4-D (m, h, w, C) channels-last output whose receptive field :func:`receptive_field` can
    work out (size, stride, offset). images: (n, H, W, 3) uint8 (or float on the 0..255 scale);
    the model is fed ``preprocess(images[i:i + batch])``, by default
    ``images.astype(float32) / 255``. units: channel indices of the layer.

    For each unit, the k strongest activations over all pictures and positions, at most one per
    picture (the k patches come from k different pictures when n >= k; with fewer pictures,
    other positions of the same pictures fill the rest), strongest first. Each patch is the
    size x size window of the picture that position sees (rows and columns
    ``start + row * stride`` ..., ``start = offset - (size - 1) / 2``), filled with grey (128,
    or 127.5 for float pictures, or ``fill``) where it leaves the picture.

    Returns uint8 patches for uint8 pictures, float otherwise; with ``return_where`` also
    (len(units), k, 4) float64 rows of (picture index, output row, output column, activation).
    """
    images = _check_images(model, images)
    units = [int(u) for u in units]
    field = receptive_field(model, layer_name)
    per_image = 1 if len(images) >= k else k
    peaks = _layer_peaks(model, [layer_name], images, per_image, batch,
                         preprocess or default_preprocess)[layer_name]
    patches, where = _patches(images, peaks, field, units, k, fill)
    return (patches, where) if return_where else patches


def strongest_units(model, layer_name: str, images, count: int, batch: int = 16,
                    preprocess: Callable | None = None) -> np.ndarray:
    """Indices (count,) int of the units of ``layer_name`` with the largest peak activations.

    The peak of a unit is its largest activation over all pictures (n, H, W, 3) and positions;
    the result is ordered by peak, strongest first (ties: lower index first).
    """
    images = _check_images(model, images)
    values = _layer_peaks(model, [layer_name], images, 1, batch,
                          preprocess or default_preprocess)[layer_name][0]
    peak = values[:, 0, :].max(axis=0)
    return np.argsort(-peak, kind="stable")[:count].astype(np.int64)


def layer_top_patches(model, layer_names: Sequence[str], images, count: int = 4, k: int = 9,
                      batch: int = 16, preprocess: Callable | None = None, fill=None):
    """:func:`strongest_units` and :func:`top_patches` for several layers in one pass.

    Returns (patches, units): {layer: (count, k, size, size, 3)} and {layer: (count,) int},
    the same as calling ``strongest_units`` then ``top_patches`` for each layer, but the
    pictures go through the model once. Feed ``patches`` to :func:`plot_top_patches`.
    """
    images = _check_images(model, images)
    layer_names = list(layer_names)
    fields = {name: receptive_field(model, name) for name in layer_names}
    per_image = 1 if len(images) >= k else k
    peaks = _layer_peaks(model, layer_names, images, per_image, batch,
                         preprocess or default_preprocess)
    patches, units = {}, {}
    for name in layer_names:
        peak = peaks[name][0][:, 0, :].max(axis=0)
        units[name] = np.argsort(-peak, kind="stable")[:count].astype(np.int64)
        patches[name] = _patches(images, peaks[name], fields[name], units[name], k, fill)[0]
    return patches, units


# --------------------------------------------------------------------------- plotting
def _resize_nearest(patch: np.ndarray, size: int) -> np.ndarray:
    """(s, s, 3) -> (size, size, 3), nearest neighbour."""
    index = np.minimum(((np.arange(size) + 0.5) * patch.shape[0] / size).astype(int),
                       patch.shape[0] - 1)
    return patch[index][:, index]


def _as_display(patches: np.ndarray) -> np.ndarray:
    """Patches as float in [0, 1] for imshow (uint8 / 255; floats above 1 taken as 0..255)."""
    x = np.asarray(patches, dtype=np.float32)
    if patches.dtype == np.uint8 or x.max(initial=0.0) > 1.0:
        x = x / 255.0
    return np.clip(x, 0.0, 1.0)


def mosaic(patches: np.ndarray, display_size: int, gap: int = 2) -> np.ndarray:
    """(k, s, s, 3) patches -> one (R, R, 3) float image: a ceil(sqrt(k))-wide grid of them,
    each resized to display_size x display_size, separated by ``gap`` white pixels."""
    k = len(patches)
    side = max(1, math.ceil(math.sqrt(k)))
    rows = math.ceil(k / side)
    cell = display_size + gap
    canvas = np.ones((rows * cell - gap, side * cell - gap, 3), dtype=np.float32)
    shown = _as_display(patches)
    for index in range(k):
        r, c = divmod(index, side)
        canvas[r * cell:r * cell + display_size, c * cell:c * cell + display_size] = \
            _resize_nearest(shown[index], display_size)
    return canvas


def plot_top_patches(patches_by_layer: dict, titles=None, units=None,
                     display_size: int | None = None, cell_inches: float = 2.0):
    """Zeiler & Fergus's figure: one row per layer, one mosaic of k patches per unit.

    patches_by_layer: {layer name: (n_units, k, size, size, 3)} from :func:`top_patches` (the
    layers may have different numbers of units, patch sizes and k). Every patch is resized
    (nearest neighbour) to ``display_size`` pixels (default: the largest patch size, at least
    48) so that deeper layers' bigger patches appear at the same size; each row's label gives
    the layer's title (``titles``: a list or {layer: title}, default the layer names) and its
    real patch size in pixels. ``units``: optional {layer: unit indices} for the mosaic titles.

    Returns the matplotlib Figure, with len(patches_by_layer) x (most units in a layer) axes
    (unused ones switched off).
    """
    import matplotlib.pyplot as plt

    names = list(patches_by_layer)
    if not names:
        raise ValueError("patches_by_layer is empty")
    if titles is None:
        titles = {name: name for name in names}
    elif not isinstance(titles, dict):
        titles = dict(zip(names, titles))
    sizes = {name: np.asarray(patches_by_layer[name]).shape[2] for name in names}
    if display_size is None:
        display_size = max(48, *sizes.values())
    columns = max(1, max(len(patches_by_layer[name]) for name in names))
    fig, axes = plt.subplots(len(names), columns, squeeze=False,
                             figsize=(cell_inches * columns + 0.6, cell_inches * len(names)))
    for row, name in enumerate(names):
        patches = np.asarray(patches_by_layer[name])
        for col in range(columns):
            ax = axes[row, col]
            if col >= len(patches):
                ax.axis("off")
                continue
            ax.imshow(mosaic(patches[col], display_size), interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
            if units is not None and name in units:
                ax.set_title(f"unit {int(units[name][col])}", fontsize=9)
        axes[row, 0].set_ylabel(f"{titles.get(name, name)}\n{sizes[name]}x{sizes[name]} px",
                                fontsize=10)
    fig.tight_layout()
    return fig
