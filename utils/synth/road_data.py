"""Road-scene sets for Week 3: demo pictures, a cached test set, training batches, a contact sheet.

- ``write_demo_images`` / ``demo_images``: six 720x1280 JPEGs, ``road_<k>.jpg``, and
  ``road_boxes.json`` with their true boxes, in ``data/synthetic/road/`` (``make data`` writes
  them through ``python -m utils.synth``).
- ``load_road_set(split, size)``: a fixed set of square pictures with boxes and classes, cached
  as ``data/synthetic/road_<split>_<size>.h5`` on first use, so the trainer, the benchmark and
  the notebook read the same pictures. Train and test draw from disjoint seed ranges.
- ``road_batch(seeds, size)``: render any seeds on demand (the trainer's endless training data).
- ``write_contact_sheet``: ``data/road_contact_sheet.jpg``, twelve test scenes with their boxes.

Boxes are (y1, x1, y2, x2) in pixels of the picture they belong to; classes index
:data:`utils.synth.road.CLASSES`.
"""
from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import h5py
import numpy as np

from utils.synth.build import GENERATED_DIR, ROOT
from utils.synth.road import CLASSES, add_noise, render_clean, render_scene

ROAD_DIR = GENERATED_DIR / "road"
DEMO_JSON = "road_boxes.json"
DEMO_SIZE = (720, 1280)
# Seeds: train 0, 1, 2, ...; test from 1,000,000; demo pictures from their own range.
SEED_START = {"train": 0, "test": 1_000_000}
SIZES = {"train": 2000, "test": 300}          # what load_road_set caches by default
DEMO_SEEDS = (2_000_007, 2_000_037, 2_000_011, 2_000_020, 2_000_001, 2_000_030)
CONTACT_SHEET = ROOT / "data" / "road_contact_sheet.jpg"
BOX_COLOURS = ((230, 57, 70), (29, 136, 229), (255, 183, 3), (46, 204, 113), (214, 51, 214))


CACHE_FORMAT = 2


