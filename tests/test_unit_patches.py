"""Receptive fields and strongest-patch search (utils.unit_patches), Week 4's opening figure."""
from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import keras  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

from utils import detector  # noqa: E402
from utils import unit_patches as up  # noqa: E402

L = keras.layers


def chain(shape, *layers, name="chain"):
    """A functional model: Input(shape) -> layers, in order."""
    inputs = keras.Input(shape)
    x = inputs
    for layer in layers:
        x = layer(x)
    return keras.Model(inputs, x, name=name)


# --------------------------------------------------------------------------- receptive_field
def test_receptive_field_of_a_hand_built_chain_valid_and_same():
    # valid: conv3 r3 j1 start0 -> conv3 r5 -> pool2 r6 j2 -> conv3 r10 j2; start 0: offset 4.5
    valid = chain((20, 20, 3), L.Conv2D(2, 3), L.Conv2D(2, 3), L.MaxPooling2D(2),
                  L.Conv2D(2, 3, name="out"))
    assert up.receptive_field(valid, "out") == (10, 2, 4.5)
    # same: each conv3 pads 1 before position 0 (times the jump): start -1, -2, -2, -2-1*2 = -4,
    # so offset -4 + (10 - 1) / 2 = 0.5
    same = chain((None, None, 3), L.Conv2D(2, 3, padding="same"), L.Conv2D(2, 3, padding="same"),
                 L.MaxPooling2D(2), L.Conv2D(2, 3, padding="same", name="out"))
    assert up.receptive_field(same, "out") == (10, 2, 0.5)
    # intermediate layers, element-wise layers change nothing
    assert up.receptive_field(valid, valid.layers[1].name) == (3, 1, 1.0)
    assert up.receptive_field(valid, valid.layers[3].name) == (6, 2, 2.5)


def test_receptive_field_dilation_strides_padding_layers_and_nesting():
    # conv3 dilation 2 (k_eff 5): r5 j1; conv3 stride 2: r 5 + 2*1 = 7, j2;
    # avgpool 3 stride 1: r 7 + 2*2 = 11; ZeroPadding 2: start 0 - 2*2 = -4;
    # Cropping 1: start -4 + 1*2 = -2; offset -2 + (11 - 1) / 2 = 3
    model = chain((32, 32, 1), L.Conv2D(1, 3, dilation_rate=2), L.BatchNormalization(),
                  L.ReLU(), L.Conv2D(1, 3, strides=2), L.AveragePooling2D(3, strides=1),
                  L.ZeroPadding2D(2), L.Cropping2D(1), L.Activation("tanh", name="out"))
    assert up.receptive_field(model, "out") == (11, 2, 3.0)
    inner = keras.Sequential([keras.Input((None, None, 1)), L.Conv2D(1, 3), L.MaxPooling2D(2)],
                             name="inner")
    outer = chain((None, None, 1), L.Conv2D(1, 3), inner, L.Conv2D(1, 3, name="out"))
    # conv3 r3; conv3 r5; pool2 r6 j2; conv3 r10 j2; all valid: offset 4.5
    assert up.receptive_field(outer, "out") == (10, 2, 4.5)
    assert up.receptive_field(inner, inner.layers[-1].name) == (4, 2, 1.5)


def test_same_padding_with_a_stride_follows_the_input_size():
    # TensorFlow pads (ceil(n/s)-1)*s + k - n in all, the smaller half first:
    # n = 16: 1 in all, 0 before -> offset 1; n = 15: 2 in all, 1 before -> offset 0
    even = chain((16, 16, 1), L.Conv2D(1, 3, strides=2, padding="same", name="out"))
    odd = chain((15, 15, 1), L.Conv2D(1, 3, strides=2, padding="same", name="out"))
    free = chain((None, None, 1), L.Conv2D(1, 3, strides=2, padding="same", name="out"))
    assert up.receptive_field(even, "out") == (3, 2, 1.0)
    assert up.receptive_field(odd, "out") == (3, 2, 0.0)
    assert up.receptive_field(free, "out") == (3, 2, 1.0)      # size taken as a multiple of 2
    for model in (even, odd):
        window_matches_gradient(model, "out", (3, 4), exact=True)


