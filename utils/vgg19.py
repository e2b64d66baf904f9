"""VGG-19 with its ImageNet weights for Week 4's neural style transfer, when the learner has them.

VGG-19 (Simonyan and Zisserman, "Very Deep Convolutional Networks for Large-Scale Image
Recognition", 2015) is the network Gatys et al. used for style transfer and the one the original
course loads. Without its classifier ("no top") it is 16 convolutions, all 3x3 with stride 1,
"same" padding and a ReLU, in five blocks, each block ended by a 2x2 max-pooling of stride 2:

- ``block1``: 2 convolutions of 64 filters, ``block1_conv1``, ``block1_conv2``;
- ``block2``: 2 of 128, ``block2_conv1``, ``block2_conv2``;
- ``block3``: 4 of 256, ``block3_conv1`` ... ``block3_conv4``;
- ``block4``: 4 of 512, ``block4_conv1`` ... ``block4_conv4``;
- ``block5``: 4 of 512, ``block5_conv1`` ... ``block5_conv4``.

Shapes for m pictures of H x W: a convolution keeps its block's input size, so ``blockN_convK``
is (m, H / 2**(N-1), W / 2**(N-1), filters) and ``blockN_pool`` halves that again (sizes rounded
down): for one 32x48 picture ``block1_conv1`` is (1, 32, 48, 64), ``block4_conv2`` (1, 4, 6, 512)
and the output, ``block5_pool``, (1, 1, 1, 512). Kernels are (3, 3, in, out),
biases (out,): 20,024,384 parameters in all (:data:`VGG19_PARAMS`). The network takes any
picture size (``input_shape=(None, None, 3)``).

Input: VGG-19 was trained on "caffe" preprocessed pictures: pixel values 0-255, channels in BGR
order, minus the ImageNet mean of each channel (B 103.939, G 116.779, R 123.68).
:func:`preprocess_vgg19` does that to float RGB pictures in [0, 1], with ``keras.ops`` so that
gradients flow through it to the picture, and :func:`vgg19_for_pixels` puts it in front of the
network. :func:`layer_outputs` gives the model the notebook needs: [0, 1] RGB (m, H, W, 3) -> the
list of the named layers' activations.

Where to put the weights (:func:`find_vgg19_weights`): ``data/vgg19/`` (or ``vgg19/`` in the
folder ``CNN_COURSE_DATA`` names), as one of :data:`VGG19_FILE_NAMES`:

- ``vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5``, the file (80 MB) that
  ``keras.applications.VGG19(include_top=False, weights="imagenet")`` downloads into
  ``~/.keras/models/`` on a machine with internet: copy it over (Keras 2 "legacy" HDF5 layout,
  :func:`write_legacy_weights` describes it);
- ``vgg19_notop.weights.h5``, the same weights saved by Keras 3's ``model.save_weights``.

:func:`load_vgg19` checks the file's layers and shapes before loading it and names what does not
fit (a VGG-16 file, the file with the classifier, anything else). Without the file the notebook
uses the course's own network instead (:mod:`utils.style_net`, written and shipped separately).
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
from keras import ops  # noqa: E402

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
VGG19_FOLDER = "vgg19"
VGG19_DIR = Path(os.environ.get("CNN_COURSE_DATA", DATA_DIR)) / VGG19_FOLDER
KERAS_FILE_NAME = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"   # legacy HDF5
KERAS3_FILE_NAME = "vgg19_notop.weights.h5"                             # Keras 3 save_weights
VGG19_FILE_NAMES = (KERAS_FILE_NAME, KERAS3_FILE_NAME)
WITH_TOP_FILE_NAME = "vgg19_weights_tf_dim_ordering_tf_kernels.h5"

BLOCK_FILTERS = (64, 128, 256, 512, 512)
VGG19_BLOCK_CONVS = (2, 2, 4, 4, 4)
VGG16_BLOCK_CONVS = (2, 2, 3, 3, 3)
IMAGENET_MEAN_BGR = (103.939, 116.779, 123.68)
PREPROCESS_LAYER = "vgg19_preprocess"
VGG19_PARAMS = 20_024_384

GET_IT = (f"On a machine with internet, `keras.applications.VGG19(include_top=False, "
          f"weights=\"imagenet\")` downloads the file into ~/.keras/models/{KERAS_FILE_NAME}; copy "
          f"that file over. A Keras 3 `model.save_weights(\"{KERAS3_FILE_NAME}\")` of that model "
          f"works too.")
FALLBACK = "Without it the notebook uses the course's own network (utils/style_net.py)."


class VGG19WeightsError(FileNotFoundError):
    """The VGG-19 weight file is missing or does not fit; the message says where and what."""


# --------------------------------------------------------------------------- the layer table
def conv_layer_shapes(block_convs=VGG19_BLOCK_CONVS) -> list[tuple[str, list[tuple[int, ...]]]]:
    """[(layer name, [kernel shape (3, 3, in, out), bias shape (out,)])] in network order, for
    VGG-19 (the default) or, with ``VGG16_BLOCK_CONVS``, VGG-16."""
    layers, channels = [], 3
    for block, (convs, filters) in enumerate(zip(block_convs, BLOCK_FILTERS), start=1):
        for conv in range(1, convs + 1):
            layers.append((f"block{block}_conv{conv}", [(3, 3, channels, filters), (filters,)]))
            channels = filters
    return layers


VGG19_SHAPES = conv_layer_shapes()
VGG16_SHAPES = conv_layer_shapes(VGG16_BLOCK_CONVS)
VGG19_LAYERS = tuple(name for name, _ in VGG19_SHAPES)


def _shapes_only(layers) -> list[list[tuple[int, ...]]]:
    return [shapes for _, shapes in layers]


def expected_layout() -> str:
    """One sentence: the layers and shapes a VGG-19 weight file must hold."""
    first, last = VGG19_SHAPES[0], VGG19_SHAPES[-1]
    return (f"{len(VGG19_SHAPES)} convolution layers, {first[0]} (kernel {first[1][0]}) to "
            f"{last[0]} (kernel {last[1][0]}), each with a bias: {VGG19_PARAMS:,} numbers")


# --------------------------------------------------------------------------- finding the file
def vgg19_dir(data_dir=None) -> Path:
    """The folder the weights are looked for in: ``<data_dir>/vgg19``; ``data_dir`` defaults to
    ``CNN_COURSE_DATA`` if set, else the repository's ``data/``."""
    return Path(data_dir or os.environ.get("CNN_COURSE_DATA", DATA_DIR)) / VGG19_FOLDER


