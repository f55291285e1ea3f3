"""Finding a rubric phrase in an answer.

A phrase matches where its words occur in order inside one sentence, each word equal after
stemming, with three allowances people need:
- compounds written apart or together ("feed forward", "feed-forward", "feedforward");
- up to two articles or possessives between the phrase's words ("all *the* weights");
- a typo, but only in an answer word that is not itself a word of the bank's vocabulary, so
  "decodr" can stand for "decoder" and "encoder" never does.

A phrase that starts with a negation ("no inference latency", "without labels") matches
where the rest is denied ("does not add inference latency"); any other phrase matches only
where it is not denied ("it is not a transformer" does not cover "transformer").
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress, count, pairwise
from typing import NamedTuple

from rapidfuzz.distance import DamerauLevenshtein

from bot.domain.grading.lexicon import NEGATION_CUES, stem
from bot.domain.grading.text import Text, Token, read
from bot.domain.grading.vocabulary import Vocabulary

#: the words after which "not" is no negation of what follows ("not only X" asserts X), but
#: of the word itself: a phrase that starts with one ("only openai models") is denied by it
LIMITING = frozenset({"only", "just"})
GAP_WORDS = frozenset("a an the of its their his her our your this that these those".split())
MAX_GAPS = 2
TYPO_MIN_LEN = 5


@dataclass(frozen=True, slots=True)
class Phrase:
    text: str
    stems: tuple[str, ...]
    negative: bool          # starts with a negation: matches only where denied
    #: each word's stem with the single words it makes with its neighbours ("feed" with
    #: "feedforward"), longest stem first: a long word is the rarer, so an absent phrase
    #: is usually ruled out at its first word
    forms: tuple[tuple[str, tuple[str, ...]], ...]

    @property
    def parts(self) -> tuple[str, ...]:
        """Every single word the phrase may be found by: its words' stems and each two
        neighbours joined, each once."""
        return tuple(dict.fromkeys(part for s, joined in self.forms for part in (s, *joined)))

    @property
    def joined(self) -> str:
        """The phrase's two words written as one ("re-ranking" as "reranking"), or ""."""
        if len(self.stems) == 2 and joinable(*self.stems):
            return stem("".join(self.stems))
        return ""


@lru_cache(maxsize=65536)
def compile_phrase(text: str) -> Phrase | None:
    """A rubric phrase as stems; None for a phrase with no words."""
    words = list(read(text).words)
    negative = bool(words) and words[0] in NEGATION_CUES and len(words) > 1
    if negative:
        words = words[1:]
    stems = tuple(stem(w) for w in words)
    if not stems:
        return None
    # word j makes padded[j] with the word before it and padded[j + 1] with the one after
    padded = ["", *(stem_join(a, b) for a, b in pairwise(stems)), ""]
    forms = sorted(((s, tuple(filter(None, padded[j:j + 2]))) for j, s in enumerate(stems)),
                   key=lambda form: -len(form[0]))
    return Phrase(text, stems, negative, tuple(forms))


class Match(NamedTuple):
    first: int      # token indices, inclusive
    last: int
    denied: bool            # by a negation before it, or a negated predicate after it
    denied_ahead: bool      # by a negation before it only ("not X", "unlike X")


def _max_typos(word: str) -> int:
    return 0 if len(word) < TYPO_MIN_LEN else 1 if len(word) < 9 else 2


