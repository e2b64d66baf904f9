"""Realistic wrong implementations of the Week 2 "Transfer learning" functions.

Each ``source`` replaces the body of a ``# GRADED FUNCTION`` cell. Every one must lose its own
function's points and no other's (tests/test_grading.py); the outputs they produce are recorded
in graders/reference/week2_transfer_learning.json so that feedback can quote ``hint``.
"""
from graders.mutants import Mutant


def _augmenter(flip='"horizontal"', rotation="0.05", contrast=True):
    contrast_line = '        layers.RandomContrast(0.2, value_range=(0, 1)),\n' if contrast else ""
    return f'''
def data_augmenter():
    return keras.Sequential([
        layers.RandomFlip({flip}),
        layers.RandomRotation({rotation}),
        layers.RandomTranslation(0.1, 0.1),
{contrast_line}    ], name="data_augmenter")
'''


DATA_AUGMENTER = [
    Mutant("data_augmenter", "vertical_flip",
           "the flip is RandomFlip(\"horizontal_and_vertical\"): an upside-down hand is not a "
           "picture the camera will see; mirror left-right only, RandomFlip(\"horizontal\").",
           _augmenter(flip='"horizontal_and_vertical"')),
    Mutant("data_augmenter", "rotation_in_degrees",
           "RandomRotation's factor is a fraction of a full turn, not degrees: 18 degrees is "
           "RandomRotation(0.05).", _augmenter(rotation="18")),
    Mutant("data_augmenter", "no_contrast",
           "the RandomContrast(0.2, value_range=(0, 1)) layer is missing; it comes last.",
           _augmenter(contrast=False)),
]


def _pca(cov="np.cov(pixels, rowvar=False)", values="eigenvalues", shift="eigenvectors @ (alphas * {values})",
         clip=True):
    result = "np.clip(image + shift, 0.0, 1.0)" if clip else "image + shift"
    return f'''
def pca_colour_shift(image, alphas):
    pixels = image.reshape(-1, 3)
    cov = {cov}
    eigenvalues, eigenvectors = np.linalg.eigh(cov)
    eigenvectors = eigenvectors * np.sign(eigenvectors[np.abs(eigenvectors).argmax(axis=0), np.arange(3)])
    shift = {shift.format(values=values)}
    return {result}
'''


PCA_COLOUR_SHIFT = [
    Mutant("pca_colour_shift", "no_clip",
           "the result was not clipped: after adding the shift, np.clip(..., 0.0, 1.0) keeps "
           "the pixels in [0, 1].", _pca(clip=False)),
    Mutant("pca_colour_shift", "square_root_of_eigenvalues",
           "the eigenvalues were square-rooted (standard deviations); AlexNet multiplies "
           "alpha_i by the eigenvalue lambda_i itself.", _pca(values="np.sqrt(eigenvalues)")),
    Mutant("pca_colour_shift", "eigenvectors_as_rows",
           "the eigenvectors were used as rows; np.linalg.eigh returns them as the columns, "
           "so the shift is eigenvectors @ (alphas * eigenvalues).",
           _pca(shift="eigenvectors.T @ (alphas * {values})")),
    Mutant("pca_colour_shift", "covariance_not_centred",
           "the covariance was computed without subtracting the mean colour (pixels.T @ pixels / m); "
           "np.cov(pixels, rowvar=False) centres the pixels first.",
           _pca(cov="pixels.T @ pixels / len(pixels)")),
]


def _transfer(freeze=None, call="base(inputs, training=False)", activation='"softmax"'):
    freeze = freeze or '''    if fine_tune_at is None:
        base.trainable = False
    else:
        base.trainable = True
        for layer in base.layers[:fine_tune_at]:
            layer.trainable = False
'''
    return f'''
def transfer_model(base, n_classes, fine_tune_at=None):
{freeze}    inputs = keras.Input(base.input_shape[1:])
    x = {call}
    x = layers.Dropout(0.2)(x)
    outputs = layers.Dense(n_classes, activation={activation}, name="classifier")(x)
    return keras.Model(inputs, outputs, name="transfer_model")
'''


_FREEZE = """    if fine_tune_at is None:
        base.trainable = False
    else:
{unfreeze}
"""
_BATCHNORM = """        for layer in base.layers:
            if isinstance(layer, layers.BatchNormalization):
                layer.trainable = False"""

