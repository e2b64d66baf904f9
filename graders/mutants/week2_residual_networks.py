"""Realistic wrong implementations of the Week 2 "Residual networks" functions."""
from graders.mutants import Mutant

_IDENTITY_HEAD = '''
def identity_block(X, f, filters, stage, block, initializer=glorot_uniform):
    conv_name_base = f"res{stage}{block}_branch"
    bn_name_base = f"bn{stage}{block}_branch"
    F1, F2, F3 = filters
    X_shortcut = X
    X = layers.Conv2D(F1, (1, 1), padding="valid", name=conv_name_base + "2a",
                      kernel_initializer=initializer(seed=0))(X)
    X = layers.BatchNormalization(axis=3, name=bn_name_base + "2a")(X)
    X = layers.Activation("relu")(X)
    X = layers.Conv2D(F2, (f, f), padding="same", name=conv_name_base + "2b",
                      kernel_initializer=initializer(seed=0))(X)
    X = layers.BatchNormalization(axis=3, name=bn_name_base + "2b")(X)
    X = layers.Activation("relu")(X)
    X = layers.Conv2D(F3, (1, 1), padding="valid", name=conv_name_base + "2c",
                      kernel_initializer=initializer(seed=0))(X)
'''

_CONV_HEAD = '''
def convolutional_block(X, f, filters, stage, block, s=2, initializer=glorot_uniform):
    conv_name_base = f"res{stage}{block}_branch"
    bn_name_base = f"bn{stage}{block}_branch"
    F1, F2, F3 = filters
    X_shortcut = X
'''

_CONV_MAIN = '''
    X = layers.Conv2D(F1, (1, 1), strides=(s, s), padding="valid", name=conv_name_base + "2a",
                      kernel_initializer=initializer(seed=0))(X)
    X = layers.BatchNormalization(axis=3, name=bn_name_base + "2a")(X)
    X = layers.Activation("relu")(X)
    X = layers.Conv2D(F2, (f, f), padding="same", name=conv_name_base + "2b",
                      kernel_initializer=initializer(seed=0))(X)
    X = layers.BatchNormalization(axis=3, name=bn_name_base + "2b")(X)
    X = layers.Activation("relu")(X)
    X = layers.Conv2D(F3, (1, 1), padding="valid", name=conv_name_base + "2c",
                      kernel_initializer=initializer(seed=0))(X)
    X = layers.BatchNormalization(axis=3, name=bn_name_base + "2c")(X)
'''

IDENTITY_BLOCK = [
    Mutant("identity_block", "no_shortcut",
           "the shortcut is never added: add the block's input to the main path "
           "(layers.Add()([X, X_shortcut])) before the last ReLU.",
           _IDENTITY_HEAD + '''
    X = layers.BatchNormalization(axis=3, name=bn_name_base + "2c")(X)
    X = layers.Activation("relu")(X)
    return X
'''),
    Mutant("identity_block", "relu_before_add",
           "the last ReLU comes before the addition; add the shortcut to the batch-normalised "
           "main path first, then apply the ReLU.",
           _IDENTITY_HEAD + '''
    X = layers.BatchNormalization(axis=3, name=bn_name_base + "2c")(X)
    X = layers.Activation("relu")(X)
    X = layers.Add()([X, X_shortcut])
    return X
'''),
    Mutant("identity_block", "no_last_batchnorm",
           "the third convolution's output is not batch-normalised before the addition.",
           _IDENTITY_HEAD + '''
    X = layers.Add()([X, X_shortcut])
    X = layers.Activation("relu")(X)
    return X
'''),
]

