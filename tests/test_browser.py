"""The course in a real browser: headless Chromium (the playwright package, Debian's chromium)
drives JupyterLab as `make lab` starts it, on a copy of the course, so nothing in weeks/ changes.

- a student runs a finished notebook top to bottom: no cell shows an error, every figure shows;
- running an untouched stub's test cell shows the course's one-line message, not a traceback;
- nbgrader's Validate button passes a finished notebook and fails an untouched one briefly;
- the Formgrader lists the course's assignments and shows an autograded submission's score.

One server and one browser serve the whole module. By default one quick notebook per week runs;
CNN_COURSE_BROWSER_ALL=1 runs every notebook. Screenshots go to artifacts/screenshots/
(git-ignored). Skip these tests with ``pytest -m "not browser"``.
"""
from __future__ import annotations

import os
import re

import nbformat
import pytest

from browser_support import (
    CHROMIUM, CHROMIUM_ARGS, NOTEBOOK_PANEL, UI_TIMEOUT_MS, dialog, lab_server, make_course, menu,
    open_notebook, prompts_summary, run_cell, screenshot, scroll_to_cell, solved_notebook,
    solved_path, untouched_path, wait_until_ran,
)
from graders.course import nbgrader
from graders.sources import all_sources, assignments, find_source, grade_cells, graded_function

pytestmark = pytest.mark.browser

QUICK = ["week1/conv_step", "week2/case_studies", "week3/car_detection", "week4/face_recognition"]
RUN_ALL = os.environ.get("CNN_COURSE_BROWSER_ALL") == "1"
NOTEBOOKS = [s.key.replace("_", "/", 1) for s in all_sources()] if RUN_ALL else QUICK
STUB = find_source("week1/conv_step")  # its first stub, zero_pad, is the example
RUN_TIMEOUT_MS = 1_200_000 if RUN_ALL else 300_000  # a whole notebook (the slowest: minutes)
STUB_MESSAGE = "is not implemented yet"  # utils/checks.py's friendlier(), shown by every stub


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium, which playwright drives (its own browser download needs internet)."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: `make chromium` installs Debian's package `chromium`"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(reason + " (CI runs the browser tests, so this is an error)")
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture(scope="module")
def server(chromium, tmp_path_factory):
    """JupyterLab on a copy of the course in which the notebooks under test are solved."""
    root = tmp_path_factory.mktemp("browser")
    solved = {find_source(name) for name in NOTEBOOKS} | {STUB}
    course = make_course(root, sorted(solved, key=lambda s: s.key))
    with lab_server(course, root / "home") as lab:
        lab.course = course
        yield lab


