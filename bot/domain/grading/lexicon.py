"""The grader's word lists and word forms: what counts as the same word, and what carries
no content.

Stemming is deliberately inflectional and predictable (plural, -ed, -ing, a final e, British
spellings, a table of irregular forms) rather than a full Porter stemmer, which would merge
"transformer" with "transformation" or "tokenizer" with "token": in this subject such words
are different terms.
"""

from __future__ import annotations

import re
from functools import lru_cache

#: Words that hold a sentence together but carry no subject matter.
FUNCTION_WORDS = frozenset("""
a an the this that these those is are was were be been being am it its they them their there
here of to in on at by for with from into onto over under about as than then so and or but nor
if because since while when where which who whom whose what why how not no do does did done can
could will would shall should may might must has have had having i we you he she our your his
her my me us also only just very more most less least each every all any both such some other
same own too again further once via per s t eg ie never none nothing neither without cannot
unlike
""".split())

#: Content-free words people pad with ("X is important, and that is how it works"). A key
#: phrase needs at least one word outside this list and outside the phrases to count.
FILLER_WORDS = frozenset("""
about thing things stuff work works working worked important importance key role roles play
plays played matter matters mattering related relevant concept concepts idea ideas aspect
aspects part parts point points factor factors basically essentially really actually simply
kind sort lot lots way ways fact facts something anything everything main mainly core
central crucial essential significant fundamental overall generally general various good great
well yes yeah ok okay like know knows think thinks believe guess mean means say says said talk
mention mentioned remember understand topic topics involve involves involved involving also
sure certainly definitely obviously clearly course whole etc
""".split())

#: Words that deny what follows them in their clause.
NEGATION_CUES = frozenset("not no never none nothing neither nor without cannot unlike lacks "
                          "lacking myth misconception belief wrongly mistakenly "
                          "incorrectly falsely".split())
#: Words that open a subordinate clause, where a negation before them stops ("doesn't need
#: it because its exponent ...").
SUBORDINATORS = frozenset("because since although though whereas unless which who whom "
                          "whose".split())
#: Adverbs that may sit inside a two-word cue ("people often assume").
CUE_ADVERBS = frozenset("often sometimes usually commonly wrongly mistakenly still".split())
#: Words that start a new subject after "and": "unit variance and the softmax doesn't
#: saturate" denies the softmax, not the variance.
NEW_SUBJECT = frozenset("the a an its their this these that those it they we you".split())
#: Cues that deny the phrase after them, not a whole clause ("unlike RNNs, ...").
PREPOSITION_CUES = frozenset("unlike without lacks lacking".split())
#: Two-word cues, as (first, second) stems' surface words.
NEGATION_PAIRS = frozenset({("rather", "than"), ("instead", "of"), ("no", "longer"),
                            ("fail", "to"), ("fails", "to"), ("failed", "to"),
                            ("opposed", "to"), ("contrary", "to"),
                            # a belief reported, not held: "some think RAG removes ..."
                            ("some", "think"), ("people", "think"), ("many", "think"),
                            ("some", "believe"), ("people", "believe"), ("some", "say"),
                            ("people", "assume"), ("some", "claim")})
#: Cues that do not deny ("not only", "no matter", "whether or not").
PSEUDO_NEGATIONS = frozenset({("not", "only"), ("not", "just"), ("no", "matter"),
                              ("no", "doubt"), ("or", "not"), ("if", "not")})
#: What a denied predicate says about the thing before it: "X doesn't help", "X isn't
#: needed", "X makes no difference". A negation followed by one of these denies what came
#: before it in the clause, not only what follows.
EVALUATIVE = frozenset("""
help helps helped helping work works working matter matters improve improves improved
needed necessary required require requires useful used use apply applies exist exists gain
gains effect benefit benefits change changes affect affects reduce reduces increase increases
contribute contributes recommended important difference solve solves fix fixes prevent
prevents hurt hurts add adds impact value advantage sense relevant worth pay pays scale
scales catch catches guarantee guarantees make makes
""".split())
#: Predicates that deny their subject with no negation word, after a form of "be" or "get":
#: "human review is unnecessary", "positional encodings are optional".
DISMISSIVE = frozenset("unnecessary unneeded needless optional pointless useless obsolete "
                       "overkill superfluous dispensable".split())
