"""Scores: the points ledger (awards, corrections, peer votes) and the leaderboard totals
kept in step with it."""

from __future__ import annotations

from datetime import datetime

from bot.domain.scoring import Award, Board, Standing
from bot.domain.totals import offset_spans, period_keys, sub_scope, workspace_scope
from bot.storage.connection import Connection, Row, dialect_of
from bot.storage.db import fetch_all, fetch_one, from_db, to_db
from bot.storage.repositories.base import _Repo

# (local time, its week's Monday, its month) of a ledger row, in each engine's date functions
_SQLITE_LOCAL = ("datetime(substr(e.created_at, 1, 19), o.offset_s || ' seconds')",
                 "date(lt, '-' || ((strftime('%w', lt) + 6) % 7) || ' days')",
                 "strftime('%Y-%m', lt)")
_PG_LOCAL = ("(substr(e.created_at, 1, 19)::timestamp + make_interval(secs => o.offset_s))",
             "to_char(date_trunc('week', lt), 'YYYY-MM-DD')", "to_char(lt, 'YYYY-MM')")


class Scores(_Repo):
    """The ledger, and the leaderboard totals kept in step with it. Workspace-wide totals
    use ``totals_tz`` for their weeks and months; channel totals use the channel's zone."""

    def __init__(self, conn: Connection, totals_tz: str = "UTC") -> None:
        super().__init__(conn)
        self.totals_tz = totals_tz
        self._team_join = "JOIN" if dialect_of(conn) == "postgresql" else "CROSS JOIN"

    async def add(self, award: Award, *, board: Board, subscription_id: int | None,
                  round_id: int | None, at: datetime, actor_id: int | None = None) -> bool:
        """Write one ledger row; False if the rule already paid this (round, person, reason)."""
        rows = await self.conn.execute_fetchall(
            "INSERT INTO score_events (person_id, subscription_id, round_id, board, points,"
            " reason, note, actor_id, created_at) VALUES (?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT DO NOTHING RETURNING 1",
            (award.person_id, subscription_id, round_id, board.value, award.points,
             award.reason.value, award.note, actor_id, to_db(at)))
        if not rows:
            return False
        await self._count(award.person_id, subscription_id, board.value, award.points, at)
        return True

    async def _count(self, person_id: int, subscription_id: int | None, board: str,
                     points: int, at: datetime) -> None:
        """Add points to every total the ledger row counts toward (same transaction)."""
        row = await fetch_one(
            self.conn, "SELECT p.platform, p.workspace, s.timezone FROM people p LEFT JOIN"
            " subscriptions s ON s.id = ? WHERE p.id = ?", (subscription_id, person_id))
        if row is None:
            return
        targets = [(workspace_scope(row[0], row[1]), self.totals_tz)]
        if subscription_id is not None and row[2]:
            targets.append((sub_scope(subscription_id), row[2]))
        await self.conn.executemany(
            "INSERT INTO score_totals (scope, board, period, person_id, points)"
            " VALUES (?,?,?,?,?) ON CONFLICT (scope, board, period, person_id)"
            " DO UPDATE SET points = score_totals.points + excluded.points",
            [(scope, board, key, person_id, points)
             for scope, tz in targets for key in period_keys(at, tz)])

    async def rebuild_totals(self) -> int:
        """Recompute every total from the ledger (first use, or the default zone changed).

        Done in SQL so a large ledger costs no Python memory: a temp table lists, for every
        zone in use, the UTC spans over which its offset is constant; each ledger row takes
        its local time from its span, and weeks (from Monday) and months group by that."""
        await self.conn.execute("DELETE FROM score_totals")
        span = await fetch_one(self.conn, "SELECT MIN(created_at), MAX(created_at), COUNT(*)"
                                          " FROM score_events")
        if span is None or not span[2]:
            return 0
        zones = {self.totals_tz} | {r[0] for r in await fetch_all(
            self.conn, "SELECT DISTINCT timezone FROM subscriptions")}
        postgres = dialect_of(self.conn) == "postgresql"
        temp, text = ("pg_temp", 'TEXT COLLATE "C"') if postgres else ("temp", "TEXT")
        await self.conn.execute(f"DROP TABLE IF EXISTS {temp}.tz_spans")
        await self.conn.execute(f"CREATE TEMP TABLE tz_spans (tz {text}, start {text},"
                                f" stop {text}, offset_s INTEGER)")
        first, last = from_db(span[0]), from_db(span[1])
        await self.conn.executemany(f"INSERT INTO {temp}.tz_spans VALUES (?,?,?,?)",
                                    [row for tz in zones for row in offset_spans(tz, first,
                                                                                 last)])
        local, week, month = _PG_LOCAL if postgres else _SQLITE_LOCAL
        spans = f"JOIN {temp}.tz_spans o ON o.tz = {{tz}} AND e.created_at >= o.start" \
                " AND e.created_at < o.stop"
        await self.conn.execute(f"""
            INSERT INTO score_totals (scope, board, period, person_id, points)
            SELECT scope, board, CASE k.kind WHEN 'all' THEN 'all'
                     WHEN 'w' THEN 'w:' || {week} ELSE 'm:' || {month} END AS period,
                   person_id, SUM(points)
            FROM (SELECT 'ws:' || p.platform || ':' || p.workspace AS scope, e.board,
                         e.person_id, e.points, {local} AS lt
                  FROM score_events e JOIN people p ON p.id = e.person_id
                  {spans.format(tz='?')}
                  UNION ALL
                  SELECT 'sub:' || e.subscription_id, e.board, e.person_id, e.points, {local}
                  FROM score_events e JOIN subscriptions s ON s.id = e.subscription_id
                  {spans.format(tz='s.timezone')}) u
            CROSS JOIN (SELECT 'all' AS kind UNION ALL SELECT 'w' UNION ALL SELECT 'm') k
            GROUP BY scope, board, period, person_id""", (self.totals_tz,))
        await self.conn.execute(f"DROP TABLE {temp}.tz_spans")
        return int(span[2])

    async def top(self, *, scope: str, board: Board, period: str, limit: int = 10,
                  team_id: int | None = None) -> list[Standing]:
        """The leaders of a board from the totals (ties share the lower rank number)."""
        if team_id is None:
            rows = await fetch_all(
                self.conn, "SELECT t.person_id, t.points, p.display_name FROM score_totals t"
                " JOIN people p ON p.id = t.person_id WHERE t.scope=? AND t.board=?"
                " AND t.period=? AND t.points <> 0 ORDER BY t.points DESC, p.display_name"
                " LIMIT ?", (scope, board.value, period, limit))
        else:
            # Walk the (small) team and look each member's total up by primary key; on
            # SQLite CROSS JOIN fixes that order (its planner would otherwise scan the whole
            # scope); PostgreSQL's planner finds it alone, and takes no ON after CROSS JOIN.
            rows = await fetch_all(
                self.conn, "SELECT t.person_id, t.points, p.display_name FROM team_members m"
                f" {self._team_join} score_totals t ON t.scope=? AND t.board=? AND t.period=?"
                " AND t.person_id = m.person_id JOIN people p ON p.id = t.person_id"
                " WHERE m.team_id=? AND t.points <> 0 ORDER BY t.points DESC,"
                " p.display_name LIMIT ?", (scope, board.value, period, team_id, limit))
        out: list[Standing] = []
        for i, r in enumerate(rows):
            rank = out[-1].rank if out and out[-1].points == r["points"] else i + 1
            out.append(Standing(rank, r["person_id"], r["display_name"], r["points"]))
        return out

    async def rank_of(self, person_id: int, *, scope: str, board: Board, period: str,
                      team_id: int | None = None) -> Standing | None:
        mine = await fetch_one(
            self.conn, "SELECT t.points, p.display_name FROM score_totals t JOIN people p"
            " ON p.id = t.person_id WHERE t.scope=? AND t.board=? AND t.period=?"
            " AND t.person_id=?", (scope, board.value, period, person_id))
        if mine is None or mine[0] == 0:
            return None
        if team_id is None:
            above = await fetch_one(
                self.conn, "SELECT COUNT(*) FROM score_totals WHERE scope=? AND board=? AND"
                " period=? AND points > ?", (scope, board.value, period, mine[0]))
        else:
            above = await fetch_one(
                self.conn, f"SELECT COUNT(*) FROM team_members m {self._team_join} score_totals t"
                " ON t.scope=? AND t.board=? AND t.period=? AND t.person_id = m.person_id"
                " WHERE m.team_id=? AND t.points > ?",
                (scope, board.value, period, team_id, mine[0]))
        assert above is not None
        return Standing(int(above[0]) + 1, person_id, mine[1], mine[0])

    async def for_round(self, round_id: int) -> list[Row]:
        return await fetch_all(self.conn, "SELECT * FROM score_events WHERE round_id=?"
                               " ORDER BY id", (round_id,))

    async def correct(self, original_id: int, delta: int, note: str, actor_id: int,
                      at: datetime) -> int:
        """A correction row pointing at the row it corrects; the original stays."""
        row = await fetch_one(
            self.conn,
            "INSERT INTO score_events (person_id, subscription_id, round_id, board, points,"
            " reason, note, actor_id, corrects_id, created_at) SELECT person_id,"
            " subscription_id, round_id, board, ?, 'correction', ?, ?, id, ? FROM score_events"
            " WHERE id=? RETURNING id, person_id, subscription_id, board",
            (delta, note, actor_id, to_db(at), original_id))
        if row is None:
            return 0
        await self._count(row["person_id"], row["subscription_id"], row["board"], delta, at)
        return int(row["id"])

    async def standalone_correction(self, award: Award, *, board: Board, actor_id: int,
                                    at: datetime) -> int:
        """A correction with no row to point at (a practice result that earned nothing); its
        id. Counted in the totals like any row."""
        row = await fetch_one(
            self.conn, "INSERT INTO score_events (person_id, board, points, reason, note,"
            " actor_id, created_at) VALUES (?,?,?,?,?,?,?) RETURNING id",
            (award.person_id, board.value, award.points, award.reason.value, award.note,
             actor_id, to_db(at)))
        assert row is not None
        await self._count(award.person_id, None, board.value, award.points, at)
        return int(row[0])

    async def votes_by(self, round_id: int, voter_id: int) -> int:
        row = await fetch_one(self.conn, "SELECT COUNT(*) FROM votes WHERE round_id=? AND"
                              " voter_id=?", (round_id, voter_id))
        return int(row[0]) if row else 0

    async def vote_points_to(self, round_id: int, person_id: int) -> int:
        row = await fetch_one(self.conn, "SELECT COALESCE(SUM(points), 0) FROM score_events"
                              " WHERE round_id=? AND person_id=? AND reason='peer-vote'",
                              (round_id, person_id))
        return int(row[0]) if row else 0

    async def record_vote(self, round_id: int, voter_id: int, answer_id: int,
                          at: datetime) -> bool:
        cur = await self.conn.execute(
            "INSERT INTO votes (round_id, voter_id, answer_id, created_at) VALUES (?,?,?,?)"
            " ON CONFLICT DO NOTHING", (round_id, voter_id, answer_id, to_db(at)))
        return cur.rowcount == 1

    async def ledger(self, *, person_ids: list[int], start: datetime,
                     end: datetime) -> list[Row]:
        """The rows behind a report, for CSV export."""
        if not person_ids:
            return []
        marks = ",".join("?" * len(person_ids))
        return await fetch_all(
            self.conn,
            "SELECT s.id, s.created_at, p.display_name AS person, s.board, s.points, s.reason,"
            " s.note, r.local_date AS round_date, r.question_id, s.corrects_id,"
            " a.display_name AS by_person FROM score_events s JOIN people p ON p.id=s.person_id"
            " LEFT JOIN rounds r ON r.id = s.round_id LEFT JOIN people a ON a.id = s.actor_id"
            f" WHERE s.person_id IN ({marks}) AND s.created_at >= ? AND s.created_at < ?"
            " ORDER BY s.created_at, s.id", (*person_ids, to_db(start), to_db(end)))

    async def totals(self, person_id: int) -> dict[str, int]:
        rows = await fetch_all(self.conn, "SELECT board, SUM(points) FROM score_events WHERE"
                               " person_id=? GROUP BY board", (person_id,))
        return {r[0]: int(r[1]) for r in rows}
