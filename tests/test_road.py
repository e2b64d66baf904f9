"""Week 3's generated road scenes: deterministic, one scene at any size, sound boxes, caches."""
from __future__ import annotations

import json

import h5py
import numpy as np
import pytest
from PIL import Image

from utils.synth import road, road_data
from utils.synth.road import CLASSES, MAX_OBJECTS, render_scene
from utils.synth.road_objects import Thing
from utils.synth.road_raster import Rect

SEEDS = range(50)
SMALL = (90, 160)            # the 720x1280 frame divided by 8: cheap, and boxes scale exactly


@pytest.fixture(scope="module")
def small_scenes():
    return {seed: render_scene(seed, *SMALL) for seed in SEEDS}


def test_classes_are_the_published_names():
    assert CLASSES == ("car", "bus", "truck", "pedestrian", "traffic light")


def test_same_seed_gives_identical_bytes():
    a, b = render_scene(7, 256, 256), render_scene(7, 256, 256)
    assert a.image.tobytes() == b.image.tobytes()
    assert a.boxes.tobytes() == b.boxes.tobytes()
    assert a.classes.tobytes() == b.classes.tobytes()


def test_different_seeds_differ(small_scenes):
    images = [small_scenes[s].image for s in range(6)]
    for i in range(6):
        for j in range(i + 1, 6):
            assert np.abs(images[i].astype(int) - images[j]).mean() > 10, (i, j)
    layouts = {tuple(small_scenes[s].boxes.ravel().round(1)) for s in range(6)}
    assert len(layouts) == 6


@pytest.mark.parametrize("size", [(720, 1280), (256, 256), (100, 300)])
def test_shapes_and_dtypes(size):
    scene = render_scene(3, *size)
    assert scene.image.shape == (*size, 3) and scene.image.dtype == np.uint8
    n = len(scene.classes)
    assert scene.boxes.shape == (n, 4) and scene.boxes.dtype == np.float32
    assert scene.classes.shape == (n,) and scene.classes.dtype == np.int64
    assert n > 0


def test_boxes_lie_in_the_image_and_are_ordered(small_scenes):
    h, w = SMALL
    for seed, scene in small_scenes.items():
        y1, x1, y2, x2 = scene.boxes.T
        assert np.all((0 <= y1) & (y1 < y2) & (y2 <= h)), seed
        assert np.all((0 <= x1) & (x1 < x2) & (x2 <= w)), seed
        # no box under MIN_BOX_PX pixels in the 720x1280 frame (8x this one)
        assert np.all(np.minimum(8 * (y2 - y1), 8 * (x2 - x1)) >= road.MIN_BOX_PX - 1e-3), seed


def test_classes_are_valid_and_cars_dominate(small_scenes):
    counts = np.zeros(len(CLASSES), int)
    with_car = 0
    for scene in small_scenes.values():
        assert np.all((scene.classes >= 0) & (scene.classes < len(CLASSES)))
        assert 1 <= len(scene.classes) <= MAX_OBJECTS
        counts += np.bincount(scene.classes, minlength=len(CLASSES))
        with_car += bool(np.any(scene.classes == CLASSES.index("car")))
    assert with_car >= 0.9 * len(SEEDS)
    assert counts[0] > counts.sum() / 2                  # cars are most of the boxes
    assert np.all(counts[1:] > 0)                        # and every class occurs
    mean_cars = counts[0] / len(SEEDS)
    assert 2.0 <= mean_cars <= 8.0


@pytest.mark.parametrize("seed", [0, 11])
def test_a_square_picture_is_the_wide_one_squeezed(seed):
    wide, square = render_scene(seed), render_scene(seed, 256, 256)
    np.testing.assert_array_equal(wide.classes, square.classes)
    scale = np.array([256 / 720, 256 / 1280, 256 / 720, 256 / 1280], np.float32)
    np.testing.assert_allclose(square.boxes, wide.boxes * scale, atol=1.0)
    resized = np.asarray(Image.fromarray(wide.image).resize((256, 256), Image.BOX), float)
    assert np.abs(resized - square.image).mean() < 4.0               # the same picture...
    other = render_scene(seed + 1, 256, 256).image
    assert np.abs(resized - other).mean() > 20.0                     # ... and not any picture


def test_boxes_scale_with_the_picture(small_scenes):
    for seed in range(10):
        big = render_scene(seed, 180, 640)
        scale = np.array([2.0, 4.0, 2.0, 4.0], np.float32)
        np.testing.assert_allclose(big.boxes, small_scenes[seed].boxes * scale, atol=1e-3)


def _square(label, x1, y1, x2, y2, depth):
    thing = Thing(depth, label)
    thing.draw(Rect(x1, y1, x2, y2), np.ones(3))
    return thing


