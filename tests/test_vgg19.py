"""utils.vgg19: finding, checking and loading VGG-19's weight file; [0, 1] RGB input.

No ImageNet weights can be downloaded here, so a VGG-19 is built with ``weights=None`` and given
seeded weights (NumPy's generator), then written in the two layouts the loader accepts: Keras 2's
legacy HDF5 (the downloaded file's, by :func:`utils.vgg19.write_legacy_weights`) and Keras 3's
``save_weights``. The loaded models are compared with it weight by weight and output by output.
The network (20M parameters) is built once per module."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import h5py  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

from utils import vgg19  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
LEGACY, KERAS3 = vgg19.VGG19_FILE_NAMES
CHECKED = ("block1_conv1", "block3_conv4", "block5_conv4")
SIZE = (32, 48)


def seeded_weights(model: keras.Model, seed: int = 19) -> keras.Model:
    """He-scaled normal kernels and small biases from ``np.random.default_rng(seed)``, so that
    activations stay finite and non-zero through the 16 layers."""
    rng = np.random.default_rng(seed)
    for name, (kernel_shape, bias_shape) in vgg19.VGG19_SHAPES:
        fan_in = int(np.prod(kernel_shape[:3]))
        kernel = rng.standard_normal(kernel_shape, dtype=np.float32) * np.sqrt(2 / fan_in)
        bias = rng.normal(0.0, 0.1, bias_shape).astype(np.float32)
        model.get_layer(name).set_weights([kernel.astype(np.float32), bias])
    return model


def pictures(count: int = 1, seed: int = 0) -> np.ndarray:
    """float32 RGB pictures in [0, 1], (count, 32, 48, 3)."""
    return np.random.default_rng(seed).random((count, *SIZE, 3), dtype=np.float32)


def caffe(images: np.ndarray) -> np.ndarray:
    """Keras' own VGG-19 preprocessing of [0, 1] RGB pictures (a reference for ours)."""
    return keras.applications.vgg19.preprocess_input(np.array(images, dtype=np.float32) * 255)


def text(value) -> str:
    """An HDF5 string attribute (h5py gives str or bytes, depending on how it was stored)."""
    return value.decode("utf8") if isinstance(value, bytes) else str(value)


def assert_same_weights(model: keras.Model, reference: keras.Model, names=CHECKED) -> None:
    for name in names:
        for got, want in zip(model.get_layer(name).get_weights(),
                             reference.get_layer(name).get_weights()):
            np.testing.assert_array_equal(got, want, name)


@pytest.fixture(scope="module")
def reference():
    """VGG-19 without the top, input (None, None, 3), seeded weights."""
    model = keras.applications.VGG19(include_top=False, weights=None, input_shape=(None, None, 3))
    return seeded_weights(model)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory, reference):
    """A data folder whose vgg19/ holds the reference's weights under Keras' download name."""
    data = tmp_path_factory.mktemp("data")
    (data / vgg19.VGG19_FOLDER).mkdir()
    vgg19.write_legacy_weights(reference, data / vgg19.VGG19_FOLDER / LEGACY)
    return data


@pytest.fixture(scope="module")
def loaded(data_dir):
    return vgg19.load_vgg19(data_dir=data_dir, verbose=False)


@pytest.fixture(scope="module")
def pixels(loaded):
    return vgg19.vgg19_for_pixels(loaded)


def weights_dir(tmp_path: Path) -> Path:
    folder = tmp_path / vgg19.VGG19_FOLDER
    folder.mkdir(exist_ok=True)
    return folder


def load_error(data_dir: Path) -> str:
    with pytest.raises(vgg19.VGG19WeightsError) as error:
        vgg19.load_vgg19(data_dir=data_dir, verbose=False)
    return str(error.value)