TRANSFER_MODEL = [
    Mutant("transfer_model", "batchnorm_trainable",
           "the base's BatchNormalization layers were left trainable, so fine-tuning "
           "re-estimates their statistics from the new pictures; set trainable = False on "
           "every BatchNormalization layer of the base.",
           _transfer(freeze=_FREEZE.format(unfreeze="""        base.trainable = True
        for layer in base.layers[:fine_tune_at]:
            layer.trainable = False"""))),
    Mutant("transfer_model", "frozen_the_wrong_end",
           "the layers from fine_tune_at on were frozen; freeze the first ones, "
           "base.layers[:fine_tune_at], and train the rest.",
           _transfer(freeze=_FREEZE.format(unfreeze="""        base.trainable = True
        for layer in base.layers[fine_tune_at:]:
            layer.trainable = False
""" + _BATCHNORM))),
    Mutant("transfer_model", "trainable_set_last",
           "base.trainable = True came after the per-layer settings and unfroze every layer of "
           "the (previously frozen) base; set base.trainable = True first, then freeze the "
           "first layers.",
           _transfer(freeze=_FREEZE.format(unfreeze="""        for layer in base.layers[:fine_tune_at]:
            layer.trainable = False
""" + _BATCHNORM + """
        base.trainable = True"""))),
    Mutant("transfer_model", "base_not_frozen",
           "with fine_tune_at=None the whole base must be frozen: base.trainable = False.",
           _transfer(freeze="""    if fine_tune_at is not None:
        for layer in base.layers[:fine_tune_at]:
            layer.trainable = False
""")),
    Mutant("transfer_model", "no_softmax",
           "the classifier has no activation; it is Dense(n_classes, activation=\"softmax\").",
           _transfer(activation="None", freeze=_FREEZE.format(unfreeze="""        base.trainable = True
        for layer in base.layers[:fine_tune_at]:
            layer.trainable = False
""" + _BATCHNORM))),
]


def _precompute(loop="range(0, len(images), batch_size)", call="base(images[start:start + batch_size], training=False)"):
    return f'''
def precompute_activations(base, images, batch_size=32):
    parts = []
    for start in {loop}:
        parts.append(np.asarray({call}))
    return np.concatenate(parts)
'''


PRECOMPUTE_ACTIVATIONS = [
    Mutant("precompute_activations", "last_batch_dropped",
           "the last, smaller batch was left out: loop over range(0, m, batch_size) so that "
           "every picture gets its activations.",
           _precompute(loop="range(0, len(images) - batch_size + 1, batch_size)")),
    Mutant("precompute_activations", "training_mode",
           "the base ran in training mode, so batch normalisation used each batch's own "
           "statistics; call base(batch, training=False).",
           _precompute(call="base(images[start:start + batch_size], training=True)")),
]


def _crops(centre="((n_H - crop) // 2, (n_W - crop) // 2)", mirror="c[:, ::-1]",
           bottom_right="(n_H - crop, n_W - crop)"):
    return f'''
def ten_crops(image, crop):
    n_H, n_W = image.shape[0], image.shape[1]
    corners = [{centre}, (0, 0), (0, n_W - crop), (n_H - crop, 0), {bottom_right}]
    five = [image[i:i + crop, j:j + crop] for i, j in corners]
    return np.stack(five + [{mirror} for c in five])
'''


TEN_CROPS = [
    Mutant("ten_crops", "mirrored_upside_down",
           "the mirrored crops were flipped top to bottom (c[::-1]); mirror left-right: c[:, ::-1].",
           _crops(mirror="c[::-1]")),
    Mutant("ten_crops", "centre_rounded_up",
           "the centre crop starts one row or column late: its corner is "
           "((n_H - c) // 2, (n_W - c) // 2), rounded down.",
           _crops(centre="((n_H - crop + 1) // 2, (n_W - crop + 1) // 2)")),
    Mutant("ten_crops", "corner_off_by_one",
           "the bottom-right crop misses the last row and column: its corner is (n_H - c, n_W - c).",
           _crops(bottom_right="(n_H - crop - 1, n_W - crop - 1)")),
]

MUTANTS = DATA_AUGMENTER + PCA_COLOUR_SHIFT + TRANSFER_MODEL + PRECOMPUTE_ACTIVATIONS + TEN_CROPS
