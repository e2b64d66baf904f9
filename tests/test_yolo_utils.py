"""utils.yolo: the Week 3 notebook's given YOLO helpers, checked on hand-computed values."""
from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from utils import yolo  # noqa: E402

ANCHORS = np.array([[1.0, 2.0], [3.0, 0.5]])
N_CLASSES = 3
ENTRIES = 5 + N_CLASSES


def as_numpy(tensors):
    return [keras.ops.convert_to_numpy(t) for t in tensors]


# --------------------------------------------------------------------------- files
def test_read_classes_skips_blank_lines_and_strips(tmp_path):
    path = tmp_path / "classes.txt"
    path.write_text("person\n  bicycle \n\ncar\ntraffic light\n\n", encoding="utf-8")
    assert yolo.read_classes(path) == ["person", "bicycle", "car", "traffic light"]


def test_read_anchors_yolov2_format(tmp_path):
    path = tmp_path / "yolo_anchors.txt"
    path.write_text("0.57273, 0.677385, 1.87446, 2.06253, 3.33843, 5.47434, 7.88282, 3.52778, "
                    "9.77052, 9.16828\n")
    anchors = yolo.read_anchors(path)
    assert anchors.shape == (5, 2)
    np.testing.assert_array_equal(anchors[0], [0.57273, 0.677385])
    np.testing.assert_array_equal(anchors[4], [9.77052, 9.16828])


def test_read_anchors_accepts_one_pair_per_line(tmp_path):
    path = tmp_path / "anchors.txt"
    path.write_text("1,2\n3.5,4\n")
    np.testing.assert_array_equal(yolo.read_anchors(path), [[1, 2], [3.5, 4]])


def test_read_anchors_rejects_an_odd_count(tmp_path):
    path = tmp_path / "anchors.txt"
    path.write_text("1, 2, 3")
    with pytest.raises(ValueError, match="3 numbers"):
        yolo.read_anchors(path)


# --------------------------------------------------------------------------- yolo_head
def test_yolo_head_zero_logits_give_cell_centres_and_anchor_sizes():
    feats = np.zeros((2, 3, 4, len(ANCHORS) * ENTRIES), dtype=np.float32)   # S_h=3, S_w=4
    confidence, xy, wh, probs = as_numpy(yolo.yolo_head(feats, ANCHORS, N_CLASSES))
    assert confidence.shape == (2, 3, 4, 2, 1)
    assert xy.shape == wh.shape == (2, 3, 4, 2, 2)
    assert probs.shape == (2, 3, 4, 2, N_CLASSES)
    np.testing.assert_allclose(confidence, 0.5)
    np.testing.assert_allclose(probs, 1 / 3, rtol=1e-6)
    for row in range(3):
        for col in range(4):
            centre = np.broadcast_to([(col + 0.5) / 4, (row + 0.5) / 3], (2, 2, 2))
            np.testing.assert_allclose(xy[:, row, col], centre, rtol=1e-6)
    np.testing.assert_allclose(wh[1, 2, 3], [[1 / 4, 2 / 3], [3 / 4, 0.5 / 3]], rtol=1e-6)


def test_yolo_head_reads_the_region_layout_per_anchor():
    """Channel a*(5+C)+k of a cell is entry k of anchor a: [t_x, t_y, t_w, t_h, t_o, classes]."""
    feats = np.zeros((1, 3, 4, len(ANCHORS) * ENTRIES), dtype=np.float32)
    row, col, anchor = 1, 2, 1
    base = anchor * ENTRIES
    feats[0, row, col, base:base + ENTRIES] = [np.log(3), -np.log(3), np.log(2), np.log(0.5),
                                               np.log(4), 0.0, np.log(2), np.log(5)]
    confidence, xy, wh, probs = as_numpy(yolo.yolo_head(feats, ANCHORS, N_CLASSES))
    np.testing.assert_allclose(xy[0, row, col, anchor], [(col + 0.75) / 4, (row + 0.25) / 3],
                               rtol=1e-6)
    np.testing.assert_allclose(wh[0, row, col, anchor], [3.0 * 2 / 4, 0.5 * 0.5 / 3], rtol=1e-6)
    np.testing.assert_allclose(confidence[0, row, col, anchor], [0.8], rtol=1e-6)
    np.testing.assert_allclose(probs[0, row, col, anchor], [1 / 8, 2 / 8, 5 / 8], rtol=1e-6)
    # the other anchor of that cell and the other cells are untouched
    np.testing.assert_allclose(confidence[0, row, col, 0], [0.5])
    np.testing.assert_allclose(xy[0, row, col - 1, anchor], [(col - 0.5) / 4, (row + 0.5) / 3],
                               rtol=1e-6)


