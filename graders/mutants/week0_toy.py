"""Mutants of the pipeline's smoke-test notebook."""
from graders.mutants import Mutant

MUTANTS = [
    Mutant("double", "triple", "the input was tripled, not doubled.", "def double(x):\n    return 3 * x\n"),
    Mutant("double", "add_two", "two was added instead of multiplying by two.", "def double(x):\n    return x + 2\n"),
    Mutant("square", "cube", "the input was cubed, not squared.", "def square(x):\n    return x ** 3\n"),
    Mutant("square", "abs", "the absolute value was returned.", "def square(x):\n    return abs(x)\n"),
]
