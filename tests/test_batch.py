"""The batch autograder: a mixed class graded in parallel, failures become grades, resumable."""
from __future__ import annotations

import csv
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import nbformat  # noqa: E402
import pytest  # noqa: E402

from graders import batch  # noqa: E402
from graders.course import Course  # noqa: E402
from graders.mutants import mutants_for  # noqa: E402
from graders.sources import all_sources, find_source, grade_cells, splice  # noqa: E402
from graders.verify import lean_skip  # noqa: E402

pytestmark = pytest.mark.slow

SOURCE = find_source("week1_conv_step")
POINTS = grade_cells(SOURCE.notebook())
FULL = sum(POINTS.values())
MUTANT = next(m for m in mutants_for(SOURCE.key) if m.label == "forgot_bias")
TIMEOUT = 90


def with_cell_source(nb, function: str, extra: str, before: bool = False):
    """A copy of ``nb`` with ``extra`` code added to ``function``'s solution cell."""
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        if cell.source.startswith(f"# GRADED FUNCTION: {function}\n"):
            cell.source = (cell.source.replace("\n", "\n" + extra + "\n", 1) if before
                           else cell.source + "\n" + extra)
    return nb


BLANK_LATER_CELLS = """
get_ipython().input_transformers_post.append(lambda lines: [])
"""
NOISY_ZERO_PAD = """
def zero_pad(X, pad):
    import sys
    print("UserWarning: something deprecated", file=sys.stderr)
    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="constant")
"""
CHATTY_ZERO_PAD = """
for i in range(300_000):
    print("debugging output", i)

def zero_pad(X, pad):
    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="constant")
"""

ALWAYS_EQUAL_ZERO_PAD = """
class _Anything(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(other), dtype=bool) if np.ndim(other) else True
    def __ne__(self, other):
        return np.zeros(np.shape(other), dtype=bool) if np.ndim(other) else False

def zero_pad(X, pad):
    shape = (X.shape[0], X.shape[1] + 2 * pad, X.shape[2] + 2 * pad, X.shape[3])
    return np.zeros(shape).view(_Anything)
"""
PRINTS_50_MIB = """
print("x" * (50 * 2**20))
"""
BROKEN_SYNTAX = """
def conv_single_step(a_slice_prev, W, b):
    return np.sum(a_slice_prev * W) + float(b
"""


def without_test_cells_and_with_duplicates(nb):
    """Test cells deleted, every markdown cell duplicated, the last two code cells swapped."""
    nb = nbformat.from_dict(nb)
    cells = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            continue
        cells.append(cell)
        if cell.cell_type == "markdown":
            twin = nbformat.from_dict(cell)
            twin.id = cell.id + "-copy"
            twin.metadata.pop("nbgrader", None)
            cells.append(twin)
    code = [i for i, c in enumerate(cells) if c.cell_type == "code"]
    cells[code[-1]], cells[code[-2]] = cells[code[-2]], cells[code[-1]]
    nb.cells = cells
    return nb


# Zombies count as processes until reaped: without a process limit this makes 3000 of them.
FORK_BOMB = """
import os
for _ in range(3000):
    if os.fork() == 0:
        os._exit(0)
"""
PATCHED_ALLCLOSE = """
def zero_pad(X, pad):
    np.allclose = lambda *args, **kwargs: True
    return np.zeros((X.shape[0], X.shape[1] + 2 * pad, X.shape[2] + 2 * pad, X.shape[3]))
"""


def probes(forbidden_file: str, port: int) -> str:
    """Code a hostile student might run: look for solutions, gradebooks, other shards, network."""
    return f"""
import glob, os, socket
print("PROBE solutions visible:", os.path.exists({str(SOURCE.py_path)!r}))
print("PROBE NBGRADER_EXECUTION:", os.environ.get("NBGRADER_EXECUTION"))
print("PROBE user id:", os.getuid())
print("PROBE gradebook visible:", os.path.exists({forbidden_file!r}))
print("PROBE shards visible:", glob.glob("/tmp/cnn-course-*/gradebook.db")
      + glob.glob("/tmp/cnn-course-*/submitted/*") + glob.glob("/tmp/cnn-course-*/graders"))
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=2)
    print("PROBE network: open")
except OSError:
    print("PROBE network: blocked")
"""


