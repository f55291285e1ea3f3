"""An answer as the grader reads it: normalised words that remember where they came from,
grouped into sentences and comma-level segments, each marked if a negation denies it.

Normalisation folds what people type in chat to one form: Unicode compatibility forms and
accents, LaTeX and Unicode mathematics (``\\frac{QK^\\top}{\\sqrt{d_k}}``, ``−Σ y log ŷ``),
contractions ("isn't" is "is not") and thousands separators. Every output character keeps
the index of the input character it came from, so evidence is quoted in the answer's own
words.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate, compress, count, groupby, islice, repeat
from operator import add
from typing import NamedTuple

from bot.domain.grading.lexicon import (
    AUXILIARIES,
    CLAUSE_STARTERS,
    CONTRAST_WORDS,
    COPULAS,
    CUE_ADVERBS,
    DEGREE_ADVERBS,
    DISMISSIVE,
    EVALUATIVE,
    NEGATION_CUES,
    NEGATION_PAIRS,
    NEW_SUBJECT,
    PREDICATE_FILLER,
    PREPOSITION_CUES,
    PRONOUNS,
    PSEUDO_NEGATIONS,
    SUBJECT_STOPS,
    SUBORDINATORS,
    stem,
)

NEGATION_REACH = 12    # tokens a negation denies, at most, before its clause ends
PHRASE_REACH = 5       # tokens "unlike", "without", "rather than" deny
DENIED_SUBJECT = 10    # tokens before "doesn't help" it may deny, within its clause

_GREEK = dict(zip("αβγδεϵζηθϑικλμνξπρσςτυφϕχψω",
                  "alpha beta gamma delta epsilon epsilon zeta eta theta theta iota kappa lambda "
                  "mu nu xi pi rho sigma sigma tau upsilon phi phi chi psi omega".split(),
                  strict=True))
_SYMBOLS = {
    "Σ": " sum ", "∑": " sum ", "Π": " product ", "∏": " product ", "√": " sqrt ",
    "∂": " partial ", "∇": " gradient ", "∞": " infinity ", "≈": " approx ", "≠": " unequal ",
    "∝": " proportional ", "∈": " in ", "∫": " integral ", "Δ": " delta ", "Θ": " theta ",
    "Λ": " lambda ", "Φ": " phi ", "Ω": " omega ", "Ψ": " psi ", "→": " to ", "⇒": " to ",
    "−": "-", "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": ", ", "―": ", ", "×": " ",
    "·": " ", "⋅": " ", "∙": " ", "∗": " ", "÷": "/", "’": "'", "‘": "'", "ʼ": "'",
    "“": '"', "”": '"', "…": "...", "•": "\n- ", "▪": "\n- ", "◦": "\n- ", "ᵀ": "^T",
    "ⁿ": "^n", "ᵢ": "_i", "ⱼ": "_j", "ₖ": "_k", "ₙ": "_n", "ₜ": "_t",
}
_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789", strict=True))
_SUBSCRIPTS = dict(zip("₀₁₂₃₄₅₆₇₈₉", "0123456789", strict=True))

# LaTeX: layout commands vanish, a few operators become the words people would type.
_LATEX_DROP = re.compile(
    r"\\(?:d?frac|tfrac|left|right|math(?:bf|rm|it|cal|bb|sf|tt)|boldsymbol|operatorname|"
    r"text(?:bf|it|rm)?|displaystyle|widehat|hat|widetilde|tilde|bar|overline|vec|"
    r"[bB]igg?[lr]?|q?quad|cdots?|ldots|dots|times|[,;!:]|begin|end)(?![a-zA-Z])")
_LATEX_WORDS = {"top": " T ", "intercal": " T ", "nabla": " gradient ", "infty": " infinity ",
                "propto": " proportional ", "le": " ", "leq": " ", "ge": " ", "geq": " ",
                "neq": " unequal ", "ne": " unequal ", "to": " to ", "rightarrow": " to ",
                "mid": " ", "sim": " "}
_LATEX_WORD = re.compile(r"\\(" + "|".join(_LATEX_WORDS) + r")(?![a-zA-Z])")
# "100%" is "100 percent", a word of its own ("100" alone is any hundred); "a != b" says
# the two differ, so a formula that denies an equality never reads as asserting it
_PERCENT = re.compile("%")
_UNEQUAL = re.compile("!=")
_CONTRACTION_NOT = re.compile(r"(?i)\b(\w+?)n't\b")
_NT = re.compile(r"[nN]'[tT]")


def _contractions(text: str) -> Iterator[re.Match[str]]:
    """The matches of _CONTRACTION_NOT, as its finditer gives them, found from each "n't":
    the pattern starts at a word boundary, so a search for it tries every word of the text
    (0.1 ms for 4,000 characters). A match can only start where the word before an "n't"
    starts, and cannot overlap the one before."""
    floor = 0
    for nt in _NT.finditer(text):
        start = nt.start()
        while start > floor and (text[start - 1].isalnum() or text[start - 1] == "_"):
            start -= 1
        m = _CONTRACTION_NOT.match(text, start)
        if m is not None:
            yield m
            floor = m.end()


def _after_literal(literal: str, before: list[str], then: str = "") -> re.Pattern[str]:
    r"""A pattern for ``literal`` (then ``then``) preceded by a whole word of ``before``,
    that starts with the literal: a leading alternation would be tried at every character
    of every answer (0.37 ms for 4,000 characters, against 0.03). The literal's letters are
    each a class of both cases, not matched under IGNORECASE, which would also try every
    character. A look-behind's alternatives must share one width, so there is one per
    width."""
    behind = "|".join(
        r"(?<=\b(?:" + "|".join(map(re.escape, same)) + ")" + re.escape(literal) + ")"
        for _, same in groupby(sorted(before, key=len), key=len))
    start = "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c)
                    for c in literal)
    return re.compile(start + "(?i:" + then + "(?:" + behind + "))")


# the same typed in chat without the apostrophe ("dont", "isnt", "cant", "wont"), which gets
# its apostrophe back
_BARE_NOT = _after_literal("nt", "do does did is are was were has have had could would should "
                                 "must need might ca wo".split(), r"\b")
# These two start with their literal and look behind after it ("(?<=\w)'" as "'(?<=\w')"),
# for the same reason.
_CONTRACTION_REST = re.compile(r"(?i)'(?<=\w')(?:s|re|ve|ll|d|m)\b")
# what a contraction stands for: "it's enough" is "it is enough"; after a noun "'s" is
# mostly a possessive ("the model's weights") and goes
_CONTRACTED = {"re": " are", "ve": " have", "ll": " will", "d": " would", "m": " am"}
_IS_AFTER = frozenset("it that there here what who where he she".split())
_WORD_BEFORE = re.compile(r"(\w+)$")


def _contracted(m: re.Match[str]) -> str:
    rest = m.group()[1:].lower()
    if rest != "s":
        return _CONTRACTED[rest]
    before = _WORD_BEFORE.search(m.string, max(0, m.start() - 6), m.start())
    return " is" if before is not None and before.group(1).lower() in _IS_AFTER else " "


_THOUSANDS = re.compile(r",(?<=\d,)(?=\d{3}\b)")
_ABBREVIATIONS = "e.g|i.e|etc|vs|et al|approx|cf|fig|eq|dr|mr|mrs|ms|prof|no|inc|ltd|jr|sr"
_ABBREVIATION = re.compile(r"(?i)\b(" + re.escape(_ABBREVIATIONS).replace(r"\|", "|") +
                           r")\.(?=\s)")
# the dot that ends one, found from the dot
_ABBREVIATION_DOT = _after_literal(".", _ABBREVIATIONS.split("|"), r"(?=\s)")
_LONGEST_ABBREVIATION = max(map(len, _ABBREVIATIONS.split("|")))


def _abbreviations(text: str) -> Iterator[re.Match[str]]:
    """The matches of _ABBREVIATION, as its finditer gives them, found from their dots: the
    pattern opens with an alternation, which a search tries at every word (0.3 ms for
    4,000 characters). Each match ends at a dot _ABBREVIATION_DOT finds, and starts the
    length of an abbreviation before it."""
    floor = 0
    for dot in _ABBREVIATION_DOT.finditer(text):
        for start in range(max(floor, dot.start() - _LONGEST_ABBREVIATION), dot.start()):
            m = _ABBREVIATION.match(text, start)
            if m is not None and m.end() == dot.end():
                yield m
                floor = m.end()
                break


_IRREGULAR_NOT = {"ca": "can", "wo": "will", "sha": "shall"}   # can't, won't, shan't

# What the tokenizer sees: words, and between them sentence ends, clause breaks (; : a
# dash) and segment breaks (a comma). No break can start inside a word, so the text is cut
# at the breaks and each piece's words are found in C (a split, or the word pattern). A
# break is one of a few characters and then what may follow it (each alternative looks
# back at that first character): a pattern that opens with a character class is searched
# for it, where an alternation would be tried at every character of the answer.
_WORD = re.compile(r"[A-Za-z0-9]+(?:\.[0-9]+)*")
#: ASCII as the word pattern sees it: letters lowercased, digits and dots kept, every other
#: character a space
_ASCII_WORDS = str.maketrans({chr(c): chr(c).lower() if chr(c).isalnum() or chr(c) == "."
                              else " " for c in range(128)})
_SENTENCE_END = r"(?<=[.!?])[.!?]*(?=\s|$)"          # . ! ?
_NEW_ITEM = r"(?<=\n)\s*(?=[-*+>]|\d+[.)]\s|\n)"        # a bullet, a blank line
_NEW_LINE = r"(?<=\n)(?=\s*[A-Z])"                     # a line starting anew
_BREAK = re.compile(r"([.!?;:,\s](?:" + "|".join((
    _SENTENCE_END, _NEW_ITEM,
    r"(?<=[.!?:]\s)\s*(?<=\n)",                        # a line after . or :
    _NEW_LINE,
    r"(?<=[;:])|(?<=\s)-\s",                            # a clause: ; : " - "
    r"(?<=,)")) + "))")                                # a segment: ,
# The same for a text without a spaced dash, which then has no break that starts with a
# space: it is not stopped at every space between two words. A line after a sentence end
# ends nothing more, and one after a colon makes the colon a sentence end.
_SPACED_DASH = re.compile(r"-(?<=\s-)(?=\s)")
_UNSPACED_BREAKS = (_SENTENCE_END, _NEW_ITEM, _NEW_LINE, r"(?<=:)\s*\n", r"(?<=[;:])")
_BREAK_UNSPACED = re.compile(r"([.!?;:,\n](?:" + "|".join((*_UNSPACED_BREAKS, r"(?<=,)")) + "))")
# A spaced dash after a space that follows a character ("LoRA - a low-rank update",
# "done. - Next"), or at the start of a line (a bullet), and before a space and a
# character, is a break the dash itself can start, with the space after it: no other break
# can take the space before it, and a bullet's line has already broken. Only a text whose
# spaced dashes are all like that is cut this way; any other ("- -", a dash at a line's
# end) needs the pattern that tries every space.
_ODD_DASH = re.compile(r"-(?<=\s-)(?=\s)(?:(?<![^\s-] -)(?<!\n-)|(?! [^\s-]))")
_BREAK_DASHED = re.compile(r"([.!?;:,\n-](?:" + "|".join((
    *_UNSPACED_BREAKS, r"(?<=\s-)\s", r"(?<=,)")) + "))")


_identity: array[int] = array("q")


def _identity_to(n: int) -> array[int]:
    """An array holding 0, 1, 2, ... at least up to ``n - 1``: an origin is cut from it as
    a copy of machine integers, where a list would make an int object per character."""
    global _identity
    if len(_identity) < n:
        _identity = array("q", range(max(n, 2 * len(_identity), 8192)))
    return _identity


@dataclass(slots=True)
class _Mapped:
    """A string and, for each of its characters, the index of the source character (None
    while that is the identity: most answers are plain ASCII and never change)."""

    text: str
    origin: array[int] | None

    def at(self, i: int) -> int:
        return i if self.origin is None else self.origin[i]

    def sub(self, pattern: re.Pattern[str] | Callable[[str], Iterator[re.Match[str]]],
            repl: Callable[[re.Match[str]], str], hint: str | tuple[str, ...] = "") -> None:
        """Replace each match of ``pattern`` (or of what a function finds, in order) by
        ``repl`` of it. A text holding none of the ``hint`` strings has no match."""
        if isinstance(hint, str):
            if hint not in self.text:
                return
        elif hint:
            for h in hint:
                if h in self.text:
                    break
            else:
                return
        found = list(pattern.finditer(self.text) if isinstance(pattern, re.Pattern)
                     else pattern(self.text))
        if not found:
            return  # the usual case: nothing to rebuild
        n = len(self.text)
        source = self.origin if self.origin is not None else _identity_to(n)
        parts: list[str] = []
        origin: array[int] = array("q")
        last = 0
        for m in found:
            parts.append(self.text[last:m.start()])
            origin.extend(source[last:m.start()])
            new = repl(m)
            parts.append(new)
            at = source[m.start()] if m.start() < n else n
            origin.extend([at] * len(new))
            last = m.end()
        parts.append(self.text[last:])
        origin.extend(source[last:n])
        self.text, self.origin = "".join(parts), origin


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


@lru_cache(maxsize=4096)
def _fold_char(c: str) -> str:
    if c in _SYMBOLS:
        return _SYMBOLS[c]
    if c in _SUPERSCRIPTS:
        return "^" + _SUPERSCRIPTS[c]
    if c in _SUBSCRIPTS:
        return "_" + _SUBSCRIPTS[c]
    low = c.lower()
    if low in _GREEK:
        return f" {_GREEK[low]} "
    if c.isascii():
        return c
    decomposed = unicodedata.normalize("NFKD", c)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalise(text: str) -> _Mapped:
    """Fold the text to lowercase ASCII-ish words, keeping each character's source index."""
    mapped = _Mapped(text, None)
    if not text.isascii():
        # only the characters that are not ASCII, each on its own: a curly quote or a dash
        # leaves the rest of an answer as it is
        mapped.sub(_NON_ASCII, lambda m: _fold_char(m.group()))
    mapped.sub(_LATEX_DROP, lambda m: " ", "\\")
    mapped.sub(_LATEX_WORD, lambda m: _LATEX_WORDS[m.group(1)], "\\")
    mapped.sub(_PERCENT, lambda m: " percent ", "%")
    mapped.sub(_UNEQUAL, lambda m: " unequal ", "!=")
    # an answer in capitals denies too ("DON'T", "ISNT")
    mapped.sub(_BARE_NOT, lambda m: "n't", ("nt", "NT"))
    mapped.sub(_contractions, lambda m: _IRREGULAR_NOT.get(m.group(1).lower(), m.group(1))
               + " not", ("n't", "N'T"))
    mapped.sub(_CONTRACTION_REST, _contracted, "'")
    mapped.sub(_THOUSANDS, lambda m: "", ",")
    mapped.sub(_abbreviations, lambda m: m.group(1).replace(".", "").replace(" ", ""), ".")
    return mapped


