"""Week 4's style images (utils/synth/paintings.py) and image helpers (utils/art_images.py)."""
from __future__ import annotations

import itertools
import sys

import numpy as np
import pytest
from PIL import Image

from utils import art_images
from utils.art_images import (CONTENT_IMAGES, CREDITS, content_image, load_image, style_image,
                              to_float, to_uint8)
from utils.synth.paintings import STYLES, render_style

SIZE = (128, 128)


@pytest.fixture(scope="module")
def painted() -> dict[str, np.ndarray]:
    return {name: render_style(name, SIZE) for name in STYLES}


def neighbour_difference(image: np.ndarray) -> float:
    """Mean absolute difference between horizontally and vertically adjacent pixel values."""
    image = image.astype(float)
    return float((np.abs(np.diff(image, axis=0)).mean() + np.abs(np.diff(image, axis=1)).mean())
                 / 2)


def shrink(image: np.ndarray, factor: int) -> np.ndarray:
    """Block means: the picture as seen at a coarser scale."""
    h, w = (s // factor * factor for s in image.shape[:2])
    blocks = image[:h, :w].astype(float).reshape(h // factor, factor, w // factor, factor, 3)
    return blocks.mean(axis=(1, 3))


def fraction(mask: np.ndarray) -> float:
    return float(np.mean(mask))


# ---------------------------------------------------------------------------- paintings


def test_the_four_styles_are_offered():
    assert {"starry", "mosaic", "waves", "strokes"} <= set(STYLES)


@pytest.mark.parametrize("name", STYLES)
def test_shape_dtype_and_determinism(name, painted):
    image = painted[name]
    assert image.shape == (*SIZE, 3) and image.dtype == np.uint8 and image.flags.writeable
    assert render_style(name, SIZE).tobytes() == image.tobytes()
    assert render_style(name, SIZE, seed=1).tobytes() != image.tobytes()


@pytest.mark.parametrize("name, size", [("starry", (96, 160)), ("mosaic", (150, 100)),
                                        ("waves", (150, 100)), ("strokes", (96, 160))])
def test_non_square_sizes(name, size):
    image = render_style(name, size, seed=3)
    assert image.shape == (*size, 3) and image.dtype == np.uint8
    assert image.std() > 20


def test_styles_differ_from_one_another(painted):
    for a, b in itertools.combinations(STYLES, 2):
        gap = np.abs(painted[a].astype(int) - painted[b].astype(int)).mean()
        assert gap > 30, f"{a} and {b} differ by only {gap:.1f} per value"


@pytest.mark.parametrize("name", STYLES)
def test_texture_at_small_and_larger_scales(name, painted):
    image = painted[name]
    assert neighbour_difference(image) > 8
    assert neighbour_difference(shrink(image, 4)) > 8


def test_the_texture_measure_rejects_flat_and_smooth_pictures():
    flat = np.full((*SIZE, 3), 120, np.uint8)
    ramp = np.repeat(np.linspace(0, 255, SIZE[1]).astype(np.uint8)[None, :, None], SIZE[0], 0)
    for boring in (flat, np.repeat(ramp, 3, axis=2)):
        assert neighbour_difference(boring) < 8 and neighbour_difference(shrink(boring, 4)) < 8


def test_starry_is_a_blue_night_with_yellow_stars(painted):
    image = painted["starry"].astype(int)
    r, g, b = image[..., 0], image[..., 1], image[..., 2]
    assert b.mean() > r.mean() + 25
    assert fraction((r > 200) & (g > 160) & (b < 150)) > 0.003          # stars and moon
    sky, ground = image[: SIZE[0] // 3], image[-SIZE[0] // 8:]
    assert sky[..., 2].mean() > sky[..., 0].mean() + 40
    assert ground.mean() < sky.mean()                                  # dark hills and village


def test_mosaic_has_saturated_tiles_and_dark_grout(painted):
    image = painted["mosaic"].astype(int)
    grout = np.all(np.abs(image - [46, 40, 36]) < 25, axis=2)
    assert fraction(grout) > 0.1
    tiles = image[~grout]
    saturation = (tiles.max(axis=1) - tiles.min(axis=1)) / np.maximum(tiles.max(axis=1), 1)
    assert saturation.mean() > 0.4
    # Larger colour regions: neighbouring 16x16 blocks are more alike than random pairs.
    blocks = shrink(image, 16).reshape(-1, 3)
    grid = shrink(image, 16)
    adjacent = np.abs(grid[:, 1:] - grid[:, :-1]).mean()
    shuffled = np.abs(blocks - np.random.default_rng(0).permutation(blocks)).mean()
    assert adjacent < 0.8 * shuffled


def test_waves_are_blue_with_white_foam_under_a_cream_sky(painted):
    image = painted["waves"].astype(int)
    foam = (image.min(axis=2) > 215) & (image.max(axis=2) - image.min(axis=2) < 40)
    assert fraction(foam) > 0.015
    assert image[..., 2].mean() > image[..., 0].mean() + 15
    sky = image[SIZE[0] // 8: SIZE[0] // 4]                   # above the horizon at about 1/3
    assert sky[..., 0].mean() > 200 and sky[..., 0].mean() > sky[..., 2].mean() + 15
    sea = image[-SIZE[0] // 3:]
    assert sea[..., 2].mean() > sea[..., 0].mean() + 40


def test_strokes_are_warm(painted):
    image = painted["strokes"].astype(int)
    r, g, b = image[..., 0].mean(), image[..., 1].mean(), image[..., 2].mean()
    assert r > b + 60 and r > g


def test_unknown_styles_and_bad_sizes_are_refused():
    with pytest.raises(ValueError) as error:
        render_style("cubist")
    for name in STYLES:
        assert name in str(error.value)
    for size in [(0, 10), (64,), (64.5, 64)]:
        with pytest.raises(ValueError):
            render_style("waves", size)


# ---------------------------------------------------------------------------- art_images


def test_style_image_is_the_painting():
    assert np.array_equal(style_image("mosaic", (64, 80), seed=2),
                          render_style("mosaic", (64, 80), seed=2))


def test_every_content_image_has_a_credit():
    assert set(CONTENT_IMAGES) == set(CREDITS) == {"astronaut", "chelsea", "coffee", "rocket",
                                                   "grace_hopper"}


@pytest.mark.parametrize("name", list(CONTENT_IMAGES))
def test_content_images_have_the_requested_shape(name):
    image = content_image(name)
    assert image.shape == (192, 256, 3) and image.dtype == np.uint8 and image.flags.writeable
    assert image.std() > 20
    assert content_image(name, (100, 60)).shape == (100, 60, 3)


def test_the_crop_keeps_the_centre():
    import skimage.data

    cat = skimage.data.chelsea()                                    # 300 x 451
    assert np.array_equal(content_image("chelsea", (300, 300)), cat[:, 75:375])
    astronaut = skimage.data.astronaut()                            # 512 x 512 -> rows 64..447
    expected = Image.fromarray(astronaut[64:448]).resize((256, 192), Image.LANCZOS)
    assert np.array_equal(content_image("astronaut"), np.asarray(expected))


def test_unknown_content_images_are_refused():
    with pytest.raises(ValueError) as error:
        content_image("mona_lisa")
    for name in CONTENT_IMAGES:
        assert name in str(error.value)


def test_a_missing_scikit_image_is_explained(monkeypatch):
    monkeypatch.setitem(sys.modules, "skimage", None)
    monkeypatch.setitem(sys.modules, "skimage.data", None)
    with pytest.raises(ImportError, match="scikit-image.*make lab"):
        content_image("coffee")
    assert content_image("grace_hopper", (32, 32)).shape == (32, 32, 3)


def test_load_image_round_trips_and_crops(tmp_path):
    rng = np.random.default_rng(0)
    picture = rng.integers(0, 256, (60, 90, 3), dtype=np.uint8)
    path = tmp_path / "picture.png"
    Image.fromarray(picture).save(path)
    assert np.array_equal(load_image(path), picture)
    expected = Image.fromarray(picture[:, 15:75]).resize((30, 30), Image.LANCZOS)
    assert np.array_equal(load_image(str(path), size=(30, 30)), np.asarray(expected))
    assert np.array_equal(load_image(path, size=(20, 90)), picture[20:40])

    grey = tmp_path / "grey.png"
    Image.fromarray(picture[..., 0]).save(grey)
    assert load_image(grey).shape == (60, 90, 3)


def test_load_image_names_a_missing_file(tmp_path):
    missing = tmp_path / "nowhere.jpg"
    with pytest.raises(FileNotFoundError, match="nowhere.jpg"):
        load_image(missing)


def test_float_conversion_round_trips_exactly():
    image = np.random.default_rng(1).integers(0, 256, (7, 5, 3), dtype=np.uint8)
    batch = to_float(image)
    assert batch.shape == (1, 7, 5, 3) and batch.dtype == np.float32
    assert 0 <= batch.min() and batch.max() <= 1
    assert np.array_equal(to_uint8(batch), image)
    assert np.array_equal(to_uint8(batch[0]), image)
    assert np.array_equal(to_float(image[None]), batch)


def test_to_uint8_clips_and_rounds():
    values = np.array([-0.5, 0.0, 100.4 / 255, 100.6 / 255, 1.0, 1.7], np.float32)
    image = np.repeat(values[None, :, None], 3, axis=2)
    assert to_uint8(image[None])[0, :, 0].tolist() == [0, 0, 100, 101, 255, 255]
    with pytest.raises(TypeError):
        to_float(image)


def test_write_sheet_writes_a_small_jpeg(tmp_path):
    path = art_images.write_sheet(tmp_path / "sheet.jpg", content_size=(48, 64),
                                  style_size=(64, 64))
    with Image.open(path) as sheet:
        assert sheet.format == "JPEG" and sheet.width > sheet.height
    assert path.stat().st_size < 250_000


def test_the_committed_sheet_is_small():
    sheet = art_images.SHEET
    assert sheet.is_file() and sheet.stat().st_size < 250_000