def find_vgg19_weights(data_dir=None) -> Path | None:
    """The first of :data:`VGG19_FILE_NAMES` that is a file in :func:`vgg19_dir`, or None."""
    folder = vgg19_dir(data_dir)
    for name in VGG19_FILE_NAMES:
        if (folder / name).is_file():
            return folder / name
    return None


def missing_message(folder: Path) -> str:
    return (f"VGG-19's ImageNet weights are not in {folder}: put {KERAS_FILE_NAME} (or "
            f"{KERAS3_FILE_NAME}) there. {GET_IT} Set CNN_COURSE_DATA to use another data "
            f"folder (its {VGG19_FOLDER}/ subfolder). {FALLBACK}")


# --------------------------------------------------------------------------- checking the file
def _attribute_list(group, name: str) -> list[str]:
    """A Keras HDF5 name-list attribute, also when Keras split it into ``name0``, ``name1``..."""
    values = list(group.attrs[name]) if name in group.attrs else []
    chunk = 0
    while f"{name}{chunk}" in group.attrs:
        values.extend(group.attrs[f"{name}{chunk}"])
        chunk += 1
    return [v.decode("utf8") if isinstance(v, bytes) else str(v) for v in values]


def _legacy_layers(root) -> list[tuple[str, list[tuple[int, ...]]]]:
    """Weighted layers of a Keras 2 HDF5 weights (or whole-model) file, in the file's order."""
    group = root["model_weights"] if "layer_names" not in root.attrs else root
    layers = []
    for name in _attribute_list(group, "layer_names"):
        weight_names = _attribute_list(group[name], "weight_names") if name in group else []
        if weight_names:
            layers.append((name, [tuple(group[name][w].shape) for w in weight_names]))
    return layers


