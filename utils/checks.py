"""Test-cell helpers: compare a learner's output with the reference and explain the difference.

Each notebook's imports cell scopes the helpers to its own test cases::

    check, check_model, stand_ins = notebook_checks("week1_conv_step")

A test cell then calls ``check(case_id, got)``. Reference values are recorded by
``python -m graders refs``, which runs the solution notebook's own test cells in *record mode*
(environment variable ``CNN_COURSE_RECORD`` set to a file path), so the visible code in a test
cell is the only place where a case's inputs are defined. The same is done with each
deliberately wrong implementation in ``graders/mutants/``; their outputs become "likely
mistake" hints.

What a notebook's kernel can read is **only the visible cases**: ``utils/expected/<key>.json``
holds their expected values and hints, the ids of the hidden cases, and the replay tables of
the helper stand-ins (below). Hidden cases' expected values live in
``graders/reference/<key>.json``, which only the grading process reads. In a kernel,
``check`` on a hidden case compares nothing: it writes the value to the grading log when one
is open (``CNN_COURSE_GRADING_LOG``), and the grader judges it outside the kernel
(``graders.verify``), with the same ``judge`` function used here for visible cases.

**Stand-ins.** A graded function that calls another graded function (``conv_forward`` calls
``zero_pad``) is tested with a stand-in for the helper, so a bug in one costs only its own
points. A stand-in holds no code of the helper: it replays the outputs the solution's helper
gave for exactly the arguments the solution passed it in these tests, and refuses any other
call with a message saying which argument differs.
"""
from __future__ import annotations

import contextlib
import hashlib
import inspect
import json
import os
import re
import sys
from pathlib import Path
from typing import NamedTuple

import numpy as np

RECORD_ENV = "CNN_COURSE_RECORD"
# The grading log: each case's value is written to it and judged outside the kernel.
GRADING_LOG_ENV = "CNN_COURSE_GRADING_LOG"
EXPECTED_DIR = Path(__file__).resolve().parent / "expected"
RTOL = 1e-5
ATOL = 1e-7


def is_hidden(case_id: str) -> bool:
    """Hidden cases (inside ``### BEGIN HIDDEN TESTS``) have "hidden" in their id."""
    return "hidden" in case_id


# --------------------------------------------------------------------------- encoding
class Raised(NamedTuple):
    """What a call raised, as a test value: the error's type and its first lines of text, without
    the object names (``keras_tensor_121``) and colour codes that vary from run to run."""
    error: str
    summary: str

    @classmethod
    def of(cls, exc: BaseException) -> "Raised":
        text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))
        text = re.sub(r"keras_tensor_\d+", "keras_tensor", text)
        lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
        return cls(type(exc).__name__, " ".join(lines[:2])[:300])


def encode(value) -> dict:
    """Turn a test output (Python scalar, NumPy scalar or array, a string or None, or a tuple
    or list of them) into a JSON-ready dict."""
    if value is None:
        return {"kind": "none"}
    if isinstance(value, str):
        return {"kind": "str", "data": str(value)}
    if isinstance(value, Raised):
        return {"kind": "raised", "error": value.error, "summary": value.summary}
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
    if hasattr(value, "__array__") and hasattr(value, "shape"):   # a TensorFlow or JAX tensor
        return encode(np.asarray(value))
    raise TypeError(f"check() cannot store a value of type {type(value).__name__}")


def decode(record: dict):
    kind = record["kind"]
    if kind == "none":
        return None
    if kind == "raised":
        return Raised(record["error"], record["summary"])
    if kind == "model":
        return record["data"]
    if kind == "ndarray":
        return np.array(record["data"], dtype=np.dtype(record["dtype"])).reshape(record["shape"])
    if kind in ("tuple", "list"):
        items = [decode(r) for r in record["items"]]
        return tuple(items) if kind == "tuple" else items
    return {"bool": bool, "int": int, "float": float, "str": str}[kind](record["data"])


