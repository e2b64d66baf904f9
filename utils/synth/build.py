"""Write the generated datasets as HDF5 files with the original course's layout.

``train_<name>.h5`` holds ``train_set_x`` (m, 64, 64, 3) uint8, ``train_set_y`` (m,) int64 and
``list_classes`` (n_classes,) int64; ``test_<name>.h5`` holds the same with ``test_`` keys.
"""
from __future__ import annotations

import hashlib
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

from utils.synth import gestures, happy, signs

ROOT = Path(__file__).resolve().parents[2]
GENERATED_DIR = ROOT / "data" / "synthetic"


@dataclass(frozen=True)
class Spec:
    name: str          # file stem: train_<name>.h5 / test_<name>.h5
    seed: int          # dataset id in every image's seed (seed, split, index)
    sizes: tuple       # (train, test)
    classes: np.ndarray
    renderer: object   # render(rng, label) -> (64, 64, 3) uint8


SPECS = {
    "signs": Spec("signs", 1, (1080, 120), signs.CLASSES, signs.render),
    "happy": Spec("happy", 2, (600, 150), happy.CLASSES, happy.render),
    "gestures": Spec("gestures", 3, (192, 300), gestures.CLASSES, gestures.render),
}
SPLITS = ("train", "test")


def labels(spec: Spec, split: int, m: int | None = None) -> np.ndarray:
    """Balanced labels in a seeded random order, (m,) int64.

    ``m`` defaults to the split's size; splits beyond train and test (e.g. 2, the extra training
    pictures of ``graders.trainers.resnet50``) have no fixed size and need it.
    """
    m = spec.sizes[split] if m is None else m
    y = np.arange(m, dtype=np.int64) % len(spec.classes)
    return np.random.default_rng([spec.seed, split, 10**6]).permutation(y)


def _render_chunk(args) -> np.ndarray:
    name, split, start, ys = args
    spec = SPECS[name]
    return np.stack([spec.renderer(np.random.default_rng([spec.seed, split, start + i]), int(y))
                     for i, y in enumerate(ys)])


def generate(name: str, split: int, count: int | None = None, workers: int = 1):
    """Images (m, 64, 64, 3) uint8 and labels (m,) int64 of one split (first ``count`` only).

    Splits 0 and 1 are train and test; a higher split has no fixed size, so ``count`` is required.
    """
    spec = SPECS[name]
    y = labels(spec, split, None if split < len(spec.sizes) else count)[:count]
    chunk = 60
    jobs = [(name, split, s, y[s:s + chunk]) for s in range(0, len(y), chunk)]
    if workers > 1:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            parts = list(pool.map(_render_chunk, jobs))
    else:
        parts = [_render_chunk(job) for job in jobs]
    return np.concatenate(parts), y


def checksum(x: np.ndarray, y: np.ndarray) -> str:
    """SHA-256 of the image bytes and the labels (independent of how HDF5 lays them out)."""
    digest = hashlib.sha256(np.ascontiguousarray(x, dtype=np.uint8).tobytes())
    digest.update(np.ascontiguousarray(y, dtype="<i8").tobytes())
    return digest.hexdigest()


def write_h5(path: Path, split_name: str, x: np.ndarray, y: np.ndarray, classes) -> None:
    """One file in the original layout; written to a temporary name, then renamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".h5.partial")
    with h5py.File(partial, "w", track_order=False) as f:
        f.create_dataset(f"{split_name}_set_x", data=x, compression="gzip", compression_opts=6,
                         shuffle=True, chunks=(1, *x.shape[1:]), track_times=False)
        f.create_dataset(f"{split_name}_set_y", data=y.astype(np.int64), track_times=False)
        f.create_dataset("list_classes", data=np.asarray(classes, dtype=np.int64), track_times=False)
    partial.replace(path)


def build(directory: Path = GENERATED_DIR, names=tuple(SPECS), workers: int = 2) -> dict[str, str]:
    """Generate every split of every named set into ``directory``; return {file name: checksum}."""
    sums = {}
    for name in names:
        for split, split_name in enumerate(SPLITS):
            x, y = generate(name, split, workers=workers)
            path = directory / f"{split_name}_{name}.h5"
            write_h5(path, split_name, x, y, SPECS[name].classes)
            sums[path.name] = checksum(x, y)
    return sums
