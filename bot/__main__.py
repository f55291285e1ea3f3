"""The ``quizbot`` command line: run the bot, check the question bank, manage the database."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import SecretStr, ValidationError

from bot import __version__
from bot.bank import BankError, json_schema, load_bank, raw_texts
from bot.clock import FakeClockError
from bot.config import Settings
from bot.domain.grading import vocabulary
from bot.domain.grading.checks import check_rubrics
from bot.storage.db import (
    BackupRefusedError,
    Database,
    SchemaTooNewError,
    UnreachableDatabaseError,
    UnusableDatabaseError,
    is_postgres_url,
    latest_version,
    sqlite_path,
    unusable,
)

DB_HELP = "SQLite database file or sqlite:///PATH, or a postgresql:// URL"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="quizbot", description="Daily LLM-engineering interview practice for teams, on "
        "Discord, Slack or the terminal.")
    p.add_argument("--version", action="version", version=f"quizbot {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = sub.add_parser("run", help="start the bot", description="Start the bot. Without "
                         "platform tokens it runs the console adapter in this terminal (with "
                         "no terminal it exits 2 saying what to set; --platform console "
                         "reads commands from standard input).")
    run.add_argument("--platform", choices=["auto", "console", "discord", "slack", "all"],
                     default=None, help="which adapter(s) to run (default: from settings; "
                     "auto picks by configured tokens, console on a terminal when none)")
    run.add_argument("--db", help="SQLite database file (default: ./data/quizbot.db), or a "
                     "postgresql:// URL")
    run.add_argument("--as", dest="user", metavar="NAME",
                     help="console only: the person typing (default: your login name)")

    q = sub.add_parser("questions", help="check the question bank",
                       description="Validate or summarise the question bank.")
    qs = q.add_subparsers(dest="action", metavar="ACTION", required=True)
    v = qs.add_parser("validate", help="validate topic files; exit 1 naming every problem",
                      description="Validate every topic file (or one). Exit 1 naming every "
                      "bad file and entry.")
    v.add_argument("path", nargs="?", type=Path,
                   help="a topic file or folder (default: the configured questions dir)")
    st = qs.add_parser("stats", help="counts by level, topic and kind; oldest reviewed",
                       description="Count the bank's questions by level, topic and kind, "
                       "and list the entries never reviewed and those reviewed longest ago.")
    st.add_argument("--json", action="store_true", help="print JSON")
    st.add_argument("path", nargs="?", type=Path,
                    help="a topic file or folder (default: the configured questions dir)")
    fl = qs.add_parser("flags", help="flags people raised on reference answers",
                       description="List the open flags on reference answers (wrong or "
                       "outdated, with the note), by question, from the bot's database.")
    fl.add_argument("--db", help=DB_HELP + " (default: QUIZBOT_DATABASE_URL or QUIZBOT_DB)")
    fl.add_argument("--json", action="store_true", help="print JSON")
    fl.add_argument("--all", action="store_true", help="closed flags too")
    sc = qs.add_parser("schema", help="print the topic file JSON Schema",
                       description="Print the JSON Schema of a topic file (questions/schema.json).")
    sc.add_argument("--write", type=Path, help="write it to this file instead")

    g = sub.add_parser("grading", help="measure the grader",
                       description="Measure how well a judge grades answers.")
    gs = g.add_subparsers(dest="action", metavar="ACTION", required=True)
    ev = gs.add_parser("eval", help="score a judge on the labelled answers",
                       description="Grade the labelled evaluation set (tests/data/grading) "
                       "and probes built from the bank; report mean scores per label and "
                       "probe, ROC AUC, key-point precision and recall, and the worst cases.")
    ev.add_argument("--judge", choices=["rubric", "llm"], default="rubric",
                    help="the rubric grader (default) or the configured LLM judge")
    ev.add_argument("--json", action="store_true", help="print JSON")
    ev.add_argument("--set", dest="eval_set", type=Path,
                    help="labelled answers: a folder or file (default: tests/data/grading)")

    ex = gs.add_parser("explain", help="grade one answer and show why",
                       description="Grade one answer to a bank entry with the rubric grader "
                       "and show the points covered (with the words that earned them), the "
                       "points missed and any misconception asserted.")
    ex.add_argument("entry", help="a bank entry id")
    ex.add_argument("text", nargs="?", help="the answer (default: read standard input)")

    d = sub.add_parser("db", help="manage the database", description="Manage the database.")
    ds = d.add_subparsers(dest="action", metavar="ACTION", required=True)
    m = ds.add_parser("migrate", help="apply pending migrations",
                      description="Apply pending schema migrations (each in its own "
                      "transaction). Refuses a database from a newer quizbot.")
    m.add_argument("--db", help=DB_HELP)
    b = ds.add_parser("backup", help="copy the database safely, even while the bot runs",
                      description="Copy the database with SQLite's online backup API, "
                      "after checking it (PRAGMA quick_check), to a temporary file beside "
                      "DEST that is then renamed into place. PostgreSQL: delegates to "
                      "pg_dump --format=custom (restore with pg_restore).")
    b.add_argument("dest", type=Path, help="the copy's file; refused if it exists (unless "
                   "--force), is the database itself, or its folder does not exist")
    b.add_argument("--db", help=DB_HELP)
    b.add_argument("--force", action="store_true", help="replace DEST if it exists")
    ck = ds.add_parser("check", help="check the database file for damage",
                       description="Run SQLite's PRAGMA integrity_check on the database, "
                       "read-only. Exit 0 when it is sound, 1 naming the problems.")
    ck.add_argument("--db", help=DB_HELP)
    cp = ds.add_parser("copy", help="copy every row to another database (SQLite to PostgreSQL)",
                       description="Copy every row of one database into another, in one "
                       "transaction, then compare row counts and point totals. Refuses a "
                       "target that holds data unless --replace.")
    cp.add_argument("--from", dest="source", required=True, help="sqlite:///PATH, a path, "
                    "or a postgresql:// URL")
    cp.add_argument("--to", dest="target", required=True, help="the same kinds")
    cp.add_argument("--replace", action="store_true",
                    help="delete what the target holds first")
    dc = sub.add_parser("discord", help="Discord helpers",
                        description="Discord helpers.")
    dcs = dc.add_subparsers(dest="action", metavar="ACTION", required=True)
    inv = dcs.add_parser("invite-url", help="print the OAuth2 URL that adds the bot to a server",
                         description="Print the OAuth2 URL (scopes bot and "
                         "applications.commands, minimal permissions) that adds the bot to "
                         "a server.")
    inv.add_argument("--application-id", type=int,
                     help="default: QUIZBOT_DISCORD_APPLICATION_ID, else read from the token")
    return p


def _cmd_discord(args: argparse.Namespace) -> int:
    from bot.adapters.discord import application_id_from_token, invite_url

    settings = _settings()
    app_id = args.application_id or settings.discord_application_id
    if app_id is None and settings.discord_token is not None:
        try:
            app_id = application_id_from_token(settings.discord_token.get_secret_value())
        except ValueError:
            app_id = None
    if app_id is None:
        print("quizbot: give --application-id, or set QUIZBOT_DISCORD_APPLICATION_ID or "
              "DISCORD_TOKEN", file=sys.stderr)
        return 2
    print(invite_url(app_id))
    return 0


def _settings(db: str | None = None) -> Settings:
    try:
        settings = Settings()
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}"
                             for e in exc.errors())
        raise SystemExit(f"quizbot: bad setting: {problems}") from None
    if not db:
        return settings
    if is_postgres_url(db) or db.startswith("sqlite:"):
        return settings.model_copy(update={"database_url": SecretStr(db)})
    return settings.model_copy(update={"db": Path(db), "database_url": None})


def _cmd_questions(args: argparse.Namespace) -> int:
    if args.action == "schema":
        if args.write:
            args.write.write_text(json_schema(), encoding="utf-8")
        else:
            sys.stdout.write(json_schema())
        return 0
    if args.action == "flags":
        from bot.cli_questions import flags

        settings = _settings(args.db)
        return flags(settings.database(), settings.questions_dir, as_json=args.json,
                     include_closed=args.all)
    path = args.path or _settings().questions_dir
    try:
        bank = load_bank(path)
        if args.action == "validate":
            answers, texts = raw_texts(path)
            vocabulary.use_texts(texts)
            problems = check_rubrics(list(bank), answers)
            if problems:
                raise BankError(problems)
    except BankError as exc:
        print(f"{len(exc.problems)} problem(s) in the question bank:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    if args.action == "validate":
        print(f"ok: {len(bank)} questions in {len(bank.topics)} topics")
        return 0
    from bot.cli_questions import review_ages, review_lines

    stats, ages = bank.stats(), review_ages(bank)
    if args.json:
        print(json.dumps({"questions": len(bank), "topics": len(bank.topics), **stats,
                          "reviewed": ages}, indent=2, sort_keys=True))
        return 0
    print(f"{len(bank)} questions in {len(bank.topics)} topics")
    for group, counts in stats.items():
        print(f"\nby {group}:")
        for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            print(f"  {key:<28} {n:>4}")
    print("\n".join(review_lines(ages)))
    return 0


async def _cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    if args.action == "copy":
        return await _db_copy(args)
    target = settings.database()
    path = Path(sqlite_path(target))
    if not is_postgres_url(target) and not await asyncio.to_thread(path.is_file):
        # these commands read a database; only `quizbot run` makes one
        print(f"quizbot: no database file at {path}; give --db the file `quizbot run` uses "
              "(it creates one on its first start)", file=sys.stderr)
        return 1
    if args.action == "check":
        return await _db_check(target)
    db = await Database.open(target, migrate=False)
    try:
        problems = await db.check_integrity(quick=True)
        if problems:
            raise UnusableDatabaseError(db.path, problems[0], damaged=True)
        if args.action == "migrate":
            applied = await db.migrate()
            print(f"{db.path}: schema version {latest_version(db.dialect)}"
                  + (f" (applied {', '.join(map(str, applied))})" if applied else
                     " (up to date)"))
        else:
            await db.migrate()
            await db.backup(args.dest, force=args.force)
            how = " with pg_dump" if db.dialect == "postgresql" else ""
            print(f"backed up {db.path} to {args.dest}{how}")
    finally:
        await db.close()
    return 0


async def _db_copy(args: argparse.Namespace) -> int:
    from bot.storage.copy import CopyMismatchError, CopyRefusedError, copy_database

    source = await Database.open(args.source, migrate=False, read_only=True)
    try:
        target = await Database.open(args.target)
        try:
            report = await copy_database(source, target, replace=args.replace)
        except (CopyRefusedError, CopyMismatchError) as exc:
            print(f"quizbot: {exc}", file=sys.stderr)
            return 1
        finally:
            await target.close()
    finally:
        await source.close()
    print(f"copied {source.path} to {target.path}; both hold:")
    print("\n".join(report.lines()))
    return 0


async def _db_check(path: str) -> int:
    """The engine's integrity check, read-only: the report on stdout, exit 1 when damaged
    (SQLite: PRAGMA integrity_check; PostgreSQL: every table read through)."""
    from bot.storage.postgres import redact

    shown = redact(path)
    try:
        db = await Database.open(path, migrate=False, read_only=True)
    except UnusableDatabaseError as exc:
        if not exc.damaged:
            raise
        problems = [exc.reason]
    else:
        try:
            problems = await db.check_integrity()
        finally:
            await db.close()
    if not problems:
        print(f"{shown}: ok")
        return 0
    print(f"{shown}: {len(problems)} problem(s):")
    for problem in problems:
        print(f"  {problem}")
    print(f"quizbot: the database {shown} is damaged; restore it from a backup",
          file=sys.stderr)
    return 1


async def _cmd_grading(args: argparse.Namespace) -> int:
    from bot.app import make_judge
    from bot.grading_eval import DEFAULT_SET, EvalSetError, evaluate, load_set, render_text

    settings = _settings()
    if args.action == "explain":
        return _explain(settings.questions_dir, args.entry,
                        args.text if args.text is not None else sys.stdin.read())
    bank = load_bank(settings.questions_dir)
    try:
        entries = load_set(args.eval_set or DEFAULT_SET, bank)
    except EvalSetError as exc:
        print(f"quizbot: {exc}", file=sys.stderr)
        return 2
    judge = make_judge(settings.model_copy(update={"judge": args.judge}))
    report = await evaluate(bank, entries, judge.grade, judge.name)
    print(json.dumps(report.as_dict(), indent=2) if args.json else render_text(report))
    return 0


def _explain(path: Path, entry: str, text: str) -> int:
    """Grade one answer. Works while other entries are broken (mid-edit): only this entry
    must validate, and the vocabulary is read from the raw files."""
    import yaml

    from bot.bank import topic_files
    from bot.domain.grading import grade
    from bot.domain.questions import Question

    question = None
    for file in topic_files(path):
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        items = data.get("questions", []) if isinstance(data, dict) else []
        raw = next((q for q in items if isinstance(q, dict) and q.get("id") == entry), None)
        if raw is None:
            continue
        try:
            question = Question.model_validate({**raw, "topic": data.get("topic", "")})
        except ValidationError as exc:
            print(f"quizbot: {entry} does not validate: {exc}", file=sys.stderr)
            return 1
        break
    if question is None:
        print(f"quizbot: no entry {entry!r} in the bank", file=sys.stderr)
        return 2
    vocabulary.use_texts(raw_texts(path)[1])
    g = grade(question, text)
    print(f"score {g.score:.2f}: covered {len(g.covered)}/{len(question.key_points)}")
    for label, quote in g.evidence:
        print(f"  + {label}: «{quote}»")
    for label in g.missed:
        print(f"  - {label}")
    for m in g.mistakes:
        print(f"  ✗ {m.claim} «{m.quote}» -> {m.correction}")
    for note in g.notes:
        print(f"  ({note})")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    try:
        try:
            return _main(argv)
        finally:
            sys.stdout.flush()  # a reader that went away shows here, not at interpreter exit
    except BrokenPipeError:
        # `quizbot questions stats | head -1`: the reader has what it wanted. Exit as a
        # process killed by SIGPIPE would, without a traceback; devnull takes the rest of
        # the output so that the interpreter's last flush does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 128 + signal.SIGPIPE


NOTHING_TO_RUN = (
    "quizbot: no platform tokens and no terminal for the console: set DISCORD_TOKEN, or "
    "SLACK_BOT_TOKEN with SLACK_APP_TOKEN or SLACK_SIGNING_SECRET (in the environment or "
    ".env), or pass --platform console to read commands from standard input")


def _nothing_to_run(choice: str, platforms: list[str]) -> bool:
    """auto found no tokens and would fall back to the console, but there is no terminal
    (``docker run -d``, a service): the console would read end-of-input and exit 0 at once,
    which looks like success and makes a restart loop. An explicit console choice reads
    scripted input from the pipe as always."""
    return choice == "auto" and platforms == ["console"] and not sys.stdin.isatty()


def _main(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "questions":
        return _cmd_questions(args)
    if args.command == "grading":
        return asyncio.run(_cmd_grading(args))
    if args.command == "discord":
        return _cmd_discord(args)
    settings = _settings(getattr(args, "db", None))
    try:
        if args.command == "db":
            return asyncio.run(_cmd_db(args, settings))
        from bot.logs import configure
        configure(settings)   # text or JSON lines, tokens masked
        platforms = settings.platforms(args.platform)
        if _nothing_to_run(args.platform or settings.platform, platforms):
            print(NOTHING_TO_RUN, file=sys.stderr)
            return 2
        from bot.app import run
        return asyncio.run(run(settings, platforms, user=args.user))
    except (SchemaTooNewError, UnusableDatabaseError, BackupRefusedError,
            UnreachableDatabaseError, FakeClockError) as exc:
        print(f"quizbot: {exc}", file=sys.stderr)
        return 1
    except sqlite3.Error as exc:  # found past opening, e.g. a damaged page read at start-up
        found = unusable(str(settings.db), exc)
        print(f"quizbot: {found or f'the database {settings.db}: {exc}'}", file=sys.stderr)
        return 1
    except BankError as exc:
        print("quizbot: the question bank has problems (run `quizbot questions validate`):",
              file=sys.stderr)
        for problem in exc.problems[:20]:
            print(f"  {problem}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
