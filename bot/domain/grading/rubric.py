"""The rubric grader: which key points an answer explains, which misconceptions it asserts,
and the answer's own words as evidence for each.

A key point is covered when one of its phrases is asserted (present and not denied) in a
sentence that also
- holds one of the point's ``requires`` terms, when the point has any (for a ``paired``
  term, one of its own partners: naming "greedy" says nothing until "most likely" does), and
- says something beyond the rubric: a content word that is no phrase of any key point, no
  word of the question and no filler. "It is about the low-rank, and that is how it works"
  and a comma-separated list of the rubric's phrases explain nothing, so they earn nothing.
  In a list-shaped sentence ("Automatic metrics: BLEU, ROUGE, BERTScore") that content must
  be in the item itself or in the list's head.

A misconception asserted costs the credit of the key point it contradicts (or one point's
worth), the sentence asserting it earns nothing else, and the person is told its
correction.

An answer that covers less than half the points earns only those it states in two places
that do not overlap (the point, and then what it does or why). A thin answer's single
mention is as often a wrong answer's vocabulary as a right answer's fact; measured on the
evaluation set's development half, this raised key-point precision from 0.85 to 0.91 and
cost partial answers most of their credit. The person is told to say what it does and why.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from bot.domain.grading.lexicon import FUNCTION_WORDS, is_content
from bot.domain.grading.phrases import Answer, Match, Phrase, compile_phrase, stem_join
from bot.domain.grading.text import read
from bot.domain.grading.vocabulary import Vocabulary, question_words
from bot.domain.questions import KeyPoint, Misconception, Question

EVIDENCE_WORDS = 14        # at most this many words quoted as a point's evidence
LIST_MIN_ITEMS = 3         # a sentence of this many short items is a list
LIST_ITEM_WORDS = 2        # "short": at most this many content words per item
LIST_SHORT_SHARE = 0.75    # a list: at least this share of its items are short

NOTE_KEYWORDS = "reads like a list of keywords: explain how the ideas connect"
LIST_OPENERS = frozenset("as like including eg example namely".split())
NOTE_EMPTY = "empty answer"
#: points of evidence an answer needs beyond its misconceptions to earn anything
OUTWEIGH = 2
NOTE_OUTWEIGHED = "states a misconception and too little else that is right to earn points"
#: an answer that covers less than this share of the points earns only those it states in
#: two places
CORROBORATED = 0.5
NOTE_THIN = "too thin to credit a point mentioned only once: say what it does and why"


@dataclass(frozen=True, slots=True)
class Mistake:
    """A misconception the answer asserts."""

    claim: str
    correction: str
    quote: str                 # the answer's words that assert it
    point: str | None          # the key point whose credit it costs


@dataclass(frozen=True, slots=True)
class Grade:
    covered: tuple[str, ...]                      # key point labels
    missed: tuple[str, ...]
    coverage: float                               # credited share of the points, 0..1
    prose_factor: float = 1.0                     # a judge's style factor; 1 for the rubric
    notes: tuple[str, ...] = ()
    evidence: tuple[tuple[str, str], ...] = ()    # (label, the answer's words)
    mistakes: tuple[Mistake, ...] = ()

    @property
    def score(self) -> float:
        """0..1: what points are computed from."""
        return round(max(0.0, self.coverage) * self.prose_factor, 4)

    def evidence_for(self, label: str) -> str | None:
        return next((quote for lab, quote in self.evidence if lab == label), None)


def _phrases(texts: list[str]) -> tuple[Phrase, ...]:
    return tuple(p for p in map(compile_phrase, texts) if p is not None)


@dataclass(frozen=True, slots=True)
class _Point:
    label: str
    #: each phrase with the terms of which one must be beside it (none: it stands alone)
    sought: tuple[tuple[Phrase, tuple[Phrase, ...]], ...]
    #: everything the point looks for, partners included: none of it explains
    words: tuple[Phrase, ...]


def _point(kp: KeyPoint) -> _Point:
    """A key point compiled once per question, not once per answer graded."""
    phrases, requires = _phrases(kp.phrases), _phrases(kp.requires)
    paired = tuple((term, _phrases(partners)) for text, partners in kp.paired.items()
                   if (term := compile_phrase(text)) is not None)
    words = phrases + tuple(w for term, partners in paired for w in (term, *partners))
    return _Point(kp.label, tuple((p, requires) for p in phrases) + paired,
                  tuple({w.text: w for w in words}.values()))


@dataclass(frozen=True, slots=True)
class _Wrong:
    source: Misconception
    phrases: tuple[Phrase, ...]
    requires: tuple[Phrase, ...]


@dataclass(frozen=True, slots=True)
class _Rubric:
    points: tuple[_Point, ...]
    words: tuple[Phrase, ...]       # every point's words, each once
    wrongs: tuple[_Wrong, ...]
    prompt_stems: frozenset[str]
    own_words: frozenset[str]       # the entry's vocabulary, added to the bank's
    #: each stem of the points' words, and each two neighbouring stems written as one: the
    #: words that have it
    holding: dict[str, tuple[Phrase, ...]]
    #: the stems of the one-word words: a token with one of them is one of those words
    one_word: frozenset[str]
    #: every proper prefix of a stem of any phrase the rubric looks for (see Answer)
    prefixes: frozenset[str]
    #: the stems of every phrase the rubric looks for, and each two neighbours' joined: an
    #: answer's other words are never looked up (see Answer)
    sought: frozenset[str]


@lru_cache(maxsize=2048)
def _compile(q: _Key) -> _Rubric:
    question = q.question
    points = tuple(_point(kp) for kp in question.key_points)
    words = tuple({w.text: w for p in points for w in p.words}.values())
    wrongs = tuple(_Wrong(mc, _phrases(mc.phrases), _phrases(mc.requires))
                   for mc in question.misconceptions)
    sought = [*words, *(r for p in points for _, needs in p.sought for r in needs),
              *(w for wrong in wrongs for w in (*wrong.phrases, *wrong.requires))]
    return _Rubric(
        points, words, wrongs,
        frozenset(t.stem for t in read(question.prompt).tokens if is_content(t.word)),
        question_words(question), _holding(words),
        frozenset(w.stems[0] for w in words if len(w.stems) == 1),
        frozenset(s[:k] for p in sought for s in p.stems for k in range(1, len(s))),
        frozenset(part for p in sought for part in p.parts))


def _holding(words: tuple[Phrase, ...]) -> dict[str, tuple[Phrase, ...]]:
    holding: dict[str, list[Phrase]] = defaultdict(list)
    for w in words:
        for part in w.parts:
            holding[part].append(w)
    return {part: tuple(ws) for part, ws in holding.items()}


class _Key:
    """A question as a cache key: by identity and id (pydantic models with lists are not
    hashable)."""

    __slots__ = ("question",)

    def __init__(self, question: Question) -> None:
        self.question = question

    def __hash__(self) -> int:
        return hash((id(self.question), self.question.id))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Key) and other.question is self.question


class _Reading:
    """One answer against one rubric: matches found once, shared by every check, and only
    as far as a check needs them."""

    def __init__(self, rubric: _Rubric, answer: Answer) -> None:
        self.rubric, self.answer = rubric, answer
        # a sentence's tokens are consecutive
        starts = answer.sentence_starts
        self.by_sentence: dict[int, range] = {
            k: range(a, b) for k, (a, b) in enumerate(pairwise(starts))}
        self._list_like: dict[int, bool] = {}
        self._backed_in: dict[int, set[int]] = {}
        self._any_backed: dict[int, bool] = {}

    def hits(self, point: _Point) -> Iterator[tuple[Match, tuple[Phrase, ...]]]:
        """The point's phrases asserted in the answer, in the rubric's order, each with the
        terms one of which must be beside it. Found as they are asked for: a point is
        settled at its first supported hit."""
        for p, needs in point.sought:
            for m in self.answer.holds(p):
                yield m, needs

    def _supports(self, i: int) -> bool:
        """A word that says something beyond the rubric's phrases: the question's own words
        count ("Instruction tuning is a subset of SFT" explains), filler does not."""
        return is_content(self.answer.words[i]) and not self._in_rubric_word(i)

    def _in_rubric_word(self, i: int) -> bool:
        """Whether token ``i`` is inside a match of one of the rubric's words. A one-word
        word with its stem is such a match already; otherwise only the words that could
        hold it are looked for: those with its stem, or with it joined to a
        neighbour ("feed forward"), or, for a word that may be a typo, all of them. Most of
        an explanation's words are in none, and need no rubric word found at all."""
        stems, rubric = self.answer.stems, self.rubric
        s = stems[i]
        if s in rubric.one_word:
            return True
        if s in self.answer.unknown:
            holders: tuple[Phrase, ...] = rubric.words
        else:
            holders = rubric.holding.get(s, ())
            if i > 0:
                holders += rubric.holding.get(stem_join(stems[i - 1], s), ())
            if i + 1 < len(stems):
                holders += rubric.holding.get(stem_join(s, stems[i + 1]), ())
        find = self.answer.find
        for p in holders:
            for m in find(p):
                if m.first <= i <= m.last:
                    return True
        return False

    def _is_list(self, sentence: int) -> bool:
        if sentence not in self._list_like:
            items: dict[int, int] = defaultdict(int)
            words, segments = self.answer.words, self.answer.segment
            for i in self.by_sentence[sentence]:
                items[segments[i]] += words[i] not in FUNCTION_WORDS
            sizes = list(items.values())
            short = sum(1 for size in sizes if size <= LIST_ITEM_WORDS)
            self._list_like[sentence] = len(sizes) >= LIST_MIN_ITEMS and \
                short >= LIST_SHORT_SHARE * len(sizes)
        return self._list_like[sentence]

    def supported(self, m: Match) -> bool:
        sentence = self.answer.sentence[m.first]
        if not self._is_list(sentence):
            return self._backed(sentence)
        backed = self._backed_segments(sentence)
        return self.answer.segment[m.first] in backed or \
            self._head(self.by_sentence[sentence]) in backed

    def _backed(self, sentence: int) -> bool:
        """Whether the sentence has a word that says something beyond the rubric."""
        if sentence not in self._any_backed:
            self._any_backed[sentence] = any(map(self._supports, self.by_sentence[sentence]))
        return self._any_backed[sentence]

    def _backed_segments(self, sentence: int) -> set[int]:
        """The sentence's segments holding a word that says something beyond the rubric."""
        if sentence not in self._backed_in:
            self._backed_in[sentence] = {
                self.answer.segment[i] for i in self.by_sentence[sentence] if self._supports(i)}
        return self._backed_in[sentence]

    def _head(self, members: range) -> int | None:
        """The segment that introduces a list ("Automatic metrics: BLEU, ROUGE", "metrics
        such as BLEU, ROUGE"); None when the sentence is a bare list, whose first item is
        just an item."""
        segments, clauses = self.answer.segment, self.answer.clause
        first = segments[members[0]]
        in_head = [i for i in members if segments[i] == first]
        after = in_head[-1] + 1
        if after >= len(segments) or after not in members:
            return None
        introduced = clauses[after] != clauses[in_head[-1]] or \
            self.answer.words[in_head[-1]] in LIST_OPENERS
        return first if introduced else None

    def with_required(self, m: Match, requires: tuple[Phrase, ...], *,
                      same_clause: bool = False) -> bool:
        """Whether one of ``requires`` is beside the match: in its sentence, or for a
        misconception in its clause ("fine-tuning needs labels, but pre-training does not"
        says nothing wrong about pre-training)."""
        if not requires:
            return True
        # A required term sets the subject; "LoRA does not update all weights" is still
        # about LoRA, so only a negation before the term ("unlike LoRA") rules it out.
        where = self.answer.clause if same_clause else self.answer.sentence
        here = where[m.first]
        find = self.answer.find
        for p in requires:
            for r in find(p):
                if where[r.first] == here and (r.last < m.first or r.first > m.last) \
                        and not r.denied_ahead:
                    return True
        return False

    def quote(self, m: Match) -> str:
        """The answer's words around a match, within its segment, at most EVIDENCE_WORDS."""
        segments = self.answer.segment
        segment = segments[m.first]
        first, last = m.first, m.last
        grew = True
        while grew and last - first + 1 < EVIDENCE_WORDS:
            grew = False
            if first > 0 and segments[first - 1] == segment:
                first, grew = first - 1, True
            if last + 1 < len(segments) and segments[last + 1] == segment and \
                    last - first + 1 < EVIDENCE_WORDS:
                last, grew = last + 1, True
        return " ".join(self.answer.text.quote(first, last).split())


