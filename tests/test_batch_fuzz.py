"""No submission stops a batch: randomly corrupted notebooks, a grader that raises, a worker that
dies and the leftovers of a crashed batch each cost only their own submission's grade."""
from __future__ import annotations

import copy
import csv
import json
import os
import random

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from graders import batch  # noqa: E402
from graders.course import Course  # noqa: E402
from graders.mutants import mutants_for  # noqa: E402
from graders.sources import GRADED_PREFIX, find_source, grade_cells, splice  # noqa: E402

pytestmark = pytest.mark.slow

SOURCE = find_source("week1_conv_step")
POINTS = grade_cells(SOURCE.notebook())
FULL = sum(POINTS.values())
MUTANT = next(m for m in mutants_for(SOURCE.key) if m.label == "forgot_bias")
NAME = f"{SOURCE.stem}.ipynb"
SEED = 20261203


def function_points(function: str) -> float:
    return sum(p for gid, p in POINTS.items() if gid.startswith(function + "_"))


def cell_text(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def graded_cells(raw: dict) -> list[dict]:
    """The graded-function cells of a notebook's JSON."""
    return [c for c in raw["cells"] if c["cell_type"] == "code" and cell_text(c).startswith(GRADED_PREFIX)]


def corrupted_submissions() -> dict[str, bytes]:
    """Notebook files, each the solution corrupted in one way, drawn from fixed seeds."""
    text = nbformat.writes(SOURCE.notebook())
    data = text.encode()
    solution = json.loads(text)
    rng = random.Random(SEED)
    draws = np.random.default_rng(SEED)
    out: dict[str, bytes] = {}

    # bytes: a few bytes overwritten at random, and the file cut short
    flipped = bytearray(data)
    for position in draws.choice(len(flipped), size=8, replace=False):
        flipped[int(position)] = int(draws.integers(0, 256))
    out["flipped-bytes"] = bytes(flipped)
    out["cut-short"] = data[:int(draws.integers(1, len(data) - 1))]
    out["empty"] = b""

    # unicode: lone UTF-16 surrogates (valid JSON, not encodable as UTF-8) in a comment, and at
    # random places in the graded code; bytes that are not UTF-8
    raw = copy.deepcopy(solution)
    for cell in graded_cells(raw):
        cell["source"] = cell_text(cell) + "\n# \ud800 notes \udfff\n"
    out["surrogates-in-comments"] = json.dumps(raw).encode()
    raw = copy.deepcopy(solution)
    for cell in rng.sample(graded_cells(raw), 3):
        source = cell_text(cell)
        at = rng.randrange(len(source))
        cell["source"] = source[:at] + rng.choice(["\ud800", "\udbff", "\udc00", "\udfff"]) + source[at:]
    out["surrogates-in-code"] = json.dumps(raw).encode()
    invalid = bytearray(data)
    for position in sorted(draws.choice(len(invalid), size=3, replace=False), reverse=True):
        invalid[int(position):int(position)] = rng.choice([b"\xff", b"\xc3\x28", b"\xed\xa0\x80"])
    out["not-utf-8"] = bytes(invalid)

    # types: JSON that parses, with the wrong types where a notebook has structure
    def wrong_type(raw):
        choice = rng.randrange(7)
        cell = rng.choice(raw["cells"])
        if choice == 0:
            raw["cells"] = {"0": raw["cells"][0]}
        elif choice == 1:
            cell["source"] = int(draws.integers(0, 2**31))
        elif choice == 2:
            cell["metadata"] = [1, 2, 3]
        elif choice == 3:
            raw["nbformat"] = str(raw["nbformat"])
        elif choice == 4:
            cell["cell_type"] = 7
        elif choice == 5:
            raw["cells"].insert(rng.randrange(len(raw["cells"])), None)
        else:
            raw["metadata"] = "kernelspec"
    for k in range(3):
        raw = copy.deepcopy(solution)
        for _ in range(rng.randint(1, 2)):
            wrong_type(raw)
        out[f"wrong-types-{k}"] = json.dumps(raw).encode()
    out["top-level-list"] = json.dumps([solution]).encode()

    # metadata: odd but valid, and nested deeper than any parser's stack
    raw = copy.deepcopy(solution)
    for cell in raw["cells"]:
        cell["metadata"]["tags"] = [f"t{rng.randrange(10**6)}" for _ in range(50)]
        cell["metadata"]["\u0000odd key \u2603"] = {"nested": [None, True, 1.5, {"x": "y"}]}
    raw["metadata"]["kernelspec"] = {"name": "ir", "display_name": "R", "language": "R"}
    raw["metadata"]["language_info"] = {"name": "R"}
    out["odd-metadata"] = json.dumps(raw).encode()
    deep = json.dumps(solution)
    out["nested-too-deep"] = (deep[:-1] + ', "x": ' + "[" * 200_000 + "]" * 200_000 + "}").encode()

    # sizes: a graded cell of 5 MB (not run), and a 20 MB markdown cell (ignored)
    raw = copy.deepcopy(solution)
    cell = graded_cells(raw)[int(draws.integers(0, len(POINTS)))]
    cell["source"] = cell_text(cell) + "\n" + "# padding\n" * 500_000
    raw["cells"].append({"cell_type": "markdown", "id": "huge", "metadata": {},
                         "source": "".join(rng.choice("ab \n") for _ in range(2000)) * 10_000})
    out["huge-cells"] = json.dumps(raw).encode()
    return out


@pytest.fixture(scope="module")
def fuzzed():
    submissions = corrupted_submissions()
    with Course([SOURCE]) as scratch:
        root = scratch.root
        folder = root / "submitted" / "control" / SOURCE.assignment
        folder.mkdir(parents=True)
        nbformat.write(SOURCE.notebook(), folder / NAME)
        for student, content in submissions.items():
            folder = root / "submitted" / student / SOURCE.assignment
            folder.mkdir(parents=True)
            (folder / NAME).write_bytes(content)
        lines: list[str] = []
        results = batch.autograde(root, [SOURCE.assignment], workers=2, timeout=300,
                                  log=lines.append, sandbox=True)
        yield root, {r["student"]: r for r in results}, submissions


def test_the_control_scores_full_marks_next_to_corrupted_notebooks(fuzzed):
    _, results, submissions = fuzzed
    assert set(results) == {"control", *submissions}
    control = results["control"]
    assert control["score"] == control["max_score"] == FULL
    assert [(t["id"], t["score"], t["message"]) for t in control["notebooks"][0]["tests"]] == [
        (gid, points, "passed") for gid, points in POINTS.items()]
    assert control["problems"] == [] and control["flags"] == []


def test_every_corrupted_notebook_gets_a_score_and_a_message(fuzzed):
    _, results, submissions = fuzzed
    for student in submissions:
        result = results[student]
        tests = [t for nb in result["notebooks"] for t in nb["tests"]]
        assert [t["id"] for t in tests] == list(POINTS), student
        assert all(0 <= t["score"] <= t["max_score"] and t["message"].strip() for t in tests), student
        assert result["score"] == sum(t["score"] for t in tests) and result["max_score"] == FULL
        assert "failed" not in result, (student, result["problems"])   # handled, not a crash


def test_corruptions_get_the_messages_that_say_what_is_wrong(fuzzed):
    _, results, _ = fuzzed

    def messages(student):
        return {t["message"] for nb in results[student]["notebooks"] for t in nb["tests"]}

    for student in ("empty", "cut-short", "not-utf-8", "top-level-list"):
        assert results[student]["score"] == 0, student
    assert all(m.startswith(f"{NAME} is not a readable notebook (invalid JSON") for m in messages("empty"))
    assert messages("nested-too-deep") == {
        f"{NAME} is not a readable notebook (invalid JSON: nested too deeply)"}
    assert messages("top-level-list") == {
        f"{NAME} has notebook format version None; save it from JupyterLab (format 4) and submit again"}
    # lone surrogates in comments are replaced, and the notebook is graded as it is
    surrogates = results["surrogates-in-comments"]
    assert surrogates["score"] == FULL
    assert surrogates["problems"] == [
        f"{NAME} holds {2 * len(POINTS)} character(s) that are not valid Unicode (lone UTF-16 "
        "surrogates); each was replaced by U+FFFD before grading"]
    assert results["surrogates-in-code"]["problems"][0].startswith(f"{NAME} holds 3 character(s)")
    # the odd metadata changes nothing; the huge graded cell costs its own function only
    assert results["odd-metadata"]["score"] == FULL
    huge = results["huge-cells"]
    [note] = [p for p in huge["problems"] if "characters long" in p]
    function = note.split("the cell of ")[1].split(" is ")[0]
    assert huge["score"] == FULL - function_points(function)


def test_the_gradebook_csv_and_feedback_hold_every_submission(fuzzed):
    from nbgrader.api import Gradebook

    root, results, _ = fuzzed
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        assert {s.student.id: s.score for s in gb.assignment_submissions(SOURCE.assignment)} == {
            s: r["score"] for s, r in results.items()}
    rows = list(csv.DictReader(open(root / "grades.csv")))
    assert {r["student_id"]: float(r["score"]) for r in rows} == {
        s: r["score"] for s, r in results.items()}
    for student in ("control", "surrogates-in-comments", "odd-metadata", "huge-cells"):
        page = (root / "feedback" / student / SOURCE.assignment / f"{SOURCE.stem}.html").read_text()
        assert f"{results[student]['score']:g}" in page, student
        assert len(page) < 4 * 2**20, student      # the 5 MB cell was not run nor copied


def test_leftovers_of_a_crashed_batch_do_not_stop_the_feedback(fuzzed):
    """A batch that crashed left autograded/<student>/ for a student the gradebook has no
    submission of (and a notebook it does not list); nbgrader's feedback failed on them with
    "MissingEntry" for every later batch. The batch removes them and writes everyone's feedback."""
    root, results, _ = fuzzed
    ghost = root / "autograded" / "ghost" / SOURCE.assignment
    ghost.mkdir(parents=True)
    nbformat.write(SOURCE.notebook(), ghost / NAME)
    stray = root / "autograded" / "control" / SOURCE.assignment / "Untitled.ipynb"
    nbformat.write(SOURCE.notebook(), stray)
    feedback = root / "feedback" / "control" / SOURCE.assignment / f"{SOURCE.stem}.html"
    feedback.unlink()
    lines: list[str] = []
    again = batch.autograde(root, [SOURCE.assignment], workers=2, log=lines.append, sandbox=True)
    assert {r["student"]: r["score"] for r in again} == {s: r["score"] for s, r in results.items()}
    assert f"  removed autograded/ghost/{SOURCE.assignment}: it has no entry in the gradebook " \
           "(left by a crashed run?)" in lines
    assert not ghost.exists() and not stray.exists()
    assert f"{FULL:g}" in feedback.read_text()
    assert not (root / "feedback" / "ghost").exists()


# --------------------------------------------------------------------------- a failing grader
def grade_or_fail(job, *args, **kwargs):
    """``batch.grade_job``, except for two students: for "raiser" the grader raises what a lone
    surrogate made jupyter_client raise; "crasher" kills its worker process, as the kernel's
    out-of-memory killer would."""
    if job.student == "raiser":
        raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")
    if job.student == "crasher":
        os._exit(3)
    return batch.grade_job(job, *args, **kwargs)


def test_a_grader_that_raises_or_a_worker_that_dies_costs_only_that_submission():
    from nbgrader.api import Gradebook

    students = {"control": SOURCE.notebook(), "crasher": SOURCE.notebook(),
                "mutant": splice(SOURCE.notebook(), MUTANT.function, MUTANT.source),
                "raiser": SOURCE.notebook()}
    expected = {"control": FULL, "crasher": 0.0, "mutant": FULL - function_points(MUTANT.function),
                "raiser": 0.0}
    with Course([SOURCE]) as scratch:
        root = scratch.root
        for student, nb in students.items():
            folder = root / "submitted" / student / SOURCE.assignment
            folder.mkdir(parents=True)
            nbformat.write(nb, folder / NAME)
        lines: list[str] = []
        results = {r["student"]: r for r in batch.autograde(
            root, [SOURCE.assignment], workers=2, log=lines.append, sandbox=True,
            grader=grade_or_fail)}
        assert {s: r["score"] for s, r in results.items()} == expected
        assert results["raiser"]["problems"] == [
            "this submission could not be graded: the grader failed (UnicodeEncodeError: 'utf-8' "
            "codec can't encode character '\\ud800' in position 0: surrogates not allowed); it "
            "scores 0 for now and is graded again on the next run"]
        [died] = results["crasher"]["problems"]
        assert died.startswith("this submission could not be graded: its grading process died")
        assert {t["message"] for nb in results["crasher"]["notebooks"] for t in nb["tests"]} == {died}
        assert any(line.startswith("  a grading worker died; grading the ") for line in lines)
        with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
            assert {s.student.id: s.score for s in gb.assignment_submissions(SOURCE.assignment)} == expected
        rows = list(csv.DictReader(open(root / "grades.csv")))
        assert {r["student_id"]: float(r["score"]) for r in rows} == expected
        for student in ("control", "mutant"):
            assert (root / "feedback" / student / SOURCE.assignment / f"{SOURCE.stem}.html").exists()

        # the next run grades again only what the grader failed on
        lines = []
        again = {r["student"]: r for r in batch.autograde(root, [SOURCE.assignment], workers=2,
                                                         log=lines.append, sandbox=True)}
        assert lines[0].startswith("4 submissions: 2 already graded, 2 to grade")
        assert {s: r["score"] for s, r in again.items()} == {**expected, "crasher": FULL,
                                                             "raiser": FULL}


# --------------------------------------------------------------------------- the order of work
def recording_grader(job, keys, course, *args, **kwargs):
    """Grades nothing: notes which submission it was given, in order, and scores it 0."""
    with open(course / "order.txt", "a") as order:
        order.write(f"{job.student} {job.assignment}\n")
    return batch.failed_result(job, keys, "recorded")


def test_assignments_with_more_notebooks_are_graded_first():
    sources = [find_source(k) for k in ("week1_conv_step", "week1_quiz", "week3_car_detection",
                                        "week3_quiz", "week4_quiz")]
    with Course(sources) as scratch:
        root = scratch.root
        for student in ("ann", "bob"):
            for assignment in ("week1", "week3", "week4"):
                (root / "submitted" / student / assignment).mkdir(parents=True)
        results = batch.autograde(root, ["week1", "week3", "week4"], workers=1, log=lambda _: None,
                                  sandbox=False, feedback=False, grader=recording_grader)
        order = (root / "order.txt").read_text().splitlines()
    # two notebooks in week1 and week3, one in week4; otherwise in (student, assignment) order
    assert order == ["ann week1", "ann week3", "bob week1", "bob week3", "ann week4", "bob week4"]
    # the results come back in (student, assignment) order all the same
    assert [(r["student"], r["assignment"]) for r in results] == [
        (s, a) for s in ("ann", "bob") for a in ("week1", "week3", "week4")]