CONVOLUTIONAL_BLOCK = [
    Mutant("convolutional_block", "shortcut_without_batchnorm",
           "the shortcut's 1x1 convolution is not followed by BatchNormalization(axis=3).",
           _CONV_HEAD + _CONV_MAIN + '''
    X_shortcut = layers.Conv2D(F3, (1, 1), strides=(s, s), padding="valid", name=conv_name_base + "1",
                               kernel_initializer=initializer(seed=0))(X_shortcut)
    X = layers.Add()([X, X_shortcut])
    X = layers.Activation("relu")(X)
    return X
'''),
    Mutant("convolutional_block", "stride_on_middle_conv",
           "the stride s is applied by the middle f x f convolution; it belongs to the first "
           "1x1 convolution (and to the shortcut's).",
           _CONV_HEAD + '''
    X = layers.Conv2D(F1, (1, 1), padding="valid", name=conv_name_base + "2a",
                      kernel_initializer=initializer(seed=0))(X)
    X = layers.BatchNormalization(axis=3, name=bn_name_base + "2a")(X)
    X = layers.Activation("relu")(X)
    X = layers.Conv2D(F2, (f, f), strides=(s, s), padding="same", name=conv_name_base + "2b",
                      kernel_initializer=initializer(seed=0))(X)
    X = layers.BatchNormalization(axis=3, name=bn_name_base + "2b")(X)
    X = layers.Activation("relu")(X)
    X = layers.Conv2D(F3, (1, 1), padding="valid", name=conv_name_base + "2c",
                      kernel_initializer=initializer(seed=0))(X)
    X = layers.BatchNormalization(axis=3, name=bn_name_base + "2c")(X)
    X_shortcut = layers.Conv2D(F3, (1, 1), strides=(s, s), padding="valid", name=conv_name_base + "1",
                               kernel_initializer=initializer(seed=0))(X_shortcut)
    X_shortcut = layers.BatchNormalization(axis=3, name=bn_name_base + "1")(X_shortcut)
    X = layers.Add()([X, X_shortcut])
    X = layers.Activation("relu")(X)
    return X
'''),
    Mutant("convolutional_block", "shortcut_same_padding_3x3",
           "the shortcut uses an f x f convolution; it is a 1x1 convolution with stride s.",
           _CONV_HEAD + _CONV_MAIN + '''
    X_shortcut = layers.Conv2D(F3, (f, f), strides=(s, s), padding="same", name=conv_name_base + "1",
                               kernel_initializer=initializer(seed=0))(X_shortcut)
    X_shortcut = layers.BatchNormalization(axis=3, name=bn_name_base + "1")(X_shortcut)
    X = layers.Add()([X, X_shortcut])
    X = layers.Activation("relu")(X)
    return X
'''),
]

_RESNET_HEAD = '''
def ResNet50(input_shape=(64, 64, 3), classes=6):
    X_input = keras.Input(input_shape)
    X = layers.ZeroPadding2D((3, 3))(X_input)
    X = layers.Conv2D(64, (7, 7), strides=(2, 2), name="conv1",
                      kernel_initializer=glorot_uniform(seed=0))(X)
    X = layers.BatchNormalization(axis=3, name="bn_conv1")(X)
    X = layers.Activation("relu")(X)
    X = layers.MaxPool2D((3, 3), strides=(2, 2))(X)
'''


def _resnet(stage2_s=1, stage4_blocks="bcdef", pool=True):
    pool_line = '    X = layers.AveragePooling2D((2, 2), name="avg_pool")(X)\n' if pool else ""
    return _RESNET_HEAD + f'''
    X = convolutional_block(X, f=3, filters=[64, 64, 256], stage=2, block="a", s={stage2_s})
    X = identity_block(X, 3, [64, 64, 256], stage=2, block="b")
    X = identity_block(X, 3, [64, 64, 256], stage=2, block="c")
    X = convolutional_block(X, f=3, filters=[128, 128, 512], stage=3, block="a", s=2)
    for block in "bcd":
        X = identity_block(X, 3, [128, 128, 512], stage=3, block=block)
    X = convolutional_block(X, f=3, filters=[256, 256, 1024], stage=4, block="a", s=2)
    for block in "{stage4_blocks}":
        X = identity_block(X, 3, [256, 256, 1024], stage=4, block=block)
    X = convolutional_block(X, f=3, filters=[512, 512, 2048], stage=5, block="a", s=2)
    for block in "bc":
        X = identity_block(X, 3, [512, 512, 2048], stage=5, block=block)
{pool_line}    X = layers.Flatten()(X)
    X = layers.Dense(classes, activation="softmax", name="fc" + str(classes),
                     kernel_initializer=glorot_uniform(seed=0))(X)
    return keras.Model(inputs=X_input, outputs=X, name="ResNet50")
'''


RESNET50 = [
    Mutant("ResNet50", "stage2_stride_2",
           "stage 2's convolutional block uses s=2; it keeps the size (s=1), since the max "
           "pooling just halved it.", _resnet(stage2_s=2)),
    Mutant("ResNet50", "stage4_four_identity_blocks",
           "stage 4 has 4 identity blocks after its convolutional block; it needs 5 "
           "(blocks \"b\" to \"f\").", _resnet(stage4_blocks="bcde")),
    Mutant("ResNet50", "no_average_pooling",
           "the AveragePooling2D((2, 2)) before Flatten is missing.", _resnet(pool=False)),
]

MUTANTS = IDENTITY_BLOCK + CONVOLUTIONAL_BLOCK + RESNET50