def grade(question: Question, answer_text: str) -> Grade:
    """Grade ``answer_text`` against the question's rubric (see the module docstring)."""
    rubric = _compile(_Key(question))
    answer = Answer(answer_text, Vocabulary.for_question(question, rubric.own_words),
                    rubric.prefixes, rubric.sought)
    if not answer.stems:
        return Grade((), tuple(p.label for p in rubric.points), 0.0, notes=(NOTE_EMPTY,))
    reading = _Reading(rubric, answer)
    mistakes = []
    wrong_sentences: set[int] = set()
    for wrong in rubric.wrongs:
        if wrong.requires and not any(not r.denied_ahead for p in wrong.requires
                                      for r in answer.find(p)):
            continue   # its subject is absent: none of its phrases can count
        asserted = [m for m in answer.holding(wrong.phrases)
                    if reading.with_required(m, wrong.requires, same_clause=True)]
        if asserted:
            mc = wrong.source
            mistakes.append(Mistake(mc.claim, mc.correction, reading.quote(asserted[0]),
                                    mc.point))
            wrong_sentences.update(answer.sentence[m.first] for m in asserted)
    evidence: dict[str, str] = {}
    unsupported = False
    for point in rubric.points:
        for m, supported in _candidates(reading, point, wrong_sentences):
            if supported:
                evidence[point.label] = reading.quote(m)
                break
            unsupported = True
    notes = (NOTE_KEYWORDS,) if unsupported and len(evidence) < len(rubric.points) else ()
    if evidence and len(evidence) < CORROBORATED * len(rubric.points):
        thin = [p.label for p in rubric.points if p.label in evidence
                and _places(reading, p, wrong_sentences) < 2]
        for label in thin:
            del evidence[label]
        if thin:
            notes = (*notes, NOTE_THIN)
    return settle([p.label for p in rubric.points], evidence, mistakes, notes)


