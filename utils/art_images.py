"""Images for Week 4's neural style transfer: content photographs, style paintings, conversions.

Everything here works offline. The content photographs ship inside installed packages (four
with scikit-image, one with matplotlib); the style images are painted by the course itself
(``utils/synth/paintings.py``). Images are uint8 arrays of shape (H, W, 3), RGB; sizes are given
as (H, W), like array shapes. The network's side uses float32 batches of shape (1, H, W, 3) with
values in [0, 1]: ``to_float`` and ``to_uint8`` convert between the two.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from utils.synth import paintings

ROOT = Path(__file__).resolve().parent.parent
SHEET = ROOT / "data" / "style_images_sheet.jpg"

CONTENT_IMAGES = {
    "astronaut": "the astronaut Eileen Collins in her orange flight suit, with a flag and a "
                 "model space shuttle (512x512)",
    "chelsea": "Chelsea the cat, a tabby, close up (300x451)",
    "coffee": "an espresso cup on a red saucer with a spoon, on a wooden table (400x600)",
    "rocket": "a Falcon 9 rocket on its launch pad at dusk, between lit towers (427x640)",
    "grace_hopper": "a portrait of the computer scientist Grace Hopper in naval uniform, "
                    "a flag behind her (600x512)",
}

CREDITS = {
    "astronaut": "skimage.data.astronaut(): Eileen Collins, from the NASA Great Images database "
                 "(https://flic.kr/p/r9qvLn); public domain, no known copyright restrictions.",
    "chelsea": "skimage.data.chelsea(): Chelsea the cat, by Stefan van der Walt; CC0, no "
               "copyright restrictions.",
    "coffee": "skimage.data.coffee(): a coffee cup, courtesy of Pikolo Espresso Bar, "
              "photographed by Rachel Michetti; CC0, no copyright restrictions.",
    "rocket": "skimage.data.rocket(): SpaceX's launch photo of DSCOVR on a Falcon 9, Launch "
              "Complex 40, Cape Canaveral (https://www.flickr.com/photos/spacexphotos/"
              "16511594820/); released into the public domain by SpaceX.",
    "grace_hopper": "matplotlib sample data grace_hopper.jpg: portrait of Grace Hopper; the "
                    "file's own JPEG comment gives its source as "
                    "http://commons.wikimedia.org/wiki/File:Grace_Hopper.jpg (matplotlib states "
                    "no licence for it).",
}

STYLE_NAMES = paintings.STYLES


def content_image(name: str, size: tuple[int, int] = (192, 256)) -> np.ndarray:
    """The photograph ``name`` as uint8 (H, W, 3), where ``size`` is (H, W).

    The photo is cropped about its centre to the aspect ratio of ``size`` (so nothing is
    stretched), then resized with a Lanczos filter.
    """
    if name not in CONTENT_IMAGES:
        raise ValueError(f"unknown content image {name!r}; the images are: "
                         f"{', '.join(CONTENT_IMAGES)}")
    return fit(_original(name), size)


def style_image(name: str, size: tuple[int, int] = (256, 256), seed: int = 0) -> np.ndarray:
    """The painting ``name`` (one of ``STYLE_NAMES``) as uint8 (H, W, 3), ``size`` = (H, W).

    Painted directly at ``size``; another ``seed`` gives another painting of the same kind.
    """
    return paintings.render_style(name, size=size, seed=seed)


def load_image(path, size: tuple[int, int] | None = None) -> np.ndarray:
    """Any image file as RGB uint8 (H, W, 3); with ``size`` = (H, W), cropped and resized like
    ``content_image``."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no image file at {path}")
    with Image.open(path) as image:
        rgb = np.array(image.convert("RGB"))
    return rgb if size is None else fit(rgb, size)


