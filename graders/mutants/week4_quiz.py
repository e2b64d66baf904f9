"""Known wrong answers to the Week 4 quiz, each with the slip it points to, and why each right
answer is right (shown in the feedback after grading; it never reaches a kernel)."""
from graders.mutants import Mutant

MUTANTS = [
    Mutant("q1", "verifier_enough",
           "with K = 100 people a recognition system has about 100 chances to make a mistake; 99% "
           "per comparison is not enough.",
           "q1 = \"abcd\""),
    Mutant("q1", "forgot_liveness",
           "the lecture mentions liveness detection as a supervised learning problem of its own.",
           "q1 = \"ab\""),
    Mutant("q2", "swapped_distances",
           "the positive distance comes first: d(A, P) - d(A, N) + alpha.",
           "q2 = 0.21"),
    Mutant("q2", "forgot_margin",
           "the margin alpha is added before taking the maximum: 0.5 - 0.51 + 0.2.",
           "q2 = 0"),
    Mutant("q3", "forgot_max",
           "the loss is the maximum of that difference and 0: an easy triplet costs nothing, it "
           "never gives a negative loss.",
           "q3 = -0.4"),
    Mutant("q3", "added_distances",
           "the loss subtracts d(A, N): d(A, P) - d(A, N) + alpha.",
           "q3 = 1.4"),
    Mutant("q4", "added_probabilities",
           "probabilities of independent events do not simply add; use 1 - 0.99^100.",
           "q4 = 1.0"),
    Mutant("q4", "one_comparison",
           "there are 100 comparisons, and any of them can go wrong.",
           "q4 = 0.01"),
    Mutant("q5", "softmax",
           "that is what one-shot learning avoids: a softmax would need retraining for every new "
           "person.",
           "q5 = \"a\""),
    Mutant("q5", "retrain_encoder",
           "the encoder learned a general distance; a new person needs only their encoding in the "
           "database.",
           "q5 = \"c\""),
    Mutant("q6", "positions",
           "the Gram matrix correlates channels, not positions: it is n_C \u00d7 n_C.",
           "q6 = (196, 196)"),
    Mutant("q6", "unrolled",
           "that is the unrolled activation; the Gram matrix multiplies it by its own transpose, "
           "giving n_C \u00d7 n_C.",
           "q6 = (196, 256)"),
    Mutant("q7", "not_squared",
           "the constant is squared: (2 \u00b7 4 \u00b7 4 \u00b7 8)^2.",
           "q7 = 256"),
    Mutant("q7", "forgot_two",
           "the constant has a factor 2: (2 \u00b7 n_H \u00b7 n_W \u00b7 n_C)^2.",
           "q7 = 16384"),
    Mutant("q8", "network_weights",
           "the pretrained network stays fixed; it only measures content and style.",
           "q8 = \"b\""),
    Mutant("q8", "both",
           "only G changes; the network is a fixed measuring instrument.",
           "q8 = \"c\""),
    Mutant("q9", "same_padding",
           "without padding the output is 14 - 5 + 1 = 10 long.",
           "q9 = (14, 16)"),
    Mutant("q9", "channels_first",
           "the course writes channels last: (length, channels).",
           "q9 = (16, 10)"),
    Mutant("q10", "same_padding",
           "without padding each side shrinks to 14 - 5 + 1 = 10.",
           "q10 = (14, 14, 14, 16)"),
    Mutant("q10", "one_channel",
           "each of the 16 filters gives one output channel.",
           "q10 = (10, 10, 10, 1)"),
    Mutant("q11", "forgot_bias",
           "the logistic unit has a bias b as well as its 128 weights.",
           "q11 = 128"),
    Mutant("q11", "both_encodings",
           "the unit sees the 128 differences, not both encodings: 128 weights and a bias.",
           "q11 = 257"),
    Mutant("q12", "too_shallow",
           "a shallow layer makes G copy the content's pixels, leaving no room for the style.",
           "q12 = \"a\""),
    Mutant("q12", "too_deep",
           "a very deep layer only checks that the same kind of object is there, not how the picture "
           "is laid out.",
           "q12 = \"c\""),
]

EXPLANATIONS = {
    "q1": ("Verification compares with one claimed identity; recognition compares with all K. Errors "
          "add up over K comparisons, so recognition needs far more than 99%; liveness detection is "
          "another supervised task the lecture mentions (lecture 4.1, What is face recognition)."),
    "q2": ("max(0.5 \u2212 0.51 + 0.2, 0) = 0.19: the negative is farther than the positive, but not by "
          "the margin, so the triplet still teaches something (lecture 4.4, Triplet loss)."),
    "q3": ("0.3 \u2212 0.9 + 0.2 = \u22120.4, and max(\u22120.4, 0) = 0: the triplet already meets the margin. This "
          "is why training picks hard triplets, whose d(A, P) is close to d(A, N) (lecture 4.4, "
          "Triplet loss)."),
    "q4": ("The chance that all 100 comparisons are right is 0.99^100 \u2248 0.366, so at least one error "
          "has probability \u2248 0.634; at 99.9% it would be \u2248 0.095 (lecture 4.1, What is face "
          "recognition)."),
    "q5": ("One-shot learning learns d(img1, img2) and thresholds it at \u03c4; recognising a new person "
          "only needs their stored encoding, with no retraining (lecture 4.2, One-shot learning)."),
    "q6": ("G_kk' sums a_ijk \u00b7 a_ijk' over all positions (i, j), one entry per pair of channels: "
          "256\u00d7256 (lecture 4.6, Style cost function)."),
    "q7": ("2\u00b74\u00b74\u00b78 = 256 and 256\u00b2 = 65,536; written as the assignment does, 4\u00b7n_C\u00b2\u00b7(n_H n_W)\u00b2 = "
          "4\u00b764\u00b7256 = 65,536 too (lecture 4.6, Style cost function)."),
    "q8": ("G starts as noise (or a noisy copy of C) and its pixels are updated, G := G \u2212 \u2202J/\u2202G; the "
          "network's weights stay fixed (lecture 4.6, Neural style transfer: the algorithm)."),
    "q9": ("14 \u2212 5 + 1 = 10 positions, one channel per filter: 10\u00d716, as in 2D (lecture 4.7, 1D and "
          "3D generalisations)."),
    "q10": ("Each of the three dimensions gives 14 \u2212 5 + 1 = 10, and there is one channel per filter: "
          "10\u00d710\u00d710\u00d716 (lecture 4.7, 1D and 3D generalisations)."),
    "q11": ("\u0177 = \u03c3(\u03a3_k w_k |f(x(i))_k \u2212 f(x(j))_k| + b): 128 weights and one bias, 129 (lecture 4.5, "
          "Face verification and binary classification)."),
    "q12": ("Too shallow and G must match the pixels; too deep and it only needs 'a dog somewhere'. A "
          "middle layer keeps the layout while leaving texture to the style cost (lecture 4.6, "
          "Content cost function)."),
}