# --------------------------------------------------------------------------- the layer table
def test_layer_table_matches_keras_vgg19(reference):
    assert vgg19.VGG19_LAYERS == tuple(
        f"block{b}_conv{c}" for b, convs in enumerate((2, 2, 4, 4, 4), 1)
        for c in range(1, convs + 1))
    assert len(vgg19.VGG19_LAYERS) == 16
    convs = [layer for layer in reference.layers if isinstance(layer, keras.layers.Conv2D)]
    assert [layer.name for layer in convs] == list(vgg19.VGG19_LAYERS)
    for layer, (name, shapes) in zip(convs, vgg19.VGG19_SHAPES):
        assert [tuple(w.shape) for w in layer.get_weights()] == shapes, name
    total = sum(int(np.prod(s)) for _, shapes in vgg19.VGG19_SHAPES for s in shapes)
    assert total == vgg19.VGG19_PARAMS == reference.count_params() == 20_024_384
    assert vgg19.VGG19_FILE_NAMES == ("vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
                                      "vgg19_notop.weights.h5")
    data = Path(os.environ.get("CNN_COURSE_DATA", REPO / "data"))
    assert vgg19.VGG19_DIR == data / "vgg19"


# --------------------------------------------------------------------------- the legacy layout
def test_legacy_file_has_keras2_layout(data_dir, reference):
    with h5py.File(data_dir / "vgg19" / LEGACY, "r") as root:
        names = [n.decode() for n in root.attrs["layer_names"]]
        assert names == [layer.name for layer in reference.layers]
        assert text(root.attrs["backend"]) == "tensorflow"
        assert text(root.attrs["keras_version"]) == keras.__version__
        assert list(root["block1_conv1"].attrs["weight_names"]) == [
            b"block1_conv1/kernel:0", b"block1_conv1/bias:0"]
        assert len(root["block3_pool"].attrs["weight_names"]) == 0
        kernel = root["block1_conv1"]["block1_conv1/kernel:0"]
        assert kernel.shape == (3, 3, 3, 64) and kernel.dtype == np.float32
        np.testing.assert_array_equal(kernel[()], reference.get_layer("block1_conv1").kernel)
        np.testing.assert_array_equal(root["block5_conv4/block5_conv4/bias:0"][()],
                                      reference.get_layer("block5_conv4").bias)


def test_keras_own_legacy_reader_reads_it(data_dir, reference):
    from keras.src.legacy.saving import legacy_h5_format as legacy

    with h5py.File(data_dir / "vgg19" / LEGACY, "r") as root:
        names = legacy.load_attributes_from_hdf5_group(root, "layer_names")
        assert names == [layer.name for layer in reference.layers]
        for name in CHECKED:
            values = legacy.load_subset_weights_from_hdf5_group(root[name])
            for got, want in zip(values, reference.get_layer(name).get_weights(), strict=True):
                np.testing.assert_array_equal(got, want)


# --------------------------------------------------------------------------- finding and loading
def test_find_then_load_legacy_file_gives_the_same_network(data_dir, loaded, reference):
    assert vgg19.find_vgg19_weights(data_dir) == data_dir / "vgg19" / LEGACY
    assert_same_weights(loaded, reference, vgg19.VGG19_LAYERS)
    assert loaded.count_params() == vgg19.VGG19_PARAMS
    assert tuple(loaded.input_shape) == (None, None, None, 3)
    assert not loaded.trainable and not loaded.trainable_weights
    assert all(not layer.trainable for layer in loaded.layers)
    x = caffe(pictures(2))
    np.testing.assert_array_equal(np.asarray(loaded(x)), np.asarray(reference(x)))
    assert loaded(x).shape == (2, 1, 1, 512)


def test_keras3_weights_file_loads_and_says_so(tmp_path, reference, capsys):
    folder = weights_dir(tmp_path)
    reference.save_weights(folder / KERAS3)
    assert vgg19.find_vgg19_weights(tmp_path) == folder / KERAS3
    model = vgg19.load_vgg19(data_dir=tmp_path)
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and str(folder / KERAS3) in out[0] and "20,024,384" in out[0]
    assert_same_weights(model, reference)
    x = caffe(pictures(seed=3))
    np.testing.assert_array_equal(np.asarray(model(x)), np.asarray(reference(x)))
    assert not model.trainable_weights


