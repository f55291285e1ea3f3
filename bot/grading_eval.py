"""`quizbot grading eval`: how well a judge tells right answers from wrong ones.

It grades the labelled answers in ``tests/data/grading`` (see the README there) and probes
built from the bank itself, then reports: mean score per label and per probe, ROC AUC of
correct against wrong and against off-topic answers, how often a probe beats the entry's
correct answers, key-point precision and recall where answers are labelled point by point,
and the worst cases with the words that earned or missed credit. Every figure is given for
the development half, the held-out half and both (the halves are split by a hash of the
entry id, so the split never changes as answers are added).
"""

from __future__ import annotations

import hashlib
import statistics
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.bank import QuestionBank
from bot.domain.grading import Grade
from bot.domain.questions import Question

DEFAULT_SET = Path(__file__).resolve().parent.parent / "tests" / "data" / "grading"
Label = Literal["correct", "partial", "wrong"]
HELD_OUT_SHARE = 3          # one entry in three is held out
IDK = ("I don't know.", "No idea, sorry.", "I'm not sure, I would have to look that up.")
FILLER = "It is about the {}, and that is how it works."
GAMING_PROBES = ("keywords", "labels", "filler")
EMPTY_PROBES = ("idk", "prompt", "negated")
WORST = 8


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LabelledAnswer(_Strict):
    label: Label
    style: Annotated[str, Field(min_length=2)]
    source: str | None = None
    text: Annotated[str, Field(min_length=1)]
    points: list[str] | None = None


class LabelledEntry(_Strict):
    id: str
    answers: list[LabelledAnswer]
    negated: str | None = None


class LabelledFile(_Strict):
    topic: str
    entries: list[LabelledEntry]


class EvalSetError(Exception):
    """The evaluation set cannot be used; the message says where and why."""


def split_of(entry_id: str) -> str:
    digest = hashlib.sha256(entry_id.encode()).digest()
    return "held-out" if digest[0] % HELD_OUT_SHARE == 0 else "dev"


def load_set(path: Path, bank: QuestionBank) -> list[LabelledEntry]:
    """Every labelled entry under ``path``, checked against the bank."""
    if not path.exists():
        raise EvalSetError(f"{path}: no such file or folder")
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    if not files:
        raise EvalSetError(f"{path}: no labelled answer files (*.yaml)")
    entries: list[LabelledEntry] = []
    for file in files:
        try:
            data = LabelledFile.model_validate(yaml.safe_load(file.read_text("utf-8")))
        except (OSError, yaml.YAMLError, ValidationError) as exc:
            raise EvalSetError(f"{file.name}: {exc}") from None
        for entry in data.entries:
            q = bank.get(entry.id)
            if q is None:
                raise EvalSetError(f"{file.name}: {entry.id!r} is not a bank entry")
            labels = {kp.label for kp in q.key_points}
            for a in entry.answers:
                unknown = set(a.points or ()) - labels
                if unknown:
                    raise EvalSetError(f"{file.name}: {entry.id}: no key point {unknown}")
            entries.append(entry)
    return entries


@dataclass(frozen=True, slots=True)
class Case:
    """One answer to grade: labelled, or a probe built from the bank."""

    entry: str
    kind: str                 # correct | partial | wrong | a probe name
    style: str
    text: str
    points: tuple[str, ...] | None = None


def cases_for(entry: LabelledEntry, q: Question, bank: QuestionBank,
              topic_entries: Sequence[LabelledEntry]) -> list[Case]:
    out = [Case(entry.id, a.label, a.style, a.text,
                tuple(a.points) if a.points is not None else None) for a in entry.answers]
    phrases = [p for kp in q.key_points for p in (*kp.phrases, *kp.paired_words)]
    out.append(Case(entry.id, "keywords", "probe", ", ".join(phrases)))
    out.append(Case(entry.id, "labels", "probe",
                    ". ".join(kp.label for kp in q.key_points) + "."))
    out.append(Case(entry.id, "filler", "probe",
                    " ".join(FILLER.format(kp.phrases[0]) for kp in q.key_points)))
    out.append(Case(entry.id, "prompt", "probe", q.prompt))
    out.extend(Case(entry.id, "idk", "probe", text) for text in IDK)
    if entry.negated:
        out.append(Case(entry.id, "negated", "probe", entry.negated))
    others = [e for e in topic_entries if e.id != entry.id]
    for other in others[:3]:
        correct = next((a.text for a in other.answers if a.label == "correct"), None)
        if correct:
            out.append(Case(entry.id, "off-topic", "probe", correct))
    neighbours = [bank.get(i) for i in bank.topics[q.topic].question_ids if i != q.id]
    if neighbours and neighbours[0] is not None:
        out.append(Case(entry.id, "off-topic", "reference", neighbours[0].answer))
    return out


def auc(positives: Sequence[float], negatives: Sequence[float]) -> float | None:
    """ROC AUC: the chance a positive outscores a negative (ties count half)."""
    if not positives or not negatives:
        return None
    ranked = sorted([(s, 1) for s in positives] + [(s, 0) for s in negatives])
    rank_sum = 0.0
    i = 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        mid = (i + j + 1) / 2               # average 1-based rank of the tie group
        rank_sum += mid * sum(1 for k in range(i, j) if ranked[k][1])
        i = j
    n_pos, n_neg = len(positives), len(negatives)
    return round((rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg), 4)


@dataclass
class Graded:
    case: Case
    grade: Grade


def _mean(xs: Sequence[float]) -> float | None:
    return round(statistics.fmean(xs), 4) if xs else None


