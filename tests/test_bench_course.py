"""bench/course.py reads bench/conv.py's table and formats the course's figures (no timing asserted)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def course_bench():
    spec = importlib.util.spec_from_file_location("bench_course", ROOT / "bench" / "course.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_conv_table_reads_the_three_implementations():
    table = course_bench().conv_table(("--size", "small", "--repeat", "2", "--loop-repeat", "1"))
    assert table[0].startswith("| implementation | forward ms")
    names = [row.split("|")[1].strip() for row in table[2:]]
    assert len(names) == 3 and any("loop" in n for n in names) and any("fastconv" in n for n in names)
    ratios = [float(row.split("|")[4].strip().rstrip("x")) for row in table[2:]]
    assert min(ratios) == 1.0 and max(ratios) > 1.0


def test_conv_parser_stops_at_the_end_of_the_table_and_refuses_other_text():
    bench = course_bench()
    text = ("conv small: ...\n\nimplementation                  forward ms  backward ms\n"
            "loops (Week 1 solution)          120.500     300.250\n"
            "vectorised (fastconv)              1.200       2.400\n"
            "\nspeed-up: 100x\n")
    assert bench.parse_conv_times(text) == {"loops (Week 1 solution)": (120.5, 300.25),
                                            "vectorised (fastconv)": (1.2, 2.4)}
    import pytest

    with pytest.raises(RuntimeError, match="could not read"):
        bench.parse_conv_times("no table here")
