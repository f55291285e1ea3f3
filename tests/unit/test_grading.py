"""The rubric grader v2: evidence, negation, typos only outside the vocabulary, math,
keyword lists and filler, requires, misconceptions."""

from __future__ import annotations

from typing import Any

import pytest

from bot.bank import QuestionBank
from bot.domain.grading import grade
from bot.domain.grading.lexicon import stem
from bot.domain.grading.text import read
from bot.domain.questions import Question


def question(*points: dict[str, Any], misconceptions: list[dict[str, Any]] | None = None,
             prompt: str = "Explain the idea in question here.") -> Question:
    return Question.model_validate({
        "id": "t-q", "prompt": prompt, "kind": "concept", "difficulty": 2,
        "answer": "A reference answer long enough for the model to accept it as one.",
        "key_points": [{"claim": f"The claim of point {i}.", **p} for i, p in enumerate(points)],
        "misconceptions": misconceptions or [{"claim": "A wrong claim of some kind.",
                                              "phrases": ["zzz never said"],
                                              "correction": "What is true instead."}],
        "topic": "t"})


@pytest.fixture(scope="module")
def tokens_q(sample_bank: QuestionBank) -> Question:
    q = sample_bank.get("sample-tokens")
    assert q is not None
    return q


GOOD = ("A token is a subword piece from a fixed vocabulary. The vocabulary is learned with "
        "byte-pair encoding, which merges frequent pairs, so rare words split into pieces.")


def test_a_good_explanation_covers_everything_with_its_own_words(tokens_q: Question) -> None:
    g = grade(tokens_q, GOOD)
    assert g.missed == () and g.score == 1.0 and g.mistakes == ()
    assert g.evidence_for("How the vocabulary is made") == \
        "The vocabulary is learned with byte-pair encoding"


def test_typos_count_only_in_words_the_bank_does_not_use(tokens_q: Question) -> None:
    g = grade(tokens_q, "Tokens are subwrod pieces from a fixed vocabluary, built with BPE "
                        "so that rare words are split into several pieces.")
    assert g.score == 1.0
    dec = question({"label": "Which side", "phrases": ["decoder"]},
                   {"label": "Other", "phrases": ["causal mask"]},
                   {"label": "Third", "phrases": ["cross attention"]})
    rest = " It reads through a causal mask, and cross attention links the two."
    assert grade(dec, "It is an encoder that reads the whole input." + rest).covered == \
        ("Other", "Third")
    assert "Which side" in grade(dec, "It is a decodr that writes left to right. It reads "
                                      "through a causal mask.").covered


def test_inflections_spellings_and_compounds() -> None:
    q = question({"label": "Base", "phrases": ["frozen base weights"]},
                 {"label": "Block", "phrases": ["feedforward layer"]},
                 {"label": "Cost", "phrases": ["all parameters"]},
                 {"label": "Size", "phrases": ["7b parameters"]})
    g = grade(q, "LoRA keeps the freezing base weight matrices fixed. The feed-forward layers "
                 "stay as they were. Full tuning updates every weight in the network. "
                 "A 7 billion parameter model needs a lot of memory to train.")
    assert set(g.covered) == {"Base", "Block", "Cost", "Size"}
    assert stem("optimise") == stem("optimized") and stem("merge") == stem("merging")
    assert stem("transformer") != stem("transformation")
    assert stem("tokenizer") != stem("token")


@pytest.mark.parametrize("denial", [
    "It is not a transformer, it just looks at patterns.",
    "It never uses a transformer at all, only recurrence.",
    "It works like an RNN rather than a transformer, which keeps things quick.",
    "Instead of a transformer it uses recurrence over the whole sequence.",
    "Unlike a transformer, it processes the text step by step.",
    "It isn't a transformer in any sense of the word.",
    "it isnt a transformer, just typed in chat without the apostrophe",
    "you dont need a transformer for this, recurrence does it",
    "It ISN'T a transformer, whatever the name suggests.",
    "YOU DONT NEED A TRANSFORMER FOR THIS, RECURRENCE DOES IT",
    "It WON'T use a transformer, it keeps recurrence.",
    "A transformer is unnecessary here, recurrence does it.",
    "For this the transformer is really optional; recurrence does it.",
])
def test_a_denied_phrase_covers_nothing(denial: str) -> None:
    q = question({"label": "Architecture", "phrases": ["transformer"]},
                 {"label": "Other", "phrases": ["attention heads"]},
                 {"label": "Third", "phrases": ["residual stream"]})
    # the other two points make the answer substantial, so only the denial can cost it
    rest = ". Attention heads write into the residual stream."
    assert grade(q, denial.rstrip(".") + rest).covered == ("Other", "Third")


