"""Known wrong answers to the Week 1 quiz, each with the slip it points to, and why each right
answer is right (shown in the feedback after grading; it never reaches a kernel)."""
from graders.mutants import Mutant

MUTANTS = [
    Mutant("q1", "no_floor",
           "the division was not rounded down; the output size is floor((n + 2p - f) / s) + 1, "
           "because a window that would stick out of the padded image is not used.",
           "q1 = 7.5"),
    Mutant("q1", "no_padding",
           "the padding was left out; the padded image has n + 2p rows.",
           "q1 = 6"),
    Mutant("q1", "no_stride",
           "the stride was left out; with stride s the window moves s rows at a time, so divide (n + "
           "2p - f) by s.",
           "q1 = 14"),
    Mutant("q1", "rounded_up",
           "the division was rounded up; the lecture's formula rounds down (floor), since a partial "
           "window is not used.",
           "q1 = 8"),
    Mutant("q2", "total_padding",
           "f - 1 = 6 is the padding over both sides together; each side gets (f - 1) / 2.",
           "q2 = 6"),
    Mutant("q2", "half_filter",
           "f / 2 is not a whole number of pixels; same padding is p = (f - 1) / 2 for an odd f.",
           "q2 = 3.5"),
    Mutant("q3", "forgot_bias",
           "the biases are missing; each filter has one bias, so add 16.",
           "q3 = 1200"),
    Mutant("q3", "forgot_input_channels",
           "each filter spans all 3 input channels: it has 5\u00b75\u00b73 = 75 weights, not 25.",
           "q3 = 416"),
    Mutant("q3", "counted_input_size",
           "the number of parameters does not depend on the image size: the same filter is used at "
           "every position.",
           "q3 = 1216 * 28 * 28"),
    Mutant("q4", "no_stride",
           "the second layer's stride of 2 was left out: (37 - 5) / 2 + 1 = 17.",
           "q4 = (33, 33, 20)"),
    Mutant("q4", "channels_from_input",
           "a convolution's output has one channel per filter, here 20; the input's channels only "
           "set the filters' depth.",
           "q4 = (17, 17, 3)"),
    Mutant("q5", "even_size",
           "nothing makes output sizes even; the floor drops a window that would stick out of the "
           "image.",
           "q5 = \"a\""),
    Mutant("q5", "stride_divides",
           "the stride need not divide anything: when it does not, the last partial window is "
           "dropped, which is what the floor does.",
           "q5 = \"c\""),
    Mutant("q6", "true_convolution",
           "that is the mathematicians' convolution; deep-learning frameworks skip the flip.",
           "q6 = \"a\""),
    Mutant("q6", "half_flip",
           "no framework flips on one axis only; the operation they call convolution does not flip "
           "at all.",
           "q6 = \"d\""),
    Mutant("q7", "max_pooling",
           "that is max pooling; average pooling takes the mean of the window.",
           "q7 = 6"),
    Mutant("q7", "sum_not_mean",
           "that is the sum of the window; divide it by the f\u00b7f = 4 values.",
           "q7 = 16"),
    Mutant("q8", "learned_weights",
           "pooling has nothing to learn: f, s and the kind of pooling are chosen by hand.",
           "q8 = \"abcd\""),
    Mutant("q8", "channels_change",
           "pooling works on each channel separately, so the number of channels stays the same.",
           "q8 = \"ad\""),
    Mutant("q9", "counted_pooling",
           "pooling layers have no weights, so the lecture counts each with its convolution.",
           "q9 = 7"),
    Mutant("q9", "forgot_softmax",
           "the softmax output layer has weights too (84 \u00d7 10 plus 10 biases), so it is a layer.",
           "q9 = 4"),
    Mutant("q10", "pooling_padding",
           "pooling has no weights and padding adds none; the savings come from how a filter is "
           "used.",
           "q10 = \"b\""),
    Mutant("q10", "stride_channels",
           "stride and channels change the sizes of outputs, not why a filter needs few weights.",
           "q10 = \"d\""),
    Mutant("q11", "forgot_channels",
           "the channels were left out: the input has 32\u00b732\u00b73 = 3072 values and the output 28\u00b728\u00b76 = "
           "4704.",
           "q11 = 802816"),
    Mutant("q11", "counted_biases",
           "the question asks for weights only; 4704 biases were added.",
           "q11 = 14455392"),
    Mutant("q12", "sign_dropped",
           "30 is the bright-to-dark edge; here the left is dark, so the right column (times -1) "
           "dominates.",
           "q12 = 30"),
    Mutant("q12", "one_column",
           "each window has three rows, so a column contributes 3 \u00b7 10, not 10.",
           "q12 = -10"),
]

EXPLANATIONS = {
    "q1": ("floor((16 + 2\u00b71 \u2212 5) / 2) + 1 = floor(6.5) + 1 = 7. The floor is there because the "
          "filter is applied only where it fits entirely inside the padded image (lecture 1.4, "
          "Strided convolution)."),
    "q2": ("With stride 1 the output has n + 2p \u2212 f + 1 rows; setting that equal to n gives p = (f \u2212 "
          "1) / 2 = 3. This is why filters are usually odd-sized (lecture 1.3, Padding)."),
    "q3": ("Each filter has 5\u00b75\u00b73 = 75 weights (a filter has as many channels as its input) and one "
          "bias: (75 + 1)\u00b716 = 1216, whatever the image size, since the same filters are used "
          "everywhere (lecture 1.6, One convolutional layer)."),
    "q4": ("The first layer gives (39 \u2212 3)/1 + 1 = 37, so 37\u00d737\u00d710. The second gives floor((37 \u2212 "
          "5)/2) + 1 = 17 rows and columns and one channel per filter: 17\u00d717\u00d720 (lecture 1.7, A "
          "simple ConvNet)."),
    "q5": ("A window that would stick out of the padded image is simply not used, so the number of "
          "positions is rounded down: floor((n + 2p \u2212 f)/s) + 1 (lecture 1.4, Strided convolution)."),
    "q6": ("Frameworks multiply the window by the filter as it is; the flip of a true convolution "
          "would only make learned filters appear mirrored, so it is left out and the operation is "
          "really a cross-correlation (lecture 1.4, Strided convolution: the note on 'convolution' "
          "in mathematics)."),
    "q7": ("The bottom-left window holds 1, 4, 5 and 6; their mean is 16/4 = 4 (lecture 1.8, "
          "Pooling)."),
    "q8": ("Pooling has hyperparameters (f, s, max or average) but no learnable parameters, it is "
          "applied to each channel on its own so n_C is kept, and f = 2, s = 2 halves height and "
          "width (lecture 1.8, Pooling)."),
    "q9": ("Layers with weights: CONV1 (with POOL1), CONV2 (with POOL2), FC3, FC4 and the softmax "
          "layer, so 5 (lecture 1.9, ConvNet example)."),
    "q10": ("Parameter sharing: one filter (a feature detector) is used at every position. Sparse "
          "connections: each output depends on a small window of inputs, e.g. 9 of 36 (lecture "
          "1.10, Why convolutions)."),
    "q11": ("3072 inputs times 4704 outputs is 14,450,688 weights, against (5\u00b75\u00b73 + 1)\u00b76 = 456 "
          "parameters for the convolution that makes the same 28\u00d728\u00d76 output (lecture 1.10, Why "
          "convolutions)."),
    "q12": ("A middle window has 0s in its left column and 10s in its right column: 3\u00b70\u00b71 + 3\u00b710\u00b7(\u22121) "
          "= \u221230. The sign tells a dark-to-bright edge from a bright-to-dark one (lecture 1.2, Edge "
          "detection)."),
}
