"""Judge a submission's test cells outside the student's kernel: the only verdict that counts.

The kernel holds no answer key: it can read the visible cases' expected values
(``utils/expected/``), never the hidden ones (``graders/reference/``, which the sandbox does not
mount), and no solution code. Every grading path judges the same way:

1. build a *verification notebook* from the course's source: every cell is the course's own
   (imports, lesson code, test cells including hidden tests) except the graded-function cells,
   which are the student's (``verification_notebook``);
2. run it in a fresh (sandboxed) kernel with a grading log (``utils.checks.GRADING_LOG_ENV``):
   every ``check`` writes the value it tested to it, and each test cell writes a start and a
   done mark;
3. in the grading process, which never runs student code, compare the logged values with the
   answer key (``verdicts``) and write the verdict into the test cells' outputs
   (``apply_verdicts``), so nbgrader's own scoring of the cells gives exactly these verdicts.

``graders.batch`` does this for a class; ``graders.verified_run.VerifiedExecute`` does it inside
``nbgrader autograde`` (and so for ``python -m graders grade``). A test cell passes when it
started, finished, and every case of its function was logged with a value the key accepts.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import nbformat

from utils.checks import GRADING_LOG_ENV, decode, is_hidden, judge

from graders.sources import Source, function_of, grade_cells, graded_function, graded_functions, graded_prefix

MARK_CELL = f'''\
def _cnn_course_mark(event, grade_id, _path=__import__("os").environ["{GRADING_LOG_ENV}"],
                     _dumps=__import__("json").dumps):
    with open(_path, "a") as _fh:
        _fh.write(_dumps({{"mark": event, "cell": grade_id}}) + "\\n")
'''


# Run first when figures are not wanted: plots are still made, but never rendered to PNG.
NO_FIGURES = "get_ipython().display_formatter.formatters['image/png'].enabled = False\n"


def verification_notebook(source: Source, submitted, figures: bool = True) -> nbformat.NotebookNode:
    """The source notebook with the student's graded-function cells spliced in, test cells marked.

    A graded function missing from the submission keeps a stub that raises NotImplementedError.
    ``graded_notebook`` turns the executed result back into the course's cells.
    """
    student_cells = {}
    for cell in submitted.cells:
        name = graded_function(cell)
        if name and name not in student_cells:
            student_cells[name] = cell.source
    nb = source.notebook()
    cells = [nbformat.v4.new_code_cell(MARK_CELL + ("" if figures else NO_FIGURES))]
    for cell in nb.cells:
        name = graded_function(cell)
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if name:
            cell.source = student_cells.get(
                name, f"{graded_prefix(cell)}{name}\nraise NotImplementedError('{name} is missing')\n")
        elif meta.get("grade") and not meta.get("solution") and cell.cell_type == "code":
            gid = meta["grade_id"]
            cell.source = (f"_cnn_course_mark('start', {gid!r})\n{cell.source}\n"
                           f"_cnn_course_mark('done', {gid!r})\n")
        if cell.cell_type == "code":
            cell.outputs = []
        cells.append(cell)
    nb.cells = cells
    return nb


def graded_notebook(executed) -> nbformat.NotebookNode:
    """An executed verification notebook without its first cell and its marks (in place)."""
    executed.cells = executed.cells[1:]
    for cell in executed.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution") and cell.cell_type == "code":
            lines = cell.source.split("\n")      # [start mark, *test, done mark, ""]
            cell.source = "\n".join(lines[1:-2])
    return executed


@dataclass
class Verdict:
    grade_id: str
    passed: bool
    reason: str
    hidden: bool = False    # failed on a hidden case only, which the kernel cannot judge
    explanation: str = ""   # a quiz question's "why", shown after grading whatever the verdict


def answer_key(source: Source) -> dict[str, dict]:
    """Every case of ``source``'s notebook, hidden ones included (``graders/reference/``)."""
    if not source.reference_path.exists():
        return {}
    return json.loads(source.reference_path.read_text())["cases"]


def read_log(path: Path) -> list[dict]:
    """The log's records; lines that are not JSON objects are ignored."""
    records = []
    if path.exists():
        for line in path.read_text(errors="replace").splitlines():
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(item, dict):
                records.append(item)
    return records


