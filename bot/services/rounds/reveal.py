"""Revealing a round at its deadline: grade, pay once, post; and a round's full results.

Points (and each answer's review of its spaced-repetition card) are committed before the
reveal post, so a crash between the two re-posts the reveal but never pays or reviews
twice; a slow judge never holds the database, and a failing one
falls back to the rubric grader.
"""

from __future__ import annotations

from datetime import date

from bot.adapters.base import Message, PlatformError, reply
from bot.domain.grading import Grade, grade
from bot.domain.questions import Question
from bot.domain.rounds import Answer, RoundState
from bot.domain.scoring import Board, Entry, round_awards, streak_length
from bot.domain.subscriptions import ChannelRef
from bot.services import render
from bot.services.reviews import record_review
from bot.services.rounds.base import RoundsBase, log
from bot.storage.repositories import Answers, FollowUps, Rounds, Scores, Subscriptions


class RevealMixin(RoundsBase):
    async def reveal_due(self) -> list[int]:
        """Reveal every open round past its deadline, and finish interrupted reveals."""
        async with self.db.reading() as conn:
            due = await Rounds(conn).past_deadline(self.clock.now())
            unfinished = await Rounds(conn).in_state(RoundState.REVEALING)
        done = []
        for rnd in [*unfinished, *due]:
            async with self._isolated("the reveal", rnd.subscription_id, rnd.id):
                if await self.reveal(rnd.id):
                    done.append(rnd.id)
        return done

    async def reveal(self, round_id: int) -> bool:
        """Close the round, grade and pay (once), then post the reveal; True when posted.

        Three steps so a slow judge never holds the database: claim the round; grade outside
        any transaction; store grades and awards (idempotent: a retried reveal after a crash
        keeps the first grades and cannot pay twice); then post.
        """
        async with self.db.transaction() as conn:
            rnd = await Rounds(conn).get(round_id)
            sub = await Subscriptions(conn).get(rnd.subscription_id) if rnd else None
            if rnd is None or sub is None or not self._running(sub):
                return False
            resumed = rnd.state is RoundState.REVEALING  # an earlier attempt may have posted
            if rnd.state is RoundState.OPEN and not await Rounds(conn).claim_for_reveal(rnd.id):
                return False
            if rnd.state not in (RoundState.OPEN, RoundState.REVEALING):
                return False
            answers = await Answers(conn).for_round(rnd.id)
            graded = await Answers(conn).grades(rnd.id)
        question = self.bank.get(rnd.question_id)
        platform = self.platforms.get(sub.channel.platform)
        if question is None or platform is None:
            log.error("round %s: question %s is no longer in the bank", rnd.id, rnd.question_id)
            return False
        on_time = [a for a in answers if not a.late]
        ungraded = [a for a in on_time if a.person.id not in graded]
        fresh = dict(zip((a.id for a in ungraded),
                         await self.judge_answers(question, [a.text for a in ungraded],
                                                  f"round {rnd.id}"), strict=True))
        async with self.db.transaction() as conn:
            answers_repo, scores = Answers(conn), Scores(conn, self.totals_tz)
            for answer_id, g in fresh.items():
                await answers_repo.set_grade(answer_id, g)
            graded = await answers_repo.grades(rnd.id)
            entries = []
            for a in on_time:
                history = await answers_repo.streak_history(sub.id, a.person.id, rnd.local_date)
                entries.append(Entry(a.person.id, graded[a.person.id].score,
                                     1 + streak_length(history)))
            for award in round_awards(entries, question.difficulty):
                await scores.add(award, board=Board.DAILY, subscription_id=sub.id,
                                 round_id=rnd.id, at=rnd.deadline)
            for a in on_time:  # each graded answer reviews its card, once per round
                await record_review(conn, a.person.id, question.id,
                                    graded[a.person.id].coverage, source="daily",
                                    source_id=rnd.id, at=rnd.deadline)
            lines = await self._result_lines(graded, scores, rnd.id, on_time)
        late = [a.person.display_name for a in answers if a.late]
        message = render.reveal(question, rnd, lines, late, blind=sub.blind or not getattr(
            platform, "reads_replies", True))
        try:
            sent = await self._find_sent(platform, sub.channel, message.key, rnd.thread_id) \
                if resumed else None
            if sent is None:
                sent = await platform.send(sub.channel, message, thread_id=rnd.thread_id)
        except PlatformError as exc:
            log.warning("reveal of round %s failed (%s); the sweeper will retry", rnd.id, exc)
            return False
        async with self.db.transaction() as conn:
            await Rounds(conn).mark_revealed(rnd.id, sent.message_id, self.clock.now())
        return True

    async def judge_answers(self, question: Question, texts: list[str],
                            label: str) -> list[Grade]:
        try:
            return await self.judge.grade_all(question, texts, label=label)
        except Exception:  # a plugged-in judge must never block a reveal
            log.exception("judge %s failed; using the rubric grader", self.judge.name)
            return [grade(question, t) for t in texts]

    @staticmethod
    async def _result_lines(graded: dict[int, Grade], scores: Scores, round_id: int,
                            on_time: list[Answer]) -> list[render.RevealLine]:
        points: dict[int, int] = {}
        for row in await scores.for_round(round_id):
            points[row["person_id"]] = points.get(row["person_id"], 0) + row["points"]
        follow_ups = await FollowUps(scores.conn).replies_for_round(round_id)
        lines = [render.RevealLine(a.person.display_name, points.get(a.person.id, 0),
                                   graded[a.person.id], a.text,
                                   *follow_ups.get(a.person.id, ("", None)))
                 for a in on_time if a.person.id in graded]
        return sorted(lines, key=lambda r: (-r.points, r.name.lower()))

    async def results(self, channel: ChannelRef, day: date | None = None) -> Message:
        """Every person's result for a revealed round (the reveal shows the top only)."""
        async with self.db.reading() as conn:
            sub = await Subscriptions(conn).for_channel(channel)
            rnd = None
            if sub is not None:
                rnd = (await Rounds(conn).on_date(sub.id, day) if day
                       else await Rounds(conn).latest_revealed(sub.id))
            if sub is None or rnd is None or rnd.state is not RoundState.REVEALED:
                return reply("No revealed round found",
                             "Results appear after a round's deadline. Try /results YYYY-MM-DD.")
            answers = [a for a in await Answers(conn).for_round(rnd.id) if not a.late]
            lines = await self._result_lines(await Answers(conn).grades(rnd.id),
                                             Scores(conn, self.totals_tz), rnd.id, answers)
        question = self.bank.get(rnd.question_id)
        if question is None:
            return reply("That question left the bank", "No results to show.")
        return render.full_results(question, rnd, lines)