# --------------------------------------------------------------------------- comparison
def _describe(value) -> str:
    if isinstance(value, Raised):
        return f"{value.error}: {value.summary}"
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
    if isinstance(got, Raised) or isinstance(expected, Raised):
        if got == expected:
            return None
        if isinstance(got, Raised):
            return f"making {name} raised {_describe(got)}"
        return f"making {name} should raise {expected.error}, but it gave {_describe(got)}"
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
    if expected is None or isinstance(expected, str):
        same = got is None if expected is None else (isinstance(got, str) and got == expected)
        return None if same else f"{name} should be {expected!r}, got {_describe(got)}"
    if isinstance(expected, bool):
        if not isinstance(got, (bool, np.bool_)):
            return f"{name} should be True or False, got {type(got).__name__}"
        return None if bool(got) == expected else f"{name} should be {expected}, got {bool(got)}"
    if isinstance(expected, (float, int)):
        if isinstance(got, np.ndarray):
            return (f"{name} should be a Python/NumPy scalar (a float), but it is an array of "
                    f"shape {got.shape}; take the number out of a size-1 result with .item()")
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
            f"{expected[first].item()!r}, got {got[first].item()!r}")


def values_equal(got, expected) -> bool:
    try:
        return _mismatch(got, expected, "x") is None
    except Exception:
        return False


def _accuracy_problem(got, labels: np.ndarray, minimum: float, name: str) -> str | None:
    """None when the predicted labels ``got`` reach ``minimum`` accuracy on ``labels``."""
    if not isinstance(got, np.ndarray) or got.size != labels.size:
        return (f"{name} should be {labels.size} predicted labels, got "
                f"{_describe(got) if isinstance(got, np.ndarray) else type(got).__name__}")
    accuracy = float(np.mean(got.ravel() == labels.ravel()))
    if accuracy >= minimum:
        return None
    return f"{name} reach {accuracy:.3f} accuracy on the test set; the test needs {minimum:g}"


def judge(case_id: str, case: dict, got, name: str = "output", reveal: bool | None = None) -> str | None:
    """None when ``got`` passes reference ``case``; else a message a learner can act on, naming
    the likely mistake when ``got`` equals a known wrong implementation's output.

    ``reveal`` (default: not for hidden cases) allows quoting reference values in the message.
    """
    reveal = not is_hidden(case_id) if reveal is None else reveal
    expected = decode(case["expected"])
    rtol, atol = float(case.get("rtol", RTOL)), float(case.get("atol", ATOL))
    if "minimum" in case:
        problem = _accuracy_problem(got, expected, float(case["minimum"]), name)
    else:
        problem = _mismatch(got, expected, name, rtol, atol)
    if problem is None:
        return None
    if not reveal:  # never quote a hidden case's reference values
        problem = problem.split("; first at index")[0]
        if isinstance(expected, str):
            problem = f"{name} = {_describe(got)} is not the right answer"
        if isinstance(expected, dict) and not isinstance(got, Raised):
            from utils.modelcheck import compare

            problem = compare(got, expected, reveal=False) or problem
    message = f"{case_id}: {problem}."
    for mistake in case.get("mistakes", []):
        if values_equal(got, decode(mistake["value"])):
            message += f" Likely mistake: {mistake['hint']}"
            break
    return message


# --------------------------------------------------------------------------- logs
def _append(env: str, item: dict) -> None:
    with open(os.environ[env], "a") as fh:
        fh.write(json.dumps(item) + "\n")


def log_value(case_id: str, got, name: str = "output") -> None:
    """Write a case's value (and what the test calls it) to the grading log, if one is open:
    the grader judges it."""
    if os.environ.get(GRADING_LOG_ENV):
        try:
            value = encode(got)
        except TypeError:
            value = {"kind": "unencodable", "type": type(got).__name__}
        _append(GRADING_LOG_ENV, {"case": case_id, "value": value, "name": str(name)[:80]})