def test_yolo_head_accepts_the_five_axis_form_and_symbolic_inputs():
    rng = np.random.default_rng(0)
    flat = rng.normal(size=(1, 3, 4, len(ANCHORS) * ENTRIES)).astype(np.float32)
    per_anchor = flat.reshape(1, 3, 4, len(ANCHORS), ENTRIES)
    for got, want in zip(as_numpy(yolo.yolo_head(per_anchor, ANCHORS, N_CLASSES)),
                         as_numpy(yolo.yolo_head(flat, ANCHORS, N_CLASSES))):
        np.testing.assert_allclose(got, want, rtol=1e-6)
    symbolic = yolo.yolo_head(keras.Input((3, 4, len(ANCHORS) * ENTRIES)), ANCHORS, N_CLASSES)
    assert [tuple(t.shape) for t in symbolic] == [(None, 3, 4, 2, 1), (None, 3, 4, 2, 2),
                                                  (None, 3, 4, 2, 2), (None, 3, 4, 2, 3)]


def test_yolo_head_rejects_features_that_do_not_fit():
    with pytest.raises(ValueError, match="do not fit 2 anchors and 3 classes"):
        yolo.yolo_head(np.zeros((1, 3, 3, 17), np.float32), ANCHORS, N_CLASSES)


# --------------------------------------------------------------------------- boxes
def test_boxes_to_corners_orders_y1_x1_y2_x2():
    corners = keras.ops.convert_to_numpy(
        yolo.yolo_boxes_to_corners(np.array([[0.5, 0.4]]), np.array([[0.2, 0.4]])))
    np.testing.assert_allclose(corners, [[0.2, 0.4, 0.6, 0.6]], rtol=1e-6)


def test_scale_boxes_multiplies_by_height_and_width():
    boxes = np.array([[0.1, 0.2, 0.5, 1.0], [0.0, 0.0, 1.0, 1.0]])
    scaled = keras.ops.convert_to_numpy(yolo.scale_boxes(boxes, (720.0, 1280.0)))
    np.testing.assert_allclose(scaled, [[72, 256, 360, 1280], [0, 0, 720, 1280]], rtol=1e-6)


def test_box_pixels_rounds_and_clips_to_the_image():
    assert yolo.box_pixels([-3.2, 10.4, 55.6, 200.0], (120, 50)) == (10, 0, 119, 49)


# --------------------------------------------------------------------------- images
def test_preprocess_image_resizes_bicubic_to_height_width(tmp_path):
    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 256, size=(40, 60, 3), dtype=np.uint8)
    path = tmp_path / "photo.png"
    Image.fromarray(pixels).save(path)
    image, data = yolo.preprocess_image(path, (16, 24))
    assert image.size == (60, 40) and image.mode == "RGB"
    assert data.shape == (1, 16, 24, 3) and data.dtype == np.float32
    want = np.asarray(Image.fromarray(pixels).resize((24, 16), Image.Resampling.BICUBIC)) / 255.0
    np.testing.assert_allclose(data[0], want, atol=1e-7)
    assert 0.0 <= data.min() and data.max() <= 1.0


def test_preprocess_image_makes_gray_images_rgb(tmp_path):
    path = tmp_path / "gray.png"
    Image.fromarray(np.full((10, 10), 51, dtype=np.uint8), mode="L").save(path)
    image, data = yolo.preprocess_image(path, (8, 8))
    assert image.mode == "RGB" and data.shape == (1, 8, 8, 3)
    np.testing.assert_allclose(data, 0.2, atol=1e-6)


def test_class_colors_are_fixed_and_distinct():
    colors = yolo.class_colors(80)
    assert colors == yolo.class_colors(80) and len(set(colors)) == 80
    assert all(0 <= v <= 255 for color in colors for v in color)


