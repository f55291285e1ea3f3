"""`quizbot grading eval` keeps working: its metrics, its loader, and a run on a slice of the
real labelled set. No quality threshold is asserted here (those live in `make bench`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.bank import QuestionBank, load_bank
from bot.grading_eval import (
    DEFAULT_SET,
    EvalSetError,
    auc,
    evaluate,
    load_set,
    render_text,
    split_of,
)
from bot.services.judging import RubricJudge

SAMPLE = """topic: sample
entries:
- id: sample-tokens
  answers:
  - label: correct
    style: plain
    text: >-
      A token is usually a subword piece taken from the fixed vocabulary the tokenizer
      learned with BPE.
    points: [What unit it is, Where tokens come from, How the vocabulary is made]
  - label: wrong
    style: confident-wrong
    text: A token is always a whole word; the model reads words one at a time.
    points: []
  negated: A token is not a subword and does not come from any fixed vocabulary.
- id: sample-overfitting
  answers:
  - label: correct
    style: terse
    text: Model memorises noise, validation loss rises; fix with dropout and early stopping.
  - label: partial
    style: vague
    text: It is when the model is too good on training data.
"""


def test_auc_counts_ties_half() -> None:
    assert auc([0.9, 0.8], [0.1, 0.2]) == 1.0
    assert auc([0.1], [0.9]) == 0.0
    assert auc([0.5, 0.5], [0.5]) == 0.5
    assert auc([], [0.3]) is None


def test_the_split_is_stable_and_about_a_third_held_out() -> None:
    ids = [f"entry-{i}" for i in range(300)]
    held = [i for i in ids if split_of(i) == "held-out"]
    assert [split_of(i) for i in ids] == [split_of(i) for i in ids]
    assert 70 < len(held) < 130


async def test_a_small_set_is_scored_and_reported(sample_bank: QuestionBank,
                                                  tmp_path: Path) -> None:
    (tmp_path / "sample.yaml").write_text(SAMPLE)
    entries = load_set(tmp_path, sample_bank)
    report = await evaluate(sample_bank, entries, RubricJudge().grade, "rubric")
    both = report.figures["all"]
    assert both["entries"] == 2
    assert both["answers"]["correct"] == 2 and both["answers"]["negated"] == 1
    assert both["mean_score"]["correct"] > both["mean_score"]["wrong"]
    assert both["auc_correct_vs_wrong"] == 1.0
    assert both["key_points"]["answers"] == 2
    assert 0 <= both["key_points"]["precision"] <= 1
    assert set(both["probe_beats_correct"]) == {"keywords", "labels", "filler"}
    assert "AUC correct vs wrong" in render_text(report)
    assert set(report.as_dict()) >= {"judge", "dev", "held-out", "all", "worst"}


@pytest.mark.parametrize(("text", "error"), [
    ("topic: sample\nentries:\n- id: nope\n  answers: []\n", "not a bank entry"),
    (SAMPLE.replace("[What unit it is,", "[No such point,"), "no key point"),
    ("topic: sample\nentries:\n- id: sample-tokens\n  answers:\n  - label: great\n"
     "    style: x\n    text: hi\n", "label"),
])
def test_a_bad_set_is_refused_with_its_file(sample_bank: QuestionBank, tmp_path: Path,
                                            text: str, error: str) -> None:
    (tmp_path / "bad.yaml").write_text(text)
    with pytest.raises(EvalSetError, match=error) as exc:
        load_set(tmp_path, sample_bank)
    assert "bad.yaml" in str(exc.value)


async def test_the_real_set_loads_and_a_slice_runs() -> None:
    bank = load_bank()
    entries = load_set(DEFAULT_SET, bank)
    topics = {e.id.split("-")[0] for e in entries}
    assert len(entries) >= 120 and len(topics) > 10
    report = await evaluate(bank, entries[::25], RubricJudge().grade, "rubric")
    assert report.figures["all"]["entries"] == len(entries[::25])


def test_the_second_answers_set_loads_with_point_labels() -> None:
    """tests/data/grading-second: later answers to entries of the main set, kept apart so
    neither set's probes count an entry twice; `grading eval --set` reads it."""
    bank = load_bank()
    entries = load_set(DEFAULT_SET.parent / "grading-second", bank)
    main = {e.id for e in load_set(DEFAULT_SET, bank)}
    assert entries and {e.id for e in entries} <= main
    assert all(a.points is not None for e in entries for a in e.answers)
