"""The "Expected output" notes under test cells come from the recorded references."""
from __future__ import annotations

import json

from graders.expected_output import MARK, add_notes
from graders.sources import all_sources, expected_path, find_source, function_of, graded_functions
from utils.checks import is_hidden


def notes_by_test(nb) -> dict[str, str]:
    out = {}
    for previous, cell in zip(nb.cells, nb.cells[1:]):
        gid = previous.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if cell.cell_type == "markdown" and cell.source.startswith(MARK):
            out[gid] = cell.source
    return out


def test_every_visible_case_is_listed_under_its_own_test():
    for source in all_sources():
        path = expected_path(source.py_path)
        cases = json.loads(path.read_text())["cases"]
        nb = source.notebook()
        functions = graded_functions(nb)
        notes = notes_by_test(nb)
        for case in cases:
            assert not is_hidden(case)
            owners = [gid for gid, text in notes.items() if f"`{case}`" in text]
            assert len(owners) == 1, (case, owners)
            assert case.startswith(function_of(owners[0], functions) + "_"), (case, owners)


def test_the_notes_show_the_recorded_values(tmp_path):
    source = find_source("week1_conv_step")
    notes = notes_by_test(source.notebook())
    assert "| `conv_single_step_example` | -6.999089451 |" in notes["conv_single_step_tests"]
    assert "array of shape (2, 2): [9. 2. 6. 3.]" in notes["pool_forward_tests"]
    # a re-recorded reference changes the note (it is never written by hand)
    document = json.loads(expected_path(source.py_path).read_text())
    document["cases"]["conv_single_step_example"]["expected"]["data"] = 1.5
    changed = tmp_path / "week1_conv_step.json"
    changed.write_text(json.dumps(document))
    nb = source.notebook()
    nb.cells = [c for c in nb.cells if not (c.cell_type == "markdown" and c.source.startswith(MARK))]
    add_notes(nb, changed)
    assert "| `conv_single_step_example` | 1.5 |" in notes_by_test(nb)["conv_single_step_tests"]
