"""Repositories: every SQL statement quizbot runs, grouped by the domain object it serves.

A repository wraps the connection of the current unit of work; the service decides where
transactions begin and end (``async with db.transaction() as conn: Rounds(conn)...``).

Each aggregate has its own module (``people``, ``subscriptions``, ``rounds``, ``answers``
with stray replies, ``events``, ``scores``, ``verdicts``, ``practice``, ``teams``, ``cards``
of spaced repetition, ``appeals`` with flags, ``follow_ups``, ``interviews``, ``meta``);
``base`` holds the shared base class and row helpers. Import from here.
"""

from bot.storage.repositories.answers import Answers, Strays
from bot.storage.repositories.appeals import Appeals, Flags
from bot.storage.repositories.base import _person, _Repo, feedback_json, stored_grade
from bot.storage.repositories.cards import Cards
from bot.storage.repositories.events import Events
from bot.storage.repositories.follow_ups import FollowUps
from bot.storage.repositories.interviews import Interviews
from bot.storage.repositories.meta import Meta
from bot.storage.repositories.people import People
from bot.storage.repositories.practice import Practice
from bot.storage.repositories.rounds import Rounds
from bot.storage.repositories.scores import Scores
from bot.storage.repositories.subscriptions import Subscriptions
from bot.storage.repositories.teams import TeamRow, Teams
from bot.storage.repositories.verdicts import Verdicts

__all__ = [
    "Answers",
    "Appeals",
    "Cards",
    "Events",
    "Flags",
    "FollowUps",
    "Interviews",
    "Meta",
    "People",
    "Practice",
    "Rounds",
    "Scores",
    "Strays",
    "Subscriptions",
    "TeamRow",
    "Teams",
    "Verdicts",
    "_Repo",
    "_person",
    "feedback_json",
    "stored_grade",
]