def test_mostly_hidden_objects_get_no_box():
    far_hidden = _square(0, 0.40, 0.40, 0.50, 0.50, depth=30.0)     # 80% behind the wall
    far_seen = _square(0, 0.10, 0.40, 0.20, 0.50, depth=30.0)       # 30% behind it
    cut = _square(3, -0.08, 0.40, 0.02, 0.50, depth=20.0)           # 80% outside the frame
    wall = Thing(10.0)
    wall.draw(Rect(0.17, 0.30, 0.48, 0.60), np.zeros(3))
    near = _square(1, 0.60, 0.40, 0.70, 0.50, depth=5.0)
    labels = road._labels([far_hidden, far_seen, cut, wall, near])
    assert [c for c, _ in labels] == [1, 0]                          # nearest first
    np.testing.assert_allclose(labels[1][1], (0.10, 0.40, 0.20, 0.50))  # full extent


def test_road_batch_renders_the_scenes():
    images, boxes, classes = road_data.road_batch([4, 5], 64)
    assert images.shape == (2, 64, 64, 3) and images.dtype == np.uint8
    for i, seed in enumerate([4, 5]):
        scene = render_scene(seed, 64, 64)
        np.testing.assert_array_equal(images[i], scene.image)
        np.testing.assert_array_equal(boxes[i], scene.boxes)
        np.testing.assert_array_equal(classes[i], scene.classes)


def test_train_and_test_seeds_are_disjoint():
    train = road_data.split_seeds("train", road_data.SEED_START["test"])
    test = road_data.split_seeds("test")
    assert len(test) == 300 and not set(train.tolist()) & set(test.tolist())
    assert not set(road_data.DEMO_SEEDS) & (set(train.tolist()) | set(test.tolist()))


def test_the_cached_set_loads_the_same_arrays(tmp_path):
    first = road_data.load_road_set("test", size=48, n=3, directory=tmp_path)
    path = road_data.cache_path("test", 48, tmp_path)
    with h5py.File(path, "r") as f:
        assert f["clean"].compression == "gzip" and len(f["seeds"]) == 3
    more = road_data.load_road_set("test", size=48, n=5, directory=tmp_path)     # extends it
    again = road_data.load_road_set("test", size=48, n=5, directory=tmp_path)    # reads it
    np.testing.assert_array_equal(more[0][:3], first[0])
    np.testing.assert_array_equal(again[0], more[0])
    for a, b in zip(again[1] + again[2], more[1] + more[2]):
        np.testing.assert_array_equal(a, b)
    assert again[0].shape == (5, 48, 48, 3)
    scene = render_scene(int(road_data.split_seeds("test")[4]), 48, 48)
    np.testing.assert_array_equal(again[0][4], scene.image)
    np.testing.assert_array_equal(again[1][4], scene.boxes)
    assert again[1][4].dtype == np.float32 and again[2][4].dtype == np.int64


def test_demo_json_matches_the_images(tmp_path):
    seeds = road_data.DEMO_SEEDS[:2]
    paths = road_data.write_demo_images(tmp_path, seeds=seeds)
    assert [p.name for p in paths] == ["road_0.jpg", "road_1.jpg"]
    truth = json.loads((tmp_path / road_data.DEMO_JSON).read_text())
    assert truth["classes"] == list(CLASSES)
    for path, entry, seed in zip(paths, truth["images"], seeds):
        assert entry["file"] == path.name and entry["seed"] == seed
        picture = Image.open(path)
        assert picture.size == (1280, 720) and (entry["height"], entry["width"]) == (720, 1280)
        small = render_scene(seed, *SMALL)
        np.testing.assert_allclose(np.array(entry["boxes"]).reshape(-1, 4), small.boxes * 8,
                                   atol=0.01)
        assert entry["classes"] == small.classes.tolist()
        shrunk = np.asarray(picture.convert("RGB").resize(SMALL[::-1], Image.BOX), float)
        assert np.abs(shrunk - small.image).mean() < 4.0
    stamp = paths[0].stat().st_mtime_ns
    assert road_data.demo_images(tmp_path) == paths                  # up to date: not redrawn
    assert paths[0].stat().st_mtime_ns == stamp


def test_class_file_and_contact_sheet(tmp_path):
    names = road_data.write_road_classes(tmp_path / "road_classes.txt")
    assert names.read_text().splitlines() == list(CLASSES)
    sheet = road_data.write_contact_sheet(tmp_path / "sheet.jpg", seeds=[0, 1], size=(45, 80),
                                          columns=2)
    assert Image.open(sheet).format == "JPEG"
