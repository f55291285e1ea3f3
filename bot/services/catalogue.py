"""Every command, declared once, and how each platform spells it.

The core speaks in console spellings (``/vote NAME``, ``/team add``); each adapter renders
what it sends through ``spelled`` so people read the command as their platform spells it
(``/quiz vote`` on Slack, ``/vote`` on Discord). Help on every platform, the Slack and
Discord routing tables, the Slack manifest's commands and the README's command table come
from here, and tests check the Discord tree and every reply against it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache

from bot.adapters.base import Message, Section
from bot.services.rights import MATRIX, Power

PLATFORMS = ("console", "slack", "discord")


@dataclass(frozen=True, slots=True)
class Command:
    """One command. ``key`` is the core's name: "team add" runs ``Commands.run("team",
    "add ...")``. A spelling of None means the platform does not have it."""

    key: str
    args: str
    help: str
    console: str
    slack: str | None
    discord: str | None
    group: str = "play"   # play | channel | team | console

    def spelling(self, platform: str) -> str | None:
        return {"console": self.console, "slack": self.slack,
                "discord": self.discord}.get(platform, self.console)

    @property
    def power(self) -> Power:
        return MATRIX.get(self.key, Power.EVERYONE)


def _c(key: str, args: str, help: str, slack: str | None, discord: str | None,
       group: str = "play") -> Command:
    return Command(key, args, help, f"/{key}", slack, discord, group)


def _team(action: str, args: str, help: str) -> Command:
    return _c(f"team {action}", args, help, f"/quizteam {action}", f"/team {action}", "team")


def _channel(word: str, key: str, args: str, help: str, discord: str | None = None) -> Command:
    return _c(key, args, help, f"/quizadmin {word}", f"/schedule {discord or word}", "channel")


CATALOGUE: tuple[Command, ...] = (
    _c("help", "", "this list", "/quiz help", "/help"),
    _c("quiz", "[topic]", "a practice question just for you, graded at once (no topic: a "
       "review that is due, else one of your weakest)", "/quiz", "/quiz"),
    _c("quiz review", "", "your most overdue spaced-repetition card, graded like practice",
       "/quiz review", "/quiz review"),
    _c("quiz rate", "knew|partly|didnt", "after a result, say how well you really knew it "
       "(I knew it, partly, I didn't): your latest review is rescheduled", "/quiz rate",
       "/quiz rate"),
    _c("quiz remind", "on|off", "a direct message each day reviews are due (off until you "
       "turn it on)", "/quiz remind", "/quiz remind"),
    _c("quiz interview", "[topic]", "a private mock interview: three questions, each with "
       "its follow-up, then what you covered and missed and the topics to review",
       "/quiz interview", "/quiz interview"),
    _c("followup", "YOUR ANSWER", "answer the follow-up question asked after your latest "
       "daily or practice answer (a second answer replaces the first)", "/quiz followup",
       "/quiz followup"),
    _c("topics", "", "the topics of the question bank", "/quiz topics", "/topics"),
    _c("leaderboard", "[week|month|all] [channel|workspace|practice|team NAME]",
       "standings, with your own rank", "/leaderboard", "/leaderboard"),
    _c("stats", "", "your streak, points and coverage by topic", "/quizstats", "/stats"),
    _c("results", "[YYYY-MM-DD]", "everyone's result for a revealed round", "/quiz results",
       "/results"),
    _c("vote", "PERSON", "after a reveal, +1 for an answer you learned from (3 per round)",
       "/quiz vote", "/vote"),
    _c("appeal", "[last|YYYY-MM-DD REASON]", "ask the leads to look at your grade again "
       "(alone: your appeals and their decisions)", "/quiz appeal", "/appeal"),
    _c("flag", "QUESTION|last NOTE", "say a question's reference answer is wrong or "
       "outdated", "/quiz flag", "/flag"),
    _channel("show", "schedule", "", "when this channel's daily question is posted"),
    _channel("schedule", "subscribe", "HH:MM [Area/City] [8h] [mon-fri]",
             "post a daily question in this channel", discord="set"),
    _channel("stop", "unsubscribe", "", "stop the daily question in this channel"),
    _channel("post", "post", "", "post today's question now, if today's is not out yet"),
    _channel("topics", "channel topics", "a,b|all", "ask only questions of these topics"),
    _channel("levels", "channel levels", "intern,engineer|all",
             "ask only questions of these levels"),
    _channel("blind", "channel blind", "on|off",
             "answers stay private until the reveal (a button and form)"),
    _channel("followups", "channel followups", "private|thread|off",
             "how the follow-up question after an answer is asked: privately (the default), "
             "in the question's thread, or not at all"),
    _channel("lead", "channel lead", "PERSON", "let a person run this channel's question"),
    _channel("unlead", "channel unlead", "PERSON", "take that back"),
    _channel("award", "award", "PERSON POINTS REASON",
             "add or remove points on the last revealed round"),
    _channel("correct", "correct", "PERSON TOTAL REASON",
             "set someone's total for the last revealed round"),
    _channel("appeals", "appeals", "", "the open appeals and flags to review, with their ids"),
    _channel("accept", "accept", "A-ID POINTS NOTE",
             "accept an appeal: add POINTS to that result (the person is told)"),
    _channel("reject", "reject", "A-ID NOTE", "reject an appeal: points stay (the person is told)"),
    _channel("close", "close", "F-ID NOTE", "close a flag on a reference answer"),
    _team("list", "", "the teams"),
    _team("show", "NAME", "a team's members and leads"),
    _team("create", "NAME", "a new team (one word, like ml-platform)"),
    _team("rename", "NAME NEW", "rename a team"),
    _team("delete", "NAME", "delete a team (points are kept)"),
    _team("add", "NAME PERSON...", "add members"),
    _team("remove", "NAME PERSON...", "remove members"),
    _team("lead", "NAME PERSON", "appoint a lead of the team"),
    _team("unlead", "NAME PERSON", "remove a lead of the team"),
    _team("follow", "NAME GROUP", "membership follows a platform group (role, user group)"),
    _team("unfollow", "NAME", "stop following the group"),
    _team("report", "NAME [week|month|all] [quiet-days]",
          "participation, coverage by topic, who has gone quiet"),
    _team("export", "NAME [week|month|all]", "the ledger rows behind it, as CSV"),
    _team("digest", "on|off", "your weekly digest, by direct message, of each team you lead "
          "(on for every lead)"),
    _c("today", "", "the open daily question again", None, None, "console"),
    _c("advance", "DURATION", "move the clock forward (e.g. 9h) and run what fell due", None,
       None, "console"),
    _c("as", "NAME", "switch who is typing (the --as person is the admin)", None, None,
       "console"),
    _c("quit", "", "leave (Ctrl-D and Ctrl-C too)", None, None, "console"),
)
BY_KEY = {c.key: c for c in CATALOGUE}
WHO = {Power.EVERYONE: "", Power.TEAM_LEAD: "the team's leads",
       Power.MEMBERS_LEAD: "leads of the person's team",
       Power.CHANNEL_LEAD: "the channel's leads", Power.ADMIN: "admins"}


def spell(key: str, platform: str) -> str:
    """How ``platform`` spells the command ``key`` (KeyError for an unknown key)."""
    command = BY_KEY[key]
    return command.spelling(platform) or command.console


def usage(key: str, platform: str = "console") -> str:
    command = BY_KEY[key]
    return f"{spell(key, platform)} {command.args}".strip()


def help_line(command: Command, platform: str) -> str:
    who = WHO[command.power]
    return f"{usage(command.key, platform)}: {command.help}" + (f" ({who})" if who else "")


def help_text(platform: str, group: str | None = None) -> str:
    """The commands ``platform`` has (of one group, or all), one per line."""
    return "\n".join(help_line(c, platform) for c in CATALOGUE
                     if c.spelling(platform) and (group is None or c.group == group))


def slash_commands(platform: str) -> list[str]:
    """The platform's top-level slash commands, in catalogue order."""
    names: dict[str, None] = {}
    for c in CATALOGUE:
        spelt = c.spelling(platform)
        if spelt:
            names[spelt.split()[0]] = None
    return list(names)