def points_before(function: str) -> float:
    """Points of the test cells that come before ``function``'s cell in the notebook."""
    total = 0.0
    for cell in SOURCE.notebook().cells:
        if cell.source.startswith(f"# GRADED FUNCTION: {function}\n"):
            return total
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            total += float(meta["points"])
    raise ValueError(function)


def key_files(folder) -> list:
    """Kernel connection files (JSON with a "key") anywhere under ``folder``."""
    found = []
    for path in folder.rglob("*.json"):
        try:
            if '"key"' in path.read_text(errors="replace"):
                found.append(path)
        except OSError:
            pass
    return found


def write(folder, name, content) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if isinstance(content, (str, bytes)):
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    else:
        nbformat.write(nbformat.from_dict(content), path)


def short_tmpdir():
    """A new, empty folder for a batch's TMPDIR, with a short path: the sandboxes' Unix sockets
    live in it, and a socket's path may not be longer than 107 bytes."""
    import tempfile
    from pathlib import Path

    return Path(tempfile.mkdtemp(prefix="cnn-t-", dir="/tmp"))


@pytest.fixture
def short_tmp():
    import shutil

    folder = short_tmpdir()
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def batch_tmpdir():
    """The temporary folder (TMPDIR) of the hostile class's batch and its workers."""
    import shutil

    folder = short_tmpdir()
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def course(batch_tmpdir):
    """The hostile class, graded once. Everything the batch puts in the temporary folder goes
    to a folder of its own (``batch_tmpdir``), to be checked afterwards."""
    import socket

    tmpdir = batch_tmpdir
    patch = pytest.MonkeyPatch()
    patch.setenv("TMPDIR", str(tmpdir))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    with listener, Course([SOURCE]) as scratch:
        solution = SOURCE.notebook()
        release = nbformat.read(scratch.release_path(SOURCE), as_version=4)
        skipping = nbformat.from_dict(release)
        for cell in skipping.cells:
            if cell.metadata.get("nbgrader", {}).get("grade"):
                cell.metadata["tags"] = ["skip-execution"]
        v5 = json.loads(nbformat.writes(solution))
        v5["nbformat"] = 5
        name = f"{SOURCE.stem}.ipynb"
        submissions = {
            "alice": {name: solution, "timestamp.txt": "2026-11-20 09:30:00"},
            "bob": {name: release},
            "carol": {name: splice(solution, MUTANT.function, MUTANT.source)},
            "dave": {name: '{"cells": [ this is not JSON'},
            "erin": {f"{SOURCE.stem}_final.ipynb": solution, "notes.txt": "hello"},
            "frank": {name: with_cell_source(solution, "conv_forward", "import os\nos._exit(1)\n")},
            "grace": {name: with_cell_source(solution, "pool_forward", "while True:\n    pass\n")},
            "heidi": {name: skipping},
            "ivan": {name: solution, "timestamp.txt": "last tuesday, probably"},
            "judy": {name: json.dumps(v5)},
            "mallory": {name: with_cell_source(solution, "zero_pad",
                                               probes(str(scratch.root / "gradebook.db"), port))},
            "peggy": {name: with_cell_source(solution, "zero_pad", BLANK_LATER_CELLS)},
            "quentin": {name: splice(solution, "zero_pad", PATCHED_ALLCLOSE)},
            "rupert": {name: splice(solution, "zero_pad", NOISY_ZERO_PAD)},
            "sybil": {name: without_test_cells_and_with_duplicates(solution)},
            "ursula": {name: splice(solution, "zero_pad", CHATTY_ZERO_PAD)},
            "victor": {name: with_cell_source(solution, "distribute_value", FORK_BOMB)},
            "walter": {name: splice(solution, "zero_pad", ALWAYS_EQUAL_ZERO_PAD)},
            "yvonne": {name: splice(solution, "conv_single_step", BROKEN_SYNTAX)},
            "oscar": {name: with_cell_source(solution, "conv_single_step",
                                             "_bomb = np.ones(int(40e9), dtype=np.uint8)",
                                             before=True)},
            "xavier": {name: with_cell_source(solution, "conv_forward", PRINTS_50_MIB)},
        }
        for student, files in submissions.items():
            for file_name, content in files.items():
                write(scratch.root / "submitted" / student / SOURCE.assignment, file_name, content)
        lines: list[str] = []
        try:
            results = batch.autograde(scratch.root, [SOURCE.assignment], workers=2,
                                      timeout=TIMEOUT, log=lines.append, sandbox=True)
        finally:
            patch.undo()
        yield scratch.root, {r["student"]: r for r in results}, lines


