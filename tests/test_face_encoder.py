"""Week 4 face encoder: architecture, triplet loss and mining, metrics, trainer, shipped file."""
from __future__ import annotations

import os
import types

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from graders.trainers import face_encoder as trainer  # noqa: E402
from graders.trainers import face_eval  # noqa: E402
from utils import face_encoder  # noqa: E402


# --------------------------------------------------------------------------- a stand-in renderer
def _stand_in_face(identity: int, shot: int, size: int = 96) -> np.ndarray:
    """A deterministic picture of ``identity``: a few coloured blobs fixed by the identity, moved
    a little and lit differently by the shot, with noise."""
    person = np.random.default_rng([7, identity])
    shot_rng = np.random.default_rng([7, identity, shot])
    yy, xx = np.mgrid[0:size, 0:size] / size
    image = np.full((size, size, 3), person.uniform(0.2, 0.8, 3))
    shift = shot_rng.normal(0, 0.03, 2)
    for _ in range(4):
        cy, cx = person.uniform(0.2, 0.8, 2) + shift
        radius = person.uniform(0.08, 0.2)
        blob = ((yy - cy) ** 2 + (xx - cx) ** 2) < radius ** 2
        image[blob] = person.uniform(0, 1, 3)
    image = image * shot_rng.uniform(0.8, 1.2) + shot_rng.normal(0, 0.03, image.shape)
    return (np.clip(image, 0, 1) * 255).astype(np.uint8)


def _stand_in_batch(identities, shots, size=96, workers=1):
    return np.stack([_stand_in_face(i, s, size) for i, s in zip(identities, shots)])


STAND_IN = types.SimpleNamespace(TRAIN_IDENTITIES=range(0, 500),
                                 HELDOUT_IDENTITIES=range(100_000, 100_200),
                                 render_face=_stand_in_face, render_batch=_stand_in_batch)


@pytest.fixture
def stand_in_renderer(monkeypatch):
    monkeypatch.setattr(face_eval, "faces_module", lambda: STAND_IN)
    return STAND_IN


@pytest.fixture(scope="module")
def encoder():
    return face_encoder.build_encoder()


# --------------------------------------------------------------------------- the encoder
def test_encodings_are_128_long_and_of_unit_norm(encoder):
    images = np.random.default_rng(0).integers(0, 256, (3, 96, 96, 3), dtype=np.uint8)
    x = face_encoder.preprocess(images)
    assert x.dtype == np.float32 and x.shape == images.shape and 0 <= x.min() <= x.max() <= 1
    out = np.asarray(encoder(x, training=False))
    assert out.shape == (3, 128)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)


def test_the_encoder_is_small(encoder):
    assert 300_000 <= encoder.count_params() <= 1_500_000
    assert encoder.input_shape == (None, 96, 96, 3)


def test_img_to_encoding_reads_resizes_and_encodes_a_file(encoder, tmp_path):
    from PIL import Image

    picture = _stand_in_face(3, 0, size=120)
    path = tmp_path / "face.png"
    Image.fromarray(picture).save(path)
    encoding = face_encoder.img_to_encoding(str(path), encoder)
    assert encoding.shape == (1, 128) and encoding.dtype == np.float32
    resized = np.asarray(Image.fromarray(picture).resize((96, 96), Image.Resampling.BILINEAR))
    x = face_encoder.preprocess(resized[None])
    plain = np.asarray(encoder(x, training=False), dtype=np.float64)
    mirrored = np.asarray(encoder(x[:, :, ::-1], training=False), dtype=np.float64)
    expected = (plain + mirrored) / np.linalg.norm(plain + mirrored)
    np.testing.assert_allclose(encoding, expected, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(encoding), 1.0, atol=1e-5)
    single = face_encoder.img_to_encoding(str(path), encoder, mirror=False)
    np.testing.assert_allclose(single, plain, atol=1e-5)
    assert np.abs(single - encoding).max() > 1e-3      # the average differs from one pass


def test_the_mirror_average_encodes_a_picture_and_its_mirror_image_alike(encoder):
    pictures = np.stack([_stand_in_face(i, 1) for i in (4, 5)])
    batched = face_encoder.encode_images(encoder, pictures, batch=1)
    assert batched.shape == (2, 128) and batched.dtype == np.float32
    np.testing.assert_allclose(face_encoder.encode_images(encoder, pictures[:, :, ::-1]),
                               batched, atol=1e-5)
    np.testing.assert_allclose(face_encoder.encode_images(encoder, pictures), batched, atol=1e-5)


