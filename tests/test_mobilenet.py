"""utils.mobilenet: finding, naming and loading MobileNetV2 weight files, without the real ones.

The tests write their own small weight file: MobileNetV2 at alpha 0.35 for 96x96 pictures with
weights drawn from a NumPy seed, saved in the Keras 2 HDF5 layout of Keras' published files
under the published name. Keras 3's ``save_weights`` cannot write it: it refuses any name not
ending in ``.weights.h5``, and a ``.weights.h5`` file renamed to ``..._no_top.h5`` is read as a
Keras 2 file and fails ("found 0 saved layers"); :func:`write_keras2_weights` writes the layout
``keras/src/legacy/saving/legacy_h5_format.py`` reads.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from utils.mobilenet import (ALPHAS, FILE_PATTERN, MOBILENET_FOLDER, MobileNetWeightsError,
                             MobileNetWeightsMissing, find_mobilenet_weights, load_mobilenet_v2,
                             mobilenet_dir, mobilenet_preprocess, parse_weights_name)

ALPHA, ROWS = 0.35, 96
NAME = FILE_PATTERN.format(alpha=ALPHA, rows=ROWS)


def build(alpha=ALPHA, rows=ROWS):
    import keras

    return keras.applications.MobileNetV2(input_shape=(rows, rows, 3), alpha=alpha,
                                          include_top=False, weights=None, pooling="avg")


def seeded_weights(model, seed=0) -> list[np.ndarray]:
    """Values for ``model.weights`` from a NumPy seed that keep the activations of order one:
    He-scaled kernels, batch-normalisation scales near 1, positive variances."""
    rng = np.random.default_rng(seed)
    values = []
    for weight in model.weights:
        shape, name = tuple(weight.shape), weight.path.rsplit("/", 1)[-1]
        if name == "moving_variance":
            value = rng.uniform(0.5, 1.5, shape)
        elif name == "gamma":
            value = rng.normal(1.0, 0.1, shape)
        elif len(shape) >= 2:
            fan_in = np.prod(shape[:-1]) if shape[-1] != 1 else np.prod(shape[:2])  # depthwise
            value = rng.normal(0.0, np.sqrt(2.0 / fan_in), shape)
        else:
            value = rng.normal(0.0, 0.1, shape)
        values.append(value.astype(np.float32))
    return values


def write_keras2_weights(model, path) -> Path:
    """``model``'s weights in Keras 2's ``save_weights`` HDF5 layout (that of the published
    files): root attribute ``layer_names`` (every layer, model order), one group per layer with
    attribute ``weight_names`` (trainable weights, then non-trainable: e.g. ``Conv1/kernel:0``)
    and one dataset per weight at that name. Keras loads it by order of the layers with weights.
    """
    import h5py
    import keras

    path = Path(path)
    with h5py.File(path, "w") as root:
        root.attrs["layer_names"] = np.array([layer.name.encode("utf8")
                                              for layer in model.layers])
        root.attrs["backend"] = b"tensorflow"
        root.attrs["keras_version"] = str(keras.__version__).encode("utf8")
        for layer in sorted(model.layers, key=lambda layer: layer.name):
            group = root.create_group(layer.name)
            variables = layer.trainable_weights + layer.non_trainable_weights
            names = [f"{layer.name}/{variable.path.rsplit('/', 1)[-1]}:0".encode("utf8")
                     for variable in variables]
            group.attrs["weight_names"] = np.array(names) if names else np.array([], dtype="S1")
            for name, variable in zip(names, variables):
                group.create_dataset(name.decode("utf8"), data=np.asarray(variable.numpy()))
    return path


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """(data folder holding mobilenet_v2/<NAME>, seeded weights, input batch, original output)."""
    data = tmp_path_factory.mktemp("data")
    folder = data / MOBILENET_FOLDER
    folder.mkdir()
    model = build()
    weights = seeded_weights(model)
    model.set_weights(weights)
    write_keras2_weights(model, folder / NAME)
    images = np.random.default_rng(1).uniform(-1.0, 1.0, (2, ROWS, ROWS, 3)).astype(np.float32)
    output = np.asarray(model(images, training=False))
    return data, weights, images, output


# --------------------------------------------------------------------------- names
def test_parse_weights_name():
    assert parse_weights_name(NAME) == (0.35, 96)
    assert parse_weights_name(
        "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_160_no_top.h5") == (1.0, 160)
    assert parse_weights_name(
        Path("/x/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.4_224_no_top.h5")) == (1.4, 224)
    assert parse_weights_name(
        "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.5_128_no_top.h5") == (0.5, 128)
    for name in ("mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5",       # with top
                 "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.50_128_no_top.h5",  # "0.50"
                 "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.6_128_no_top.h5",   # alpha
                 "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_100_no_top.h5",   # rows
                 "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.weights.h5",
                 "mobilenet_1_0_224_tf_no_top.h5",                                      # V1
                 "x" + NAME, NAME + ".bak", ""):
        assert parse_weights_name(name) is None, name
    assert {FILE_PATTERN.format(alpha=a, rows=96) for a in ALPHAS} == {
        FILE_PATTERN.format(alpha=float(a), rows=96) for a in ALPHAS}   # Keras' f"{float(alpha)}"


def test_find_mobilenet_weights(tmp_path, monkeypatch):
    folder = tmp_path / MOBILENET_FOLDER
    assert find_mobilenet_weights(tmp_path) is None                     # no folder
    folder.mkdir()
    (folder / "notes.txt").write_text("x")
    (folder / "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5").write_bytes(b"x")
    assert find_mobilenet_weights(tmp_path) is None                     # nothing that counts
    for alpha, rows in (("0.35", 96), ("1.0", 224), ("1.0", 160), ("1.4", 96)):
        (folder / FILE_PATTERN.format(alpha=alpha, rows=rows)).write_bytes(b"x")
    expected = folder / FILE_PATTERN.format(alpha="1.0", rows=160)
    assert find_mobilenet_weights(tmp_path) == expected
    monkeypatch.setenv("CNN_COURSE_DATA", str(tmp_path))
    assert mobilenet_dir() == folder
    assert find_mobilenet_weights() == expected


# --------------------------------------------------------------------------- loading
def test_load_round_trip(written, capfd):
    data, weights, images, output = written
    path = data / MOBILENET_FOLDER / NAME
    assert find_mobilenet_weights(data) == path
    model = load_mobilenet_v2(data_dir=data)
    out, err = capfd.readouterr()
    assert out == f"loaded MobileNetV2 (alpha 0.35) ImageNet weights from {path}\n"
    assert err == ""
    assert tuple(model.input.shape) == (None, ROWS, ROWS, 3)
    loaded = model.get_weights()
    assert len(loaded) == len(weights) == 260
    for got, want in zip(loaded, weights):
        np.testing.assert_array_equal(got, want)
    result = np.asarray(model(images, training=False))
    assert output.shape == (2, 1280)     # the last convolution keeps 1280 filters for alpha <= 1
    assert result.shape == output.shape
    assert 0.05 < float(np.std(output)) < 100.0   # the seeded network's outputs are not degenerate
    np.testing.assert_allclose(result, output, rtol=0, atol=1e-5)


def test_load_by_path_other_size(written):
    data, weights, images, output = written
    model = load_mobilenet_v2(data / MOBILENET_FOLDER / NAME, input_shape=(128, 128, 3),
                              verbose=False)
    assert tuple(model.input.shape) == (None, 128, 128, 3)
    assert tuple(model.output.shape) == (None, 1280)
    for got, want in zip(model.get_weights(), weights):
        np.testing.assert_array_equal(got, want)


def test_missing_raises(tmp_path, monkeypatch):
    monkeypatch.delenv("CNN_COURSE_DATA", raising=False)
    with pytest.raises(MobileNetWeightsMissing) as caught:
        load_mobilenet_v2(data_dir=tmp_path / "nowhere")
    message = str(caught.value)
    assert isinstance(caught.value, FileNotFoundError)
    assert str(tmp_path / "nowhere" / MOBILENET_FOLDER) in message
    assert "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{alpha}_{rows}_no_top.h5" in message
    assert "ResNet-50" in message and "SIGNS" in message and "falls back" in message
    with pytest.raises(MobileNetWeightsMissing, match="no MobileNetV2 weight file at"):
        load_mobilenet_v2(tmp_path / NAME)


def test_corrupt_file_raises(tmp_path, capfd):
    folder = tmp_path / MOBILENET_FOLDER
    folder.mkdir()
    path = folder / NAME
    path.write_bytes(np.random.default_rng(2).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    with pytest.raises(MobileNetWeightsError) as caught:
        load_mobilenet_v2(data_dir=tmp_path)
    assert isinstance(caught.value, RuntimeError)
    assert str(path) in str(caught.value) and "does not load" in str(caught.value)
    assert capfd.readouterr().err == ""


# Keras' own save_weights, on NumPy 2, warns once per variable (keras/src/backend/tensorflow/core.py)
@pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept:DeprecationWarning")
def test_wrong_alpha_and_layout_raise(written, tmp_path):
    data, weights, images, output = written
    source = data / MOBILENET_FOLDER / NAME
    wrong = tmp_path / FILE_PATTERN.format(alpha="0.5", rows=96)   # 0.35 weights, 0.5's name
    wrong.write_bytes(source.read_bytes())
    with pytest.raises(MobileNetWeightsError, match="alpha 0.5") as caught:
        load_mobilenet_v2(wrong, verbose=False)
    assert str(wrong) in str(caught.value) and "mismatch" in str(caught.value)
    renamed = tmp_path / "other" / NAME     # Keras 3 save_weights file under the legacy name
    renamed.parent.mkdir()
    model = build()
    model.save_weights(tmp_path / "x.weights.h5")
    (tmp_path / "x.weights.h5").rename(renamed)
    with pytest.raises(MobileNetWeightsError, match=r"Keras 3's `model.save_weights` layout"):
        load_mobilenet_v2(renamed, verbose=False)
    unnamed = tmp_path / "mobilenet.h5"                   # good weights, but alpha unknown
    unnamed.write_bytes(source.read_bytes())
    with pytest.raises(MobileNetWeightsError, match="not one of Keras' published"):
        load_mobilenet_v2(unnamed)


# --------------------------------------------------------------------------- preprocessing
def test_mobilenet_preprocess():
    images = np.array([0.0, 1.0, 0.5, 0.25]).reshape(1, 2, 2, 1).repeat(3, axis=-1)
    result = mobilenet_preprocess(images)
    assert result.dtype == np.float32 and result.shape == (1, 2, 2, 3)
    np.testing.assert_array_equal(result[0, :, :, 0].ravel(), [-1.0, 1.0, 0.0, -0.5])
    import keras

    pixels = np.random.default_rng(3).uniform(0.0, 1.0, (2, 4, 4, 3)).astype(np.float32)
    np.testing.assert_allclose(
        mobilenet_preprocess(pixels),
        np.asarray(keras.applications.mobilenet_v2.preprocess_input(pixels * 255.0)),
        rtol=0, atol=1e-6)
