"""Week 4's style transfer: the course's network, its layers, and the optimisation it drives."""
from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from utils import style_net  # noqa: E402
from utils.detector import DetectorError  # noqa: E402
from utils.progress import ProgressBar  # noqa: E402


@pytest.fixture(scope="module")
def network():
    return style_net.course_network(verbose=False)


def test_the_course_network_gives_five_style_layers_and_the_content_layer_last(network):
    assert network.style_layers == style_net.COURSE_STYLE_LAYERS
    assert sum(weight for _, weight in network.style_layers) == pytest.approx(1.0)
    pictures = np.random.default_rng(0).uniform(0, 1, (2, 48, 64, 3)).astype(np.float32)
    outputs = network.outputs_model()(pictures)
    assert [tuple(o.shape) for o in outputs] == [(2, 48, 64, 16), (2, 24, 32, 32),
                                                 (2, 12, 16, 64), (2, 6, 8, 128),
                                                 (2, 3, 4, 192), (2, 6, 8, 128)]
    np.testing.assert_array_equal(outputs[3], outputs[-1])        # block4_leaky is the content
    assert network.model.count_params() == 320_112
    assert not network.model.trainable


def test_the_course_network_holds_the_shipped_detector_weights(network):
    from utils.detector import load_course_detector

    detector, _, _ = load_course_detector(verbose=False)
    for name in ("block1_conv", "block4_bn", "head1_conv"):
        for mine, shipped in zip(network.model.get_layer(name).get_weights(),
                                 detector.get_layer(name).get_weights()):
            np.testing.assert_array_equal(mine, shipped)


def test_without_vgg19_the_course_network_is_used_and_the_message_says_so(monkeypatch, capsys):
    from utils import vgg19

    monkeypatch.setattr(vgg19, "find_vgg19_weights", lambda data_dir=None: None)
    network = style_net.load_style_network()
    out = capsys.readouterr().out
    assert "No VGG-19 weights" in out and vgg19.VGG19_FILE_NAMES[0] in out
    assert "road detector" in out and network.content_layer == "block4_leaky"


def test_a_missing_detector_file_names_it_and_the_command_that_makes_it(tmp_path):
    with pytest.raises(DetectorError, match="road_detector.npz.*graders.trainers.road_detector"):
        style_net.load_style_network(data_dir=tmp_path, verbose=False)


def test_fit_to_network_crops_the_centre_to_multiples_of_16():
    image = np.arange(37 * 50 * 3).reshape(37, 50, 3)
    fitted = style_net.fit_to_network(image)
    assert fitted.shape == (32, 48, 3)
    np.testing.assert_array_equal(fitted, image[2:34, 1:49])
    assert style_net.fit_to_network(image[None]).shape == (1, 32, 48, 3)
    with pytest.raises(ValueError, match="at least 16"):
        style_net.fit_to_network(np.zeros((12, 40, 3)))


def test_the_solution_repaints_a_picture_with_the_paintings_statistics(network):
    """A few steps of the notebook's own solution through the course network: the total cost
    falls to a fraction, the picture stays in [0, 1], and its colours move to the painting's."""
    import keras
    import tensorflow as tf

    from graders.sources import find_source, solution_functions
    from utils.art_images import content_image, style_image, to_float

    functions = solution_functions(find_source("week4_style_transfer"),
                                   preamble={"tf": tf, "keras": keras})
    namespace = functions["train_step"].__globals__
    content, style = content_image("chelsea", (64, 96)), style_image("starry", (64, 96))
    outputs = network.outputs_model()
    namespace.update(network_outputs=outputs, STYLE_LAYERS=network.style_layers,
                     content_outputs=outputs(to_float(content)),
                     style_outputs=outputs(to_float(style)),
                     optimizer=keras.optimizers.Adam(learning_rate=0.02))
    picture = tf.Variable(to_float(content))
    step = tf.function(functions["train_step"], autograph=False)
    costs = [float(step(picture)) for _ in range(40)]
    assert costs[-1] < 0.3 * costs[0]
    values = picture.numpy()
    assert values.min() >= 0.0 and values.max() <= 1.0
    blue_minus_red = lambda x: float(np.mean(x[..., 2] - x[..., 0]))  # noqa: E731
    assert blue_minus_red(to_float(style)) > 0.1 > blue_minus_red(to_float(content))
    assert blue_minus_red(values) > blue_minus_red(to_float(content)) + 0.05


def test_the_progress_bar_prints_each_tenth_outside_a_notebook(capsys):
    bar = ProgressBar(50, "steps")
    for done in range(1, 51):
        bar.update(done, f"J = {done}")
    bar.close("finished")
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 11 and lines[-1] == "finished"
    assert lines[0].startswith("steps: 5/50 (10%)") and lines[0].endswith("J = 5")
    assert lines[-2].startswith("steps: 50/50 (100%)")
    with pytest.raises(ValueError, match="positive"):
        ProgressBar(0)
