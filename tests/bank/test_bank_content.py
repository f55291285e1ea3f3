"""The bank is the product's content: these tests keep it complete and self-consistent."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from bot.bank import QuestionBank
from bot.domain.questions import Kind

from .textnorm import occurs

GUIDE_LINES = yaml.safe_load(
    (Path(__file__).resolve().parents[1] / "data" / "guide_lines.yaml").read_text("utf-8"))
PARTS = ["intern", "scientist", "engineer", "advanced"]
LONG_FORM = {Kind.SYSTEM_DESIGN, Kind.MATH, Kind.CODING, Kind.CHALLENGE, Kind.BEHAVIORAL,
             Kind.SCENARIO}


@pytest.mark.parametrize("part", PARTS)
def test_every_guide_line_of_the_part_is_in_the_bank(bank: QuestionBank, part: str) -> None:
    asked = {(a.source, a.text) for q in bank for a in q.asked_as}
    missing = [f"{r['source']}: {r['text']}" for r in GUIDE_LINES
               if r["part"] == part and (r["source"], r["text"]) not in asked]
    assert not missing, f"{len(missing)} guide lines of part {part} missing:\n" + "\n".join(missing)


def test_asked_as_quotes_only_real_guide_lines(bank: QuestionBank) -> None:
    known = {(r["source"], r["text"]) for r in GUIDE_LINES}
    unknown = [f"{q.id}: {a.source}: {a.text}" for q in bank for a in q.asked_as
               if (a.source, a.text) not in known]
    assert not unknown, "asked_as items that are not guide lines:\n" + "\n".join(unknown)


def test_each_guide_line_is_merged_into_one_entry_only(bank: QuestionBank) -> None:
    where: dict[tuple[str, str], list[str]] = defaultdict(list)
    for q in bank:
        for a in {(a.source, a.text) for a in q.asked_as}:
            where[a].append(q.id)
    twice = {k: v for k, v in where.items() if len(v) > 1}
    assert not twice, f"guide lines used by several entries: {twice}"


def test_every_key_point_phrase_list_occurs_in_its_own_answer(bank: QuestionBank) -> None:
    bad = [f"{q.topic}/{q.id}: {kp.label!r}" for q in bank for kp in q.key_points
           if not any(occurs(p, q.answer) for p in kp.phrases)]
    assert not bad, "key points none of whose phrases occur in the answer:\n" + "\n".join(bad)


def test_answers_have_a_sensible_length(bank: QuestionBank) -> None:
    bad = []
    for q in bank:
        low, high = (60, 200) if q.kind not in LONG_FORM else (60, 450)
        if not low <= q.word_count <= high:
            bad.append(f"{q.topic}/{q.id}: {q.word_count} words ({q.kind.value})")
    assert not bad, "answers outside the length range:\n" + "\n".join(bad)


def test_coding_questions_carry_code(bank: QuestionBank) -> None:
    bad = [q.id for q in bank if q.kind is Kind.CODING and not q.code_blocks]
    assert not bad, f"coding questions without a ```python block: {bad}"


def test_behavioral_answers_follow_star(bank: QuestionBank) -> None:
    for q in bank:
        if q.kind is Kind.BEHAVIORAL:
            labels = " ".join(kp.label.lower() for kp in q.key_points)
            for part in ("situation", "task", "action", "result"):
                assert part in labels, f"{q.id}: no STAR key point for {part}"


SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
COPY_RUN = 10  # words in a row shared with a guide that count as copying


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the source guides live outside the repo "
                    "(../shared/seeds) and are only present in the project workspace")
def test_answers_do_not_copy_the_guides(bank: QuestionBank) -> None:
    shingles: set[tuple[str, ...]] = set()
    for guide in SEEDS.glob("*.txt"):
        w = _words(guide.read_text(encoding="utf-8"))
        shingles.update(tuple(w[i:i + COPY_RUN]) for i in range(len(w) - COPY_RUN + 1))
    copied = []
    for q in bank:
        w = _words(q.answer)
        runs = {" ".join(w[i:i + COPY_RUN]) for i in range(len(w) - COPY_RUN + 1)
                if tuple(w[i:i + COPY_RUN]) in shingles}
        if runs:
            copied.append(f"{q.id}: {sorted(runs)[0]}")
    assert not copied, "answers sharing 10-word runs with a guide:\n" + "\n".join(copied)


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the source guides live outside the repo")
def test_the_evaluation_sets_guide_answers_are_the_guides_own(bank: QuestionBank) -> None:
    from .guides import guide_answers

    asked = {(a.source, a.text): q.id for q in bank for a in q.asked_as}
    from_guides = sorted((asked[(g.name, line)], g.name, text) for g in SEEDS.glob("*.txt")
                         for line, text in guide_answers(g))
    in_set = sorted((e["id"], a["source"], a["text"])
                    for f in (Path(__file__).resolve().parents[1] / "data" / "grading")
                    .glob("*.yaml") for e in yaml.safe_load(f.read_text("utf-8"))["entries"]
                    for a in e["answers"] if a.get("source"))
    assert len(from_guides) == 71 and in_set == from_guides


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the source guides live outside the repo")
def test_the_guide_line_manifest_matches_the_guides() -> None:
    from .guides import question_lines

    from_guides = sorted((g.name, line) for g in SEEDS.glob("*.txt")
                         for line in question_lines(g))
    manifest = sorted((r["source"], r["text"]) for r in GUIDE_LINES)
    assert from_guides == manifest


def test_every_rubric_passes_the_validator(bank: QuestionBank) -> None:
    """What `quizbot questions validate` enforces, on the real bank."""
    from bot.domain.grading.checks import check_rubrics

    problems = check_rubrics(list(bank))
    assert not problems, f"{len(problems)} rubric problems:\n" + "\n".join(problems[:30])


def test_every_entry_has_a_follow_up(bank: QuestionBank) -> None:
    missing = [q.id for q in bank if not q.follow_up]
    assert not missing, f"entries without a follow_up: {missing}"