class Token(NamedTuple):
    """A word of an answer. A tuple of plain values: answers are read by the thousand and
    tuples of strings and ints cost the garbage collector nothing."""

    word: str          # normalised surface form, lowercase
    stem: str
    start: int         # character span in the original text
    end: int
    sentence: int
    segment: int       # comma-level piece, numbered across the whole text
    negated_by: int    # index of the negation that denies this token (it precedes it), or -1
    subject_of: int = -1  # index of a negated predicate that denies this token, or -1
    clause: int = 0    # ends at ; : a dash, a sentence end, or a contrast word ("but")


@dataclass(frozen=True, slots=True)
class Text:
    """An answer as read: its tokens' fields column by column (``stems[i]`` is token i's
    stem), which is how the grader reads them, by index and over and over. ``tokens`` gives
    the same as one Token per word, built on first use: grading never needs them, and a
    word's place in the original text is found only when it is quoted."""

    original: str
    words: tuple[str, ...]
    stems: tuple[str, ...]
    sentences: tuple[int, ...]
    segments: tuple[int, ...]
    negated_by: tuple[int, ...]
    subject_of: tuple[int, ...]
    clauses: tuple[int, ...]
    _pieces: _Pieces = field(compare=False, repr=False)
    _tokens: tuple[Token, ...] | None = field(default=None, compare=False, repr=False)

    @property
    def tokens(self) -> tuple[Token, ...]:
        if self._tokens is None:
            spans = self._pieces.spans(0, len(self.words))
            # tuple.__new__ is the C constructor (Token(...) goes through a Python __new__)
            fields = zip(self.words, self.stems, (a for a, _ in spans), (b for _, b in spans),
                         self.sentences, self.segments, self.negated_by, self.subject_of,
                         self.clauses, strict=True)
            object.__setattr__(self, "_tokens",
                               tuple(map(tuple.__new__, repeat(Token), fields)))
            assert self._tokens is not None
        return self._tokens

    def quote(self, first: int, last: int) -> str:
        """The original words of tokens first..last (inclusive), as written."""
        spans = self._pieces.spans(first, last + 1)
        return self.original[spans[0][0]:spans[-1][1]]


