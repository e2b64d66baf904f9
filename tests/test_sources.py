"""Authoring rules every notebook source must follow (fast: no notebook is executed)."""
from __future__ import annotations

import ast
import re

import nbformat
import pytest

from graders.mutants import mutants_for
from graders.sources import (all_sources, function_of, grade_cells, graded_function, graded_functions,
                             is_answer)

SOURCES = all_sources()
IDS = [s.key for s in SOURCES]


def nbgrader_meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def top_level_defs(source: str) -> list[str]:
    """Names of the functions and classes a cell defines at its top level (IPython syntax too)."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        tree = ast.parse(TransformerManager().transform_cell(source))
    except SyntaxError:
        return []
    return [node.name for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]


def graded_cell_problems(nb) -> list[str]:
    """How ``nb`` breaks "a graded function lives alone in its own cell": its cell must hold
    that one top-level definition and nothing else, and no other cell may define it."""
    problems = []
    functions = graded_functions(nb)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        name = graded_function(cell)
        if name:
            try:
                body = ast.parse(cell.source).body
            except SyntaxError as error:
                problems.append(f"cell {index} ({name}) does not parse: {error}")
                continue
            shape = [(type(node).__name__, getattr(node, "name", None)) for node in body]
            if is_answer(cell):     # a quiz's answer: one assignment to the question's name
                targets = [t.id for node in body if isinstance(node, ast.Assign)
                           for t in node.targets if isinstance(t, ast.Name)]
                if len(body) != 1 or targets != [name]:
                    problems.append(f"cell {index} ({name}) holds {shape}, not only {name} = ...")
            elif shape != [("FunctionDef", name)]:
                problems.append(f"cell {index} ({name}) holds {shape}, not only def {name}")
        else:
            for other in sorted(set(top_level_defs(cell.source)) & set(functions)):
                problems.append(f"cell {index} defines {other} too")
    return problems


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_graded_cells_follow_the_conventions(source):
    nb = source.notebook()
    functions = graded_functions(nb)
    assert functions, "no '# GRADED FUNCTION:' cell"
    assert len(functions) == len(set(functions))
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        name = graded_function(cell)
        if name:
            # a graded function lives alone in its own solution cell
            assert meta.get("solution") and not meta.get("grade"), name
            assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source
        elif meta.get("solution"):
            pytest.fail(f"solution cell {meta.get('grade_id')} lacks '# GRADED FUNCTION:'")
    tests = grade_cells(nb)
    for grade_id, points in tests.items():
        assert function_of(grade_id, functions), f"{grade_id} does not start with a function name"
        assert points > 0, grade_id
    assert {function_of(t, functions) for t in tests} == set(functions), "a function has no test"
    assert graded_cell_problems(nb) == []


def test_the_alone_in_its_cell_rule_catches_what_it_names():
    """``graded_cell_problems`` reports a second function in a graded cell, code beside the
    function, and the graded function defined again in another cell."""
    code = nbformat.v4.new_code_cell
    nb = nbformat.v4.new_notebook(cells=[
        code("# GRADED FUNCTION: f\ndef f(x):\n    return x\n\ndef helper():\n    pass\n"),
        code("# GRADED FUNCTION: g\nscale = 2\ndef g(x):\n    return scale * x\n"),
        code("# GRADED FUNCTION: h\ndef h(x):\n    return x\n"),
        code("%matplotlib inline\ndef h(x):\n    return 0\n"),
        code("# GRADED ANSWER: q1\nq1 = 7\n"),
        code("# GRADED ANSWER: q2\nq2 = 7\nq1 = 3\n"),
        code("# GRADED ANSWER: q3\nanswer = 7\n"),
    ])
    assert graded_cell_problems(nb) == [
        "cell 0 (f) holds [('FunctionDef', 'f'), ('FunctionDef', 'helper')], not only def f",
        "cell 1 (g) holds [('Assign', None), ('FunctionDef', 'g')], not only def g",
        "cell 3 defines h too",
        "cell 5 (q2) holds [('Assign', None), ('Assign', None)], not only q2 = ...",
        "cell 6 (q3) holds [('Assign', None)], not only q3 = ...",
    ]


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_test_cells_use_numpy_seeds_never_tensorflow_rng(source):
    for cell in source.notebook().cells:
        if nbgrader_meta(cell).get("grade"):
            assert not re.search(r"tf\.random|keras\.random|set_seed", cell.source), \
                nbgrader_meta(cell)["grade_id"]


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_every_graded_function_has_hidden_tests(source):
    nb = source.notebook()
    functions = graded_functions(nb)
    hidden = {function_of(nbgrader_meta(c)["grade_id"], functions) for c in nb.cells
              if nbgrader_meta(c).get("grade") and "### BEGIN HIDDEN TESTS" in c.source}
    assert hidden == set(functions)


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_mutation_table_covers_every_function_twice(source):
    functions = graded_functions(source.notebook())
    mutants = mutants_for(source.key)
    for function in functions:
        labels = [m.label for m in mutants if m.function == function]
        assert len(labels) >= 2, f"{function}: {labels}"
        assert len(labels) == len(set(labels))
    assert {m.function for m in mutants} <= set(functions)
    answers = {graded_function(c) for c in source.notebook().cells if is_answer(c)}
    for mutant in mutants:
        defines = rf"^{mutant.function} = " if mutant.function in answers else rf"^def {mutant.function}\("
        assert re.search(defines, mutant.source, re.M), mutant.label
        assert mutant.hint.strip().endswith("."), f"{mutant.label}: hint should be a sentence"


def test_solution_functions_reproduce_the_lecture_numbers():
    """The solution code itself (run outside a notebook) gives the seeds' worked examples."""
    import numpy as np

    from graders.sources import find_source, solution_functions

    fns = solution_functions(find_source("week1_conv_step"))
    image7 = np.array([[2, 3, 7, 4, 6, 2, 9], [6, 6, 9, 8, 7, 4, 3], [3, 4, 8, 3, 8, 9, 7],
                       [7, 8, 3, 6, 6, 3, 4], [4, 2, 1, 8, 3, 4, 6], [3, 2, 4, 1, 9, 8, 3],
                       [0, 1, 3, 9, 2, 1, 4]], dtype=float).reshape(1, 7, 7, 1)
    kernel = np.array([[3, 4, 4], [1, 0, 2], [-1, 0, 3]], dtype=float).reshape(3, 3, 1, 1)
    Z, _ = fns["conv_forward"](image7, kernel, np.zeros((1, 1, 1, 1)), {"pad": 0, "stride": 2})
    np.testing.assert_array_equal(Z[0, :, :, 0], [[91, 100, 88], [69, 91, 117], [44, 72, 74]])
    np.random.seed(1)
    a, W, b = np.random.randn(4, 4, 3), np.random.randn(4, 4, 3), np.random.randn(1, 1, 1)
    assert fns["conv_single_step"](a, W, b) == pytest.approx(-6.99908945068)
    grid = np.array([[1, 3, 2, 1], [2, 9, 1, 1], [1, 4, 2, 3], [5, 6, 1, 2]], float).reshape(1, 4, 4, 1)
    A, _ = fns["pool_forward"](grid, {"f": 2, "stride": 2}, mode="average")
    np.testing.assert_array_equal(A[0, :, :, 0], [[3.75, 1.25], [4, 2]])
