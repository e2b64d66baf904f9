"""nbgrader's Validate button, with a summary line first: a Jupyter server extension.

nbgrader's JupyterLab dialog lists every failed test cell (its code, then its message) with no
count, so a learner scrolls to find out how far they are. ``nbgrader validate`` on the command
line starts with a count; this extension gives the dialog the same start. It serves the request
the button sends (``POST /assignments/validate``) with nbgrader's own handler and Validator, and
puts one entry in front of the list of failures:

    7 of 9 tests failed, in zero_pad, conv_forward, pool_backward.

nbgrader's dialog heads every entry with "The following cell failed:"; for the summary entry a
style rule, sent inside it, hides that heading (if nbgrader's dialog ever changes shape, the
heading simply shows again). Passing notebooks and nbgrader's other replies are untouched.

``make lab`` loads this module in place of nbgrader's ``validate_assignment`` extension
(``LAB_SERVER_OPTIONS`` below, used by the Makefile and the browser tests).
"""
from __future__ import annotations

import html
import json
import re
import textwrap
from pathlib import Path

# Command-line options for `jupyter lab`: this extension on, nbgrader's own Validate handler off.
LAB_SERVER_OPTIONS = (
    "--ServerApp.jpserver_extensions=utils.lab_validate=True",
    "--ServerApp.jpserver_extensions=nbgrader.server_extensions.validate_assignment=False",
)

GRADED_LINE = re.compile(r"#\s*GRADED (?:FUNCTION|ANSWER):\s*(\w+)")
HIDE_HEADING = ("<style>#validation-message.validation-failed > div:first-child "
                "{ display: none; }</style>")


def _grade_cells(nb: dict) -> list[dict]:
    """The notebook's autograded test cells (code cells nbgrader grades), in order."""
    return [cell for cell in nb.get("cells", [])
            if cell.get("cell_type") == "code"
            and cell.get("metadata", {}).get("nbgrader", {}).get("grade")]


def _source(cell: dict) -> str:
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else text


def _graded_names(nb: dict) -> list[str]:
    """The names in the notebook's ``# GRADED FUNCTION: name`` (or ``GRADED ANSWER``) lines."""
    names = []
    for cell in nb.get("cells", []):
        match = GRADED_LINE.match(_source(cell).lstrip())
        if cell.get("cell_type") == "code" and match:
            names.append(match.group(1))
    return names


def summary(nb: dict, failed: list[dict]) -> str:
    """One line: how many of the notebook's tests failed, and for which graded functions.

    ``nb``: the notebook as JSON; ``failed``: nbgrader's failed entries ({"source": ...}).
    """
    tests = _grade_cells(nb)
    failed_sources = {entry.get("source", "") for entry in failed}
    ids = [cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
           for cell in tests if _source(cell).strip() in failed_sources]
    names = sorted(_graded_names(nb), key=len, reverse=True)  # the longest matching prefix wins
    functions = []
    for grade_id in ids:
        name = next((n for n in names if grade_id.startswith(n)), None)
        if name and name not in functions:
            functions.append(name)
    total = max(len(tests), len(failed))
    line = f"{len(failed)} of {total} test{'s' if total != 1 else ''} failed"
    return line + (f", in {', '.join(functions)}." if functions else ".")


def add_summary(result: dict, nb: dict) -> dict:
    """nbgrader's Validator result with the summary entry first (when tests failed); the summary
    is wrapped to lines of at most 88 characters."""
    failed = result.get("failed") if isinstance(result, dict) else None
    if not failed:
        return result
    line = textwrap.fill(summary(nb, failed), width=88)  # the dialog does not wrap lines
    note = "Each failed test follows: its code, then the message it gave."
    entry = {"source": line, "error": HIDE_HEADING + html.escape(note), "raw_error": note}
    return {**result, "failed": [entry, *failed]}


def _handlers():
    from nbgrader.server_extensions.validate_assignment.handlers import (
        NbGraderVersionHandler, ValidateAssignmentHandler)

    class SummarisingValidateHandler(ValidateAssignmentHandler):
        """nbgrader's handler; its reply gets the summary entry."""

        def validate_notebook(self, path):
            reply = super().validate_notebook(path)
            if reply.get("success") and isinstance(reply.get("value"), dict):
                try:
                    target = (Path(self.root_dir) / path).resolve()
                    nb = json.loads(target.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    return reply  # nbgrader read it a moment ago; without it, no summary
                reply = {**reply, "value": add_summary(reply["value"], nb)}
            return reply

    return [(r"/assignments/validate", SummarisingValidateHandler),
            (r"/nbgrader_version", NbGraderVersionHandler)]


def _jupyter_server_extension_points():
    return [{"module": "utils.lab_validate"}]


def _load_jupyter_server_extension(serverapp) -> None:
    from jupyter_server.utils import url_path_join

    webapp = serverapp.web_app
    base_url = webapp.settings["base_url"]
    webapp.settings["root_dir"] = serverapp.root_dir
    webapp.add_handlers(".*$", [(url_path_join(base_url, pattern), handler)
                                for pattern, handler in _handlers()])
    serverapp.log.info("cnn-course: nbgrader's Validate with a summary line (utils.lab_validate)")
