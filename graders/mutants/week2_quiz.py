"""Known wrong answers to the Week 2 quiz, each with the slip it points to, and why each right
answer is right (shown in the feedback after grading; it never reaches a kernel)."""
from graders.mutants import Mutant

MUTANTS = [
    Mutant("q1", "forgot_plus_one",
           "(227 - 11) / 4 = 54 counts the steps between positions; add 1 for the first position.",
           "q1 = 54"),
    Mutant("q1", "no_stride",
           "the stride of 4 was left out: divide (n - f) by s before adding 1.",
           "q1 = 217"),
    Mutant("q2", "forgot_input_channels",
           "each output value needs 5\u00b75\u00b7192 multiplications: the filter spans all 192 input "
           "channels.",
           "q2 = 627200"),
    Mutant("q2", "forgot_filter_size",
           "each output value needs 5\u00b75 multiplications per input channel, not 1.",
           "q2 = 4816896"),
    Mutant("q3", "only_second_step",
           "that is the 5\u00d75 step alone; the 1\u00d71 step costs 28\u00b728\u00b716\u00b7192 = 2,408,448 more.",
           "q3 = 10035200"),
    Mutant("q3", "only_first_step",
           "that is the 1\u00d71 step alone; the 5\u00d75 step on 16 channels costs 28\u00b728\u00b732\u00b75\u00b75\u00b716 more.",
           "q3 = 2408448"),
    Mutant("q4", "pool_keeps_channels",
           "the pooling branch ends with 32 filters of 1\u00d71, so it adds 32 channels, not the 192 of "
           "its input.",
           "q4 = (28, 28, 416)"),
    Mutant("q4", "forgot_pool_branch",
           "the pooling branch is concatenated too: add its 32 channels.",
           "q4 = (28, 28, 224)"),
    Mutant("q5", "transposed",
           "W_s multiplies a[l] (128 values) and must give 256 values, so it has 256 rows and 128 "
           "columns.",
           "q5 = (128, 256)"),
    Mutant("q5", "square",
           "W_s takes 128 values as input, so it has 128 columns.",
           "q5 = (256, 256)"),
    Mutant("q6", "after_relu",
           "the addition comes before the ReLU: a[l+2] = g(z[l+2] + a[l]).",
           "q6 = \"a\""),
    Mutant("q6", "before_linear",
           "the shortcut skips two layers and joins at the second one's activation.",
           "q6 = \"c\""),
    Mutant("q7", "forgot_bias",
           "each of the 32 filters has a bias too: add 32.",
           "q7 = 6144"),
    Mutant("q7", "forgot_input_channels",
           "a 1\u00d71 filter still spans all 192 input channels: it has 192 weights.",
           "q7 = 64"),
    Mutant("q8", "freeze_all",
           "freezing everything is the advice for a small dataset; with more data, train more "
           "layers.",
           "q8 = \"a\""),
    Mutant("q8", "precompute",
           "precomputing activations speeds up training a frozen network, which suits a small "
           "dataset.",
           "q8 = \"d\""),
    Mutant("q9", "averages_weights",
           "an ensemble averages the predictions; the weights of separately trained networks do not "
           "line up.",
           "q9 = \"abc\""),
    Mutant("q9", "forgot_ensemble",
           "an ensemble does average the outputs of its networks.",
           "q9 = \"c\""),
    Mutant("q10", "divided_by_variance",
           "divide by the standard deviation sqrt(sigma^2 + eps) = 2, not by the variance.",
           "q10 = 1.5"),
    Mutant("q10", "forgot_beta",
           "add beta after scaling by gamma: y = gamma * x_hat + beta.",
           "q10 = 2.0"),
    Mutant("q11", "swapped_lenet_alexnet",
           "LeNet-5 is the small one: about 60 thousand parameters, on 32\u00d732 grayscale digits.",
           "q11 = \"b\""),
    Mutant("q11", "swapped_alexnet_vgg",
           "VGG-16 is the largest of the three, about 138 million.",
           "q11 = \"d\""),
    Mutant("q12", "final_prediction",
           "at test time only the main output is used; the side branches serve training.",
           "q12 = \"a\""),
    Mutant("q12", "fewer_parameters",
           "the side branches add parameters; it is the 1\u00d71 bottlenecks that save them.",
           "q12 = \"d\""),
]

EXPLANATIONS = {
    "q1": ("(227 \u2212 11)/4 + 1 = 55, so conv1 gives 55\u00d755\u00d796. With the paper's 224 the formula gives "
          "54, which is why the course uses 227 (lecture 2.1, Classic networks)."),
    "q2": ("There are 28\u00b728\u00b732 output values and each needs 5\u00b75\u00b7192 multiplications: 25,088 \u00b7 4,800 "
          "= 120,422,400, about 120 million (lecture 2.4, Inception)."),
    "q3": ("Step 1: 28\u00b728\u00b716\u00b7192 = 2,408,448. Step 2: 28\u00b728\u00b732\u00b75\u00b75\u00b716 = 10,035,200. Together "
          "12,443,648, about a tenth of the direct 120 million (lecture 2.4, Inception)."),
    "q4": ("Every branch keeps 28\u00d728, and the channels add up: 64 + 128 + 32 + 32 = 256 (lecture "
          "2.4, Inception)."),
    "q5": ("W_s maps the 128 values of a[l] to the 256 of z[l+2], so it is 256\u00d7128 (lecture 2.2, "
          "Residual networks)."),
    "q6": ("a[l+2] = g(z[l+2] + a[l]): the shortcut is added before the ReLU. With W[l+2] = 0 and "
          "b[l+2] = 0 this gives a[l+2] = g(a[l]) = a[l], so the identity is easy to learn (lecture "
          "2.2, Residual networks)."),
    "q7": ("Each filter is 1\u00d71\u00d7192, so it has 192 weights and a bias: (192 + 1)\u00b732 = 6176. The 28\u00d728 "
          "size does not matter (lecture 2.3, 1\u00d71 convolutions)."),
    "q8": ("The more data you have, the fewer layers you freeze; with very much data the pretrained "
          "weights serve as initialisation for training the whole network (lecture 2.6, Transfer "
          "learning)."),
    "q9": ("Ensembles average the predictions \u0177 of 3\u201315 networks (never their weights) and 10-crop "
          "averages the results of 10 crops: centre and 4 corners of the image and of its mirror. "
          "Both multiply the cost of each prediction, so they help benchmarks more than production "
          "(lecture 2.6, The state of computer vision)."),
    "q10": ("x\u0302 = (3 \u2212 1)/\u221a4 = 1, so y = 2\u00b71 + 0.5 = 2.5; \u03b3 and \u03b2 are learned, so the layer can undo "
          "the normalisation when that helps (lecture 2.5, Batch normalisation)."),
    "q11": ("LeNet-5 \u2248 60k (61,706 exactly), AlexNet \u2248 60M (62,378,344), VGG-16 \u2248 138M (138,357,544); "
          "most of the big two's weights sit in their fully connected layers (lecture 2.1, Classic "
          "networks)."),
    "q12": ("The auxiliary softmax branches add their losses (weight 0.3) during training, which "
          "regularises the network and helps the middle layers' features predict the class; they "
          "are dropped at test time (lecture 2.4, Inception: the side branches)."),
}
