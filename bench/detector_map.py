"""Benchmark: the shipped Week 3 road detector's mAP@0.5, its speed on one picture, its size.

    .venv/bin/python bench/detector_map.py [--n N] [--repeat R] [--score-threshold T]

1. Accuracy: runs ``utils.detector.load_course_detector()`` on the held-out scenes
   (``load_road_set("test")``, 300 by default, drawn and cached on first use), keeps each box's
   best class, drops scores under ``--score-threshold`` (0.01), applies non-max suppression per
   class (IoU 0.5, at most 100 boxes a picture) and prints AP@0.5 per class and their mean
   (``graders.trainers.detection_eval``: VOC all-points interpolation; detections matched
   greedily by decreasing score, each truth at most once, IoU >= 0.5).
2. Speed, the way the notebook's ``predict`` works: one 720x1280 JPEG demo picture, resized and
   scaled (``utils.yolo.preprocess_image``), the model, ``yolo_head``, corners scaled to the
   picture, score filter and NMS. Best and median of ``--repeat`` runs after one warm-up.
   TensorFlow runs as in the notebooks (with oneDNN where the CPU has it).
3. Size: parameters, the weight file's bytes, and what float32 weights would take.

The goal it checks: AP@0.5 >= 0.8 for "car".
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

from graders.trainers import detection_eval  # noqa: E402
from utils.detector import DETECTOR_WEIGHTS, load_course_detector  # noqa: E402

CAR_GOAL = 0.8


def accuracy(model, anchors, class_names, n, score_threshold):
    """Print the AP table; returns (AP per class, mAP)."""
    from utils.synth.road_data import load_road_set

    size = model.input_shape[1]
    images, boxes, classes = load_road_set("test", size=size, n=n, workers=2)
    start = time.perf_counter()
    aps, mean = detection_eval.evaluate(model, images, boxes, classes, anchors, len(class_names),
                                        score_threshold=score_threshold)
    seconds = time.perf_counter() - start
    counts = np.bincount(np.concatenate(classes), minlength=len(class_names))
    print(f"mAP@0.5 on {len(images)} held-out scenes at {size}x{size} "
          f"({seconds:.1f} s, score threshold {score_threshold}):")
    print(f"  {'class':<15}{'boxes':>7}{'AP@0.5':>9}")
    for name, count, ap in zip(class_names, counts, aps):
        print(f"  {name:<15}{count:>7}{'n/a' if np.isnan(ap) else f'{ap:.3f}':>9}")
    print(f"  {'mean':<15}{counts.sum():>7}{mean:>9.3f}")
    return aps, mean


def speed(model, anchors, class_names, repeat):
    """Seconds per picture (best, median) for predict's steps on one 720x1280 picture."""
    from utils.synth.road_data import demo_images
    from utils.yolo import preprocess_image, scale_boxes, yolo_boxes_to_corners, yolo_head

    path = demo_images()[0]
    size = model.input_shape[1:3]

    def once():
        image, image_data = preprocess_image(path, size)
        features = model(image_data, training=False)
        confidence, xy, wh, probs = yolo_head(features, anchors, len(class_names))
        boxes = scale_boxes(yolo_boxes_to_corners(xy, wh), (image.size[1], image.size[0]))
        scores = np.asarray(confidence) * np.asarray(probs)
        return detection_eval.select(np.asarray(boxes).reshape(-1, 4),
                                     scores.reshape(-1, len(class_names)),
                                     score_threshold=0.6, iou_threshold=0.5, max_boxes=10)

    found = once()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        once()
        times.append(time.perf_counter() - start)
    print(f"predict-style speed on {path.name} (720x1280 -> {size[0]}x{size[1]}): best "
          f"{min(times) * 1e3:.1f} ms, median {statistics.median(times) * 1e3:.1f} ms over "
          f"{repeat} runs ({len(found.scores)} boxes at score >= 0.6)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=None, help="held-out scenes (default: 300)")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs of one picture")
    parser.add_argument("--score-threshold", type=float, default=0.01)
    args = parser.parse_args(argv)

    model, anchors, class_names = load_course_detector(verbose=False)
    aps, _ = accuracy(model, anchors, class_names, args.n, args.score_threshold)
    speed(model, anchors, class_names, args.repeat)
    params = model.count_params()
    size = DETECTOR_WEIGHTS.stat().st_size
    print(f"size: {params:,} parameters; {DETECTOR_WEIGHTS.name} {size:,} bytes "
          f"(float32 would be {4 * params:,})")
    car = aps[class_names.index("car")]
    met = car >= CAR_GOAL
    print(f"goal: car AP@0.5 >= {CAR_GOAL}: {'met' if met else 'NOT met'} ({car:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
