"""utils.darknet: a tiny YOLOv2-shaped cfg and weights file, written here, loaded and checked
against a NumPy re-implementation of Darknet's forward pass (channel-major buffers, its padding,
max-pool and reorg index arithmetic)."""
from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from utils import darknet  # noqa: E402

TINY_CFG = """\
[net]
# training settings are ignored
batch=64
height=32
width=32
channels=3

[convolutional]
batch_normalize=1
filters=8
size=3
stride=1
pad=1
activation=leaky

[maxpool]
size=2
stride=2

[convolutional]
batch_normalize=1
filters=16
size=3
stride=2
pad=1
activation=leaky

[maxpool]
size=2
stride=1

[route]
layers=-3

[convolutional]
batch_normalize=1
filters=4
size=1
stride=1
pad=1
activation=leaky

[reorg]
stride=2

[route]
layers=-1,-4

[convolutional]
size=1
stride=1
pad=1
filters=16
activation=linear

[region]
anchors = 1.0,1.5, 2.0,3.0
classes=3
num=2
coords=4
"""
# (layer index, filters, input channels, size, batch_normalize) of every [convolutional]
CONVS = [(0, 8, 3, 3, True), (2, 16, 8, 3, True), (5, 4, 8, 1, True), (8, 16, 32, 1, False)]
EXPECTED_COUNT = sum(n * ((4 if bn else 1) + c * k * k) for _, n, c, k, bn in CONVS)   # 2040


def make_weights(seed: int = 0) -> list[dict]:
    """Known values for every convolution, as Darknet stores them."""
    rng = np.random.default_rng(seed)
    layers = []
    for index, n, c, k, bn in CONVS:
        entry = {"index": index, "biases": rng.normal(size=n)}
        if bn:
            entry["scales"] = rng.uniform(0.5, 1.5, size=n)
            entry["means"] = rng.normal(scale=0.1, size=n)
            entry["variances"] = rng.uniform(0.5, 1.5, size=n)
        entry["kernel"] = rng.normal(scale=0.3, size=(n, c, k, k))      # (out, in, h, w)
        layers.append({key: (v.astype(np.float32) if isinstance(v, np.ndarray) else v)
                       for key, v in entry.items()})
    return layers


def flat_values(layers: list[dict]) -> np.ndarray:
    chunks = []
    for entry in layers:
        chunks.append(entry["biases"])
        if "scales" in entry:
            chunks += [entry["scales"], entry["means"], entry["variances"]]
        chunks.append(entry["kernel"].ravel())
    return np.concatenate(chunks).astype("<f4")


def header_bytes(major: int, minor: int, revision: int, seen: int) -> bytes:
    head = np.array([major, minor, revision], dtype="<i4").tobytes()
    wide = major * 10 + minor >= 2
    return head + np.array([seen], dtype="<i8" if wide else "<i4").tobytes()


@pytest.fixture
def files(tmp_path):
    """(cfg path, weights path, the written layers) for version 0.2.0 (int64 'seen')."""
    cfg = tmp_path / "tiny.cfg"
    cfg.write_text(TINY_CFG)
    layers = make_weights()
    weights = tmp_path / "tiny.weights"
    weights.write_bytes(header_bytes(0, 2, 0, 32_013_312) + flat_values(layers).tobytes())
    return cfg, weights, layers


# --------------------------------------------------------------------------- NumPy Darknet
def np_conv(x, kernel, stride, pad, bias=None):
    """Darknet's convolution: x (C, H, W), kernel (n, C, k, k), zero padding ``pad`` all round."""
    n, _, k, _ = kernel.shape
    padded = np.pad(x, ((0, 0), (pad, pad), (pad, pad)))
    out_h = (x.shape[1] + 2 * pad - k) // stride + 1
    out_w = (x.shape[2] + 2 * pad - k) // stride + 1
    out = np.zeros((n, out_h, out_w))
    for dy in range(k):
        for dx in range(k):
            window = padded[:, dy:dy + stride * out_h:stride, dx:dx + stride * out_w:stride]
            out += np.einsum("fc,chw->fhw", kernel[:, :, dy, dx], window)
    return out if bias is None else out + bias[:, None, None]


def np_batchnorm(x, entry):
    """Darknet's normalisation: (x - mean) / (sqrt(variance) + .000001) * scale + bias."""
    column = lambda v: v[:, None, None]  # noqa: E731
    normalised = (x - column(entry["means"])) / (np.sqrt(column(entry["variances"])) + 1e-6)
    return normalised * column(entry["scales"]) + column(entry["biases"])