def route(platform: str, command: str, text: str) -> tuple[str, str] | None:
    """A platform's command and its text, as the core's (name, args); None if unknown."""
    word, _, rest = text.strip().partition(" ")
    table = _routes(platform)
    key = table.get(f"{command} {word.lower()}") if word else None
    if key is None:
        key, rest = table.get(command), text.strip()
        if key is None:
            return None
    name, _, action = key.partition(" ")
    return name, f"{action} {rest}".strip()


@cache
def _routes(platform: str) -> dict[str, str]:
    return {spelt: c.key for c in CATALOGUE if (spelt := c.spelling(platform))
            and c.group != "console"}


#: the bare group words, as each platform spells the group
GROUPS = {"slack": {"/team": "/quizteam", "/channel": "/quizadmin"},
          "discord": {"/channel": "/schedule"}}


@cache
def _swaps(platform: str) -> tuple[re.Pattern[str], dict[str, str]]:
    """Console spellings -> this platform's, plus the platform's own spellings unchanged (so
    spelling twice changes nothing), longest first."""
    swaps = dict(GROUPS.get(platform, {}))
    swaps.update({c.console: spell(c.key, platform) for c in CATALOGUE})
    swaps.update({own: own for c in CATALOGUE if (own := c.spelling(platform))})
    alternatives = "|".join(re.escape(k) for k in sorted(swaps, key=len, reverse=True))
    return re.compile(rf"(?<![\w/])(?:{alternatives})(?![\w/-])"), swaps


def spelled_text(text: str, platform: str) -> str:
    """Console spellings of commands in ``text``, rewritten as ``platform`` spells them."""
    if platform == "console" or "/" not in text:
        return text
    pattern, swaps = _swaps(platform)
    return pattern.sub(lambda m: swaps[m.group(0)], text)


def spelled(message: Message, platform: str) -> Message:
    """``message`` with every command in it spelled for ``platform``."""
    if platform == "console":
        return message
    return replace(message, title=spelled_text(message.title, platform),
                   footer=spelled_text(message.footer, platform),
                   sections=tuple(Section(spelled_text(s.heading, platform),
                                          spelled_text(s.body, platform))
                                  for s in message.sections))


def named_commands(text: str) -> list[str]:
    """Every command-looking token in ``text`` ("/quizadmin stop", "/vote"), for tests."""
    return re.findall(r"(?<![\w/<])/[a-z]+(?: [a-z]+)?(?![\w/-])", text)