def test_draw_boxes_outlines_in_the_class_colour_with_a_label():
    image = Image.new("RGB", (120, 100))                      # black, width 120, height 100
    names = ["person", "car", "bus"]
    drawn = yolo.draw_boxes(image, [[30, 20, 80, 90]], [1], names, scores=[0.87])
    assert drawn is image
    pixels = np.asarray(drawn)
    car = yolo.class_colors(3)[1]
    for y, x in [(80, 50), (55, 20), (55, 90), (30, 60)]:    # bottom, left, right, top edges
        assert tuple(pixels[y, x]) == car, (y, x)
    assert tuple(pixels[55, 50]) == (0, 0, 0)                # inside stays untouched
    assert tuple(pixels[90, 50]) == (0, 0, 0)                # below stays untouched
    label = pixels[:30, 20:80]                                # the label sits above the box
    assert (label == car).all(axis=-1).sum() > 50            # filled background
    assert (label != car).any(axis=-1).sum() > 10            # and text on it


def test_draw_boxes_on_an_array_returns_a_new_image():
    array = np.zeros((50, 50, 3), dtype=np.float32)
    drawn = yolo.draw_boxes(array, [[10, 10, 40, 40]], [0], ["a"])
    assert isinstance(drawn, Image.Image) and drawn.size == (50, 50)
    assert tuple(np.asarray(drawn)[40, 25]) == yolo.class_colors(1)[0]
    assert array.max() == 0.0


# --------------------------------------------------------------------------- predict
PREDICT_ANCHORS = np.array([[1.0, 1.0], [0.5, 0.5]])
NAMES = ["person", "car", "bus"]


def tiny_detector() -> keras.Model:
    """64x64 input -> a 2x2 grid of 2 anchors x 8 values with known weights.

    Each cell averages its 32x32 block; anchor 0's objectness is 20 * red - 10 (red blocks are
    objects), its class logits favour "car"; anchor 1 is never confident; t_x..t_h are 0, so
    anchor 0's box is exactly its cell.
    """
    inputs = keras.Input((64, 64, 3))
    pooled = keras.layers.AveragePooling2D(32)(inputs)
    head = keras.layers.Conv2D(2 * ENTRIES, 1, name="head")
    outputs = head(pooled)
    kernel = np.zeros((1, 1, 3, 2 * ENTRIES), np.float32)
    bias = np.zeros(2 * ENTRIES, np.float32)
    kernel[0, 0, 0, 4] = 20.0                      # anchor 0, t_o from the red channel
    bias[4] = -10.0
    bias[5:8] = [0.0, 4.0, 0.0]                    # anchor 0, class logits
    bias[ENTRIES + 4] = -10.0                      # anchor 1, t_o
    head.set_weights([kernel, bias])
    return keras.Model(inputs, outputs)


def threshold_only_eval(calls):
    """A stand-in for the learner's yolo_eval: score = confidence x best class probability,
    keep score >= threshold, boxes to pixel corners. No NMS."""
    def evaluate(yolo_outputs, image_shape, score_threshold=0.6):
        calls.append({"image_shape": image_shape, "score_threshold": score_threshold,
                      "shapes": [tuple(t.shape) for t in yolo_outputs]})
        confidence, xy, wh, probs = as_numpy(yolo_outputs)
        box_scores = confidence * probs
        classes, scores = box_scores.argmax(-1), box_scores.max(-1)
        boxes = keras.ops.convert_to_numpy(
            yolo.scale_boxes(yolo.yolo_boxes_to_corners(xy, wh), image_shape))
        keep = scores >= score_threshold
        return scores[keep], boxes[keep], classes[keep]
    return evaluate


def red_left_half(tmp_path):
    pixels = np.zeros((100, 160, 3), dtype=np.uint8)            # height 100, width 160
    pixels[:, :80, 0] = 255
    path = tmp_path / "street.png"
    Image.fromarray(pixels).save(path)
    return path


