"""What leads and people look at: team reports, CSV exports, personal stats."""

from __future__ import annotations

import asyncio
import csv
import io
from collections import defaultdict
from datetime import date, datetime, timedelta

from bot.adapters.base import Actor, Message, Section, reply
from bot.bank import QuestionBank
from bot.clock import Clock
from bot.domain.calibration import describe
from bot.domain.periods import Period, period_range
from bot.domain.scoring import Board
from bot.domain.text import count
from bot.domain.totals import period_key, workspace_scope
from bot.services import reviews
from bot.services.leaderboard import TITLES
from bot.services.picture import TeamPicture, draw
from bot.services.teams import TeamService
from bot.storage.db import Database
from bot.storage.repositories import (
    Answers,
    People,
    Practice,
    Rounds,
    Scores,
    Subscriptions,
    TeamRow,
)

CSV_COLUMNS = ["id", "created_at", "person", "board", "points", "reason", "note", "round_date",
               "question_id", "corrects_id", "by_person"]


def topic_averages(pairs: list[tuple[str, float]]) -> dict[str, float]:
    sums: dict[str, list[float]] = defaultdict(list)
    for topic, score in pairs:
        sums[topic].append(score)
    return {t: sum(v) / len(v) for t, v in sums.items()}


#: a participation chart with more days than this shows weeks
MAX_DAYS = 45


def pct(x: float) -> str:
    return f"{round(x * 100)}%"


