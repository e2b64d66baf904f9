"""Layer-by-layer model descriptions: equivalent spellings agree, real differences are named."""
from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from keras import layers  # noqa: E402

from utils.modelcheck import compare, describe, seeded_output, summary_table  # noqa: E402


def small(conv_activation: str = "fused", padding: str = "same", input_shape=(16, 16, 3)):
    inputs = keras.Input(shape=input_shape)
    if conv_activation == "fused":
        z = layers.Conv2D(4, 3, padding=padding, activation="relu")(inputs)
    else:
        z = layers.Conv2D(4, 3, padding=padding)(inputs)
        z = layers.ReLU()(z) if conv_activation == "layer" else layers.Activation("relu")(z)
    z = layers.MaxPool2D(2)(z)
    z = layers.Flatten()(z)
    outputs = layers.Dense(3, activation="softmax")(z)
    return keras.Model(inputs, outputs)


def test_equivalent_spellings_describe_the_same():
    fused, layer, activation = describe(small("fused")), describe(small("layer")), describe(small("act"))
    assert fused == layer == activation
    kinds = [s["kind"] for s in fused["steps"]]
    assert kinds == ["Conv2D", "ReLU", "MaxPool2D", "Flatten", "Dense", "Softmax"]
    assert fused["steps"][0]["output_shape"] == [None, 16, 16, 4]
    assert fused["steps"][0]["params"] == 3 * 3 * 3 * 4 + 4
    assert fused["params"] == 112 + 8 * 8 * 4 * 3 + 3


def test_sequential_and_functional_agree():
    seq = keras.Sequential([keras.Input((16, 16, 3)), layers.Conv2D(4, 3, padding="same"),
                            layers.ReLU(), layers.MaxPool2D(2), layers.Flatten(),
                            layers.Dense(3, activation="softmax")])
    assert describe(seq) == describe(small("layer"))


def test_a_setting_difference_is_named():
    problem = compare(describe(small(padding="valid")), describe(small()))
    assert problem.startswith("step 1 (Conv2D) differs: ")
    assert "padding=valid (expected same)" in problem


def test_a_missing_step_is_named():
    inputs = keras.Input(shape=(16, 16, 3))
    z = layers.Conv2D(4, 3, padding="same", activation="relu")(inputs)
    z = layers.MaxPool2D(2)(z)
    outputs = layers.Dense(3, activation="softmax")(layers.Flatten()(z))
    got = describe(keras.Model(inputs, outputs))
    expected = describe(small())
    assert compare(got, expected) is None
    no_softmax = describe(keras.Model(inputs, layers.Dense(3)(layers.Flatten()(z))))
    assert "first missing one is Softmax" in compare(no_softmax, expected)


def test_hidden_comparison_does_not_reveal_the_expected_values():
    problem = compare(describe(small(padding="valid")), describe(small()), reveal=False)
    assert "expected" not in problem and "same" not in problem
    assert problem.startswith("step 1 of your model (Conv2D(")
    other_input = compare(describe(small(input_shape=(8, 8, 3))), describe(small()), reveal=False)
    assert "16" not in other_input


def test_not_a_model():
    with pytest.raises(TypeError, match="did you forget to return the model"):
        describe(None)


def test_seeded_output_is_repeatable_and_weight_independent():
    a, b = small(), small()
    first, second = seeded_output(a, seed=3), seeded_output(b, seed=3)
    np.testing.assert_array_equal(first, second)
    assert first.shape == (2, 3)
    np.testing.assert_allclose(first.sum(axis=1), 1.0, rtol=1e-6)
    assert not np.allclose(first, seeded_output(small(), seed=4))


def test_summary_table_lists_every_step():
    table = summary_table(describe(small()))
    assert table.count("\n") == 6 + 1
    assert "total parameters: 883" in table


def separable(relu6: str = "layer", depthwise_strides: int = 2):
    inputs = keras.Input(shape=(8, 8, 4))
    z = layers.DepthwiseConv2D(3, strides=depthwise_strides, padding="same", use_bias=False)(inputs)
    z = layers.ReLU(max_value=6)(z) if relu6 == "layer" else (
        layers.Activation("relu6")(z) if relu6 == "activation" else layers.ReLU()(z))
    a = layers.Conv2D(3, 1)(z)
    b = layers.MaxPool2D(3, strides=1, padding="same")(z)
    return keras.Model(inputs, layers.Concatenate(axis=-1)([a, b]))


def test_depthwise_relu6_and_concatenate_are_described_with_their_settings():
    """MobileNet's and Inception's layers (Week 2 case studies): a DepthwiseConv2D keeps its
    stride and kernel, ReLU(max_value=6) and Activation("relu6") are the same ReLU6 step and
    differ from a plain ReLU, and a Concatenate names its axis."""
    layer, activation = describe(separable("layer")), describe(separable("activation"))
    assert layer == activation
    steps = layer["steps"]
    assert [s["kind"] for s in steps] == ["DepthwiseConv2D", "ReLU6", "Conv2D", "MaxPool2D",
                                          "Concatenate"]
    assert steps[0] == {"kind": "DepthwiseConv2D", "kernel_size": [3, 3], "strides": [2, 2],
                        "padding": "same", "depth_multiplier": 1, "use_bias": False,
                        "output_shape": [None, 4, 4, 4], "params": 36}
    assert steps[-1]["axis"] == 3 and steps[-1]["output_shape"] == [None, 4, 4, 7]
    assert "ReLU" in compare(describe(separable("plain")), layer)
    assert "strides" in compare(describe(separable(depthwise_strides=1)), layer)
    assert layer["trainable_params"] == layer["params"] == 36 + 15


def test_augmentation_layers_are_described_with_what_they_draw():
    import keras
    from keras import layers

    from utils.modelcheck import compare, describe

    def augmenter(flip="horizontal", rotation=0.05):
        model = keras.Sequential([layers.RandomFlip(flip), layers.RandomRotation(rotation),
                                  layers.RandomTranslation(0.1, 0.2),
                                  layers.RandomContrast(0.2, value_range=(0, 1))])
        model.build((None, 16, 16, 3))
        return describe(model)

    steps = augmenter()["steps"]
    assert [s["kind"] for s in steps] == ["RandomFlip", "RandomRotation", "RandomTranslation",
                                          "RandomContrast"]
    assert steps[0]["mode"] == "horizontal" and steps[1]["factor"] == [-0.05, 0.05]
    assert (steps[2]["height_factor"], steps[2]["width_factor"]) == (0.1, 0.2)
    assert steps[3]["value_range"] == [0.0, 1.0]
    assert augmenter() == augmenter(rotation=(-0.05, 0.05))
    assert "vertical" in compare(augmenter(flip="horizontal_and_vertical"), augmenter())
    assert compare(augmenter(rotation=0.1), augmenter()) is not None