def test_a_missing_weight_file_names_the_command_that_makes_it(tmp_path):
    with pytest.raises(face_encoder.FaceEncoderError,
                       match="python -m graders.trainers.face_encoder"):
        face_encoder.load_course_encoder(data_dir=tmp_path, verbose=False)


# --------------------------------------------------------------------------- loss and mining
def test_triplet_loss_matches_the_hand_computed_value():
    loss = np.asarray(trainer.triplet_loss(np.float32(0.5), np.float32(0.51), 0.2))
    np.testing.assert_allclose(loss, 0.19, atol=1e-6)
    many = np.asarray(trainer.triplet_loss(np.array([0.5, 0.1, 1.0], np.float32),
                                           np.array([0.51, 0.9, 0.2], np.float32), 0.2))
    np.testing.assert_allclose(many, [0.19, 0.0, 1.0], atol=1e-6)


def test_the_centring_hinges_put_the_margin_around_the_threshold():
    # threshold 0.7: squared 0.49; margin 0.2 -> positives under 0.39, negatives over 0.59
    got = np.asarray(trainer.centring_loss(np.array([0.3, 0.45, 0.3], np.float32),
                                           np.array([0.7, 0.7, 0.5], np.float32), 0.7, 0.2))
    np.testing.assert_allclose(got, [0.0, 0.06, 0.09], atol=1e-6)


def test_pairwise_squared_distances():
    e = np.array([[1, 0, 0], [0, 1, 0], [0.6, 0.8, 0]], np.float32)
    d = np.asarray(trainer.pairwise_squared_distances(e))
    expected = ((e[:, None] - e[None]) ** 2).sum(-1)
    np.testing.assert_allclose(d, expected, atol=1e-6)


def test_batch_hard_picks_the_farthest_positive_and_the_closest_negative():
    labels = np.array([0, 0, 0, 1, 1, 2], np.float32)
    d = np.array([[0.0, 0.3, 0.7, 0.9, 1.2, 0.8],
                  [0.3, 0.0, 0.2, 0.4, 1.0, 1.1],
                  [0.7, 0.2, 0.0, 1.5, 0.6, 1.3],
                  [0.9, 0.4, 1.5, 0.0, 0.5, 0.2],
                  [1.2, 1.0, 0.6, 0.5, 0.0, 1.4],
                  [0.8, 1.1, 1.3, 0.2, 1.4, 0.0]], np.float32)
    positive, negative = (np.asarray(t) for t in trainer.batch_hard(d, labels))
    np.testing.assert_allclose(positive[:5], [0.7, 0.3, 0.7, 0.5, 0.5])
    assert positive[5] == 0                                  # no other picture of identity 2
    np.testing.assert_allclose(negative, [0.8, 0.4, 0.6, 0.2, 0.6, 0.2])
    loss = np.asarray(trainer.batch_hard_triplet_loss(0.2).call(labels, np.eye(6, 4,
                                                                                dtype=np.float32)))
    assert loss.shape == (6,)


def test_the_keras_loss_is_the_mean_batch_hard_triplet_loss():
    rng = np.random.default_rng(1)
    e = rng.normal(size=(8, 5)).astype(np.float32)
    e /= np.linalg.norm(e, axis=1, keepdims=True)
    labels = np.array([0, 0, 1, 1, 2, 2, 3, 3], np.float32)
    d = ((e[:, None] - e[None]) ** 2).sum(-1)
    same = labels[:, None] == labels[None]
    hp = np.where(same & ~np.eye(8, dtype=bool), d, -np.inf).max(1)
    hn = np.where(same, np.inf, d).min(1)
    expected = np.maximum(hp - hn + 0.2, 0).mean()
    got = float(np.asarray(trainer.batch_hard_triplet_loss(0.2)(labels, e)))
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_pk_batches_hold_p_identities_with_k_pictures_each():
    labels = np.repeat(np.arange(10), 5)
    picked = trainer.pk_indices(labels, 4, 3, np.random.default_rng(0))
    assert len(picked) == 12 and len(set(picked.tolist())) == 12
    counts = np.unique(labels[picked], return_counts=True)[1]
    assert counts.tolist() == [3, 3, 3, 3]
    x = trainer.augment_batch(np.full((2, 96, 96, 3), 128, np.uint8), np.random.default_rng(0))
    assert x.shape == (2, 96, 96, 3) and x.dtype == np.float32 and 0 <= x.min() <= x.max() <= 1


