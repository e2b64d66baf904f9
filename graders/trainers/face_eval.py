"""Face verification on held-out identities: the pictures, the pairs and the metrics.

Shared by ``graders.trainers.face_encoder`` (the figures it prints after training) and
``bench/face_verify.py``. Everything but :func:`encode` is NumPy.

- :func:`heldout_gallery`: ``shots`` pictures of each held-out identity, rendered once and
  cached in ``data/synthetic/faces_heldout_<size>_<shots>.npz``;
- :func:`sample_pairs`: a fixed, seeded set of same-person and different-person pairs;
- :func:`verification`: accuracy at a distance threshold, the best threshold and the ROC AUC of
  the pairs' distances (smaller distance = more likely the same person).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

THRESHOLD = 0.7            # the notebook's verify(): the same person when distance < 0.7
SEED = 2024


# --------------------------------------------------------------------------- pictures
def faces_module():
    """The face renderer, ``utils.synth.faces`` (a stand-in may be swapped in by tests)."""
    from utils.synth import faces

    return faces


def render(identities, shots, size: int = 96, workers: int = 1) -> np.ndarray:
    """(n, size, size, 3) uint8 pictures of (identities[i], shots[i])."""
    faces = faces_module()
    identities = [int(i) for i in identities]
    shots = [int(s) for s in shots]
    return np.asarray(faces.render_batch(identities, shots, size=size, workers=workers),
                      dtype=np.uint8)


def cached_render(path: Path | None, identities, shots, size: int = 96,
                  workers: int = 1) -> np.ndarray:
    """:func:`render`, cached in ``path`` (.npz keyed by the identities and shots) if given."""
    identities = np.asarray(identities, dtype=np.int64)
    shots = np.asarray(shots, dtype=np.int64)
    if path is not None and Path(path).exists():
        with np.load(path) as data:
            if (data["identities"].shape == identities.shape
                    and np.array_equal(data["identities"], identities)
                    and np.array_equal(data["shots"], shots) and data["images"].shape[1] == size):
                return data["images"]
    images = render(identities, shots, size, workers)
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, images=images, identities=identities, shots=shots)
    return images


def grid(identities, shots: int) -> tuple[np.ndarray, np.ndarray]:
    """Every identity x shots 0..shots-1: (identities (n,), shots (n,)), identity-major."""
    identities = np.asarray(list(identities), dtype=np.int64)
    return np.repeat(identities, shots), np.tile(np.arange(shots, dtype=np.int64), len(identities))


def heldout_gallery(shots: int = 10, size: int = 96, workers: int = 2, n_identities=None,
                    cache: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(images (n, size, size, 3) uint8, labels (n,) identity) for the first ``n_identities``
    held-out identities (default: all 200) x ``shots`` shots each."""
    from utils.synth.build import GENERATED_DIR

    held = list(faces_module().HELDOUT_IDENTITIES)[:n_identities]
    identities, shot_ids = grid(held, shots)
    path = GENERATED_DIR / f"faces_heldout_{size}_{shots}.npz" if cache else None
    if n_identities is not None and path is not None:
        path = path.with_name(f"faces_heldout_{size}_{shots}_{len(held)}.npz")
    return cached_render(path, identities, shot_ids, size, workers), identities


# --------------------------------------------------------------------------- pairs
def sample_pairs(labels, n_same: int = 2000, n_diff: int = 2000, seed: int = SEED):
    """A seeded set of distinct pairs of pictures.

    labels: (n,) identity of each picture. Returns (first (k,), second (k,), same (k,) bool)
    indices into ``labels``: ``n_same`` pairs of two different pictures of one identity, then
    ``n_diff`` pairs of pictures of two different identities (fewer if fewer exist).
    """
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    i, j = np.triu_indices(len(labels), k=1)
    same = labels[i] == labels[j]
    picked_same = rng.permutation(np.flatnonzero(same))[:n_same]
    picked_diff = rng.permutation(np.flatnonzero(~same))[:n_diff]
    picked = np.concatenate([np.sort(picked_same), np.sort(picked_diff)])
    return i[picked], j[picked], same[picked]


def pair_distances(vectors, first, second) -> np.ndarray:
    """L2 distances (k,) between rows ``first`` and ``second`` of ``vectors`` (n, d)."""
    vectors = np.asarray(vectors, dtype=np.float64)
    return np.linalg.norm(vectors[first] - vectors[second], axis=1)