# --------------------------------------------------------------------------- stand-ins
def _canonical(value, hasher) -> None:
    """Feed a canonical form of a helper's argument to ``hasher``: numbers as float64 (size-1
    arrays as scalars, -0.0 as 0.0), containers item by item, dicts by sorted key."""
    if isinstance(value, dict):
        hasher.update(b"{")
        for key in sorted(value, key=str):
            hasher.update(str(key).encode() + b":")
            _canonical(value[key], hasher)
        hasher.update(b"}")
    elif isinstance(value, (tuple, list)):
        hasher.update(b"(")
        for item in value:
            _canonical(item, hasher)
            hasher.update(b",")
        hasher.update(b")")
    else:
        try:
            array = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            hasher.update(b"?" + repr(value).encode())
            return
        if array.size == 1:
            array = array.reshape(())
        array = np.ascontiguousarray(array + 0.0)
        hasher.update(f"a{array.shape}".encode() + array.tobytes())


def call_key(params: list[str], args: tuple, kwargs: dict, defaults: dict | None = None) -> str:
    """The replay table's key for a call with these arguments (bound to ``params`` by name;
    an argument left out takes its value from ``defaults``, as Python would)."""
    if len(args) > len(params):
        raise TypeError(f"takes {len(params)} arguments ({', '.join(params)}) but got {len(args)}")
    bound = dict(zip(params, args))
    for name, value in kwargs.items():
        if name not in params:
            raise TypeError(f"got an unexpected argument {name!r} (it takes {', '.join(params)})")
        if name in bound:
            raise TypeError(f"got two values for argument {name!r}")
        bound[name] = value
    for name, value in (defaults or {}).items():
        bound.setdefault(name, value)
    missing = [p for p in params if p not in bound]
    if missing:
        raise TypeError(f"missing argument {', '.join(missing)}")
    hasher = hashlib.blake2b(digest_size=12)
    for name in params:
        _canonical(bound[name], hasher)
    return hasher.hexdigest()


def _summary(value) -> str:
    if isinstance(value, np.ndarray) or (hasattr(value, "__array__") and hasattr(value, "shape")):
        return f"an array of shape {tuple(value.shape)}"
    if isinstance(value, (tuple, list)):
        return repr(tuple(value)) if len(value) <= 4 else f"a {type(value).__name__} of {len(value)}"
    return f"{type(value).__name__} {value!r}"[:60]


class StandIn:
    """Takes the place of graded helper ``name`` while another function is tested.

    In record mode it calls ``real`` (the solution's helper) and records each call; elsewhere
    it answers only the calls recorded then, from ``table`` (``{"params": [...], "calls":
    {key: encoded output}, "mistakes": {key: hint}}``: calls the course's mutants made, named
    when a learner's function makes the same one; and ``"defaults": {param: encoded value}``
    when the helper has default arguments).
    """

    def __init__(self, name: str, table: dict | None, real=None):
        self.name, self.table, self.real = name, table, real
        self.__name__ = name

    def __call__(self, *args, **kwargs):
        if self.real is not None:
            signature = inspect.signature(self.real).parameters
            params = list(signature)
            defaults = {name: p.default for name, p in signature.items()
                        if p.default is not inspect.Parameter.empty}
            value = encode(self.real(*args, **kwargs))
            entry = {"replay": self.name, "params": params,
                     "key": call_key(params, args, kwargs, defaults), "value": value}
            if defaults:
                entry["defaults"] = {name: encode(v) for name, v in defaults.items()}
            _append(RECORD_ENV, entry)
            return decode(value)   # exactly what a replay returns (NumPy, not tensors)
        if not self.table:
            raise RuntimeError(f"no recorded calls of {self.name}; run `make refs`")
        params = self.table["params"]
        defaults = {name: decode(v) for name, v in self.table.get("defaults", {}).items()}
        try:
            key = call_key(params, args, kwargs, defaults)
        except TypeError as error:
            raise TypeError(f"{self.name}() {error}") from None
        if key not in self.table["calls"]:
            shown = ", ".join(f"{p}={_summary(v)}" for p, v in zip(params, args))
            hint = self.table.get("mistakes", {}).get(key)
            raise ValueError(
                f"the tested function called {self.name}({shown}), a call a correct solution "
                f"never makes in this test. During this test {self.name} is a stand-in that "
                f"answers only the calls the reference solution makes; check the arguments you "
                f"pass to {self.name} (which slice, which shape, which pad)."
                + (f" Likely mistake: {hint}" if hint else ""))
        return decode(self.table["calls"][key])