#: The verbs such a predicate follows.
COPULAS = frozenset("be is are was were been being get gets got become becomes".split())
#: Adverbs between such a verb and its predicate ("is really optional").
DEGREE_ADVERBS = frozenset("really actually entirely completely totally quite usually often "
                           "largely mostly purely just strictly simply basically".split())
#: Verbs whose negation denies their subject ("X doesn't", "X isn't", "X can't").
AUXILIARIES = frozenset("do does did is are was were has have had can could will would "
                        "should may might must".split())
#: Where a denied subject begins, walking back from "doesn't": "when it doesn't know" denies
#: "it", not what came before "when".
SUBJECT_STOPS = frozenset("when if because since that which who whom so then where while "
                          "unless until whether".split())
#: Pronoun subjects: a negated verb denies the pronoun and nothing before it.
PRONOUNS = frozenset("it they we you i he she this these those".split())
#: Words that open a new clause after a comma, ending a negation's list ("not X, it Y").
CLAUSE_STARTERS = frozenset("it they this that which who we you i he she there so then "
                            "instead rather because since although though while whereas "
                            "yet but only".split())
#: Words that may sit between a negation and its predicate ("is really not needed").
PREDICATE_FILLER = frozenset("be been being is are was were do does did really actually "
                             "always usually necessarily much any an a the at all".split())

#: Words that end a negation's reach inside a sentence ("not X but Y").
CONTRAST_WORDS = frozenset("but however whereas while although though yet instead rather "
                           "except".split())

#: Irregular forms people really write in answers, mapped to the form the stemmer gives.
IRREGULAR = {
    "frozen": "freez", "froze": "freez", "chosen": "choos", "chose": "choos",
    "written": "writ", "wrote": "writ", "taken": "tak", "took": "tak", "given": "giv",
    "gave": "giv", "known": "know", "knew": "know", "shown": "show", "drawn": "draw",
    "drew": "draw", "held": "hold", "built": "build", "kept": "keep", "fed": "feed",
    "sent": "send", "spent": "spend", "lost": "los", "made": "mak", "ran": "run",
    "went": "go", "gone": "go", "brought": "bring", "thought": "think", "taught": "teach",
    "sought": "seek", "found": "find", "hidden": "hid", "hid": "hid", "fell": "fall",
    "fallen": "fall", "grew": "grow", "grown": "grow", "threw": "throw", "thrown": "throw",
    "began": "begin", "begun": "begin", "broke": "break", "broken": "break", "spoke": "speak",
    "spoken": "speak", "forgot": "forget", "forgotten": "forget", "got": "get",
    "gotten": "get", "paid": "pay", "understood": "understand", "led": "lead",
    "learnt": "learn", "meant": "mean", "dealt": "deal", "slept": "sleep", "bled": "bleed",
    "gpus": "gpu", "used": "use", "using": "use", "uses": "use", "cpus": "cpu", "tpus": "tpu",
    "children": "child", "indices": "index", "matrices": "matrix",
    "vertices": "vertex", "analyses": "analysis", "hypotheses": "hypothesis",
    "criteria": "criterion", "phenomena": "phenomenon", "data": "data", "better": "good",
    "best": "good", "worse": "bad", "worst": "bad", "larger": "larg", "largest": "larg",
    "bigger": "big", "biggest": "big", "smaller": "small", "smallest": "small",
    "fewer": "few", "lower": "low", "lowest": "low", "higher": "high", "highest": "high",
    "longer": "long", "longest": "long", "shorter": "short", "faster": "fast",
    "fastest": "fast", "slower": "slow", "slowest": "slow", "cheaper": "cheap",
    "cheapest": "cheap", "deeper": "deep", "wider": "wide", "newer": "new", "older": "old",
}

