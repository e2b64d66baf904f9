"""The generated datasets: deterministic, documented, and loaded like the original files."""
from __future__ import annotations

import re
from pathlib import Path

import h5py
import numpy as np
import pytest

from utils import datasets
from utils.datasets import DatasetError, convert_to_one_hot, load_dataset, load_gestures, load_happy, load_signs
from utils.synth import build

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "data" / "README.md"


def documented_checksums() -> dict[str, str]:
    rows = re.findall(r"^\| `(\w+\.h5)` .*`([0-9a-f]{64})` \|$", README.read_text(), re.M)
    return dict(rows)


def test_generation_reproduces_the_documented_checksums(tmp_path):
    documented = documented_checksums()
    assert set(documented) == {"train_signs.h5", "test_signs.h5", "train_happy.h5", "test_happy.h5",
                               "train_gestures.h5", "test_gestures.h5"}
    assert build.build(tmp_path, workers=2) == documented


def test_one_image_redraws_alone_identically():
    x, y = build.generate("signs", 1, count=7)
    spec = build.SPECS["signs"]
    again = spec.renderer(np.random.default_rng([spec.seed, 1, 6]), int(y[6]))
    np.testing.assert_array_equal(again, x[6])


def test_labels_are_balanced_and_shuffled():
    for name, spec in build.SPECS.items():
        for split in (0, 1):
            y = build.labels(spec, split)
            counts = np.bincount(y, minlength=len(spec.classes))
            assert counts.min() == counts.max() == spec.sizes[split] // len(spec.classes)
            assert not np.array_equal(y, np.sort(y))


def test_images_differ_and_use_the_whole_range():
    x, _ = build.generate("happy", 0, count=12)
    assert x.dtype == np.uint8 and x.shape == (12, 64, 64, 3)
    assert len({img.tobytes() for img in x}) == 12
    assert x.min() < 40 and x.max() > 215


@pytest.mark.parametrize("loader, m_train, m_test, n_classes",
                         [(load_signs, 1080, 120, 6), (load_happy, 600, 150, 2),
                          (load_gestures, 192, 300, 3)])
def test_loaders_give_the_original_shapes(loader, m_train, m_test, n_classes, capsys):
    X_train, Y_train, X_test, Y_test, classes = loader()
    assert X_train.shape == (m_train, 64, 64, 3) and X_train.dtype == np.uint8
    assert Y_train.shape == (1, m_train) and Y_test.shape == (1, m_test)
    assert X_test.shape == (m_test, 64, 64, 3)
    np.testing.assert_array_equal(classes, np.arange(n_classes))
    assert "generated set" in capsys.readouterr().out


def write_original(folder: Path, name: str, m_train: int = 5, m_test: int = 3, classes=6):
    """Files laid out like the original course's (no compression, int64 labels)."""
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for split, m in (("train", m_train), ("test", m_test)):
        x = rng.integers(0, 256, size=(m, 64, 64, 3), dtype=np.uint8)
        y = rng.integers(0, classes, size=m).astype(np.int64)
        with h5py.File(folder / f"{split}_{name}.h5", "w") as f:
            f["list_classes"] = np.arange(classes, dtype=np.int64)
            f[f"{split}_set_x"] = x
            f[f"{split}_set_y"] = y
        arrays[split] = (x, y)
    return arrays


def test_original_files_take_precedence(tmp_path, monkeypatch, capsys):
    write_original(tmp_path / "synthetic", "signs", m_train=2, m_test=2)
    arrays = write_original(tmp_path, "signs")
    monkeypatch.setenv("CNN_COURSE_DATA", str(tmp_path))
    X_train, Y_train, X_test, Y_test, classes = load_signs()
    np.testing.assert_array_equal(X_train, arrays["train"][0])
    np.testing.assert_array_equal(Y_train, arrays["train"][1].reshape(1, -1))
    np.testing.assert_array_equal(X_test, arrays["test"][0])
    assert Y_test.shape == (1, 3)
    assert "original course files" in capsys.readouterr().out
    assert datasets.locate("signs").origin == "original"


