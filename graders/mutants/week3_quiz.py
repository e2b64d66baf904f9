"""Known wrong answers to the Week 3 quiz, each with the slip it points to, and why each right
answer is right (shown in the feedback after grading; it never reaches a kernel)."""
from graders.mutants import Mutant

MUTANTS = [
    Mutant("q1", "forgot_pc",
           "the target starts with p_c, whether there is an object at all.",
           "q1 = 8"),
    Mutant("q1", "forgot_classes",
           "after p_c and the 4 box numbers come the 4 class indicators c_1..c_4.",
           "q1 = 5"),
    Mutant("q2", "forgot_presence",
           "one more output says whether there is a person at all.",
           "q2 = 64"),
    Mutant("q2", "one_coordinate",
           "each landmark has two coordinates, x and y.",
           "q2 = 33"),
    Mutant("q3", "forgot_plus_one",
           "a 28\u00d728 picture holds (28 - 14)/2 + 1 = 8 windows per row, counting the first one.",
           "q3 = (7, 7, 4)"),
    Mutant("q3", "stride_one",
           "the windows are 2 pixels apart, because of the 2\u00d72 max pooling.",
           "q3 = (15, 15, 4)"),
    Mutant("q4", "forgot_pc",
           "each anchor also predicts p_c: 1 + 4 + 80 = 85 values.",
           "q4 = (19, 19, 5, 84)"),
    Mutant("q4", "classes_only",
           "each anchor also predicts p_c and the 4 box numbers.",
           "q4 = (19, 19, 5, 80)"),
    Mutant("q5", "forgot_anchors",
           "each cell holds one vector of 8 per anchor: 2\u00b78 values.",
           "q5 = (3, 3, 8)"),
    Mutant("q5", "forgot_pc",
           "each anchor has its own p_c: 2\u00b7(1 + 4 + 3) values.",
           "q5 = (3, 3, 14)"),
    Mutant("q6", "union_too_big",
           "the union counts the overlap once: area A + area B - intersection = 7.",
           "q6 = 1 / 8"),
    Mutant("q6", "over_one_box",
           "IoU divides by the union of the two boxes, not by one box's area.",
           "q6 = 1 / 4"),
    Mutant("q7", "no_clamp",
           "the overlap's width and height are both negative here (2 - 3 = -1), and their product is "
           "positive; clamp each at 0 first.",
           "q7 = 0.25"),
    Mutant("q7", "no_clamp_no_subtract",
           "the overlap's width and height must be clamped at 0 before multiplying, and the union is "
           "area A + area B - intersection.",
           "q7 = 0.2"),
    Mutant("q8", "keep_overlaps",
           "non-max suppression removes boxes that overlap a better one; it does not keep the "
           "overlapping ones.",
           "q8 = \"b\""),
    Mutant("q8", "average_boxes",
           "non-max suppression keeps the best box and discards its overlapping neighbours; it does "
           "not average them.",
           "q8 = \"c\""),
    Mutant("q9", "most_area",
           "YOLO assigns an object by its midpoint, so exactly one cell is responsible.",
           "q9 = \"a\""),
    Mutant("q9", "every_cell",
           "if every overlapped cell predicted it, one object would be detected many times; only the "
           "midpoint's cell is responsible.",
           "q9 = \"c\""),
    Mutant("q10", "both_one_stage",
           "R-CNN has two stages: regions are proposed first, then classified.",
           "q10 = \"b\""),
    Mutant("q10", "swapped",
           "it is the other way round: R-CNN proposes regions, YOLO looks once.",
           "q10 = \"c\""),
    Mutant("q11", "forgot_pc",
           "the class score is p_c times the class probability: 0.6 \u00b7 0.7.",
           "q11 = 0.7"),
    Mutant("q11", "pc_only",
           "multiply p_c by the class's probability.",
           "q11 = 0.6"),
    Mutant("q12", "box_inside_cell",
           "an object can be larger than its cell, so b_h and b_w (in cell units) can exceed 1.",
           "q12 = \"ad\""),
    Mutant("q12", "forgot_size",
           "b_h and b_w are in cell units too, and a large object spans several cells.",
           "q12 = \"a\""),
]

EXPLANATIONS = {
    "q1": ("y = [p_c, b_x, b_y, b_h, b_w, c_1, c_2, c_3, c_4]: 1 + 4 + 4 = 9 numbers (lecture 3.1, "
          "Classification with localisation)."),
    "q2": ("2\u00b732 coordinates plus one output for 'is there a person': 65 (the lecture's 64 face "
          "landmarks give 129; lecture 3.2, Landmark detection)."),
    "q3": ("The layers shrink 28 \u2192 24 \u2192 12 \u2192 8 \u2192 8 \u2192 8, so the output is 8\u00d78\u00d74: one result for each "
          "of the 8\u00d78 windows of 14\u00d714 at stride 2, all in one pass (lecture 3.4, Convolutional "
          "sliding windows)."),
    "q4": ("Each of the 19\u00d719 cells has 5 anchors, each predicting p_c, b_x, b_y, b_h, b_w and 80 "
          "class probabilities: 19\u00d719\u00d75\u00d785 (19\u00d719\u00d7425 flattened; lecture 3.8, Anchor boxes, and "
          "3.9, YOLO put together)."),
    "q5": ("Per anchor p_c, 4 box numbers and 3 classes make 8 values; 2 anchors make 16, so 3\u00d73\u00d716 "
          "(lecture 3.8, Anchor boxes)."),
    "q6": ("The boxes overlap in the unit square from (2, 2) to (3, 3), so the intersection is 1; "
          "the union is 4 + 4 \u2212 1 = 7; IoU = 1/7 \u2248 0.143 (lecture 3.6, Intersection over union)."),
    "q7": ("The overlap would run from x = 3 to x = 2, a negative width: clamped at 0 the "
          "intersection is 0, so IoU = 0. Without the clamp, (\u22121)\u00b7(\u22121) = 1 would count as overlap "
          "(lecture 3.6, Intersection over union)."),
    "q8": ("Discard low-confidence boxes, then greedily take the most confident box and discard the "
          "ones overlapping it (IoU \u2265 0.5); with several classes, run it once per class (lecture "
          "3.7, Non-max suppression)."),
    "q9": ("Each object is assigned to the one cell holding its midpoint (b_x, b_y), and to the "
          "anchor of that cell whose shape has the highest IoU with it (lecture 3.5, Bounding-box "
          "predictions)."),
    "q10": ("R-CNN proposes regions (segmentation blobs) and runs a ConvNet on each: two stages, "
          "slow. YOLO 'only looks once' (lecture 3.10, Region proposals)."),
    "q11": ("The score of class i is p_c \u00b7 c_i; the highest is 0.6 \u00b7 0.7 = 0.42 (lecture 3.9, YOLO "
          "put together; the programming assignment's box filtering)."),
    "q12": ("b_x, b_y are the midpoint's position inside its cell, so in [0, 1]; b_h, b_w are in "
          "units of the cell's size and can exceed 1 (lecture 3.5, Bounding-box predictions)."),
}
