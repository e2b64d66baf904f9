"""Helpers for Week 2's transfer-learning notebook: the pretrained SIGNS network, cut in two.

The pretrained network is the ResNet-50 the "Residual networks" notebook trains on SIGNS. Its
architecture is stored as Keras JSON (``data/weights/resnet50_signs.json``, written from the
solution by ``python -m graders.trainers.resnet50 --architecture``), so this notebook can rebuild
it without holding any of that notebook's code, and its weights are the shipped
``data/weights/resnet50_signs.npz`` (or the original course's ``ResNet50.h5`` when present).

- ``load_signs_resnet50()``: the whole network, images (m, 64, 64, 3) in [0, 1] -> 6 probabilities;
- ``features_model(model)``: the network without its classifier, (m, 64, 64, 3) -> (m, 2048);
- ``split_model(model, layer)``: two models, the input up to ``layer``'s input and the rest;
- ``toy_base(seed)``: a tiny network with batch normalisation and NumPy-seeded weights, which
  the tests use as a stand-in for a big pretrained base;
- ``fit_classifier(...)``: the small training loop every experiment of the notebook shares.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ARCHITECTURE = Path(__file__).resolve().parent.parent / "data" / "weights" / "resnet50_signs.json"
STAGE5_LAYER = "res5a_branch2a"     # stage 5's first layer: its input is stage 4's (4, 4, 1024)


def load_signs_resnet50(verbose: bool = True):
    """The SIGNS ResNet-50, trained: a keras.Model (m, 64, 64, 3) -> (m, 6)."""
    import keras

    from utils.resnet_weights import WeightsError, load_resnet50_weights

    if not ARCHITECTURE.exists():
        raise WeightsError(f"{ARCHITECTURE} is missing; restore it with `git checkout -- "
                           "data/weights` or rewrite it: python -m graders.trainers.resnet50 "
                           "--architecture")
    model = keras.models.model_from_json(ARCHITECTURE.read_text())
    load_resnet50_weights(model, verbose=verbose)
    return model


def split_model(model, layer_name: str):
    """``(bottom, top)``: ``bottom`` maps the input to what layer ``layer_name`` receives, ``top``
    maps that to the model's output. Both share ``model``'s layers (and so its weights)."""
    import keras

    cut = model.get_layer(layer_name).input
    bottom = keras.Model(model.input, cut, name=f"{model.name}_before_{layer_name}")
    top = keras.Model(cut, model.output, name=f"{model.name}_from_{layer_name}")
    return bottom, top


def features_model(model):
    """``model`` without its last layer (the classifier): what that layer receives."""
    import keras

    return keras.Model(model.input, model.layers[-1].input, name=f"{model.name}_features")


def toy_base(seed: int, input_shape=(8, 8, 3), filters: int = 4):
    """A tiny pretrained-looking base, (m, *input_shape) -> (m, filters): CONV3x3 -> BN -> ReLU
    -> CONV3x3 -> BN -> ReLU -> global average pool, every weight (running statistics
    included) drawn from ``np.random.default_rng(seed)``."""
    import keras
    from keras import layers

    inputs = keras.Input(input_shape)
    x = layers.Conv2D(filters, 3, padding="same", name="conv1")(inputs)
    x = layers.BatchNormalization(name="bn1")(x)
    x = layers.ReLU(name="relu1")(x)
    x = layers.Conv2D(filters, 3, padding="same", name="conv2")(x)
    x = layers.BatchNormalization(name="bn2")(x)
    x = layers.ReLU(name="relu2")(x)
    outputs = layers.GlobalAveragePooling2D(name="pool")(x)
    model = keras.Model(inputs, outputs, name=f"toy_base_{seed}")
    assign_seeded_weights(model, seed)
    return model


def assign_seeded_weights(model, seed: int, scale: float = 0.5) -> None:
    """Overwrite every weight of ``model`` with values from ``np.random.default_rng(seed)``
    (variances kept positive, so batch normalisation stays well defined)."""
    rng = np.random.default_rng(seed)
    for weight in model.weights:
        values = rng.normal(0.0, scale, size=tuple(weight.shape))
        if "variance" in weight.path:
            values = 0.5 + np.abs(values)
        weight.assign(values.astype(weight.dtype))


def seeded_images(seed: int, m: int, shape=(8, 8, 3)) -> np.ndarray:
    """(m, *shape) float32 pictures in [0, 1] from ``np.random.default_rng(seed)``."""
    return np.random.default_rng(seed).uniform(0.0, 1.0, size=(m, *shape)).astype(np.float32)


def with_input(model, input_shape):
    """Build a Sequential made without an ``Input`` for pictures of ``input_shape``; returns it."""
    if not model.built:
        model.build((None, *input_shape))
    return model


def fit_classifier(model, x, y, epochs: int, batch_size: int = 32, learning_rate: float = 1e-3,
                   seed: int = 0, x_test=None, y_test=None) -> dict:
    """Train ``model`` (softmax outputs) on integer labels ``y`` with Adam; return a record.

    The Dense layers' initial weights come from ``np.random.default_rng(seed)`` (Glorot-uniform
    ranges), so a run does not depend on Keras's own random streams. Returns ``{"seconds",
    "train_accuracy", "test_accuracy"}`` (the last only with ``x_test``).
    """
    import keras

    keras.utils.set_random_seed(seed)     # dropout and shuffling; not the initial weights
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, keras.layers.Dense) and layer.trainable:
            fan_in, fan_out = layer.kernel.shape
            limit = np.sqrt(6.0 / (fan_in + fan_out))
            layer.kernel.assign(rng.uniform(-limit, limit, size=(fan_in, fan_out)).astype("float32"))
            if layer.bias is not None:
                layer.bias.assign(np.zeros(layer.bias.shape, dtype="float32"))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0, shuffle=True)
    record = {"seconds": time.perf_counter() - start,
              "train_accuracy": accuracy(model, x, y)}
    if x_test is not None:
        record["test_accuracy"] = accuracy(model, x_test, y_test)
    return record


def predict_proba(model, x, batch_size: int = 64) -> np.ndarray:
    """``model``'s outputs (inference mode) batch by batch, as one float32 NumPy array."""
    parts = [np.asarray(model(x[i:i + batch_size], training=False))
             for i in range(0, len(x), batch_size)]
    return np.concatenate(parts).astype(np.float32)


def accuracy(model, x, y) -> float:
    return float(np.mean(np.argmax(predict_proba(model, x), axis=1) == np.ravel(y)))