def _case_problem(case_id: str, case: dict, item: dict | None) -> str | None:
    if item is None:
        return f"test case {case_id} produced no value"
    try:
        got = decode(item["value"])
    except Exception as error:
        return f"{case_id}: its value could not be read ({type(error).__name__})"
    name = item.get("name") if isinstance(item.get("name"), str) else "output"
    try:
        return judge(case_id, case, got, name[:80])
    except Exception as error:
        return f"{case_id}: its value could not be compared ({type(error).__name__})"


def verdicts(source: Source, records: list[dict], executed=None) -> dict[str, Verdict]:
    """Judge every test cell of ``source`` from the verification run's log."""
    key = answer_key(source)
    source_nb = source.notebook()
    functions = graded_functions(source_nb)
    started, done, values = set(), set(), {}
    current = None
    for item in records:
        if "mark" in item:
            current = item.get("cell") if item["mark"] == "start" else None
            (started if item["mark"] == "start" else done).add(item.get("cell"))
        elif "case" in item and current is not None:
            values.setdefault((current, item["case"]), item)
    errors = {}
    for cell in (executed.cells if executed is not None else []):
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        for out in cell.get("outputs", []):
            if gid and out.get("output_type") == "error":
                errors[gid] = f"{out.get('ename')}: {out.get('evalue', '')}".strip()[:300]
    out = {}
    for gid in grade_cells(source_nb):
        function = function_of(gid, functions) or gid
        cases = sorted(c for c in key if c.startswith(function + "_"))
        if gid not in started:
            out[gid] = Verdict(gid, False, "the test cell did not run")
            continue
        if gid not in done:
            out[gid] = Verdict(gid, False, "the test cell failed"
                               + (f" ({errors[gid]})" if gid in errors else ""))
            continue
        problem, hidden = None, False
        for case in cases:
            problem = _case_problem(case, key[case], values.get((gid, case)))
            if problem:
                hidden = is_hidden(case)
                break
        explanation = next((key[c]["explain"] for c in cases if key[c].get("explain")), "")
        out[gid] = Verdict(gid, problem is None, problem or "passed", hidden, explanation)
    for gid, verdict in out.items():     # cells that did not run or finish are explained too
        if not verdict.explanation:
            function = function_of(gid, functions) or gid
            verdict.explanation = next((case["explain"] for c, case in sorted(key.items())
                                        if c.startswith(function + "_") and case.get("explain")), "")
    return out


# How a quiz question's explanation starts in its graded cell (``graders.course.cell_message``
# quotes it in the message of the test).
WHY = "[grader] Why: "


def apply_verdicts(nb, judged: dict[str, Verdict]) -> None:
    """Make each test cell's outputs say its verdict (in place), so that nbgrader's scoring of
    the cell (an error or stderr output: no points) agrees with it.

    A failed cell without an error gets one naming the failed case; a passed cell's stderr and
    error outputs (a warning, a traceback printed by the student's code) become plain text.
    """
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        verdict = judged.get(meta.get("grade_id")) if meta.get("grade") else None
        if verdict is None or cell.cell_type != "code":
            continue
        outputs = cell.get("outputs", [])
        if verdict.passed:
            changed = False
            for i, output in enumerate(outputs):
                if output.get("output_type") == "error":
                    text = f"{output.get('ename')}: {output.get('evalue')}"
                elif output.get("output_type") == "stream" and output.get("name") == "stderr":
                    text = output.get("text", "")
                else:
                    continue
                changed = True
                outputs[i] = nbformat.v4.new_output("stream", name="stdout",
                                                    text=f"[printed to stderr] {text}")
            if changed:
                outputs.append(nbformat.v4.new_output("stream", name="stdout", text=(
                    "[grader] Passed: every value this test checks was right when judged outside "
                    "the notebook; what went to stderr is shown above as plain text.\n")))
        elif not any(o.get("output_type") == "error" for o in outputs):
            outputs.append(nbformat.v4.new_output(
                "error", ename="AssertionError", evalue=verdict.reason,
                traceback=[f"AssertionError: {verdict.reason}"]))
        if verdict.explanation:
            outputs.append(nbformat.v4.new_output("stream", name="stdout",
                                                   text=f"{WHY}{verdict.explanation}\n"))
        cell.outputs = outputs


