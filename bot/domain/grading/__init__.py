"""The rubric grader: deterministic, offline and explainable.

``grade(question, answer_text)`` is the one entry point: it says which key points an answer
covers (with the answer's words as evidence), which it misses, and which misconceptions it
asserts. It loads the bank-wide data it needs (the vocabulary) by itself. See ``rubric`` for
the rules, ``phrases`` for matching, ``text`` for how an answer is read.
"""

from bot.domain.grading.rubric import Grade, Mistake, grade, settle

__all__ = ["Grade", "Mistake", "grade", "settle"]