class _Pieces:
    """Where the words of the normalised text are: the text cut at its breaks (piece, break,
    piece, ...), which pieces hold words and the index of each one's first word. Character
    offsets are worked out only when a word is quoted."""

    __slots__ = ("_offsets", "first_word", "holding", "mapped", "parts")

    def __init__(self, mapped: _Mapped, parts: list[str], holding: list[int],
                 first_word: list[int]) -> None:
        self.mapped, self.parts = mapped, parts
        self.holding, self.first_word = holding, first_word
        self._offsets: list[int] | None = None

    def spans(self, first: int, stop: int) -> list[tuple[int, int]]:
        """The source character spans of words first..stop-1."""
        if first >= stop:
            return []
        if self._offsets is None:
            self._offsets = list(accumulate(map(len, self.parts), initial=0))
        p = bisect_right(self.first_word, first) - 1
        matches = _WORD.finditer(self.mapped.text, self._offsets[2 * self.holding[p]])
        for _ in range(first - self.first_word[p]):
            next(matches)
        at = self.mapped.at
        return [(at(m.start()), at(m.end() - 1) + 1)
                for m in islice(matches, stop - first)]


@dataclass(slots=True)
class _Columns:
    """The words of a text and where each sits, column by column (one list per field is
    cheaper to build than an object per word)."""

    words: list[str]
    sentences: list[int]
    segments: list[int]
    clauses: list[int]
    pieces: _Pieces


