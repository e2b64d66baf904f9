"""No answer key where student code runs: hostile graded functions that go looking for one.

Each attack below worked (or, for the stand-ins and the vectorised code, would work) against a
kernel that can read the hidden cases' expected values or solution code. Graded both ways a
course grades, the batch (``graders.batch``) and ``nbgrader autograde`` (what
``python -m graders grade`` runs), each must cost exactly the attacked functions' points and
nothing else.
"""
from __future__ import annotations

import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from graders import batch  # noqa: E402
from graders.course import Course  # noqa: E402
from graders.refs import expected_path  # noqa: E402
from graders.sources import ROOT, all_sources, find_source, grade_cells, splice  # noqa: E402
from utils.checks import is_hidden  # noqa: E402

from test_batch import (ALWAYS_EQUAL_ZERO_PAD, BLANK_LATER_CELLS, NOISY_ZERO_PAD,  # noqa: E402
                        PATCHED_ALLCLOSE)

SOURCE = find_source("week1_conv_step")
POINTS = grade_cells(SOURCE.notebook())
FULL = sum(POINTS.values())

# The attack of the issue: the case id from the calling test cell's source (linecache), the
# expected value from the reference files, by path from utils/.
KEY_BY_PATH = """
_case_ids = []

def conv_single_step(a_slice_prev, W, b):
    import inspect, json, linecache, pathlib, re
    import utils.checks
    from utils.checks import decode
    if not _case_ids:
        caller = inspect.currentframe().f_back
        cell = "".join(linecache.getlines(caller.f_code.co_filename))
        _case_ids.extend(re.findall(r'check\\("(conv_single_step[a-z_0-9]*)"', cell))
    case = _case_ids.pop(0)
    root = pathlib.Path(utils.checks.__file__).resolve().parents[1]
    for path in [*root.glob("graders/reference/*.json"), *root.glob("utils/expected/*.json")]:
        cases = json.loads(path.read_text())["cases"]
        if case in cases:
            return decode(cases[case]["expected"])
    raise LookupError(case)
"""

# Every dict in the kernel's memory that holds a hidden case of zero_pad.
KEY_BY_GC = """
_answers = []

def zero_pad(X, pad):
    import gc
    from utils.checks import decode
    if not _answers:
        for obj in gc.get_objects():
            if isinstance(obj, dict):
                for case in sorted(k for k in obj if isinstance(k, str) and k.startswith("zero_pad_")):
                    if isinstance(obj[case], dict) and "expected" in obj[case]:
                        _answers.append(decode(obj[case]["expected"]))
    return _answers.pop(0) if _answers else np.zeros((1,))
"""

# utils.checks' own internals: the kernel-side reference of this notebook.
KEY_BY_INTERNALS = """
def distribute_value(dz, shape):
    from utils.checks import NotebookChecks, decode
    cases = NotebookChecks("week1_conv_step").expected["cases"]
    for case in sorted(cases):
        value = decode(cases[case]["expected"])
        if case.startswith("distribute_value") and np.shape(value) == tuple(shape):
            return value
    return np.zeros(shape)
"""

# The stand-ins other functions' tests use, called for the helper's own tests.
STAND_INS = """
def zero_pad(X, pad):
    return stand_ins("zero_pad")["zero_pad"](X, pad)
""", """
def create_mask_from_window(x):
    return stand_ins("create_mask_from_window")["create_mask_from_window"](x)
""", """
def distribute_value(dz, shape):
    return stand_ins("distribute_value")["distribute_value"](dz, shape)
""", """
def conv_single_step(a_slice_prev, W, b):
    return stand_ins("conv_single_step")["conv_single_step"](a_slice_prev, W, b)
"""

# The course's vectorised convolution, which computes what three graded functions must.
VECTORISED = """
def conv_forward(A_prev, W, b, hparameters):
    from utils.fastconv import conv_forward_fast
    return conv_forward_fast(A_prev, W, b, hparameters)[0], (A_prev, W, b, hparameters)
""", """
def pool_forward(A_prev, hparameters, mode="max"):
    from utils.fastconv import pool_forward_fast
    return pool_forward_fast(A_prev, hparameters, mode)[0], (A_prev, hparameters)
"""

