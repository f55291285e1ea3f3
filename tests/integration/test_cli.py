"""The `quizbot` command line as a newcomer runs it: real processes, real database files."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.storage.db import latest_version, migrations
from tests.conftest import SAMPLE_BANK
from tests.unit.test_report_picture import check_png

ROOT = Path(__file__).resolve().parents[2]


# A Tuesday morning, UTC: a console run's "/advance 12h" stays within the day. With real
# time, a run started in the evening crossed the next morning's post and saw two rounds.
TUESDAY_MORNING = "2026-03-03T08:00:00+00:00"
CLOCK_FILE: Path | None = None


@pytest.fixture(autouse=True, scope="module")
def _fixed_clock(tmp_path_factory: pytest.TempPathFactory) -> None:
    global CLOCK_FILE
    CLOCK_FILE = tmp_path_factory.mktemp("clock") / "now"
    CLOCK_FILE.write_text(TUESDAY_MORNING)


def clock_file() -> Path:
    """The clock file of this module's runs; made on first use when ``quizbot`` is called
    from another module, whose tests this module's fixture does not reach (the unset path
    used to be '.', a folder, which the file clock silently read as real time)."""
    global CLOCK_FILE
    if CLOCK_FILE is None:
        CLOCK_FILE = Path(tempfile.mkdtemp(prefix="quizbot-clock-")) / "now"
        CLOCK_FILE.write_text(TUESDAY_MORNING)
    return CLOCK_FILE


def quizbot_env(bank: Path | None = SAMPLE_BANK, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("QUIZBOT_", "DISCORD_", "SLACK_"))}
    env["QUIZBOT_FAKE_TIME_FILE"] = str(clock_file())
    # Piped input is a console script: say so, since auto refuses to start the console
    # without a terminal (test_auto_without_tokens_or_terminal_says_what_to_set).
    env["QUIZBOT_PLATFORM"] = "console"
    if bank is not None:
        env["QUIZBOT_QUESTIONS_DIR"] = str(bank)
    # This checkout's bot, also from another folder (an editable install may point elsewhere).
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env | extra


def quizbot(*args: str, stdin: str = "", bank: Path | None = SAMPLE_BANK,
            cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, text=True,
                          capture_output=True, env=quizbot_env(bank, **env), cwd=cwd or ROOT,
                          timeout=60)


def one_line_error(res: subprocess.CompletedProcess[str]) -> str:
    """A refusal: a non-zero exit and exactly one line on stderr, never a traceback."""
    assert res.returncode != 0, res.stdout
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("quizbot: "), res.stderr
    return lines[0]


SESSION = "My answer about tokens and subwords\n/advance 12h\n/leaderboard all\n"


def test_scripted_console_session_runs_the_whole_loop(tmp_path: Path) -> None:
    db = tmp_path / "qb.db"
    first = quizbot("run", "--platform", "console", "--db", str(db), "--as", "alice",
                    stdin=SESSION)
    assert first.returncode == 0, first.stderr
    out = first.stdout
    question_at = out.index("Daily question for")
    ack_at = out.index("✓ answer recorded")
    reveal_at = out.index("Reveal: daily question")
    board = re.search(r"1\. alice: (\d+)", out)
    assert board is not None, out
    board_at = board.start()
    assert question_at < ack_at < reveal_at < board_at
    assert "[Reference answer]" in out

    again = quizbot("run", "--platform", "console", "--db", str(db), "--as", "alice",
                    stdin=SESSION)
    assert again.returncode == 0, again.stderr
    assert "Daily question for" not in again.stdout  # no second round for the same date
    assert again.stdout.count("alice:") == 1
    assert f"1. alice: {board.group(1)}" in again.stdout  # same points: nothing paid twice
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM rounds").fetchone()[0] == 1
        assert conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == 1


def test_console_practice_help_and_bad_input(tmp_path: Path) -> None:
    script = "/help\n/quiz sampel\n/quiz sample\nsubwords and a vocabulary\n/advance soon\n\n"
    res = quizbot("run", "--db", str(tmp_path / "q.db"), "--as", "bob", stdin=script)
    assert res.returncode == 0, res.stderr
    assert "/leaderboard [week|month|all]" in res.stdout
    assert "Did you mean: sample" in res.stdout
    assert "Practice question" in res.stdout and "Reference answer" in res.stdout
    assert "is not a duration" in res.stdout


def test_defaults_to_console_and_data_dir(tmp_path: Path) -> None:
    res = quizbot("run", "--as", "carol", stdin="/leaderboard\n", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "data" / "quizbot.db").exists()


@pytest.mark.parametrize("stdin", ["", SESSION])
def test_auto_without_tokens_or_terminal_says_what_to_set(tmp_path: Path, stdin: str) -> None:
    # `docker run -d` with no tokens: no console fallback that reads end-of-input and exits
    # 0 (a silent exit, or a restart loop), but one line naming what is missing, exit 2.
    for how in [("run",), ("run", "--platform", "auto")]:
        res = quizbot(*how, "--db", str(tmp_path / "q.db"), stdin=stdin, cwd=tmp_path,
                      QUIZBOT_PLATFORM="auto")
        assert res.returncode == 2, res.stdout
        line = one_line_error(res)
        assert "DISCORD_TOKEN" in line and "SLACK_BOT_TOKEN" in line
        assert "--platform console" in line
        assert res.stdout == ""
    assert list(tmp_path.iterdir()) == []  # no database made, nothing started


def test_platforms_without_tokens_say_what_to_set(tmp_path: Path) -> None:
    res = quizbot("run", "--platform", "discord", "--db", ":memory:", cwd=tmp_path)
    assert res.returncode == 2 and "Discord needs DISCORD_TOKEN" in res.stderr
    res = quizbot("run", "--platform", "slack", "--db", ":memory:", cwd=tmp_path)
    assert res.returncode == 2 and "SLACK_BOT_TOKEN" in res.stderr


def test_questions_validate_names_every_bad_file_and_entry(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text((SAMPLE_BANK / "sample.yaml").read_text()
                                        .replace("topic: sample", "topic: good"))
    (tmp_path / "broken.yaml").write_text("topic: broken\n  - : [\n")
    (tmp_path / "bad.yaml").write_text(
        "topic: bad\ntitle: Bad\nlevel: wizard\ndescription: nothing good here\nquestions:\n"
        "  - id: q-one\n    prompt: What?\n    kind: concept\n    difficulty: 9\n"
        "    answer: too short\n    key_points: []\n")
    res = quizbot("questions", "validate", str(tmp_path))
    assert res.returncode == 1
    err = res.stderr
    assert "broken.yaml: cannot read YAML" in err
    assert "bad.yaml: level" in err
    assert "bad.yaml: entry 'q-one': difficulty" in err
    assert "bad.yaml: entry 'q-one': key_points" in err
    assert "good.yaml" not in err
    ok = quizbot("questions", "validate", str(tmp_path / "good.yaml"))
    assert ok.returncode == 0 and "ok: 3 questions" in ok.stdout


def test_questions_stats_json() -> None:
    res = quizbot("questions", "stats", "--json")
    assert res.returncode == 0
    stats = json.loads(res.stdout)
    assert stats["questions"] == 3 and stats["topic"] == {"sample": 3}
    assert stats["kind"] == {"concept": 2, "math": 1}


def make_db(path: Path) -> int:
    """A database as people have one: made by `quizbot run`, with a round and an answer.
    Returns how many answers it holds."""
    res = quizbot("run", "--db", str(path), "--as", "alice", stdin=SESSION)
    assert res.returncode == 0, res.stderr
    assert not Path(f"{path}-wal").exists()  # closed cleanly: everything is in the file
    return answers_in(path)


def answers_in(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        count: int = conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
    conn.close()
    return count


def test_db_migrate_and_backup(tmp_path: Path) -> None:
    db = tmp_path / "q.db"
    with sqlite3.connect(db) as conn:  # a database from before schema_version existed
        conn.execute("CREATE TABLE kept (x INTEGER)")
    conn.close()
    res = quizbot("db", "migrate", "--db", str(db))
    # every bundled migration, in order (numbers may skip: 0013 landed before 0012)
    every = ", ".join(str(version) for version, _, _ in migrations())
    assert res.returncode == 0 and f"applied {every}" in res.stdout
    res = quizbot("db", "migrate", "--db", str(db))
    assert "up to date" in res.stdout
    res = quizbot("db", "backup", str(tmp_path / "copy.db"), "--db", str(db))
    assert res.returncode == 0
    with sqlite3.connect(tmp_path / "copy.db") as conn:
        assert conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] == \
            latest_version()
    conn.close()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []
    res = quizbot("db", "check", "--db", str(db))
    assert res.returncode == 0 and res.stdout.strip() == f"{db}: ok"


@pytest.mark.parametrize("action", [["migrate"], ["check"], ["backup", "copy.db"]])
def test_db_commands_refuse_a_missing_database(tmp_path: Path, action: list[str]) -> None:
    # A typo in --db used to create (and migrate, and back up) an empty database.
    res = quizbot("db", *action, "--db", str(tmp_path / "typo.db"), cwd=tmp_path)
    assert "no database file at" in one_line_error(res)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_backup_refuses_the_database_itself_by_any_name(tmp_path: Path) -> None:
    db = tmp_path / "q.db"
    answers = make_db(db)
    (tmp_path / "link.db").symlink_to(db)
    os.link(db, tmp_path / "hard.db")
    (tmp_path / "sub").mkdir()
    for dest, cwd in [(str(db), ROOT), ("q.db", tmp_path), ("./sub/../q.db", tmp_path),
                      ("link.db", tmp_path), ("hard.db", tmp_path), (f"{db}-wal", ROOT)]:
        res = quizbot("db", "backup", dest, "--db", "q.db", "--force", cwd=tmp_path)
        assert "is the database" in one_line_error(res), (dest, cwd)
    assert answers_in(db) == answers > 0


def test_backup_refuses_an_existing_file_and_a_missing_folder(tmp_path: Path) -> None:
    db = tmp_path / "q.db"
    answers = make_db(db)
    copy = tmp_path / "copy.db"
    copy.write_text("someone's notes")
    res = quizbot("db", "backup", str(copy), "--db", str(db))
    assert "exists; pass --force" in one_line_error(res)
    assert copy.read_text() == "someone's notes"
    res = quizbot("db", "backup", str(copy), "--db", str(db), "--force")
    assert res.returncode == 0, res.stderr
    assert answers_in(copy) == answers
    res = quizbot("db", "backup", str(tmp_path / "nowhere" / "copy.db"), "--db", str(db))
    assert "folder" in one_line_error(res) and "does not exist" in res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.db", "q.db"]  # no .part left


def zero_page(path: Path, table: str) -> None:
    """Overwrite ``table``'s root b-tree page with zeros, as a bad disk sector would."""
    with sqlite3.connect(path) as conn:
        size = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?",
                            (table,)).fetchone()[0]
    conn.close()
    with path.open("r+b") as f:
        f.seek((root - 1) * size)
        f.write(bytes(size))


