"""Checks a rubric must pass before the bank ships (`quizbot questions validate`).

They keep the rubric from rewarding what explains nothing:
- a phrase found in more than a tenth of the other entries' reference answers ("context",
  "cost", "2"), or in more than a third of its own topic's, proves nothing alone: its key
  point must ``require`` a specific term too (an answer to another question of the same
  topic would earn it otherwise);
- a phrase from the question's own prompt would pay for restating the question (a paired
  term may be in it, since it counts only beside a partner, but not with a partner);
- "I don't know" and its kin are never phrases;
- the key-point labels are shown at every reveal, so pasting them must earn nothing;
- the entry's own reference answer must cover every point and assert no misconception;
- a list of the rubric's own phrases, or one filler sentence per point, must earn nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from bot.domain.grading.lexicon import stem
from bot.domain.grading.phrases import Answer, compile_phrase
from bot.domain.grading.rubric import grade
from bot.domain.grading.text import read
from bot.domain.grading.vocabulary import Vocabulary
from bot.domain.questions import Question

COMMON_SHARE = 0.10        # of the bank's other reference answers
TOPIC_SHARE = 0.34         # of the same topic's other reference answers
DONT_KNOW = frozenset({
    "i don't know", "i do not know", "dont know", "don't know", "not sure", "no idea",
    "it depends", "depends", "idk", "unsure", "i think", "maybe", "good question", "i forgot",
    "can't remember", "pass", "dunno", "i'm not sure", "no clue", "not certain"})
FILLER = "It is about the {}, and that is how it works."


class _Frequency:
    """In how many reference answers a phrase occurs, matched as the grader matches it
    (so "re-ranking" and "reranking" count as one phrase)."""

    def __init__(self, answers: Sequence[tuple[str, str]]) -> None:
        self.answers = {qid: Answer(text, Vocabulary(frozenset())) for qid, text in answers}
        self.having: dict[str, set[str]] = defaultdict(set)
        for qid, answer in self.answers.items():
            for s in answer.at:
                self.having[s].add(qid)
            for i in range(len(answer.stems) - 1):   # words written apart ("re ranking")
                self.having[stem(answer.stems[i] + answer.stems[i + 1])].add(qid)

    def others_with(self, phrase: str, own_id: str, among: set[str] | None = None) -> int:
        compiled = compile_phrase(phrase)
        if compiled is None:
            return 0
        stems = compiled.stems
        candidates = set.intersection(*(self.having.get(s, set()) for s in stems))
        if compiled.joined:
            candidates |= self.having.get(compiled.joined, set())
        if among is not None:
            candidates &= among
        return sum(1 for qid in candidates - {own_id} if self.answers[qid].find(compiled))


def _in(text: Answer, phrase: str) -> bool:
    compiled = compile_phrase(phrase)
    return compiled is not None and bool(text.find(compiled))


def _words(text: str) -> str:
    return " ".join(t.word for t in read(text.replace("'", "")).tokens)


_DONT_KNOW = frozenset(_words(p) for p in DONT_KNOW)


def check_rubrics(questions: Sequence[Question],
                  answers: Sequence[tuple[str, str]] | None = None) -> list[str]:
    """Every rubric problem, as ``entry: problem`` lines (empty when all is well).

    ``answers`` is the whole bank's (entry id, reference answer) pairs that phrase
    frequencies are counted in; by default, the questions' own."""
    corpus = answers if answers is not None else [(q.id, q.answer) for q in questions]
    freq = _Frequency(corpus)
    limit = COMMON_SHARE * max(1, len(corpus) - 1)
    topics: dict[str, set[str]] = defaultdict(set)
    for q in questions:
        topics[q.topic].add(q.id)
    problems: list[str] = []
    for q in questions:
        where = f"{q.topic}/{q.id}" if q.topic else q.id
        prompt = Answer(q.prompt, Vocabulary.for_question(q))
        topic = topics[q.topic]
        topic_limit = TOPIC_SHARE * (len(topic) - 1) if len(topic) >= 4 else float("inf")

        def common(term: str, q: Question = q, topic: set[str] = topic,
                   topic_limit: float = topic_limit) -> bool:
            return freq.others_with(term, q.id) > limit or \
                freq.others_with(term, q.id, topic) > topic_limit

        rubric = [(f"key point {kp.label!r}", kp.phrases, kp.requires) for kp in q.key_points]
        rubric += [(f"misconception {mc.claim[:40]!r}", mc.phrases, mc.requires)
                   for mc in q.misconceptions]
        rubric += [(f"key point {kp.label!r}, paired term", [term], partners)
                   for kp in q.key_points for term, partners in kp.paired.items()]
        for what, phrases, requires in rubric:
            specific_require = any(not common(r) for r in requires)
            paired = what.endswith("paired term")
            if paired and _in(prompt, phrases[0]) and any(_in(prompt, r) for r in requires):
                problems.append(f"{where}: {what}: {phrases[0]!r} and a partner of it are "
                                "both in the prompt (restating the question would earn it)")
            for phrase in phrases:
                compiled = compile_phrase(phrase)
                if compiled is None:
                    problems.append(f"{where}: {what}: phrase {phrase!r} has no words")
                    continue
                if _words(phrase) in _DONT_KNOW:
                    problems.append(f"{where}: {what}: {phrase!r} is a non-answer")
                if what.startswith("key point") and not paired and prompt.find(compiled):
                    problems.append(f"{where}: {what}: phrase {phrase!r} is in the prompt "
                                    "(restating the question would earn it)")
                if not specific_require and common(phrase):
                    n, m = freq.others_with(phrase, q.id), freq.others_with(phrase, q.id, topic)
                    problems.append(
                        f"{where}: {what}: phrase {phrase!r} is in {n} other answers ({m} of "
                        f"this topic's {len(topic) - 1}): make it specific or add a specific "
                        "term to `requires`")
        problems.extend(f"{where}: {p}" for p in _probe_problems(q))
    return problems


def _probe_problems(q: Question) -> list[str]:
    out = []
    own = grade(q, q.answer)
    if own.missed:
        out.append(f"the reference answer misses {list(own.missed)}")
    if own.mistakes:
        out.append(f"the reference answer asserts a misconception: {own.mistakes[0].claim!r} "
                   f"(at «{own.mistakes[0].quote}»)")
    probes = {
        "the labels pasted": ". ".join(kp.label for kp in q.key_points) + ".",
        "the prompt pasted": q.prompt,
        "a list of the phrases": ", ".join(p for kp in q.key_points
                                         for p in (*kp.phrases, *kp.paired_words)),
        "one filler sentence per point": " ".join(FILLER.format(kp.phrases[0])
                                                  for kp in q.key_points),
    }
    for name, text in probes.items():
        # said twice, as inside a longer answer, so the thin-answer rule cannot hide a phrase
        # that the probe alone would match
        g = grade(q, f"{text} {text}")
        if g.covered:
            out.append(f"{name} earns {list(g.covered)}: "
                       + "; ".join(f"«{quote}»" for _, quote in g.evidence))
    return out