def scores_of(result) -> dict:
    return {t["id"]: t for nb in result["notebooks"] for t in nb["tests"]}


def test_solution_full_marks_and_release_zero(course):
    _, results, _ = course
    assert results["alice"]["score"] == results["alice"]["max_score"] == FULL
    assert results["bob"]["score"] == 0 and results["bob"]["max_score"] == FULL


def test_a_wrong_function_loses_only_its_points(course):
    _, results, _ = course
    lost = {gid for gid, t in scores_of(results["carol"]).items() if t["score"] < t["max_score"]}
    assert lost == {gid for gid in POINTS if gid.startswith(MUTANT.function + "_")}


@pytest.mark.parametrize("student, needle", [
    ("dave", "is not a readable notebook (invalid JSON"),
    ("erin", f"no {SOURCE.stem}.ipynb in the submission (it has: conv_step_final.ipynb, notes.txt)"),
    ("judy", "has notebook format version 5"),
])
def test_unreadable_or_missing_notebooks_score_zero_with_a_message(course, student, needle):
    _, results, _ = course
    result = results[student]
    assert result["score"] == 0
    assert all(needle in t["message"] for t in scores_of(result).values())


def test_a_kernel_that_dies_is_a_grade_not_a_crash(course):
    _, results, _ = course
    result = results["frank"]
    # the kernel dies defining conv_forward: the tests before it count, the rest score 0
    assert result["score"] == points_before("conv_forward") > 0
    assert result["problems"] == [
        "the notebook's kernel died while it ran (os._exit, a crash or too much memory); "
        "tests that had not run score 0"]
    assert "failed" not in result and result["digest"]


def test_an_endless_loop_is_stopped(course):
    _, results, _ = course
    result = results["grace"]
    assert result["score"] == points_before("pool_forward") > 0    # the tests before the loop
    assert result["problems"] == [
        f"grading stopped after {TIMEOUT} s (an endless loop or very slow code?); tests that had "
        "not run score 0"]


def test_skip_execution_tags_are_ignored_and_flagged(course):
    _, results, _ = course
    assert results["heidi"]["score"] == 0
    assert results["heidi"]["flags"] == [
        f"{SOURCE.stem}: the submission tagged cells skip-execution ({len(POINTS)} cells); "
        "tags were ignored"]


@pytest.mark.skipif(os.geteuid() != 0, reason="the process limit is set only when grading as root")
def test_a_fork_bomb_stops_at_the_process_limit(course):
    from graders.sandbox import Limits

    root, results, _ = course
    result = results["victor"]
    assert result["score"] == FULL                       # the function was defined before it
    assert result["seconds"] < TIMEOUT
    graded = nbformat.read(root / "autograded" / "victor" / SOURCE.assignment / f"{SOURCE.stem}.ipynb",
                           as_version=4)
    cell = next(c for c in graded.cells if c.source.startswith("# GRADED FUNCTION: distribute_value"))
    errors = [out for out in cell.outputs if out.output_type == "error"]
    assert [e.ename for e in errors] == ["BlockingIOError"], cell.outputs
    assert Limits().processes < 3000


