"""Load the course's image datasets (SIGNS, Happy House) in the shapes the notebooks expect.

Two places are searched, in order:

1. ``data/train_<name>.h5`` and ``data/test_<name>.h5``: the original course files, if you have
   them (drop them into data/ and they are used instead of the generated ones);
2. ``data/synthetic/``: the sets this project generates (``make data``).

Set the environment variable ``CNN_COURSE_DATA`` to look in another directory instead of data/.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DATASETS = {"signs": "SIGNS (hand signs for 0-5)", "happy": "Happy House (1 = happy, 0 = not)",
            "gestures": "Gestures (0 = L, 1 = horns, 2 = call me)"}
MAKE_HINT = "run `make data` in the course folder (or `python -m utils.synth`) to generate it"


class DatasetError(RuntimeError):
    """A dataset file is missing or unreadable; the message says what to run."""


@dataclass(frozen=True)
class DatasetFiles:
    train: Path
    test: Path
    origin: str   # "original" or "generated"


def data_dir() -> Path:
    return Path(os.environ.get("CNN_COURSE_DATA", DATA_DIR))


def locate(name: str) -> DatasetFiles:
    """Where ``name``'s two files are: the original files if present, else the generated ones."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {sorted(DATASETS)}")
    root = data_dir()
    for folder, origin in ((root, "original"), (root / "synthetic", "generated")):
        train, test = folder / f"train_{name}.h5", folder / f"test_{name}.h5"
        if train.exists() and test.exists():
            return DatasetFiles(train, test, origin)
        if train.exists() != test.exists():
            present, absent = (train, test) if train.exists() else (test, train)
            raise DatasetError(f"found {present} but not {absent}; both files are needed. "
                               f"Restore the missing one, or remove both and {MAKE_HINT}.")
    raise DatasetError(f"the {DATASETS[name]} dataset is missing: no train_{name}.h5/test_{name}.h5 "
                       f"in {root} or {root / 'synthetic'}. To fix this, {MAKE_HINT}.")


def _read_split(path: Path, split: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    import h5py

    try:
        with h5py.File(path, "r") as f:
            missing = [k for k in (f"{split}_set_x", f"{split}_set_y", "list_classes") if k not in f]
            if missing:
                raise DatasetError(f"{path} has no {', '.join(missing)}: it is not a course "
                                   f"dataset file. Remove it and {MAKE_HINT}.")
            x = np.asarray(f[f"{split}_set_x"][:])
            y = np.asarray(f[f"{split}_set_y"][:])
            classes = np.asarray(f["list_classes"][:])
    except DatasetError:
        raise
    except (OSError, KeyError, ValueError) as exc:
        raise DatasetError(f"{path} cannot be read ({exc}). The file is damaged or incomplete: "
                           f"delete it and {MAKE_HINT}.") from exc
    if x.ndim != 4 or x.shape[-1] != 3 or x.dtype != np.uint8:
        raise DatasetError(f"{path}: {split}_set_x should be uint8 images (m, height, width, 3), "
                           f"found {x.dtype} {x.shape}. Delete the file and {MAKE_HINT}.")
    if y.shape != (len(x),):
        raise DatasetError(f"{path}: {split}_set_y has shape {y.shape} but there are {len(x)} "
                           f"images. Delete the file and {MAKE_HINT}.")
    return x, y, classes


def load_dataset(name: str, verbose: bool = True):
    """The original course's ``load_dataset()``.

    Returns ``X_train_orig (m_train, 64, 64, 3) uint8, Y_train_orig (1, m_train) int64,
    X_test_orig (m_test, 64, 64, 3), Y_test_orig (1, m_test), classes (n_classes,)``.
    """
    files = locate(name)
    x_train, y_train, classes = _read_split(files.train, "train")
    x_test, y_test, _ = _read_split(files.test, "test")
    if verbose:
        where = files.train.parent
        kind = "the original course files" if files.origin == "original" else "the course's generated set"
        print(f"{DATASETS[name]}: {len(x_train)} training and {len(x_test)} test images "
              f"from {kind} ({where.name}/)")
    return x_train, y_train.reshape(1, -1), x_test, y_test.reshape(1, -1), classes


def load_signs(verbose: bool = True):
    """SIGNS: ``X_train (1080, 64, 64, 3)``, ``Y_train (1, 1080)``, ``X_test (120, ...)``, ``Y_test (1, 120)``, classes 0-5."""
    return load_dataset("signs", verbose)


def load_happy(verbose: bool = True):
    """Happy House: ``X_train (600, 64, 64, 3)``, ``Y_train (1, 600)``, ``X_test (150, ...)``, ``Y_test (1, 150)``, classes 0-1."""
    return load_dataset("happy", verbose)


def load_gestures(verbose: bool = True):
    """Gestures: ``X_train (192, 64, 64, 3)``, ``Y_train (1, 192)``, ``X_test (300, ...)``, ``Y_test (1, 300)``, classes 0-2."""
    return load_dataset("gestures", verbose)


def convert_to_one_hot(Y: np.ndarray, C: int) -> np.ndarray:
    """Labels ``Y (1, m)`` with values in 0..C-1 -> one-hot ``(C, m)`` (the original's layout)."""
    Y = np.asarray(Y).reshape(-1)
    if Y.size and (Y.min() < 0 or Y.max() >= C):
        raise ValueError(f"labels must lie in 0..{C - 1}, found {Y.min()}..{Y.max()}")
    return np.eye(C)[Y].T