def test_contrast_ends_a_denial_and_negative_phrases_need_one() -> None:
    q = question({"label": "Kind", "phrases": ["transformer"]},
                 {"label": "Latency", "phrases": ["no inference latency"]},
                 {"label": "Third", "phrases": ["residual stream"]})
    g = grade(q, "It is not an RNN but a transformer model. Merging means the adapter does "
                 "not add any inference latency at serving time.")
    assert g.covered == ("Kind", "Latency")
    assert grade(q, "The adapter adds inference latency at serving time. Each block of the "
                    "transformer writes into its residual stream.").covered == ("Kind", "Third")


def test_math_in_latex_and_unicode_is_read_as_words() -> None:
    q = question({"label": "Scaling", "phrases": ["sqrt d k"]},
                 {"label": "Loss", "phrases": ["sum y log p"]},
                 {"label": "Third", "phrases": ["residual stream"]})
    stream = " Each block then adds its output to the residual stream."
    assert grade(q, r"Scores are $\frac{QK^\top}{\sqrt{d_k}}$ before the softmax is taken."
                 + stream).covered == ("Scaling", "Third")
    assert grade(q, "Scores are QKᵀ/√d_k before the softmax is taken." + stream
                 ).covered == ("Scaling", "Third")
    assert grade(q, "The training loss is −Σ y log p over the vocabulary entries." + stream
                 ).covered == ("Loss", "Third")


def test_a_percentage_is_not_any_number_and_an_inequality_is_no_equality() -> None:
    symmetric = {"claim": "KL divergence is symmetric.", "correction": "It is not.",
                 "phrases": ["kl(p||q) = kl(q||p)"]}
    total = {"claim": "Classifiers catch every attack.", "correction": "They miss some.",
             "phrases": ["catch 100%"]}
    q = question({"label": "Direction", "phrases": ["asymmetric"]},
                 {"label": "Second", "phrases": ["mode seeking"]},
                 {"label": "Third", "phrases": ["mass covering"]},
                 misconceptions=[symmetric, total])

    def mistakes(text: str) -> list[str]:
        return [m.claim for m in grade(q, text).mistakes]

    assert mistakes("People say KL(P||Q) = KL(Q||P) holds for any two distributions.") == \
        [symmetric["claim"]]
    for unequal in ("KL(P||Q) ≠ KL(Q||P) in general, so the direction matters.",
                    r"In general $KL(P||Q) \neq KL(Q||P)$, so the direction matters.",
                    "In general KL(P||Q) != KL(Q||P), so the direction matters."):
        assert mistakes(unequal) == [], unequal
    assert mistakes("Our classifiers catch 100% of the attacks we tried.") == [total["claim"]]
    assert mistakes("Our classifiers catch 100 percent of the attacks we tried.") == \
        [total["claim"]]
    assert mistakes("We trained the classifiers to catch 100 attack prompts first.") == []

def test_keyword_lists_and_filler_earn_nothing_but_bullets_do(tokens_q: Question) -> None:
    for dump in ("subword, vocabulary, bpe, wordpiece",
                 "subword vocabulary bpe wordpiece sentencepiece",
                 "- subword\n- vocabulary\n- BPE\n- merges",
                 "It is about the subword, and that is how it works. It is about the vocabulary, "
                 "and that is how it works. It is about the bpe, and that is how it works."):
        g = grade(tokens_q, dump)
        assert g.score == 0.0, dump
        assert any("keywords" in n for n in g.notes)
    bullets = grade(tokens_q, "- each token is a subword piece of text\n- pieces come from a "
                              "fixed vocabulary\n- BPE builds it by merging frequent pairs")
    assert bullets.score == 1.0


def test_a_list_with_a_head_is_an_explanation() -> None:
    q = question({"label": "Metrics", "phrases": ["bleu"]},
                 {"label": "Judges", "phrases": ["llm as a judge"]},
                 {"label": "People", "phrases": ["human raters"]})
    raters = " Human raters then score a sample of the outputs by hand."
    assert grade(q, "Overlap metrics: BLEU, ROUGE, METEOR." + raters).covered == \
        ("Metrics", "People")
    assert grade(q, "BLEU, ROUGE, METEOR, F1." + raters + " An LLM as a judge grades the rest."
                 ).covered == ("Judges", "People")


