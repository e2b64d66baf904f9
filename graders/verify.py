"""Re-verify a submission's graded functions outside the student's kernel.

nbgrader scores a test cell by whether it raised inside the student's own kernel, where the
student's code has run first and can fool it: blank later cells with an input transformer,
return objects whose ``__eq__`` always says yes, monkeypatch ``np.allclose``. Re-verification
does not trust that kernel's verdicts:

1. it builds a *verification notebook* from the course's source: every cell is the course's own
   (imports, lesson code, test cells including hidden tests) except the graded-function cells,
   which are the student's;
2. ``graders.batch`` runs it in a fresh sandboxed kernel (``graders.sandbox``) with a grading
   log (``utils.checks.GRADING_LOG_ENV``): ``utils.checks.check`` writes each test case's value
   to it as plain JSON, then compares as usual (so the cells' outputs give nbgrader's in-kernel
   verdict), and each test cell writes a start and a done mark;
3. the grading process, which never runs student code and imported its comparison code and
   the reference outputs first, compares the logged values with the references (``verdicts``).

A test cell passes re-verification when it started, finished, and every reference case of its
function was logged with the expected value. ``graders.batch`` flags every test where this
verdict and the in-kernel one disagree and scores the verified one.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import nbformat

from utils.checks import ATOL, GRADING_LOG_ENV, RTOL, _mismatch, decode, load_references

from graders.sources import GRADED_PREFIX, Source, function_of, grade_cells, graded_function, graded_functions

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
                name, f"{GRADED_PREFIX}{name}\nraise NotImplementedError('{name} is missing')\n")
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


def verdicts(source: Source, records: list[dict], executed=None) -> dict[str, Verdict]:
    """Judge every test cell of ``source`` from the verification run's log."""
    references = load_references()
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
        cases = sorted(c for c in references if c.startswith(function + "_"))
        if gid not in started:
            out[gid] = Verdict(gid, False, "the test cell did not run when re-verified")
            continue
        if gid not in done:
            out[gid] = Verdict(gid, False, "the test cell failed when re-verified"
                               + (f" ({errors[gid]})" if gid in errors else ""))
            continue
        problem = None
        for case in cases:
            item = values.get((gid, case))
            if item is None:
                problem = f"test case {case} produced no value when re-verified"
                break
            try:
                got = decode(item["value"])
                rtol = max(float(item.get("rtol", RTOL)), RTOL)
                atol = max(float(item.get("atol", ATOL)), ATOL)
                mismatch = _mismatch(got, decode(references[case]["expected"]), case, rtol, atol)
            except Exception as error:
                mismatch = f"its value could not be read ({type(error).__name__})"
            if mismatch:
                problem = (f"test case {case} differs from the reference when re-verified"
                           if "hidden" in case else f"re-verified: {mismatch}")
                break
        out[gid] = Verdict(gid, problem is None, problem or "passed re-verification")
    return out


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

    Always: the cells that import before the first graded function (the set-up), graded-function
    cells, test cells. Then, until nothing changes, every cell before the last needed one that
    binds a name a needed cell reads, or changes an object a needed cell reads (``model.fit``). Lesson cells nobody depends on (plots, demos) are left out; a test
    runs every solution this way and requires full marks.
    """
    info = {i: _names(c.source) for i, c in enumerate(nb.cells) if c.cell_type == "code"}
    modules = set().union(*(m for _, _, m, _ in info.values()))   # np.array(...) changes nothing
    first_graded = next((i for i, c in enumerate(nb.cells) if graded_function(c)), len(nb.cells))
    needed = set()
    for i, cell in enumerate(nb.cells):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if i not in info:
            continue
        setup = i == 0 or (info[i][2] and i < first_graded)
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