class Answer:
    """An answer read once and indexed, so each phrase is looked up, not scanned for."""

    def __init__(self, text: str, vocabulary: Vocabulary,
                 prefixes: AbstractSet[str] | None = None,
                 sought: AbstractSet[str] | None = None) -> None:
        """When the phrases that will be looked for are known:
        - ``prefixes``: every proper prefix of their words' stems. Two words written apart
          can only make a phrase word whose stem starts with the first, so only there is
          the pair joined and stemmed: stemming every pair of a new answer is most of
          reading it.
        - ``sought``: their words' stems, and each two neighbours' joined. Only those
          stems' places (and those of words that may be typos) are indexed: most of an
          answer's words are in no phrase."""
        self.text: Text = read(text)
        # the tokens' fields, column by column: matching reads these by index
        self.words = self.text.words
        self.stems = self.text.stems
        self.sentence = self.text.sentences
        self.segment = self.text.segments
        self.clause = self.text.clauses
        self.negated_by = self.text.negated_by
        self.subject_of = self.text.subject_of
        stems, sentence = self.stems, self.sentence
        n = len(stems)
        #: where each sentence starts, and the end: sentences are numbered 0, 1, 2, ...
        self.sentence_starts = [bisect_left(sentence, k) for k in
                                range(sentence[-1] + 2)] if n else [0]
        #: the answer's stems no vocabulary word is: a typo may hide in these alone
        self.unknown = {s for s in vocabulary.outside(stems)
                        if s.isalpha() and len(s) >= TYPO_MIN_LEN - 1}
        wanted = sought if sought is None or not self.unknown else sought | self.unknown
        self.at = _places(stems, wanted)
        # Neighbouring pairs joined once each (a cached stem), rather than each target's
        # prefixes looked up in turn: a rubric asks about hundreds of targets.
        if prefixes is None:
            joined = list(map(stem_join, stems, stems[1:]))
        else:
            joined = [""] * max(0, n - 1)
            for i in compress(range(n - 1), map(prefixes.__contains__, stems)):
                joined[i] = stem_join(stems[i], stems[i + 1])
        for start in self.sentence_starts[1:-1]:
            joined[start - 1] = ""   # two sentences' words are never one word
        #: each two neighbouring words joined, at the first one's index, and the set of
        #: them: most answers write no rubric word apart, so a joined word's places are
        #: scanned for only once the set holds it
        self.joined = joined
        self.pairs = set(joined)
        self.pairs.discard("")
        self._found: dict[tuple[str, ...], list[Match]] = {}
        self._where: dict[str, list[int]] = {}
        self._typos: dict[str, frozenset[str]] = {}

    @property
    def tokens(self) -> tuple[Token, ...]:
        return self.text.tokens

    def joined_at(self, target: str) -> list[int]:
        """Where two words written apart make ``target`` written as one ("feed forward" for
        "feedforward"): the first word is a prefix of the target."""
        if target not in self.pairs:
            return []
        return [i for i in compress(count(), map(target.__eq__, self.joined))
                if 0 < len(self.stems[i]) < len(target) and target.startswith(self.stems[i])]

    def _typo_forms(self, target: str) -> frozenset[str]:
        """Answer stems outside the vocabulary that are one slip away from ``target``."""
        if target not in self._typos:
            limit = _max_typos(target)
            found = frozenset(
                s for s in self.unknown
                if limit and s[0] == target[0] and abs(len(s) - len(target)) <= limit
                and DamerauLevenshtein.distance(s, target, score_cutoff=limit) <= limit)
            self._typos[target] = found
        return self._typos[target]

    def _same(self, i: int, target: str) -> bool:
        s = self.stems[i]
        return s == target or (bool(self.unknown) and s in self._typo_forms(target))

    def _extend(self, i: int, phrase: tuple[str, ...], j: int, sentence: int,
                gaps: int = 0) -> int:
        """Index of the last token when phrase[j:] matches from token i, else -1."""
        if j == len(phrase):
            return i - 1
        n = len(self.stems)
        if i >= n or self.sentence[i] != sentence:
            return -1
        if self._same(i, phrase[j]):
            end = self._extend(i + 1, phrase, j + 1, sentence)
            if end >= 0:
                return end
        if i + 1 < n and self.stems[i + 1] and phrase[j].startswith(self.stems[i]) and \
                self.sentence[i + 1] == sentence and \
                joinable(self.stems[i], self.stems[i + 1]) and \
                stem(self.stems[i] + self.stems[i + 1]) == phrase[j]:
            end = self._extend(i + 2, phrase, j + 1, sentence)
            if end >= 0:
                return end
        if j + 1 < len(phrase) and self.stems[i] == stem_join(phrase[j], phrase[j + 1]):
            end = self._extend(i + 1, phrase, j + 2, sentence)
            if end >= 0:
                return end
        if j > 0 and gaps < MAX_GAPS and self.words[i] in GAP_WORDS:
            return self._extend(i + 1, phrase, j, sentence, gaps + 1)
        return -1

    def _starts(self, phrase: tuple[str, ...]) -> list[int]:
        where = self._positions(phrase[0])
        as_one = self.at.get(stem_join(phrase[0], phrase[1])) if len(phrase) > 1 else None
        return sorted(set(where).union(as_one)) if as_one else where

    def find(self, phrase: Phrase) -> list[Match]:
        """Every place the phrase occurs, with whether a negation outside it denies it."""
        found = self._found.get(phrase.stems)   # "tool call" and "tool calls" are one
        if found is None:
            found = self._found[phrase.stems] = \
                self._find(phrase.stems) if self._may_occur(phrase) else []
        return found

    def _may_occur(self, phrase: Phrase) -> bool:
        """A cheap necessary condition: every word of the phrase is in the answer in some
        form (itself, a typo of it, or joined with a neighbour). Most of a rubric's
        phrases are absent from any one answer, and this rules them out at once."""
        at, pairs = self.at, self.pairs
        for s, joined in phrase.forms:
            if s in at or s in pairs:   # as written, or perhaps two words written apart
                continue
            for form in joined:
                if form in at:
                    break
            else:
                if not (self.unknown and self._typo_forms(s)):
                    return False
        return True

    def _positions(self, target: str) -> list[int]:
        """Where ``target`` starts in the answer in any form, in order: itself, a typo, or
        two words written apart. Phrases share words, so each word's is worked out once."""
        found = self._where.get(target)
        if found is None:
            found = self.at.get(target, [])
            joined = self.joined_at(target)
            typos = self._typo_forms(target) if self.unknown else frozenset()
            if joined or typos:
                where = set(found)
                where.update(joined)
                for form in typos:
                    where.update(self.at[form])
                found = sorted(where)
            self._where[target] = found
        return found

    def _find(self, stems: tuple[str, ...]) -> list[Match]:
        out: list[Match] = []
        k = len(stems)
        negated_by, subject_of = self.negated_by, self.subject_of
        if k == 1 and not self.unknown and stems[0] not in self.pairs:
            # one word written as is: each place is a match of that word alone, and a cue
            # that denies it comes before it, a predicate that denies it after
            return [tuple.__new__(Match, (i, i, negated_by[i] > -1 or subject_of[i] > -1,
                                          negated_by[i] > -1)) for i in self.at[stems[0]]]
        # A start is worth extending only if the phrase's second word is within reach of
        # it (gaps and a join allowed), or the two are written as one word there.
        near: list[int] | None = None    # where the second word is: only if needed
        as_one = stem_join(stems[0], stems[1]) if k > 1 else ""
        answer_stems, sentences = self.stems, self.sentence
        for i in self._starts(stems):
            sentence = sentences[i]
            if answer_stems[i:i + k] == stems and sentences[i + k - 1] == sentence:
                last = i + k - 1   # the common case: the words as written, in a row
            else:
                if k > 1 and answer_stems[i] != as_one:
                    if near is None:
                        near = self._positions(stems[1])
                    after = bisect_right(near, i)
                    if after == len(near) or near[after] > i + 2 + MAX_GAPS:
                        continue   # most starts: the phrase's next word is nowhere near
                last = self._extend(i, stems, 0, sentence)
                if last < 0:
                    continue
            cues = negated_by[i:last + 1]
            ahead = max(cues) > -1 and any(-1 < cue < i for cue in cues)  # most: no cue
            if answer_stems[i] in LIMITING and i and self.words[i - 1] == "not":
                ahead = True   # "not only OpenAI models": the "not" is the phrase's own
            behind = max(subject_of[i:last + 1]) > last
            out.append(tuple.__new__(Match, (i, last, ahead or behind, ahead)))
        return out

    def holding(self, phrases: tuple[Phrase, ...]) -> list[Match]:
        """Where any of the phrases is asserted, phrase by phrase (``holds`` of each, in one
        loop: a misconception has dozens of phrases and most are absent)."""
        out: list[Match] = []
        cached = self._found.get
        for phrase in phrases:
            found = cached(phrase.stems)
            if found is None:
                found = self.find(phrase)
            if found:
                negative = phrase.negative
                out += [m for m in found if m.denied == negative]
        return out

    def holds(self, phrase: Phrase) -> list[Match]:
        """Where the phrase is asserted: present and not denied, or for a negative phrase
        ("no latency"), present and denied."""
        found = self.find(phrase)
        if not found:
            return found   # most phrases: absent, with no list to filter
        return [m for m in found if m.denied == phrase.negative]


def _places(keys: tuple[str, ...], wanted: AbstractSet[str] | None = None) -> dict[str, list[int]]:
    """Each key's positions in ``keys``, in order, for every key or only those ``wanted``;
    empty keys are no place."""
    places: dict[str, list[int]] = {}
    at = range(len(keys)) if wanted is None else compress(count(), map(wanted.__contains__, keys))
    for i in at:
        key = keys[i]
        if key in places:
            places[key].append(i)
        elif key:
            places[key] = [i]
    return places


def joinable(a: str, b: str) -> bool:
    """Whether two words may be one word written apart: "feed forward", "7 b(illion)";
    not single letters ("O(n)" is not "on")."""
    return (len(a) > 1 and len(b) > 1) or (a.isdigit() != b.isdigit())


@lru_cache(maxsize=65536)
def stem_join(a: str, b: str) -> str:
    """The stem of two phrase words written as one ("feed" + "forward"); "" when they
    cannot be one word."""
    return stem(a + b) if joinable(a, b) else ""
