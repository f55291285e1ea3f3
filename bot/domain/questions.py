"""The question bank's data model: what a topic file must hold to be usable by the bot.

These models are the single source of truth for the YAML format in ``questions/``; the JSON
Schema in ``questions/schema.json`` is generated from them (``quizbot questions schema``).
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class Level(StrEnum):
    """The four role levels of the guides, from entry-level to specialist."""

    INTERN = "intern"
    SCIENTIST = "scientist"
    ENGINEER = "engineer"
    ADVANCED = "advanced"


class Kind(StrEnum):
    """What sort of answer a question expects; drives how the answer is presented and checked."""

    CONCEPT = "concept"
    MATH = "math"
    CODING = "coding"
    SYSTEM_DESIGN = "system-design"
    BEHAVIORAL = "behavioral"
    SCENARIO = "scenario"
    CHALLENGE = "challenge"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _numbers_are_phrases(value: object) -> object:
    """YAML reads `[fp8, 4, 0.5]` with numbers; a number is a fine phrase."""
    if isinstance(value, list):
        return [str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v
                for v in value]
    return value


Phrases = Annotated[list[Annotated[str, Field(min_length=1, max_length=80)]],
                    Field(min_length=1, max_length=40)]
Requires = Annotated[list[Annotated[str, Field(min_length=1, max_length=80)]],
                     Field(max_length=20)]


class _Phrased(_Strict):
    """Something the grader recognises by phrases (and optionally a required term)."""

    phrases: Phrases
    requires: Requires = Field(default_factory=list)

    @field_validator("phrases", "requires", mode="before")
    @classmethod
    def _numbers(cls, value: object) -> object:
        return _numbers_are_phrases(value)


class KeyPoint(_Phrased):
    """One idea an interviewer listens for, and the phrases that show someone covered it.

    ``label`` names the idea without giving it away (it is shown at every reveal, so pasting
    the labels must earn nothing); ``claim`` states the fact in one sentence; ``phrases``
    are the specific ways people say it; ``requires``, when given, lists terms of which one
    must appear in the same sentence as a phrase (for phrases too common to stand alone).

    ``paired`` holds the names of things the point is about ("greedy", "top-p") that prove
    nothing alone: a wrong answer names them as readily as a right one ("greedy decoding is
    the quality baseline"). Each counts only in a sentence that also holds one of its
    partners, the words that say what the claim says of it ("greedy: [most likely, argmax]").
    """

    label: Annotated[str, Field(min_length=3, max_length=60)]
    claim: Annotated[str, Field(min_length=10, max_length=300)]
    paired: Annotated[dict[Annotated[str, Field(min_length=1, max_length=80)], Requires],
                      Field(max_length=20)] = Field(default_factory=dict)

    @field_validator("paired", mode="before")
    @classmethod
    def _numbers_paired(cls, value: object) -> object:
        if isinstance(value, dict):
            return {str(k): _numbers_are_phrases(v) for k, v in value.items()}
        return value

    @field_validator("paired")
    @classmethod
    def _partnered(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        lonely = [term for term, partners in value.items() if not partners]
        if lonely:
            raise ValueError(f"paired terms need at least one partner: {lonely}")
        return value

    @property
    def paired_words(self) -> list[str]:
        """The paired terms and their partners, in order."""
        return [w for term, partners in self.paired.items() for w in (term, *partners)]

    @property
    def terms(self) -> list[str]:
        """Every word the grader looks for on this point: phrases, required terms, paired
        terms and their partners (the rubric's vocabulary)."""
        return [*self.phrases, *self.requires, *self.paired_words]


class Misconception(_Phrased):
    """A wrong claim candidates really make, how to recognise it, and its correction.

    An answer asserting it (its phrases, not denied, with one of ``requires`` in the same
    sentence when given) loses the credit of ``point``, or one point's worth when it names
    none; the person is told the ``correction``.
    """

    claim: Annotated[str, Field(min_length=10, max_length=300)]
    point: str | None = Field(None, description="label of the key point it contradicts")
    correction: Annotated[str, Field(min_length=10, max_length=300)]


class AskedAs(_Strict):
    """One guide's exact wording of this question, so coverage of the guides can be checked."""

    source: Annotated[str, Field(pattern=r"^\d{3}_[0-9a-f]+\.txt$")]
    text: Annotated[str, Field(min_length=3)]


class Question(_Strict):
    """A bank entry: the prompt, a reference answer in our own words, and its grading rubric."""

    id: Annotated[str, Field(pattern=SLUG, max_length=80)]
    prompt: Annotated[str, Field(min_length=8, max_length=600)]
    kind: Kind
    difficulty: Annotated[int, Field(ge=1, le=5)]
    answer: Annotated[str, Field(min_length=40)]
    key_points: Annotated[list[KeyPoint], Field(min_length=3, max_length=6)]
    misconceptions: Annotated[list[Misconception], Field(min_length=1, max_length=3)]
    follow_up: str | None = None
    #: when someone last checked the entry against current practice (``reviewed:
    #: YYYY-MM-DD``); ``quizbot questions stats`` lists the oldest and the never reviewed
    reviewed: date | None = None
    asked_as: list[AskedAs] = Field(default_factory=list)
    tags: list[Annotated[str, Field(pattern=SLUG)]] = Field(default_factory=list)
    #: Set only on coding answers whose code cannot run here (needs PyTorch, a GPU, ...):
    #: the reason, shown to readers. Such code is still syntax-checked by the tests.
    code_requires: str | None = None
    # Filled in by the loader from the enclosing topic file, never written in YAML entries.
    topic: str = ""
    level: Level = Level.INTERN

    @field_validator("key_points")
    @classmethod
    def _distinct_labels(cls, points: list[KeyPoint]) -> list[KeyPoint]:
        labels = [p.label.lower() for p in points]
        if len(set(labels)) != len(labels):
            raise ValueError("key point labels must be distinct")
        return points

    @model_validator(mode="after")
    def _misconceptions_name_real_points(self) -> Question:
        labels = {kp.label for kp in self.key_points}
        for mc in self.misconceptions:
            if mc.point is not None and mc.point not in labels:
                raise ValueError(f"misconception {mc.claim[:40]!r}...: point {mc.point!r} is "
                                 "not one of this entry's key point labels")
        return self

    @property
    def code_blocks(self) -> list[str]:
        """The fenced ```python blocks of the reference answer, in order."""
        return re.findall(r"```python\n(.*?)```", self.answer, flags=re.DOTALL)

    @property
    def word_count(self) -> int:
        """Words of the answer's prose, code blocks excluded."""
        prose = re.sub(r"```.*?```", " ", self.answer, flags=re.DOTALL)
        return len(prose.split())


class TopicFile(_Strict):
    """One ``questions/<topic>.yaml`` file."""

    topic: Annotated[str, Field(pattern=SLUG, max_length=60)]
    title: Annotated[str, Field(min_length=3, max_length=80)]
    level: Level
    description: Annotated[str, Field(min_length=10)]
    questions: Annotated[list[Question], Field(min_length=1)]

    @model_validator(mode="after")
    def _stamp_and_check_ids(self) -> TopicFile:
        seen: set[str] = set()
        for q in self.questions:
            if q.id in seen:
                raise ValueError(f"duplicate question id {q.id!r}")
            seen.add(q.id)
        stamped = [q.model_copy(update={"topic": self.topic, "level": self.level})
                   for q in self.questions]
        object.__setattr__(self, "questions", stamped)
        return self
