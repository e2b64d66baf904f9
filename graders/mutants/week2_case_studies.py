"""Realistic wrong implementations of the Week 2 "Case studies" functions."""
from graders.mutants import Mutant


def _lenet(pool="AveragePooling2D", padding="valid", dense_84=True):
    fc84 = '    X = layers.Dense(84, activation="relu")(X)\n' if dense_84 else ""
    return f'''
def LeNet5(input_shape=(32, 32, 1), classes=10):
    X_input = keras.Input(input_shape)
    X = layers.Conv2D(6, (5, 5), strides=(1, 1), padding="{padding}", activation="relu")(X_input)
    X = layers.{pool}((2, 2), strides=(2, 2))(X)
    X = layers.Conv2D(16, (5, 5), strides=(1, 1), padding="{padding}", activation="relu")(X)
    X = layers.{pool}((2, 2), strides=(2, 2))(X)
    X = layers.Flatten()(X)
    X = layers.Dense(120, activation="relu")(X)
{fc84}    X = layers.Dense(classes, activation="softmax")(X)
    return keras.Model(inputs=X_input, outputs=X, name="LeNet5")
'''


LENET5 = [
    Mutant("LeNet5", "max_pooling",
           "the poolings are max-pools; LeNet-5 uses AveragePooling2D((2, 2), strides=(2, 2)).",
           _lenet(pool="MaxPool2D")),
    Mutant("LeNet5", "same_padding",
           "the convolutions use padding=\"same\" and keep 32x32; LeNet-5's are \"valid\" "
           "(32 - 5 + 1 = 28).", _lenet(padding="same")),
    Mutant("LeNet5", "no_dense_84",
           "the Dense(84) layer is missing: the head is Dense(120), Dense(84), then the softmax.",
           _lenet(dense_84=False)),
]


def _alexnet(conv1_padding="valid", pool=3, conv2_padding="same"):
    return f'''
def AlexNet(input_shape=(227, 227, 3), classes=1000):
    X_input = keras.Input(input_shape)
    X = layers.Conv2D(96, (11, 11), strides=(4, 4), padding="{conv1_padding}", activation="relu")(X_input)
    X = layers.MaxPool2D(({pool}, {pool}), strides=(2, 2))(X)
    X = layers.Conv2D(256, (5, 5), strides=(1, 1), padding="{conv2_padding}", activation="relu")(X)
    X = layers.MaxPool2D(({pool}, {pool}), strides=(2, 2))(X)
    X = layers.Conv2D(384, (3, 3), padding="same", activation="relu")(X)
    X = layers.Conv2D(384, (3, 3), padding="same", activation="relu")(X)
    X = layers.Conv2D(256, (3, 3), padding="same", activation="relu")(X)
    X = layers.MaxPool2D(({pool}, {pool}), strides=(2, 2))(X)
    X = layers.Flatten()(X)
    X = layers.Dense(4096, activation="relu")(X)
    X = layers.Dense(4096, activation="relu")(X)
    X = layers.Dense(classes, activation="softmax")(X)
    return keras.Model(inputs=X_input, outputs=X, name="AlexNet")
'''


ALEXNET = [
    Mutant("AlexNet", "conv1_same_padding",
           "the first convolution uses padding=\"same\"; it is \"valid\": (227 - 11)/4 + 1 = 55.",
           _alexnet(conv1_padding="same")),
    Mutant("AlexNet", "pool_2x2",
           "the max-pools have a 2x2 window; AlexNet's are 3x3 with stride 2 (the windows overlap).",
           _alexnet(pool=2)),
    Mutant("AlexNet", "conv2_valid_padding",
           "the 5x5 convolution uses padding=\"valid\" and shrinks 27x27 to 23x23; it is \"same\".",
           _alexnet(conv2_padding="valid")),
]


