"""Test-cell helpers: compare a learner's output with the reference and explain the difference.

A test cell calls ``check(case_id, got)``. The expected value for every case id is stored in
``graders/reference/<notebook>.json``; that file is written by ``python -m graders refs``, which
runs the solution notebook's own test cells in *record mode* (environment variable
``CNN_COURSE_RECORD`` set to a file path), so the visible code in a test cell is the only place
where a case's inputs are defined.

The same run is repeated with each deliberately wrong implementation in ``graders/mutants/``; the
outputs those produce are stored beside the expected value, so that when a learner's output equals
one of them the feedback can name the likely mistake.

``check`` prints what it compared ("expected ... got ...") and raises ``AssertionError`` with a
message a learner can act on, which is what nbgrader needs to score a test cell.
"""
from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import numpy as np

RECORD_ENV = "CNN_COURSE_RECORD"
# The batch grader's log: every case's value is written to it *and* compared as usual, so one
# run gives nbgrader its verdict (an error or not) and the grader values to re-verify.
GRADING_LOG_ENV = "CNN_COURSE_GRADING_LOG"
REFERENCE_DIR = Path(__file__).resolve().parent.parent / "graders" / "reference"
RTOL = 1e-5
ATOL = 1e-7

_references: dict | None = None


# --------------------------------------------------------------------------- encoding
def encode(value) -> dict:
    """Turn a test output (Python scalar, NumPy scalar or array) into a JSON-ready dict."""
    if isinstance(value, (bool, np.bool_)):
        return {"kind": "bool", "data": bool(value)}
    if isinstance(value, np.ndarray):
        return {
            "kind": "ndarray",
            "dtype": value.dtype.str,
            "shape": list(value.shape),
            "data": np.asarray(value).ravel().tolist(),
        }
    if isinstance(value, (int, np.integer)):
        return {"kind": "int", "data": int(value)}
    if isinstance(value, (float, np.floating)):
        return {"kind": "float", "data": float(value)}
    if isinstance(value, (tuple, list)):
        return {"kind": type(value).__name__, "items": [encode(v) for v in value]}
    if isinstance(value, dict) and "steps" in value:   # a model description (utils.modelcheck)
        return {"kind": "model", "data": value}
    raise TypeError(f"check() cannot store a value of type {type(value).__name__}")


def decode(record: dict):
    kind = record["kind"]
    if kind == "model":
        return record["data"]
    if kind == "ndarray":
        return np.array(record["data"], dtype=np.dtype(record["dtype"])).reshape(record["shape"])
    if kind in ("tuple", "list"):
        items = [decode(r) for r in record["items"]]
        return tuple(items) if kind == "tuple" else items
    return {"bool": bool, "int": int, "float": float}[kind](record["data"])


# --------------------------------------------------------------------------- references
def load_references(reload: bool = False) -> dict:
    """All reference cases of the course, keyed by case id (ids are unique course-wide)."""
    global _references
    if _references is None or reload:
        merged = {}
        for path in sorted(REFERENCE_DIR.glob("*.json")):
            merged.update(json.loads(path.read_text())["cases"])
        _references = merged
    return _references


# --------------------------------------------------------------------------- comparison
def _describe(value) -> str:
    if isinstance(value, dict) and "steps" in value:
        from utils.modelcheck import summary_table

        return "\n" + summary_table(value)
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return f"0-d array({value.item()!r})"
        if value.size <= 8:
            return f"array of shape {value.shape}: {np.array2string(value.ravel(), precision=6)}"
        flat = np.array2string(value.ravel()[:4], precision=6)
        return f"array of shape {value.shape}, first values {flat[:-1]} ...]"
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.10g}"
    return repr(value)