ATTACKS = {   # student: ([(function, code)], the functions whose points it must lose)
    "by_path": ([("conv_single_step", KEY_BY_PATH)], {"conv_single_step"}),
    "by_gc": ([("zero_pad", KEY_BY_GC)], {"zero_pad"}),
    "by_internals": ([("distribute_value", KEY_BY_INTERNALS)], {"distribute_value"}),
    "stand_ins": ([(name, code) for name, code in zip(
        ("zero_pad", "create_mask_from_window", "distribute_value", "conv_single_step"), STAND_INS)],
        {"zero_pad", "create_mask_from_window", "distribute_value", "conv_single_step"}),
    "vectorised": ([("conv_forward", VECTORISED[0]), ("pool_forward", VECTORISED[1])],
                   {"conv_forward", "pool_forward"}),
}


# Notebooks on which nbgrader's in-kernel verdicts and the verified ones used to differ: the
# preview (``graders grade``) and the batch must now give the same scores.
FUNCTIONS = {gid.rsplit("_tests", 1)[0] for gid in POINTS}
HOSTILE = {
    "stderr": ([("zero_pad", NOISY_ZERO_PAD)], set()),
    "patched_allclose": ([("zero_pad", PATCHED_ALLCLOSE)], {"zero_pad"}),
    "equals_anything": ([("zero_pad", ALWAYS_EQUAL_ZERO_PAD)], {"zero_pad"}),
    "blank_later_cells": ([("zero_pad", BLANK_LATER_CELLS + "\n" + next(
        c.source for c in SOURCE.notebook().cells if c.source.startswith("# GRADED FUNCTION: zero_pad")
    ).split("\n", 1)[1])], FUNCTIONS),
}
CASES = {**ATTACKS, **HOSTILE}


def attacked(function_code: list[tuple[str, str]]):
    nb = SOURCE.notebook()
    for function, code in function_code:
        nb = splice(nb, function, code)
    return nb


def expected_scores(lost: set[str]) -> dict[str, float]:
    return {gid: 0.0 if gid.rsplit("_tests", 1)[0] in lost else points
            for gid, points in POINTS.items()}


# --------------------------------------------------------------------------- the files
def test_kernel_files_hold_no_hidden_expected_value():
    """utils/expected/ (what a kernel reads) has every visible case and no hidden value."""
    checked = 0
    for source in all_sources():
        if not source.reference_path.exists():
            continue
        key = json.loads(source.reference_path.read_text())["cases"]
        kernel_text = expected_path(source).read_text()
        kernel = json.loads(kernel_text)
        assert set(kernel["cases"]) == {c for c in key if not is_hidden(c)}, source.key
        assert set(kernel["hidden"]) == {c for c in key if is_hidden(c)}, source.key
        for case_id in kernel["hidden"]:
            # the expected value, and the wrong answers hints recognise (from which it could
            # be worked back), appear nowhere in what the kernel reads
            for value in [key[case_id]["expected"]] + [m["value"] for m in key[case_id]["mistakes"]]:
                if value["kind"] == "ndarray" and "f" in value["dtype"] and len(value["data"]) > 1:
                    assert json.dumps(value["data"])[1:-1] not in kernel_text, case_id
                    checked += 1
    assert checked >= 20


def test_case_ids_are_unique_and_scoped_to_one_notebook():
    from graders.refs import record
    from graders.sources import graded_functions

    for source in all_sources():
        if not source.reference_path.exists():
            continue
        pairs = json.loads(source.reference_path.read_text(), object_pairs_hook=lambda p: p)
        ids = [case for case, _ in dict(pairs)["cases"]]
        assert len(ids) == len(set(ids)), source.key
        functions = graded_functions(source.notebook())
        assert all(any(c.startswith(f + "_") for f in functions) for c in ids), source.key
    # recording refuses a case checked twice
    import nbformat

    nb = SOURCE.notebook()
    imports = next(c for c in nb.cells if "notebook_checks(" in c.source)
    # an autograded test cell: recording runs the cells the tests need (graders.verify)
    test_cell = nbformat.v4.new_code_cell('check("dup", 1.0)\ncheck("dup", 2.0)', metadata={
        "nbgrader": {"grade": True, "grade_id": "dup_tests", "points": 1, "solution": False,
                     "locked": True, "schema_version": 3}})
    nb.cells = [imports, test_cell]
    _, errors, _ = record(nb)
    assert any("dup is checked twice" in e for e in errors), errors