def test_a_malformed_timestamp_is_noted_not_fatal(course):
    _, results, _ = course
    assert results["ivan"]["score"] == FULL
    assert results["ivan"]["problems"] == ["timestamp.txt is not a date; graded without a timestamp"]


def test_the_sandbox_hides_solutions_gradebook_other_shards_and_network(course):
    root, results, _ = course
    graded = nbformat.read(root / "autograded" / "mallory" / SOURCE.assignment / f"{SOURCE.stem}.ipynb",
                           as_version=4)
    text = "".join(out.get("text", "") for cell in graded.cells for out in cell.get("outputs", []))
    assert "PROBE solutions visible: False" in text
    assert "PROBE gradebook visible: False" in text
    assert "PROBE shards visible: []" in text
    assert "PROBE network: blocked" in text
    assert "PROBE NBGRADER_EXECUTION: autograde" in text      # lesson cells take their quick path
    if os.geteuid() == 0:
        assert "PROBE user id: 0" not in text                 # the kernel is not root
    assert SOURCE.py_path.exists() and (root / "gradebook.db").exists()   # they do exist outside
    assert results["mallory"]["score"] == FULL


def test_a_memory_bomb_costs_only_its_own_function(course):
    root, results, _ = course
    lost = {gid for gid, t in scores_of(results["oscar"]).items() if t["score"] < t["max_score"]}
    assert lost == {gid for gid in POINTS if gid.startswith("conv_single_step_")}
    graded = nbformat.read(root / "autograded" / "oscar" / SOURCE.assignment / f"{SOURCE.stem}.ipynb",
                           as_version=4)
    errors = [out.ename for cell in graded.cells for out in cell.get("outputs", [])
              if out.output_type == "error"]
    assert "MemoryError" in errors          # the allocation failed; the kernel lived on


def test_blanking_later_cells_is_caught_by_reverification(course):
    _, results, _ = course
    result = results["peggy"]
    assert result["score"] == 0
    assert result["flags"] and all("when judged outside it" in flag for flag in result["flags"])


def test_a_monkeypatched_allclose_is_caught_by_reverification(course):
    _, results, _ = course
    result = results["quentin"]
    zero_pad_points = sum(p for gid, p in POINTS.items() if gid.startswith("zero_pad_"))
    assert result["score"] == FULL - zero_pad_points
    assert [flag.split(":")[0] for flag in result["flags"]] == [
        f"{SOURCE.stem}/{gid}" for gid in POINTS if gid.startswith("zero_pad_")]
    # the visible case the kernel "passed" with its patched allclose, judged outside it
    assert scores_of(result)["zero_pad_tests"]["message"].startswith(
        "AssertionError: zero_pad_example: x_pad has the right shape (4, 9, 9, 2) but ")


def test_an_object_that_equals_anything_is_caught(course):
    _, results, _ = course
    lost = {gid for gid, t in scores_of(results["walter"]).items() if t["score"] < t["max_score"]}
    assert lost == {gid for gid in POINTS if gid.startswith("zero_pad_")}


def test_a_syntax_error_costs_only_its_function_and_says_where(course):
    root, results, _ = course
    tests = scores_of(results["yvonne"])
    lost = {gid for gid, t in tests.items() if t["score"] < t["max_score"]}
    assert lost == {gid for gid in POINTS if gid.startswith("conv_single_step_")}
    graded = nbformat.read(root / "autograded" / "yvonne" / SOURCE.assignment / f"{SOURCE.stem}.ipynb",
                           as_version=4)
    cell = next(c for c in graded.cells if c.source.startswith("# GRADED FUNCTION: conv_single_step"))
    assert [out.ename for out in cell.outputs if out.output_type == "error"] == ["SyntaxError"]
    assert "conv_single_step" in tests["conv_single_step_tests"]["message"]


