"""The "Expected output" note under each test cell, generated from the recorded references.

As the original assignments did, a learner sees what a correct function gives before running
the test. The note is made from ``utils/expected/<key>.json`` (the visible cases, recorded from
the solution by ``make refs``), so it never drifts from what the tests check; ``make build``
writes it into every notebook, and a test fails when ``weeks/`` is out of date.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat

MARK = "**Expected output**"


def _describe_case(case: dict) -> str:
    from utils.checks import _describe, decode

    expected = decode(case["expected"])
    if "minimum" in case:
        return f"at least {case['minimum']:g} accuracy on the {np_size(expected)} test pictures"
    if isinstance(expected, dict):       # a model description (utils.modelcheck)
        last = expected["steps"][-1] if expected["steps"] else {}
        output = tuple(last.get("output_shape", [])[1:])
        return (f"a model of {len(expected['steps'])} layers, output shape (m, "
                f"{', '.join(map(str, output))}), {expected['params']:,} parameters")
    return _describe(expected).replace("\n", " ")


def np_size(value) -> int:
    return int(getattr(value, "size", len(value)))


def _position(case_id: str, text: str, function: str) -> int:
    """Where a case of ``function`` is checked in a test cell: its id, or the literal start of
    an f-string id (``f"pool_forward_example_{mode}"``)."""
    best = len(text)
    for match in re.finditer(r"""f?["']([A-Za-z0-9_]+)""", text):
        prefix = match.group(1)
        if prefix.startswith(function + "_") and case_id.startswith(prefix):
            best = min(best, match.start())
    return best


def note(cases: dict[str, dict], test_source: str, function: str) -> str | None:
    """The markdown of the note for a test cell of ``function``, or None when it checks no
    visible case."""
    visible = test_source.split("### BEGIN HIDDEN TESTS")[0]
    mine = [c for c in cases if _position(c, visible, function) < len(visible)]
    if not mine:
        return None
    mine.sort(key=lambda c: (_position(c, visible, function), c))
    rows = [f"| `{case}` | {_describe_case(cases[case])} |" for case in mine]
    return "\n".join([f"{MARK} (recorded from the reference solution): the test prints "
                      "`OK` after each case.", "", "| case | expected |", "|---|---|", *rows])


def add_notes(nb, expected_path: Path) -> None:
    """Insert the note after each test cell of ``nb`` (in place), if references exist."""
    if not expected_path.exists():
        return
    from graders.sources import function_of, graded_functions

    cases = json.loads(expected_path.read_text())["cases"]
    functions = graded_functions(nb)
    cells = []
    for cell in nb.cells:
        cells.append(cell)
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            text = note(cases, cell.source, function_of(meta["grade_id"], functions) or "")
            if text:
                cells.append(nbformat.v4.new_markdown_cell(text))
    nb.cells = cells