def test_the_sandbox_does_not_show_the_answer_key_or_vectorised_code():
    from graders import sandbox

    command = sandbox.sandboxed(["true"], "/tmp/w", "/tmp/i")
    shown = {command[i + 1] for i, arg in enumerate(command) if arg in ("--ro-bind", "--bind")}
    assert str(ROOT / "utils") in shown and str(ROOT / "data") in shown
    assert not [path for path in shown if path.startswith(str(ROOT / "graders"))
                and "sandbox_stubs" not in path]
    stub = command.index(str(ROOT / "utils" / "fastconv.py"))
    assert command[stub - 2] == "--ro-bind" and "sandbox_stubs" in command[stub - 1]


# --------------------------------------------------------------------------- grading the attacks
@pytest.fixture(scope="module")
def batch_results():
    with Course([SOURCE]) as scratch:
        name = f"{SOURCE.stem}.ipynb"
        scratch.submit("control", SOURCE, SOURCE.notebook())
        for student, (code, _) in CASES.items():
            scratch.submit(student, SOURCE, attacked(code))
        results = batch.autograde(scratch.root, [SOURCE.assignment], workers=2, timeout=120,
                                  log=lambda line: None, sandbox=True, feedback=False)
        assert name
        yield {r["student"]: r for r in results}


@pytest.mark.slow
@pytest.mark.parametrize("student", sorted(CASES))
def test_attacks_score_zero_in_the_batch(batch_results, student):
    tests = {t["id"]: t["score"] for nb in batch_results[student]["notebooks"] for t in nb["tests"]}
    assert tests == expected_scores(CASES[student][1])


@pytest.mark.slow
def test_the_control_scores_full_marks_next_to_the_attacks(batch_results):
    assert batch_results["control"]["score"] == FULL


@pytest.fixture(scope="module")
def nbgrader_results():
    from graders.course import grade_notebooks

    return grade_notebooks(SOURCE, {student: attacked(code) for student, (code, _) in CASES.items()})


@pytest.mark.slow
@pytest.mark.parametrize("student", sorted(CASES))
def test_attacks_score_zero_under_nbgrader_autograde(nbgrader_results, student):
    """The same notebooks through ``nbgrader autograde`` (what ``graders grade`` runs)."""
    assert nbgrader_results[student].by_test() == expected_scores(CASES[student][1])


@pytest.mark.slow
def test_the_preview_and_the_batch_agree_test_by_test(nbgrader_results, batch_results):
    for student in CASES:
        batch_scores = {t["id"]: t["score"] for nb in batch_results[student]["notebooks"]
                        for t in nb["tests"]}
        assert nbgrader_results[student].by_test() == batch_scores, student


@pytest.mark.slow
def test_a_stand_in_says_which_call_it_refused(nbgrader_results):
    messages = {t.id: t.message for t in nbgrader_results["stand_ins"].tests}
    assert "a call a correct solution never makes" in messages["zero_pad_tests"]
    assert "called zero_pad(X=an array of shape" in messages["zero_pad_tests"]


def test_a_stand_in_answers_only_the_calls_it_recorded():
    from utils.checks import StandIn, call_key, encode

    params = ["X", "pad"]
    X = np.arange(4.0).reshape(1, 2, 2, 1)
    padded = np.pad(X, ((0, 0), (1, 1), (1, 1), (0, 0)))
    table = {"params": params, "calls": {call_key(params, (X, 1), {}): encode(padded)}}
    zero_pad = StandIn("zero_pad", table)
    assert np.array_equal(zero_pad(X, 1), padded)
    assert np.array_equal(zero_pad(pad=np.int64(1), X=X.copy()), padded)   # same values, any form
    with pytest.raises(ValueError, match=r"called zero_pad\(X=an array of shape \(1, 2, 2, 1\), pad=int 2\)"):
        zero_pad(X, 2)
    with pytest.raises(ValueError, match="never makes"):
        zero_pad(X + 1e-12, 1)
    with pytest.raises(TypeError, match="unexpected argument 'p'"):
        zero_pad(X, p=1)


