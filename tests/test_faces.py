"""The Week 4 face renderer (utils/synth/faces.py) and the residents' pictures (face_data.py)."""
from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from utils.synth import face_data, faces
from utils.synth.faces import HELDOUT_IDENTITIES, TRAIN_IDENTITIES, render_batch, render_face


def test_same_identity_and_shot_give_the_same_bytes():
    a = render_face(7, 3)
    faces.traits.cache_clear()             # drawn afresh, not read from the cache
    assert render_face(7, 3).tobytes() == a.tobytes()


def test_shots_and_identities_differ():
    pictures = [render_face(i, s) for i in (0, 1, 100_000) for s in (0, 1, 2)]
    assert len({p.tobytes() for p in pictures}) == len(pictures)


@pytest.mark.parametrize("size", [96, 64, 128])
def test_shape_and_dtype(size):
    image = render_face(3, 0, size)
    assert image.shape == (size, size, 3) and image.dtype == np.uint8
    assert image.min() < 60 and image.max() > 180      # a picture, not a flat field


def test_render_batch_pairs_identities_with_shots():
    identities, shots = [5, 5, 100_003], [0, 4, 1]
    batch = render_batch(identities, shots, size=64)
    assert batch.shape == (3, 64, 64, 3) and batch.dtype == np.uint8
    for image, i, s in zip(batch, identities, shots):
        np.testing.assert_array_equal(image, render_face(i, s, 64))
    assert render_batch([], [], size=64).shape == (0, 64, 64, 3)
    with pytest.raises(ValueError):
        render_batch([1, 2], [0])


def test_render_batch_in_worker_processes_gives_the_same_pictures():
    identities, shots = [0, 1, 2, 3], [9, 8, 7, 6]
    np.testing.assert_array_equal(render_batch(identities, shots, size=48, workers=2),
                                  render_batch(identities, shots, size=48))


def test_bad_identities_and_shots_are_refused():
    with pytest.raises(ValueError):
        render_face(-1, 0)
    with pytest.raises(ValueError):
        render_face(0, -1)


def test_identity_ranges_are_disjoint():
    assert len(TRAIN_IDENTITIES) == 500 and len(HELDOUT_IDENTITIES) == 200
    assert not set(TRAIN_IDENTITIES) & set(HELDOUT_IDENTITIES)


def test_residents_are_twelve_distinct_heldout_identities():
    names = ["danielle", "younes", "tian", "andrew", "kian", "dan", "sebastiano", "bertrand",
             "kevin", "felix", "benoit", "arnaud"]
    assert list(face_data.RESIDENTS) == names
    ids = list(face_data.RESIDENTS.values())
    assert len(set(ids)) == 12 and all(i in HELDOUT_IDENTITIES for i in ids)
    assert all(s in HELDOUT_IDENTITIES and s not in ids for s in face_data.STRANGERS)


def test_traits_are_fixed_per_identity_and_differ_between_identities():
    first = faces.traits(42)
    render_face(42, 0), render_face(42, 5)
    faces.traits.cache_clear()
    assert faces.traits(42) == first
    assert hash(first) == hash(faces.traits(42))
    many = [faces.traits(i) for i in range(200)]
    assert len(set(many)) == 200
    # The traits vary: several hair styles, beards and skin tones among 200 people.
    assert len({t.hair_style for t in many}) == len(faces.HAIR_STYLES)
    assert len({t.beard for t in many}) == len(faces.BEARDS)
    assert np.ptp([np.mean(t.skin) for t in many]) > 0.4


def test_a_person_looks_more_like_themselves_than_like_others():
    """Averaged over shots (backgrounds and light average out), the centre of the picture,
    where the face is, is closer to the same person's other shots than to other people's."""
    people = [0, 1, 2, 3, 4, 5]
    centre = slice(24, 72)

    def mean_face(identity, shots):
        images = render_batch([identity] * len(shots), shots, size=96).astype(float)
        return images[:, centre, centre].mean(axis=0)

    a = {p: mean_face(p, range(0, 6)) for p in people}
    b = {p: mean_face(p, range(6, 12)) for p in people}
    for p in people:
        same = np.abs(a[p] - b[p]).mean()
        others = min(np.abs(a[p] - b[q]).mean() for q in people if q != p)
        assert same < others, p


