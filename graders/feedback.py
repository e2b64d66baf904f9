"""nbgrader feedback preprocessing: students see why a test failed, not the hidden test code."""
from nbconvert.preprocessors import Preprocessor
from traitlets import Bool


class ShortTracebacks(Preprocessor):
    """Replace each graded test cell's traceback with its last line (``Error: message``).

    A full traceback quotes the failing cell's source, which for a hidden test is the hidden
    code itself (nbgrader's ClearHiddenTests only clears the cell's source, not its outputs).
    """

    enabled = Bool(True)

    def preprocess_cell(self, cell, resources, index):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    out["traceback"] = [f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"]
        return cell, resources