# --------------------------------------------------------------------------- metrics
def test_roc_auc_on_hand_made_scores():
    assert face_eval.roc_auc([0.9, 0.8, 0.3, 0.1], [1, 1, 0, 0]) == 1.0
    assert face_eval.roc_auc([0.1, 0.3, 0.8, 0.9], [1, 1, 0, 0]) == 0.0
    # positives 0.8, 0.4; negatives 0.6, 0.2: 3 of 4 ordered pairs right
    assert face_eval.roc_auc([0.8, 0.4, 0.6, 0.2], [1, 1, 0, 0]) == 0.75
    # a tie counts half: positive 0.5 vs negative 0.5
    assert face_eval.roc_auc([0.5, 0.5, 0.9], [1, 0, 1]) == 0.75
    with pytest.raises(ValueError):
        face_eval.roc_auc([0.1, 0.2], [1, 1])


def test_accuracy_and_best_threshold():
    d = np.array([0.2, 0.5, 0.65, 0.75, 0.9, 1.2])
    same = np.array([1, 1, 0, 1, 0, 0], bool)
    assert face_eval.accuracy_at(d, same, 0.7) == pytest.approx(4 / 6)
    threshold, accuracy = face_eval.best_threshold(d, same)
    assert accuracy == pytest.approx(5 / 6)
    assert face_eval.accuracy_at(d, same, threshold) == pytest.approx(accuracy)
    result = face_eval.verification(d, same)
    assert result.auc == pytest.approx(8 / 9)


def test_pairs_are_seeded_distinct_and_labelled_right():
    labels = np.repeat(np.arange(20), 4)
    first, second, same = face_eval.sample_pairs(labels, 30, 40, seed=3)
    assert same.sum() == 30 and (~same).sum() == 40
    assert np.all(first < second)
    assert np.array_equal(labels[first] == labels[second], same)
    again = face_eval.sample_pairs(labels, 30, 40, seed=3)
    assert all(np.array_equal(a, b) for a, b in zip((first, second, same), again))
    pixels = face_eval.pixel_vectors(np.ones((2, 4, 4, 3), np.uint8))
    np.testing.assert_allclose(np.linalg.norm(pixels, axis=1), 1.0)


# --------------------------------------------------------------------------- trainer
def test_quick_training_run_writes_a_loadable_weight_file(stand_in_renderer, tmp_path, capsys):
    trainer.main(["--quick", "--out-dir", str(tmp_path), "--pairs", "20"])
    path = tmp_path / "weights" / "face_encoder.npz"
    assert path.exists() and path.stat().st_size < 3 * 2**20
    output = capsys.readouterr().out
    assert "held-out, stored 8-bit: accuracy" in output and "ROC AUC" in output
    model = face_encoder.load_course_encoder(data_dir=tmp_path, verbose=False)
    out = np.asarray(model(face_encoder.preprocess(_stand_in_batch([1, 2], [0, 0])),
                           training=False))
    assert out.shape == (2, 128)


# --------------------------------------------------------------------------- the shipped file
@pytest.mark.skipif(not face_encoder.FACE_ENCODER_WEIGHTS.exists(),
                    reason="the shipped face encoder has not been trained yet")
def test_the_shipped_encoder_tells_held_out_people_apart():
    faces = pytest.importorskip("utils.synth.faces")
    model = face_encoder.load_course_encoder(verbose=False)
    identities, shots = face_eval.grid(list(faces.HELDOUT_IDENTITIES)[:10], 4)
    images = faces.render_batch(identities, shots, size=96)
    first, second, same = face_eval.sample_pairs(identities, 20, 20, seed=5)
    encodings = face_eval.encode(model, images)
    distances = face_eval.pair_distances(encodings, first, second)
    assert np.mean(distances[same] < face_encoder.THRESHOLD) >= 0.8
    assert np.mean(distances[~same] > face_encoder.THRESHOLD) >= 0.8
