"""nbgrader configuration: the repository itself is the nbgrader course root.

- sources (with solutions and hidden tests) live in graders/source/<assignment>/<notebook>.ipynb,
  generated from the diffable jupytext file beside each one (`make build`);
- `nbgrader generate_assignment <assignment>` writes the student release to weeks/<assignment>/;
- submitted/, autograded/, feedback/ and gradebook.db are nbgrader's defaults at the root and are
  git-ignored: they hold students' work, never commit them;
- exchange/ (git-ignored) is the exchange that Release, Fetch, Submit and Collect use on this
  machine; JupyterLab's Assignment List fetches into the course root (week1/, git-ignored).
"""
import os
from pathlib import Path

from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties, CheckCellMetadata, ClearHiddenTests, GetGrades, IgnorePattern,
    LimitOutput, SaveAutoGrades,
)

from graders.course import tools_on_path
from graders.feedback import ShortTracebacks
from graders.verified_run import VerifiedExecute

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)
COURSE_ROOT = Path(__file__).resolve().parent  # __file__: this file, as traitlets loads it

# nbgrader creates a gradebook by running `alembic` by name, and that script sits beside this
# interpreter. Every process that loads this file (the nbgrader commands, and the Formgrader in a
# Jupyter server however it was started) gets that folder first on PATH, or the Formgrader fails
# with "FileNotFoundError: 'alembic'" when the venv is not activated.
tools_on_path()

c.CourseDirectory.course_id = "cnn-course"
c.CourseDirectory.source_directory = "graders/source"
c.CourseDirectory.release_directory = "weeks"
# The jupytext sources sit beside the generated notebooks; they are not part of a release.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.py"]

# The exchange lives in the course (nbgrader's default, /usr/local/share/nbgrader/exchange, must
# exist beforehand), so release/fetch/submit/collect work on one machine with no set-up.
c.Exchange.root = str(COURSE_ROOT / "exchange")
try:
    os.makedirs(c.Exchange.root, exist_ok=True)
except OSError:  # a read-only checkout: only the exchange commands need it
    pass

# Deleted test cells must still be graded (as zero), not left for manual grading.
c.OverwriteCells.add_missing_cells = True
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
# Seconds per cell (nbgrader's default, 30, is tight for loop-based NumPy on a slow laptop).
c.Execute.timeout = 300
# Feedback shows students their graded notebook: strip hidden tests' code from it, including
# the copies of it inside tracebacks.
c.GenerateFeedback.preprocessors = [
    GetGrades, ClearHiddenTests, ShortTracebacks, CSSHTMLHeaderPreprocessor,
]
# Validate (JupyterLab's button and `nbgrader validate`) reports each failing test cell by its
# error line, not a full traceback (the kernel runs with IPython's "Minimal" exception mode; it
# applies only to validation, not to autograding or feedback).
c.Validator.Execute.extra_arguments = ["--InteractiveShell.xmode=Minimal"]
c.Validator.failed_warning = (
    "VALIDATION FAILED ON {num_failed} CELL(S)! If you submit your assignment as it is, you "
    "WILL NOT receive full credit. Run a failing cell in the notebook to see its traceback.\n"
)

# Autograding runs the course's cells around the student's graded functions in a sandboxed
# kernel that holds no answer key, and judges every test cell outside that kernel, exactly as
# the batch grader does (graders/verified_run.py, graders/verify.py).
c.Autograde.autograde_preprocessors = [
    VerifiedExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades,
    AssignLatePenalties, CheckCellMetadata,
]