def test_stderr_in_a_graded_cell_costs_nothing_once_reverified(course):
    _, results, _ = course
    result = results["rupert"]
    assert result["score"] == FULL
    assert [flag.split(":")[0] for flag in result["flags"]] == [
        f"{SOURCE.stem}/{gid}" for gid in POINTS if gid.startswith("zero_pad_")]
    assert "0 in the notebook's kernel, 2 when judged outside it" in result["flags"][0]


def test_deleted_duplicated_and_reordered_cells_are_graded_from_the_course_cells(course):
    _, results, _ = course
    assert results["sybil"]["score"] == FULL


def test_huge_output_is_truncated_and_graded(course):
    from graders.execute import CELL_OUTPUT_CHARS

    root, results, _ = course
    assert results["ursula"]["score"] == FULL
    graded = root / "autograded" / "ursula" / SOURCE.assignment / f"{SOURCE.stem}.ipynb"
    assert graded.stat().st_size < 2 * CELL_OUTPUT_CHARS  # 300,000 printed lines: about 7 MB


def test_fifty_mib_of_output_is_cut_with_a_note_and_graded(course):
    from graders.execute import CELL_OUTPUT_CHARS, cut_note

    root, results, _ = course
    assert results["xavier"]["score"] == FULL
    graded = root / "autograded" / "xavier" / SOURCE.assignment / f"{SOURCE.stem}.ipynb"
    assert graded.stat().st_size < 2 * CELL_OUTPUT_CHARS
    nb = nbformat.read(graded, as_version=4)
    cell = next(c for c in nb.cells if c.source.startswith("# GRADED FUNCTION: conv_forward"))
    texts = [out.text for out in cell.outputs if out.output_type == "stream"]
    assert texts[0] == "x" * CELL_OUTPUT_CHARS
    assert texts[-1] == cut_note(50 * 2**20 + 1 - CELL_OUTPUT_CHARS)   # + 1: print's newline
    page = feedback_html(root, "xavier")
    assert len(page) < 4 * CELL_OUTPUT_CHARS
    assert f"[grader] {50 * 2**20 + 1 - CELL_OUTPUT_CHARS:,} characters of this cell" in page


def test_no_kernel_connection_file_or_scratch_folder_is_left(course, batch_tmpdir):
    """The batch's kernels (one of them killed: frank's) had their connection files, which hold
    their keys, in folders the batch removed; so are the workers' scratch and sandbox folders."""
    assert key_files(batch_tmpdir) == []
    assert sorted(p.name for p in batch_tmpdir.iterdir()) == []


def test_a_valid_timestamp_reaches_the_gradebook(course):
    from nbgrader.api import Gradebook

    root, _, _ = course
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        stamp = gb.find_submission(SOURCE.assignment, "alice").timestamp
        assert stamp.strftime("%Y-%m-%d %H:%M") == "2026-11-20 09:30"
        assert gb.find_submission(SOURCE.assignment, "ivan").timestamp is None


def feedback_html(root, student) -> str:
    return (root / "feedback" / student / SOURCE.assignment / f"{SOURCE.stem}.html").read_text()


def test_feedback_says_which_checks_failed_and_why(course):
    root, results, _ = course
    html = feedback_html(root, "carol")
    failed = next(t for t in scores_of(results["carol"]).values() if t["score"] < t["max_score"])
    assert failed["message"].startswith("AssertionError: ")
    assert failed["message"].split(": ", 1)[1].split(".")[0] in html
    assert f"{results['carol']['score']:g}" in html and f"{FULL:g}" in html
    flagged = feedback_html(root, "peggy")
    assert "AssertionError: the test cell did not run" in flagged


def hidden_test_lines() -> list[str]:
    """Lines of the source's hidden tests that appear nowhere else in the notebook."""
    hidden, visible = [], []
    for cell in SOURCE.notebook().cells:
        parts = cell.source.split("### BEGIN HIDDEN TESTS")
        visible += parts[0].splitlines()
        for block in parts[1:]:
            inside, _, after = block.partition("### END HIDDEN TESTS")
            hidden += inside.splitlines()
            visible += after.splitlines()
    seen = {line.strip() for line in visible}
    return [line.strip() for line in hidden if line.strip() and line.strip() not in seen]