def test_receptive_fields_of_the_detector():
    # block1: conv3 same: r3 j1 start -1 -> offset 0
    # pool1: r4 j2 start -1 (offset 0.5); block2 conv: r4 + 2*2 = 8, start -1 - 2 = -3 -> 0.5
    # pool2: r10 j4 (offset 1.5); block3: 10 + 2*4 = 18, offset 1.5
    # pool3: r22 j8 (offset 3.5); block4: 22 + 2*8 = 38, offset 3.5
    # pool4: r46 j16 (offset 7.5); head1: 46 + 2*16 = 78, stride 16, offset 7.5
    expected = {"block1_leaky": (3, 1, 0.0), "block2_leaky": (8, 2, 0.5),
                "block3_leaky": (18, 4, 1.5), "block4_leaky": (38, 8, 3.5),
                "head1_leaky": (78, 16, 7.5)}
    for size in (None, 256):
        model = detector.build_detector(size)
        for name, field in expected.items():
            assert up.receptive_field(model, name) == field, (size, name)
    # head1 pixel window of output position i: 7.5 + 16 i -/+ 38.5 -> [16 i - 31, 16 i + 46]
    with pytest.raises(ValueError, match="Concatenate"):
        up.receptive_field(model, "head3_leaky")


def test_receptive_field_refuses_what_it_cannot_follow():
    upsample = chain((8, 8, 1), L.Conv2D(1, 3), L.UpSampling2D(2, name="up"))
    with pytest.raises(ValueError, match="UpSampling2D"):
        up.receptive_field(upsample, "up")
    inputs = keras.Input((8, 8, 1))
    a = L.Conv2D(1, 3, padding="same")(inputs)
    merged = L.Add(name="sum")([a, inputs])
    with pytest.raises(ValueError, match="Add"):
        up.receptive_field(keras.Model(inputs, merged), "sum")
    with pytest.raises(ValueError, match="GlobalAveragePooling2D"):
        up.receptive_field(chain((8, 8, 1), L.GlobalAveragePooling2D(name="g")), "g")


# --------------------------------------------------------------------------- empirical check
def positive_weights(model, seed=0):
    rng = np.random.default_rng(seed)
    for w in model.weights:
        w.assign(rng.uniform(0.2, 1.0, tuple(w.shape)).astype("float32"))


def window_matches_gradient(model, layer_name, position, exact=True):
    """The gradient of one output unit at ``position`` w.r.t. the input is non-zero exactly on
    the computed window (``exact``) or its bounding box is the window (holes from dilation)."""
    positive_weights(model)
    size, stride, offset = up.receptive_field(model, layer_name)
    start = int(offset - (size - 1) / 2)
    output = model.get_layer(layer_name).output
    sub = keras.Model(model.inputs[0], output)
    shape = (1,) + tuple(model.inputs[0].shape[1:])
    x = tf.constant(np.random.default_rng(1).uniform(0.1, 1.0, shape).astype("float32"))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = sub(x, training=False)[0, position[0], position[1], 0]
    mask = np.abs(tape.gradient(y, x).numpy()[0]).sum(axis=-1) > 0
    window = np.zeros_like(mask)
    top, left = start + position[0] * stride, start + position[1] * stride
    assert top >= 0 and left >= 0 and top + size <= mask.shape[0] and left + size <= mask.shape[1]
    window[top:top + size, left:left + size] = True
    if exact:
        np.testing.assert_array_equal(mask, window)
    else:
        rows, cols = np.nonzero(mask)
        assert (rows.min(), rows.max(), cols.min(), cols.max()) == \
            (top, top + size - 1, left, left + size - 1)


def test_gradient_support_is_the_receptive_field():
    # valid, linear, positive weights: conv3 r3; conv3/2 r5 j2; avgpool2 r7 j4; conv2 r11 j4
    model = chain((40, 40, 2), L.Conv2D(3, 3, use_bias=False),
                  L.Conv2D(3, 3, strides=2, use_bias=False), L.AveragePooling2D(2),
                  L.Conv2D(2, 2, use_bias=False, name="out"))
    assert up.receptive_field(model, "out") == (11, 4, 5.0)
    window_matches_gradient(model, "out", (2, 3), exact=True)
    # same padding, dilation (holes inside the window: only its bounding box is checked),
    # padding layers, a nested model, odd input size
    inner = keras.Sequential([keras.Input((None, None, 2)),
                              L.Conv2D(2, 3, strides=2, padding="same", use_bias=False)])
    model = chain((45, 45, 1), L.Conv2D(2, 3, padding="same", use_bias=False),
                  L.ZeroPadding2D(((2, 1), (2, 1))), inner,
                  L.AveragePooling2D(2, padding="same"),
                  L.Conv2D(1, 3, dilation_rate=2, padding="same", use_bias=False, name="out"))
    window_matches_gradient(model, "out", (3, 4), exact=False)


# --------------------------------------------------------------------------- top_patches
BACKGROUND = 1   # grey background pixels are at least this bright


