"""What a learner sees when a notebook starts: no red stderr blocks, in any way it is run."""
from __future__ import annotations

import os

import nbformat
import pytest
from nbclient import NotebookClient

from graders.ipc_kernel import IpcKernelManager
from graders.sources import ROOT, all_sources

SOURCES = all_sources()


@pytest.mark.parametrize("source", SOURCES, ids=[s.key for s in SOURCES])
def test_the_imports_cell_writes_nothing_to_stderr(source, tmp_path):
    """The imports cell, alone in a fresh kernel whose environment sets none of TensorFlow's
    logging variables (as a lab started by hand would), prints no stderr and raises nothing.
    oneDNN is turned on, as on any recent CPU: its start-up notice is what most needs keeping out."""
    cell = next(c for c in source.notebook().cells if c.cell_type == "code")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(cell.source)])
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    env.update(PYTHONPATH=str(ROOT), TF_ENABLE_ONEDNN_OPTS="1")
    NotebookClient(nb, kernel_manager_class=IpcKernelManager,
                   kernel_name="python3", timeout=300,
                   resources={"metadata": {"path": str(tmp_path)}}).execute(env=env)
    outputs = nb.cells[0].outputs
    assert not [o for o in outputs if o.output_type == "error"], outputs
    stderr = [o.text for o in outputs if o.output_type == "stream" and o.name == "stderr"]
    assert stderr == [], stderr


def test_feedback_on_stderr_quotes_the_warning_not_the_line_under_it():
    """Python prints a warning as "file:line: UserWarning: text" and then the source line that
    warned ("  warnings.warn("); the feedback must quote the warning."""
    from graders.course import cell_message

    cell = nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output(
        "stream", name="stderr",
        text="/v/keras/activations.py:48: UserWarning: You are using a softmax over axis -1 of a "
             "tensor of shape (None, 1).\n  warnings.warn(\n")])
    assert cell_message(cell, passed=False) == (
        "wrote to stderr (scored as a failure): UserWarning: You are using a softmax over axis -1 "
        "of a tensor of shape (None, 1).")
    cell.outputs[0].text = "some progress text\nlast line\n"
    assert cell_message(cell, passed=True) == "wrote to stderr (scored as a failure): last line"
