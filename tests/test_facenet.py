"""utils.facenet: the faceRecoModel architecture and its Keras-OpenFace CSV weight layout.

A complete set of CSV files with seeded values is written once per module (about 3.7M numbers);
the loaded model is checked against them value by value, with explicit (out, in, h, w) ->
(h, w, in, out) index arithmetic for convolution kernels and (out, in) -> (in, out) for the
dense layer."""
from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from utils import facenet  # noqa: E402

PARAMS = 3_743_280          # the original course printed "Total Params: 3743280"
TRAINABLE = 3_733_968       # minus the batch normalisations' running means and variances
STEMS = facenet.FACENET_WEIGHT_SHAPES


LEVELS = 5000
NUMBERS = [str(k / 10000) for k in range(-LEVELS, LEVELS + 1)]   # text of every value used


def random_codes(seed: int = 0) -> dict[str, np.ndarray]:
    """Seeded integer codes in [-5000, 5000] (the value is code / 10000, 4 decimals, exact after
    the float32 round trip of its text); running variances positive so the model stays finite."""
    rng = np.random.default_rng(seed)
    codes = {}
    for stem, shape in STEMS.items():
        low = 1000 if stem.endswith("_v") else -LEVELS
        codes[stem] = rng.integers(low, LEVELS + 1, size=shape)
    return codes


def csv_text(codes: np.ndarray, per_line: int | None = None) -> str:
    """The values code / 10000, comma-separated, on one line or ``per_line`` numbers a line."""
    flat = [NUMBERS[k + LEVELS] for k in np.ravel(codes).tolist()]
    if per_line is None:
        return ",".join(flat) + "\n"
    return "".join(",".join(flat[i:i + per_line]) + "\n" for i in range(0, len(flat), per_line))


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    """(data dir, CSV folder, {stem: float32 array in Torch order}); dense_w on 128 lines."""
    data = tmp_path_factory.mktemp("data")
    folder = data / "facenet_weights"
    folder.mkdir()
    codes = random_codes()
    for stem, code in codes.items():
        per_line = STEMS[stem][1] if stem == "dense_w" else None
        (folder / f"{stem}.csv").write_text(csv_text(code, per_line))
    return data, folder, {stem: (c / 10000).astype(np.float32) for stem, c in codes.items()}


@pytest.fixture(scope="module")
def model():
    return facenet.build_facenet()


@pytest.fixture(scope="module")
def loaded(model, weights):
    return facenet.load_facenet_weights(model, weights[1])


def variant(tmp_path, folder, drop=(), replace=None):
    """A copy of ``folder`` (symbolic links) without ``drop`` stems, with ``replace`` texts."""
    replace = replace or {}
    for stem in STEMS:
        if stem in drop:
            continue
        target = tmp_path / f"{stem}.csv"
        if stem in replace:
            target.write_text(replace[stem])
        else:
            target.symlink_to(folder / f"{stem}.csv")
    return tmp_path


# --------------------------------------------------------------------------- architecture
def test_model_maps_faces_to_unit_128d_encodings(model):
    images = np.random.default_rng(1).random((3, 96, 96, 3), dtype=np.float32)
    encodings = np.asarray(model(images, training=False))
    assert encodings.shape == (3, 128)
    np.testing.assert_allclose(np.linalg.norm(encodings, axis=1), 1.0, atol=1e-5)
    assert model.count_params() == PARAMS
    assert sum(int(np.prod(w.shape)) for w in model.trainable_weights) == TRAINABLE


def test_block_output_sizes(model):
    sizes = {block.name: tuple(model.get_layer(block.name).output.shape[1:])
             for block in facenet.INCEPTION_BLOCKS}
    assert sizes == {"inception_3a": (12, 12, 256), "inception_3b": (12, 12, 320),
                     "inception_3c": (6, 6, 640), "inception_4a": (6, 6, 640),
                     "inception_4e": (3, 3, 1024), "inception_5a": (3, 3, 736),
                     "inception_5b": (3, 3, 736)}


def test_weight_table_lists_every_file_of_the_layout(model):
    assert len(STEMS) == 224 == 37 * 2 + 37 * 4 + 2
    assert sum(int(np.prod(s)) for s in STEMS.values()) == PARAMS
    # spot checks against Keras-OpenFace's table (Torch order: out, in, h, w)
    assert STEMS["conv1_w"] == (64, 3, 7, 7)
    assert STEMS["conv3_w"] == (192, 64, 3, 3)
    assert STEMS["inception_3a_5x5_conv2_w"] == (32, 16, 5, 5)
    assert STEMS["inception_4a_1x1_conv_w"] == (256, 640, 1, 1)
    assert STEMS["inception_4e_5x5_conv2_w"] == (128, 64, 5, 5)
    assert STEMS["inception_5b_3x3_conv1_w"] == (96, 736, 1, 1)
    assert STEMS["inception_5a_pool_bn_v"] == (96,)
    assert STEMS["dense_w"] == (128, 736) and STEMS["dense_b"] == (128,)
    assert "inception_3c_pool_conv_w" not in STEMS and "inception_5a_5x5_conv1_w" not in STEMS
    # the model's weighted layers are exactly those, with matching sizes
    weighted = {layer.name: layer for layer in model.layers if layer.weights}
    assert sorted(weighted) == sorted(facenet.keras_layer_weights_names())
    for conv, (out, cin, h, w) in facenet.conv_shapes().items():
        assert tuple(weighted[conv].kernel.shape) == (h, w, cin, out)


