"""Course tooling: build the student release, regenerate references, grade notebooks.

Command line: ``python -m graders {build,check,refs,solutions,grade} ...`` (see ``--help``).
"""