def _keras3_order(key: str) -> tuple[str, int]:
    """``conv2d`` -> ("conv2d", 0), ``conv2d_7`` -> ("conv2d", 7): the order Keras 3 pairs a
    ``.weights.h5`` file's entries with a model's layers of one class."""
    match = re.fullmatch(r"(.*?)(?:_(\d+))?", key)
    return match.group(1), int(match.group(2) or 0)


def _keras3_layers(root) -> list[tuple[str, list[tuple[int, ...]]]]:
    """Weighted layers of a Keras 3 ``.weights.h5`` file (``layers/<key>/vars/0, 1, ...``), the
    convolutions first in Keras' pairing order, then any other weighted layer."""
    layers = []
    for key in sorted(root["layers"], key=_keras3_order):
        variables = root["layers"][key].get("vars")
        if variables is None or not len(variables):
            continue
        name = variables.attrs.get("name", key)
        name = name.decode("utf8") if isinstance(name, bytes) else str(name)
        shapes = [tuple(variables[str(i)].shape) for i in range(len(variables))]
        layers.append((name, shapes))
    layers.sort(key=lambda layer: len(layer[1][0]) != 4)       # stable: 4-d kernels first
    return layers


def read_weight_layout(path) -> tuple[str, list[tuple[str, list[tuple[int, ...]]]]]:
    """(``"legacy"`` or ``"keras3"``, [(layer name, [weight shapes])]) of a Keras weights file,
    the weighted layers in the order Keras would load them. Reads shapes only, not values."""
    import h5py

    path = Path(path)
    try:
        with h5py.File(path, "r") as root:
            if "layer_names" in root.attrs or "model_weights" in root:
                return "legacy", _legacy_layers(root)
            if "layers" in root:
                return "keras3", _keras3_layers(root)
    except (OSError, KeyError, ValueError, TypeError) as error:
        raise VGG19WeightsError(f"{path} cannot be read as a Keras HDF5 weights file (not HDF5, "
                                f"truncated or damaged: {error}); expected {expected_layout()}. "
                                f"{GET_IT}") from error
    raise VGG19WeightsError(f"{path} is an HDF5 file but not Keras weights: it has neither a "
                            f"`layer_names` attribute (Keras 2 .h5) nor a `layers` group (Keras 3 "
                            f".weights.h5); expected {expected_layout()}. {GET_IT}")


def describe_mismatch(layers) -> str | None:
    """Why the weighted layers [(name, [shapes])] of a file are not VGG-19's, or None if they
    are: VGG-16's, the classifier included, or the first layer that differs."""
    found, want = _shapes_only(layers), _shapes_only(VGG19_SHAPES)
    if found == want:
        return None
    if not layers:
        return "it holds no weights"
    if found == _shapes_only(VGG16_SHAPES):
        return (f"it holds the {len(found)} convolution layers of VGG-16 (it is VGG-16's file?), "
                f"where VGG-19 has {len(want)}")
    if len(found) > len(want) and found[:len(want)] == want:
        extra = ", ".join(name for name, _ in layers[len(want):])
        return (f"it also holds the classifier ({extra}): it is the file with the top, "
                f"{WITH_TOP_FILE_NAME}; take the one without it (include_top=False), "
                f"{KERAS_FILE_NAME}")
    for index, ((name, shapes), (want_name, want_shapes)) in enumerate(zip(layers, VGG19_SHAPES)):
        if shapes != want_shapes:
            return (f"its weighted layer {index + 1} ({name}) has weights of shapes {shapes} "
                    f"where VGG-19's {want_name} has {want_shapes}")
    return (f"it holds {len(layers)} weighted layers where VGG-19 without the top has "
            f"{len(want)}")


