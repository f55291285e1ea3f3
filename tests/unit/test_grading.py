"""The rubric grader: typos, synonyms, keyword dumps, empty and huge answers."""

from __future__ import annotations

import pytest

from bot.bank import QuestionBank, load_bank
from bot.domain.grading import grade, stem, words
from bot.domain.questions import Question


@pytest.fixture(scope="module")
def tokens_q(sample_bank: QuestionBank) -> Question:
    q = sample_bank.get("sample-tokens")
    assert q is not None
    return q


GOOD = ("A token is a subword piece from a fixed vocabulary. The vocabulary is learned with "
        "byte-pair encoding, which merges frequent pairs, so rare words split into pieces.")


def test_a_good_explanation_covers_everything(tokens_q: Question) -> None:
    g = grade(tokens_q, GOOD)
    assert g.missed == () and g.coverage == 1.0 and g.score == 1.0 and g.notes == ()


def test_typos_in_long_words_still_count(tokens_q: Question) -> None:
    g = grade(tokens_q, "Tokens are subwrod pieces from a fixed vocabluary, built with BPE "
                        "so that rare words are split into several pieces.")
    assert set(g.covered) == {"Subword unit", "Fixed vocabulary", "Built by BPE or similar"}


def test_short_words_must_match_exactly(tokens_q: Question) -> None:
    # "bpa" is not "bpe": three-letter terms get no typo tolerance.
    g = grade(tokens_q, "It is built with the bpa method, which is a thing that exists.")
    assert "Built by BPE or similar" in g.missed


def test_synonyms_and_inflections(tokens_q: Question) -> None:
    g = grade(tokens_q, "Text is cut into word pieces from the model's vocab, as WordPiece and "
                        "SentencePiece tokenizers do for BERT and T5.")
    assert g.coverage == 1.0
    assert stem("vocabularies") == stem("vocabulary")
    assert stem("merging") == stem("merged") == "merg"


def test_phrases_need_their_words_in_order(sample_bank: QuestionBank) -> None:
    q = sample_bank.get("sample-overfitting")
    assert q is not None
    hit = grade(q, "We watch the validation loss and use early stopping when it rises.")
    assert "Early stopping" in hit.covered
    miss = grade(q, "Stopping early is not what I would do here, in the validation of it.")
    assert "Early stopping" in miss.missed


def test_keyword_dumps_score_low(tokens_q: Question) -> None:
    dump = grade(tokens_q, "subword vocabulary bpe wordpiece sentencepiece")
    prose = grade(tokens_q, GOOD)
    assert dump.coverage == 1.0            # the terms are there...
    assert dump.score < 0.2 < prose.score  # ...but a bare list is not an explanation
    assert any("keywords" in n for n in dump.notes)
    bullets = grade(tokens_q, "- subword\n- vocabulary\n- BPE\n- merges\n- pieces")
    assert bullets.score < 0.2


def test_very_short_answers_are_scaled_down(tokens_q: Question) -> None:
    terse = grade(tokens_q, "It is a subword from the vocabulary via BPE.")
    assert terse.coverage == 1.0 and 0.5 < terse.score < 1.0
    assert any("short" in n for n in terse.notes)


def test_empty_and_irrelevant_answers_score_zero(tokens_q: Question) -> None:
    assert grade(tokens_q, "").score == 0.0
    assert grade(tokens_q, "   \n ").covered == ()
    assert grade(tokens_q, "Bananas are yellow and I like them a lot.").score == 0.0


def test_huge_answers_are_graded_and_deterministic(tokens_q: Question) -> None:
    huge = (GOOD + " ") * 400  # ~70 kB
    first, second = grade(tokens_q, huge), grade(tokens_q, huge)
    assert first == second and first.score == 1.0


def test_unicode_is_normalised(tokens_q: Question) -> None:
    assert words("ＢＰＥ and Sub‑word") == ["bpe", "and", "sub", "word"]
    assert grade(tokens_q, "It is a SUBWORD unit from a fixed VOCABULARY made by ＢＰＥ, "
                           "which merges pairs.").coverage == 1.0


def test_every_reference_answer_covers_all_of_its_key_points() -> None:
    bad = [(q.id, g.missed, g.score) for q in load_bank()
           for g in [grade(q, q.answer)] if g.coverage < 1.0 or g.score < 1.0]
    assert not bad, bad
