"""Realistic wrong implementations of the Week 3 "Car detection with YOLO" functions.

Each ``source`` replaces the body of a ``# GRADED FUNCTION`` cell. Every one must lose its own
function's points and no other's (tests/test_grading.py); the outputs they produce are recorded
in graders/reference/week3_car_detection.json so that feedback can quote ``hint``.
"""
from graders.mutants import Mutant

_SLIDING = '''
def conv_sliding_windows(classifier):
    conv, fc1 = classifier.get_layer("conv"), classifier.get_layer("fc1")
    fc2, head = classifier.get_layer("fc2"), classifier.get_layer("classes")
    inputs = keras.Input(shape=(None, None, 3))
    conv_new = layers.Conv2D(16, (5, 5), activation="relu")
    fc1_conv = layers.Conv2D(400, (5, 5), activation="relu")
    fc2_conv = layers.Conv2D(400, (1, 1), activation="relu")
    head_conv = layers.Conv2D(4, (1, 1), activation="softmax")
    X = layers.MaxPool2D((2, 2){pool_args})(conv_new(inputs))
    outputs = head_conv(fc2_conv(fc1_conv(X)))
    conv_new.set_weights(conv.get_weights())
    for dense, conv_layer in ((fc1, fc1_conv), (fc2, fc2_conv), (head, head_conv)):
        kernel, bias = dense.get_weights()
        shape = tuple(conv_layer.kernel.shape)
        {set_weights}
    return keras.Model(inputs, outputs)
'''
_RIGHT = "conv_layer.set_weights([kernel.reshape(shape), bias])"

CONV_SLIDING_WINDOWS = [
    Mutant("conv_sliding_windows", "channels_first_reshape",
           "the dense kernel was reshaped as if Flatten listed channels first; Keras flattens a "
           "(5, 5, 16) volume row by row, channel last, so kernel.reshape(5, 5, 16, 400) is "
           "the right order.",
           _SLIDING.format(pool_args="", set_weights=(
               "conv_layer.set_weights([kernel.reshape((shape[2], shape[0], shape[1], shape[3]))"
               ".transpose(1, 2, 0, 3), bias])"))),
    Mutant("conv_sliding_windows", "pool_stride_1",
           "the max pooling moves by 1; it must keep the classifier's 2×2 pooling with stride 2, "
           "which is what makes the windows 2 pixels apart.",
           _SLIDING.format(pool_args=", strides=1", set_weights=_RIGHT)),
    Mutant("conv_sliding_windows", "biases_dropped",
           "the biases were not copied; set_weights needs [reshaped kernel, bias].",
           _SLIDING.format(pool_args="", set_weights="conv_layer.set_weights([kernel.reshape(shape), 0 * bias])")),
]

YOLO_FILTER_BOXES = [
    Mutant("yolo_filter_boxes", "strictly_greater",
           "a box whose score equals the threshold was dropped; keep scores >= threshold.",
           """
def yolo_filter_boxes(box_confidence, boxes, box_class_probs, threshold=.6):
    box_scores = box_confidence * box_class_probs
    box_classes = tf.math.argmax(box_scores, axis=-1)
    box_class_scores = tf.math.reduce_max(box_scores, axis=-1)
    mask = box_class_scores > threshold
    return (tf.boolean_mask(box_class_scores, mask), tf.boolean_mask(boxes, mask),
            tf.boolean_mask(box_classes, mask))
"""),
    Mutant("yolo_filter_boxes", "ignores_confidence",
           "the scores are the class probabilities alone; a box's score is p_c × c_i "
           "(box_confidence * box_class_probs).",
           """
def yolo_filter_boxes(box_confidence, boxes, box_class_probs, threshold=.6):
    box_classes = tf.math.argmax(box_class_probs, axis=-1)
    box_class_scores = tf.math.reduce_max(box_class_probs, axis=-1)
    mask = box_class_scores >= threshold
    return (tf.boolean_mask(box_class_scores, mask), tf.boolean_mask(boxes, mask),
            tf.boolean_mask(box_classes, mask))
"""),
    Mutant("yolo_filter_boxes", "class_from_probabilities",
           "the class is the argmax of box_class_probs; take it from box_scores (p_c × c_i), the "
           "same values the score comes from.",
           """
def yolo_filter_boxes(box_confidence, boxes, box_class_probs, threshold=.6):
    box_scores = box_confidence * box_class_probs
    box_classes = tf.math.argmax(box_class_probs, axis=-1)
    box_class_scores = tf.math.reduce_max(box_scores, axis=-1)
    mask = box_class_scores >= threshold
    return (tf.boolean_mask(box_class_scores, mask), tf.boolean_mask(boxes, mask),
            tf.boolean_mask(box_classes, mask))
"""),
]