def test_a_damaged_database_is_found_and_refused(tmp_path: Path) -> None:
    db = tmp_path / "q.db"
    make_db(db)
    zero_page(db, "rounds")  # start-up reads it; quick_check would take 1 s a 500 MB file
    check = quizbot("db", "check", "--db", str(db))
    assert check.returncode == 1 and "problem" in check.stdout and "ok" not in check.stdout
    assert "Traceback" not in check.stderr
    res = quizbot("db", "backup", str(tmp_path / "copy.db"), "--db", str(db))
    assert "damaged" in one_line_error(res)
    assert not (tmp_path / "copy.db").exists()
    res = quizbot("db", "migrate", "--db", str(db))
    assert "up to date" not in res.stdout
    line = one_line_error(res)
    assert f"{db} is damaged" in line and "restore it from a backup" in line
    assert "quizbot db check" in line
    assert "is damaged" in one_line_error(quizbot("run", "--db", str(db), stdin=SESSION))


def test_a_file_that_is_not_a_database_is_named(tmp_path: Path) -> None:
    db = tmp_path / "q.db"
    db.write_bytes(b"these are not the pages you are looking for\n" * 200)
    check = quizbot("db", "check", "--db", str(db))
    assert check.returncode == 1 and "file is not a database" in check.stdout
    for command in [("run",), ("db", "migrate"), ("db", "backup", str(tmp_path / "c.db"))]:
        line = one_line_error(quizbot(*command, "--db", str(db), stdin=""))
        assert "is damaged (file is not a database)" in line, command