def test_a_test_cell_that_logs_nothing_fails_verification():
    """Finishing is not passing: a test cell must log the values it judges."""
    from graders.verify import verdicts

    records = [{"mark": "start", "cell": gid} for gid in POINTS]
    records += [{"mark": "done", "cell": gid} for gid in POINTS]
    judged = verdicts(SOURCE, records)
    assert not any(v.passed for v in judged.values())
    assert "produced no value" in judged["zero_pad_tests"].reason


def test_every_test_cell_checks_values():
    import re

    for source in all_sources():
        for cell in source.notebook().cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if meta.get("grade") and not meta.get("solution"):
                assert re.search(r"\bcheck(_model)?\(", cell.source), (source.key, meta["grade_id"])


def test_hidden_cases_are_exactly_those_inside_hidden_test_blocks():
    """``is_hidden`` (an id with "hidden") decides what a kernel may know, so it must agree with
    where the check sits: every case-id literal inside ``### BEGIN HIDDEN TESTS`` (stripped from
    the release) says "hidden", and none outside does."""
    import re

    from graders.sources import graded_functions

    literal = re.compile(r"""f?["']([A-Za-z0-9_]+)""")
    for source in all_sources():
        functions = tuple(f + "_" for f in graded_functions(source.notebook()))
        inside, outside = set(), set()
        for cell in source.notebook().cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if not (meta.get("grade") and not meta.get("solution")):
                continue
            blocks = re.split(r"### (?:BEGIN|END) HIDDEN TESTS", cell.source)
            for i, text in enumerate(blocks):
                ids = {m for m in literal.findall(text) if m.startswith(functions)}
                (inside if i % 2 else outside).update(ids)
        assert inside and all(is_hidden(c) for c in inside), (source.key, inside)
        # a quiz has no visible case: its test cells check only the answer's form
        assert outside or source.stem == "quiz", source.key
        assert not any(is_hidden(c) for c in outside), (source.key, outside)


def test_a_stand_in_fills_left_out_arguments_from_the_recorded_defaults(monkeypatch, tmp_path):
    """A helper with default arguments: the call that leaves one out is the call with its
    default, in record mode and in replay, and a different value is a different call."""
    from utils import checks
    from utils.checks import StandIn, decode

    def keep_above(scores, threshold=0.6):
        return scores[scores >= threshold]

    log = tmp_path / "record.jsonl"
    monkeypatch.setenv(checks.RECORD_ENV, str(log))
    scores = np.array([0.2, 0.55, 0.7])
    recorder = StandIn("keep_above", None, real=keep_above)
    recorder(scores)                      # threshold left out: recorded as threshold=0.6
    recorder(scores, threshold=0.5)
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert decode(entries[0]["defaults"]["threshold"]) == 0.6
    table = {"params": entries[0]["params"], "defaults": entries[0]["defaults"],
             "calls": {e["key"]: e["value"] for e in entries}}
    monkeypatch.delenv(checks.RECORD_ENV)
    replay = StandIn("keep_above", table)
    np.testing.assert_array_equal(replay(scores), [0.7])
    np.testing.assert_array_equal(replay(scores, 0.6), [0.7])
    np.testing.assert_array_equal(replay(scores, threshold=0.5), [0.55, 0.7])
    with pytest.raises(ValueError, match="never makes"):
        replay(scores, 0.4)
    without_defaults = StandIn("keep_above", {k: v for k, v in table.items() if k != "defaults"})
    with pytest.raises(TypeError, match="missing argument threshold"):
        without_defaults(scores)


def test_recording_runs_only_the_cells_the_tests_need():
    """A lesson cell no test depends on is not run when references are recorded (a demo or a
    long optimisation costs nothing); one that binds a name a test reads is."""
    import nbformat

    from graders.refs import record

    nb = SOURCE.notebook()
    imports = next(c for c in nb.cells if "notebook_checks(" in c.source)
    grading = {"nbgrader": {"grade": True, "grade_id": "lean_tests", "points": 1,
                            "solution": False, "locked": True, "schema_version": 3}}
    nb.cells = [imports,
                nbformat.v4.new_code_cell('raise RuntimeError("a demo nobody needs")'),
                nbformat.v4.new_code_cell("needed = 41"),
                nbformat.v4.new_code_cell('check("lean", needed + 1.0)', metadata=grading)]
    values, errors, _ = record(nb)
    assert errors == []
    assert values["lean"]["value"] == {"kind": "float", "data": 42.0}