def _vgg(blocks="[(2, 64), (2, 128), (3, 256), (3, 512), (3, 512)]", padding="same", hidden=2):
    dense = '    X = layers.Dense(4096, activation="relu")(X)\n' * hidden
    return f'''
def VGG16(input_shape=(224, 224, 3), classes=1000):
    X_input = keras.Input(input_shape)
    X = X_input
    for n_convs, n_filters in {blocks}:
        for _ in range(n_convs):
            X = layers.Conv2D(n_filters, (3, 3), strides=(1, 1), padding="{padding}", activation="relu")(X)
        X = layers.MaxPool2D((2, 2), strides=(2, 2))(X)
    X = layers.Flatten()(X)
{dense}    X = layers.Dense(classes, activation="softmax")(X)
    return keras.Model(inputs=X_input, outputs=X, name="VGG16")
'''


VGG16 = [
    Mutant("VGG16", "two_convs_per_block",
           "blocks 3, 4 and 5 have two convolutions each; VGG-16 has three in each "
           "(2 + 2 + 3 + 3 + 3 = 13 convolutions).",
           _vgg(blocks="[(2, 64), (2, 128), (2, 256), (2, 512), (2, 512)]")),
    Mutant("VGG16", "one_dense_4096",
           "there is only one Dense(4096); VGG-16 has two before the softmax "
           "(13 convolutions + 3 dense layers = 16).", _vgg(hidden=1)),
    Mutant("VGG16", "valid_padding",
           "the convolutions use padding=\"valid\" and shrink the picture; VGG's 3x3 convolutions "
           "are \"same\", so only the max-pools change the size.", _vgg(padding="valid")),
]

_INCEPTION_BRANCHES = '''
def inception_module(X, filters, initializer=glorot_uniform):
    F1, (F3_reduce, F3), (F5_reduce, F5), F_pool = filters
    branch_1x1 = layers.Conv2D(F1, (1, 1), padding="same", activation="relu",
                               kernel_initializer=initializer(seed=0))(X)
    branch_3x3 = layers.Conv2D(F3_reduce, (1, 1), padding="same", activation="relu",
                               kernel_initializer=initializer(seed=0))(X)
    branch_3x3 = layers.Conv2D(F3, (3, 3), padding="same", activation="relu",
                               kernel_initializer=initializer(seed=0))(branch_3x3)
    branch_5x5 = layers.Conv2D(F5_reduce, (1, 1), padding="same", activation="relu",
                               kernel_initializer=initializer(seed=0))(X)
    branch_5x5 = layers.Conv2D(F5, (5, 5), padding="same", activation="relu",
                               kernel_initializer=initializer(seed=0))(branch_5x5)
    branch_pool = layers.MaxPool2D((3, 3), strides=(1, 1), padding="same")(X)
'''

_POOL_PROJECTION = '''    branch_pool = layers.Conv2D(F_pool, (1, 1), padding="same", activation="relu",
                                kernel_initializer=initializer(seed=0))(branch_pool)
'''

INCEPTION_MODULE = [
    Mutant("inception_module", "wrong_concatenation_order",
           "the branches are concatenated in the wrong order; it is 1x1, 3x3, 5x5, then the "
           "pooling branch.",
           _INCEPTION_BRANCHES + _POOL_PROJECTION + '''
    return layers.Concatenate(axis=-1)([branch_pool, branch_1x1, branch_3x3, branch_5x5])
'''),
    Mutant("inception_module", "no_pool_projection",
           "the pooling branch has no 1x1 convolution: the max-pool keeps all n_C_prev channels; "
           "a Conv2D with F_pool filters of 1x1 must follow it.",
           _INCEPTION_BRANCHES + '''
    return layers.Concatenate(axis=-1)([branch_1x1, branch_3x3, branch_5x5, branch_pool])
'''),
    Mutant("inception_module", "no_bottlenecks",
           "the 3x3 and 5x5 convolutions run on the input directly; each needs its 1x1 "
           "reduction (F3_reduce, F5_reduce filters) first.", '''
def inception_module(X, filters, initializer=glorot_uniform):
    F1, (F3_reduce, F3), (F5_reduce, F5), F_pool = filters
    branch_1x1 = layers.Conv2D(F1, (1, 1), padding="same", activation="relu",
                               kernel_initializer=initializer(seed=0))(X)
    branch_3x3 = layers.Conv2D(F3, (3, 3), padding="same", activation="relu",
                               kernel_initializer=initializer(seed=0))(X)
    branch_5x5 = layers.Conv2D(F5, (5, 5), padding="same", activation="relu",
                               kernel_initializer=initializer(seed=0))(X)
    branch_pool = layers.MaxPool2D((3, 3), strides=(1, 1), padding="same")(X)
''' + _POOL_PROJECTION + '''
    return layers.Concatenate(axis=-1)([branch_1x1, branch_3x3, branch_5x5, branch_pool])
'''),
]