def test_generated_files_are_used_when_no_originals(tmp_path, monkeypatch):
    arrays = write_original(tmp_path / "synthetic", "happy", classes=2)
    monkeypatch.setenv("CNN_COURSE_DATA", str(tmp_path))
    X_train, Y_train, *_ = load_happy(verbose=False)
    np.testing.assert_array_equal(X_train, arrays["train"][0])
    assert datasets.locate("happy").origin == "generated"


def test_missing_dataset_says_what_to_run(tmp_path, monkeypatch):
    monkeypatch.setenv("CNN_COURSE_DATA", str(tmp_path))
    with pytest.raises(DatasetError, match=r"make data"):
        load_signs()


def test_half_a_pair_is_named(tmp_path, monkeypatch):
    write_original(tmp_path, "signs")
    (tmp_path / "test_signs.h5").unlink()
    monkeypatch.setenv("CNN_COURSE_DATA", str(tmp_path))
    with pytest.raises(DatasetError, match=r"test_signs\.h5.*both files are needed"):
        load_signs()


def test_corrupt_file_says_what_to_run(tmp_path, monkeypatch):
    write_original(tmp_path, "happy", classes=2)
    (tmp_path / "train_happy.h5").write_bytes(b"\x89HDF\r\n not really" * 10)
    monkeypatch.setenv("CNN_COURSE_DATA", str(tmp_path))
    with pytest.raises(DatasetError, match=r"train_happy\.h5 cannot be read.*make data"):
        load_happy()


def test_foreign_h5_file_is_refused(tmp_path, monkeypatch):
    write_original(tmp_path, "happy", classes=2)
    with h5py.File(tmp_path / "test_happy.h5", "w") as f:
        f["something_else"] = np.zeros(3)
    monkeypatch.setenv("CNN_COURSE_DATA", str(tmp_path))
    with pytest.raises(DatasetError, match=r"has no test_set_x, test_set_y, list_classes"):
        load_happy()


def test_wrong_image_dtype_is_refused(tmp_path, monkeypatch):
    write_original(tmp_path, "signs")
    with h5py.File(tmp_path / "train_signs.h5", "r+") as f:
        del f["train_set_x"]
        f["train_set_x"] = np.zeros((5, 64, 64, 3), dtype=np.float32)
    monkeypatch.setenv("CNN_COURSE_DATA", str(tmp_path))
    with pytest.raises(DatasetError, match=r"should be uint8 images"):
        load_signs()


def test_unknown_dataset_name():
    with pytest.raises(ValueError, match="unknown dataset 'mnist'"):
        load_dataset("mnist")


def test_convert_to_one_hot():
    one_hot = convert_to_one_hot(np.array([[2, 0, 5]]), 6)
    assert one_hot.shape == (6, 3)
    np.testing.assert_array_equal(one_hot.argmax(axis=0), [2, 0, 5])
    np.testing.assert_array_equal(one_hot.sum(axis=0), [1, 1, 1])
    with pytest.raises(ValueError, match=r"labels must lie in 0\.\.5"):
        convert_to_one_hot(np.array([[6]]), 6)


def test_face_landmarks_sit_on_the_face_they_describe():
    from utils.synth import happy

    for seed in range(12):
        image, points = happy.render_landmarks(seed, happy=seed % 2)
        # computing the landmarks leaves the picture as the dataset draws it
        assert np.array_equal(image, happy.render(np.random.default_rng(seed), seed % 2))
        assert points.shape == (19, 2)
        assert ((points > 8) & (points < 56)).all()
        chin, ears, eyes, nose, mouth = points[0], points[1:3], points[3:13], points[13], points[14:]
        pupils = eyes[[2, 7]]
        # the face's vertical order, along its own up direction (heads tilt only a little)
        up = np.mean(pupils, axis=0) - chin
        height = lambda p: float(np.dot(p - chin, up) / np.dot(up, up))  # noqa: E731
        assert height(mouth.mean(axis=0)) < height(nose) < height(pupils.mean(axis=0))
        assert 0 < height(mouth.mean(axis=0))
        # the pupils sit between the eye corners, 2 to 8 pixels apart within an eye
        for outer, inner, pupil in (eyes[0:3], eyes[5:8]):
            assert 2 < np.linalg.norm(outer - inner) < 8
            assert np.linalg.norm(pupil - (outer + inner) / 2) < 2
        assert np.linalg.norm(ears[0] - ears[1]) > 20