def test_predict_end_to_end(tmp_path, capsys):
    image_path = red_left_half(tmp_path)
    calls = []
    scores, boxes, classes = yolo.predict(tiny_detector(), image_path, threshold_only_eval(calls),
                                          NAMES, PREDICT_ANCHORS, out_dir=tmp_path / "drawn",
                                          score_threshold=0.5)
    assert calls == [{"image_shape": (100.0, 160.0), "score_threshold": 0.5,
                      "shapes": [(1, 2, 2, 2, 1), (1, 2, 2, 2, 2), (1, 2, 2, 2, 2),
                                 (1, 2, 2, 2, 3)]}]
    p_car = np.exp(4) / (np.exp(4) + 2)
    assert isinstance(scores, np.ndarray) and scores.shape == (2,)
    np.testing.assert_allclose(scores, p_car / (1 + np.exp(-10)), rtol=1e-3)
    np.testing.assert_allclose(boxes, [[0, 0, 50, 80], [50, 0, 100, 80]], atol=1e-3)
    np.testing.assert_array_equal(classes, [1, 1])

    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == f"Found 2 boxes for {image_path}"
    assert printed[1:] == ["car 0.96 (0, 0) (80, 50)", "car 0.96 (0, 50) (80, 99)"]

    saved = tmp_path / "drawn" / "street.png"
    drawn = np.asarray(Image.open(saved))
    assert drawn.shape == (100, 160, 3)
    car = yolo.class_colors(3)[1]
    assert tuple(drawn[25, 80]) == car                       # right edge of the first box
    assert tuple(drawn[75, 80]) == car                       # right edge of the second box
    assert tuple(drawn[75, 120]) == (0, 0, 0)                # nothing drawn on the right half


def test_predict_saves_to_out_in_the_working_directory(tmp_path, monkeypatch, capsys):
    image_path = red_left_half(tmp_path)
    monkeypatch.chdir(tmp_path)
    scores, _, _ = yolo.predict(tiny_detector(), image_path, threshold_only_eval([]), NAMES,
                                PREDICT_ANCHORS, score_threshold=0.99)
    assert scores.shape == (0,)
    assert capsys.readouterr().out.startswith("Found 0 boxes for ")
    assert (tmp_path / "out" / "street.png").is_file()


def test_predict_needs_a_size_for_a_model_without_one(tmp_path):
    inputs = keras.Input((None, None, 3))
    model = keras.Model(inputs, keras.layers.Conv2D(2 * ENTRIES, 1)(inputs))
    with pytest.raises(ValueError, match="model_image_size"):
        yolo.predict(model, red_left_half(tmp_path), threshold_only_eval([]), NAMES,
                     PREDICT_ANCHORS)


def test_predict_with_the_original_yolov2_shapes(tmp_path):
    """A 608x608 network with YOLOv2's output layout: 19x19 cells x 5 anchors x (5 + 80)."""
    inputs = keras.Input((608, 608, 3))
    pooled = keras.layers.AveragePooling2D(32)(inputs)
    outputs = keras.layers.Conv2D(5 * 85, 1, kernel_initializer="zeros",
                                  bias_initializer="zeros")(pooled)
    model = keras.Model(inputs, outputs)
    assert model.output_shape == (None, 19, 19, 425)
    calls = []
    anchors = np.array([[0.57, 0.68], [1.87, 2.06], [3.34, 5.47], [7.88, 3.53], [9.77, 9.17]])
    scores, boxes, classes = yolo.predict(model, red_left_half(tmp_path), threshold_only_eval(calls),
                                          [f"class {k}" for k in range(80)], anchors,
                                          out_dir=tmp_path, score_threshold=0.0)
    assert calls[0]["shapes"] == [(1, 19, 19, 5, 1), (1, 19, 19, 5, 2), (1, 19, 19, 5, 2),
                                  (1, 19, 19, 5, 80)]
    # zero logits: every box is a cell's centre with its anchor's size, score 0.5 / 80
    assert scores.shape == (19 * 19 * 5,) and boxes.shape == (19 * 19 * 5, 4)
    np.testing.assert_allclose(scores, 0.5 / 80, rtol=1e-5)
    np.testing.assert_array_equal(classes, 0)
    first = boxes.reshape(19, 19, 5, 4)[0, 0, 0]             # cell (0, 0), anchor 0
    centre_y, centre_x = 0.5 / 19 * 100, 0.5 / 19 * 160
    half_h, half_w = 0.68 / 19 * 100 / 2, 0.57 / 19 * 160 / 2
    np.testing.assert_allclose(first, [centre_y - half_h, centre_x - half_w,
                                       centre_y + half_h, centre_x + half_w], rtol=1e-4)