def renderer_version() -> str:
    """The cache format and a digest of the renderer's source: caches that differ are redrawn."""
    digest = hashlib.sha256(str(CACHE_FORMAT).encode())
    for name in ("road.py", "road_objects.py", "road_paint.py", "road_raster.py", "scene.py"):
        digest.update((Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()[:16]


def split_seeds(split: str, n: int | None = None) -> np.ndarray:
    """The seeds (n,) int64 of a split's first n scenes (n defaults to ``SIZES[split]``)."""
    if split not in SEED_START:
        raise ValueError(f"split must be one of {sorted(SEED_START)}, not {split!r}")
    n = SIZES[split] if n is None else int(n)
    if split == "train" and n > SEED_START["test"]:
        raise ValueError(f"the train split has {SEED_START['test']} seeds")
    return SEED_START[split] + np.arange(n, dtype=np.int64)


def _render_clean(args):
    seeds, height, width = args
    parts = [render_clean(int(s), height, width) for s in seeds]
    return (np.stack([scene.image for scene, _ in parts]), [scene.boxes for scene, _ in parts],
            [scene.classes for scene, _ in parts], np.array([sigma for _, sigma in parts]))


def _draw(seeds, height: int, width: int, workers: int = 1):
    """Clean images (m, H, W, 3) uint8, boxes, classes and noise sigmas (m,) of the seeds."""
    chunk = 25
    jobs = [(seeds[i:i + chunk], height, width) for i in range(0, len(seeds), chunk)]
    if workers > 1 and len(jobs) > 1:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            parts = list(pool.map(_render_clean, jobs))
    else:
        parts = [_render_clean(job) for job in jobs]
    return (np.concatenate([p[0] for p in parts]), [b for p in parts for b in p[1]],
            [c for p in parts for c in p[2]], np.concatenate([p[3] for p in parts]))


def _noisy(clean: np.ndarray, seeds, sigmas) -> np.ndarray:
    return np.stack([add_noise(image, int(seed), float(sigma))
                     for image, seed, sigma in zip(clean, seeds, sigmas)])


def road_batch(seeds, size: int | tuple = 256, workers: int = 1):
    """Render scenes: images (m, H, W, 3) uint8, boxes [(n_i, 4) float32], classes [(n_i,) int64].

    ``size`` is the side of a square picture, or (height, width). Image i is
    ``render_scene(seeds[i], H, W).image``. ``workers`` > 1 renders in that many processes.
    """
    height, width = (size, size) if np.isscalar(size) else size
    seeds = [int(s) for s in seeds]
    if not seeds:
        return np.zeros((0, height, width, 3), np.uint8), [], []
    clean, boxes, classes, sigmas = _draw(seeds, height, width, workers)
    return _noisy(clean, seeds, sigmas), boxes, classes


def cache_path(split: str, size: int, directory: Path = GENERATED_DIR) -> Path:
    return Path(directory) / f"road_{split}_{size}.h5"


def load_road_set(split: str, size: int = 256, n: int | None = None, workers: int = 1,
                  directory: Path = GENERATED_DIR):
    """The first n scenes of a split at size x size: images (n, size, size, 3) uint8, boxes
    [(n_i, 4) float32] as (y1, x1, y2, x2) pixels, classes [(n_i,) int64].

    Image i is ``render_scene(split_seeds(split)[i], size, size).image``. Read from
    ``road_<split>_<size>.h5`` in ``directory``; drawn and cached there first if the file is
    missing or was drawn by another version of the renderer (a file with fewer scenes is
    extended). ``n`` defaults to ``SIZES[split]`` (test: 300). The file holds the pictures
    before sensor noise, which compress three times better; the noise is added as they are read.
    """
    seeds = split_seeds(split, n)
    if len(seeds) == 0:
        return road_batch([], size)
    path = cache_path(split, size, directory)
    version = renderer_version()
    have = None
    if path.exists():
        with h5py.File(path, "r") as f:
            if f.attrs.get("version") == version and "clean" in f:
                if len(f["seeds"]) >= len(seeds):
                    clean, boxes, classes, sigmas = _read(f, len(seeds))
                    return _noisy(clean, seeds, sigmas), boxes, classes
                have = _read(f, len(f["seeds"]))      # keep these, draw only the rest
    more = _draw([int(s) for s in seeds[0 if have is None else len(have[1]):]], size, size,
                 workers)
    if have is not None:
        more = (np.concatenate([have[0], more[0]]), have[1] + more[1], have[2] + more[2],
                np.concatenate([have[3], more[3]]))
    _write(path, split, version, *more)
    clean, boxes, classes, sigmas = more
    return _noisy(clean, seeds, sigmas), boxes, classes


def _read(f: h5py.File, n: int):
    counts = f["counts"][:n]
    ends = np.cumsum(counts)
    starts = ends - counts
    total = int(ends[-1]) if n else 0
    flat_boxes, flat_classes = f["boxes"][:total], f["classes"][:total]
    return (f["clean"][:n], [flat_boxes[a:b] for a, b in zip(starts, ends)],
            [flat_classes[a:b] for a, b in zip(starts, ends)], f["noise"][:n])


def _write(path: Path, split: str, version: str, clean, boxes, classes, sigmas) -> None:
    """HDF5, gzip-compressed, written under a temporary name then renamed (safe if two
    processes cache the same set at once)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    m = len(clean)
    with h5py.File(partial, "w", track_order=False) as f:
        f.create_dataset("clean", data=clean, compression="gzip", compression_opts=6,
                         chunks=(1, *clean.shape[1:]), track_times=False)
        f.create_dataset("noise", data=np.asarray(sigmas, np.float64), track_times=False)
        f.create_dataset("seeds", data=split_seeds(split, m), track_times=False)
        f.create_dataset("counts", data=np.array([len(b) for b in boxes], np.int64),
                         track_times=False)
        f.create_dataset("boxes", data=np.concatenate(boxes).reshape(-1, 4).astype(np.float32),
                         track_times=False)
        f.create_dataset("classes", data=np.concatenate(classes).astype(np.int64),
                         track_times=False)
        f.attrs["version"] = version
        f.attrs["split"] = split
        f.attrs["class_names"] = "\n".join(CLASSES)
        f.attrs["layout"] = ("clean: pictures before sensor noise (utils.synth.road.add_noise "
                             "with seeds[i] and noise[i] gives the scene); boxes (y1, x1, y2, x2) "
                             "pixels and classes: scene i owns rows sum(counts[:i]) to "
                             "sum(counts[:i+1])")
    partial.replace(path)


# ----------------------------------------------------------------------------- demo pictures

def write_demo_images(folder: Path = ROAD_DIR, seeds=DEMO_SEEDS) -> list[Path]:
    """Write ``road_<k>.jpg`` (720x1280) for each seed, and ``road_boxes.json`` with the truth.

    The JSON holds ``classes`` (the class names) and ``images``: per picture its ``file``,
    ``seed``, ``height``, ``width``, ``boxes`` [[y1, x1, y2, x2] pixels] and ``classes``
    [indices]. Returns the pictures' paths.
    """
    from PIL import Image

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    entries, paths = [], []
    for k, seed in enumerate(seeds):
        scene = render_scene(int(seed), *DEMO_SIZE)
        path = folder / f"road_{k}.jpg"
        Image.fromarray(scene.image).save(path, quality=90)
        paths.append(path)
        entries.append({"file": path.name, "seed": int(seed), "height": DEMO_SIZE[0],
                        "width": DEMO_SIZE[1],
                        "boxes": [[round(float(v), 2) for v in box] for box in scene.boxes],
                        "classes": [int(c) for c in scene.classes]})
    record = {"classes": list(CLASSES), "version": renderer_version(), "images": entries}
    (folder / DEMO_JSON).write_text(json.dumps(record, indent=1) + "\n")
    return paths


def read_demo_truth(folder: Path = ROAD_DIR) -> dict:
    """The demo pictures' ``road_boxes.json`` (see :func:`write_demo_images`)."""
    return json.loads((Path(folder) / DEMO_JSON).read_text())


def demo_images(folder: Path = ROAD_DIR) -> list[Path]:
    """Paths of the demo pictures, drawn first if they are missing or out of date."""
    folder = Path(folder)
    try:
        truth = read_demo_truth(folder)
        paths = [folder / entry["file"] for entry in truth["images"]]
        if truth.get("version") == renderer_version() and all(p.exists() for p in paths):
            return paths
    except (OSError, ValueError, KeyError):
        pass
    return write_demo_images(folder)


def write_road_classes(path: Path) -> Path:
    """The class names, one a line (the layout of the course's ``*_classes.txt`` files)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(CLASSES) + "\n")
    return path


# ----------------------------------------------------------------------------- contact sheet

def draw_boxes(image: np.ndarray, boxes: np.ndarray, classes: np.ndarray, width: int = 2):
    """A PIL copy of ``image`` (H, W, 3) with each box outlined in its class's colour."""
    from PIL import Image, ImageDraw

    picture = Image.fromarray(image)
    pen = ImageDraw.Draw(picture)
    for (y1, x1, y2, x2), c in zip(boxes, classes):
        pen.rectangle([float(x1), float(y1), float(x2), float(y2)], outline=BOX_COLOURS[int(c)],
                      width=width)
    return picture


def write_contact_sheet(path: Path = CONTACT_SHEET, seeds=None, size=(270, 480),
                        columns: int = 3) -> Path:
    """A grid of scenes (default: the first 12 test scenes) with their boxes and a legend."""
    from PIL import Image, ImageDraw, ImageFont

    seeds = split_seeds("test", 12) if seeds is None else seeds
    height, width = size
    rows = -(-len(seeds) // columns)
    pad, legend = 4, 28
    sheet = Image.new("RGB", (columns * (width + pad) + pad, rows * (height + pad) + pad + legend),
                      (255, 255, 255))
    for k, seed in enumerate(seeds):
        scene = render_scene(int(seed), height, width)
        sheet.paste(draw_boxes(scene.image, scene.boxes, scene.classes),
                    (pad + (k % columns) * (width + pad), pad + (k // columns) * (height + pad)))
    pen = ImageDraw.Draw(sheet)
    try:
        font = ImageFont.load_default(size=16)
    except TypeError:                      # Pillow without FreeType
        font = ImageFont.load_default()
    x, y = pad + 4, sheet.height - legend + 5
    for name, colour in zip(CLASSES, BOX_COLOURS):
        pen.rectangle([x, y + 2, x + 14, y + 16], outline=colour, width=3)
        pen.text((x + 20, y), name, fill=(0, 0, 0), font=font)
        x += 40 + int(pen.textlength(name, font=font))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path, quality=85)
    return path