#: Words merged to one canonical form: numbers, scale words, and terms used interchangeably.
CANONICAL = {
    "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12",
    "billion": "b", "bn": "b", "million": "m", "thousand": "k", "trillion": "t",
    "every": "all", "param": "weight", "parameter": "weight", "versus": "vs",
    "percent": "%", "cannot": "not", "doesnt": "not",
}

_ROOT_ED = frozenset("embed imbed shred sled naked wicked hundred sacred kindred".split())
_DOUBLE = re.compile(r"([bdfgkmnprt])\1$")
_BRITISH_LL = re.compile(r"^(label|model|travel|cancel|signal|level|fuel|channel|tunnel|"
                         r"marshal|total|dial|counsel)l(ed|ing|er|ers)$")
_BRITISH_ISE = re.compile(r"^(\w{3,}?)(is|ys)(e|ed|es|ing|er|ers|ation|ations)$")
_OUR = re.compile(r"^(behavi|col|fav|hon|lab|neighb|flav|harb|hum|rum|vap)our")
_RE_ENDING = re.compile(r"^(cent|met|lit|fib|theat)re(s?)$")


def _undouble(base: str) -> str:
    """stopp(ed) -> stop, embedd(ing) -> embed; but add(ed) stays add."""
    return _DOUBLE.sub(r"\1", base) if len(base) > 3 else base


def _respell(word: str) -> str:
    """British spellings to American ones, so "optimise" and "optimize" are one word. Each
    pattern runs only on a word with the letters it needs: most words have none of them,
    and every new word of every answer is stemmed."""
    if "ll" in word:
        word = _BRITISH_LL.sub(r"\1\2", word)
    if "is" in word or "ys" in word:
        word = _BRITISH_ISE.sub(lambda m: m.group(1) + ("iz" if m.group(2) == "is" else "yz")
                                + m.group(3), word)
    if "our" in word:
        word = _OUR.sub(r"\1or", word)
    if word.endswith(("re", "res")):
        word = _RE_ENDING.sub(r"\1er\2", word)
    return word


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The form two spellings of the same word share: tokens -> token, merged/merging/merge
    -> merg, frozen/freezing -> freez, optimise/optimized -> optimiz; "-ization" and "-ation"
    fold into their verb (quantization ~ quantize). Digits and short words are left alone."""
    word = word.lower()
    if word in IRREGULAR:
        return IRREGULAR[word]
    if len(word) <= 3 or not word.isalpha():
        return CANONICAL.get(word, word)
    word = _respell(word)
    # plurals and third person first, so that "embeddings" goes on to "embed"
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith(("sses", "shes", "ches", "xes", "zzes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is", "ous", "ias")):
        word = word[:-1]
    base = word
    if word.endswith("ization"):
        base = word[:-5]                       # quantization -> quantiz
    elif word.endswith("ation") and len(word) > 7:
        base = word[:-3]                       # generation -> generat
    elif word.endswith("ied") and len(word) > 4:
        base = word[:-3] + "y"
    elif word.endswith("ing") and len(word) > 5:
        base = _undouble(word[:-3])
    elif word.endswith("ed") and len(word) > 4 and not word.endswith("eed") \
            and word not in _ROOT_ED:
        base = _undouble(word[:-2])
    elif word.endswith("ically") and len(word) > 8:
        base = word[:-4]                       # quadratically -> quadratic
    elif word.endswith("ly") and len(word) > 6 and not word.endswith(("ply", "ally")):
        base = word[:-2]                       # efficiently -> efficient
    if base.endswith("e") and len(base) > 3 and not base.endswith(("ee", "ye")):
        base = base[:-1]                       # merge -> merg, like merged and merging
    return CANONICAL.get(base, base)


def is_content(word: str) -> bool:
    """A word that says something about the subject (not glue, not padding)."""
    return (word not in FUNCTION_WORDS and word not in FILLER_WORDS and len(word) > 1) \
        or word.isdigit()
