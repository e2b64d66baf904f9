"""``python -m utils.synth [DIR] [--sheets]``: generate the course datasets (default data/synthetic/).

Also writes Week 3's six road demo pictures and their boxes to DIR/road/ (a few seconds; the
road test set is cached on first use instead, see utils/synth/road_data.py), and Week 4's
residents' photos and door-camera pictures to DIR/faces/ (see utils/synth/face_data.py).
``--sheets`` also redraws the contact sheets shown in data/README.md (data/*_contact_sheet.jpg).
"""
import argparse
import time
from pathlib import Path

from utils.synth import face_data
from utils.synth.build import GENERATED_DIR, ROOT, build
from utils.synth.road_data import write_contact_sheet, write_demo_images


def contact_sheets(directory: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from utils.datasets import _read_split
    from utils.training import contact_sheet

    from utils.synth.gestures import NAMES

    names = {"signs": None, "happy": ["not happy", "happy"], "gestures": NAMES}
    for name, class_names in names.items():
        x, y, _ = _read_split(directory / f"train_{name}.h5", "train")
        fig = contact_sheet(x, y, per_class=12, class_names=class_names)
        target = ROOT / "data" / f"{name}_contact_sheet.jpg"
        fig.savefig(target, dpi=72, bbox_inches="tight", pil_kwargs={"quality": 80})
        plt.close(fig)
        print(f"wrote {target.relative_to(ROOT)}")
    print(f"wrote {write_contact_sheet().relative_to(ROOT)}")
    print(f"wrote {face_data.write_contact_sheet().relative_to(ROOT)}")
    from utils import art_images

    print(f"wrote {art_images.write_sheet().relative_to(ROOT)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("directory", nargs="?", type=Path, default=GENERATED_DIR)
    parser.add_argument("--sheets", action="store_true", help="redraw data/*_contact_sheet.jpg")
    args = parser.parse_args()
    start = time.perf_counter()
    for name, digest in build(args.directory).items():
        size = (args.directory / name).stat().st_size
        print(f"{name:16s} {size / 1e6:6.2f} MB  sha256 {digest}")
    demos = write_demo_images(args.directory / "road")
    print(f"wrote {len(demos)} road demo pictures to {args.directory / 'road'}")
    faces = face_data.write_residents(args.directory / "faces")
    print(f"wrote {len(faces['residents'])} residents' photos and {len(faces['cameras'])} camera "
          f"pictures to {args.directory / 'faces'}")
    print(f"wrote {args.directory} in {time.perf_counter() - start:.1f} s")
    if args.sheets:
        contact_sheets(args.directory)
