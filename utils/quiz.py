"""The visible half of a quiz question's test: is the answer given, and in the right form?

A quiz notebook asks each question in a markdown cell and takes the answer in a cell of its own
(``# GRADED ANSWER: q4``), where the learner sets a variable of the question's name. The test
cell under it calls ``answer_form``, which says at once when the answer is missing or has the
wrong form (a letter that is not one of the choices, text where a number is wanted, a shape
with the wrong number of sizes) and says nothing about whether it is right. Whether it is right
is judged only when the notebook is graded, by the question's hidden test, outside the kernel:
nothing here, and nothing a kernel can read, holds the answer.
"""
from __future__ import annotations

import math
import re
import sys
from numbers import Integral, Real

FORMS = ("choice", "choices", "number", "shape")


class AnswerFormError(AssertionError):
    """The answer is missing or not in the form its question asks for."""


def _example(name: str, choice: str | None, several: bool, number: bool, shape: int | None) -> str:
    if choice and several:
        return f'{name} = "{choice[0]}{choice[-1]}"'
    if choice:
        return f'{name} = "{choice[-1]}"'
    if number:
        return f"{name} = 12.5"
    return f"{name} = ({', '.join(str(n) for n in range(2, 2 + shape))})"


def normalise(name: str, value, choice: str | None = None, several: bool = False,
              number: bool = False, shape: int | None = None):
    """``value`` in its question's canonical form, or ``AnswerFormError`` saying what is wrong.

    choice="abcd": one letter from those (any case) -> a lower-case letter;
    choice="abcde", several=True: one or more letters, as "ac", "a, c" or ["a", "c"] -> the
    letters sorted, without repeats ("ac");
    number=True: an int or float (NumPy's too), finite -> float;
    shape=k: a tuple or list of k whole numbers -> a tuple of ints.
    """
    if sum((choice is not None, number, shape is not None)) != 1:
        raise ValueError("give exactly one of choice=, number=True or shape=")
    example = _example(name, choice, several, number, shape)
    if value is None:
        raise AnswerFormError(f"{name} has no answer yet: write it in the cell above, e.g. "
                              f"{example}, and run that cell")
    if choice is not None:
        letters = value
        if several and isinstance(value, (list, tuple, set)):
            letters = "".join(str(v) for v in value)
        if not isinstance(letters, str):
            raise AnswerFormError(f"{name} should be text with your letter{'s' * several} in quotes, "
                                  f"e.g. {example}; got {type(value).__name__}")
        picked = [c for c in re.sub(r"[\s,;]", "", letters.lower())]
        wrong = sorted({c for c in picked if c not in choice})
        if wrong or not picked:
            raise AnswerFormError(f"{name} = {value!r}: the choices are {', '.join(choice)}"
                                  f"{' (one or more)' if several else ''}")
        if not several and len(picked) != 1:
            raise AnswerFormError(f"{name} = {value!r}: this question has one answer; give "
                                  f"a single letter, e.g. {example}")
        return "".join(sorted(set(picked)))
    if number:
        if isinstance(value, bool) or not isinstance(value, Real):
            raise AnswerFormError(f"{name} should be a number, e.g. {example}; got "
                                  f"{type(value).__name__} {value!r}")
        if not math.isfinite(float(value)):
            raise AnswerFormError(f"{name} should be a finite number; got {value!r}")
        return float(value)
    if not isinstance(value, (tuple, list)) or len(value) != shape:
        raise AnswerFormError(f"{name} should be a tuple of {shape} sizes, e.g. {example}; got "
                              f"{value!r}")
    if not all(isinstance(v, Integral) and not isinstance(v, bool) for v in value):
        raise AnswerFormError(f"{name}: every size should be a whole number (an int); got {value!r}")
    return tuple(int(v) for v in value)


def answer_form(name: str, choice: str | None = None, several: bool = False,
                number: bool = False, shape: int | None = None):
    """The notebook's answer ``name`` (a global of the caller) in canonical form, after checking
    only its form (``normalise``); prints that it was received. Raises ``AnswerFormError``."""
    namespace = sys._getframe(1).f_globals
    value = normalise(name, namespace.get(name), choice, several, number, shape)
    print(f"{name}: {value!r} is in the right form. Whether it is right is marked when your "
          "notebook is graded.")
    return value