# --------------------------------------------------------------------------- lean grading runs
def _names(source: str) -> tuple[set[str], set[str], set[str], set[str]]:
    """(global names a cell binds, global names it reads without binding them, modules it
    imports, global names whose objects it changes without binding them).

    Python's own scoping decides what is global (``symtable``): a function's parameters and
    locals are neither bound nor read at the top level, while the globals a function body reads
    count as reads of the cell (they are read when the function is called). "Changes":
    ``x.method(...)``, ``x.attr = ...``, ``x[...] = ...`` at any depth, for a plain name ``x``
    that is global where it appears, as far as one cell can tell (``model.fit(...)`` trains a
    model a later test may use). Unparsable code reads and binds nothing.
    """
    import ast
    import symtable

    from IPython.core.inputtransformer2 import TransformerManager

    try:
        python = TransformerManager().transform_cell(source)
        tree = ast.parse(python)
        top = symtable.symtable(python, "<cell>", "exec")
    except (SyntaxError, ValueError):
        return set(), set(), set(), set()
    binds = {s.get_name() for s in top.get_symbols() if s.is_assigned() or s.is_imported()}
    modules = {s.get_name() for s in top.get_symbols() if s.is_imported()}
    reads = {s.get_name() for s in top.get_symbols() if s.is_referenced()}
    nested = list(top.get_children())
    while nested:
        table = nested.pop()
        nested.extend(table.get_children())
        for symbol in table.get_symbols():
            if symbol.is_declared_global() and symbol.is_assigned():
                binds.add(symbol.get_name())
            elif symbol.is_global() and symbol.is_referenced():
                reads.add(symbol.get_name())
    changed = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and isinstance(node.func.value, ast.Name):
            changed.add(node.func.value.id)
        elif isinstance(node, (ast.Attribute, ast.Subscript)) and isinstance(node.ctx, ast.Store) \
                and isinstance(node.value, ast.Name):
            changed.add(node.value.id)
    # A name the cell binds itself counts as its own (``x = ...; f(x)``), not as a dependency.
    return binds, reads - binds, modules, (changed & reads) - modules - binds


def needed_cells(nb) -> set[int]:
    """Indices of the code cells a grading run of ``nb`` (a verification notebook) needs.

    Always: the first cell (the grading marks), the imports cell (the first that imports,
    before any graded function), graded-function cells, test cells. Then, until nothing
    changes, every cell before the last needed one that binds a name a needed cell reads, or
    changes an object a needed cell reads (``model.fit``). Lesson cells nobody depends on
    (plots, demos) are left out; a test runs every solution this way and requires full marks.
    """
    info = {i: _names(c.source) for i, c in enumerate(nb.cells) if c.cell_type == "code"}
    modules = set().union(*(m for _, _, m, _ in info.values()))   # np.array(...) changes nothing
    first_graded = next((i for i, c in enumerate(nb.cells) if graded_function(c)), len(nb.cells))
    # the imports cell: the first that imports, before any graded function (a lesson cell that
    # imports something for a demo counts like any other: run only if a needed cell reads it)
    imports_cell = next((i for i in sorted(info) if info[i][2] and i < first_graded), None)
    needed = set()
    for i, cell in enumerate(nb.cells):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if i not in info:
            continue
        setup = i == 0 or i == imports_cell
        if setup or graded_function(cell) or meta.get("grade"):
            needed.add(i)
    changed = True
    while changed:
        # Any needed cell counts, even an earlier one: a function it defines reads its globals
        # when a later cell calls it.
        reads = set().union(*(info[j][1] for j in needed))
        last = max(needed)
        added = {i for i, (binds, _, _, changes) in info.items()
                 if i not in needed and i < last and (binds | (changes - modules)) & reads}
        needed |= added
        changed = bool(added)
    return needed


def lean_skip(nb) -> set[int]:
    """The code cells of verification notebook ``nb`` that a lean grading run leaves out."""
    needed = needed_cells(nb)
    return {i for i, c in enumerate(nb.cells) if c.cell_type == "code" and i not in needed}


def skipped_note(count: int) -> nbformat.NotebookNode:
    """The markdown cell a graded notebook starts with when ``count`` lesson cells did not run."""
    return nbformat.v4.new_markdown_cell(
        f"*Graded run: {count} lesson cells that no test depends on (plots, demos) were not run, "
        "so they show no output here. Run the notebook yourself to see them.*")
