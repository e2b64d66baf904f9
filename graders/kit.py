"""``make student-kit``: the course as a class receives it, with no solutions and no hidden tests.

    .venv/bin/python -m graders.kit [--out dist/cnn-course-student] [--no-zip]

Writes a self-contained folder, and a zip of it beside it:

- ``weeks/``: the student notebooks (the repository's ``weeks/``, unchanged);
- ``utils/``: the code the notebooks import and the data generators, with
  ``utils/expected/*.json`` cut down to the *visible* test cases (their expected values and the
  hints of known mistakes) and the stand-ins' replay tables; the ids of hidden cases are removed;
- ``data/``: the committed data (shipped weights, anchors, class names, pictures, README); the
  generated image sets are written by ``make data`` in the kit, as in the repository;
- ``requirements.lock``, a ``pyproject.toml`` that installs ``utils`` only, a student
  ``Makefile`` (``make lab``, ``make check``) and a student ``README.md``.

Nothing from ``graders/`` is copied: no solution source, no hidden test, no reference file, no
mutant. ``tests/test_kit.py`` searches a fresh kit for every solution line, every hidden test
line, and every hidden case's id and expected value.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
from pathlib import Path

from graders.sources import ROOT, all_sources

DEFAULT_OUT = ROOT / "dist" / "cnn-course-student"
KIT_FILES = Path(__file__).resolve().parent / "kit_files"   # the kit's own Makefile, README, ...


def tracked(prefix: str) -> list[Path]:
    """Files git tracks under ``prefix`` (so nothing generated or local slips in)."""
    out = subprocess.run(["git", "ls-files", "-z", prefix], cwd=ROOT, capture_output=True,
                         check=True).stdout.decode()
    return [ROOT / name for name in out.split("\0") if name]


def visible_expected(document: dict) -> dict:
    """A ``utils/expected`` document without the hidden cases' ids."""
    kept = {key: value for key, value in document.items() if key != "hidden"}
    kept["about"] = ("Expected outputs of this notebook's visible test cases (student kit). "
                     "Hidden tests run only when the instructor grades.")
    return kept


def build(out: Path = DEFAULT_OUT, zip_it: bool = True) -> Path:
    """Write the kit to ``out`` (replacing it) and, with ``zip_it``, ``out``.zip; returns ``out``."""
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    sources = all_sources()
    for source in sources:
        target = out / source.release_path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source.release_path, target)
    for path in tracked("utils") + tracked("data"):
        relative = path.relative_to(ROOT)
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if relative.parts[:2] == ("utils", "expected"):
            document = visible_expected(json.loads(path.read_text()))
            target.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")
        else:
            shutil.copy(path, target)
    shutil.copy(ROOT / "requirements.lock", out / "requirements.lock")
    for name in ("Makefile", "README.md", "pyproject.toml", "gitignore"):
        shutil.copy(KIT_FILES / name, out / (".gitignore" if name == "gitignore" else name))
    if zip_it:
        archive = shutil.make_archive(str(out), "zip", root_dir=out.parent, base_dir=out.name)
        print(f"wrote {Path(archive).relative_to(ROOT) if Path(archive).is_relative_to(ROOT) else archive}"
              f" ({Path(archive).stat().st_size / 2**20:.1f} MiB)")
    return out


def size(folder: Path) -> int:
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--no-zip", action="store_true")
    args = parser.parse_args(argv)
    out = build(args.out, zip_it=not args.no_zip)
    files = sum(1 for p in out.rglob("*") if p.is_file())
    print(f"wrote {out} ({files} files, {size(out) / 2**20:.1f} MiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
