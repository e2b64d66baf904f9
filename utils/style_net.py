"""The network Week 4's neural style transfer looks through, and the layers it reads.

Style transfer needs a trained ConvNet: its layers' activations define the content cost (one
layer in the middle) and the style cost (Gram matrices of several layers). The original
assignment uses VGG-19 with ImageNet weights (80 MB), which cannot be downloaded here, so:

- **VGG-19**, when its weight file is in ``data/vgg19/`` (see ``utils/vgg19.py``): the
  original's layers, style ``block1_conv1`` ... ``block5_conv1`` (0.2 each) and content
  ``block4_conv2`` (Gatys et al.'s conv4_2);
- otherwise **the course's road detector** (``utils/detector.py``, trained by the course on the
  road scenes it renders, 1.1M parameters): its first five 3x3 blocks, up to ``head1_leaky``.
  Style ``block1_leaky`` ... ``block4_leaky`` and ``head1_leaky`` (0.2 each; 16, 32, 64, 128
  and 192 channels, at 1, 1/2, 1/4, 1/8 and 1/16 of the picture's size), content
  ``block4_leaky``. Its filters were learned from pictures, so they respond to edges, colours
  and textures as VGG's first layers do, and it is small enough for a 240x320 picture to take
  about 0.1 s per optimisation step on two cores. How it was chosen over a VGG-19 with random
  weights is in data/README.md ("Style transfer").

Both networks take float32 pictures in [0, 1], RGB, shape (m, H, W, 3); the course's network
needs H and W to be multiples of 16 (:func:`fit_to_network` crops a picture to that).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
COURSE_STYLE_LAYERS = [("block1_leaky", 0.2), ("block2_leaky", 0.2), ("block3_leaky", 0.2),
                       ("block4_leaky", 0.2), ("head1_leaky", 0.2)]
COURSE_CONTENT_LAYER = "block4_leaky"
VGG19_STYLE_LAYERS = [("block1_conv1", 0.2), ("block2_conv1", 0.2), ("block3_conv1", 0.2),
                      ("block4_conv1", 0.2), ("block5_conv1", 0.2)]
VGG19_CONTENT_LAYER = "block4_conv2"
MULTIPLE = 16            # the course network's total stride: H and W must be multiples of it


@dataclass
class StyleNetwork:
    """A network for style transfer.

    model: keras.Model, float32 (m, H, W, 3) in [0, 1] RGB -> its last layer;
    style_layers: [(layer name, weight)], the weights summing to 1;
    content_layer: the layer whose activations the content cost compares;
    name: what it is, for messages and titles.
    """
    model: object
    style_layers: list
    content_layer: str
    name: str

    def outputs_model(self):
        """A keras.Model mapping pictures (m, H, W, 3) in [0, 1] to the list of the style
        layers' activations followed by the content layer's (the last element)."""
        import keras

        names = [name for name, _ in self.style_layers] + [self.content_layer]
        outputs = [self.model.get_layer(name).output for name in names]
        return keras.Model(self.model.input, outputs, name="style_content_outputs")


def course_network(data_dir=None, verbose: bool = True) -> StyleNetwork:
    """The course's road detector, cut after ``head1_leaky``, for pictures of any size that is a
    multiple of 16 (float32 (m, H, W, 3) in [0, 1]); its weights are frozen."""
    import keras

    from utils.detector import DATA_DIR as DETECTOR_DATA, DETECTOR_WEIGHTS, DetectorError, \
        TRAIN_HINT, build_detector
    from utils.resnet_weights import WeightsError, load_compact

    directory = Path(data_dir or os.environ.get("CNN_COURSE_DATA", DETECTOR_DATA))
    path = directory / "weights" / DETECTOR_WEIGHTS.name
    if not path.exists():
        raise DetectorError(f"the course's road detector is missing: {path}; restore it with "
                            f"`git checkout -- data/weights` or regenerate it: {TRAIN_HINT}")
    detector = build_detector(None)
    try:
        load_compact(detector, path)
    except WeightsError as error:
        raise DetectorError(f"{error} ({TRAIN_HINT})") from error
    last = COURSE_STYLE_LAYERS[-1][0]
    model = keras.Model(detector.input, detector.get_layer(last).output, name="road_features")
    model.trainable = False
    if verbose:
        print(f"style transfer looks through the course's road detector ({path.name}): "
              f"{model.count_params():,} parameters up to {last}")
    return StyleNetwork(model, list(COURSE_STYLE_LAYERS), COURSE_CONTENT_LAYER,
                        "the course's road detector")


def vgg19_network(path, verbose: bool = True) -> StyleNetwork:
    """VGG-19 with ImageNet weights from ``path``, taking [0, 1] RGB pictures."""
    from utils import vgg19

    model = vgg19.vgg19_for_pixels(vgg19.load_vgg19(path, verbose=verbose))
    return StyleNetwork(model, list(VGG19_STYLE_LAYERS), VGG19_CONTENT_LAYER,
                        "VGG-19 (ImageNet)")


def load_style_network(data_dir=None, use_vgg19: bool = True, verbose: bool = True):
    """VGG-19 if its weight file is in ``data/vgg19/`` (and ``use_vgg19``), else the course's
    network, saying which and why."""
    if use_vgg19:
        from utils import vgg19

        path = vgg19.find_vgg19_weights(data_dir)
        if path is not None:
            return vgg19_network(path, verbose=verbose)
        if verbose:
            print(f"No VGG-19 weights in {vgg19.vgg19_dir(data_dir)}"
                  f" (optional: put {vgg19.VGG19_FILE_NAMES[0]} there to use them); "
                  "using the course's own network.")
    return course_network(data_dir, verbose=verbose)


def fit_to_network(image: np.ndarray, multiple: int = MULTIPLE) -> np.ndarray:
    """Crop an image (H, W, 3) (or (1, H, W, 3)) symmetrically so that H and W are multiples
    of ``multiple``; an image smaller than ``multiple`` is an error."""
    h, w = image.shape[-3:-1]
    if h < multiple or w < multiple:
        raise ValueError(f"a {h}x{w} picture is too small: height and width must be at least "
                         f"{multiple}")
    top, left = (h % multiple) // 2, (w % multiple) // 2
    return image[..., top:top + h - h % multiple, left:left + w - w % multiple, :]