def test_other_input_sizes_are_refused():
    with pytest.raises(ValueError, match="96"):
        facenet.build_facenet((64, 64, 3))


# --------------------------------------------------------------------------- loading CSV files
def test_every_weight_equals_its_csv_transposed(loaded, weights):
    arrays = weights[2]
    for conv in facenet.conv_shapes():
        kernel, bias = loaded.get_layer(conv).get_weights()
        np.testing.assert_array_equal(kernel.transpose(3, 2, 0, 1), arrays[f"{conv}_w"], conv)
        np.testing.assert_array_equal(bias, arrays[f"{conv}_b"], conv)
        bn = facenet.bn_name(conv)
        layer = loaded.get_layer(bn)
        gamma, beta = layer.gamma.numpy(), layer.beta.numpy()
        mean, variance = layer.moving_mean.numpy(), layer.moving_variance.numpy()
        for value, suffix in zip((gamma, beta, mean, variance), "wbmv"):
            np.testing.assert_array_equal(value, arrays[f"{bn}_{suffix}"], f"{bn}_{suffix}")
    kernel, bias = loaded.get_layer("dense_layer").get_weights()
    np.testing.assert_array_equal(kernel.T, arrays["dense_w"])
    np.testing.assert_array_equal(bias, arrays["dense_b"])


@pytest.mark.parametrize("conv", ["conv1", "inception_3a_5x5_conv2", "inception_4e_3x3_conv2"])
def test_conv_kernel_element_by_element(loaded, weights, conv):
    """keras[h, w, i, o] is value number ((o * IN + i) * H + h) * W + w of the file."""
    flat = np.array((weights[1] / f"{conv}_w.csv").read_text().split(","), dtype=np.float32)
    out, cin, height, width = STEMS[f"{conv}_w"]
    kernel = loaded.get_layer(conv).kernel.numpy()
    assert kernel.shape == (height, width, cin, out)
    for h, w, i, o in np.ndindex(kernel.shape):
        assert kernel[h, w, i, o] == flat[((o * cin + i) * height + h) * width + w], (h, w, i, o)


def test_dense_kernel_element_by_element(loaded, weights):
    """keras[i, o] is value number o * 736 + i of dense_w.csv (written 736 numbers a line)."""
    text = (weights[1] / "dense_w.csv").read_text()
    assert text.count("\n") == 128
    flat = np.array(text.replace("\n", ",").strip(",").split(","), dtype=np.float32)
    kernel = loaded.get_layer("dense_layer").kernel.numpy()
    assert kernel.shape == (736, 128)
    for i, o in np.ndindex(kernel.shape):
        assert kernel[i, o] == flat[o * 736 + i], (i, o)


def test_loaded_model_encodes(loaded):
    images = np.random.default_rng(2).random((2, 96, 96, 3), dtype=np.float32)
    encodings = np.asarray(loaded(images, training=False))
    assert np.isfinite(encodings).all()
    np.testing.assert_allclose(np.linalg.norm(encodings, axis=1), 1.0, atol=1e-5)


def test_wrong_size_file_is_named_and_nothing_is_set(tmp_path, weights):
    fresh = facenet.build_facenet()
    before = [w.copy() for w in fresh.get_weights()]
    short = csv_text(random_codes()["conv3_w"].ravel()[:-1])
    folder = variant(tmp_path, weights[1], replace={"conv3_w": short})
    with pytest.raises(facenet.FaceNetWeightsError) as error:
        facenet.load_facenet_weights(fresh, folder)
    message = str(error.value)
    assert "conv3_w.csv" in message
    assert "110592" in message and "110591" in message and "(192, 64, 3, 3)" in message
    for old, new in zip(before, fresh.get_weights()):
        np.testing.assert_array_equal(old, new)


def test_missing_file_is_named(tmp_path, weights, model):
    folder = variant(tmp_path, weights[1], drop={"inception_4e_5x5_bn2_v"})
    with pytest.raises(facenet.FaceNetWeightsError) as error:
        facenet.load_facenet_weights(model, folder)
    assert str(error.value).startswith("inception_4e_5x5_bn2_v.csv is missing from")
    assert "(expected 128 values, shape (128,))" in str(error.value)
    with pytest.raises(facenet.FaceNetWeightsError, match="no FaceNet weights folder"):
        facenet.load_facenet_weights(model, tmp_path / "nowhere")