def test_requires_a_specific_term_in_the_same_sentence() -> None:
    q = question({"label": "Full", "phrases": ["all weights"], "requires": ["full fine-tuning"]},
                 {"label": "Other", "phrases": ["low-rank update"]},
                 {"label": "Third", "phrases": ["soft prompt"]})
    prompt = " Prompt tuning trains only a soft prompt."
    assert grade(q, "Full fine-tuning changes all weights of the network." + prompt
                 ).covered == ("Full", "Third")
    assert grade(q, "Training changes all weights of the network. Full fine-tuning is slow."
                 + prompt + " LoRA learns a low-rank update.").covered == ("Other", "Third")


def test_a_paired_term_counts_only_beside_one_of_its_partners() -> None:
    q = question({"label": "Greedy", "phrases": ["always picks the most likely token"],
                  "paired": {"greedy": ["most likely", "highest probability", "argmax"]}},
                 {"label": "Other", "phrases": ["low-rank update"]},
                 {"label": "Third", "phrases": ["soft prompt"]})
    other = " LoRA, by contrast, learns a low-rank update of the weights."
    right = grade(q, "Greedy decoding takes the highest probability token at each step." + other)
    assert right.covered == ("Greedy", "Other")
    assert "highest probability" in right.evidence_for("Greedy")  # type: ignore[operator]
    others = other + " Prompt tuning trains only a soft prompt."
    assert grade(q, "Greedy decoding is the quality baseline everyone compares with." + others
                 ).covered == ("Other", "Third")
    # the partner must be in the term's own sentence, and the term must not be denied
    assert grade(q, "Greedy decoding is the quality baseline. The most likely token wins."
                 + others).covered == ("Other", "Third")
    assert grade(q, "This is not greedy: it samples the most likely token only sometimes."
                 + others).covered == ("Other", "Third")
    # a stand-alone phrase still stands alone
    assert grade(q, "It always picks the most likely token, step after step." + other
                 ).covered == ("Greedy", "Other")
    # naming the term and a partner with nothing else explains nothing
    assert grade(q, "Greedy, most likely, argmax, soft prompt.").covered == ()


def _lora_question() -> Question:
    return question({"label": "What LoRA trains", "phrases": ["low-rank update"]},
                    {"label": "Merging", "phrases": ["merged into the weights"]},
                    {"label": "Rank", "phrases": ["rank r"]},
                    {"label": "Fourth", "phrases": ["soft prompt"]},
                    misconceptions=[{"claim": "LoRA adds inference latency.",
                                     "phrases": ["adds inference latency", "slower at inference"],
                                     "point": "Merging",
                                     "correction": "Merged adapters add no latency at all."},
                                    {"claim": "LoRA updates all weights.",
                                     "phrases": ["updates all the weights"],
                                     "requires": ["lora"],
                                     "correction": "It freezes them and trains two small "
                                                   "matrices."}])


def test_a_misconception_costs_its_point_unless_denied() -> None:
    q = _lora_question()
    right = ("LoRA learns a low-rank update of a small rank r, and that update is merged into "
             "the weights after training.")
    assert grade(q, right).covered == ("What LoRA trains", "Merging", "Rank")
    wrong = grade(q, right + " Sadly it adds inference latency to every call.")
    assert wrong.covered == ("What LoRA trains", "Rank")
    assert wrong.mistakes[0].correction == "Merged adapters add no latency at all."
    assert wrong.mistakes[0].quote == "Sadly it adds inference latency to every call"
    assert grade(q, right + " It never adds inference latency.").mistakes == ()
    unlinked = grade(q, right + " And LoRA updates all the weights, like full tuning does.")
    assert unlinked.coverage == pytest.approx(2 / 4, abs=1e-3)
    # about another subject, the generic phrase does not trigger
    assert grade(q, right + " Full fine-tuning updates all the weights.").mistakes == ()


def test_a_misconception_among_little_else_earns_nothing() -> None:
    q = _lora_question()
    some = "LoRA learns a low-rank update that is merged into the weights after training."
    assert grade(q, some).covered == ("What LoRA trains", "Merging")
    g = grade(q, some + " And LoRA updates all the weights, like full tuning does.")
    assert g.score == 0.0 and g.covered == () and g.evidence == ()
    assert [m.claim for m in g.mistakes] == ["LoRA updates all weights."]
    assert any("misconception" in note for note in g.notes)