def red_detector(padding="valid", size=4):
    """One layer 'red': unit 0 = sum over a size x size window of R - G - B, unit 1 = G - R - B."""
    model = chain((None, None, 3), L.Conv2D(2, size, padding=padding, use_bias=False,
                                             name="red"))
    kernel = np.zeros((size, size, 3, 2), np.float32)
    kernel[:, :, :, 0] = [1, -1, -1]
    kernel[:, :, :, 1] = [-1, 1, -1]
    model.get_layer("red").kernel.assign(kernel)
    return model


def grey_pictures(n, size=24, seed=0):
    rng = np.random.default_rng(seed)
    grey = rng.integers(20, 236, (n, size, size, 1), dtype=np.uint8)
    return np.repeat(grey, 3, axis=-1)


def plant(image, top, left, value, side=4, channel=0):
    image[top:top + side, left:left + side] = 0
    image[top:top + side, left:left + side, channel] = value


def planted_set():
    images = grey_pictures(12)
    plant(images[0], 2, 3, 250)
    plant(images[0], 14, 15, 240)              # the same picture's second-best: left out
    plant(images[1], 10, 1, 230)
    plant(images[2], 0, 20, 220)
    plant(images[3], 17, 9, 210)
    plant(images[5], 6, 6, 200, channel=1)     # a green square, for unit 1
    return images


def square(value, side=4, channel=0):
    patch = np.zeros((side, side, 3), np.uint8)
    patch[..., channel] = value
    return patch


def test_top_patches_returns_the_planted_squares_from_distinct_pictures():
    images = planted_set()
    model = red_detector()
    patches, where = up.top_patches(model, "red", images, [0], k=4, return_where=True)
    assert patches.shape == (1, 4, 4, 4, 3) and patches.dtype == np.uint8
    for slot, value in enumerate((250, 230, 220, 210)):
        np.testing.assert_array_equal(patches[0, slot], square(value))
    np.testing.assert_array_equal(where[0, :, 0], [0, 1, 2, 3])          # picture indices
    np.testing.assert_array_equal(where[0, :, 1:3], [[2, 3], [10, 1], [0, 20], [17, 9]])
    assert np.all(np.diff(where[0, :, 3]) < 0)                          # strongest first
    # k = 9 of 12 pictures: nine different pictures, the planted ones first
    patches, where = up.top_patches(model, "red", images, [1, 0], k=9, return_where=True)
    assert patches.shape == (2, 9, 4, 4, 3)
    assert len(set(where[1, :, 0].astype(int))) == 9
    assert len(set(where[0, :, 0].astype(int))) == 9
    np.testing.assert_array_equal(patches[0, 0], square(200, channel=1))  # unit 1: green
    assert where[0, 0, 0] == 5
    np.testing.assert_array_equal(where[1, :4, 0], [0, 1, 2, 3])
    # without return_where: the same patches
    np.testing.assert_array_equal(up.top_patches(model, "red", images, [1, 0], k=9), patches)


def test_top_patches_with_fewer_pictures_than_k_repeats_pictures():
    images = planted_set()[:2]                 # picture 0: 250 and 240, picture 1: 230
    patches, where = up.top_patches(red_detector(), "red", images, [0], k=3, return_where=True)
    for slot, value in enumerate((250, 240, 230)):
        np.testing.assert_array_equal(patches[0, slot], square(value))
    np.testing.assert_array_equal(where[0, :, 0], [0, 0, 1])
    with pytest.raises(ValueError, match="positions"):
        up.top_patches(red_detector(), "red", images[:, :4, :4], [0], k=3)   # 1 position each


def test_patches_are_padded_with_grey_outside_the_picture():
    # 'same' 4x4: pads 1 before, window of position 0 is pixels -1..2; a 3x3 red square in
    # the corner is best seen from there (outside the picture counts 0, grey pixels < 0)
    images = grey_pictures(3, size=12)
    plant(images[1], 0, 0, 250, side=3)
    model = red_detector(padding="same")
    assert up.receptive_field(model, "red") == (4, 1, 0.5)
    patches, where = up.top_patches(model, "red", images, [0], k=1, return_where=True)
    patch = patches[0, 0]
    assert where[0, 0, 0] == 1 and tuple(where[0, 0, 1:3]) == (0, 0)
    assert np.all(patch[0] == up.GREY_UINT8) and np.all(patch[:, 0] == up.GREY_UINT8)
    np.testing.assert_array_equal(patch[1:, 1:], square(250, side=3))
    # float pictures: float patches, grey 127.5, the same squares
    floats = up.top_patches(model, "red", images.astype(np.float32), [0], k=1)
    assert floats.dtype == np.float32
    assert np.all(floats[0, 0, 0] == up.GREY_FLOAT)
    np.testing.assert_array_equal(floats[0, 0, 1:, 1:], patch[1:, 1:].astype(np.float32))


