"""Realistic wrong implementations of the Week 4 "Art generation with neural style transfer"
functions.

Each ``source`` replaces the body of a ``# GRADED FUNCTION`` cell. Every one must lose its own
function's points and no other's (tests/test_grading.py); the outputs they produce are recorded
in graders/reference/week4_style_transfer.json so that feedback can quote ``hint``.
"""
from graders.mutants import Mutant

_CONTENT = '''
def compute_content_cost(a_C, a_G):
    _, n_H, n_W, n_C = a_G.get_shape().as_list()
    J_content = {cost}
    return J_content
'''

COMPUTE_CONTENT_COST = [
    Mutant("compute_content_cost", "lecture_half",
           "the sum was multiplied by 1/2, the lecture's constant; this course grades "
           "1 / (4 n_H n_W n_C), which pairs with the style cost's constant.",
           _CONTENT.format(cost="0.5 * tf.reduce_sum(tf.square(a_C - a_G))")),
    Mutant("compute_content_cost", "mean_without_4",
           "the sum was divided by n_H n_W n_C only (a mean); the constant is "
           "1 / (4 n_H n_W n_C).",
           _CONTENT.format(cost="tf.reduce_sum(tf.square(a_C - a_G)) / (n_H * n_W * n_C)")),
    Mutant("compute_content_cost", "not_squared",
           "the differences were summed without squaring them; the content cost sums "
           "(a_C - a_G) squared.",
           _CONTENT.format(cost="tf.reduce_sum(tf.abs(a_C - a_G)) / (4.0 * n_H * n_W * n_C)")),
]

GRAM_MATRIX = [
    Mutant("gram_matrix", "transpose_first",
           "the product is A^T A, of shape (n_H n_W, n_H n_W), which compares positions; the "
           "style matrix compares channels: A A^T, of shape (n_C, n_C).",
           "\ndef gram_matrix(A):\n    GA = tf.matmul(tf.transpose(A), A)\n    return GA\n"),
    Mutant("gram_matrix", "divided_by_positions",
           "the matrix was divided by the number of positions; the Gram matrix is the plain "
           "product A A^T (the layer style cost's constant does the scaling).",
           "\ndef gram_matrix(A):\n"
           "    GA = tf.matmul(A, tf.transpose(A)) / A.shape[1]\n    return GA\n"),
]

_LAYER = '''
def compute_layer_style_cost(a_S, a_G):
    _, n_H, n_W, n_C = a_G.get_shape().as_list()
    a_S = {unroll_S}
    a_G = {unroll_G}
    GS = gram_matrix(a_S)
    GG = gram_matrix(a_G)
    J_style_layer = {cost}
    return J_style_layer
'''
_UNROLL = "tf.transpose(tf.reshape({a}, [n_H * n_W, n_C]))"
_PLAIN_RESHAPE = "tf.reshape({a}, [n_C, n_H * n_W])"
_LAYER_COST = "tf.reduce_sum(tf.square(GS - GG)) / (4.0 * n_C ** 2 * (n_H * n_W) ** 2)"


def _layer(unroll=_UNROLL, cost=_LAYER_COST) -> str:
    return _LAYER.format(unroll_S=unroll.format(a="a_S"), unroll_G=unroll.format(a="a_G"),
                         cost=cost)


COMPUTE_LAYER_STYLE_COST = [
    Mutant("compute_layer_style_cost", "plain_reshape",
           "the activations were reshaped straight to (n_C, n_H * n_W), which mixes the "
           "channels; reshape to (n_H * n_W, n_C) first, then transpose.",
           _layer(unroll=_PLAIN_RESHAPE)),
    Mutant("compute_layer_style_cost", "half_not_quarter",
           "the constant is 1 / (2 n_C^2 (n_H n_W)^2); the square of 1 / (2 n_H n_W n_C) is "
           "1 / (4 n_C^2 (n_H n_W)^2).",
           _layer(cost="tf.reduce_sum(tf.square(GS - GG)) / (2.0 * n_C ** 2 * (n_H * n_W) ** 2)")),
    Mutant("compute_layer_style_cost", "constant_not_squared",
           "the constant 1 / (2 n_H n_W n_C) was not squared; the layer style cost multiplies by "
           "(1 / (2 n_H n_W n_C))^2.",
           _layer(cost="tf.reduce_sum(tf.square(GS - GG)) / (2.0 * n_C * n_H * n_W)")),
]

_STYLE = '''
def compute_style_cost(style_image_output, generated_image_output, STYLE_LAYERS):
    J_style = 0
    a_S = {a_S}
    a_G = {a_G}
    for (name, weight), a_S_layer, a_G_layer in zip(STYLE_LAYERS, a_S, a_G):
        J_style_layer = compute_layer_style_cost(a_S_layer, a_G_layer)
        J_style += {term}
    return J_style
'''

COMPUTE_STYLE_COST = [
    Mutant("compute_style_cost", "weights_ignored",
           "the layers' costs were added without their weights; multiply each by its weight "
           "from STYLE_LAYERS.",
           _STYLE.format(a_S="style_image_output[:-1]", a_G="generated_image_output[:-1]",
                         term="J_style_layer")),
    Mutant("compute_style_cost", "skips_first_layer",
           "the activations were taken from the second element on; the style layers are all "
           "but the last element (outputs[:-1]), whose last is the content layer.",
           _STYLE.format(a_S="style_image_output[1:]", a_G="generated_image_output[1:]",
                         term="weight * J_style_layer")),
]

TOTAL_COST = [
    Mutant("total_cost", "weights_swapped",
           "alpha multiplied the style cost and beta the content cost; J = alpha * J_content + "
           "beta * J_style.",
           "\ndef total_cost(J_content, J_style, alpha=10, beta=40):\n"
           "    J = beta * J_content + alpha * J_style\n    return J\n"),
    Mutant("total_cost", "alpha_missing",
           "the content cost was not multiplied by alpha; J = alpha * J_content + beta * J_style.",
           "\ndef total_cost(J_content, J_style, alpha=10, beta=40):\n"
           "    J = J_content + beta * J_style\n    return J\n"),
]

_TRAIN = '''
def train_step(generated_image):
    with tf.GradientTape() as tape:
        generated_outputs = network_outputs(generated_image)
        J_style = compute_style_cost({style_source}, generated_outputs, STYLE_LAYERS)
        J_content = compute_content_cost(content_outputs[-1], generated_outputs[-1])
        J = total_cost(J_content, J_style, alpha=10, beta=40)
    grad = tape.gradient(J, generated_image)
    optimizer.apply_gradients([(grad, generated_image)])
    {clip}
    return J
'''
_CLIP = "generated_image.assign(tf.clip_by_value(generated_image, 0.0, 1.0))"

TRAIN_STEP = [
    Mutant("train_step", "no_clipping",
           "pixels left [0, 1] after the step; clip them back with "
           "generated_image.assign(tf.clip_by_value(generated_image, 0.0, 1.0)).",
           _TRAIN.format(style_source="style_outputs", clip="pass")),
    Mutant("train_step", "style_of_content",
           "the style cost compared the generated picture with the content picture's "
           "activations; compare it with style_outputs.",
           _TRAIN.format(style_source="content_outputs", clip=_CLIP)),
]

MUTANTS = (COMPUTE_CONTENT_COST + GRAM_MATRIX + COMPUTE_LAYER_STYLE_COST + COMPUTE_STYLE_COST
           + TOTAL_COST + TRAIN_STEP)