def test_download_names_of_keras1_load_too(tmp_path, data_dir, reference):
    """The file Keras downloads names its datasets ``block1_conv1_W_1:0`` (written by Keras 1);
    loading goes by ``weight_names`` order, so only the shapes matter."""
    path = weights_dir(tmp_path) / LEGACY
    shutil.copy(data_dir / "vgg19" / LEGACY, path)
    with h5py.File(path, "r+") as root:
        del root.attrs["keras_version"], root.attrs["backend"]
        for name in vgg19.VGG19_LAYERS:
            group = root[name]
            new = [f"{name}_W_1:0", f"{name}_b_1:0"]
            for old, renamed in zip(group.attrs["weight_names"], new):
                group.move(old.decode(), renamed)
            group.attrs["weight_names"] = np.array([n.encode() for n in new])
            del group[name]                                   # the emptied subgroup
    model = vgg19.load_vgg19(path, verbose=False)
    assert_same_weights(model, reference)


def test_find_takes_the_first_accepted_name(tmp_path):
    assert vgg19.find_vgg19_weights(tmp_path) is None
    folder = weights_dir(tmp_path)
    (folder / KERAS3).touch()
    assert vgg19.find_vgg19_weights(tmp_path) == folder / KERAS3
    (folder / LEGACY).touch()
    assert vgg19.find_vgg19_weights(tmp_path) == folder / LEGACY     # Keras' name first
    (folder / "other.h5").touch()
    assert vgg19.find_vgg19_weights(tmp_path) == folder / LEGACY


def test_find_honours_cnn_course_data(tmp_path, monkeypatch, data_dir):
    monkeypatch.setenv("CNN_COURSE_DATA", str(tmp_path))
    assert vgg19.vgg19_dir() == tmp_path / "vgg19"
    assert vgg19.find_vgg19_weights() is None
    (weights_dir(tmp_path) / LEGACY).touch()
    assert vgg19.find_vgg19_weights() == tmp_path / "vgg19" / LEGACY
    assert vgg19.find_vgg19_weights(data_dir) == data_dir / "vgg19" / LEGACY   # argument first
    monkeypatch.delenv("CNN_COURSE_DATA")
    assert vgg19.vgg19_dir() == REPO / "data" / "vgg19"


# --------------------------------------------------------------------------- files that do not fit
def test_missing_file_says_where_and_how(tmp_path, monkeypatch):
    monkeypatch.setenv("CNN_COURSE_DATA", str(tmp_path / "elsewhere"))
    message = load_error(tmp_path)
    assert issubclass(vgg19.VGG19WeightsError, FileNotFoundError)
    assert str(tmp_path / "vgg19") in message and "elsewhere" not in message
    for text in (LEGACY, KERAS3, 'keras.applications.VGG19(include_top=False, '
                 'weights="imagenet")', "~/.keras/models/", "CNN_COURSE_DATA", "style_net"):
        assert text in message, text
    with pytest.raises(vgg19.VGG19WeightsError, match="no VGG-19 weights file at .*nowhere.h5"):
        vgg19.load_vgg19(tmp_path / "nowhere.h5")


def test_vgg16_file_is_named(tmp_path):
    path = weights_dir(tmp_path) / LEGACY
    vgg19.write_legacy_weights(keras.applications.VGG16(include_top=False, weights=None), path)
    message = load_error(tmp_path)
    assert message.startswith(f"{path} does not hold VGG-19's weights without the top")
    assert "13 convolution layers of VGG-16" in message
    assert "16 convolution layers, block1_conv1 (kernel (3, 3, 3, 64))" in message
    assert "20,024,384" in message


def test_file_with_the_classifier_is_named(tmp_path, data_dir):
    """The include_top file's layout (datasets left unwritten: HDF5 allocates no space)."""
    path = weights_dir(tmp_path) / LEGACY
    top = [("fc1", [(25088, 4096), (4096,)]), ("fc2", [(4096, 4096), (4096,)]),
           ("predictions", [(4096, 1000), (1000,)])]
    with h5py.File(path, "w") as root:
        names = ["input_1", *vgg19.VGG19_LAYERS, "flatten", *(name for name, _ in top)]
        root.attrs["layer_names"] = np.array([n.encode() for n in names])
        root.create_group("input_1").attrs["weight_names"] = np.array([])
        root.create_group("flatten").attrs["weight_names"] = np.array([])
        for name, shapes in [*vgg19.VGG19_SHAPES, *top]:
            group = root.create_group(name)
            weight_names = [f"{name}_W_1:0", f"{name}_b_1:0"]
            group.attrs["weight_names"] = np.array([n.encode() for n in weight_names])
            for weight_name, shape in zip(weight_names, shapes):
                group.create_dataset(weight_name, shape, dtype="float32")
    assert path.stat().st_size < 1_000_000
    message = load_error(tmp_path)
    assert str(path) in message and "fc1, fc2, predictions" in message
    assert vgg19.WITH_TOP_FILE_NAME in message and "include_top=False" in message


