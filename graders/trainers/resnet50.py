"""Train the ResNet-50 weights the Week 2 "Residual networks" notebook ships, and store them compactly.

    .venv/bin/python -m graders.trainers.resnet50            # writes data/weights/resnet50_signs.npz

What it does, deterministically up to floating-point scheduling:

1. builds ``ResNet50`` from the notebook's own solution (``graders/source/week2/residual_networks.py``);
2. trains it on the SIGNS training set (1080 pictures) plus ``--extra`` more pictures drawn by the
   same generator (``utils.synth``, split 2, which the train/test files never use), with Adam and a
   cosine-decaying learning rate, seeded by ``keras.utils.set_random_seed(0)``;
3. quantises every kernel to ``--bits`` bits per output channel (``utils.resnet_weights``), then
   re-estimates the batch-normalisation running statistics with the quantised kernels on training
   pictures, and writes the file;
4. prints the test accuracy of the float model and of the stored weights.

``--architecture`` writes only the network's architecture as Keras JSON
(``data/weights/resnet50_signs.json``), which the transfer-learning notebook rebuilds the trained
network from (``utils.transfer.load_signs_resnet50``).

The script uses only backend-agnostic Keras, so it also runs with ``KERAS_BACKEND=jax`` (e.g. on a
GPU machine). The shipped file was made with the defaults on the course's 2-core CPU with
TensorFlow: 989 s in all (about 60 s per epoch of 4080 pictures), test accuracy 0.983 for the
float32 model and 0.992 for the stored 4-bit weights, a 10.4 MiB file.
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np

from utils.resnet_weights import RESNET50_WEIGHTS, load_compact, save_compact
from utils.transfer import ARCHITECTURE


def build_resnet50():
    import keras
    from keras import layers
    from keras.initializers import GlorotUniform

    from graders.sources import find_source, solution_functions

    functions = solution_functions(find_source("week2_residual_networks"),
                                   {"keras": keras, "layers": layers, "glorot_uniform": GlorotUniform})
    return functions["ResNet50"](input_shape=(64, 64, 3), classes=6)


def write_architecture(path: Path = ARCHITECTURE) -> Path:
    """Write the ResNet50's architecture (Keras JSON, no weights) for notebooks that reuse the
    trained network without holding the Residual networks notebook's code (``utils.transfer``)."""
    import json

    path.write_text(json.dumps(json.loads(build_resnet50().to_json()), sort_keys=True) + "\n")
    return path


def signs_data(extra: int, workers: int):
    """(x_train, y_train, x_test, y_test): floats in [0, 1] and integer labels."""
    from utils.synth import build

    x_train, y_train = build.generate("signs", 0, workers=workers)
    x_test, y_test = build.generate("signs", 1, workers=workers)
    if extra:
        x_extra, y_extra = build.generate("signs", 2, count=extra, workers=workers)
        x_train = np.concatenate([x_train, x_extra])
        y_train = np.concatenate([y_train, y_extra])
    return x_train / np.float32(255), y_train, x_test / np.float32(255), y_test


def recalibrate_batchnorm(model, x, batch: int = 256) -> None:
    """Set every BatchNormalization's running mean/variance to their average over ``x``'s batches."""
    import keras

    bns = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    saved = [layer.momentum for layer in bns]
    sums = None
    count = 0
    for start in range(0, len(x) - batch + 1, batch):
        for layer in bns:
            layer.momentum = 0.0          # moving statistic := this batch's statistic
        model(x[start:start + batch], training=True)
        stats = [(np.asarray(l.moving_mean), np.asarray(l.moving_variance)) for l in bns]
        sums = stats if sums is None else [(a + m, b + v) for (a, b), (m, v) in zip(sums, stats)]
        count += 1
    for layer, momentum, (mean, var) in zip(bns, saved, sums):
        layer.momentum = momentum
        layer.moving_mean.assign(mean / count)
        layer.moving_variance.assign(var / count)


def accuracy(model, x, y) -> float:
    return float((model.predict(x, batch_size=128, verbose=0).argmax(axis=1) == y).mean())


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--extra", type=int, default=3000, help="extra generated training pictures")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--bits", type=int, default=4, choices=(4, 8))
    parser.add_argument("--workers", type=int, default=2, help="processes drawing pictures")
    parser.add_argument("--out", type=Path, default=RESNET50_WEIGHTS)
    parser.add_argument("--float-weights", type=Path, default=None,
                        help="also keep the float32 weights here (.weights.h5); "
                             "with --resume, start from them and skip training")
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--architecture", action="store_true",
                        help=f"only write the architecture ({ARCHITECTURE.relative_to(ARCHITECTURE.parents[2])})")
    args = parser.parse_args(argv)
    if args.architecture:
        print(f"wrote {write_architecture()}")
        return

    import keras

    start = time.time()
    keras.utils.set_random_seed(0)
    x_train, y_train, x_test, y_test = signs_data(args.extra, args.workers)
    print(f"data: {len(x_train)} training, {len(x_test)} test pictures "
          f"({time.time() - start:.0f} s)", flush=True)

    model = build_resnet50()
    if args.resume and args.float_weights and args.float_weights.exists():
        model.load_weights(args.float_weights)
        print(f"resumed from {args.float_weights}")
    else:
        steps = args.epochs * int(np.ceil(len(x_train) / args.batch_size))
        schedule = keras.optimizers.schedules.CosineDecay(args.learning_rate, decay_steps=steps)
        model.compile(optimizer=keras.optimizers.Adam(schedule),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])

        class Report(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                print(f"epoch {epoch + 1}/{args.epochs}: loss {logs['loss']:.4f} "
                      f"train acc {logs['accuracy']:.4f} test acc {logs['val_accuracy']:.4f} "
                      f"({time.time() - start:.0f} s)", flush=True)
                if args.float_weights:
                    model.save_weights(args.float_weights)

        model.fit(x_train, y_train, epochs=args.epochs, batch_size=args.batch_size,
                  validation_data=(x_test, y_test), callbacks=[Report()], verbose=0)
    float_accuracy = accuracy(model, x_test, y_test)

    save_compact(model, args.out, args.bits)
    load_compact(model, args.out)            # the model now holds the quantised weights
    plain_accuracy = accuracy(model, x_test, y_test)
    recalibrate_batchnorm(model, x_train[:2048])
    save_compact(model, args.out, args.bits)
    load_compact(model, args.out)
    stored_accuracy = accuracy(model, x_test, y_test)
    print(f"test accuracy: float32 {float_accuracy:.4f}, {args.bits}-bit {plain_accuracy:.4f}, "
          f"{args.bits}-bit with recalibrated batch norm (stored) {stored_accuracy:.4f}")
    print(f"wrote {args.out} ({args.out.stat().st_size / 2**20:.1f} MiB) "
          f"in {time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