def _cost(direct="n_H * n_W * n_C * f * f * n_C_prev",
          reduce="n_H * n_W * bottleneck * n_C_prev",
          conv="n_H * n_W * n_C * f * f * bottleneck"):
    return f'''
def branch_multiplications(n_H, n_W, n_C_prev, f, n_C, bottleneck=None):
    if bottleneck is None:
        return int({direct})
    reduce_cost = {reduce}
    conv_cost = {conv}
    return int(reduce_cost + conv_cost)
'''


BRANCH_MULTIPLICATIONS = [
    Mutant("branch_multiplications", "f_not_squared",
           "a filter has f x f x n_C_prev weights: multiply by f twice (f * f), not once.",
           _cost(direct="n_H * n_W * n_C * f * n_C_prev", conv="n_H * n_W * n_C * f * bottleneck")),
    Mutant("branch_multiplications", "no_1x1_cost",
           "the 1x1 convolution's own cost is missing: add n_H * n_W * bottleneck * n_C_prev.",
           _cost(reduce="0")),
    Mutant("branch_multiplications", "reduce_output_n_C_prev",
           "the 1x1 convolution's output has bottleneck channels, not n_C_prev (a slip of the "
           "lecture's notes): it costs n_H * n_W * bottleneck * n_C_prev.",
           _cost(reduce="n_H * n_W * n_C_prev * n_C_prev")),
    Mutant("branch_multiplications", "conv_on_n_C_prev",
           "after the bottleneck the f x f convolution sees only bottleneck channels, not n_C_prev.",
           _cost(conv="n_H * n_W * n_C * f * f * n_C_prev")),
]


def _separable(first="depthwise", relu="layers.ReLU(max_value=6)", depthwise_stride="strides",
               pointwise_stride="1"):
    depthwise = f'''    X = layers.DepthwiseConv2D((3, 3), strides=({depthwise_stride}, {depthwise_stride}), padding="same",
                               use_bias=False, depthwise_initializer=initializer(seed=0))(X)
    X = layers.BatchNormalization(axis=3)(X)
    X = {relu}(X)
'''
    pointwise = f'''    X = layers.Conv2D(n_C, (1, 1), strides=({pointwise_stride}, {pointwise_stride}), padding="same",
                      use_bias=False, kernel_initializer=initializer(seed=0))(X)
    X = layers.BatchNormalization(axis=3)(X)
    X = {relu}(X)
'''
    body = depthwise + pointwise if first == "depthwise" else pointwise + depthwise
    return '''
def depthwise_separable_block(X, n_C, strides=1, initializer=glorot_uniform):
''' + body + '''    return X
'''


DEPTHWISE_SEPARABLE_BLOCK = [
    Mutant("depthwise_separable_block", "plain_relu",
           "the activations are plain ReLUs; MobileNet uses ReLU6, layers.ReLU(max_value=6).",
           _separable(relu="layers.ReLU()")),
    Mutant("depthwise_separable_block", "stride_on_pointwise",
           "the stride is on the 1x1 pointwise convolution; it belongs to the depthwise one.",
           _separable(depthwise_stride="1", pointwise_stride="strides")),
    Mutant("depthwise_separable_block", "pointwise_first",
           "the 1x1 pointwise convolution comes first; MobileNet filters each channel first "
           "(DepthwiseConv2D), then mixes the channels with the 1x1 convolution.",
           _separable(first="pointwise", depthwise_stride="strides", pointwise_stride="1")),
]

MUTANTS = (LENET5 + ALEXNET + VGG16 + INCEPTION_MODULE + BRANCH_MULTIPLICATIONS
           + DEPTHWISE_SEPARABLE_BLOCK)
