"""The bank's vocabulary: every word stem the bank's texts use.

A word of the vocabulary is a term in its own right, so it never counts as a typo of another
("encoder" is not a misspelt "decoder"). The grader needs the whole bank's vocabulary, not
only the question's: an answer to a decoder question may well say "encoder".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from bot.domain.grading.lexicon import stem
from bot.domain.questions import Question

_bank: frozenset[str] | None = None
_pending: tuple[Question, ...] | None = None
_WORD = re.compile(r"[a-z0-9]+")


def question_words(q: Question) -> frozenset[str]:
    """Stems of every word the entry writes: prompt, answer, rubric, follow-up."""
    return _question_words(q.id, _texts(q))


def _texts(q: Question) -> str:
    parts = [q.prompt, q.answer, q.follow_up or ""]
    for kp in q.key_points:
        parts += [kp.label, kp.claim, *kp.terms]
    for mc in q.misconceptions:
        parts += [mc.claim, mc.correction, *mc.phrases, *mc.requires]
    return "\n".join(parts)


def _stems(text: str) -> frozenset[str]:
    """A text's word stems, read quickly: a vocabulary needs words, not sentences or
    negations, and the whole bank's is built once."""
    return frozenset(stem(w) for w in _WORD.findall(text.casefold()))


@lru_cache(maxsize=4096)
def _question_words(_id: str, texts: str) -> frozenset[str]:
    return _stems(texts)


def use_bank(questions: Iterable[Question]) -> None:
    """Make these questions' words the bank vocabulary (the loader calls this). The words
    are read on first use, so loading the bank, and so starting the bot, stays fast."""
    global _bank, _pending
    _pending, _bank = tuple(questions), None


def use_texts(texts: Iterable[str]) -> None:
    """Make the words of these texts the bank vocabulary (for checking a bank that does not
    load yet)."""
    global _bank, _pending
    _bank, _pending = frozenset().union(*(_stems(t) for t in texts)), None


def bank_vocabulary() -> frozenset[str]:
    """The vocabulary of the bank last loaded, loading the default bank if none was."""
    global _bank, _pending
    if _bank is None and _pending is None:
        from bot.bank import load_bank  # the bank registers itself through use_bank()

        load_bank()
    if _bank is None:
        _bank = frozenset().union(*(question_words(q) for q in _pending or ()))
        _pending = None
    return _bank


class Vocabulary:
    """The bank's vocabulary together with one question's own words."""

    __slots__ = ("bank", "own")

    def __init__(self, bank: frozenset[str], own: frozenset[str] = frozenset()) -> None:
        self.bank, self.own = bank, own

    @classmethod
    def for_question(cls, q: Question, own: frozenset[str] | None = None) -> Vocabulary:
        """The bank's words and the entry's (``own``, when the caller has them already)."""
        return cls(bank_vocabulary(), own if own is not None else question_words(q))

    def outside(self, words: Iterable[str]) -> set[str]:
        """Those of ``words`` that are no word of the vocabulary: one set difference, where
        a test per word would cost a call each."""
        return set(words).difference(self.bank, self.own)
