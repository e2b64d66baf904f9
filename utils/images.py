"""Images the lessons use, all available offline."""
from __future__ import annotations

import numpy as np


def sample_photo(gray: bool = True) -> np.ndarray:
    """The portrait of Grace Hopper that ships with matplotlib, as floats in [0, 1].

    Returns (600, 512) when ``gray`` (luminance, ITU-R BT.601 weights), else (600, 512, 3).
    """
    import matplotlib.cbook as cbook
    import matplotlib.image as mpimg

    with cbook.get_sample_data("grace_hopper.jpg") as fh:
        rgb = mpimg.imread(fh, format="jpg").astype(np.float64) / 255.0
    if not gray:
        return rgb
    return rgb @ np.array([0.299, 0.587, 0.114])