IOU = [
    Mutant("iou", "no_clamp",
           "boxes that do not overlap got an IoU above 0: clamp the intersection's width and "
           "height at 0 (max(0, xi2 - xi1) * max(0, yi2 - yi1)).",
           """
def iou(box1, box2):
    xi1, yi1 = max(box1[0], box2[0]), max(box1[1], box2[1])
    xi2, yi2 = min(box1[2], box2[2]), min(box1[3], box2[3])
    inter_area = (xi2 - xi1) * (yi2 - yi1)
    union_area = ((box1[2] - box1[0]) * (box1[3] - box1[1])
                  + (box2[2] - box2[0]) * (box2[3] - box2[1]) - inter_area)
    return float(inter_area / union_area)
"""),
    Mutant("iou", "union_counts_overlap_twice",
           "the union counts the intersection twice; subtract inter_area once from the sum of "
           "the two areas.",
           """
def iou(box1, box2):
    xi1, yi1 = max(box1[0], box2[0]), max(box1[1], box2[1])
    xi2, yi2 = min(box1[2], box2[2]), min(box1[3], box2[3])
    inter_area = max(0, xi2 - xi1) * max(0, yi2 - yi1)
    union_area = (box1[2] - box1[0]) * (box1[3] - box1[1]) + (box2[2] - box2[0]) * (box2[3] - box2[1])
    return float(inter_area / union_area)
"""),
    Mutant("iou", "plus_one_pixels",
           "each side was counted as x2 - x1 + 1, the convention of boxes given in whole pixels; "
           "here corners are coordinates, so a box's width is x2 - x1 and its height y2 - y1.",
           """
def iou(box1, box2):
    xi1, yi1 = max(box1[0], box2[0]), max(box1[1], box2[1])
    xi2, yi2 = min(box1[2], box2[2]), min(box1[3], box2[3])
    inter_area = max(0, xi2 - xi1 + 1) * max(0, yi2 - yi1 + 1)
    union_area = ((box1[2] - box1[0] + 1) * (box1[3] - box1[1] + 1)
                  + (box2[2] - box2[0] + 1) * (box2[3] - box2[1] + 1) - inter_area)
    return float(inter_area / union_area)
"""),
]