def _raw_tokens(text: str) -> _Columns:
    """Every word, in order, with its sentence, segment and clause. Commas end a segment;
    semicolons, colons and dashes end a clause too; a sentence end ends all three."""
    mapped = normalise(text)
    words: list[str] = []
    sentences: list[int] = []
    segments: list[int] = []
    clauses: list[int] = []
    holding: list[int] = []
    first_word: list[int] = []
    sentence = segment = clause = 0
    breaking = _BREAK_UNSPACED if not _SPACED_DASH.search(mapped.text) else \
        _BREAK if _ODD_DASH.search(mapped.text) else _BREAK_DASHED
    parts = breaking.split(mapped.text)   # piece, break, piece, ..., piece
    breaks = parts[1::2]
    breaks.append("")   # after the last piece: whatever it counts, no word follows
    findall = _WORD.findall
    # An ASCII piece lowercased, with every character no word holds a space: its words are
    # what is between the spaces, unless a dot joins digits ("3.5"). An all-ASCII text is
    # folded so at once and cut where its pieces are.
    plain = mapped.text.isascii()
    if plain:
        folded = mapped.text.translate(_ASCII_WORDS)
        ends = list(accumulate(map(len, parts)))
        pieces = list(map(folded.__getitem__, map(slice, [0, *ends[1::2]], ends[0::2])))
    else:
        pieces = [p.translate(_ASCII_WORDS) if p.isascii() else p for p in parts[0::2]]
    for k, (piece, brk) in enumerate(zip(pieces, breaks, strict=True)):
        found = findall(piece) if "." in piece or not piece.isascii() else piece.split()
        if found:
            n = len(found)
            holding.append(k)
            first_word.append(len(words))
            words += found
            sentences += [sentence] * n
            segments += [segment] * n
            clauses += [clause] * n
        if words:  # a break counts only where a word came since the last of its kind
            segment += segments[-1] == segment
            if brk != ",":
                clause += clauses[-1] == clause
                if brk not in (";", ":") and "-" not in brk:
                    sentence += sentences[-1] == sentence
    if not plain:
        words = " ".join(words).lower().split()   # words are ASCII and hold no space
    return _Columns(words, sentences, segments, clauses,
                    _Pieces(mapped, parts, holding, first_word))