def fit(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``image`` (h, w, 3) uint8 cropped about its centre to the aspect ratio of ``size`` =
    (H, W), then resized to (H, W, 3) with a Lanczos filter."""
    height, width = _checked_size(size)
    top, left, crop_h, crop_w = centre_crop_box(image.shape[:2], (height, width))
    cropped = Image.fromarray(np.ascontiguousarray(image[top:top + crop_h, left:left + crop_w]))
    if cropped.size != (width, height):
        cropped = cropped.resize((width, height), Image.LANCZOS)
    return np.array(cropped)


def centre_crop_box(shape: tuple[int, int], size: tuple[int, int]) -> tuple[int, int, int, int]:
    """(top, left, height, width) of the largest centred crop of an image of ``shape`` = (h, w)
    that has the aspect ratio of ``size`` = (H, W)."""
    h, w = shape
    height, width = size
    if w * height > h * width:                      # too wide: trim the sides
        crop_h, crop_w = h, max(1, round(h * width / height))
    else:                                           # too tall: trim top and bottom
        crop_h, crop_w = max(1, round(w * height / width)), w
    return (h - crop_h) // 2, (w - crop_w) // 2, crop_h, crop_w


def to_float(image: np.ndarray) -> np.ndarray:
    """uint8 (H, W, 3) or (1, H, W, 3) -> float32 (1, H, W, 3) with values in [0, 1]."""
    array = np.asarray(image)
    if array.dtype != np.uint8:
        raise TypeError(f"to_float expects a uint8 image, got dtype {array.dtype}")
    if array.ndim == 3:
        array = array[None]
    if array.ndim != 4 or array.shape[0] != 1 or array.shape[-1] != 3:
        raise ValueError(f"expected an image of shape (H, W, 3) or (1, H, W, 3), got {array.shape}")
    return array.astype(np.float32) / 255.0


def to_uint8(tensor_or_array) -> np.ndarray:
    """Floats in [0, 1], shape (1, H, W, 3) or (H, W, 3) (a NumPy array or a framework tensor)
    -> uint8 (H, W, 3). Values outside [0, 1] are clipped; the rest are rounded."""
    array = np.asarray(tensor_or_array, dtype=np.float32)
    if array.ndim == 4 and array.shape[0] == 1:
        array = array[0]
    if array.ndim != 3 or array.shape[-1] != 3:
        raise ValueError(f"expected shape (1, H, W, 3) or (H, W, 3), got {array.shape}")
    return np.rint(np.clip(array, 0.0, 1.0) * 255.0).astype(np.uint8)


def write_sheet(path=SHEET, content_size: tuple[int, int] = (192, 256),
                style_size: tuple[int, int] = (256, 256)) -> Path:
    """A contact sheet: the five content photos on top, the four styles below, titled; JPEG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(15, 6.2), dpi=80)
    FigureCanvasAgg(figure)
    grid = figure.add_gridspec(2, 10, height_ratios=[content_size[0] / content_size[1], 1],
                               left=0.01, right=0.99, top=0.95, bottom=0.01, wspace=0.1,
                               hspace=0.14)
    for column, name in enumerate(CONTENT_IMAGES):
        _show(figure.add_subplot(grid[0, 2 * column:2 * column + 2]),
              content_image(name, content_size), name)
    for column, name in enumerate(STYLE_NAMES):
        _show(figure.add_subplot(grid[1, 2 * column + 1:2 * column + 3]),
              style_image(name, style_size), f'style "{name}"')
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="jpeg", pil_kwargs={"quality": 80, "optimize": True})
    return path


def _show(axes, image: np.ndarray, title: str) -> None:
    axes.imshow(image)
    axes.set_title(title, fontsize=12)
    axes.set_axis_off()


def _original(name: str) -> np.ndarray:
    """The full-size photograph as uint8 (h, w, 3)."""
    if name == "grace_hopper":
        from matplotlib import cbook

        with cbook.get_sample_data("grace_hopper.jpg") as handle, Image.open(handle) as image:
            return np.asarray(image.convert("RGB"))
    try:
        import skimage.data
    except ImportError as error:
        raise ImportError(f"the content image {name!r} comes with the package scikit-image, "
                          "which is not installed; run `make lab` to set up the course's "
                          "environment (or pip install scikit-image)") from error
    return np.asarray(getattr(skimage.data, name)())[..., :3]


def _checked_size(size) -> tuple[int, int]:
    if len(size) != 2 or any(int(s) != s or s < 1 for s in size):
        raise ValueError(f"size must be (height, width), two positive whole numbers; got {size!r}")
    return int(size[0]), int(size[1])


if __name__ == "__main__":
    print(f"wrote {write_sheet()}")
