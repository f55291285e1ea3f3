"""The bank maintainers' side of ``quizbot questions``: which entries were reviewed longest
ago (or never), and the flags people raised on reference answers."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from bot.bank import BankError, QuestionBank, load_bank
from bot.storage.db import Database, is_postgres_url, sqlite_path

OLDEST = 10
#: the migration that made the flags table
FLAGS_SCHEMA = 13


def review_ages(bank: QuestionBank, oldest: int = OLDEST) -> dict[str, Any]:
    """The entries never reviewed, and the ``oldest`` reviewed longest ago (``reviewed:``)."""
    never = sorted(q.id for q in bank if q.reviewed is None)
    dated = sorted((q.reviewed.isoformat(), q.id) for q in bank if q.reviewed is not None)
    return {"never": len(never), "never_ids": never,
            "oldest": [{"id": qid, "reviewed": day} for day, qid in dated[:oldest]]}


def review_lines(ages: dict[str, Any]) -> list[str]:
    lines = [f"\nnever reviewed: {ages['never']}"]
    lines += [f"  {qid}" for qid in ages["never_ids"][:OLDEST]]
    if ages["never"] > OLDEST:
        lines.append(f"  (and {ages['never'] - OLDEST} more; --json lists them all)")
    lines.append("\noldest reviewed:")
    lines += [f"  {e['reviewed']}  {e['id']}" for e in ages["oldest"]] or ["  (none has a "
                                                                          "reviewed: date)"]
    return lines


def flags(target: str, questions: Path, *, as_json: bool, include_closed: bool) -> int:
    """Print the flags on reference answers, by question; exit 1 when there is no usable
    database (this reads one, it never creates or migrates it). ``target`` is a SQLite file
    or a PostgreSQL URL, which is never printed (it may hold a password)."""
    postgres = is_postgres_url(target)
    if not postgres and not Path(sqlite_path(target)).is_file():
        print(f"quizbot: no database file at {sqlite_path(target)}; give --db the file "
              "`quizbot run` uses", file=sys.stderr)
        return 1
    where = "the PostgreSQL database" if postgres else str(sqlite_path(target))
    return asyncio.run(_flags(target, where, questions, as_json=as_json,
                              include_closed=include_closed))


async def _flags(target: str, where: str, questions: Path, *, as_json: bool,
                 include_closed: bool) -> int:
    from bot.storage.repositories import Flags

    db = await Database.open(target, migrate=False, read_only=True)
    try:
        if await db.schema_version() < FLAGS_SCHEMA:
            print(f"quizbot: {where} predates flags; run `quizbot db migrate` on it",
                  file=sys.stderr)
            return 1
        async with db.reading() as conn:
            found = await Flags(conn).listing(include_closed=include_closed)
    finally:
        await db.close()
    try:
        bank: QuestionBank | None = load_bank(questions)
    except BankError:
        bank = None   # flags still list; only the entries' topics and dates are missing
    rows: list[dict[str, Any]] = []
    for f in found:
        q = bank.get(f.question_id) if bank else None
        rows.append({"id": f.ref, "question": f.question_id, "topic": q.topic if q else None,
                     "reviewed": q.reviewed.isoformat() if q and q.reviewed else None,
                     "by": f.person_name, "channel": f.channel, "note": f.note,
                     "open": f.open, "close_note": f.close_note,
                     "created_at": f.created_at.isoformat()})
    if as_json:
        print(json.dumps({"flags": rows}, indent=2, ensure_ascii=False))
        return 0
    state = "" if include_closed else "open "
    print(f"{len(rows)} {state}flag(s) on {len({r['question'] for r in rows})} question(s)")
    last = None
    for r in rows:
        if r["question"] != last:
            last = r["question"]
            where = f"{r['topic']}, reviewed {r['reviewed'] or 'never'}" if r["topic"] else \
                "not in the bank"
            print(f"\n{last} ({where}):")
        closed = "" if r["open"] else f" [closed: {r['close_note']}]"
        print(f"  {r['id']} {r['created_at'][:10]} {r['by']}: {r['note']}{closed}")
    return 0

