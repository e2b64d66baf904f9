"""nbgrader configuration: the repository itself is the nbgrader course root.

- sources (with solutions and hidden tests) live in graders/source/<assignment>/<notebook>.ipynb,
  generated from the diffable jupytext file beside each one (`make build`);
- `nbgrader generate_assignment <assignment>` writes the student release to weeks/<assignment>/;
- submitted/, autograded/, feedback/ and gradebook.db are nbgrader's defaults at the root and are
  git-ignored: they hold students' work, never commit them.
"""
from pathlib import Path

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)
_sources = Path(__file__).resolve().parent / "graders" / "source"

c.CourseDirectory.course_id = "cnn-course"
c.CourseDirectory.source_directory = "graders/source"
c.CourseDirectory.release_directory = "weeks"
# The jupytext sources sit beside the generated notebooks; they are not part of a release.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.py"]

# Assignments the course defines (the gradebook needs them before autograding).
# Every folder of graders/source/ is an assignment (week1, week2, ...).
c.CourseDirectory.db_assignments = [
    dict(name=p.name) for p in sorted(_sources.iterdir()) if p.is_dir() and not p.name.startswith(".")
] if _sources.is_dir() else []

# Deleted test cells must still be graded (as zero), not left for manual grading.
c.OverwriteCells.add_missing_cells = True
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ExecutePreprocessor.timeout = 300