def test_garbage_truncated_and_foreign_files_are_named(tmp_path, data_dir):
    path = weights_dir(tmp_path) / LEGACY
    path.write_bytes(np.random.default_rng(5).bytes(4096))
    with pytest.raises(vgg19.VGG19WeightsError) as error:
        vgg19.load_vgg19(data_dir=tmp_path, verbose=False)
    assert str(path) in str(error.value) and "cannot be read" in str(error.value)
    assert isinstance(error.value.__cause__, OSError)

    whole = (data_dir / "vgg19" / LEGACY).read_bytes()
    path.write_bytes(whole[:len(whole) // 2])
    with pytest.raises(vgg19.VGG19WeightsError) as error:
        vgg19.load_vgg19(data_dir=tmp_path, verbose=False)
    assert str(path) in str(error.value) and error.value.__cause__ is not None

    with h5py.File(path, "w") as root:
        root["images"] = np.zeros((2, 4, 4, 3), np.uint8)
    assert "not Keras weights" in load_error(tmp_path)

    with h5py.File(path, "w") as root:
        root.attrs["layer_names"] = np.array([b"dense"])
        root.create_group("dense").attrs["weight_names"] = np.array([b"dense/kernel:0"])
        root["dense"]["dense/kernel:0"] = np.zeros((3, 2), np.float32)
    message = load_error(tmp_path)
    assert "weighted layer 1 (dense) has weights of shapes [(3, 2)]" in message


def test_a_layout_under_the_other_name_is_named(tmp_path, data_dir):
    folder = weights_dir(tmp_path)
    (folder / KERAS3).symlink_to(data_dir / "vgg19" / LEGACY)       # legacy content, Keras 3 name
    message = load_error(tmp_path)
    assert str(folder / KERAS3) in message and f"rename it {LEGACY}" in message


def test_keras_errors_are_wrapped_and_chained(tmp_path, data_dir, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("Layer count mismatch")

    monkeypatch.setattr(keras.applications, "VGG19", broken)
    with pytest.raises(vgg19.VGG19WeightsError, match="Keras could not load .*Layer count") as e:
        vgg19.load_vgg19(data_dir=data_dir, verbose=False)
    assert isinstance(e.value.__cause__, ValueError)


# --------------------------------------------------------------------------- [0, 1] RGB input
def test_preprocess_gives_the_exact_numbers():
    pixel = np.array([[[[1.0, 0.5, 0.25]]]], dtype=np.float32)        # R, G, B
    got = np.asarray(vgg19.preprocess_vgg19(pixel))
    f32 = np.float32
    want = np.array([f32(63.75) - f32(103.939), f32(127.5) - f32(116.779),
                     f32(255.0) - f32(123.68)], dtype=np.float32)     # B, G, R
    assert got.shape == (1, 1, 1, 3) and got.dtype == np.float32
    np.testing.assert_array_equal(got[0, 0, 0], want)
    np.testing.assert_allclose(want, [-40.189, 10.721, 131.32], atol=1e-4)
    images = pictures(2, seed=7)
    np.testing.assert_allclose(np.asarray(vgg19.preprocess_vgg19(images)), caffe(images),
                               rtol=0, atol=1e-4)


def test_preprocess_works_on_symbolic_tensors():
    inputs = keras.Input((None, None, 3))
    assert tuple(vgg19.preprocess_vgg19(inputs).shape) == (None, None, None, 3)


def test_pixels_model_keeps_the_layers_by_name(pixels, loaded):
    names = [layer.name for layer in pixels.layers]
    assert names[:2] == ["pixels", vgg19.PREPROCESS_LAYER]
    assert names[2:] == [layer.name for layer in loaded.layers[1:]]
    assert pixels.count_params() == vgg19.VGG19_PARAMS and not pixels.trainable_weights
    assert_same_weights(pixels, loaded, vgg19.VGG19_LAYERS)
    assert vgg19.vgg19_for_pixels(pixels) is pixels                    # not preprocessed twice
    content = keras.Model(pixels.input, pixels.get_layer("block4_conv2").output)
    assert content(pictures()).shape == (1, 4, 6, 512)


def test_layer_outputs_equal_preprocess_then_the_plain_model(pixels, loaded):
    names = ["block1_conv1", "block4_conv2"]
    model = vgg19.layer_outputs(pixels, names)
    x = pictures(seed=11)
    outputs = [np.asarray(o) for o in model(x)]
    assert [o.shape for o in outputs] == [(1, 32, 48, 64), (1, 4, 6, 512)]
    by_hand = keras.Model(loaded.input, [loaded.get_layer(n).output for n in names])
    for got, want in zip(outputs, by_hand(vgg19.preprocess_vgg19(x))):
        np.testing.assert_array_equal(got, np.asarray(want))
    for got, want in zip(outputs, by_hand(caffe(x))):                 # Keras' preprocessing
        np.testing.assert_allclose(got, np.asarray(want), rtol=1e-4, atol=1e-3)
    assert np.abs(outputs[1]).max() > 0
    wrapped = vgg19.layer_outputs(loaded, names[::-1])                 # plain VGG-19: wrapped
    np.testing.assert_array_equal(np.asarray(wrapped(x)[0]), outputs[1])
    with pytest.raises(ValueError, match="no layer 'block6_conv1'"):
        vgg19.layer_outputs(pixels, ["block1_conv1", "block6_conv1"])


def test_gradients_reach_the_picture(pixels, loaded):
    """d loss / d picture = 255 * (d loss / d preprocessed picture) with channels reversed."""
    model = vgg19.layer_outputs(pixels, ["block3_conv1", "block4_conv2"])
    picture = tf.Variable(pictures(seed=13))
    with tf.GradientTape() as tape:
        loss = sum(tf.reduce_mean(tf.square(o)) for o in model(picture))
    grad = tape.gradient(loss, picture)
    assert grad is not None and grad.shape == (1, 32, 48, 3)
    grad = grad.numpy()
    assert np.isfinite(grad).all() and np.abs(grad).max() > 0

    plain = keras.Model(loaded.input, [loaded.get_layer(n).output
                                       for n in ("block3_conv1", "block4_conv2")])
    preprocessed = tf.Variable(caffe(pictures(seed=13)))
    with tf.GradientTape() as tape:
        loss = sum(tf.reduce_mean(tf.square(o)) for o in plain(preprocessed))
    want = 255 * tape.gradient(loss, preprocessed).numpy()[..., ::-1]
    np.testing.assert_allclose(grad, want, rtol=1e-3, atol=1e-3 * np.abs(want).max())


def test_the_style_network_is_vgg19_when_its_file_is_there(data_dir, reference, capsys):
    from utils.style_net import VGG19_CONTENT_LAYER, VGG19_STYLE_LAYERS, load_style_network

    network = load_style_network(data_dir=data_dir)
    assert network.name == "VGG-19 (ImageNet)"
    assert network.style_layers == VGG19_STYLE_LAYERS and network.content_layer == "block4_conv2"
    assert str(data_dir) in capsys.readouterr().out
    outputs = network.outputs_model()(pictures())
    assert [tuple(o.shape) for o in outputs] == [(1, 32, 48, 64), (1, 16, 24, 128),
                                                 (1, 8, 12, 256), (1, 4, 6, 512),
                                                 (1, 2, 3, 512), (1, 4, 6, 512)]
    by_hand = keras.Model(reference.input, reference.get_layer(VGG19_CONTENT_LAYER).output)
    np.testing.assert_allclose(outputs[-1], by_hand(caffe(pictures())), rtol=1e-4, atol=1e-3)