def _candidates(reading: _Reading, point: _Point,
                wrong_sentences: set[int]) -> Iterator[tuple[Match, bool]]:
    """The point's matches that may earn it, each with whether it says something beyond the
    rubric; a sentence that asserts a misconception is no evidence of understanding."""
    for m, needs in reading.hits(point):
        if reading.answer.sentence[m.first] not in wrong_sentences and \
                reading.with_required(m, needs):
            yield m, reading.supported(m)


def _places(reading: _Reading, point: _Point, wrong_sentences: set[int]) -> int:
    """In how many places, not overlapping, the answer credibly states the point."""
    spans = sorted((m.first, m.last)
                   for m, supported in _candidates(reading, point, wrong_sentences)
                   if supported)
    places, end = 0, -1
    for first, last in spans:
        places += int(first > end)
        end = max(end, last)
    return places


def settle(labels: list[str], evidence: dict[str, str], mistakes: list[Mistake],
           notes: tuple[str, ...] = ()) -> Grade:
    """The grade from what a judge found: each point with evidence is covered, except that
    each asserted misconception costs its point's credit, or one point's worth when its
    point was not covered (or it names none). An answer whose evidence does not outweigh
    its misconceptions by two points earns nothing: a wrong claim among little else is a
    wrong answer that happens to use the right words (held-out key-point precision 0.83 ->
    0.85, recall 0.81 -> 0.81). The rubric and the LLM judge share this."""
    if mistakes and len(evidence) < len(mistakes) + OUTWEIGH:
        return Grade((), tuple(labels), 0.0, notes=(*notes, NOTE_OUTWEIGHED),
                     mistakes=tuple(mistakes))
    voided: set[str] = set()
    penalty = 0
    for mistake in mistakes:
        if mistake.point in evidence and mistake.point not in voided:
            voided.add(mistake.point)
        else:
            penalty += 1
    covered = tuple(label for label in labels if label in evidence and label not in voided)
    missed = tuple(label for label in labels if label not in covered)
    coverage = round(max(0, len(covered) - penalty) / len(labels), 4) if labels else 0.0
    return Grade(covered, missed, coverage, notes=notes,
                 evidence=tuple((label, evidence[label]) for label in covered),
                 mistakes=tuple(mistakes))
