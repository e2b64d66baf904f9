"""Week 4's residents of the Happy House: their photos, the door camera's pictures, a contact sheet.

- ``RESIDENTS``: the original course's twelve names, each a held-out identity of
  :mod:`utils.synth.faces` (never used to train the encoder).
- ``write_residents`` / ``residents``: ``images/<name>.jpg`` (the house's one photo of each
  resident), ``images/camera_<k>.jpg`` (six pictures from the door camera) and ``faces.json``
  (who is in which picture) in ``data/synthetic/faces/`` (``make data`` writes them through
  ``python -m utils.synth``; ``residents()`` redraws them when missing or out of date).
- ``write_contact_sheet``: ``data/faces_contact_sheet.jpg``, eight residents in eight photos each.

All pictures are 96x96 RGB JPEGs, quality 95.
"""
from __future__ import annotations

import hashlib
import itertools
import json
from pathlib import Path

import numpy as np

from utils.synth.build import GENERATED_DIR, ROOT
from utils.synth.faces import describe_shot, render_face

FACES_DIR = GENERATED_DIR / "faces"
FACES_JSON = "faces.json"
# Held-out identities picked by eye so that the twelve residents look clearly different from
# each other and from the two strangers the door camera sees (and Danielle has no beard).
RESIDENTS = {"danielle": 100_032, "younes": 100_001, "tian": 100_002, "andrew": 100_003,
             "kian": 100_004, "dan": 100_017, "sebastiano": 100_006, "bertrand": 100_007,
             "kevin": 100_008, "felix": 100_012, "benoit": 100_011, "arnaud": 100_014}
NAMES = tuple(RESIDENTS)
STRANGERS = (100_025, 100_037)
# Who the door camera sees, as in the original assignment: camera_2 is benoit (the notebook's
# visitor claiming to be kian); camera_3 and camera_5 are people who do not live here.
CAMERA = (("younes", RESIDENTS["younes"]), ("bertrand", RESIDENTS["bertrand"]),
          ("benoit", RESIDENTS["benoit"]), (None, STRANGERS[0]), ("kian", RESIDENTS["kian"]),
          (None, STRANGERS[1]))
SIZE = 96
QUALITY = 95
FORMAT = 1
CONTACT_SHEET = ROOT / "data" / "faces_contact_sheet.jpg"


def renderer_version() -> str:
    """The file format and a digest of the renderer's source: pictures that differ are redrawn."""
    digest = hashlib.sha256(f"{FORMAT} {SIZE} {QUALITY}".encode())
    for name in ("faces.py", "scene.py", "canvas.py", "face_data.py"):
        digest.update((Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()[:16]


def clean_shots(identity: int, start: int = 0):
    """Shots >= start (an endless iterator) whose photo shows the face plainly: no hat, eyes
    open. The house's photo and the door camera's pictures are taken from these."""
    for shot in itertools.count(start):
        pose = describe_shot(identity, shot)
        if not pose["hat"] and pose["eyes_open"] > 0.5:
            yield shot


def _save(image: np.ndarray, path: Path) -> None:
    from PIL import Image

    Image.fromarray(image).save(path, quality=QUALITY)


def write_residents(folder: Path = FACES_DIR) -> dict:
    """Write the residents' photos, the camera's pictures and ``faces.json``; returns the record.

    The record is ``{"version": str, "residents": {name: {"identity", "shot", "file"}},
    "cameras": [{"file", "identity", "shot", "name"}]}`` with files relative to ``folder``
    (``images/<name>.jpg``, ``images/camera_<k>.jpg``) and ``name`` None for a stranger. A
    resident's photo is their first plain shot (usually shot 0), the camera's picture of them
    the next one.
    """
    folder = Path(folder)
    (folder / "images").mkdir(parents=True, exist_ok=True)
    record = {"version": renderer_version(), "residents": {}, "cameras": []}
    house_shot = {}
    for name, identity in RESIDENTS.items():
        shot = house_shot[name] = next(clean_shots(identity))
        file = f"images/{name}.jpg"
        _save(render_face(identity, shot, SIZE), folder / file)
        record["residents"][name] = {"identity": identity, "shot": shot, "file": file}
    for k, (name, identity) in enumerate(CAMERA):
        shot = next(clean_shots(identity, 0 if name is None else house_shot[name] + 1))
        file = f"images/camera_{k}.jpg"
        _save(render_face(identity, shot, SIZE), folder / file)
        record["cameras"].append({"file": file, "identity": identity, "shot": shot, "name": name})
    (folder / FACES_JSON).write_text(json.dumps(record, indent=1) + "\n")
    return record


def residents(folder: Path = FACES_DIR) -> dict:
    """The record of :func:`write_residents`, its pictures drawn first if missing or out of date."""
    folder = Path(folder)
    try:
        record = json.loads((folder / FACES_JSON).read_text())
        files = [entry["file"] for entry in record["residents"].values()]
        files += [entry["file"] for entry in record["cameras"]]
        if record.get("version") == renderer_version() and all((folder / f).is_file()
                                                               for f in files):
            return record
    except (OSError, ValueError, KeyError, AttributeError, TypeError):
        pass
    return write_residents(folder)


def write_contact_sheet(path: Path = CONTACT_SHEET, identities=None, shots: int = 8) -> Path:
    """A grid: a row per identity (default: the first eight residents), ``shots`` photos each."""
    from PIL import Image, ImageDraw, ImageFont

    if identities is None:
        labels = NAMES[:8]
        identities = [RESIDENTS[name] for name in labels]
    else:
        labels = [str(i) for i in identities]
    pad, label_w = 3, 84
    sheet = Image.new("RGB", (label_w + shots * (SIZE + pad) + pad,
                              len(identities) * (SIZE + pad) + pad), (255, 255, 255))
    pen = ImageDraw.Draw(sheet)
    try:
        font = ImageFont.load_default(size=15)
    except TypeError:                      # Pillow without FreeType
        font = ImageFont.load_default()
    for row, (identity, label) in enumerate(zip(identities, labels)):
        y = pad + row * (SIZE + pad)
        pen.text((6, y + SIZE // 2 - 8), label, fill=(0, 0, 0), font=font)
        for shot in range(shots):
            sheet.paste(Image.fromarray(render_face(identity, shot, SIZE)),
                        (label_w + pad + shot * (SIZE + pad), y))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path, quality=80)
    return path