def test_a_thin_answer_earns_only_what_it_states_in_two_places() -> None:
    q = question({"label": "Rank", "phrases": ["low-rank update"]},
                 {"label": "Merge", "phrases": ["merged into the weights"]},
                 {"label": "Frozen", "phrases": ["frozen base"]},
                 {"label": "Fourth", "phrases": ["soft prompt"]},
                 misconceptions=[{"claim": "LoRA is slower at inference.",
                                  "phrases": ["slower at inference"],
                                  "correction": "Merged, it costs nothing at inference."}])
    once = grade(q, "LoRA trains a low-rank update beside the layer.")
    assert once.covered == () and any("too thin" in note for note in once.notes)
    twice = grade(q, "LoRA trains a low-rank update beside the layer. Because that low-rank "
                     "update is small, training needs far less memory.")
    assert twice.covered == ("Rank",) and twice.notes == ()
    # half the points, each stated once, is an answer of substance
    half = grade(q, "LoRA trains a low-rank update beside the layer, and after training it "
                    "is merged into the weights.")
    assert half.covered == ("Rank", "Merge") and half.notes == ()
    # a mention in a sentence that states a misconception corroborates nothing
    wrong = grade(q, "LoRA trains a low-rank update beside the layer. The low-rank update "
                     "makes it slower at inference, sadly.")
    assert wrong.covered == () and [m.claim for m in wrong.mistakes] == \
        ["LoRA is slower at inference."]


def test_restating_the_question_and_pasting_labels_earn_nothing(tokens_q: Question) -> None:
    assert grade(tokens_q, tokens_q.prompt).score == 0.0
    assert grade(tokens_q, ". ".join(kp.label for kp in tokens_q.key_points)).score == 0.0
    assert grade(tokens_q, "I don't know.").score == 0.0


def test_empty_irrelevant_and_huge_answers(tokens_q: Question) -> None:
    assert grade(tokens_q, "").score == 0.0 and grade(tokens_q, "  \n ").covered == ()
    assert grade(tokens_q, "Bananas are yellow and I like them a lot.").score == 0.0
    huge = (GOOD + " ") * 400  # ~70 kB
    first, second = grade(tokens_q, huge), grade(tokens_q, huge)
    assert first == second and first.score == 1.0


def test_unicode_is_normalised(tokens_q: Question) -> None:
    assert [t.word for t in read("ＢＰＥ and Sub‑word naïve").tokens] == \
        ["bpe", "and", "sub", "word", "naive"]
    assert grade(tokens_q, "It is a SUBWORD unit from a fixed VOCABULARY made by ＢＰＥ, "
                           "which merges pairs.").score == 1.0


def test_evidence_quotes_keep_the_answer_as_written() -> None:
    q = question({"label": "Kind", "phrases": ["subword"]},
                 {"label": "Other", "phrases": ["attention heads"]},
                 {"label": "Third", "phrases": ["residual stream"]})
    g = grade(q, "Honestly?  It's a SUB-WORD   piece, mostly. Many attention heads read it.")
    assert g.evidence_for("Kind") == "It's a SUB-WORD piece"


def test_a_contraction_reads_as_its_words() -> None:
    wrong = {"claim": "The majority vote is always right.", "correction": "It can be wrong.",
             "phrases": ["it is always right", "they are always right"]}
    q = question({"label": "Voting", "phrases": ["majority vote"]},
                 {"label": "Second", "phrases": ["independent samples"]},
                 {"label": "Third", "phrases": ["scattered errors"]},
                 misconceptions=[wrong])
    for text in ("Take the majority vote: it's always right.",
                 "Take the majority answers, since they're always right."):
        assert [m.claim for m in grade(q, text).mistakes] == [wrong["claim"]], text
    assert read("the model's weights").words == ("the", "model", "weights")


def test_not_only_denies_a_phrase_that_starts_with_only() -> None:
    wrong = {"claim": "It works with one vendor's models alone.", "correction": "It is open.",
             "phrases": ["only openai models", "just one vendor"]}
    q = question({"label": "Vendors", "phrases": ["many providers"]},
                 {"label": "Second", "phrases": ["open protocol"]},
                 {"label": "Third", "phrases": ["tool servers"]},
                 misconceptions=[wrong])
    assert [m.claim for m in grade(q, "The SDK supports only OpenAI models today.").mistakes] \
        == [wrong["claim"]]
    for text in ("The SDK supports not only OpenAI models but Claude and Gemini too.",
                 "It is not just one vendor: many providers ship servers for it."):
        assert grade(q, text).mistakes == (), text
