"""Benchmark: Week 4's neural style transfer, its speed and its pictures.

    .venv/bin/python bench/style_transfer.py [--steps N] [--candidates] [--write]

Runs the notebook's own solution functions (``graders.sources.solution_functions``: the costs and
``train_step``, no second copy of them) through the course's style network
(``utils.style_net.load_style_network(use_vgg19=False)``), as the notebook's sections 8 and 10 do:

1. the main picture: "chelsea" x "starry" at 240x320, ``--steps`` (250) Adam steps (learning
   rate 0.02, alpha 10, beta 40), starting from the photograph plus seeded noise; prints the
   time of the first step (tracing ``tf.function``), the median step, the time until the picture
   is visibly stylised (100 steps) and in all;
2. the gallery: three more pairs at 160x224, 150 steps each, timed;
3. with ``--candidates``: the same main picture through the other candidate the course tried, a
   VGG-19 with fixed random weights (NumPy-seeded He initialisation) whose every channel is
   scaled to a mean activation of 1 on the two pictures (Gatys et al.'s normalisation), at half
   width (half the channels of each layer) so that it runs in minutes.

``--write`` saves the pictures as data/style_transfer_results.jpg (and with ``--candidates``,
data/style_candidates.jpg), the figures data/README.md shows.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")    # before TensorFlow is imported anywhere

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent)]

from graders.sources import find_source, solution_functions  # noqa: E402
from utils.art_images import content_image, style_image, to_float, to_uint8  # noqa: E402

MAIN_PAIR, MAIN_SIZE = ("chelsea", "starry"), (240, 320)
GALLERY, GALLERY_SIZE, GALLERY_STEPS = [("astronaut", "mosaic"), ("coffee", "waves"),
                                        ("rocket", "strokes")], (160, 224), 150
VISIBLE_STEPS = 100
RESULTS = HERE.parent / "data" / "style_transfer_results.jpg"
CANDIDATES = HERE.parent / "data" / "style_candidates.jpg"


def solution(outputs_model):
    """The notebook's solution functions, in a namespace whose ``network_outputs`` is
    ``outputs_model``; returns that namespace."""
    import keras
    import tensorflow as tf

    functions = solution_functions(find_source("week4_style_transfer"),
                                   preamble={"tf": tf, "keras": keras})
    namespace = functions["train_step"].__globals__       # where the functions look names up
    namespace["network_outputs"] = outputs_model
    return namespace


def stylise(namespace, style_layers, content, style, steps, seed=0):
    """Optimise a picture like the notebook; returns (uint8 picture, seconds per step list)."""
    import keras
    import tensorflow as tf

    model = namespace["network_outputs"]
    namespace.update(STYLE_LAYERS=style_layers, content_outputs=model(to_float(content)),
                     style_outputs=model(to_float(style)),
                     optimizer=keras.optimizers.Adam(learning_rate=0.02))
    noise = np.random.default_rng(seed).uniform(-0.25, 0.25, (1, *content.shape))
    picture = tf.Variable(np.clip(to_float(content) + noise, 0.0, 1.0).astype(np.float32))
    step = tf.function(namespace["train_step"], autograph=False)   # exec-defined: no source
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        float(step(picture))
        times.append(time.perf_counter() - start)
    return to_uint8(picture), times


def random_vgg19(content, style, width=0.5, seed=1):
    """The candidate the course set aside: VGG-19's layers (names and shapes, ``width`` times
    the channels) with NumPy-seeded He-normal weights, each channel scaled to a mean activation
    of 1 on ``content`` and ``style``. Returns a StyleNetwork taking [0, 1] pictures."""
    import keras

    from utils.style_net import VGG19_CONTENT_LAYER, VGG19_STYLE_LAYERS, StyleNetwork

    rng = np.random.default_rng(seed)
    inputs = keras.Input((None, None, 3))
    x = keras.layers.Rescaling(1.0, offset=-0.5, name="centre")(inputs)   # [0, 1] -> [-0.5, 0.5]
    for block, (convs, filters) in enumerate([(2, 64), (2, 128), (4, 256), (4, 512), (4, 512)], 1):
        for index in range(1, convs + 1):
            x = keras.layers.Conv2D(int(filters * width), 3, padding="same", activation="relu",
                                    name=f"block{block}_conv{index}")(x)
        if block < 5:
            x = keras.layers.MaxPooling2D(2, name=f"block{block}_pool")(x)
    model = keras.Model(inputs, x)
    pictures = np.concatenate([to_float(content), to_float(style)])
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            kernel, bias = layer.get_weights()
            kernel = rng.normal(0, np.sqrt(2 / np.prod(kernel.shape[:3])), kernel.shape)
            layer.set_weights([kernel.astype(np.float32), np.zeros_like(bias)])
            mean = np.asarray(keras.Model(inputs, layer.output)(pictures)).mean(axis=(0, 1, 2))
            scale = (1.0 / np.maximum(mean, 1e-3)).astype(np.float32)
            layer.set_weights([kernel.astype(np.float32) * scale, np.zeros_like(bias)])
    return StyleNetwork(model, list(VGG19_STYLE_LAYERS), VGG19_CONTENT_LAYER,
                        f"VGG-19 with random weights ({width:g} width)")


def figure(rows, path):
    """Save rows of (content, style, generated, title) as one JPEG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(rows), 3, figsize=(10, 2.7 * len(rows)), squeeze=False)
    for row, (content, style, generated, title) in zip(axes, rows):
        for ax, picture, name in zip(row, (content, style, generated), ("content", "style", title)):
            ax.imshow(picture)
            ax.set_title(name, fontsize=9)
            ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=80, pil_kwargs={"quality": 82})
    plt.close(fig)
    print(f"wrote {path.relative_to(HERE.parent)} ({path.stat().st_size:,} bytes)")


