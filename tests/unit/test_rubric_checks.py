"""`quizbot questions validate` refuses rubrics that would reward the wrong things."""

from __future__ import annotations

from typing import Any

from bot.bank import QuestionBank
from bot.domain.grading.checks import check_rubrics
from bot.domain.questions import Question


def entry(**changes: Any) -> Question:
    base: dict[str, Any] = {
        "id": "t-lora", "topic": "t", "prompt": "What does LoRA train during fine-tuning?",
        "kind": "concept", "difficulty": 2,
        "answer": "LoRA freezes the pre-trained weights and learns a low-rank update B times A "
                  "for chosen weight matrices; the update can be merged into the weights, so "
                  "serving adds no latency.",
        "key_points": [
            {"label": "What stays fixed", "claim": "The pre-trained weights stay frozen.",
             "phrases": ["freezes the pre-trained weights", "frozen weights"]},
            {"label": "What is learned", "claim": "A low-rank update B times A is learned.",
             "phrases": ["low-rank update", "b times a"]},
            {"label": "Serving", "claim": "The update merges into W: no added latency.",
             "phrases": ["merged into the weights", "no latency"]},
        ],
        "misconceptions": [{"claim": "LoRA retrains every weight, only faster.",
                            "phrases": ["retrains every weight"], "point": "What stays fixed",
                            "correction": "It freezes them and trains two small matrices."}],
    }
    base.update(changes)
    return Question.model_validate(base)


OTHERS = [(f"other-{i}", "Attention weights are computed from queries and keys; the model "
           "learns them.") for i in range(20)]


def problems(q: Question) -> list[str]:
    return check_rubrics([q], [(q.id, q.answer), *OTHERS])


def test_a_sound_rubric_passes(sample_bank: QuestionBank) -> None:
    assert problems(entry()) == []
    assert check_rubrics(list(sample_bank)) == []


def test_common_phrases_need_a_specific_required_term() -> None:
    points = entry().key_points
    common = points[1].model_copy(update={"phrases": ["low-rank update", "learns"]})
    found = problems(entry(key_points=[points[0], common, points[2]]))
    assert any("'learns' is in 20 other answers" in p for p in found)
    required = common.model_copy(update={"requires": ["low-rank"]})
    assert problems(entry(key_points=[points[0], required, points[2]])) == []


def test_a_paired_term_may_be_common_or_in_the_prompt_but_not_with_a_partner() -> None:
    points = entry().key_points
    paired = points[1].model_copy(update={"paired": {"lora": ["low-rank"],
                                                     "learns": ["b times a"]}})
    assert problems(entry(key_points=[points[0], paired, points[2]])) == []
    both = points[1].model_copy(update={"paired": {"lora": ["fine-tuning"]}})
    assert any("'lora' and a partner of it are both in the prompt" in p
               for p in problems(entry(key_points=[points[0], both, points[2]])))
    vague = points[1].model_copy(update={"paired": {"learns": ["computed"]}})
    assert any("'learns' is in 20 other answers" in p
               for p in problems(entry(key_points=[points[0], vague, points[2]])))


def test_a_paired_term_needs_a_partner() -> None:
    import pydantic
    import pytest
    with pytest.raises(pydantic.ValidationError, match="at least one partner"):
        entry().key_points[1].model_validate(
            {**entry().key_points[1].model_dump(), "paired": {"lora": []}})


def test_prompt_words_non_answers_and_giveaway_labels_are_refused() -> None:
    points = entry().key_points
    in_prompt = points[1].model_copy(update={"phrases": ["low-rank update", "fine-tuning"]})
    idk = points[1].model_copy(update={"phrases": ["low-rank update", "I don't know"]})
    giveaway = points[1].model_copy(update={"label": "It learns a low-rank update"})
    assert any("is in the prompt" in p for p in problems(
        entry(key_points=[points[0], in_prompt, points[2]])))
    assert any("is a non-answer" in p for p in problems(
        entry(key_points=[points[0], idk, points[2]])))
    assert any("the labels pasted earns" in p for p in problems(
        entry(key_points=[points[0], giveaway, points[2]])))


def test_the_reference_answer_must_cover_every_point_and_state_no_misconception() -> None:
    points = entry().key_points
    unmatched = points[1].model_copy(update={"phrases": ["rank r adapter"]})
    assert any("the reference answer misses ['What is learned']" in p for p in problems(
        entry(key_points=[points[0], unmatched, points[2]])))
    wrong = entry().misconceptions[0].model_copy(update={"phrases": ["low-rank update"]})
    assert any("asserts a misconception" in p for p in problems(entry(misconceptions=[wrong])))