@pytest.fixture(scope="module")
def browser(chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def context(browser):
    """One browser profile for the module (JupyterLab's scripts load from its cache)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(UI_TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page(context, server):
    """A fresh tab; afterwards its kernels are shut down, so that tests do not slow each other."""
    tab = context.new_page()
    yield tab
    tab.close()
    server.shut_down_kernels()


# --------------------------------------------------------------------------- helpers
def read(server, path: str) -> nbformat.NotebookNode:
    return nbformat.read(server.course / path, as_version=4)


def last_code_cell(nb) -> int:
    return max(i for i, cell in enumerate(nb.cells) if cell.cell_type == "code")


def cell_index(nb, function: str, tests: bool = False) -> int:
    """The index of ``function``'s graded cell, or with ``tests`` of its first test cell."""
    code = next(i for i, c in enumerate(nb.cells) if graded_function(c) == function)
    if not tests:
        return code
    return next(i for i in grade_cell_indices(nb) if i > code)


def grade_cell_indices(nb) -> list[int]:
    """The indices of the autograded test cells."""
    return [i for i, c in enumerate(nb.cells) if c.get("metadata", {}).get("nbgrader", {})
            .get("grade") and not c.metadata.nbgrader.get("solution")]


def figures_made(nb) -> dict[int, int]:
    """{cell index: number of image outputs} of an executed notebook (what the kernel sent)."""
    counts = {i: sum(1 for o in cell.get("outputs", []) if "image/png" in o.get("data", {}))
              for i, cell in enumerate(nb.cells)}
    return {i: n for i, n in counts.items() if n}


def cells_that_show_figures(nb) -> list[int]:
    """Code cells that call plt.show() at top level: each must make at least one figure."""
    return [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
            and re.search(r"^plt\.show\(\)", cell.source, re.M)]


def save(page) -> None:
    """File > Save (Ctrl+S), then wait until the tab is no longer marked as modified."""
    page.locator(f"{NOTEBOOK_PANEL} .jp-Notebook").click(
        position={"x": 5, "y": 5})
    page.keyboard.press("Control+s")
    page.wait_for_function(
        "() => !document.querySelector('.lm-TabBar-tab.jp-mod-current.jp-mod-dirty')")


def click_validate(page) -> dict:
    """Click nbgrader's Validate button; the result dialog's classes, text and error blocks."""
    page.locator(f"{NOTEBOOK_PANEL} .validate-button").click()
    box = dialog(page, "Validation Results")
    message = box.locator("#validation-message")
    result = {"classes": message.get_attribute("class") or "", "text": message.inner_text(),
              "errors": [pre.inner_text() for pre in
                         message.locator(".jp-RenderedText pre").all()[1::2]]}
    return result


# --------------------------------------------------------------------------- 1. solutions
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_solved_notebook_runs_clean_and_shows_every_figure(server, page, name):
    """Run > Run All Cells on a finished notebook: every code cell runs, no cell shows an error
    or stderr, and each figure the kernel sent is an <img> on the page."""
    source = find_source(name)
    path = solved_path(source)
    nb = read(server, path)
    open_notebook(page, server, path, len(nb.cells))
    menu(page, "Run", "Run All Cells")
    state = wait_until_ran(page, last_code_cell(nb), RUN_TIMEOUT_MS)
    errors = {i: c["errors"] for i, c in enumerate(state["cells"]) if c["errors"]}
    scroll_to_cell(page, min(errors) if errors else grade_cell_indices(nb)[0])
    shot = screenshot(page, source.key)  # the first error, or else the first test cell

    assert not errors, f"{name}: cells showing errors or stderr (screenshot {shot}):\n" + \
        "\n".join(f"cell {i}: {text[:800]}" for i, texts in errors.items() for text in texts)
    unrun = [i for i, c in enumerate(state["cells"])
             if c["code"] and not re.fullmatch(r"\[\d+\]:", c["prompt"])]
    assert not unrun, f"{name}: code cells {unrun} did not run; prompts: {prompts_summary(state)}"
    for i in grade_cell_indices(nb):
        visible = nb.cells[i].source
        if "check(" in visible:
            assert "OK" in state["cells"][i]["text"], \
                f"{name}: test cell {i} printed no OK:\n{state['cells'][i]['text'][:800]}"

    save(page)
    made = figures_made(read(server, path))
    rendered = {i: c["images"] for i, c in enumerate(state["cells"]) if c["images"]}
    assert rendered == made, f"{name}: <img> per cell on the page {rendered}, " \
                             f"figures the kernel sent {made}"
    silent = [i for i in cells_that_show_figures(nb) if i not in made]
    assert not silent, f"{name}: cells {silent} call plt.show() but showed no figure"


# --------------------------------------------------------------------------- 2. a stub
def test_stub_test_cell_shows_one_line_message(server, page):
    """In the student notebook, the imports cell, the untouched zero_pad cell, then its test
    cell: the test cell shows the course's one-line message, not a traceback."""
    path = untouched_path(STUB)
    nb = read(server, path)
    open_notebook(page, server, path, len(nb.cells))
    imports = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    for i in (imports, cell_index(nb, "zero_pad")):
        state = run_cell(page, i)
        assert not state["cells"][i]["errors"], f"cell {i}: {state['cells'][i]['errors']}"
    test = cell_index(nb, "zero_pad", tests=True)
    state = run_cell(page, test)
    screenshot(page, f"{STUB.key}_stub_test")
    shown = state["cells"][test]["text"].strip()
    lines = shown.splitlines()
    assert "zero_pad " + STUB_MESSAGE in shown, f"the test cell shows:\n{shown}"
    assert len(lines) <= 3, f"{len(lines)} lines, expected one short message:\n{shown}"
    assert "Traceback" not in shown and "---->" not in shown, shown


# --------------------------------------------------------------------------- 3. Validate
def test_validate_passes_a_solved_notebook(server, page):
    """The Validate button on a finished notebook: "Success! ..." in a dialog."""
    path = solved_path(STUB)
    open_notebook(page, server, path, len(read(server, path).cells))
    result = click_validate(page)
    screenshot(page, f"{STUB.key}_validate_solved")
    assert "validation-success" in result["classes"], result["text"][:2000]
    assert result["text"].strip() == "Success! Your notebook passes all the tests."


@pytest.fixture(scope="module")
def stub_validation(context, server):
    """What the Validate button shows for the untouched student notebook (run once)."""
    tab = context.new_page()
    path = untouched_path(STUB)
    nb = read(server, path)
    open_notebook(tab, server, path, len(nb.cells))
    result = click_validate(tab)
    result["screenshot"] = screenshot(tab, f"{STUB.key}_validate_stub")
    result["screenshot"].with_suffix(".txt").write_text(result["text"])  # the dialog's text
    result["tests"] = len(grade_cells(nb))
    tab.close()
    server.shut_down_kernels()
    return result


def test_validate_fails_a_stub_notebook_with_one_line_per_test(stub_validation):
    """Each test cell is reported once, by the course's one-line stub message: no traceback.
    (The first entry is the summary, whose own heading is hidden.)"""
    result = stub_validation
    errors = result["errors"][1:]
    assert "validation-failed" in result["classes"], result["text"][:2000]
    assert result["text"].count("The following cell failed:") == result["tests"]
    assert len(errors) == result["tests"], errors
    for error in errors:
        assert STUB_MESSAGE in error, error
        assert len(error.strip().splitlines()) <= 2, error
        assert "Traceback" not in error and "---->" not in error, error


def test_validate_dialog_starts_with_a_summary(stub_validation):
    """Issue 18: the dialog says up front how many tests failed, and in which functions
    (utils/lab_validate.py; nbgrader's own dialog has no such line)."""
    lines = [line for line in stub_validation["text"].strip().splitlines() if line.strip()]
    tests = stub_validation["tests"]
    note = next(i for i, line in enumerate(lines) if line.startswith("Each failed test follows"))
    assert " ".join(lines[:note]) == f"{tests} of {tests} tests failed, in " + ", ".join(
        graded_function(c) for c in STUB.notebook().cells if graded_function(c)) + ".", lines[:4]
    assert lines[note + 1] == "The following cell failed:", lines[:note + 2]


# --------------------------------------------------------------------------- 4. Formgrader
def open_formgrader(page, server) -> None:
    """The Formgrader's first page, Manage Assignments, once its table has loaded."""
    page.goto(server.page_url("/formgrader"))
    page.locator("#main-table tr .name a").first.wait_for()


def test_formgrader_lists_the_assignments(server, page):
    """Manage Assignments lists the course's weeks, week1 .. week4, and nothing else."""
    open_formgrader(page, server)
    names = page.locator("#main-table tr .name a").all_inner_texts()
    screenshot(page, "formgrader_assignments")
    assert sorted(n.strip() for n in names) == assignments(), names


def autograde_solved_submission(server, student: str) -> None:
    """Generate the week (the Formgrader's Generate button), put ``student``'s finished
    notebook in submitted/ and autograde it, as the instructor would from a terminal."""
    assert server.api("POST", f"/formgrader/api/assignment/{STUB.assignment}/assign")["success"]
    folder = server.course / "submitted" / student / STUB.assignment
    folder.mkdir(parents=True)
    nbformat.write(solved_notebook(STUB), folder / f"{STUB.stem}.ipynb")
    nbgrader(["autograde", STUB.assignment, f"--student={student}"], cwd=server.course,
             timeout=600)


def test_formgrader_shows_an_autograded_submission(server, page):
    """After autograding a student's finished conv_step, the instructor follows Manage
    Assignments -> week1's submissions -> the student -> the notebook, and sees the score at
    each step: the week's total, the notebook's, and every test cell's full points."""
    autograde_solved_submission(server, "alice")
    tests = grade_cells(STUB.notebook())
    points = sum(tests.values())
    week = sum(sum(grade_cells(s.notebook()).values()) for s in all_sources()
               if s.assignment == STUB.assignment)

    open_formgrader(page, server)
    page.locator("#main-table tr", has=page.locator(".name", has_text=STUB.assignment)) \
        .locator(".num-submissions a").click()
    row = page.locator("#main-table tr", has=page.locator(".student-id", has_text="alice"))
    row.locator(".score").filter(has_text="/").wait_for()
    screenshot(page, "formgrader_submissions")
    shown = row.locator(".score").inner_text().strip()
    assert shown == f"{points:g} / {week:g}", \
        f"week1's score for alice: expected {points:g} / {week:g}, the page shows {shown!r}"

    row.locator(".student-name a").click()  # alice's notebooks in week1
    nb_row = page.locator("#main-table tr", has=page.locator(".name a", has_text=STUB.stem))
    nb_row.locator(".score").filter(has_text="/").wait_for()
    shown = nb_row.locator(".score").inner_text().strip()
    assert shown == f"{points:g} / {points:g}", f"{STUB.stem}'s score: the page shows {shown!r}"

    nb_row.locator(".name a").click()  # the autograded notebook, with a score box per test
    # an autograded score is the box's placeholder (a value is a manual override)
    page.wait_for_function(
        "n => [...document.querySelectorAll('input.score')].filter(i => i.placeholder).length"
        " === n", arg=len(tests))
    screenshot(page, "formgrader_autograded_notebook")
    scores = page.evaluate("() => Object.fromEntries([...document.querySelectorAll("
                           "'input.score')].map(i => [i.id, Number(i.placeholder)]))")
    assert scores == tests, f"score boxes {scores}, expected full points {tests}"