def np_leaky(x):
    return np.where(x > 0, x, 0.1 * x)


def np_maxpool(x, size, stride):
    """Darknet's max-pool with its default padding = size - 1, windows from -padding // 2."""
    padding = size - 1
    c, h, w = x.shape
    out_h, out_w = (h + padding - size) // stride + 1, (w + padding - size) // stride + 1
    offset = -(padding // 2)
    out = np.full((c, out_h, out_w), -np.inf)
    for i in range(out_h):
        for j in range(out_w):
            for n in range(size):
                for m in range(size):
                    y, xx = offset + i * stride + n, offset + j * stride + m
                    if 0 <= y < h and 0 <= xx < w:
                        out[:, i, j] = np.maximum(out[:, i, j], x[:, y, xx])
    return out


def np_reorg(x, stride):
    """pjreddie's reorg_cpu(input, w, h, c, batch=1, stride, forward=0, out), index for index,
    on the flat channel-major buffer; the result buffer is read as (c*s*s, h/s, w/s)."""
    c, h, w = x.shape
    source = x.ravel()
    out = np.empty_like(source)
    out_c = c // (stride * stride)
    for k in range(c):
        for j in range(h):
            for i in range(w):
                in_index = i + w * (j + h * k)
                c2, offset = k % out_c, k // out_c
                w2, h2 = i * stride + offset % stride, j * stride + offset // stride
                out_index = w2 + w * stride * (h2 + h * stride * c2)
                out[in_index] = source[out_index]
    return out.reshape(c * stride * stride, h // stride, w // stride)


def np_tiny_forward(image, layers):
    """The tiny cfg's forward pass, Darknet's way: image (H, W, 3) -> (16, 8, 8) channel-major."""
    w = {entry["index"]: entry for entry in layers}

    def conv_bn(x, i, stride, pad):
        return np_leaky(np_batchnorm(np_conv(x, w[i]["kernel"], stride, pad), w[i]))

    out = [None] * 9
    out[0] = conv_bn(image.transpose(2, 0, 1).astype(np.float64), 0, 1, 1)
    out[1] = np_maxpool(out[0], 2, 2)
    out[2] = conv_bn(out[1], 2, 2, 1)
    out[3] = np_maxpool(out[2], 2, 1)
    out[4] = out[1]
    out[5] = conv_bn(out[4], 5, 1, 0)
    out[6] = np_reorg(out[5], 2)
    out[7] = np.concatenate([out[6], out[3]], axis=0)
    out[8] = np_conv(out[7], w[8]["kernel"], 1, 0, bias=w[8]["biases"])
    return out


def test_the_numpy_reference_conv_matches_a_direct_sum():
    rng = np.random.default_rng(5)
    x, kernel = rng.normal(size=(2, 5, 5)), rng.normal(size=(3, 2, 3, 3))
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1)))
    direct = np.sum(kernel[1] * padded[:, 2:5, 0:3])            # output (1, 1, 0) at stride 2
    assert np.isclose(np_conv(x, kernel, 2, 1)[1, 1, 0], direct)


# --------------------------------------------------------------------------- cfg and header
def test_parse_cfg_keeps_order_and_options(files):
    sections = darknet.parse_cfg(files[0])
    assert [name for name, _ in sections] == ["net", "convolutional", "maxpool", "convolutional",
                                              "maxpool", "route", "convolutional", "reorg",
                                              "route", "convolutional", "region"]
    assert sections[0][1]["height"] == "32" and sections[8][1]["layers"] == "-1,-4"
    assert sections[10][1]["anchors"] == "1.0,1.5, 2.0,3.0"


@pytest.mark.parametrize("version, size, seen", [((0, 1, 0), 16, 123_456),
                                                 ((0, 2, 0), 20, 2**33 + 5),
                                                 ((1, 0, 0), 20, 7)])
def test_header_seen_is_int32_before_version_0_2_else_int64(tmp_path, version, size, seen):
    path = tmp_path / "w.weights"
    path.write_bytes(header_bytes(*version, seen) + np.arange(3, dtype="<f4").tobytes())
    header = darknet.read_weights_header(path)
    assert (header.major, header.minor, header.revision) == version
    assert header.seen == seen and header.size == size
    _, values = darknet.read_darknet_weights(path)
    np.testing.assert_array_equal(values, [0, 1, 2])


