"""Compact weight files, the ResNet notebook's loader, block stand-ins and the gradient probe."""
from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from keras import layers  # noqa: E402

from utils import resnet_weights as rw  # noqa: E402
from utils.gradients import gradient_norms  # noqa: E402
from utils.modelcheck import describe  # noqa: E402
from utils.stand_ins import stand_in_convolutional_block, stand_in_identity_block  # noqa: E402


def small_model(channels: int = 4) -> keras.Model:
    keras.utils.set_random_seed(3)
    inputs = keras.Input((8, 8, 3))
    z = layers.Conv2D(channels, 3, name="conv")(inputs)
    z = layers.BatchNormalization(axis=3, name="bn")(z)
    z = layers.Flatten()(z)
    return keras.Model(inputs, layers.Dense(2, name="fc")(z))


# --------------------------------------------------------------------------- quantisation
@pytest.mark.parametrize("size", [1, 2, 7, 100])
def test_pack4_round_trips_every_value(size):
    q = np.random.default_rng(size).integers(-7, 8, size=size).astype(np.int8)
    packed = rw.pack4(q)
    assert packed.dtype == np.uint8 and packed.size == (size + 1) // 2
    np.testing.assert_array_equal(rw.unpack4(packed, size), q)


@pytest.mark.parametrize("bits", [4, 8])
def test_quantise_error_is_at_most_half_a_step_per_channel(bits):
    w = np.random.default_rng(0).normal(size=(3, 3, 5, 6)) * np.arange(1, 7)   # channel scales differ
    q, scale = rw.quantise(w, bits)
    assert scale.shape == (6,) and np.abs(q).max() == 2 ** (bits - 1) - 1
    error = np.abs(q * scale - w).reshape(-1, 6).max(axis=0)
    assert np.all(error <= scale / 2 + 1e-6)
    np.testing.assert_allclose(scale, np.abs(w).reshape(-1, 6).max(axis=0) / (2 ** (bits - 1) - 1),
                               rtol=1e-6)


def test_all_zero_channel_stays_zero():
    w = np.zeros((2, 3))
    q, scale = rw.quantise(w, 4)
    assert np.all(q == 0) and np.all(scale == 1)


@pytest.mark.parametrize("bits", [4, 8])
def test_compact_file_round_trip(tmp_path, bits):
    model = small_model()
    model.get_layer("bn").moving_variance.assign(np.array([0.5, 1.5, 2.0, 3.25]))
    original = [np.asarray(w) for w in model.weights]
    path = rw.save_compact(model, tmp_path / "w.npz", bits=bits)
    fresh = small_model()
    for w in fresh.weights:
        w.assign(np.zeros(w.shape))
    rw.load_compact(fresh, path)
    for before, after in zip(original, fresh.weights):
        after = np.asarray(after)
        if before.ndim >= 2:
            _, scale = rw.quantise(before, bits)
            assert np.all(np.abs(after - before) <= scale / 2 + 1e-6)
        else:
            np.testing.assert_allclose(after, before.astype(np.float16), rtol=0)
    np.testing.assert_array_equal(np.asarray(fresh.get_layer("bn").moving_variance), [0.5, 1.5, 2.0, 3.25])


def test_a_model_of_another_shape_is_refused_with_the_layer_named(tmp_path):
    path = rw.save_compact(small_model(4), tmp_path / "w.npz")
    with pytest.raises(rw.WeightsError, match=r"weight 1 of .*conv/kernel.*\(3, 3, 3, 5\)"):
        rw.load_compact(small_model(5), path)
    inputs = keras.Input((8, 8, 3))
    other = keras.Model(inputs, layers.Dense(2)(layers.Flatten()(inputs)))
    with pytest.raises(rw.WeightsError, match="holds 8 weight arrays but the model has 2"):
        rw.load_compact(other, path)


def test_a_damaged_file_gives_a_message_that_says_what_to_do(tmp_path):
    bad = tmp_path / "weights" / rw.RESNET50_WEIGHTS.name
    bad.parent.mkdir()
    bad.write_bytes(b"not a zip file")
    with pytest.raises(rw.WeightsError, match="git checkout"):
        rw.load_resnet50_weights(small_model(), data_dir=tmp_path)
    bad.unlink()
    with pytest.raises(rw.WeightsError, match="is missing.*trainers.resnet50"):
        rw.load_resnet50_weights(small_model(), data_dir=tmp_path)


