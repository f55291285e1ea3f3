"""The rubric grader: which key points an answer covers, explainably and deterministically.

Matching: the answer and each key point's phrases are normalised (Unicode NFKC, case,
punctuation to spaces) and lightly stemmed; a phrase is covered when its words occur
consecutively in the answer, each word equal or, for words of five letters or more, within
a small typo distance (rapidfuzz's normalised Indel similarity).

Keyword dumps: coverage is scaled by a *prose factor*. A real explanation uses function words
("the", "is", "because") between its terms; a bare list of terms does not. The factor is
min(1, function-word share / 0.15) times min(1, words / (4 x covered points)): an answer
needs about one short sentence per point it claims, written as sentences.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from bot.domain.questions import KeyPoint, Question

FUNCTION_WORDS = frozenset("""
a an the this that these those is are was were be been being am it its they them their there
here of to in on at by for with from into onto over under about as than then so and or but nor
if because since while when where which who whom whose what why how not no do does did done can
could will would shall should may might must has have had having i we you he she our your his
her my me us also only just very more most less least each every all any both such some other
same own too again further once via per
""".split())

PROSE_SHARE = 0.15       # function-word share at which an answer counts as full prose
WORDS_PER_POINT = 4      # about one short sentence per covered key point
FUZZY_MIN_LEN = 5        # shorter words must match exactly (bpe, gpu, kv, ...)
FUZZY_CUTOFF = 84.0      # rapidfuzz ratio for a typo to still count
_SUFFIXES = ("ations", "ation", "ings", "ing", "edly", "ed", "ies", "es", "ly", "s")
_TOKEN = re.compile(r"[0-9a-z]+")
_CODE = re.compile(r"```.*?(```|$)", re.DOTALL)


def stem(word: str) -> str:
    """A deliberately light stemmer: enough to merge plural/verb forms, predictable."""
    if len(word) <= 4 or word.isdigit():
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)]
            if suffix == "ies":
                base += "y"
            return base
    return word


def words(text: str) -> list[str]:
    """Lowercased alphanumeric word tokens (everything else separates words)."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return _TOKEN.findall(folded)


@lru_cache(maxsize=8192)
def _phrase_stems(phrase: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in words(phrase))


@dataclass(frozen=True, slots=True)
class Grade:
    covered: tuple[str, ...]     # key point labels
    missed: tuple[str, ...]
    coverage: float              # covered / total, before the prose factor
    prose_factor: float          # 1.0 for an explanation, lower for a keyword list
    notes: tuple[str, ...] = ()

    @property
    def score(self) -> float:
        """0..1: what points are computed from."""
        return round(self.coverage * self.prose_factor, 4)


class _Answer:
    """An answer prepared once for matching all phrases against it."""

    def __init__(self, text: str) -> None:
        self.tokens = words(text)
        # Code is matched against key points but is not prose: keep it out of the style test.
        self.prose = words(_CODE.sub(" ", text))
        self.stems = [stem(t) for t in self.tokens]
        self.vocab = sorted(set(self.stems))
        self._similar: dict[str, frozenset[str]] = {}

    def matches(self, word: str) -> frozenset[str]:
        """Answer stems that count as ``word`` (itself, or a close typo of a long word)."""
        if word not in self._similar:
            found = {word} if word in self.vocab else set()
            if len(word) >= FUZZY_MIN_LEN:
                for cand, _, _ in process.extract(word, self.vocab, scorer=fuzz.ratio,
                                                  score_cutoff=FUZZY_CUTOFF, limit=None):
                    if len(cand) >= FUZZY_MIN_LEN - 1:
                        found.add(cand)
            self._similar[word] = frozenset(found)
        return self._similar[word]

    def contains(self, phrase: str) -> bool:
        target = _phrase_stems(phrase)
        if not target:
            return False
        options = [self.matches(w) for w in target]
        if any(not o for o in options):
            return False
        first, rest = options[0], options[1:]
        n = len(self.stems)
        for i, s in enumerate(self.stems):
            if s in first and i + len(rest) < n and all(
                    self.stems[i + 1 + k] in opt for k, opt in enumerate(rest)):
                return True
        return False

    def prose_factor(self, covered: int) -> tuple[float, list[str]]:
        n = len(self.tokens)
        if n == 0:
            return 0.0, ["empty answer"]
        prose = self.prose or self.tokens
        share = sum(1 for t in prose if t in FUNCTION_WORDS) / len(prose)
        style = min(1.0, share / PROSE_SHARE)
        length = min(1.0, n / (WORDS_PER_POINT * covered)) if covered else 1.0
        notes = []
        if style < 1.0:
            notes.append("reads like a list of keywords: explain how the ideas connect")
        if length < 1.0:
            notes.append("very short for the points it touches: say a sentence on each")
        return round(style * length, 4), notes


def grade(question: Question, answer_text: str) -> Grade:
    return grade_points(question.key_points, answer_text)


def grade_points(points: list[KeyPoint], answer_text: str) -> Grade:
    prepared = _Answer(answer_text)
    covered: list[str] = []
    missed: list[str] = []
    for kp in points:
        (covered if any(prepared.contains(p) for p in kp.phrases) else missed).append(kp.label)
    factor, notes = prepared.prose_factor(len(covered))
    coverage = round(len(covered) / len(points), 4) if points else 0.0
    return Grade(tuple(covered), tuple(missed), coverage, factor, tuple(notes))
