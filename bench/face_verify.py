"""Benchmark: the shipped Week 4 face encoder's verification accuracy on held-out people, its
speed on one picture, its size, against a raw-pixel baseline.

    .venv/bin/python bench/face_verify.py [--pairs N] [--shots S] [--repeat R]

1. Accuracy: renders ``--shots`` (10) pictures of each of the 200 held-out identities
   (``utils.synth.faces.HELDOUT_IDENTITIES``, never trained on; cached in data/synthetic/ on
   first use), draws a fixed seeded set of ``--pairs`` (2000) same-person and as many
   different-person pairs (``graders.trainers.face_eval.sample_pairs``), encodes every picture
   with ``utils.face_encoder.load_course_encoder()`` as ``img_to_encoding`` does (the average of
   the picture's and its mirror image's encodings) and prints, from the pairs' L2 distances:
   the accuracy at the notebook's threshold (same person when distance < 0.7, as ``verify``
   decides), the best threshold and its accuracy, and the ROC AUC (rank-based). The same
   figures for the raw-pixel baseline: each picture scaled to [0, 1], flattened and normalised
   to unit length, so that its distances also lie in [0, 2]; and the encoder's figures without
   the mirror average (one pass per picture), to show what the average adds.
2. Speed: one ``img_to_encoding`` on a 96x96 PNG (read, preprocess, model), best and median of
   ``--repeat`` runs after one warm-up. TensorFlow runs as in the notebooks
   (with oneDNN where the CPU has it).
3. Size: parameters, the weight file's bytes, and what float32 weights would take.

The goal it checks: verification accuracy >= 0.97 at threshold 0.7.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")    # before TensorFlow is imported anywhere

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent)]

from graders.trainers import face_eval  # noqa: E402
from utils.face_encoder import (FACE_ENCODER_WEIGHTS, THRESHOLD, img_to_encoding,  # noqa: E402
                                load_course_encoder)

GOAL = 0.97


def accuracy(model, shots: int, pairs: int):
    """Print the encoder's and the pixel baseline's figures; returns the encoder's."""
    start = time.perf_counter()
    gallery, labels = face_eval.heldout_gallery(shots, workers=2)
    first, second, same = face_eval.sample_pairs(labels, pairs, pairs)
    drawn = time.perf_counter() - start
    start = time.perf_counter()
    encodings = face_eval.encode(model, gallery)
    encoded = time.perf_counter() - start
    single = face_eval.encode(model, gallery, mirror=False)
    print(f"held-out: {len(gallery)} pictures of {len(np.unique(labels))} identities "
          f"({drawn:.1f} s to draw or load, {encoded:.1f} s to encode); {int(same.sum())} "
          f"same-person and {int((~same).sum())} different-person pairs")
    ours = face_eval.verification(face_eval.pair_distances(encodings, first, second), same)
    unmirrored = face_eval.verification(face_eval.pair_distances(single, first, second), same)
    pixels = face_eval.verification(
        face_eval.pair_distances(face_eval.pixel_vectors(gallery), first, second), same)
    print(f"  {'':<16}{'acc@0.7':>9}{'best thr':>10}{'best acc':>10}{'ROC AUC':>9}"
          f"{'d same':>8}{'d diff':>8}")
    for name, r in (("face encoder", ours), ("  no mirror avg", unmirrored),
                    ("raw pixels", pixels)):
        print(f"  {name:<16}{r.accuracy:>9.3f}{r.best_threshold:>10.3f}{r.best_accuracy:>10.3f}"
              f"{r.auc:>9.4f}{r.same_mean:>8.3f}{r.diff_mean:>8.3f}")
    return ours


def speed(model, repeat: int):
    """Best and median seconds of one ``img_to_encoding`` on a 96x96 PNG."""
    from PIL import Image

    picture = face_eval.render([list(face_eval.faces_module().HELDOUT_IDENTITIES)[0]], [0])[0]
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "face.png"
        Image.fromarray(picture).save(path)
        img_to_encoding(str(path), model)
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            img_to_encoding(str(path), model)
            times.append(time.perf_counter() - start)
    print(f"img_to_encoding on one 96x96 PNG: best {min(times) * 1e3:.1f} ms, median "
          f"{statistics.median(times) * 1e3:.1f} ms over {repeat} runs")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=2000,
                        help="same-person pairs, and as many different-person pairs")
    parser.add_argument("--shots", type=int, default=10, help="pictures per held-out identity")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs of one picture")
    args = parser.parse_args(argv)

    model = load_course_encoder(verbose=False)
    result = accuracy(model, args.shots, args.pairs)
    speed(model, args.repeat)
    params = model.count_params()
    size = FACE_ENCODER_WEIGHTS.stat().st_size
    print(f"size: {params:,} parameters; {FACE_ENCODER_WEIGHTS.name} {size:,} bytes "
          f"(float32 would be {4 * params:,})")
    met = result.accuracy >= GOAL
    print(f"goal: accuracy >= {GOAL} at distance < {THRESHOLD}: "
          f"{'met' if met else 'NOT met'} ({result.accuracy:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
