"""The weekly digest: each team lead gets, by direct message, one digest per team they lead.

It falls due once a week at the workspace's time (``bot.domain.digest``) and covers the week
before: participation, movers on the team's board, the weakest topics, reviews due across
the team, open appeals and flags (``digest_items``), and the team report's picture of that
week when there is one. Each (lead, team, week) is claimed before it is sent, so a restart
or a retried sweep never sends it twice. ``/team digest off`` stops a lead's digests.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.adapters.base import Actor, Message, Platforms, Section, reply
from bot.bank import QuestionBank
from bot.clock import Clock
from bot.domain.digest import Week, covered_week, describe_mover, digest_due, movers, week_of
from bot.domain.periods import Period
from bot.domain.rounds import Person
from bot.domain.text import count
from bot.services.digest_items import OpenItemsCounter, count_open_items
from bot.services.nudges import WorkspaceTime, deliver_once, workspace_time
from bot.services.reminders import on_or_off
from bot.services.reports import ReportService, pct, topic_averages
from bot.services.teams import TeamService
from bot.storage.db import Database
from bot.storage.digests import Claims, DigestSwitch, TeamWeek
from bot.storage.repositories import Answers, People, Rounds, TeamRow

log = logging.getLogger(__name__)

WEAKEST = 3


class DigestService:
    def __init__(self, db: Database, bank: QuestionBank, clock: Clock, platforms: Platforms,
                 teams: TeamService, reports: ReportService, default: WorkspaceTime, *,
                 open_items: OpenItemsCounter = count_open_items) -> None:
        self.db, self.bank, self.clock, self.platforms = db, bank, clock, platforms
        self.teams, self.reports, self.default, self.open_items = (
            teams, reports, default, open_items)

    async def switch(self, actor: Actor, word: str) -> Message:
        """``/team digest on|off``: the lead's own digests, of every team they lead."""
        on = on_or_off(word, "/team digest on|off")
        now = self.clock.now()
        async with self.db.transaction() as conn:
            person = await People(conn).upsert(actor.platform, actor.workspace, actor.user_id,
                                               actor.display_name, now)
            await DigestSwitch(conn).set(person.id, on, now)
            leads = [t.name for t, p, _ in await TeamWeek(conn).leads() if p.id == person.id]
        teams = ", ".join(leads) if leads else "no team yet (you get them once you lead one)"
        if on:
            return reply("Weekly digest on", f"Each week I message you a digest of each team "
                         f"you lead: {teams}. /team digest off stops it.")
        return reply("Weekly digest off", "No more digests; /team report NAME still works.")

    async def sweep(self) -> int:
        """Send every lead the digest that fell due last, per team, unless sent already;
        returns how many were sent."""
        now = self.clock.now()
        async with self.db.reading() as conn:
            pairs = await TeamWeek(conn).leads()
        sent = 0
        for team, lead, appointed in pairs:
            if self.platforms.get(team.platform) is None:
                continue
            async with self.db.reading() as conn:
                if await DigestSwitch(conn).get(lead.id) is False:
                    continue
                when = await workspace_time(conn, team.platform, team.workspace, self.default)
            due = digest_due(now, when.post_time, when.timezone, when.days)
            if appointed > due:
                continue    # a new lead's first digest is next week's
            week = covered_week(due, when.timezone)
            sent += await self._send(team, lead, week, due, when.timezone)
        return sent

    async def _send(self, team: TeamRow, lead: Person, week: Week, due: datetime,
                    timezone: str) -> bool:
        now = self.clock.now()

        async def compose() -> Message:
            return await self.digest(team, lead, week, due, timezone)

        return await deliver_once(
            self.db, self.platforms, lead,
            claimed=lambda c: Claims(c).has_digest(lead.id, team.id, week.label),
            claim=lambda c: Claims(c).claim_digest(lead.id, team.id, week.label, now),
            sent=lambda c: Claims(c).digest_sent(lead.id, team.id, week.label,
                                                 self.clock.now()),
            release=lambda c: Claims(c).release_digest(lead.id, team.id, week.label),
            compose=compose, what=f"the weekly digest of team {team.id}")

    def _topic(self, question_id: str) -> str:
        q = self.bank.get(question_id)
        return q.topic if q else "(retired)"

    async def digest(self, team: TeamRow, lead: Person, week: Week, due: datetime,
                     timezone: str) -> Message:
        """The digest of ``team`` for ``week``, as ``lead`` receives it."""
        loaded = await self.teams.load(team)
        members = {p.id: p.display_name for p in loaded.members}
        ids = list(members)
        before = week_of(week.monday - timedelta(days=7), timezone)
        zone = ZoneInfo(timezone)
        today = self.clock.now().astimezone(zone).date()
        end_of_day = datetime.combine(today + timedelta(1), time(), tzinfo=zone) - \
            timedelta(microseconds=1)
        async with self.db.reading() as conn:
            rounds = await Rounds(conn).posted_between(team.platform, team.workspace,
                                                       week.start, week.end)
            answers = [a for a in await Answers(conn).in_rounds(ids, [r.id for r in rounds])
                       if not a["late"]]
            practice = await TeamWeek(conn).practice(ids, week.start, week.end)
            points = await TeamWeek(conn).daily_points(ids, week.start, week.end)
            earlier = await TeamWeek(conn).daily_points(ids, before.start, before.end)
            cards_due, with_due = await TeamWeek(conn).reviews_due(ids, end_of_day)
            open_items = await self.open_items(conn, team, ids)
        active = {a["person_id"] for a in answers} | {pid for pid, _, _ in practice}
        quiet = sorted(members[p] for p in ids if p not in active)
        participation = (
            f"{len(active)} of {count(len(ids), 'member')} answered: "
            f"{count(len(answers), 'daily answer')} in {count(len(rounds), 'round')}, "
            f"{count(len(practice), 'practice answer')}."
            + (f"\nNothing from: {', '.join(quiet)}." if quiet and ids else ""))
        moved = movers({members[p]: points.get(p, 0) for p in ids},
                       {members[p]: earlier.get(p, 0) for p in ids})
        graded = [(self._topic(a["question_id"]), float(a["score"])) for a in answers
                  if a["score"] is not None] + [(t, s) for _, t, s in practice if s is not None]
        weakest = sorted(topic_averages(graded).items(), key=lambda kv: (kv[1], kv[0]))
        sections = [
            Section("Participation", participation if ids else "The team has no members."),
            Section("Movers on the team board",
                    "\n".join(describe_mover(m) for m in moved) or "No changes."),
            Section("Weakest topics", "\n".join(
                f"{t}: {pct(v)} average coverage" for t, v in weakest[:WEAKEST])
                or "No graded answers this week."),
            Section("Reviews due", f"{count(cards_due, 'card')} due today across "
                    f"{with_due} of {count(len(ids), 'member')}."),
        ]
        if open_items is not None and (open_items.appeals or open_items.flags):
            sections.append(Section("Open appeals and flags",
                                    f"{count(open_items.appeals, 'appeal')} and "
                                    f"{count(open_items.flags, 'flag')} wait for review."))
        picture = None
        if ids and rounds:
            report = await self.reports.team_report(
                Actor(lead.platform, lead.workspace, lead.user_id, lead.display_name),
                team.name, Period.WEEK, at=week.start + timedelta(days=3))
            picture = report.attachment
        return Message(f"Weekly digest: team {team.name}, week of {week.monday:%d %b %Y}",
                       tuple(sections), f"/team report {team.name} has more; /team digest off "
                       "stops these digests.", attachment=picture)