#: Words a cue or a pseudo-cue ("not only") can start with, and dismissive predicates
#: ("is unnecessary").
_CUE_OPENERS = NEGATION_CUES | {first for first, _ in NEGATION_PAIRS | PSEUDO_NEGATIONS} \
    | DISMISSIVE


def _negations(words: list[str], segments: list[int],
               clauses: list[int]) -> tuple[list[int], list[int]]:
    """For each token, the index of the cue that denies it (-1 if none), twice over:

    - forward: a cue denies what follows it in its clause, up to NEGATION_REACH tokens,
      over commas of a list ("doesn't add storage, upserts, replication") but not into a new
      clause ("not X, it Y"), a contrast ("not X but Y") or another cue;
    - subject: a negated verb ("X doesn't alternate", "X isn't one") or a negated judgement
      ("X gives no gain", "X doesn't matter") also denies the thing before it in its clause.
    """
    n = len(words)
    forward, subject = [-1] * n, [-1] * n
    after = 0   # the first token not yet read (a cue or pseudo-cue reads past its words)
    # Only a word that may open a cue or a pseudo-cue, or dismiss, does anything: visit those.
    for i in compress(count(), map(_CUE_OPENERS.__contains__, words)):
        if i < after:
            continue
        w = words[i]
        nxt = words[i + 1] if i + 1 < n and segments[i + 1] == segments[i] else ""
        if (w, nxt) in PSEUDO_NEGATIONS:
            after = i + 2
            continue
        third = words[i + 2] if i + 2 < n and segments[i + 2] == segments[i] else ""
        cue_len = 2 if (w, nxt) in NEGATION_PAIRS else \
            3 if nxt in CUE_ADVERBS and (w, third) in NEGATION_PAIRS else \
            1 if w in NEGATION_CUES else 0
        if not cue_len:
            if w in DISMISSIVE and _after_copula(words, clauses, i):
                _deny_subject(words, segments, clauses, subject, i)
            continue
        j = i + cue_len
        # "unlike X", "without X", "rather than X" deny a short phrase, not a clause
        reach = PHRASE_REACH if (w in PREPOSITION_CUES or cue_len == 2) else NEGATION_REACH
        parenthetical = i > 0 and segments[i - 1] != segments[i]   # ", not the weights,"
        while j < n and j - i - cue_len < reach and clauses[j] == clauses[i] \
                and words[j] not in CONTRAST_WORDS:
            if words[j] in SUBORDINATORS or (
                    words[j] in CLAUSE_STARTERS and (segments[j] != segments[j - 1]
                                                     or reach == PHRASE_REACH
                                                     or words[j - 1] in ("and", "or"))):
                break  # ", it freezes them" / "unlike RNNs they" / "because ...": new clause
            if segments[j] != segments[j - 1] and (
                    parenthetical or not _list_item(words, segments, j)):
                break  # "never builds the logits, tie ...", "X, not Y, limits Z"
            if words[j] in NEGATION_CUES and forward[j] == -1 and j > i + cue_len:
                break  # the next cue starts its own scope
            forward[j] = i
            j += 1
        if _judges_what_precedes(words, clauses, i, i + cue_len):
            _deny_subject(words, segments, clauses, subject, i)
        after = i + cue_len
    return forward, subject


