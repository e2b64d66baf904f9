"""utils.transfer: the SIGNS ResNet-50 rebuilt from its stored architecture, and cut in two."""
from __future__ import annotations

import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from utils import transfer  # noqa: E402
from utils.modelcheck import describe  # noqa: E402


@pytest.fixture(scope="module")
def resnet():
    return transfer.load_signs_resnet50(verbose=False)


def test_stored_architecture_is_the_residual_networks_solution(resnet):
    from graders.trainers.resnet50 import build_resnet50

    assert describe(resnet) == describe(build_resnet50())
    names = {layer.name for layer in resnet.layers}
    assert {transfer.STAGE5_LAYER, "res5c_branch2a", "res5c_branch2c", "fc6"} <= names


def test_rewriting_the_architecture_gives_the_same_network(tmp_path):
    from graders.trainers.resnet50 import write_architecture

    written = json.loads(write_architecture(tmp_path / "resnet.json").read_text())
    stored = json.loads(transfer.ARCHITECTURE.read_text())
    # layer names Keras makes up (activation_12, ...) depend on what the process built before
    kinds = lambda config: [layer["class_name"] for layer in config["config"]["layers"]]
    assert kinds(written) == kinds(stored) and len(kinds(stored)) == 177


def test_loaded_network_classifies_signs_as_trained(resnet):
    from graders.trainers.resnet50 import build_resnet50
    from utils.datasets import load_signs
    from utils.resnet_weights import load_resnet50_weights

    _, _, x, y, _ = load_signs(verbose=False)
    x = x[:60] / np.float32(255)
    reference = build_resnet50()
    load_resnet50_weights(reference, verbose=False)
    ours = transfer.predict_proba(resnet, x)
    np.testing.assert_allclose(ours, transfer.predict_proba(reference, x), atol=1e-6)
    assert np.mean(ours.argmax(axis=1) == y.ravel()[:60]) >= 0.95


def test_split_halves_compose_to_the_whole(resnet):
    x = transfer.seeded_images(0, 3, (64, 64, 3))
    features = transfer.features_model(resnet)
    assert tuple(features.output.shape) == (None, 2048)
    bottom, top = transfer.split_model(features, "res5c_branch2a")
    assert tuple(bottom.output.shape) == (None, 2, 2, 2048)
    whole = np.asarray(features(x, training=False))
    np.testing.assert_allclose(np.asarray(top(bottom(x, training=False), training=False)), whole,
                               rtol=1e-5, atol=1e-5)
    bottom5, _ = transfer.split_model(resnet, transfer.STAGE5_LAYER)
    assert tuple(bottom5.output.shape) == (None, 4, 4, 1024)


def test_toy_base_is_seeded_and_has_batch_normalisation():
    a, b = transfer.toy_base(3), transfer.toy_base(3)
    x = transfer.seeded_images(1, 2)
    np.testing.assert_array_equal(np.asarray(a(x, training=False)), np.asarray(b(x, training=False)))
    assert not np.allclose(np.asarray(transfer.toy_base(4)(x, training=False)),
                           np.asarray(a(x, training=False)))
    assert [layer.name for layer in a.layers][1:] == ["conv1", "bn1", "relu1", "conv2", "bn2",
                                                      "relu2", "pool"]
    assert np.all(np.asarray(a.get_layer("bn1").moving_variance) >= 0.5)


def test_fit_classifier_is_repeatable_and_learns_a_separable_task():
    import keras

    rng = np.random.default_rng(0)
    x = rng.normal(size=(90, 5)).astype(np.float32)
    y = np.argmax(x[:, :3], axis=1)

    def run():
        model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(3, activation="softmax")])
        return transfer.fit_classifier(model, x, y, epochs=40, learning_rate=0.05, x_test=x, y_test=y)

    first, second = run(), run()
    assert first["train_accuracy"] == second["train_accuracy"] >= 0.9
    assert first["test_accuracy"] == first["train_accuracy"]