def pixel_vectors(images) -> np.ndarray:
    """The raw-pixel baseline's vectors: uint8 images (n, H, W, 3) scaled to [0, 1], flattened
    and L2-normalised to unit length (n, H*W*3), so their distances lie in [0, 2] as the
    encodings' do."""
    flat = np.asarray(images, dtype=np.float64).reshape(len(images), -1) / 255.0
    return flat / np.maximum(np.linalg.norm(flat, axis=1, keepdims=True), 1e-12)


def encode(model, images, mirror: bool = True, batch: int = 128) -> np.ndarray:
    """Encodings (n, d) float32 of uint8 images (n, H, W, 3), as ``img_to_encoding`` computes
    them (by default averaged with the mirror image's: ``utils.face_encoder.encode_images``)."""
    from utils.face_encoder import encode_images

    return encode_images(model, images, mirror=mirror, batch=batch)


# --------------------------------------------------------------------------- metrics
def accuracy_at(distances, same, threshold: float = THRESHOLD) -> float:
    """Share of pairs judged right when "same person" means distance < threshold."""
    distances, same = np.asarray(distances), np.asarray(same, dtype=bool)
    return float(np.mean((distances < threshold) == same))


def best_threshold(distances, same) -> tuple[float, float]:
    """(threshold, accuracy): the threshold, among the midpoints between consecutive sorted
    distances (and one below / above all), with the highest accuracy."""
    d = np.sort(np.asarray(distances, dtype=np.float64))
    candidates = np.concatenate([[d[0] - 1e-6], (d[:-1] + d[1:]) / 2, [d[-1] + 1e-6]])
    order = np.argsort(distances, kind="stable")
    s = np.asarray(same, dtype=bool)[order]
    # threshold candidates[k] accepts the k smallest distances: right = same ones among them
    # plus different ones among the rest
    same_below = np.concatenate([[0], np.cumsum(s)])
    diff_above = (~s).sum() - np.concatenate([[0], np.cumsum(~s)])
    right = same_below + diff_above
    best = int(np.argmax(right))
    return float(candidates[best]), float(right[best] / len(s))


def roc_auc(scores, positive) -> float:
    """Rank-based ROC AUC (the Mann-Whitney U statistic, ties counted half): the chance that a
    random positive scores above a random negative. scores (k,), positive (k,) bool."""
    scores = np.asarray(scores, dtype=np.float64)
    positive = np.asarray(positive, dtype=bool)
    n_pos, n_neg = positive.sum(), (~positive).sum()
    if n_pos == 0 or n_neg == 0:
        raise ValueError("the ROC AUC needs both positive and negative examples")
    order = np.argsort(scores, kind="mergesort")
    sorted_scores = scores[order]
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    # average ranks within ties
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    for start, count in zip(first[counts > 1], counts[counts > 1]):
        ranks[order[start:start + count]] = start + (count + 1) / 2
    u = ranks[positive].sum() - n_pos * (n_pos + 1) / 2
    return float(u / (n_pos * n_neg))


@dataclass
class Verification:
    """The figures of one set of pair distances."""
    accuracy: float            # at THRESHOLD (or the threshold asked for)
    threshold: float
    best_threshold: float
    best_accuracy: float
    auc: float
    same_mean: float           # mean distance of same-person pairs
    diff_mean: float

    def line(self, label: str) -> str:
        return (f"{label}: accuracy {self.accuracy:.3f} at distance < {self.threshold:g}; best "
                f"threshold {self.best_threshold:.3f} -> {self.best_accuracy:.3f}; ROC AUC "
                f"{self.auc:.4f}; mean distance same {self.same_mean:.3f}, "
                f"different {self.diff_mean:.3f}")


def verification(distances, same, threshold: float = THRESHOLD) -> Verification:
    """The figures for pair distances (k,) and whether each pair is one person (k,) bool."""
    distances = np.asarray(distances, dtype=np.float64)
    same = np.asarray(same, dtype=bool)
    best_t, best_acc = best_threshold(distances, same)
    return Verification(accuracy_at(distances, same, threshold), threshold, best_t, best_acc,
                        roc_auc(-distances, same), float(distances[same].mean()),
                        float(distances[~same].mean()))