# --------------------------------------------------------------------------- loading
def test_load_darknet_shapes_anchors_and_classes(files):
    model, anchors, classes = darknet.load_darknet(files[0], files[1])
    assert model.input_shape == (None, 32, 32, 3)
    assert model.output_shape == (None, 8, 8, 2 * (5 + 3))
    np.testing.assert_array_equal(anchors, [[1.0, 1.5], [2.0, 3.0]])
    assert classes == 3
    assert model.get_layer("route_7").output.shape == (None, 8, 8, 32)
    assert model.get_layer("reorg_6").output.shape == (None, 8, 8, 16)
    assert isinstance(model.get_layer("pad_2"), keras.layers.ZeroPadding2D)
    assert model.get_layer("conv_2").padding == "valid"
    assert model.get_layer("conv_0").padding == "same"
    assert model.get_layer("maxpool_3").padding == "same"
    assert model.count_params() == EXPECTED_COUNT


def test_every_weight_lands_in_its_layer(files):
    model, _, _ = darknet.load_darknet(files[0], files[1])
    for entry in files[2]:
        i = entry["index"]
        conv = model.get_layer(f"conv_{i}")
        keras_kernel = entry["kernel"].transpose(2, 3, 1, 0)          # (h, w, in, out)
        np.testing.assert_array_equal(np.asarray(conv.kernel), keras_kernel)
        if "scales" in entry:
            assert not conv.use_bias
            bn = model.get_layer(f"bn_{i}")
            np.testing.assert_array_equal(np.asarray(bn.gamma), entry["scales"])
            np.testing.assert_array_equal(np.asarray(bn.beta), entry["biases"])
            np.testing.assert_array_equal(np.asarray(bn.moving_mean), entry["means"])
            np.testing.assert_array_equal(np.asarray(bn.moving_variance), entry["variances"])
            assert bn.epsilon == darknet.BN_EPSILON
        else:
            np.testing.assert_array_equal(np.asarray(conv.bias), entry["biases"])


def test_first_conv_bn_leaky_matches_darknet_arithmetic(files):
    model, _, _ = darknet.load_darknet(files[0], files[1])
    image = np.random.default_rng(1).uniform(size=(1, 32, 32, 3)).astype(np.float32)
    first = keras.Model(model.input, model.get_layer("leaky_0").output)
    got = keras.ops.convert_to_numpy(first(image))[0].transpose(2, 0, 1)
    want = np_tiny_forward(image[0], files[2])[0]
    assert got.shape == want.shape == (8, 32, 32)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_whole_forward_pass_matches_darknet_including_reorg(files):
    model, _, _ = darknet.load_darknet(files[0], files[1])
    images = np.random.default_rng(2).uniform(size=(2, 32, 32, 3)).astype(np.float32)
    got = keras.ops.convert_to_numpy(model(images))
    for b in range(2):
        reference = np_tiny_forward(images[b], files[2])
        np.testing.assert_allclose(got[b].transpose(2, 0, 1), reference[8], rtol=1e-4, atol=1e-4)
    # the passthrough on its own, so a reorg mistake is named as such
    reorg = keras.Model(model.input, model.get_layer("reorg_6").output)
    got_reorg = keras.ops.convert_to_numpy(reorg(images[:1]))[0].transpose(2, 0, 1)
    np.testing.assert_allclose(got_reorg, np_tiny_forward(images[0], files[2])[6], rtol=1e-4,
                               atol=1e-5)


def test_both_header_versions_load_the_same_weights(files, tmp_path):
    old = tmp_path / "old.weights"
    old.write_bytes(header_bytes(0, 1, 0, 64_000) + flat_values(files[2]).tobytes())
    new_model, _, _ = darknet.load_darknet(files[0], files[1])
    old_model, _, _ = darknet.load_darknet(files[0], old)
    for a, b in zip(new_model.weights, old_model.weights):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


@pytest.mark.parametrize("change", [-7, 3])
def test_weights_count_mismatch_says_expected_and_found(files, tmp_path, change):
    values = flat_values(files[2])
    values = values[:change] if change < 0 else np.concatenate([values, np.ones(change, "<f4")])
    path = tmp_path / "bad.weights"
    path.write_bytes(header_bytes(0, 2, 0, 0) + values.tobytes())
    with pytest.raises(ValueError) as error:
        darknet.load_darknet(files[0], path)
    message = str(error.value)
    assert f"{EXPECTED_COUNT:,}" in message and f"{EXPECTED_COUNT + change:,}" in message
    assert "bad.weights" in message and "tiny.cfg" in message