def test_feedback_never_shows_hidden_tests_or_their_references(course):
    import html as markup

    from graders.verify import answer_key

    root, _, _ = course
    functions = [gid.rsplit("_tests", 1)[0] for gid in POINTS]
    hidden_cases = [c for c in answer_key(SOURCE)
                    if "hidden" in c and any(c.startswith(f + "_") for f in functions)]
    hidden_code = hidden_test_lines()
    assert hidden_cases and hidden_code
    for student in ("alice", "bob", "carol", "quentin"):
        page = markup.unescape(feedback_html(root, student))
        assert "BEGIN HIDDEN TESTS" not in page
        assert [line for line in hidden_code if line in page] == [], student
        assert [c for c in hidden_cases if f"[{c}] expected" in page] == [], student
    # the same check finds hidden code where it is shown: in the source notebook itself
    assert [line for line in hidden_code if line in nbformat.writes(SOURCE.notebook())]


def test_honest_submissions_are_not_flagged(course):
    _, results, _ = course
    for student in ("alice", "bob", "carol", "ivan", "mallory"):
        assert results[student]["flags"] == [], student


def test_gradebook_and_csv_hold_every_result(course):
    from nbgrader.api import Gradebook

    root, results, _ = course
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for student, result in results.items():
            submission = gb.find_submission(SOURCE.assignment, student)
            assert submission.score == pytest.approx(result["score"])
        assert len(gb.assignment_submissions(SOURCE.assignment)) == len(results)
    rows = list(csv.DictReader(open(root / "grades.csv")))
    assert {r["student_id"]: float(r["score"]) for r in rows} == {
        s: r["score"] for s, r in results.items()}


def test_a_second_run_resumes_without_regrading_or_duplicating(course):
    from nbgrader.api import Gradebook

    root, results, _ = course
    lines: list[str] = []
    again = batch.autograde(root, [SOURCE.assignment], workers=2, log=lines.append)
    assert lines[0].startswith(f"{len(results)} submissions: {len(results)} already graded, 0 to grade")
    assert {r["student"]: r["score"] for r in again} == {s: r["score"] for s, r in results.items()}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        assert len(gb.assignment_submissions(SOURCE.assignment)) == len(results)


def test_a_changed_or_unfinished_submission_is_graded_again(course):
    root, results, _ = course
    folder = root / "submitted" / "bob" / SOURCE.assignment
    write(folder, f"{SOURCE.stem}.ipynb", SOURCE.notebook())        # bob resubmits the solution
    (root / batch.RESULTS_DIR / SOURCE.assignment / "alice.json").unlink()   # as if killed mid-run
    lines: list[str] = []
    again = {r["student"]: r for r in batch.autograde(root, [SOURCE.assignment], workers=2,
                                                      log=lines.append)}
    assert lines[0].startswith(f"{len(results)} submissions: {len(results) - 2} already graded, 2 to grade")
    assert again["bob"]["score"] == FULL and again["alice"]["score"] == FULL
    assert all(again[s]["score"] == results[s]["score"] for s in results if s not in ("bob",))


def test_asking_for_a_sandbox_without_bubblewrap_is_a_clear_error(tmp_path, monkeypatch):
    from graders import sandbox

    monkeypatch.setattr(sandbox, "available", lambda: False)
    with pytest.raises(RuntimeError, match="bubblewrap .* not installed.*--no-sandbox"):
        batch.autograde(tmp_path, [SOURCE.assignment], sandbox=True)


