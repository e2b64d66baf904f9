"""nbgrader configuration: the repository itself is the nbgrader course root.

- sources (with solutions and hidden tests) live in graders/source/<assignment>/<notebook>.ipynb,
  generated from the diffable jupytext file beside each one (`make build`);
- `nbgrader generate_assignment <assignment>` writes the student release to weeks/<assignment>/;
- submitted/, autograded/, feedback/ and gradebook.db are nbgrader's defaults at the root and are
  git-ignored: they hold students' work, never commit them.
"""
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import ClearHiddenTests, GetGrades

from graders.feedback import ShortTracebacks

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

c.CourseDirectory.course_id = "cnn-course"
c.CourseDirectory.source_directory = "graders/source"
c.CourseDirectory.release_directory = "weeks"
# The jupytext sources sit beside the generated notebooks; they are not part of a release.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.py"]

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