def check_vgg19_file(path) -> str:
    """Raise VGG19WeightsError naming ``path`` unless it holds VGG-19's no-top weights in a
    layout its name lets Keras read; return the layout (``"legacy"`` or ``"keras3"``)."""
    path = Path(path)
    if not path.is_file():
        raise VGG19WeightsError(f"there is no VGG-19 weights file at {path}. {GET_IT}")
    layout, layers = read_weight_layout(path)
    problem = describe_mismatch(layers)
    if problem:
        raise VGG19WeightsError(f"{path} does not hold VGG-19's weights without the top: "
                                f"{problem}. Expected {expected_layout()}. {GET_IT}")
    keras3_name = path.name.endswith(".weights.h5")
    if layout == "legacy" and keras3_name:
        raise VGG19WeightsError(f"{path} is in the Keras 2 (legacy .h5) layout, but Keras reads "
                                f"a name ending in .weights.h5 as Keras 3: rename it "
                                f"{KERAS_FILE_NAME}")
    if layout == "keras3" and not keras3_name:
        raise VGG19WeightsError(f"{path} is a Keras 3 save_weights file, which Keras reads only "
                                f"under a name ending in .weights.h5: rename it "
                                f"{KERAS3_FILE_NAME}")
    return layout


# --------------------------------------------------------------------------- loading
def freeze(model: keras.Model) -> keras.Model:
    """Set ``trainable = False`` on the model and every layer; return the model."""
    model.trainable = False
    for layer in model.layers:
        layer.trainable = False
    return model


def load_vgg19(path=None, data_dir=None, verbose: bool = True) -> keras.Model:
    """VGG-19 without the top, with the weights of ``path`` (default: :func:`find_vgg19_weights`
    in ``data_dir``), every layer frozen.

    Returns ``keras.applications.VGG19(include_top=False, input_shape=(None, None, 3))``:
    caffe-preprocessed BGR (m, H, W, 3) (:func:`preprocess_vgg19`) -> (m, H/32, W/32, 512);
    its layers are named as in :data:`VGG19_LAYERS`. Raises VGG19WeightsError when there is no
    file, or when the file does not fit (the message names it and what was expected).
    """
    if path is None:
        path = find_vgg19_weights(data_dir)
        if path is None:
            raise VGG19WeightsError(missing_message(vgg19_dir(data_dir)))
    path = Path(path)
    check_vgg19_file(path)
    try:
        model = keras.applications.VGG19(include_top=False, weights=str(path),
                                         input_shape=(None, None, 3))
    except (ValueError, OSError, KeyError, TypeError) as error:
        raise VGG19WeightsError(f"Keras could not load {path} into VGG-19 ({error}); expected "
                                f"{expected_layout()}. {GET_IT}") from error
    freeze(model)
    if verbose:
        print(f"loaded VGG-19 (ImageNet weights) from {path}: {model.count_params():,} "
              f"parameters")
    return model


# --------------------------------------------------------------------------- [0, 1] RGB input
def preprocess_vgg19(images):
    """Float RGB images in [0, 1] (m, H, W, 3) -> VGG-19's input (m, H, W, 3): times 255, channels
    reversed to BGR, minus the ImageNet means (B 103.939, G 116.779, R 123.68).

    Written with ``keras.ops`` only: it accepts arrays, tensors, ``tf.Variable`` images and
    symbolic Keras tensors, and is differentiable with respect to ``images``.
    """
    bgr = ops.flip(ops.multiply(images, 255.0), axis=-1)
    return ops.subtract(bgr, np.asarray(IMAGENET_MEAN_BGR, dtype="float32"))


@keras.saving.register_keras_serializable(package="cnn_course")
class VGG19Preprocess(keras.layers.Layer):
    """:func:`preprocess_vgg19` as a layer (no weights): (m, H, W, 3) -> (m, H, W, 3)."""

    def call(self, images):
        return preprocess_vgg19(images)

    def compute_output_shape(self, input_shape):
        return input_shape


def _copy_layer(layer):
    """A new layer with ``layer``'s configuration (name included); weights are set once built."""
    return layer.__class__.from_config(layer.get_config())