def test_an_original_resnet50_h5_is_used_when_present(tmp_path):
    trained = small_model()
    for w in trained.weights:
        w.assign(np.random.default_rng(len(w.path)).uniform(0.1, 1.0, size=w.shape))
    trained.save(tmp_path / rw.ORIGINAL_RESNET50)       # a whole model in the legacy HDF5 format
    target = small_model()
    used = rw.load_resnet50_weights(target, data_dir=tmp_path, verbose=False)
    assert used.endswith(rw.ORIGINAL_RESNET50)
    for a, b in zip(trained.weights, target.weights):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    with pytest.raises(rw.WeightsError, match="could not be loaded.*remove or rename"):
        rw.load_resnet50_weights(small_model(5), data_dir=tmp_path)


# --------------------------------------------------------------------------- stand-ins
@pytest.mark.parametrize("s, expected", [(1, (7, 7, 8)), (2, (4, 4, 8)), (3, (3, 3, 8))])
def test_convolutional_stand_in_has_the_blocks_output_shape(s, expected):
    inputs = keras.Input((7, 7, 5))
    out = stand_in_convolutional_block(inputs, 3, [2, 3, 8], stage=2, block="a", s=s)
    assert tuple(out.shape[1:]) == expected
    step = describe(keras.Model(inputs, out))["steps"][0]
    assert step == {"kind": "BlockStandIn", "block": "convolutional_block", "f": 3,
                    "filters": [2, 3, 8], "s": s, "stage": 2, "block_name": "a",
                    "output_shape": [None, *expected], "params": 0}


def test_identity_stand_in_refuses_a_shortcut_that_cannot_be_added():
    inputs = keras.Input((4, 4, 6))
    assert tuple(stand_in_identity_block(inputs, 3, [2, 2, 6], 3, "b").shape[1:]) == (4, 4, 6)
    with pytest.raises(ValueError, match="F3=5 for an input with 6 channels"):
        stand_in_identity_block(inputs, 3, [2, 2, 5], 3, "c")


# --------------------------------------------------------------------------- gradient probe
def test_gradient_vanishes_in_a_plain_stack_but_not_with_shortcuts():
    def net(residual):
        inputs = keras.Input((12, 12, 3))
        x = layers.Conv2D(8, 3, padding="same", activation="relu",
                          kernel_initializer=keras.initializers.GlorotUniform(seed=0))(inputs)
        for i in range(10):
            shortcut = x
            x = layers.Conv2D(8, 3, padding="same", activation="relu",
                              kernel_initializer=keras.initializers.GlorotUniform(seed=2 * i + 1))(x)
            x = layers.Conv2D(8, 3, padding="same",
                              kernel_initializer=keras.initializers.GlorotUniform(seed=2 * i + 2))(x)
            x = layers.ReLU()(layers.Add()([x, shortcut]) if residual else x)
        x = layers.GlobalAveragePooling2D()(x)
        return keras.Model(inputs, layers.Dense(3, activation="softmax")(x))

    rng = np.random.default_rng(0)
    x = rng.uniform(size=(8, 12, 12, 3))
    y = np.eye(3)[rng.integers(0, 3, 8)]
    plain, residual = gradient_norms(net(False), x, y), gradient_norms(net(True), x, y)
    assert plain.shape == residual.shape == (22,)
    assert plain[0] < 1e-3 * plain[-1]          # orders of magnitude smaller at the first layer
    assert residual[0] > 0.1 * residual[-1]


# --------------------------------------------------------------------------- the shipped weights
def test_shipped_resnet50_weights_are_small_and_reach_95_percent_on_signs():
    from graders.trainers.resnet50 import build_resnet50
    from utils.datasets import load_signs

    assert rw.RESNET50_WEIGHTS.stat().st_size < 16 * 2**20
    model = build_resnet50()
    assert model.count_params() == 23_600_006
    rw.load_resnet50_weights(model, verbose=False)
    _, _, x_test, y_test, _ = load_signs()
    predicted = model.predict(x_test / 255.0, batch_size=60, verbose=0).argmax(axis=1)
    assert (predicted == y_test.ravel()).mean() >= 0.95