def _mismatch(got, expected, name: str, rtol: float = RTOL, atol: float = ATOL) -> str | None:
    """None when ``got`` equals ``expected``; else one sentence saying how it differs."""
    if isinstance(expected, dict):
        from utils.modelcheck import compare

        if not (isinstance(got, dict) and "steps" in got):
            return f"{name} should be a Keras model, got {type(got).__name__}"
        return compare(got, expected)
    if isinstance(expected, tuple):
        if not isinstance(got, tuple) or len(got) != len(expected):
            return f"{name} should be a tuple of {len(expected)} items, got {_describe(got)}"
        for i, (g, e) in enumerate(zip(got, expected)):
            problem = _mismatch(g, e, f"{name}[{i}]", rtol, atol)
            if problem:
                return problem
        return None
    if isinstance(expected, bool):
        if not isinstance(got, (bool, np.bool_)):
            return f"{name} should be True or False, got {type(got).__name__}"
        return None if bool(got) == expected else f"{name} should be {expected}, got {bool(got)}"
    if isinstance(expected, (float, int)):
        if isinstance(got, np.ndarray):
            return (f"{name} should be a Python/NumPy scalar (a float), but it is an array of "
                    f"shape {got.shape}; convert a 0-d or size-1 result with float(...)")
        if not isinstance(got, (int, float, np.integer, np.floating)) or isinstance(got, bool):
            return f"{name} should be a number, got {type(got).__name__}"
        if np.isclose(float(got), float(expected), rtol=rtol, atol=atol):
            return None
        return f"{name} has the wrong value"
    # ndarray
    if not isinstance(got, np.ndarray):
        return f"{name} should be a NumPy array of shape {expected.shape}, got {type(got).__name__}"
    if got.shape != expected.shape:
        return f"{name} has shape {got.shape}, expected {expected.shape}"
    if expected.dtype == bool and got.dtype != bool:
        return f"{name} should be a boolean array, got dtype {got.dtype}"
    if not np.issubdtype(got.dtype, np.number) and got.dtype != bool:
        return f"{name} should hold numbers, got dtype {got.dtype}"
    if np.allclose(got, expected, rtol=rtol, atol=atol, equal_nan=False):
        return None
    wrong = ~np.isclose(got, expected, rtol=rtol, atol=atol)
    first = tuple(int(i) for i in np.argwhere(wrong)[0])
    return (f"{name} has the right shape {expected.shape} but {int(wrong.sum())} of "
            f"{expected.size} values differ; first at index {first}: expected "
            f"{expected[first]!r}, got {got[first]!r}")


def values_equal(got, expected) -> bool:
    try:
        return _mismatch(got, expected, "x") is None
    except Exception:
        return False


def _record(case_id: str, got, rtol: float = RTOL, atol: float = ATOL,
            env: str = RECORD_ENV) -> None:
    with open(os.environ[env], "a") as fh:
        fh.write(json.dumps({"case": case_id, "value": encode(got), "rtol": rtol, "atol": atol})
                 + "\n")


def check(case_id: str, got, name: str = "output", rtol: float = RTOL, atol: float = ATOL) -> None:
    """Compare ``got`` with the stored reference for ``case_id``.

    Prints "expected vs got" and raises AssertionError with a hint when they differ. Cases
    whose id contains "hidden" never print or quote reference values (feedback is shown to
    students).
    """
    if os.environ.get(RECORD_ENV):
        _record(case_id, got, rtol, atol)
        return
    if os.environ.get(GRADING_LOG_ENV):
        _record(case_id, got, rtol, atol, GRADING_LOG_ENV)
    references = load_references()
    if case_id not in references:
        raise KeyError(f"no reference output for test case {case_id!r}; "
                       "run `make refs` to regenerate graders/reference/")
    case = references[case_id]
    expected = decode(case["expected"])
    problem = _mismatch(got, expected, name, rtol, atol)
    hidden = "hidden" in case_id
    if not hidden:
        print(f"[{case_id}] expected {name}: {_describe(expected)}")
        print(f"[{case_id}]      got {name}: {_describe(got)}")
    if problem is None:
        print(f"[{case_id}] OK")
        return
    if hidden:  # feedback must not reveal a hidden case's reference values
        problem = problem.split("; first at index")[0]
        if isinstance(expected, dict):
            from utils.modelcheck import compare

            problem = compare(got, expected, reveal=False) or problem
    message = f"{case_id}: {problem}."
    for mistake in case.get("mistakes", []):
        if values_equal(got, decode(mistake["value"])):
            message += f" Likely mistake: {mistake['hint']}"
            break
    raise AssertionError(message)


def check_model(case_id: str, model, name: str = "model") -> None:
    """Compare a Keras model's layers, shapes and parameter counts with the reference's.

    See ``utils.modelcheck.describe`` for what is compared (and what deliberately is not).
    """
    from utils.modelcheck import describe

    check(case_id, describe(model), name=name)


# --------------------------------------------------------------------------- isolation
@contextlib.contextmanager
def trusted_helpers(function, **replacements):
    """Temporarily replace global names that ``function`` looks up, e.g. a helper it calls.

    Graded functions often call other graded functions (``conv_forward`` calls ``zero_pad``).
    Tests run them with trusted stand-ins so that a bug in one function costs only its own points:

        with trusted_helpers(conv_forward, zero_pad=lambda X, pad: ...):
            Z, cache = conv_forward(...)
    """
    namespace = function.__globals__
    missing = object()
    saved = {name: namespace.get(name, missing) for name in replacements}
    namespace.update(replacements)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is missing:
                namespace.pop(name, None)
            else:
                namespace[name] = value