def _after_copula(words: list[str], clauses: list[int], i: int) -> bool:
    """Whether the word at ``i`` is predicated by "is", "can be", "gets" ("is really
    optional"), so it says something of the subject before it."""
    j = i - 1
    while j >= 0 and i - j <= 3 and words[j] in DEGREE_ADVERBS:
        j -= 1
    return j >= 0 and words[j] in COPULAS and clauses[j] == clauses[i]


def _deny_subject(words: list[str], segments: list[int], clauses: list[int],
                  subject: list[int], i: int) -> None:
    """Mark what comes before the denying predicate at ``i``, back to its subject's start."""
    k = i - 1
    while k >= 0 and i - k <= DENIED_SUBJECT and clauses[k] == clauses[i] \
            and words[k] not in CONTRAST_WORDS and words[k] not in SUBJECT_STOPS \
            and (segments[k] == segments[k + 1] or _short_segment(segments, k)):
        if words[k] in ("and", "or") and k + 1 < i and words[k + 1] in NEW_SUBJECT:
            break  # "X and the softmax doesn't": only the second subject
        subject[k] = i
        if words[k] in PRONOUNS:
            break
        k -= 1


def _short_segment(segments: list[int], k: int) -> bool:
    """Whether the segment ending at ``k`` is a list item (three words or fewer), so a
    denied subject may run back over its comma ("A, B and C don't matter")."""
    size = 0
    while k - size >= 0 and segments[k - size] == segments[k]:
        size += 1
    return size <= 3


