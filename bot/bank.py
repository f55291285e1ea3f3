"""Loading and validating the question bank from ``questions/*.yaml``.

Loading collects every problem instead of stopping at the first, so that
``quizbot questions validate`` can name every bad file and entry in one run.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import ValidationError

from bot.domain.grading import vocabulary
from bot.domain.questions import Level, Question, TopicFile

_PACKAGE = Path(__file__).resolve().parent
#: The bank installed inside the package (a wheel, pipx: see setup.py), else the checkout's
#: top-level questions/ folder, its source (an editable install, or running from the tree).
DEFAULT_DIR = (_PACKAGE / "questions" if (_PACKAGE / "questions").is_dir()
               else _PACKAGE.parent / "questions")
# libyaml's safe loader when PyYAML was built with it (about 5x faster), else pure Python.
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class BankError(Exception):
    """The bank has problems; ``problems`` lists each as ``file: entry: message``."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    level: Level
    description: str
    question_ids: tuple[str, ...]


@dataclass
class QuestionBank:
    """All topics and questions, indexed for the selection and practice services."""

    topics: dict[str, Topic] = field(default_factory=dict)
    questions: dict[str, Question] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.questions)

    def __iter__(self) -> Iterator[Question]:
        return iter(self.questions.values())

    def get(self, question_id: str) -> Question | None:
        return self.questions.get(question_id)

    def in_topic(self, topic: str) -> list[Question]:
        t = self.topics.get(topic)
        return [self.questions[q] for q in t.question_ids] if t else []

    def filtered(self, topics: Iterable[str] = (), levels: Iterable[str] = ()) -> list[Question]:
        """Questions matching the topic and level filters; an empty filter matches all."""
        ts, ls = set(topics), set(levels)
        return [q for q in self.questions.values()
                if (not ts or q.topic in ts) and (not ls or q.level.value in ls)]

    def stats(self) -> dict[str, dict[str, int]]:
        return {
            "level": dict(Counter(q.level.value for q in self)),
            "topic": dict(Counter(q.topic for q in self)),
            "kind": dict(Counter(q.kind.value for q in self)),
        }


def _format_error(path: Path, data: object, err: ValidationError) -> list[str]:
    out = []
    for e in err.errors():
        loc = list(e["loc"])
        where = ".".join(str(p) for p in loc)
        if len(loc) >= 2 and loc[0] == "questions" and isinstance(loc[1], int) \
                and isinstance(data, dict) and isinstance(data.get("questions"), list):
            items = data["questions"]
            idx = loc[1]
            if idx < len(items) and isinstance(items[idx], dict) and "id" in items[idx]:
                where = f"entry {items[idx]['id']!r}: " + ".".join(str(p) for p in loc[2:])
        out.append(f"{path.name}: {where}: {e['msg']}")
    return out


def load_topic_file(path: Path) -> TopicFile:
    """Parse and validate one topic file; raises BankError naming the file and entries."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise BankError([f"{path.name}: cannot read YAML: {exc}"]) from None
    try:
        topic = TopicFile.model_validate(data)
    except ValidationError as exc:
        raise BankError(_format_error(path, data, exc)) from None
    if topic.topic != path.stem:
        raise BankError([f"{path.name}: topic id {topic.topic!r} must match the file name"])
    return topic


def topic_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.glob("*.yaml") if not p.name.startswith("_"))


def load_bank(path: Path = DEFAULT_DIR) -> QuestionBank:
    """Load every topic file under ``path`` (or the one file), or raise BankError with all
    problems found: bad YAML, schema violations, duplicate ids across files."""
    problems: list[str] = []
    bank = QuestionBank()
    files = topic_files(path)
    if not files:
        raise BankError([f"{path}: no topic files (*.yaml) found"])
    for file in files:
        try:
            topic = load_topic_file(file)
        except BankError as exc:
            problems.extend(exc.problems)
            continue
        for q in topic.questions:
            if q.id in bank.questions:
                other = bank.questions[q.id].topic
                problems.append(f"{file.name}: entry {q.id!r}: id already used in {other}.yaml")
                continue
            bank.questions[q.id] = q
        bank.topics[topic.topic] = Topic(topic.topic, topic.title, topic.level,
                                         topic.description,
                                         tuple(q.id for q in topic.questions))
    if problems:
        raise BankError(problems)
    vocabulary.use_bank(bank)
    return bank


def raw_texts(path: Path) -> tuple[list[tuple[str, str]], list[str]]:
    """(entry id, answer) pairs and every string of the topic files under ``path``'s folder,
    read without validation, so one file can be checked against a bank whose other files
    are being edited."""
    folder = path if path.is_dir() else path.parent
    answers: list[tuple[str, str]] = []
    strings: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, str):
            strings.append(node)
        elif isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    for file in topic_files(folder):
        try:
            data = yaml.load(file.read_text(encoding="utf-8"), Loader=_LOADER)
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        walk(data)
        items = data.get("questions") if isinstance(data, dict) else None
        for q in items if isinstance(items, list) else []:
            if isinstance(q, dict) and isinstance(q.get("id"), str) \
                    and isinstance(q.get("answer"), str):
                answers.append((q["id"], q["answer"]))
    return answers, strings


def json_schema() -> str:
    """The JSON Schema of a topic file, for editors (written to questions/schema.json)."""
    schema = TopicFile.model_json_schema()
    # topic/level on entries are stamped by the loader; editors should not offer them.
    q = schema["$defs"]["Question"]["properties"]
    q.pop("topic", None)
    q.pop("level", None)
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"