def summarise(results: Sequence[Graded], total_points: dict[str, int]) -> dict[str, Any]:
    by_kind: dict[str, list[float]] = defaultdict(list)
    by_entry: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for r in results:
        by_kind[r.case.kind].append(r.grade.score)
        by_entry[r.case.entry][r.case.kind].append(r.grade.score)
    beats: dict[str, float | None] = {}
    for probe in GAMING_PROBES:
        rows = [(max(k[probe]), min(k["correct"])) for k in by_entry.values()
                if k.get(probe) and k.get("correct")]
        beats[probe] = round(sum(p > c for p, c in rows) / len(rows), 4) if rows else None
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # tp, fp, fn, answers
    for r in results:
        if r.case.points is None:
            continue
        gold, got = set(r.case.points), set(r.grade.covered)
        for key in ("all", r.case.kind):
            c = counts[key]
            c[0], c[1], c[2], c[3] = (c[0] + len(gold & got), c[1] + len(got - gold),
                                      c[2] + len(gold - got), c[3] + 1)

    def points(key: str) -> dict[str, Any]:
        tp, fp, fn, n = counts[key]
        return {"answers": n,
                "precision": round(tp / (tp + fp), 4) if tp + fp else None,
                "recall": round(tp / (tp + fn), 4) if tp + fn else None}

    return {
        "entries": len(by_entry),
        "answers": {k: len(v) for k, v in sorted(by_kind.items())},
        "mean_score": {k: _mean(v) for k, v in sorted(by_kind.items())},
        "auc_correct_vs_wrong": auc(by_kind["correct"], by_kind["wrong"]),
        "auc_correct_vs_off_topic": auc(by_kind["correct"], by_kind["off-topic"]),
        "auc_correct_vs_partial": auc(by_kind["correct"], by_kind["partial"]),
        "probe_beats_correct": beats,
        "key_points": {**points("all"),
                       "by_label": {k: points(k) for k in ("correct", "partial", "wrong")}},
    }


def _worst(results: Sequence[Graded]) -> dict[str, list[dict[str, Any]]]:
    def show(r: Graded) -> dict[str, Any]:
        g = r.grade
        return {"entry": r.case.entry, "kind": r.case.kind, "style": r.case.style,
                "score": g.score, "text": r.case.text[:300],
                "credited": {label: quote for label, quote in g.evidence},
                "missed": list(g.missed),
                "mistakes": [m.quote for m in g.mistakes]}

    correct = sorted((r for r in results if r.case.kind == "correct"),
                     key=lambda r: r.grade.score)
    bad = sorted((r for r in results if r.case.kind in ("wrong", *GAMING_PROBES, *EMPTY_PROBES,
                                                         "off-topic")),
                 key=lambda r: -r.grade.score)
    return {"lowest_correct": [show(r) for r in correct[:WORST]],
            "highest_wrong_or_probe": [show(r) for r in bad[:WORST]]}


GradeFn = Callable[[Question, str], Awaitable[Grade]]


@dataclass
class Report:
    judge: str
    figures: dict[str, dict[str, Any]] = field(default_factory=dict)
    worst: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"judge": self.judge, **self.figures, "worst": self.worst}


async def evaluate(bank: QuestionBank, entries: Sequence[LabelledEntry], grade: GradeFn,
                   judge: str, *, worst_split: str = "dev") -> Report:
    """Grade every case and summarise by split. The worst cases come from ``worst_split``
    only, so looking at them never tunes the grader to the held-out half."""
    by_topic: dict[str, list[LabelledEntry]] = defaultdict(list)
    for e in entries:
        q = bank.get(e.id)
        if q is not None:
            by_topic[q.topic].append(e)
    results: list[Graded] = []
    for e in entries:
        q = bank.get(e.id)
        assert q is not None  # load_set checked it
        for case in cases_for(e, q, bank, by_topic[q.topic]):
            results.append(Graded(case, await grade(q, case.text)))
    totals = {e.id: len(q.key_points) for e in entries if (q := bank.get(e.id))}
    report = Report(judge)
    for split in ("dev", "held-out", "all"):
        chosen = [r for r in results if split == "all" or split_of(r.case.entry) == split]
        report.figures[split] = summarise(chosen, totals)
    report.worst = _worst([r for r in results if split_of(r.case.entry) == worst_split])
    return report


def render_text(report: Report) -> str:
    """The report as a few readable lines per split."""
    lines = [f"grading eval, judge {report.judge}"]
    for split, f in report.figures.items():
        kp = f["key_points"]
        lines += [
            f"\n[{split}] {f['entries']} entries, "
            + ", ".join(f"{k} {v}" for k, v in f["answers"].items()),
            "  mean score: " + ", ".join(f"{k} {v}" for k, v in f["mean_score"].items()),
            f"  AUC correct vs wrong {f['auc_correct_vs_wrong']}, vs off-topic "
            f"{f['auc_correct_vs_off_topic']}, vs partial {f['auc_correct_vs_partial']}",
            "  probe beats the entry's weakest correct answer on: "
            + ", ".join(f"{k} {v}" for k, v in f["probe_beats_correct"].items()),
            f"  key points ({kp['answers']} answers labelled): precision {kp['precision']}, "
            f"recall {kp['recall']}; " + ", ".join(
                f"{k} {v['precision']}/{v['recall']}" for k, v in kp["by_label"].items()),
        ]
    for title, rows in report.worst.items():
        lines.append(f"\n{title.replace('_', ' ')} (dev):")
        for r in rows:
            credited = "; ".join(f"{k}: «{v}»" for k, v in r["credited"].items()) or "none"
            lines.append(f"  {r['score']:.2f} {r['kind']}/{r['style']} {r['entry']}: "
                         f"{' '.join(r['text'].split())[:120]}")
            lines.append(f"       credited: {credited}")
            if r["mistakes"]:
                lines.append(f"       mistakes: {r['mistakes']}")
    return "\n".join(lines)