def test_verification_notebook_keeps_only_the_students_graded_cells():
    from graders.verify import verification_notebook

    student = nbformat.from_dict(SOURCE.notebook())
    for cell in student.cells:
        if cell.metadata.get("nbgrader", {}).get("grade") and not cell.metadata["nbgrader"].get("solution"):
            cell.source = "pass  # the student emptied this test"
    student = splice(student, "zero_pad", "def zero_pad(X, pad):\n    return 'mine'\n")
    student.cells = [c for c in student.cells
                     if not c.source.startswith("# GRADED FUNCTION: distribute_value")]
    nb = verification_notebook(SOURCE, student)
    sources = "\n".join(c.source for c in nb.cells)
    assert "return 'mine'" in sources
    assert "raise NotImplementedError('distribute_value is missing')" in sources
    assert "the student emptied this test" not in sources
    assert sources.count("_cnn_course_mark('start'") == len(POINTS)
    assert "BEGIN HIDDEN TESTS" in sources          # hidden tests run too


@pytest.mark.parametrize("ctrl_c", [False, True], ids=["killed", "ctrl-c"])
def test_a_batch_killed_midway_resumes_without_losing_or_duplicating(monkeypatch, short_tmp, ctrl_c):
    """Power loss, simulated (SIGKILL the batch), or Ctrl-C in a terminal (SIGINT to its process
    group) while it grades; then run it again.

    s0's notebook loops forever, so the batch is still grading when the signal comes, however
    loaded the machine is, and it cannot have finished. The Ctrl-C batch is started with SIGINT
    ignored, as a shell starts a job in the background (CI did): Ctrl-C must stop it all the
    same, with exit code 130 and no grade from half a run. s0 then fixes the loop and the batch
    runs again. The batch's temporary files go to a folder of their own (TMPDIR): the killed
    kernels' connection files, which hold their keys, must be gone after the second run."""
    import signal
    import subprocess
    import sys
    import time

    from nbgrader.api import Gradebook

    students = [f"s{k}" for k in range(5)]
    tmp = short_tmp
    with Course([SOURCE]) as scratch:
        root = scratch.root

        def submit(k, nb):
            write(root / "submitted" / students[k] / SOURCE.assignment, f"{SOURCE.stem}.ipynb", nb)

        for k in range(len(students)):
            submit(k, SOURCE.notebook() if k % 2 == 0 else splice(SOURCE.notebook(), MUTANT.function,
                                                                  MUTANT.source))
        submit(0, with_cell_source(SOURCE.notebook(), "conv_forward", "while True:\n    pass\n"))
        results_dir = root / batch.RESULTS_DIR / SOURCE.assignment
        command = [sys.executable, "-m", "graders", "autograde", SOURCE.assignment,
                   "--course", str(root), "--workers", "2"]
        if ctrl_c:      # as `cmd &` in a script: bash starts it with SIGINT ignored
            command = ["bash", "-c", "trap '' INT; exec \"$@\"", "bash", *command]
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                text=True, start_new_session=True, env={**os.environ, "TMPDIR": str(tmp)})
        try:
            deadline = time.time() + 600
            while time.time() < deadline and not list(results_dir.glob("*.json")):
                time.sleep(0.2)
            workers = [int(pid) for pid in
                       open(f"/proc/{proc.pid}/task/{proc.pid}/children").read().split()]
            if ctrl_c:
                os.killpg(proc.pid, signal.SIGINT)
            else:
                proc.send_signal(signal.SIGKILL)
            stderr = proc.communicate(timeout=120)[1]
        finally:
            if proc.poll() is None:         # it ignored the signal: do not leave it grading
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        if ctrl_c:
            assert proc.returncode == 130, stderr[-3000:]
            assert "interrupted: graded submissions are kept; run the same command to resume" in stderr

        def alive(pid):
            try:
                return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"
            except OSError:
                return False

        deadline = time.time() + 30
        while any(alive(pid) for pid in workers) and time.time() < deadline:
            time.sleep(0.1)
        assert workers and not [pid for pid in workers if alive(pid)]   # they died with the batch
        done_before = {p.stem: p.stat().st_mtime_ns for p in results_dir.glob("*.json")}
        assert "s0" not in done_before, (results_dir / "s0.json").read_text()[-3000:]
        assert 1 <= len(done_before) < len(students)
        assert all(not p.name.startswith(".") for p in results_dir.glob("*.json"))
        half_written = results_dir / f"{batch.PARTIAL_PREFIX}killed.part"    # as a kill leaves it
        half_written.write_text('{"student": "s4", "sco')

        submit(0, SOURCE.notebook())            # s0 fixes the endless loop
        monkeypatch.setenv("TMPDIR", str(tmp))   # the workers' temporary folder
        lines: list[str] = []
        results = {r["student"]: r for r in batch.autograde(root, [SOURCE.assignment], workers=2,
                                                           log=lines.append)}
        assert lines[0].startswith(f"{len(students)} submissions: {len(done_before)} already graded")
        assert not half_written.exists()
        for student, mtime in done_before.items():      # not graded a second time
            assert (results_dir / f"{student}.json").stat().st_mtime_ns == mtime
        mutant_points = sum(p for gid, p in POINTS.items() if gid.startswith(MUTANT.function + "_"))
        for k, student in enumerate(students):
            assert results[student]["score"] == (FULL if k % 2 == 0 else FULL - mutant_points)
        with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
            submissions = gb.assignment_submissions(SOURCE.assignment)
            assert sorted(s.student.id for s in submissions) == students
            assert {s.student.id: s.score for s in submissions} == {
                s: r["score"] for s, r in results.items()}
        assert key_files(tmp) == []