# --------------------------------------------------------------------------- one notebook's checks
def load_expected(key: str) -> dict:
    """The kernel-side reference of notebook ``key``: visible cases, hidden ids, replay tables."""
    path = EXPECTED_DIR / f"{key}.json"
    if not path.exists():
        raise FileNotFoundError(f"no reference file {path.name} in utils/expected/; run `make refs`")
    return json.loads(path.read_text())


class NotebookChecks:
    """``check``, ``check_model``, ``check_accuracy`` and ``stand_ins`` for one notebook."""

    def __init__(self, key: str):
        self.key = key
        self._expected: dict | None = None

    @property
    def expected(self) -> dict:
        if self._expected is None:
            self._expected = load_expected(self.key)
        return self._expected

    def check(self, case_id: str, got, name: str = "output", rtol: float = RTOL,
              atol: float = ATOL, minimum: float | None = None, labels=None) -> None:
        """Compare ``got`` with the reference for ``case_id`` (visible cases) or log it for the
        grader (hidden cases). Prints "expected vs got"; raises AssertionError with a hint.

        ``minimum``, ``labels``: ``got`` are predicted labels that must reach this accuracy;
        ``labels`` (the true ones) are recorded as the reference, and ignored when grading;
        a known wrong implementation is named when its predictions are exactly ``got``.
        """
        if os.environ.get(RECORD_ENV):
            item = {"case": case_id, "value": encode(got), "rtol": rtol, "atol": atol}
            if minimum is not None:
                # the labels are the reference; the predictions name a mutant's mistake
                item.update(value=encode(np.asarray(labels)), minimum=minimum,
                            predicted=encode(got))
            _append(RECORD_ENV, item)
            return
        log_value(case_id, got, name)
        cases = self.expected["cases"]
        if case_id not in cases:
            if case_id in self.expected.get("hidden", []):
                return          # judged by the grader, outside this kernel
            raise KeyError(f"no reference output for test case {case_id!r} in {self.key}; "
                           "run `make refs` to regenerate the references")
        case = cases[case_id]
        expected = decode(case["expected"])
        if "minimum" in case:
            print(f"[{case_id}] needs {name} with accuracy >= {case['minimum']:g}")
        else:
            print(f"[{case_id}] expected {name}: {_describe(expected)}")
            print(f"[{case_id}]      got {name}: {_describe(got)}")
        problem = judge(case_id, case, got, name)
        if problem is None:
            print(f"[{case_id}] OK")
            return
        raise AssertionError(problem)

    def check_model(self, case_id: str, model, name: str = "model") -> None:
        """Compare a Keras model's layers, shapes and parameter counts with the reference's.

        ``model`` is a Keras model, or a function of no arguments that builds one: then an error
        raised while building it is reported like a wrong model (and, when a known wrong
        implementation raises the same error, named), not as a traceback into Keras.
        See ``utils.modelcheck.describe`` for what is compared (and what deliberately is not).
        """
        from utils.modelcheck import _keras, describe

        if callable(model) and not isinstance(model, _keras().Model):
            try:
                model = model()
            except Exception as exc:   # reported by check(), outside this handler
                model = Raised.of(exc)
        self.check(case_id, model if isinstance(model, Raised) else describe(model), name=name)

    def stand_ins(self, *names: str) -> dict[str, StandIn]:
        """``{name: StandIn}`` for ``trusted_helpers``. In record mode each stand-in wraps the
        solution's function of that name, looked up where this is called."""
        if os.environ.get(RECORD_ENV):
            caller = sys._getframe(1).f_globals
            return {name: StandIn(name, None, caller[name]) for name in names}
        replay = self.expected.get("replay", {})
        return {name: StandIn(name, replay.get(name)) for name in names}