def test_missing_files_are_named(files, tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.cfg"):
        darknet.load_darknet(tmp_path / "nothing.cfg", files[1])
    with pytest.raises(FileNotFoundError, match="nothing.weights"):
        darknet.load_darknet(files[0], tmp_path / "nothing.weights")


def test_unsupported_sections_and_inconsistent_regions_are_refused(files, tmp_path):
    cfg = tmp_path / "v3.cfg"
    cfg.write_text(TINY_CFG.replace("[reorg]", "[shortcut]"))
    with pytest.raises(ValueError, match=r"\[shortcut\] \(layer 6\)"):
        darknet.load_darknet(cfg, files[1])
    cfg.write_text(TINY_CFG.replace("classes=3", "classes=4"))
    with pytest.raises(ValueError, match="need 18 channels"):
        darknet.load_darknet(cfg, files[1])


def test_a_maxpool_keras_cannot_express_is_refused():
    sections = [("net", {"height": "8", "width": "8"}), ("maxpool", {"size": "3", "stride": "2"})]
    with pytest.raises(ValueError, match="matches neither"):
        darknet.build_darknet_model(sections)


# --------------------------------------------------------------------------- reorg modes
def test_reorg_modes():
    x = np.arange(2 * 4 * 4 * 8, dtype=np.float32).reshape(2, 4, 4, 8)
    dark = keras.ops.convert_to_numpy(darknet.DarknetReorg(2)(x))
    s2d = keras.ops.convert_to_numpy(darknet.DarknetReorg(2, mode="space_to_depth")(x))
    assert dark.shape == s2d.shape == (2, 2, 2, 32)
    for b in range(2):
        np.testing.assert_array_equal(dark[b].transpose(2, 0, 1),
                                      np_reorg(x[b].transpose(2, 0, 1), 2))
    # space-to-depth: channel (dy*2 + dx)*C + c of cell (i, j) is x[2i + dy, 2j + dx, c]
    np.testing.assert_array_equal(s2d[1, 1, 0, (1 * 2 + 0) * 8 + 5], x[1, 3, 0, 5])
    import tensorflow as tf

    np.testing.assert_array_equal(s2d, tf.nn.space_to_depth(x, 2).numpy())   # YAD2K's reorg
    assert not np.array_equal(dark, s2d)
    with pytest.raises(ValueError, match="reorg mode"):
        darknet.DarknetReorg(2, mode="other")


def test_space_to_depth_option_changes_only_the_reorg(files):
    dark, _, _ = darknet.load_darknet(files[0], files[1])
    s2d, _, _ = darknet.load_darknet(files[0], files[1], reorg="space_to_depth")
    assert s2d.get_layer("reorg_6").mode == "space_to_depth"
    image = np.random.default_rng(3).uniform(size=(1, 32, 32, 3)).astype(np.float32)

    def route(model):
        return keras.ops.convert_to_numpy(
            keras.Model(model.input, model.get_layer("route_7").output)(image))

    a, b = route(dark), route(s2d)
    np.testing.assert_allclose(a[..., 16:], b[..., 16:], rtol=1e-6)      # the deep features
    np.testing.assert_allclose(np.sort(a[..., :16].ravel()), np.sort(b[..., :16].ravel()),
                               rtol=1e-6)                                  # same values, moved
    assert not np.allclose(a[..., :16], b[..., :16])


# --------------------------------------------------------------------------- finding the files
def test_find_original_yolo(tmp_path):
    assert darknet.find_original_yolo(tmp_path) is None
    (tmp_path / "yolov2.cfg").write_text(TINY_CFG)
    assert darknet.find_original_yolo(tmp_path) is None                    # weights missing
    (tmp_path / "yolov2.weights").write_bytes(b"")
    assert darknet.find_original_yolo(tmp_path) == (tmp_path / "yolov2.cfg",
                                                    tmp_path / "yolov2.weights")
    (tmp_path / "model_data").mkdir()
    (tmp_path / "model_data" / "yolo.cfg").write_text(TINY_CFG)
    (tmp_path / "model_data" / "yolo.weights").write_bytes(b"")
    assert darknet.find_original_yolo(tmp_path)[0] == tmp_path / "yolov2.cfg"
    (tmp_path / "yolov2.cfg").unlink()
    assert darknet.find_original_yolo(tmp_path) == (tmp_path / "model_data" / "yolo.cfg",
                                                    tmp_path / "model_data" / "yolo.weights")