def test_describe_shot_matches_the_picture_choices():
    pose = faces.describe_shot(0, 0)
    assert set(pose) >= {"tilt", "turn", "smiling", "eyes_open", "glasses", "hat"}
    assert abs(pose["tilt"]) <= 10 and abs(pose["turn"]) <= 0.12
    assert pose == faces.describe_shot(0, 0) and faces.describe_shot(0, 1) != pose


def test_write_residents_writes_the_files_its_record_lists(tmp_path):
    record = face_data.write_residents(tmp_path)
    assert json.loads((tmp_path / "faces.json").read_text()) == record
    assert record["version"] == face_data.renderer_version()
    assert list(record["residents"]) == list(face_data.RESIDENTS)
    for name, entry in record["residents"].items():
        assert entry["file"] == f"images/{name}.jpg"
        assert entry["identity"] == face_data.RESIDENTS[name]
    cameras = record["cameras"]
    assert [c["file"] for c in cameras] == [f"images/camera_{k}.jpg" for k in range(6)]
    assert [c["name"] for c in cameras] == ["younes", "bertrand", "benoit", None, "kian", None]
    for c in cameras:
        if c["name"] is None:
            assert c["identity"] not in face_data.RESIDENTS.values()
            assert c["identity"] in HELDOUT_IDENTITIES
        else:
            assert c["identity"] == face_data.RESIDENTS[c["name"]]
            assert c["shot"] != record["residents"][c["name"]]["shot"]     # another photo
    files = sorted(p.name for p in (tmp_path / "images").iterdir())
    assert files == sorted([f"{n}.jpg" for n in face_data.RESIDENTS]
                           + [f"camera_{k}.jpg" for k in range(6)])
    younes = record["residents"]["younes"]
    with Image.open(tmp_path / younes["file"]) as picture:
        assert picture.size == (96, 96) and picture.mode == "RGB"
        pixels = np.asarray(picture, dtype=float)
    drawn = render_face(younes["identity"], younes["shot"]).astype(float)
    assert np.abs(pixels - drawn).mean() < 6                   # the same picture, as a JPEG
    for entry in (*record["residents"].values(), *cameras):    # plain faces: no hats, eyes open
        pose = faces.describe_shot(entry["identity"], entry["shot"])
        assert not pose["hat"] and pose["eyes_open"] > 0.5


def test_residents_reads_the_record_and_redraws_missing_files(tmp_path):
    record = face_data.write_residents(tmp_path)
    kian = tmp_path / "images" / "kian.jpg"
    stamp = kian.stat().st_mtime_ns
    assert face_data.residents(tmp_path) == record
    assert kian.stat().st_mtime_ns == stamp                    # nothing redrawn
    kian.unlink()
    assert face_data.residents(tmp_path) == record
    assert kian.exists()
    (tmp_path / "faces.json").write_text(json.dumps({**record, "version": "old"}))
    assert face_data.residents(tmp_path)["version"] == face_data.renderer_version()


def test_patches_cover_everything_they_paint(monkeypatch):
    """Each part of the face is painted on a patch around it, for speed; painted on the whole
    canvas instead, the pictures must not change (no shape reaches past its patch)."""
    cases = [(i, s, size) for i, s in [(0, 1), (16, 2), (27, 1), (100_001, 0), (100_012, 3)]
             for size in (96, 64)]
    patched = [render_face(*case) for case in cases]
    whole = faces._Patch.__init__
    monkeypatch.setattr(faces._Patch, "__init__",
                        lambda self, sheet, s=None, box=None: whole(self, sheet, s, None))
    for case, picture in zip(cases, patched):
        np.testing.assert_array_equal(render_face(*case), picture, err_msg=str(case))
