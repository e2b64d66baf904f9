"""Compact storage of trained Keras weights, and the loader the ResNet notebook uses.

Format (one ``.npz`` file, written by :func:`save_compact`):

- every kernel (a weight with 2 or more axes) is quantised per output channel (its last axis)
  to signed integers of ``bits`` bits (8 or 4; 4-bit values are packed two to a byte) with a
  float32 scale per channel: ``w ~= q * scale``;
- every other weight (biases, batch-normalisation gammas, betas and running statistics) is
  stored as float16;
- ``meta`` holds, as JSON, each weight's layer-qualified name and shape, in ``model.weights``
  order, so that loading checks the architecture weight by weight.

Weights are matched by position, not by name, so a model built with other layer names loads
as long as its layers come in the same order with the same shapes.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
RESNET50_WEIGHTS = DATA_DIR / "weights" / "resnet50_signs.npz"
ORIGINAL_RESNET50 = "ResNet50.h5"      # the original course's saved model, if a user has it
TRAIN_HINT = "`python -m graders.trainers.resnet50` trains and writes it (see that script's header)"


class WeightsError(RuntimeError):
    """A weight file is missing, unreadable, or does not fit the model; the message says why."""


# --------------------------------------------------------------------------- quantisation
def quantise(w: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric per-output-channel quantisation.

    w: (..., n_out) float -> (q int8 of the same shape, scale float32 (n_out,)), w ~= q * scale.
    """
    levels = 2 ** (bits - 1) - 1
    flat = w.reshape(-1, w.shape[-1]).astype(np.float64)
    scale = np.abs(flat).max(axis=0) / levels
    scale[scale == 0] = 1.0
    q = np.clip(np.rint(flat / scale), -levels, levels).astype(np.int8)
    return q.reshape(w.shape), scale.astype(np.float32)


def pack4(q: np.ndarray) -> np.ndarray:
    """int8 values in [-7, 7] -> uint8 bytes holding two 4-bit values each (flattened, padded)."""
    nibbles = (q.ravel().astype(np.int16) & 0x0F).astype(np.uint8)
    if nibbles.size % 2:
        nibbles = np.append(nibbles, np.uint8(0))
    return nibbles[0::2] | (nibbles[1::2] << 4)


def unpack4(packed: np.ndarray, size: int) -> np.ndarray:
    """Inverse of :func:`pack4`: (n_bytes,) uint8 -> (size,) int8."""
    nibbles = np.empty(packed.size * 2, dtype=np.uint8)
    nibbles[0::2] = packed & 0x0F
    nibbles[1::2] = packed >> 4
    values = nibbles[:size].astype(np.int8)
    return np.where(values > 7, values - 16, values).astype(np.int8)


def compact_arrays(weights: list[np.ndarray], names: list[str], bits: int = 4) -> dict:
    """The arrays :func:`save_compact` writes, from plain NumPy weights (``model.weights`` order)."""
    if bits not in (4, 8):
        raise ValueError(f"bits must be 4 or 8, got {bits}")
    arrays, meta = {}, []
    for i, (name, w) in enumerate(zip(names, weights)):
        w = np.asarray(w)
        entry = {"name": name, "shape": list(w.shape)}
        if w.ndim >= 2:
            q, scale = quantise(w, bits)
            arrays[f"q{i}"] = pack4(q) if bits == 4 else q
            arrays[f"s{i}"] = scale
            entry["bits"] = bits
        else:
            arrays[f"f{i}"] = w.astype(np.float16)
        meta.append(entry)
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    return arrays


def read_compact(path) -> list[tuple[str, np.ndarray]]:
    """(name, float32 array) for every weight stored in a compact file, in order."""
    try:
        with np.load(path) as data:
            meta = json.loads(bytes(data["meta"]).decode())
            out = []
            for i, entry in enumerate(meta):
                shape = tuple(entry["shape"])
                if "bits" in entry:
                    raw = data[f"q{i}"]
                    size = int(np.prod(shape))
                    q = unpack4(raw, size) if entry["bits"] == 4 else raw.ravel()
                    w = q.reshape(shape).astype(np.float32) * data[f"s{i}"]
                else:
                    w = data[f"f{i}"].astype(np.float32).reshape(shape)
                out.append((entry["name"], w))
            return out
    except FileNotFoundError:
        raise
    except Exception as error:  # zip/JSON/key errors: a damaged or foreign file
        raise WeightsError(f"{path} is not a readable compact weight file ({error}); "
                           f"restore it with `git checkout -- {path}` or regenerate it: "
                           f"{TRAIN_HINT}") from error


def save_compact(model, path, bits: int = 4) -> Path:
    """Write ``model``'s weights to ``path`` (.npz) in the compact format. Returns the path."""
    names = [w.path for w in model.weights]
    arrays = compact_arrays([np.asarray(w) for w in model.weights], names, bits)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arrays)
    return path


def load_compact(model, path) -> None:
    """Copy a compact file's weights into ``model``, checking count and every shape first."""
    stored = read_compact(path)
    targets = model.weights
    if len(stored) != len(targets):
        raise WeightsError(
            f"{Path(path).name} holds {len(stored)} weight arrays but the model has "
            f"{len(targets)}; the model's architecture differs from the one the weights were "
            "trained for (count its layers against the notebook's description)")
    for position, ((name, values), target) in enumerate(zip(stored, targets)):
        if tuple(target.shape) != values.shape:
            raise WeightsError(
                f"weight {position + 1} of {len(targets)} does not fit: the model's "
                f"{target.path} has shape {tuple(target.shape)}, the file's {name} has "
                f"{values.shape}; the layers up to there match, so look at that layer")
    for (_, values), target in zip(stored, targets):
        target.assign(values.astype(target.dtype))


# --------------------------------------------------------------------------- the notebook's loader
def load_resnet50_weights(model, data_dir=None, verbose: bool = True) -> str:
    """Load trained SIGNS weights into a ResNet50 model; returns which file was used.

    Uses the original course's ``ResNet50.h5`` if it is in data/ (or ``CNN_COURSE_DATA``),
    else the weights this course ships in ``data/weights/resnet50_signs.npz``.
    """
    directory = Path(data_dir or os.environ.get("CNN_COURSE_DATA", DATA_DIR))
    original = directory / ORIGINAL_RESNET50
    if original.exists():
        try:
            model.load_weights(original)
        except Exception as error:
            raise WeightsError(f"{original} exists but could not be loaded into this model "
                               f"({error}); remove or rename it to use the course's own weights"
                               ) from error
        used = str(original)
    else:
        shipped = directory / "weights" / RESNET50_WEIGHTS.name
        if not shipped.exists():
            raise WeightsError(f"no ResNet-50 weights: {shipped} is missing; restore it with "
                               f"`git checkout -- data/weights` or regenerate it: {TRAIN_HINT}")
        load_compact(model, shipped)
        used = str(shipped)
    if verbose:
        print(f"loaded weights from {used}")
    return used