def report(name, times):
    first, rest = times[0], times[1:]
    visible = sum(times[:VISIBLE_STEPS])
    print(f"  {name}: {len(times)} steps in {sum(times):.1f} s; first step {first:.2f} s "
          f"(tracing), then median {1000 * statistics.median(rest):.0f} ms per step; "
          f"{VISIBLE_STEPS} steps (visibly stylised) after {visible:.1f} s")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=250)
    parser.add_argument("--candidates", action="store_true",
                        help="also run the random-weight VGG-19 the course compared")
    parser.add_argument("--write", action="store_true", help="save the figures under data/")
    args = parser.parse_args(argv)

    from utils.style_net import load_style_network

    network = load_style_network(use_vgg19=False, verbose=False)
    namespace = solution(network.outputs_model())
    content, style = content_image(MAIN_PAIR[0], MAIN_SIZE), style_image(MAIN_PAIR[1], MAIN_SIZE)
    print(f"{network.name}, {MAIN_SIZE[0]}x{MAIN_SIZE[1]}:")
    generated, times = stylise(namespace, network.style_layers, content, style, args.steps)
    report(" x ".join(MAIN_PAIR), times)
    rows = [(content, style, generated, f"generated, {args.steps} steps")]
    start = time.perf_counter()
    for photo, painting in GALLERY:
        c, s = content_image(photo, GALLERY_SIZE), style_image(painting, GALLERY_SIZE)
        picture, _ = stylise(namespace, network.style_layers, c, s, GALLERY_STEPS, seed=1)
        rows.append((c, s, picture, f"{photo} x {painting}, {GALLERY_STEPS} steps"))
    print(f"  gallery: {len(GALLERY)} pairs at {GALLERY_SIZE[0]}x{GALLERY_SIZE[1]}, "
          f"{GALLERY_STEPS} steps each, {time.perf_counter() - start:.1f} s in all")
    if args.write:
        figure(rows, RESULTS)
    if args.candidates:
        candidate = random_vgg19(content, style)
        other = solution(candidate.outputs_model())
        print(f"{candidate.name}, {MAIN_SIZE[0]}x{MAIN_SIZE[1]}:")
        picture, times = stylise(other, candidate.style_layers, content, style, args.steps)
        report(" x ".join(MAIN_PAIR), times)
        if args.write:
            figure([(content, style, generated, f"{network.name}, {args.steps} steps"),
                    (content, style, picture, f"{candidate.name}, {args.steps} steps")],
                   CANDIDATES)
    return 0


if __name__ == "__main__":
    sys.exit(main())