def test_preprocess_and_image_size_checks():
    images = planted_set()
    model = red_detector()
    calls = []

    def preprocess(x):
        calls.append(len(x))
        return x.astype(np.float32) / 255.0

    up.top_patches(model, "red", images, [0], k=2, batch=5, preprocess=preprocess)
    assert calls == [5, 5, 2]
    fixed = chain((16, 16, 3), L.Conv2D(1, 3, name="c"))
    with pytest.raises(ValueError, match="16x16"):
        up.top_patches(fixed, "c", images, [0])


def test_strongest_units_orders_by_peak_activation():
    images = grey_pictures(5, size=10, seed=3)
    images[2, 4, 4] = (255, 0, 0)                # one red pixel: unit 2 peaks here
    model = chain((None, None, 3), L.Conv2D(4, 1, use_bias=False, name="mix"))
    kernel = np.array([[0.5, 0.5, 0.0],          # unit 0: (R + G) / 2: peak 235/255
                       [-1.0, -1.0, -1.0],       # unit 1: never above -1 * 3 * 20 / 255
                       [3.0, -1.0, -1.0],        # unit 2: 3R - G - B: 3 at the red pixel
                       [0.0, 2.0, 0.0]], np.float32)   # unit 3: 2G: peak 2 * 235 / 255 at most
    model.get_layer("mix").kernel.assign(kernel.T[None, None])
    x = images.astype(np.float32) / 255
    peaks = np.stack([(x @ kernel[u]).max() for u in range(4)])
    order = np.argsort(-peaks)
    assert order[0] == 2 and order[-1] == 1
    np.testing.assert_array_equal(up.strongest_units(model, "mix", images, 4, batch=2), order)
    np.testing.assert_array_equal(up.strongest_units(model, "mix", images, 2), order[:2])


def test_layer_top_patches_matches_the_separate_calls():
    images = planted_set()
    model = chain((None, None, 3), L.Conv2D(4, 3, padding="same", name="a"), L.LeakyReLU(),
                  L.MaxPooling2D(2), L.Conv2D(6, 3, name="b"))
    patches, units = up.layer_top_patches(model, ["a", "b"], images, count=3, k=4)
    for name, size in (("a", 3), ("b", 8)):
        np.testing.assert_array_equal(units[name], up.strongest_units(model, name, images, 3))
        expected = up.top_patches(model, name, images, units[name], k=4)
        assert patches[name].shape == (3, 4, size, size, 3)
        np.testing.assert_array_equal(patches[name], expected)


# --------------------------------------------------------------------------- plotting
def test_plot_top_patches_draws_one_row_per_layer_one_mosaic_per_unit():
    rng = np.random.default_rng(0)
    patches = {"shallow": rng.integers(0, 256, (4, 9, 3, 3, 3), dtype=np.uint8),
               "deep": rng.integers(0, 256, (3, 9, 8, 8, 3), dtype=np.uint8)}
    fig = up.plot_top_patches(patches, titles=["block 1", "block 2"],
                              units={"shallow": [5, 2, 7, 1], "deep": [0, 1, 2]})
    try:
        assert isinstance(fig, matplotlib.figure.Figure)
        assert len(fig.axes) == 2 * 4
        assert sum(ax.axison for ax in fig.axes) == 4 + 3
        assert "block 1" in fig.axes[0].get_ylabel() and "3x3 px" in fig.axes[0].get_ylabel()
        assert "8x8 px" in fig.axes[4].get_ylabel()
        assert fig.axes[1].get_title() == "unit 2"
        # both rows' mosaics are shown at the same size: 3 patches of 48 px and 2 gaps of 2
        shapes = {ax.images[0].get_array().shape for ax in fig.axes if ax.images}
        assert shapes == {(3 * 48 + 4, 3 * 48 + 4, 3)}
    finally:
        plt.close(fig)


def test_mosaic_places_each_resized_patch():
    patches = np.zeros((9, 2, 2, 3), np.uint8)
    for i in range(9):
        patches[i] = i * 30
    canvas = up.mosaic(patches, display_size=4, gap=1)
    assert canvas.shape == (14, 14, 3)
    for i in range(9):
        r, c = divmod(i, 3)
        np.testing.assert_allclose(canvas[r * 5:r * 5 + 4, c * 5:c * 5 + 4], i * 30 / 255)
    assert np.all(canvas[4, :] == 1.0) and np.all(canvas[:, 9] == 1.0)   # white gaps