def test_text_that_is_not_numbers_is_named(tmp_path, weights, model):
    folder = variant(tmp_path, weights[1], replace={"bn2_b": "0.1,abc\n"})
    with pytest.raises(facenet.FaceNetWeightsError, match=r"bn2_b\.csv"):
        facenet.load_facenet_weights(model, folder)


def test_dense_layer_file_names_are_accepted(tmp_path, weights):
    folder = variant(tmp_path, weights[1], drop={"dense_w", "dense_b"})
    for stem in ("dense_w", "dense_b"):
        (folder / f"dense_layer_{stem[-1]}.csv").symlink_to(weights[1] / f"{stem}.csv")
    path = facenet._csv_path(folder, "dense_w")
    assert path.name == "dense_layer_w.csv"
    np.testing.assert_array_equal(facenet.read_csv_values(path, (128, 736)), weights[2]["dense_w"])
    assert facenet._csv_path(weights[1], "dense_w").name == "dense_w.csv"


def test_numbers_on_several_lines_and_odd_spacing_are_read():
    assert facenet._parse_numbers("1,\r\n2\r\n 3 , -4e-2,\n\n").tolist() == [1, 2, 3, -0.04]
    assert facenet._parse_numbers("1, 2, ").tolist() == [1, 2]      # no phantom -1
    assert facenet._parse_numbers("1,2x") is None


# --------------------------------------------------------------------------- HDF5 files
def write_legacy_h5(path, model, skip=()):
    """A Keras 2 ``save_weights`` layout: layer names (weightless layers too), per layer its
    weight names and arrays; layers listed in reverse to show matching is by name."""
    with h5py.File(path, "w") as f:
        names = [layer.name for layer in reversed(model.layers) if layer.name not in skip]
        f.attrs["layer_names"] = [n.encode("utf8") for n in names]
        f.attrs["keras_version"] = b"2.1.6"
        for name in names:
            layer = model.get_layer(name)
            group = f.create_group(name)
            weight_names = [f"{name}/{w.name}:0" for w in layer.weights]
            group.attrs["weight_names"] = [n.encode("utf8") for n in weight_names]
            for weight_name, value in zip(weight_names, layer.get_weights()):
                group.create_dataset(weight_name, data=value)


def test_legacy_h5_loads_by_layer_name(tmp_path, loaded):
    path = tmp_path / "facenet_keras2.h5"
    write_legacy_h5(path, loaded)
    fresh = facenet.load_facenet_weights(facenet.build_facenet(), path)
    for old, new in zip(loaded.get_weights(), fresh.get_weights()):
        np.testing.assert_array_equal(old, new)


def test_legacy_h5_without_a_layer_is_refused(tmp_path, loaded, model):
    path = tmp_path / "partial.h5"
    write_legacy_h5(path, loaded, skip={"inception_5b_1x1_bn"})
    with pytest.raises(facenet.FaceNetWeightsError, match="inception_5b_1x1_bn"):
        facenet.load_facenet_weights(model, path)


def test_keras3_weights_h5_round_trip(tmp_path, loaded):
    path = tmp_path / "facenet.weights.h5"
    loaded.save_weights(path)
    fresh = facenet.load_facenet_weights(facenet.build_facenet(), path)
    for old, new in zip(loaded.get_weights(), fresh.get_weights()):
        np.testing.assert_array_equal(old, new)


# --------------------------------------------------------------------------- finding the files
def test_nothing_found_in_an_empty_folder(tmp_path):
    assert facenet.find_original_facenet(tmp_path) is None
    assert facenet.load_original_facenet(tmp_path) is None


def test_csv_folder_is_found_and_loaded(weights, monkeypatch, capsys):
    data, folder, arrays = weights
    assert facenet.find_original_facenet(data) == folder
    monkeypatch.setenv("CNN_COURSE_DATA", str(data))
    assert facenet.find_original_facenet() == folder
    model = facenet.load_original_facenet()
    assert "3,743,280 parameters" in capsys.readouterr().out
    np.testing.assert_array_equal(model.get_layer("conv1").kernel.numpy().transpose(3, 2, 0, 1),
                                  arrays["conv1_w"])


def test_h5_file_is_found(tmp_path):
    (tmp_path / "facenet_weights").mkdir()
    (tmp_path / "facenet_weights" / "nn4.small2.h5").write_bytes(b"")
    assert facenet.find_original_facenet(tmp_path) == tmp_path / "facenet_weights" / "nn4.small2.h5"
    (tmp_path / "weights").mkdir()
    (tmp_path / "weights" / "conv1_w.csv").write_text("0\n")
    assert facenet.find_original_facenet(tmp_path) == tmp_path / "weights"