YOLO_NON_MAX_SUPPRESSION = [
    Mutant("yolo_non_max_suppression", "class_agnostic",
           "boxes of different classes suppressed each other; run the suppression separately "
           "for each class, as the lecture does.",
           """
def yolo_non_max_suppression(scores, boxes, classes, max_boxes=10, iou_threshold=0.5):
    keep = tf.image.non_max_suppression(boxes, scores, max_boxes, iou_threshold)
    return tf.gather(scores, keep), tf.gather(boxes, keep), tf.gather(classes, keep)
"""),
    Mutant("yolo_non_max_suppression", "max_boxes_per_class",
           "max_boxes was applied to each class; it is the most boxes in all: sort the kept "
           "boxes by score and keep the first max_boxes.",
           """
def yolo_non_max_suppression(scores, boxes, classes, max_boxes=10, iou_threshold=0.5):
    kept = []
    for c in np.unique(np.asarray(classes)):
        members = tf.where(classes == c)[:, 0]
        chosen = tf.image.non_max_suppression(tf.gather(boxes, members), tf.gather(scores, members),
                                              max_boxes, iou_threshold)
        kept.append(tf.gather(members, chosen))
    kept = tf.concat(kept, axis=0)
    kept = tf.gather(kept, tf.argsort(tf.gather(scores, kept), direction="DESCENDING"))
    return tf.gather(scores, kept), tf.gather(boxes, kept), tf.gather(classes, kept)
"""),
    Mutant("yolo_non_max_suppression", "grouped_by_class",
           "the boxes come out class by class; return them in descending order of score.",
           """
def yolo_non_max_suppression(scores, boxes, classes, max_boxes=10, iou_threshold=0.5):
    kept = []
    for c in np.unique(np.asarray(classes)):
        members = tf.where(classes == c)[:, 0]
        chosen = tf.image.non_max_suppression(tf.gather(boxes, members), tf.gather(scores, members),
                                              max_boxes, iou_threshold)
        kept.append(tf.gather(members, chosen))
    kept = tf.concat(kept, axis=0)[:max_boxes]
    return tf.gather(scores, kept), tf.gather(boxes, kept), tf.gather(classes, kept)
"""),
    Mutant("yolo_non_max_suppression", "fixed_threshold",
           "the IoU threshold is fixed at 0.5; pass iou_threshold on to the suppression.",
           """
def yolo_non_max_suppression(scores, boxes, classes, max_boxes=10, iou_threshold=0.5):
    kept = []
    for c in np.unique(np.asarray(classes)):
        members = tf.where(classes == c)[:, 0]
        chosen = tf.image.non_max_suppression(tf.gather(boxes, members), tf.gather(scores, members),
                                              max_boxes, 0.5)
        kept.append(tf.gather(members, chosen))
    kept = tf.concat(kept, axis=0)
    kept = tf.gather(kept, tf.argsort(tf.gather(scores, kept), direction="DESCENDING")[:max_boxes])
    return tf.gather(scores, kept), tf.gather(boxes, kept), tf.gather(classes, kept)
"""),
]

YOLO_EVAL = [
    Mutant("yolo_eval", "boxes_not_scaled",
           "the boxes were not scaled to the picture; call scale_boxes(boxes, image_shape) "
           "before the suppression.",
           """
def yolo_eval(yolo_outputs, image_shape=(720., 1280.), max_boxes=10, score_threshold=.6, iou_threshold=.5):
    box_confidence, box_xy, box_wh, box_class_probs = yolo_outputs
    boxes = yolo_boxes_to_corners(box_xy, box_wh)
    scores, boxes, classes = yolo_filter_boxes(box_confidence, boxes, box_class_probs, score_threshold)
    return yolo_non_max_suppression(scores, boxes, classes, max_boxes, iou_threshold)
"""),
    Mutant("yolo_eval", "xy_wh_swapped",
           "yolo_boxes_to_corners got box_wh and box_xy in the wrong order; it takes "
           "(box_xy, box_wh).",
           """
def yolo_eval(yolo_outputs, image_shape=(720., 1280.), max_boxes=10, score_threshold=.6, iou_threshold=.5):
    box_confidence, box_xy, box_wh, box_class_probs = yolo_outputs
    boxes = yolo_boxes_to_corners(box_wh, box_xy)
    scores, boxes, classes = yolo_filter_boxes(box_confidence, boxes, box_class_probs, score_threshold)
    boxes = scale_boxes(boxes, image_shape)
    return yolo_non_max_suppression(scores, boxes, classes, max_boxes, iou_threshold)
"""),
    Mutant("yolo_eval", "arguments_not_passed",
           "score_threshold, max_boxes or iou_threshold were not passed on, so the helpers used "
           "their defaults; pass yolo_eval's arguments to yolo_filter_boxes and "
           "yolo_non_max_suppression.",
           """
def yolo_eval(yolo_outputs, image_shape=(720., 1280.), max_boxes=10, score_threshold=.6, iou_threshold=.5):
    box_confidence, box_xy, box_wh, box_class_probs = yolo_outputs
    boxes = yolo_boxes_to_corners(box_xy, box_wh)
    scores, boxes, classes = yolo_filter_boxes(box_confidence, boxes, box_class_probs)
    boxes = scale_boxes(boxes, image_shape)
    return yolo_non_max_suppression(scores, boxes, classes)
"""),
]

MUTANTS = CONV_SLIDING_WINDOWS + YOLO_FILTER_BOXES + IOU + YOLO_NON_MAX_SUPPRESSION + YOLO_EVAL