class ReportService:
    def __init__(self, db: Database, bank: QuestionBank, clock: Clock, teams: TeamService, *,
                 default_timezone: str = "UTC") -> None:
        self.db, self.bank, self.clock, self.teams = db, bank, clock, teams
        self.default_timezone = default_timezone

    def _topic(self, question_id: str) -> str:
        q = self.bank.get(question_id)
        return q.topic if q else "(retired)"

    async def _team(self, actor: Actor, name: str) -> TeamRow | Message:
        """The named team, if ``actor`` may read its report (admins and its leads)."""
        row = await self.teams.find(actor, name)
        if row is None:
            return reply(f"No team called {name[:40]}", "See /team list.")
        return await self.teams.rights.team(actor, row) or row

    async def team_report(self, actor: Actor, team_name: str, period: Period,
                          quiet_days: int = 7, *, at: datetime | None = None) -> Message:
        """The report of the period containing ``at`` (now by default; the weekly digest
        asks for the week it covers)."""
        row = await self._team(actor, team_name)
        if isinstance(row, Message):
            return row
        team = await self.teams.load(row)
        now = self.clock.now()
        start, end = period_range(period, at or now, self.default_timezone)
        ids = [p.id for p in team.members]
        async with self.db.reading() as conn:
            rounds = await Rounds(conn).posted_between(actor.platform, actor.workspace, start,
                                                       min(end, now))
            answers = await Answers(conn).in_rounds(ids, [r.id for r in rounds])
            last = await Answers(conn).last_answer_at(ids)
            standings = await Scores(conn).top(
                scope=workspace_scope(actor.platform, actor.workspace), board=Board.DAILY,
                period=period_key(period, now, self.default_timezone), team_id=team.id,
                limit=max(1, len(ids)))
        points = {s.person_id: s.points for s in standings}
        answered: dict[int, set[int]] = defaultdict(set)
        for a in answers:
            if not a["late"]:
                answered[a["person_id"]].add(a["round_id"])
        total = len(rounds)
        lines = []
        for p in sorted(team.members, key=lambda p: (-len(answered[p.id]), p.display_name)):
            rate = len(answered[p.id]) / total if total else 0.0
            lines.append(f"{p.display_name}: {len(answered[p.id])}/{total} rounds "
                         f"({pct(rate)}), {count(points.get(p.id, 0), 'point')}")
        graded = [(a["person_id"], self._topic(a["question_id"]), float(a["score"]))
                  for a in answers if a["score"] is not None and not a["late"]]
        by_topic = topic_averages([(t, score) for _, t, score in graded])
        ranked = sorted(by_topic.items(), key=lambda kv: (-kv[1], kv[0]))
        topics = "\n".join(f"{t}: {pct(v)} average coverage" for t, v in ranked) or \
            "No graded answers in this period."
        cutoff = now - timedelta(days=quiet_days)
        quiet = [p.display_name for p in team.members if last.get(p.id) is None
                 or last[p.id] < cutoff]
        sections = [
            Section("Participation", "\n".join(lines) or "The team has no members yet."),
            Section("Topics (strongest first)", topics),
        ]
        if ranked:
            sections.append(Section("", f"Strongest: {ranked[0][0]}. Weakest: {ranked[-1][0]}."))
        sections.append(Section(f"Quiet for {count(quiet_days, 'day')} or more",
                                ", ".join(quiet) or "Nobody: everyone answered recently."))
        title = f"Team {team.name} report, {TITLES[period]}"
        attachment: tuple[str, str | bytes] | None = None
        if team.members and rounds:
            order = sorted(team.members, key=lambda p: (-len(answered[p.id]), p.display_name))
            by_cell = topic_averages([(f"{pid}\t{t}", score) for pid, t, score in graded])
            days: dict[date, set[int]] = defaultdict(set)
            for r in rounds:
                days[r.local_date] |= {p for p, done in answered.items() if r.id in done}
            per = "day"
            if len(days) > MAX_DAYS:
                per, weeks = "week", defaultdict[date, set[int]](set)
                for d, people in days.items():
                    weeks[d - timedelta(d.weekday())] |= people
                days = weeks
            picture = TeamPicture(
                title, tuple(p.display_name for p in order), tuple(t for t, _ in ranked),
                tuple(tuple(by_cell.get(f"{p.id}\t{t}") for t, _ in ranked) for p in order),
                tuple(len(answered[p.id]) for p in order), total,
                tuple((d, len(days[d])) for d in sorted(days)), per)
            attachment = (f"quizbot-{team.name.replace(' ', '_')}-{period.value}-report.png",
                          await asyncio.to_thread(draw, picture))
        return Message(title, tuple(sections),
                       f"/team export {team.name} {period.value} gives the ledger rows as CSV.",
                       attachment=attachment)

    async def export_csv(self, actor: Actor, team_name: str, period: Period) -> Message:
        row = await self._team(actor, team_name)
        if isinstance(row, Message):
            return row
        team = await self.teams.load(row)
        start, end = period_range(period, self.clock.now(), self.default_timezone)
        async with self.db.reading() as conn:
            rows = await Scores(conn).ledger(person_ids=[p.id for p in team.members],
                                             start=start, end=end)
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for r in rows:
            writer.writerow([_csv_safe(r[c]) for c in CSV_COLUMNS])
        name = f"quizbot-{team.name.replace(' ', '_')}-{period.value}.csv"
        return Message(f"Ledger export: team {team.name}, {TITLES[period]}",
                       (Section("", f"{len(rows)} ledger row(s)."),),
                       attachment=(name, buf.getvalue()))

    async def stats(self, actor: Actor) -> Message:
        async with self.db.reading() as conn:
            person = await People(conn).find(actor.platform, actor.workspace, actor.user_id)
            if person is None:
                return reply("No stats yet", "Answer a daily question or try /quiz first.")
            totals = await Scores(conn).totals(person.id)
            daily = await Answers(conn).graded_by_person(person.id)
            practice = await Practice(conn).graded_by_person(person.id)
            streaks = []
            for sub in await Subscriptions(conn).active([actor.platform]):
                if sub.channel.workspace != actor.workspace:
                    continue
                latest = await Rounds(conn).latest(sub.id)
                if latest is None:
                    continue
                history = await Answers(conn).streak_history(sub.id, person.id,
                                                             latest.local_date + timedelta(1))
                n = _current_streak(history, latest.state.value == "open")
                if n:
                    streaks.append(f"#{sub.channel_name or sub.channel.channel}: {n}")
            due, kept = await reviews.summary(conn, person.id, self.clock.now(),
                                              self.default_timezone)
            shift = await reviews.person_shift(conn, person.id)
        by_topic = topic_averages([(self._topic(q), s) for q, s in daily] + practice)
        ranked = sorted(by_topic.items(), key=lambda kv: (kv[1], kv[0]))
        topics = "\n".join(f"{t}: {pct(v)}" for t, v in ranked) or "Nothing graded yet."
        return Message(f"Stats for {person.display_name}", (
            Section("Streak", ", ".join(streaks) or "No current streak."),
            Section("Points", f"daily {totals.get('daily', 0)}, practice "
                              f"{totals.get('practice', 0)}"),
            Section("Coverage by topic (weakest first)", topics),
            Section("Spaced repetition", f"Reviews due today: {due}\nRetention (last "
                    f"{reviews.RETENTION_DAYS} days): "
                    f"{pct(kept) if kept is not None else 'no reviews yet'}\n"
                    f"Calibration: {describe(shift)}")),
            "/quiz review asks your most overdue card; /quiz with no topic asks a due card, "
            "else one of your weakest topics.")


def _current_streak(history: list[bool], newest_open: bool) -> int:
    """Rounds answered in a row; an open round not answered yet does not break it."""
    if newest_open and history and not history[0]:
        history = history[1:]
    n = 0
    for answered in history:
        if not answered:
            break
        n += 1
    return n


def _csv_safe(value: object) -> object:
    """Stop spreadsheet formula injection from names and notes (=, +, -, @ prefixes)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