def test_needed_cells_keep_what_tests_depend_on_and_skip_the_rest():  # noqa: C901
    from graders.verify import needed_cells

    def code(source, **nbgrader):
        cell = nbformat.v4.new_code_cell(source)
        if nbgrader:
            cell.metadata["nbgrader"] = nbgrader
        return cell

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        code("mark = 1"),                                             # 0: the grader's first cell
        code("import numpy as np\nimport matplotlib.pyplot as plt"),  # 1: set-up
        code("data = np.arange(4)"),                                  # 2: read by the test
        code("plt.plot(data)\nplt.show()"),                           # 3: a plot: skipped
        code("# GRADED FUNCTION: double\ndef double(x):\n    y = scale * x\n    return y"),  # 4
        code("def set_scale():\n    global scale\n    scale = 2\n\n\nset_scale()"),  # 5: read by 4
        code("model = Model()\n"),                                    # 6: changed by 7, read by 10
        code("model.fit(data)"),                                      # 7
        code("unused = double(3)\nprint(unused)"),                    # 8: a demo: skipped
        code("y = 3\ndef helper(model):\n    model.fit(y)"),          # 9: y, model local elsewhere
        code("assert double(data).sum() == 12\nassert model.ok", grade=True, grade_id="double_tests",
             points=1),                                               # 10: the test
        code("%timeit double(data)"),                                 # 11: magic, after the test
    ]
    assert needed_cells(nb) == {0, 1, 2, 4, 5, 6, 7, 10}


@pytest.mark.parametrize("key", [s.key for s in all_sources()])   # a new notebook is included
def test_every_solution_scores_full_marks_in_a_lean_sandboxed_run(key, tmp_path):
    from graders.sandbox import Limits

    source = find_source(key)
    os.chmod(tmp_path, 0o711)
    workdir = tmp_path / source.stem
    graded, tests, problems, flags = batch.grade_notebook(
        source, source.notebook(), workdir, 600, Limits(cpu_seconds=600), figures=False, lean=True)
    assert problems == [] and flags == []
    assert [(t["id"], t["score"]) for t in tests] == [
        (gid, float(points)) for gid, points in grade_cells(source.notebook()).items()]
    # a note says which lesson cells were skipped; a quiz has none to skip
    skipped = lean_skip(source.notebook())
    assert graded.cells[0].source.startswith("*Graded run: ") == bool(skipped)
    assert skipped or source.stem == "quiz"