class Checks(NamedTuple):
    check: object
    check_model: object
    stand_ins: object


def notebook_checks(key: str) -> Checks:
    """The test helpers of notebook ``key`` (e.g. ``"week1_conv_step"``); in IPython, also
    makes the errors beginners meet first read as one line of advice (``explain_errors``)."""
    checks = NotebookChecks(key)
    explain_errors()
    return Checks(checks.check, checks.check_model, checks.stand_ins)


# --------------------------------------------------------------------------- friendlier errors
SCALAR_HINT = (" Hint: float() takes one number, and this is an array; take the number out of an "
               "array of size 1 with .item().")
# conv_single_step's bias b has shape (1, 1, 1), so np.sum(s) + b is an array too
CONV_SCALAR_HINT = (" Hint: float() takes one number, and this is an array (b has shape (1, 1, 1), "
                    "so np.sum(s) + b has that shape too). Take the number out with .item(): "
                    "float(np.sum(s) + b.item()), or (np.sum(s) + b).item().")


def friendlier(etype, value, tb) -> tuple[str, BaseException] | None:
    """("short", exception) when the error is an untouched stub, shown as one line;
    ("hint", exception) when it is a NumPy 2 scalar conversion, shown with advice added; None
    for any other error (shown as usual)."""
    import traceback

    frames = traceback.extract_tb(tb) if tb is not None else []
    if issubclass(etype, NotImplementedError) and frames \
            and (frames[-1].line or "").strip().startswith("raise NotImplementedError"):
        name = frames[-1].name
        if name == "<module>":      # a quiz's answer cell, as the release leaves it
            return "short", NotImplementedError(
                "this answer is not given yet: replace `raise NotImplementedError()` in this "
                "cell with your answer")
        return "short", NotImplementedError(
            f"{name} is not implemented yet: replace `raise NotImplementedError()` in its cell "
            "with your code")
    if issubclass(etype, TypeError) and "arrays can be converted to Python scalars" in str(value):
        hint = CONV_SCALAR_HINT if frames and frames[-1].name == "conv_single_step" else SCALAR_HINT
        return "hint", etype(str(value) + hint)
    return None


def explain_errors() -> None:
    """In an IPython kernel, show an untouched stub's NotImplementedError as one line and add
    advice to NumPy 2's "only 0-dimensional arrays can be converted" error."""
    try:
        shell = get_ipython()  # noqa: F821 - defined in IPython
    except NameError:
        return

    def handler(self, etype, value, tb, tb_offset=None):
        found = friendlier(etype, value, tb)
        if found is None:
            return self.showtraceback((etype, value, tb), tb_offset=tb_offset)
        kind, better = found
        if kind == "short":
            self._showtraceback(etype, better, [f"{etype.__name__}: {better}"])
            return None
        return self.showtraceback((etype, better, tb), tb_offset=tb_offset)

    shell.set_custom_exc((NotImplementedError, TypeError), handler)


# --------------------------------------------------------------------------- isolation
@contextlib.contextmanager
def trusted_helpers(function, **replacements):
    """Temporarily replace global names that ``function`` looks up, e.g. a helper it calls.

    Graded functions often call other graded functions (``conv_forward`` calls ``zero_pad``).
    Tests run them with stand-ins so that a bug in one function costs only its own points:

        with trusted_helpers(conv_forward, **stand_ins("zero_pad", "conv_single_step")):
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
