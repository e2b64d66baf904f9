"""Train the Week 3 road detector (``utils.detector``) and write the files the notebook loads.

    .venv/bin/python -m graders.trainers.road_detector              # writes the shipped files
    .venv/bin/python -m graders.trainers.road_detector --quick      # < 1 min smoke run, temp dir

Writes ``data/weights/road_detector.npz`` (compact weights, ``utils.resnet_weights`` format),
``data/road_anchors.txt`` and ``data/road_classes.txt``. What it does, deterministically up to
floating-point scheduling (NumPy generators seeded per epoch, ``keras.utils.set_random_seed``):

1. loads the first ``--images`` (6000) training scenes of
   ``utils.synth.road_data.load_road_set("train", 256)`` (drawn by ``utils/synth/road.py`` and
   cached under data/synthetic/ on first use: about 150 s on two cores);
2. clusters the training boxes' shapes into 5 anchors by k-means with the 1 - IoU distance
   (``graders.trainers.anchors``), in grid-cell units (16 pixels a cell);
3. trains ``build_detector`` for ``--epochs`` (6) with the YOLOv2 loss
   (``graders.trainers.yolo_loss``: IoU-rescored objectness, no-object loss down-weighted and
   ignored above IoU 0.6) and Adam (one epoch of linear warm-up to 0.002, then cosine decay),
   in bfloat16 mixed precision; each picture is zoomed into a random window (half of them, by up
   to 1.6x), flipped left-right (half of them) and given random brightness, contrast and colour
   balance;
4. quantises the kernels to ``--bits`` (8) bits per output channel, re-estimates the batch
   normalisations' running statistics with them, writes the files, and prints AP@0.5 per class
   and their mean on the 300 held-out scenes (``load_road_set("test")``) for the float and the
   stored weights.

The script uses only backend-agnostic Keras, so it also runs with ``KERAS_BACKEND=jax`` (e.g. on
a GPU machine). With TensorFlow it turns on oneDNN (``TF_ENABLE_ONEDNN_OPTS=1``, two to three
times faster on CPUs) unless the variable is already set.

The shipped files were made with the defaults with TensorFlow on the course's 2-core CPU (shared
with other jobs, about 30 pictures a second): 1156 s for loading the cached scenes and training,
1179 s in all; a second run wrote the same bytes. Drawing the 6300 scenes first, when they are
not cached, adds about 160 s. Stored 8-bit weights, 1.0 MB: mAP@0.5 0.695 on the 300 held-out
scenes (car 0.911, bus 0.688, truck 0.632, pedestrian 0.488, traffic light 0.757); the float32
weights score 0.698.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

from graders.trainers import detection_eval  # noqa: E402
from graders.trainers.anchors import format_anchors, kmeans_anchors  # noqa: E402
from graders.trainers.yolo_loss import YoloLoss, corners_to_grid, pack_targets  # noqa: E402
from utils.detector import (ANCHORS_FILE, CLASSES_FILE, DETECTOR_WEIGHTS, STRIDE,  # noqa: E402
                            build_detector)

SEED = 0
MAX_BOXES = 32            # truth boxes per picture kept for the loss's ignore test


# --------------------------------------------------------------------------- data
def load_split(split: str, size: int, n: int | None, workers: int = 2):
    """(images (m, size, size, 3) uint8, boxes list of (n_i, 4) pixel corners, classes list)."""
    from utils.synth.road_data import load_road_set

    return load_road_set(split, size=size, n=n, workers=workers)


def class_names() -> list[str]:
    from utils.synth.road import CLASSES

    return list(CLASSES)


def road_anchors(boxes_list, size: int, k: int = 5, seed: int = SEED):
    """k-means anchors (k, 2) in grid cells from the training boxes, and their mean IoU."""
    grid = size // STRIDE
    wh = np.concatenate([corners_to_grid(b, size, grid)[:, 2:] for b in boxes_list])
    return kmeans_anchors(wh, k=k, seed=seed)


def flip_boxes(boxes, width: int) -> np.ndarray:
    """Corners (n, 4) (y1, x1, y2, x2) of a picture ``width`` pixels wide, mirrored left-right."""
    b = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
    return np.stack([b[:, 0], width - b[:, 3], b[:, 2], width - b[:, 1]], axis=1)


def zoom(image, boxes, classes, scale: float, top: float, left: float, min_kept: float = 0.4):
    """Crop a window 1/scale of the picture's size at (top, left) pixels and resize it back
    (bilinear). Boxes are mapped and clipped to the window; one left with under ``min_kept`` of
    its area (the renderer's rule for a hidden object) is dropped.
    Returns (image (H, W, 3) uint8, boxes (k, 4), classes (k,))."""
    from PIL import Image

    height, width = image.shape[:2]
    window = (left, top, left + width / scale, top + height / scale)
    picture = Image.fromarray(image).resize((width, height), Image.Resampling.BILINEAR,
                                            box=window)
    b = (np.asarray(boxes, np.float64).reshape(-1, 4) - [top, left, top, left]) * scale
    clipped = np.clip(b, 0, [height, width, height, width])
    area = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    kept_area = (clipped[:, 2] - clipped[:, 0]) * (clipped[:, 3] - clipped[:, 1])
    keep = (kept_area >= min_kept * area) & (clipped[:, 2] - clipped[:, 0] >= 1) \
        & (clipped[:, 3] - clipped[:, 1] >= 1)
    return np.asarray(picture), clipped[keep].astype(np.float32), np.asarray(classes)[keep]


def augment(image, boxes, classes, rng: np.random.Generator, zoom_probability: float = 0.5,
            max_zoom: float = 1.6):
    """One picture (H, W, 3) uint8 with its boxes (n, 4) and classes (n,) -> (float32 picture
    in [0, 1], boxes, classes): with probability ``zoom_probability`` a zoom by U(1, max_zoom)
    on a random window (:func:`zoom`); a left-right flip with probability 1/2; brightness
    x U(0.7, 1.3), contrast about the mean x U(0.7, 1.3), each colour channel x U(0.9, 1.1)."""
    if rng.random() < zoom_probability:
        scale = rng.uniform(1.0, max_zoom)
        top = rng.uniform(0, image.shape[0] * (1 - 1 / scale))
        left = rng.uniform(0, image.shape[1] * (1 - 1 / scale))
        image, boxes, classes = zoom(image, boxes, classes, scale, top, left)
    x = image.astype(np.float32) / 255.0
    if rng.random() < 0.5:
        x = x[:, ::-1]
        boxes = flip_boxes(boxes, image.shape[1])
    mean = x.mean()
    x = (x - mean) * rng.uniform(0.7, 1.3) + mean
    x = x * rng.uniform(0.7, 1.3) * rng.uniform(0.9, 1.1, size=3).astype(np.float32)
    return np.clip(x, 0.0, 1.0), boxes, classes


def epoch_batches(images, boxes_list, classes_list, anchors, n_classes: int, batch_size: int,
                  epoch: int, seed: int = SEED, **augment_args):
    """A ``keras.utils.PyDataset`` of one epoch: shuffled, augmented batches (x, y_true), drawn
    from a generator seeded with (seed, epoch, batch) so that any batch can be redrawn alone."""
    import keras

    size = images.shape[1]
    grid = size // STRIDE
    order = np.random.default_rng([seed, epoch]).permutation(len(images))

    class Batches(keras.utils.PyDataset):
        def __len__(self):
            return len(images) // batch_size

        def __getitem__(self, index):
            rng = np.random.default_rng([seed, epoch, index])
            picked = order[index * batch_size:(index + 1) * batch_size]
            xs, bs, cs = [], [], []
            for i in picked:
                x, b, c = augment(images[i], boxes_list[i], classes_list[i], rng, **augment_args)
                xs.append(x)
                bs.append(b)
                cs.append(c)
            y = pack_targets(bs, cs, anchors, size, grid, n_classes, MAX_BOXES)
            return np.stack(xs), y

    return Batches()


def init_objectness_bias(model, n_anchors: int, n_classes: int, prior: float = 0.01) -> None:
    """Start every anchor's objectness at ``prior`` (bias log(p / (1 - p))) for a calm start."""
    _, bias = model.get_layer("detections").weights
    values = np.asarray(bias).copy()
    values[4::5 + n_classes] = np.log(prior / (1 - prior))
    bias.assign(values)


# --------------------------------------------------------------------------- evaluation
def report_map(model, test, anchors, names, label: str) -> float:
    """Print AP@0.5 per class and the mean on the held-out pictures; returns the mean."""
    aps, mean = detection_eval.evaluate(model, *test, anchors, len(names))
    per_class = ", ".join(f"{n} {ap:.3f}" for n, ap in zip(names, aps))
    print(f"mAP@0.5 ({label}): {mean:.3f}  [{per_class}]", flush=True)
    return mean


def recalibrate_batchnorm(model, images, batch: int = 64) -> None:
    """Set every BatchNormalization's running mean and variance to their average over batches of
    ``images`` (uint8) run in training mode (after quantising the kernels)."""
    import keras

    bns = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    momenta = [layer.momentum for layer in bns]
    sums, count = None, 0
    for start in range(0, len(images) - batch + 1, batch):
        for layer in bns:
            layer.momentum = 0.0
        model(images[start:start + batch].astype(np.float32) / 255.0, training=True)
        stats = [(np.asarray(l.moving_mean), np.asarray(l.moving_variance)) for l in bns]
        sums = stats if sums is None else [(a + m, b + v) for (a, b), (m, v) in zip(sums, stats)]
        count += 1
    for layer, momentum, (mean, var) in zip(bns, momenta, sums):
        layer.momentum = momentum
        layer.moving_mean.assign(mean / count)
        layer.moving_variance.assign(var / count)


def store(model, path: Path, bits: int, images) -> Path:
    """Quantise ``model``'s kernels to ``bits`` bits, re-estimate its batch normalisations'
    statistics on ``images`` (uint8) with the quantised kernels, and write the compact file.
    Quantising is idempotent, so this may also be run on weights loaded from such a file.
    ``model`` ends up holding the stored weights. Returns the path."""
    from utils.resnet_weights import load_compact, save_compact

    save_compact(model, path, bits)
    load_compact(model, path)
    recalibrate_batchnorm(model, images)
    save_compact(model, path, bits)
    load_compact(model, path)
    return path


# --------------------------------------------------------------------------- main
def main(argv=None) -> None:
    # oneDNN only for this script (set before TensorFlow is first imported), so that importing
    # this module, e.g. from the tests, changes nothing for others in the same process
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=None, help="default 6 (--quick: 1)")
    parser.add_argument("--images", type=int, default=None,
                        help="training scenes (default: 6000; --quick: 64)")
    parser.add_argument("--test-images", type=int, default=None,
                        help="held-out scenes for the final mAP (default: all; --quick: 32)")
    parser.add_argument("--size", type=int, default=256, help="input side, a multiple of 16")
    parser.add_argument("--workers", type=int, default=2,
                        help="processes drawing scenes that are not cached yet")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=2e-3)
    parser.add_argument("--warmup-epochs", type=float, default=1.0)
    parser.add_argument("--bits", type=int, default=8, choices=(4, 8))
    parser.add_argument("--precision", default="mixed_bfloat16",
                        choices=("mixed_bfloat16", "float32"),
                        help="Keras dtype policy for training (the stored weights are float32 "
                             "either way; bfloat16 is about 1.4x faster on CPUs that have it)")
    parser.add_argument("--out-dir", type=Path, default=None,
                        help="where data/ is (default: the repository's; --quick: a temp dir)")
    parser.add_argument("--quick", action="store_true", help="smoke run: tiny data, 1 epoch")
    parser.add_argument("--float-weights", type=Path, default=None,
                        help="also keep the float32 weights here (.weights.h5), saved after "
                             "every epoch; with --resume, start from them and skip training")
    parser.add_argument("--resume", action="store_true")
    args = parser.parse_args(argv)
    epochs = args.epochs or (1 if args.quick else 6)
    n_train = args.images or (64 if args.quick else 6000)
    n_test = args.test_images or (32 if args.quick else None)
    out_dir = args.out_dir or (Path(tempfile.mkdtemp(prefix="road_detector_")) if args.quick
                               else DETECTOR_WEIGHTS.parent.parent)

    import keras

    start = time.time()
    keras.utils.set_random_seed(SEED)
    names = class_names()
    images, boxes, classes = load_split("train", args.size, n_train, args.workers)
    test = load_split("test", args.size, n_test, args.workers)
    print(f"data: {len(images)} training, {len(test[0])} test scenes at {args.size}x{args.size}, "
          f"{sum(len(b) for b in boxes)} training boxes ({time.time() - start:.0f} s)", flush=True)

    anchors, anchor_iou = road_anchors(boxes, args.size)
    print(f"anchors (grid cells): {format_anchors(anchors).strip()}  (mean IoU {anchor_iou:.3f})")
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / ANCHORS_FILE.name).write_text(format_anchors(anchors))
    (out_dir / CLASSES_FILE.name).write_text("".join(f"{n}\n" for n in names))

    resume = args.resume and args.float_weights is not None and args.float_weights.exists()
    keras.mixed_precision.set_global_policy("float32" if resume else args.precision)
    model = build_detector(args.size, n_anchors=len(anchors), n_classes=len(names))
    init_objectness_bias(model, len(anchors), len(names))
    steps_per_epoch = len(images) // args.batch_size
    warmup = int(args.warmup_epochs * steps_per_epoch)
    schedule = keras.optimizers.schedules.CosineDecay(
        args.learning_rate / 10, decay_steps=max(1, epochs * steps_per_epoch - warmup),
        alpha=0.01, warmup_target=args.learning_rate, warmup_steps=warmup)
    grid = args.size // STRIDE
    model.compile(optimizer=keras.optimizers.Adam(schedule, clipnorm=10.0),
                  loss=YoloLoss(anchors, grid, len(names), MAX_BOXES))
    print(f"model: {model.count_params():,} parameters, output {model.output.shape[1:]}; "
          f"{epochs} epochs of {steps_per_epoch} steps", flush=True)

    if resume:
        model.load_weights(args.float_weights)
        print(f"resumed from {args.float_weights}")
        epochs = 0
    for epoch in range(epochs):
        batches = epoch_batches(images, boxes, classes, anchors, len(names), args.batch_size,
                                epoch)
        history = model.fit(batches, initial_epoch=epoch, epochs=epoch + 1, verbose=0)
        print(f"epoch {epoch + 1}/{epochs}: loss {history.history['loss'][-1]:.3f} "
              f"({time.time() - start:.0f} s)", flush=True)
        if args.float_weights:
            model.save_weights(args.float_weights)
    train_time = time.time() - start
    keras.mixed_precision.set_global_policy("float32")
    trained = model
    model = build_detector(args.size, n_anchors=len(anchors), n_classes=len(names))
    for target, source in zip(model.weights, trained.weights):
        target.assign(np.asarray(source, dtype=np.float32))
    float_map = report_map(model, test, anchors, names, "float32")

    weights = store(model, out_dir / "weights" / DETECTOR_WEIGHTS.name, args.bits,
                    images[:1024])
    stored_map = report_map(model, test, anchors, names, f"stored {args.bits}-bit")
    print(f"wrote {weights} ({weights.stat().st_size / 2**20:.2f} MiB), "
          f"{out_dir / ANCHORS_FILE.name}, {out_dir / CLASSES_FILE.name}")
    print(f"mAP@0.5 float32 {float_map:.3f}, stored {stored_map:.3f}; data and training took "
          f"{train_time:.0f} s, {time.time() - start:.0f} s in all")


if __name__ == "__main__":
    main()