@contextlib.contextmanager
def unwritable(path: Path) -> Iterator[None]:
    """``path`` (a file or a folder) made unwritable for the quizbot processes. Root ignores
    permission bits, so as root the file is made immutable instead (chattr +i), which binds
    root too; where that is not allowed either (no CAP_LINUX_IMMUTABLE), the test skips."""
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            path.chmod(mode)
        return
    chattr = shutil.which("chattr")
    if chattr is None:
        pytest.skip("running as root, which ignores file permissions, and chattr is missing")
    made = subprocess.run([chattr, "+i", str(path)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip("running as root, which ignores file permissions, and cannot make a file "
                    f"immutable here: {made.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", str(path)], check=True)


def test_a_read_only_database_is_refused_at_start_up(tmp_path: Path) -> None:
    db = tmp_path / "q.db"
    answers = make_db(db)
    with unwritable(db):
        for command in [("run",), ("db", "migrate")]:
            line = one_line_error(quizbot(*command, "--db", str(db), stdin=SESSION))
            assert f"the database {db} cannot be written" in line, command
            assert "writable" in line
        check = quizbot("db", "check", "--db", str(db))  # reading needs no write access
        assert check.returncode == 0, check.stderr
    assert answers_in(db) == answers


def test_a_database_in_a_read_only_folder_is_refused_at_start_up(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    make_db(folder / "q.db")
    with unwritable(folder):
        for name in ("q.db", "new.db"):
            res = quizbot("run", "--db", str(folder / name), stdin=SESSION)
            assert "cannot be written" in one_line_error(res), name
    assert sorted(p.name for p in folder.iterdir()) == ["q.db"]


def test_newer_database_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    db = tmp_path / "q.db"
    make_db(db)
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO schema_version VALUES (99, 'x', 'y')")
    conn.close()
    res = quizbot("run", "--db", str(db), stdin="")
    assert res.returncode == 1
    assert "schema version 99" in res.stderr and "Traceback" not in res.stderr


@pytest.mark.parametrize("command", [["--help"], ["run", "--help"], ["questions", "--help"],
                                     ["questions", "validate", "--help"],
                                     ["questions", "stats", "--help"], ["db", "--help"],
                                     ["db", "migrate", "--help"], ["db", "backup", "--help"],
                                     ["db", "check", "--help"]])
def test_every_command_has_help(command: list[str]) -> None:
    res = quizbot(*command)
    assert res.returncode == 0 and "usage: quizbot" in res.stdout


def test_bad_settings_are_reported_without_a_traceback(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("QUIZBOT_TIMEZONE=Mars/Olympus\nSLACK_BOT_TOKEN=xoxb-secret-value\n")
    res = quizbot("run", stdin="", cwd=tmp_path)
    assert res.returncode != 0
    assert "timezone" in res.stderr and "Traceback" not in res.stderr
    assert "xoxb-secret-value" not in res.stderr + res.stdout


@pytest.mark.parametrize("content", [None, "tomorrow-ish"])
def test_a_fake_clock_file_missing_or_garbled_stops_the_start(tmp_path: Path,
                                                               content: str | None) -> None:
    clock = tmp_path / "now"
    if content is not None:
        clock.write_text(content)
    res = quizbot("run", "--platform", "console", "--db", str(tmp_path / "q.db"),
                  stdin=SESSION, QUIZBOT_FAKE_TIME_FILE=str(clock))
    line = one_line_error(res)
    assert line.startswith("quizbot: bad setting: fake_time_file:")
    assert f"QUIZBOT_FAKE_TIME_FILE names {clock}, which " in line
    assert ("does not exist" if content is None else "'tomorrow-ish'") in line
    assert res.stdout == "" and not (tmp_path / "q.db").exists()


def test_an_unknown_log_level_says_which_are_allowed(tmp_path: Path) -> None:
    res = quizbot("run", "--db", str(tmp_path / "q.db"), QUIZBOT_LOG_LEVEL="banana")
    line = one_line_error(res)
    assert "log_level" in line and "banana" in line
    assert "DEBUG, INFO, WARNING, ERROR, CRITICAL" in line
    assert not (tmp_path / "q.db").exists()
    ok = quizbot("run", "--db", str(tmp_path / "q.db"), QUIZBOT_LOG_LEVEL="info")
    assert ok.returncode == 0, ok.stderr


def test_a_reader_that_goes_away_gets_no_traceback() -> None:
    # `quizbot questions stats | head -1`, made deterministic: the reading end is closed
    # before quizbot writes anything, so its first write meets a broken pipe.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run([sys.executable, "-m", "bot", "questions", "stats"],
                              stdout=write_end, stderr=subprocess.PIPE, text=True,
                              env=quizbot_env(), cwd=ROOT, timeout=60)
    finally:
        os.close(write_end)
    assert proc.returncode == 141  # as if killed by SIGPIPE, which Python ignores
    assert proc.stderr == ""


GOOD_ANSWER = ("Overfitting is when the model memorises noise in its training set: validation "
               "loss goes up while training loss keeps falling. Dropout and weight decay "
               "help, and early stopping halts training at the best validation point.")
LEAD_DAY = f"""/team create backend
/team add backend bob carol
{GOOD_ANSWER}
/as bob
validation loss, dropout, early stopping
/team create rogue
/as carol
/advance 12h
/vote bob
/as bob
/vote bob
/as alice
/award bob 2 great clarifying question in the thread
/correct bob 1 keyword list, not an explanation
/leaderboard team backend all
/team report backend all
/team export backend all
/stats
"""


def test_scripted_lead_day(tmp_path: Path) -> None:
    res = quizbot("run", "--db", str(tmp_path / "q.db"), "--as", "alice", stdin=LEAD_DAY)
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert "Team backend created" in out and "bob, carol added to backend" in out
    assert out.count("✓ answer recorded") == 2
    assert "Only a workspace admin can do that" in out  # bob may not create teams
    reveal = out[out.index("Reveal: daily question"):]
    assert re.search(r"1\. alice: \+\d+ pts?, covered", reveal)
    assert "reads like a list of keywords" in reveal  # bob's keyword dump
    assert "+1 to bob" in out and "own answer" in out
    assert "bob's points for" in out and "now" in out and "corrected to 1" in out
    board = out[out.index("Leaderboard team backend"):]
    assert "1. bob: 1" in board
    report = out[out.index("Team backend report"):]
    assert "bob: 1/1 rounds (100%)" in report and "carol: 0/1 rounds (0%)" in report
    exports = tmp_path / "exports"                   # next to the database
    picture = exports / "quizbot-backend-all-report.png"
    assert f"Written to {picture}" in report
    check_png(picture.read_bytes())
    export = exports / "quizbot-backend-all.csv"
    assert f"Written to {export}" in out[out.index("Ledger export"):]
    assert "id,created_at,person" not in out           # the CSV is not printed any more
    rows = list(csv.DictReader(export.open(encoding="utf-8")))
    reasons = {r["reason"] for r in rows}
    assert {"peer-vote", "correction", "lead-award"} <= reasons
    assert "Stats for alice" in out


def test_grading_explain_shows_evidence_misses_and_mistakes() -> None:
    res = quizbot("grading", "explain", "sample-tokens",
                  "Rare words split into subword pieces. Tokens come from a fixed vocabulary "
                  "built with BPE. A token is always a whole word.")
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert "+ Where tokens come from: «" in out and "- What unit it is" in out
    assert "✗ A token is always one whole word." in out
    little = quizbot("grading", "explain", "sample-tokens",
                     "Tokens come from a fixed vocabulary. A token is always a whole word.")
    assert "score 0.00" in little.stdout and "too little else that is right" in little.stdout
    unknown = quizbot("grading", "explain", "no-such-entry", "text")
    assert unknown.returncode == 2 and "no entry 'no-such-entry'" in unknown.stderr


def test_grading_eval_prints_figures_as_text_and_json(tmp_path: Path) -> None:
    (tmp_path / "sample.yaml").write_text(
        "topic: sample\nentries:\n- id: sample-softmax\n  answers:\n  - label: correct\n"
        "    style: plain\n    text: Softmax exponentiates each score and divides by the sum of"
        " the exponentials, so the outputs are a probability distribution.\n"
        "  - label: wrong\n    style: confident-wrong\n    text: Softmax picks only the largest"
        " score and sets the others to zero.\n")
    text = quizbot("grading", "eval", "--set", str(tmp_path))
    assert text.returncode == 0, text.stderr
    assert "AUC correct vs wrong" in text.stdout and "[held-out]" in text.stdout
    js = quizbot("grading", "eval", "--json", "--set", str(tmp_path))
    figures = json.loads(js.stdout)
    assert figures["judge"] == "rubric" and figures["all"]["auc_correct_vs_wrong"] == 1.0
    bad = quizbot("grading", "eval", "--set", str(tmp_path / "missing"))
    assert bad.returncode == 2 and "no such file or folder" in bad.stderr
