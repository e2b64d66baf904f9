"""Reference outputs are what the solutions (and mutants) produce today.

Floating-point outputs of Keras models may differ in the last bits between runs (oneDNN picks
its reduction order by thread count and load: about 1e-6 relative for float32 probabilities), so
values are compared to 1e-5 relative, the tightest tolerance any test cell uses.
"""
import json

import numpy as np
import pytest

from graders.refs import build_reference, dumps
from graders.sources import all_sources
from utils.checks import _mismatch, decode

DRIFT_RTOL, DRIFT_ATOL = 1e-5, 1e-7


def same_value(a: dict, b: dict) -> bool:
    """Two encoded values equal up to floating-point noise (exactly, for anything not float)."""
    if a == b:
        return True
    if a.get("kind") != b.get("kind") or a.get("kind") == "model":
        return False
    try:
        return _mismatch(decode(a), decode(b), "x", DRIFT_RTOL, DRIFT_ATOL) is None
    except Exception:
        return False


def test_same_value_ignores_only_floating_point_noise():
    x = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    enc = lambda v: {"kind": "ndarray", "dtype": v.dtype.str, "shape": list(v.shape),
                     "data": v.ravel().tolist()}
    assert same_value(enc(x), enc(x * np.float32(1 + 2e-6)))
    assert not same_value(enc(x), enc(x * np.float32(1 + 1e-4)))
    assert not same_value(enc(x), enc(x[:2]))

SOURCES = [s for s in all_sources() if s.uses_checks]


def test_only_notebooks_with_checks_have_references():
    with_refs = {s.key for s in all_sources() if s.reference_path.exists()}
    assert with_refs == {s.key for s in SOURCES}


# Every mutant's run is needed only to see that its recorded mistake is still what it gives:
# tests/test_grading.py checks that already (each mutant's feedback carries its hint). So the
# drift test records the solution alone, but one notebook's whole reference, mistakes included,
# keeps the mutant side of `build_reference` under test.
WITH_MUTANTS = "week1_conv_step"


@pytest.mark.slow
@pytest.mark.parametrize("source", SOURCES, ids=[s.key for s in SOURCES])
def test_references_do_not_drift_from_the_solution(source):
    committed = json.loads(source.reference_path.read_text())
    with_mutants = source.key == WITH_MUTANTS
    fresh = json.loads(dumps(build_reference(source, with_mutants=with_mutants)))
    assert sorted(fresh["cases"]) == sorted(committed["cases"])
    drifted = {}
    for case_id, case in fresh["cases"].items():
        old = committed["cases"][case_id]
        if not same_value(case["expected"], old["expected"]):
            drifted[case_id] = "expected value"
        elif not with_mutants:
            continue
        elif [m["label"] for m in case["mistakes"]] != [m["label"] for m in old["mistakes"]]:
            drifted[case_id] = (f"mistakes {[m['label'] for m in old['mistakes']]} -> "
                                f"{[m['label'] for m in case['mistakes']]}")
        elif any(m["hint"] != n["hint"] or not same_value(m["value"], n["value"])
                 for m, n in zip(case["mistakes"], old["mistakes"])):
            drifted[case_id] = "a mistake's value or hint"
    assert drifted == {}, "references drifted from the solution: run `make refs`"


def test_the_mutant_side_is_drift_tested_on_a_notebook_with_mutants():
    assert WITH_MUTANTS in {s.key for s in SOURCES}
    assert any(c["mistakes"] for c in json.loads(
        next(s for s in SOURCES if s.key == WITH_MUTANTS).reference_path.read_text())["cases"].values())


@pytest.mark.parametrize("source", SOURCES, ids=[s.key for s in SOURCES])
def test_every_check_call_has_a_reference(source):
    import re
    committed = json.loads(source.reference_path.read_text())["cases"]
    called = set()
    for cell in source.notebook().cells:
        called |= set(re.findall(r"check\(\s*[\"']([A-Za-z0-9_]+)[\"']", cell.source))
    assert called and called <= set(committed), called - set(committed)