def _list_item(words: list[str], segments: list[int], j: int) -> bool:
    """Whether the segment starting at ``j`` continues a list a negation runs over: short,
    or joined by "and"/"or" ("doesn't add storage, upserts, or replication")."""
    if words[j] in ("and", "or", "nor"):
        return True
    size = 0
    while j + size < len(words) and segments[j + size] == segments[j]:
        size += 1
    return size <= 4 or any(w in ("and", "or", "nor") for w in words[j:j + size])


def _judges_what_precedes(words: list[str], clauses: list[int], cue: int,
                          after: int) -> bool:
    """Whether the negation at ``cue`` says something of what came before it: a negated
    auxiliary ("X doesn't", "X isn't", "X can't") or a negated judgement ("gives no gain").
    Not when the verb is coordinated ("X is stable and doesn't need Y": X is asserted)."""
    if cue > 1 and words[cue - 2] in ("and", "or", "but"):
        return False
    if cue > 0 and words[cue] in ("not", "never") and words[cue - 1] in AUXILIARIES \
            and clauses[cue - 1] == clauses[cue]:
        return True
    j = after
    while j < len(words) and words[j] in PREDICATE_FILLER and j - after < 3:
        j += 1
    return j < len(words) and words[j] in EVALUATIVE and clauses[j] == clauses[cue]


@lru_cache(maxsize=256)   # small: a cache of every answer ever read would only grow
def read(text: str) -> Text:
    """The answer's tokens with sentences, segments and negation marked."""
    cols = _raw_tokens(text)
    words = cols.words
    forward, subject = _negations(words, cols.segments, cols.clauses)
    # Each contrast word ("but") so far starts a clause within the punctuated one. Both
    # counts only grow along the text, so their sum changes exactly where either does: it
    # numbers the clauses (not consecutively, which nothing needs).
    shifts = accumulate(map(CONTRAST_WORDS.__contains__, words), initial=0)
    next(shifts)
    return Text(text, tuple(words), tuple(map(stem, words)), tuple(cols.sentences),
                tuple(cols.segments), tuple(forward), tuple(subject),
                tuple(map(add, cols.clauses, shifts)), cols.pieces)