def vgg19_for_pixels(model: keras.Model) -> keras.Model:
    """A model taking float RGB (m, H, W, 3) in [0, 1] that applies :func:`preprocess_vgg19` then
    ``model`` (a chain of layers, as :func:`load_vgg19` returns), every layer frozen.

    Its layers are a ``VGG19Preprocess`` layer named ``vgg19_preprocess`` followed by copies of
    ``model``'s layers, with the same names and weights, belonging to this model only: so
    ``pixels.get_layer("block4_conv2").output`` is a tensor of this model's graph, and
    ``keras.Model(pixels.input, [pixels.get_layer(name).output for name in names])`` works as in
    the original course (:func:`layer_outputs` does exactly that). The copy takes another 80 MB.
A model that already has the ``vgg19_preprocess`` layer is returned as it is.
    """
    if PREPROCESS_LAYER in [layer.name for layer in model.layers]:
        return model                                       # it takes [0, 1] RGB already
    inputs = keras.Input((None, None, 3), name="pixels")
    x = VGG19Preprocess(name=PREPROCESS_LAYER)(inputs)
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        copy = _copy_layer(layer)
        try:
            x = copy(x)
        except (TypeError, ValueError) as error:
            raise ValueError(f"vgg19_for_pixels() needs a chain of layers such as VGG-19; layer "
                             f"{layer.name!r} does not take the previous one's output alone "
                             f"({error})") from error
        copy.set_weights(layer.get_weights())
    return freeze(keras.Model(inputs, x, name=f"{model.name}_pixels"))


def layer_outputs(model: keras.Model, names) -> keras.Model:
    """A model mapping float RGB (m, H, W, 3) in [0, 1] to the list of the activations of the
    layers ``names``, in that order; e.g. for a 32x48 picture ``block1_conv1`` is
    (1, 32, 48, 64) and ``block4_conv2`` (1, 4, 6, 512).

    model: a functional model taking [0, 1] RGB, such as :func:`vgg19_for_pixels`'s (or the
    course's own network). A plain VGG-19 as :func:`load_vgg19` returns it (named ``vgg19``,
    without the ``vgg19_preprocess`` layer) is wrapped by :func:`vgg19_for_pixels` first.
    Only the layers up to the deepest one named are computed.
    """
    names = list(names)
    layer_names = [layer.name for layer in model.layers]
    if model.name == "vgg19" and PREPROCESS_LAYER not in layer_names:
        model = vgg19_for_pixels(model)
        layer_names = [layer.name for layer in model.layers]
    unknown = [name for name in names if name not in layer_names]
    if unknown:
        raise ValueError(f"{model.name} has no layer {unknown[0]!r}; its layers are "
                         f"{', '.join(layer_names[1:])}")
    outputs = [model.get_layer(name).output for name in names]
    return keras.Model(model.input, outputs, name=f"{model.name}_outputs")


# --------------------------------------------------------------------------- writing the file
def write_legacy_weights(model: keras.Model, path) -> Path:
    """Write ``model``'s weights to ``path`` in Keras 2's HDF5 layout, the layout of the file
    ``keras.applications.VGG19(weights="imagenet")`` downloads, which
    ``keras/src/legacy/saving/legacy_h5_format.py`` (``load_weights_from_hdf5_group``) reads:

    - root attributes ``layer_names`` (every layer, in model order, bytes), ``backend`` and
      ``keras_version`` (bytes);
    - one group per layer (created in sorted name order, as Keras does), with attribute
      ``weight_names``: e.g. ``block1_conv1/kernel:0``, ``block1_conv1/bias:0`` (empty for layers
      without weights), trainable weights first, then non-trainable ones;
    - one float dataset per weight at that name inside the layer's group; the "/" in the name
      makes it ``block1_conv1/block1_conv1/kernel:0`` in the file.

    Keras loads such a file by order: the n-th layer with weights of the file into the n-th
    layer with weights of the model, weights in ``weight_names`` order. Returns ``path``.
    """
    import h5py

    path = Path(path)
    with h5py.File(path, "w") as root:
        root.attrs["layer_names"] = np.array([layer.name.encode("utf8")
                                              for layer in model.layers])
        root.attrs["backend"] = keras.backend.backend().encode("utf8")
        root.attrs["keras_version"] = str(keras.__version__).encode("utf8")
        for layer in sorted(model.layers, key=lambda layer: layer.name):
            group = root.create_group(layer.name)
            variables = layer.trainable_weights + layer.non_trainable_weights   # Keras' order
            weight_names = [f"{layer.name}/{variable.name}:0".encode("utf8")
                            for variable in variables]
            group.attrs["weight_names"] = np.array(weight_names) if weight_names else np.array([])
            for name, variable in zip(weight_names, variables):
                group.create_dataset(name.decode("utf8"),
                                     data=np.asarray(variable.numpy()))
    return path
