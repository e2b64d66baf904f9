"""Reference outputs are exactly what the solutions (and mutants) produce today."""
import json

import pytest

from graders.refs import build_reference, dumps
from graders.sources import all_sources

SOURCES = [s for s in all_sources() if s.uses_checks]


def test_only_notebooks_with_checks_have_references():
    with_refs = {s.key for s in all_sources() if s.reference_path.exists()}
    assert with_refs == {s.key for s in SOURCES}


@pytest.mark.slow
@pytest.mark.parametrize("source", SOURCES, ids=[s.key for s in SOURCES])
def test_references_do_not_drift_from_the_solution(source):
    committed = json.loads(source.reference_path.read_text())
    fresh = json.loads(dumps(build_reference(source)))
    assert sorted(fresh["cases"]) == sorted(committed["cases"])
    drifted = {}
    for case_id, case in fresh["cases"].items():
        old = committed["cases"][case_id]
        if case["expected"] != old["expected"]:
            drifted[case_id] = "expected value"
        elif [m["label"] for m in case["mistakes"]] != [m["label"] for m in old["mistakes"]]:
            drifted[case_id] = (f"mistakes {[m['label'] for m in old['mistakes']]} -> "
                                f"{[m['label'] for m in case['mistakes']]}")
        elif case != old:
            drifted[case_id] = "a mistake's value or hint"
    assert drifted == {}, "references drifted from the solution: run `make refs`"


@pytest.mark.parametrize("source", SOURCES, ids=[s.key for s in SOURCES])
def test_every_check_call_has_a_reference(source):
    import re
    committed = json.loads(source.reference_path.read_text())["cases"]
    called = set()
    for cell in source.notebook().cells:
        called |= set(re.findall(r"check\(\s*[\"']([A-Za-z0-9_]+)[\"']", cell.source))
    assert called and called <= set(committed), called - set(committed)
